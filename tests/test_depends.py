"""The dependency record: which articles an edit changed, and which pages' contexts hold them."""

from __future__ import annotations

import dataclasses
import pickle
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from generator import depends, pipeline
from generator.cache import Manifest
from generator.corpus import Issue
from generator.routes import Page, Pager
from tests.conftest import article, write_site


def corpus(tmp_path: Path, **files: str):  # type: ignore[no-untyped-def]
    """The corpus of a site holding these articles (the same folder each time, so the same paths)."""
    content = tmp_path / "site/content/2022/12/10"
    for old in content.glob("*.md") if content.is_dir() else ():
        old.unlink()
    site = write_site(tmp_path / "site", {f"content/2022/12/10/{slug}.md": text for slug, text in files.items()})
    return pipeline.load(site)


def test_a_body_edit_is_told_apart_from_a_front_matter_edit(tmp_path: Path) -> None:
    one = corpus(tmp_path, a=article("甲", body="正文。"), b=article("乙"))
    before = depends.record(one, ([], [], []))
    assert depends.edited(one, depends.record(one, before), before) == set()
    body = corpus(tmp_path, a=article("甲", body="改过的正文。"), b=article("乙"))
    changed = depends.edited(body, depends.record(body, before), before)
    assert changed == {n for n, a in enumerate(body.articles) if a.slug == "a"}
    title = corpus(tmp_path, a=article("甲乙", body="正文。"), b=article("乙"))
    assert depends.edited(title, depends.record(title, before), before) is None
    added = corpus(tmp_path, a=article("甲", body="正文。"), b=article("乙"), c=article("丙"))
    assert depends.edited(added, depends.record(added, before), before) is None


def test_held_finds_every_article_at_any_depth(tmp_path: Path) -> None:
    site = corpus(tmp_path, a=article("甲"), b=article("乙"), c=article("丙"))
    a, b, c = sorted(site.articles, key=lambda x: x.slug)
    numbers = {id(x): n for n, x in enumerate((a, b, c))}
    issue = Issue(a.date, (a, b, c, a, b))
    pager = Pager(1, 1, ("x.html",))
    assert depends.held({"issues": [(1, issue)], "pager": pager}, numbers, {}) == {0, 1, 2}
    assert depends.held({"issues": [(1, Issue(a.date, (a, b)))], "pager": pager}, numbers, {}) == {0, 1}
    assert depends.held({"contributors": site.contributors, "x": (a,)}, numbers, {}) == {0}
    assert depends.held({"pager": pager, "n": 3, "title": "甲"}, numbers, {}) == set()
    # a shared object is looked into once, and answers from the memo afterwards
    memo: dict[int, frozenset[int]] = {}
    assert depends.held([issue], numbers, memo) == {0, 1, 2} and memo[id(issue)] == {0, 1, 2}
    # what it does not know, and an article it was not told of, reach every edit
    assert depends.held({"x": object()}, numbers, {}) == {depends.EVERY}
    assert depends.held({"x": (a,)}, {}, {}) == {depends.EVERY}


def test_the_record_finds_the_pages_holding_an_article_and_walks_moved_pages_again(tmp_path: Path) -> None:
    site = corpus(tmp_path, a=article("甲"), b=article("乙"), c=article("丙"))
    a, b, c = site.articles
    pages = [Page("x.html", "t", {"article": a, "next": b}), Page("y.html", "t", {"related": (c,)}),
             Page("z.html", "t", {"n": 1}), Page("w.html", "t", {"x": object()})]
    reach = depends.Reach.of(pages, [0, 0, 1, 2], site.articles)
    assert reach.holding([1]) == [0, 3] and reach.holding([2]) == [1, 3] and reach.holding([]) == [3]
    assert [reach.first(group) for group in (0, 1, 2)] == [0, 2, 3]
    moved = reach.updated({1: Page("y.html", "t", {"related": (a, b)})}, site.articles)
    assert moved.holding([2]) == [3] and moved.holding([1]) == [0, 1, 3]
    assert reach.holding([2]) == [1, 3]  # the record it was made from is left as it was


def test_a_manifest_of_an_earlier_version_loads_with_the_new_fields_empty() -> None:
    state = dataclasses.asdict(Manifest(output="/x", pages=["a.html"]))
    del state["articles"], state["related"], state["frame"]
    old = Manifest.__new__(Manifest)
    old.__setstate__(state)
    loaded = pickle.loads(pickle.dumps(old))
    assert loaded.output == "/x" and loaded.pages == ["a.html"]
    assert loaded.articles == ([], [], []) and loaded.related == "" and loaded.frame == ""


@dataclasses.dataclass(frozen=True)
class Loose:
    value: object


def test_only_dataclasses_declared_free_of_articles_are_skipped(tmp_path: Path) -> None:
    site = corpus(tmp_path, a=article("甲", byline="新渝报记者 何美林"))
    (a,) = site.articles
    numbers = {id(a): 0}
    assert depends.held({"x": [Loose((1, a))]}, numbers, {}) == {0}  # declared `object`: looked into
    assert a.people and depends.held({"people": [(person, "slug") for person in a.people]}, numbers, {}) == set()


def test_an_edit_makes_only_the_groups_of_pages_that_hold_the_article(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    files = {f"content/2022/12/{day}/{slug}.md": article(title, body="正文。")
             for day, slug, title in (("09", "a", "甲"), ("09", "b", "乙"), ("10", "c", "丙"), ("10", "d", "丁"))}
    site = write_site(tmp_path / "site", files)
    pipeline.build(site, site / "public")
    made: list[str] = []
    planned = pipeline.groups

    def counted(*args: Any) -> list[Callable[[], list[Page]]]:
        return [partial(_made, make, made) for make in planned(*args)]

    monkeypatch.setattr(pipeline, "groups", counted)
    (site / "content/2022/12/09/a.md").write_text(article("甲", body="改过的正文。"))
    pipeline.build(site, site / "public")
    assert "2022/12/09/a.html" in made and "2022/12/09/index.html" in made
    assert not any(url.startswith("2022/12/10/") for url in made) and "index.html" not in made  # the other issue
    assert "people/index.html" not in made and "search/index.html" not in made
    assert "改过的正文" in (site / "public/2022/12/09/a.html").read_text()


def _made(make: Callable[[], list[Page]], made: list[str]) -> list[Page]:
    pages = make()
    made += [page.url for page in pages]
    return pages
