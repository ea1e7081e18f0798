"""The newsroom search: `build.py search` over the sample, field queries, and the incremental index."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from generator import cli, newsroom, pipeline
from generator.newsroom import QueryError

ROOT = Path(__file__).resolve().parent.parent
DAY = "2022/12/10"
PHOTOS = {f"https://example.org/{DAY}/cai-lin-yan-ying-nan-shan-gong-yuan.html",
          f"https://example.org/{DAY}/ji-jian-jian-cha-hu-hang-xiang-cun-zhen-xing.html"}
STANDARD = f"https://example.org/{DAY}/biao-zhun-hua-rang-ji-guan-shi-wu-chuang-xin-fa-zhan.html"
SHALE = f"https://example.org/{DAY}/jia-kuai-tui-jin-da-zu-ye-yan-qi-kai-fa-he-jiu-di-zhuan-hua.html"


def copy_site(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "content", target / "content")
    for name in ("site.yaml", "dictionary.txt"):
        shutil.copy(ROOT / name, target / name)
    return target


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_site(tmp_path_factory.mktemp("sample"))


def search(site: Path, *query: str, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    status = cli.main(["search", *query, "--site", str(site), "--json", "--limit", "50"])
    out = capsys.readouterr().out
    assert status == 0
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def urls(hits: list[dict[str, object]]) -> set[object]:
    return {hit["url"] for hit in hits}


def test_author_finds_both_photo_items_and_only_them(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hits = search(site, "author:黄舒", capsys=capsys)
    assert urls(hits) == PHOTOS
    assert {hit["kind"] for hit in hits} == {"photo"}


def test_section_by_name_or_slug(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert urls(search(site, "section:要闻", capsys=capsys)) == {STANDARD}
    assert urls(search(site, "section:yaowen", capsys=capsys)) == {STANDARD}
    assert urls(search(site, "section:图片新闻", capsys=capsys)) == PHOTOS


def test_date_ranges(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert len(search(site, "date:2022-12-01..2022-12-31", capsys=capsys)) == 7
    assert len(search(site, "date:2022-12-10", capsys=capsys)) == 7
    assert len(search(site, "date:2022-12", capsys=capsys)) == 7
    assert len(search(site, "date:>=2022-12-10", capsys=capsys)) == 7
    assert search(site, "date:>2022-12-10", capsys=capsys) == []
    assert search(site, "date:2022-11-01..2022-12-09", capsys=capsys) == []
    assert search(site, "date:..2022-12-09", capsys=capsys) == []


def test_fields_combine_with_words(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert urls(search(site, "kind:photo", "公园", capsys=capsys)) == {min(PHOTOS)}
    assert urls(search(site, "页岩气 date:2022-12-01..2022-12-31", capsys=capsys)) == {SHALE}
    assert search(site, "页岩气 section:要闻", capsys=capsys) == []
    assert len(search(site, "NOT section:要闻", capsys=capsys)) == 6


def test_json_lines_carry_url_title_date_score_and_snippet(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    [hit] = search(site, "页岩气", capsys=capsys)
    assert hit["url"] == SHALE
    assert hit["title"] == "加快推进大足页岩气开发和就地转化利用"
    assert hit["date"] == "2022-12-10"
    assert isinstance(hit["score"], float) and hit["score"] > 0
    assert "【页岩气】" in str(hit["snippet"])
    assert hit["authors"] == ["罗庆伟"] and hit["section"] == "建言"


def test_words_inside_long_words_and_traditional_characters(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert urls(search(site, "龙贵", capsys=capsys)) == {STANDARD}  # in 张龙贵
    assert urls(search(site, "骑手", capsys=capsys)) == {f"https://example.org/{DAY}/40-ming-wai-mai-xiao-ge-huo-zeng-nuan-xin-li-bao.html"}
    assert urls(search(site, "頁岩氣", capsys=capsys)) == {SHALE}
    assert search(site, "地铁", capsys=capsys) == []


def test_results_are_ranked_best_first(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hits = search(site, "南山公园 OR 纪检监察", capsys=capsys)
    scores = [float(str(hit["score"])) for hit in hits]
    assert scores == sorted(scores, reverse=True) and len(hits) == 2
    # a word in the title weighs more than the same word only in the body
    title_and_body = search(site, "大足 OR 彩林", capsys=capsys)[0]
    assert title_and_body["title"] == "彩林掩映南山公园"


def test_the_text_output_lists_title_date_url_and_snippet(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["search", "外卖骑手", "--site", str(site)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("1. 40名外卖“小哥”获赠暖心礼包  2022-12-10  民生  邓小强")
    assert "https://example.org/2022/12/10/40-ming-wai-mai-xiao-ge-huo-zeng-nuan-xin-li-bao.html" in out
    assert "【外卖骑手】" in out
    assert cli.main(["search", "地铁", "--site", str(site)]) == 0
    assert "没有找到" in capsys.readouterr().out


@pytest.mark.parametrize("query, message", [
    ("foo:bar", "unknown field 'foo:'"),
    ("section:体育", "unknown section '体育'"),
    ("date:2022-02-30", "2022-02-30 is not a real date"),
    ("date:2022-12-31..2022-12-01", "ends before it starts"),
    ("date:yesterday", "expected YYYY-MM-DD"),
])
def test_a_bad_query_is_a_clear_message_and_exit_1(site: Path, capsys: pytest.CaptureFixture[str],
                                                   query: str, message: str) -> None:
    assert cli.main(["search", query, "--site", str(site)]) == 1
    captured = capsys.readouterr()
    assert message in captured.err and "Traceback" not in captured.err and captured.out == ""


def test_usage_errors_exit_2(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["search", "x", "--limit", "0"], ["search"], ["search", "x", "--bogus"]):
        with pytest.raises(SystemExit) as stop:
            cli.main([*argv, "--site", str(site)])
        assert stop.value.code == 2
    with pytest.raises(SystemExit) as stop:
        cli.main(["search", "--help"])
    assert stop.value.code == 0 and "author:黄舒" in capsys.readouterr().out


def test_a_content_error_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = copy_site(tmp_path / "site")
    (broken / "dictionary.txt").write_text("页岩气 0\n", encoding="utf-8")
    assert cli.main(["search", "页岩气", "--site", str(broken)]) == 1
    assert "dictionary.txt:1:" in capsys.readouterr().err


def test_the_index_is_updated_incrementally(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = copy_site(tmp_path / "site")
    photo = site / "content" / "2022" / "12" / "10" / "cai-lin-yan-ying-nan-shan-gong-yuan.md"
    assert urls(search(site, "五彩斑斓", capsys=capsys)) == {min(PHOTOS)}
    assert (site / ".cache" / "whoosh").is_dir()

    assert cli.main(["search", "彩林", "--site", str(site)]) == 0
    assert "index up to date (7 articles)" in capsys.readouterr().err

    photo.write_text(photo.read_text(encoding="utf-8").replace("记录五彩斑斓的冬天", "银杏大道一片金黄"),
                     encoding="utf-8")
    assert cli.main(["search", "银杏", "--site", str(site)]) == 0
    captured = capsys.readouterr()
    assert "1 changed" in captured.err and "6 unchanged" in captured.err
    assert "彩林掩映南山公园" in captured.out
    assert search(site, "五彩斑斓", capsys=capsys) == []

    photo.unlink()
    assert cli.main(["search", "银杏", "--site", str(site)]) == 0
    captured = capsys.readouterr()
    assert "1 removed" in captured.err and "没有找到" in captured.out
    assert min(PHOTOS) not in urls(search(site, "date:2022-12-10", capsys=capsys))


def test_a_new_byline_name_reindexes_only_the_articles_that_contain_it(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    corpus = pipeline.load(site)
    newsroom.run(site, corpus, "彩林")
    story = site / "content" / "2022" / "12" / "10" / "40-ming-wai-mai-xiao-ge-huo-zeng-nuan-xin-li-bao.md"
    # a new article whose byline names 张龙贵, who is quoted in another story's body
    (story.parent / "xin-gao.md").write_text(
        "---\ntitle: 机关食堂推行光盘行动\nsection: 要闻\nbyline: 新渝报记者 张龙贵\n---\n\n机关食堂开展光盘行动。\n",
        encoding="utf-8")
    corpus = pipeline.load(site)
    hits, total, update = newsroom.run(site, corpus, "张龙贵")
    assert (update.added, update.changed, update.kept) == (1, 1, 6)  # the story that quotes him
    assert {hit.title for hit in hits} == {"机关食堂推行光盘行动", "“标准化+”让机关事务创新发展"}


def test_parse_query_builds_field_filters(site: Path) -> None:
    corpus = pipeline.load(site)
    assert str(newsroom.parse_query("date:2022-12", corpus)) == "date:[2022-12-01 TO 2022-12-31]"
    assert str(newsroom.parse_query("date:>=2022-12-01", corpus)) == "date:[2022-12-01 TO ]"
    assert str(newsroom.parse_query("kind:photo", corpus)) == "kind:photo"
    with pytest.raises(QueryError):
        newsroom.parse_query("   ", corpus)


def test_ranking_reads_columns_across_segments_and_breaks_ties_newer_first(tmp_path: Path) -> None:
    """Hits are ranked from the index's columns, not their stored fields: the order must be the one
    the stored fields give (score, then newer, then URL), on an index of several segments."""
    from benchmarks.make_corpus import write_corpus

    site = tmp_path / "site"
    write_corpus(80, site, seed=5)
    corpus = pipeline.load(site)
    newsroom.run(site, corpus, "大足")
    story = sorted((site / "content").rglob("*.md"))[40]
    story.write_text(story.read_text(encoding="utf-8") + "\n大足区举行读书月活动。\n", encoding="utf-8")
    corpus = pipeline.load(site)
    newsroom.run(site, corpus, "大足")  # the edit is a second segment
    hits, total = newsroom.search(site, corpus, "大足", limit=1000)
    assert total == len(hits) > 40
    newer = {hit.date: tuple(-int(part) for part in hit.date.split("-")) for hit in hits}
    expected = sorted(hits, key=lambda hit: (-round(hit.score, 6), newer[hit.date], hit.path))
    assert hits == expected
    assert len({hit.date for hit in hits}) > 3 and len({round(hit.score, 6) for hit in hits}) < len(hits)


def test_search_after_a_build_reuses_its_parsed_articles(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """At 100,000 articles parsing every file again took most of a search's 29 s."""
    from generator import reader

    site = copy_site(tmp_path / "site")
    pipeline.build(site, tmp_path / "public")
    parsed: list[Path] = []
    original = reader.read_article
    monkeypatch.setattr(reader, "read_article", lambda path, *rest: parsed.append(path) or original(path, *rest))
    assert urls(search(site, "五彩斑斓", capsys=capsys)) == {min(PHOTOS)}
    assert parsed == []
    photo = site / "content" / "2022" / "12" / "10" / "cai-lin-yan-ying-nan-shan-gong-yuan.md"
    photo.write_text(photo.read_text(encoding="utf-8").replace("五彩斑斓", "银杏金黄"), encoding="utf-8")
    assert urls(search(site, "银杏金黄", capsys=capsys)) == {min(PHOTOS)}
    assert [path.name for path in parsed] == [photo.name]


def test_an_archive_emptied_or_never_filled_finds_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No article, before or after an index was made: no hit, exit 0, and no JSON line at all."""
    site = copy_site(tmp_path / "site")
    assert search(site, "页岩气", capsys=capsys)
    for path in (site / "content").rglob("*.md"):
        path.unlink()
    for _ in range(2):  # the index emptied, then an empty index opened again
        assert cli.main(["search", "页岩气", "--site", str(site), "--json"]) == 0
        assert capsys.readouterr().out == ""
    assert cli.main(["search", "页岩气", "--site", str(site)]) == 0
    assert "没有找到" in capsys.readouterr().out
