"""The build cache: parsed articles come back as parsed, their bodies read from the month files."""

from __future__ import annotations

import datetime as dt
import random
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import pipeline
from generator.cache import Cache, Manifest, code_version, key
from generator.config import Section
from generator.corpus import Article, Body, Corpus, texts_matching
from tests.conftest import ROOT


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    shutil.copytree(ROOT / "content", site / "content")
    shutil.copy(ROOT / "site.yaml", site / "site.yaml")
    pipeline.build(site, site / "public")
    return site


def cached_load(site: Path) -> Corpus:
    site_key = key(code_version(), (site / "site.yaml").read_bytes(), b"")
    return pipeline.load(site, Cache(site, site_key))


def bodies(corpus: Corpus) -> dict[str, tuple[str, str, str]]:
    return {a.source: (a.digest, a.body_html, a.text) for a in corpus.articles}


def test_bodies_read_back_from_the_cache_are_those_parsed(site: Path) -> None:
    corpus = cached_load(site)
    assert all(article.body._where is not None for article in corpus.articles)  # not held in memory
    assert bodies(corpus) == bodies(pipeline.load(site))
    assert all(article.text and "<p>" in article.body_html for article in corpus.articles)


def test_a_bodies_file_not_matching_its_month_is_not_used(site: Path) -> None:
    month = next((site / ".cache/articles").glob("*.bodies"))
    month.write_bytes(b"\0" * 16 + month.read_bytes()[16:])  # as if a build stopped between the two files
    corpus = cached_load(site)
    assert bodies(corpus) == bodies(pipeline.load(site))
    assert not month.exists()  # parsed again and stored again, under another name


def test_an_edit_moves_the_other_bodies_of_its_month_along(site: Path) -> None:
    first = cached_load(site)
    path = next(site.glob("content/2022/12/10/*.md"))
    path.write_text(path.read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
    # this load writes the month's files again, while its unchanged articles point into the old one
    second = cached_load(site)
    assert "补充一句" in next(a for a in second.articles if a.source == str(path)).text
    assert bodies(second) == bodies(pipeline.load(site))
    with pytest.raises(OSError):  # an earlier build's articles fail loudly, never read another body
        bodies(first)


def test_articles_added_moved_and_removed_leave_every_month_file_exact(site: Path) -> None:
    cached_load(site)
    first, second, *_ = sorted(site.glob("content/2022/12/10/*.md"))
    later = site / "content/2023/01/05" / first.name
    later.parent.mkdir(parents=True)
    text = first.read_text(encoding="utf-8").replace("2022-12-10", "2023-01-05")
    later.write_text(text, encoding="utf-8")  # a second copy, in another month
    second.unlink()
    changed = cached_load(site)
    assert bodies(changed) == bodies(pipeline.load(site))
    months = site / ".cache/articles"
    assert sorted(path.name for path in months.glob("*.pickle")) == ["2022-12.pickle", "2023-01.pickle"]
    again = cached_load(site)  # every article from the month files, none parsed again
    assert all(article.body._where is not None for article in again.articles)
    assert bodies(again) == bodies(changed)
    shutil.rmtree(site / "content/2023")  # the month emptied: its files go
    assert str(later) not in bodies(cached_load(site))
    left = sorted(path.name for path in months.glob("*"))
    assert len(left) == 2 and left[1] == "2022-12.pickle" and left[0].startswith("2022-12-")


def test_the_build_record_comes_back_as_it_was_written(site: Path) -> None:
    cache = Cache(site, "salt")
    record = cache.manifest(site / "public")
    assert len(record.files) > 20 and record.pages and record.articles and record.reach is not None
    cache.save_manifest(site / "public", record)
    again = cache.manifest(site / "public")
    assert again.files == record.files and list(again.files) == list(record.files)
    assert again.pages == record.pages and again.articles == record.articles
    assert again.reach is not None and again.reach.holding([0]) == record.reach.holding([0])
    empty = Manifest(output=str((site / "public").resolve()))
    cache.save_manifest(site / "public", empty)
    assert cache.manifest(site / "public") == empty


def test_the_helper_reads_the_folder_list_alone_and_any_list_gives_the_same_site(site: Path) -> None:
    cache = pipeline.site_cache(site)
    output = site / "public"
    assert cache.folder_names(output) == list(cache.manifest(output).folders) != []
    files = {path: path.read_bytes() for path in output.rglob("*") if path.is_file()}
    folders = next((site / ".cache").glob("folders-*.pickle"))
    folders.write_bytes(b"not a pickle")  # another build's, or damaged: every folder is looked into
    removed = sorted(output.glob("*/**/index.html"))[0]
    removed.unlink()  # by hand: the folder's time moves, and the build finds the file missing
    report = pipeline.build(site, output)
    assert report.written == 1  # the file removed: the folders' times were all read, none taken as moved
    assert {path: path.read_bytes() for path in output.rglob("*") if path.is_file()} == files
    assert cache.folder_names(output) == list(cache.manifest(output).folders)


def _stored(path: Path, bodies: list[tuple[str, str]]) -> list[Article]:
    """Articles whose bodies (HTML, text) are stored one after another in `path`, as a month's are."""
    data = b"".join(html.encode() + text.encode() for html, text in bodies)
    path.write_bytes(b"token" + data)
    articles, offset = [], len(b"token")
    for number, (html, text) in enumerate(bodies):
        body = Body(html, text)
        body.stored(str(path), offset, len(html.encode()), len(text.encode()))
        offset += len(html.encode()) + len(text.encode())
        articles.append(Article(f"a{number}.md", f"a{number}", dt.date(2023, 1, 1), "标题", Section("要闻", "yaowen"),
                                body=body))
    return articles


_piece = st.text(alphabet="张龙<", max_size=5)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(_piece, _piece), max_size=6), st.lists(_piece, max_size=3), st.randoms())
def test_texts_matching_finds_what_a_look_at_each_text_finds(
        tmp_path: Path, bodies: list[tuple[str, str]], literals: list[str], order: random.Random) -> None:
    """Whatever the texts, their HTML and the strings: the texts holding one of them, and no other,
    the articles given in any order."""
    stored = _stored(tmp_path / "m.bodies", bodies)
    numbers = list(range(len(stored)))
    order.shuffle(numbers)
    expected = {place for place, number in enumerate(numbers) if any(s and s in bodies[number][1] for s in literals)}
    assert texts_matching([stored[n] for n in numbers], [s.encode() for s in literals]) == expected


def test_texts_are_looked_into_a_bodies_file_at_a_time(tmp_path: Path) -> None:
    """texts_matching finds every stored text holding one of the strings, and no other: not one whose HTML
    alone holds it, nor one where it runs from the HTML into the text; a text in memory is always
    among those found (the caller reads it)."""
    stored = _stored(tmp_path / "m.bodies", [
        ("<p>张龙贵</p>", "无关"),  # the name in the HTML alone
        ("<p>x</p>张龙", "贵的话"),  # across the end of the HTML: no text holds it
        ("<p>y</p>", "记者张龙贵张龙贵"),  # twice, back to back
        ("", "张龙贵"),  # the whole text
        ("<p>z</p>", "记者张龙"),  # a part of it at the end of the file
    ])
    assert [article.text for article in stored] == ["无关", "贵的话", "记者张龙贵张龙贵", "张龙贵", "记者张龙"]
    fresh = replace(stored[0], body=Body("<p>在内存</p>", "在内存"))
    assert texts_matching([*stored, fresh], ["张龙贵".encode()]) == {2, 3, 5}
    assert texts_matching(stored, ["龙贵".encode(), "记者张".encode()]) == {2, 3, 4}
    assert texts_matching(stored, [b"<p>", b""]) == set()
    # from the end of one text into the next article's HTML: neither text holds it
    across = _stored(tmp_path / "n.bodies", [("<p>a</p>", "记者张龙"), ("贵<p>b</p>", "无关"), ("<p>c</p>", "张龙贵")])
    assert texts_matching(across, ["张龙贵".encode()]) == {2}
