"""Bad input is reported as path:line: message, all of it in one run, exit 1, nothing written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, SITE_YAML, article, write_site


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT)


def test_every_problem_is_reported_with_its_path_and_line(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {
        "content/2022/12/10/bad-yaml.md": "---\ntitle: 好\nsection: [要闻\n---\n\n正文\n",
        "content/2022/12/10/no-title.md": "---\nsection: 要闻\nkind: news\n---\n\n正文\n",
        "content/2022/02/30/impossible.md": article("不存在的日子"),
        "content/2022/12/11/wrong-date.md": article("日期不符", date="2022-12-12"),
        "content/2022/12/11/bad-date.md": article("日期不对", date="2022-02-30"),
        "content/2022/12/11/unknown-section.md": article("栏目不明", section="体育"),
        "content/2022/12/11/a.md": article("同一地址一", slug="same"),
        "content/2022/12/11/b.md": article("同一地址二", slug="same"),
        "content/2022/12/11/extra-key.md": article("多了一个键", colour="red"),
    })
    result = run("build", "--site", site)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    content = site / "content"

    def reported(name: str, line: int, words: str) -> bool:
        prefix = f"{content / name}:{line}: "
        return any(item.startswith(prefix) and words in item for item in lines)

    assert reported("2022/12/10/bad-yaml.md", 3, "invalid YAML")
    assert reported("2022/12/10/no-title.md", 1, "missing required 'title'")
    assert reported("2022/02/30/impossible.md", 1, "not a real date")
    assert reported("2022/12/11/wrong-date.md", 4, "disagrees with the folder's date 2022-12-11")
    assert reported("2022/12/11/bad-date.md", 4, "'2022-02-30' is not a real date")
    assert reported("2022/12/11/unknown-section.md", 3, "unknown section '体育'")
    assert reported("2022/12/11/b.md", 1, "same URL as")
    assert reported("2022/12/11/extra-key.md", 4, "unknown key 'colour'")
    assert not (site / "public").exists()


def test_unknown_key_in_site_yaml_names_its_line(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {"content/2022/12/10/a.md": article()},
                      SITE_YAML.replace("per_page: 2\n", "per_page: 2\ntheme: dark\n"))
    result = run("check", "--site", site)
    assert result.returncode == 1
    assert f"{site / 'site.yaml'}:7: unknown key 'theme'" in result.stderr


def test_bad_section_slug_names_its_line(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {}, SITE_YAML.replace("slug: tupian", "slug: 图片"))
    result = run("check", "--site", site)
    assert result.returncode == 1
    assert f"{site / 'site.yaml'}:9: section slug '图片'" in result.stderr


def test_a_failed_build_leaves_the_previous_output_as_it_was(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {"content/2022/12/10/a.md": article("第一篇")})
    assert run("build", "--site", site).returncode == 0
    before = {p: p.read_bytes() for p in (site / "public").rglob("*") if p.is_file()}
    (site / "content/2022/12/10/b.md").write_text(article("第二篇", section="不存在"), encoding="utf-8")
    assert run("build", "--site", site).returncode == 1
    after = {p: p.read_bytes() for p in (site / "public").rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in site.iterdir()) == [".cache", "content", "public", "site.yaml"]


def test_check_writes_nothing_and_passes_the_sample() -> None:
    result = run("check")
    assert result.returncode == 0, result.stderr
    assert "7 articles in 1 issues" in result.stdout


def test_usage_errors_exit_2() -> None:
    assert run("build", "--no-such-flag").returncode == 2
    assert run("frobnicate").returncode == 2
    for command in ("build", "check"):
        assert run(command, "--help").returncode == 0


def test_a_broken_site_template_names_its_file_and_line(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {
        "content/2022/12/10/a.md": article(),
        "templates/404.html": '{% extends "base.html" %}\n{% block main %}\n{{ missing.value }}\n{% endblock %}\n',
    })
    result = run("build", "--site", site)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{site / 'templates/404.html'}:3: template error" in result.stderr


def test_site_templates_and_static_override_the_project(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {
        "content/2022/12/10/a.md": article("覆盖"),
        "templates/404.html": '{% extends "base.html" %}{% block main %}<p>本报自己的404</p>{% endblock %}\n',
        "static/style.css": "body { color: red; }\n",
    })
    assert run("build", "--site", site).returncode == 0
    assert "本报自己的404" in (site / "public/404.html").read_text()
    assert (site / "public/static/style.css").read_text() == "body { color: red; }\n"
    assert "覆盖" in (site / "public/index.html").read_text()


def test_file_names_are_urls_as_they_are(tmp_path: Path) -> None:
    long = "wei-quan-mian-jian-she-she-hui-zhu-yi-xian-dai-hua-guo-jia-er-tuan-jie"
    site = write_site(tmp_path / "site", {
        f"content/2022/12/10/{long}.md": article("一"),
        f"content/2022/12/10/{long}-2.md": article("二"),
        "content/2022/12/10/彩林.md": article("三"),
    })
    assert run("build", "--site", site).returncode == 0
    names = {p.name for p in (site / "public/2022/12/10").iterdir()}
    assert {f"{long}.html", f"{long}-2.html", "cai-lin.html"} <= names


def test_the_build_command_ends_its_process_only_once_its_report_and_records_are_written(tmp_path: Path) -> None:
    # build.py's build leaves its process without freeing what it made (pipeline.LEFT, os._exit)
    site = write_site(tmp_path / "site", {"content/2022/12/10/a.md": article("第一篇")})
    first = run("build", "--site", site)
    assert first.returncode == 0
    assert first.stdout.startswith("Built ") and f"Output: {(site / 'public').resolve()}" in first.stdout
    (site / "content/2022/12/10/a.md").write_text(article("第一篇", body="更正后的正文。"), encoding="utf-8")
    edited = run("build", "--site", site)
    assert edited.returncode == 0 and " 0 files written" not in edited.stdout
    assert "更正后的正文" in (site / "public/2022/12/10/a.html").read_text(encoding="utf-8")
    again = run("build", "--site", site)  # the records the edit saved vouch for every file
    assert again.returncode == 0 and " 0 files written, " in again.stdout
