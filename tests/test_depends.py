"""The dependency record: which articles an edit changed, and which pages' contexts hold them."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

from generator import depends, pipeline
from generator.cache import Manifest
from generator.corpus import Issue
from generator.routes import Pager
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
    before = depends.record(one.articles, {})
    assert depends.edited(one.articles, depends.record(one.articles, before), before) == set()
    body = corpus(tmp_path, a=article("甲", body="改过的正文。"), b=article("乙"))
    changed = depends.edited(body.articles, depends.record(body.articles, before), before)
    assert changed == {id(a) for a in body.articles if a.slug == "a"}
    title = corpus(tmp_path, a=article("甲乙", body="正文。"), b=article("乙"))
    assert depends.edited(title.articles, depends.record(title.articles, before), before) is None
    added = corpus(tmp_path, a=article("甲", body="正文。"), b=article("乙"), c=article("丙"))
    assert depends.edited(added.articles, depends.record(added.articles, before), before) is None


def test_touches_finds_an_article_at_any_depth(tmp_path: Path) -> None:
    site = corpus(tmp_path, a=article("甲"), b=article("乙"), c=article("丙"))
    a, b, c = sorted(site.articles, key=lambda x: x.slug)
    issue = Issue(a.date, (a, b, c, a, b))
    pager = Pager(1, 1, ("x.html",))
    assert depends.touches({"issues": [(1, issue)], "pager": pager}, {id(c)}, {})
    assert not depends.touches({"issues": [(1, Issue(a.date, (a, b)))], "pager": pager}, {id(c)}, {})
    assert depends.touches({"contributors": site.contributors, "x": (a,)}, {id(a)}, {})
    assert not depends.touches({"pager": pager, "n": 3, "title": "甲"}, {id(a)}, {})
    # a shared object is looked into once, and answers from the memo afterwards
    memo: dict[int, bool] = {}
    assert depends.touches([issue], {id(b)}, memo) and memo[id(issue)] is True
    assert depends.touches({"x": object()}, set(), {})  # what it does not know counts as touched


def test_a_manifest_of_an_earlier_version_loads_with_the_new_fields_empty() -> None:
    state = dataclasses.asdict(Manifest(output="/x", pages=["a.html"]))
    del state["articles"], state["related"], state["frame"]
    old = Manifest.__new__(Manifest)
    old.__setstate__(state)
    loaded = pickle.loads(pickle.dumps(old))
    assert loaded.output == "/x" and loaded.pages == ["a.html"]
    assert loaded.articles == {} and loaded.related == "" and loaded.frame == ""


@dataclasses.dataclass(frozen=True)
class Loose:
    value: object


def test_only_dataclasses_declared_free_of_articles_are_skipped(tmp_path: Path) -> None:
    site = corpus(tmp_path, a=article("甲", byline="新渝报记者 何美林"))
    (a,) = site.articles
    assert depends.touches({"x": [Loose((1, a))]}, {id(a)}, {})  # declared `object`: looked into
    assert a.people and not depends.touches({"people": [(person, "slug") for person in a.people]}, {id(a)}, {})
