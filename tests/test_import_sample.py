"""The sample issue is the golden case: `import` of it gives the bundled content/2022/12/10/ files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from import_support import ROOT, SEED, assert_lossless, make_site, prepare_in, read_article, write

from generator import article_file, cli
from generator.byline import parse_byline

BUNDLED = ROOT / "content" / "2022" / "12" / "10"
# What the editor added by hand to the bundled files and the dump does not carry (section, page, order).
# The importer writes the site's first section, 要闻, and no page or order.
HAND_ADDED = {
    "biao-zhun-hua-rang-ji-guan-shi-wu-chuang-xin-fa-zhan.md": {"page": "1", "order": "1"},
    "cai-lin-yan-ying-nan-shan-gong-yuan.md": {"section": "图片新闻", "page": "1", "order": "2"},
    "chui-shao-ping-tai-zhu-qi-shu-kun.md": {"section": "经济", "page": "2", "order": "1"},
    "40-ming-wai-mai-xiao-ge-huo-zeng-nuan-xin-li-bao.md": {"section": "民生", "page": "2", "order": "2"},
    "da-zu-liang-ren-ji-shen-shi-ming-zhong-yi.md": {"section": "社会", "page": "2", "order": "3"},
    "ji-jian-jian-cha-hu-hang-xiang-cun-zhen-xing.md": {"section": "图片新闻", "page": "2", "order": "4"},
    "jia-kuai-tui-jin-da-zu-ye-yan-qi-kai-fa-he-jiu-di-zhuan-hua.md": {"section": "建言", "page": "3", "order": "1"},
}


@pytest.fixture()
def imported(tmp_path: Path) -> Path:
    site = make_site(tmp_path / "site")
    assert cli.main(["import", str(SEED), "--date", "2022-12-10", "--site", str(site)]) == 0
    return site / "content" / "2022" / "12" / "10"


def test_import_writes_the_seven_bundled_files(imported: Path) -> None:
    assert sorted(p.name for p in imported.glob("*.md")) == sorted(p.name for p in BUNDLED.glob("*.md"))
    assert len(list(imported.glob("*.md"))) == 7


def test_each_file_equals_the_bundled_one_key_by_key_and_body_by_body(imported: Path) -> None:
    for bundled in sorted(BUNDLED.glob("*.md")):
        want, want_body = read_article(bundled)
        got, got_body = read_article(imported / bundled.name)
        assert got_body == want_body, bundled.name
        differences = {key: want[key] for key in want.keys() | got.keys() if want.get(key) != got.get(key)}
        hand = HAND_ADDED[bundled.name]
        assert differences == {key: value for key, value in hand.items()}, bundled.name
        assert got["section"] == "要闻" and "page" not in got and "order" not in got


def test_each_file_has_the_exact_bundled_form_but_for_the_hand_added_lines(imported: Path) -> None:
    for bundled in sorted(BUNDLED.glob("*.md")):
        text = bundled.read_text(encoding="utf-8")
        text = re.sub(r"^(page|order): .*\n", "", text, flags=re.MULTILINE)
        text = re.sub(r"^section: .*$", "section: 要闻", text, flags=re.MULTILINE)
        assert (imported / bundled.name).read_text(encoding="utf-8") == text, bundled.name


def test_the_three_page_break_splits_are_joined_and_reported(tmp_path: Path) -> None:
    prepared = prepare_in(make_site(tmp_path), SEED.read_bytes())
    joins = [(j.first, j.second, j.before[-1] + j.after[0]) for a in prepared.split.articles for j in a.joins]
    assert joins == [(13, 15, "阶段"), (17, 19, "服务"), (55, 57, "特别")]
    bodies = "\n".join(p for a in prepared.split.articles for p in a.paragraphs)
    for word in ("阶段性成效", "管理服务保障", "内心特别温暖"):
        assert word in bodies


def test_the_closing_slogan_is_a_skipped_banner(tmp_path: Path) -> None:
    prepared = prepare_in(make_site(tmp_path), SEED.read_bytes())
    assert [(s.line, s.text) for s in prepared.split.skipped] == [
        (93, "高举中国特色社会主义伟大旗帜"), (95, "为全面建设社会主义现代化国家而团结奋斗")]
    assert all("banner" in s.reason for s in prepared.split.skipped)
    assert not any("旗帜" in a.title for a in prepared.split.articles)


def test_kinds_and_bylines_of_the_sample(tmp_path: Path) -> None:
    prepared = prepare_in(make_site(tmp_path), SEED.read_bytes())
    found = [(a.title, a.kind, a.dateline, [(p.name, p.role, p.org) for p in parse_byline(a.byline).people])
             for a in prepared.split.articles]
    assert found == [
        ("“标准化+”让机关事务创新发展", "news", "", [("何美林", "记者", "新渝报"), ("彭茜", "见习记者", "")]),
        ("彩林掩映南山公园", "photo", "", [("黄舒", "摄影", "新渝报")]),
        ("“吹哨”平台助企纾困", "news", "新渝报讯",
         [("熊敏秀", "记者", ""), ("罗婷婷", "见习记者", ""), ("赵元元", "见习记者", "")]),
        ("40名外卖“小哥”获赠暖心礼包", "news", "新渝报讯", [("邓小强", "记者", "")]),
        ("大足两人跻身市名中医", "news", "新渝报讯", [("崔晓玲", "记者", "")]),
        ("纪检监察护航乡村振兴", "photo", "", [("黄舒", "摄影", "新渝报")]),
        ("加快推进大足页岩气开发和就地转化利用", "opinion", "", [("罗庆伟", "作者", "大足区经济信息委")]),
    ]


def test_the_sample_loses_nothing(tmp_path: Path) -> None:
    prepared = prepare_in(make_site(tmp_path), SEED.read_bytes())
    write(prepared)
    assert_lossless(prepared)


def test_the_review_report(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = imported.parents[3]
    assert cli.main(["import", str(SEED), "--date", "2022-12-10", "--site", str(site), "--dry-run"]) == 0
    report = capsys.readouterr().out
    assert "1. “标准化+”让机关事务创新发展  [news]" in report
    assert "7 paragraph(s)" in report and "8 paragraph(s)" in report
    assert "何美林 记者 (新渝报), 彭茜 见习记者" in report
    assert "罗庆伟 作者 (大足区经济信息委)" in report
    assert "joined line 13 + line 15: …化建设取得阶|段性成效,涉…" in report
    assert "joined line 55 + line 57" in report
    assert "line 93 [heading with no text under it (banner or slogan)]: 高举中国特色社会主义伟大旗帜" in report
    assert "7 article(s) (news 4, opinion 1, photo 2), 3 join(s)" in report
    assert "7 unchanged" in report


def test_importing_twice_is_a_no_op(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in imported.glob("*.md")}
    site = imported.parents[3]
    assert cli.main(["import", str(SEED), "--date", "2022-12-10", "--site", str(site)]) == 0
    assert "Nothing to write" in capsys.readouterr().out
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in imported.glob("*.md")} == before


def test_the_bundled_site_itself_keeps_its_hand_edited_files(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path)
    target = site / "content" / "2022" / "12" / "10"
    target.mkdir(parents=True)
    for bundled in BUNDLED.glob("*.md"):
        (target / bundled.name).write_bytes(bundled.read_bytes())
    assert cli.main(["import", str(SEED), "--date", "2022-12-10", "--site", str(site)]) == 0
    out = capsys.readouterr().out
    assert out.count("kept as it is: hand-edited: ") == 7
    assert all((target / p.name).read_bytes() == p.read_bytes() for p in BUNDLED.glob("*.md"))


def test_a_changed_file_is_not_overwritten_without_force(imported: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    site = imported.parents[3]
    edited = imported / "da-zu-liang-ren-ji-shen-shi-ming-zhong-yi.md"
    text = edited.read_text(encoding="utf-8").replace("大足区2名中医入选。", "大足区两名中医入选。")
    edited.write_text(text, encoding="utf-8")
    (imported / "cai-lin-yan-ying-nan-shan-gong-yuan.md").unlink()
    assert cli.main(["import", str(SEED), "--date", "2022-12-10", "--site", str(site)]) == 1
    err = capsys.readouterr().err
    assert f"{edited}:1: exists and differs from the import (body); use --force to overwrite" in err
    assert edited.read_text(encoding="utf-8") == text
    assert not (imported / "cai-lin-yan-ying-nan-shan-gong-yuan.md").exists()  # all or nothing


def test_force_overwrites_the_text_and_keeps_the_editors_keys(imported: Path) -> None:
    site = imported.parents[3]
    edited = imported / "da-zu-liang-ren-ji-shen-shi-ming-zhong-yi.md"
    text = edited.read_text(encoding="utf-8")
    hand = text.replace("section: 要闻", "section: 社会\npage: 2\norder: 3").replace("2名中医入选", "两名中医入选")
    edited.write_text(hand, encoding="utf-8")
    assert cli.main(["import", str(SEED), "--date", "2022-12-10", "--site", str(site), "--force"]) == 0
    assert edited.read_text(encoding="utf-8") == text.replace("section: 要闻", "section: 社会\npage: 2\norder: 3")


def test_dry_run_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path)
    assert cli.main(["import", str(SEED), "--date", "2022-12-10", "--site", str(site), "--dry-run"]) == 0
    assert "7 would write" in capsys.readouterr().out
    assert not (site / "content").exists()


def test_a_failed_write_leaves_every_file_as_it_was(imported: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = imported.parents[3]
    kept = imported / "da-zu-liang-ren-ji-shen-shi-ming-zhong-yi.md"
    old = kept.read_text(encoding="utf-8").replace("2名中医入选", "两名中医入选")
    kept.write_text(old, encoding="utf-8")
    first = "cai-lin-yan-ying-nan-shan-gong-yuan.md"
    last = "jia-kuai-tui-jin-da-zu-ye-yan-qi-kai-fa-he-jiu-di-zhuan-hua.md"
    removed = {first, last}
    for name in removed:
        (imported / name).unlink()
    calls: list[str | Path] = []

    def failing_replace(source: str | Path, target: str | Path) -> None:
        calls.append(target)
        if len(calls) == 3:
            raise OSError(28, "No space left on device", str(target))
        real_replace(source, target)

    real_replace = article_file.os.replace
    monkeypatch.setattr(article_file.os, "replace", failing_replace)
    prepared = prepare_in(site, SEED.read_bytes(), force=True)
    with pytest.raises(OSError):
        write(prepared)
    # new cai-lin, overwritten da-zu, then the failure on jia-kuai: both undone, no temporary file left
    assert [Path(str(target)).name for target in calls] == [first, kept.name, last]
    assert kept.read_text(encoding="utf-8") == old
    assert sorted(p.name for p in imported.iterdir()) == sorted(set(HAND_ADDED) - removed)


def test_the_imported_issue_builds(imported: Path) -> None:
    site = imported.parents[3]
    assert cli.main(["check", "--site", str(site)]) == 0


def test_section_option_and_its_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path)
    assert cli.main(["import", str(SEED), "--date", "2022-12-10", "--site", str(site), "--section", "jianyan"]) == 0
    meta, _ = read_article(site / "content/2022/12/10/cai-lin-yan-ying-nan-shan-gong-yuan.md")
    assert meta["section"] == "建言"
    assert cli.main(["import", str(SEED), "--date", "2022-12-10", "--site", str(site), "--section", "体育"]) == 2
    assert "--section '体育' is not in site.yaml" in capsys.readouterr().err
    for bad in (["import", str(SEED)], ["import", str(SEED), "--date", "2022-02-30"],
                ["import", str(SEED), "--date", "10/12/2022"], ["import", "--date", "2022-12-10"]):
        with pytest.raises(SystemExit) as exit_:
            cli.main(bad)
        assert exit_.value.code == 2


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["import", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for option in ("--date", "--site", "--dry-run", "--force", "--section"):
        assert option in out


def test_an_unreadable_dump_is_a_path_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path)
    missing = tmp_path / "missing.txt"
    assert cli.main(["import", str(missing), "--date", "2022-12-10", "--site", str(site)]) == 1
    assert f"{missing}:1: cannot read the dump" in capsys.readouterr().err
    bad = tmp_path / "bad.txt"
    bad.write_bytes("第一行\n第二行\n".encode() + b"\xff\xfe\xfa" + "第三行".encode())
    assert cli.main(["import", str(bad), "--date", "2022-12-10", "--site", str(site)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:3: cannot decode the dump: byte 0xFF at byte offset 20" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("data", [b"", b"   \n\n \n", "中共大足区委机关报\n".encode()])
def test_a_dump_with_no_article_is_an_error_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                data: bytes) -> None:
    site = make_site(tmp_path / "site")
    dump = tmp_path / "dump.txt"
    dump.write_bytes(data)
    before = sorted(site.rglob("*"))
    assert cli.main(["import", str(dump), "--date", "2022-12-10", "--site", str(site)]) == 1
    assert f"{dump}:1: no article found in the dump" in capsys.readouterr().err
    assert sorted(site.rglob("*")) == before
