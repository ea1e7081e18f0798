"""Articles edited in place are patched into the last build's search index, and the files are those
of a cold build, byte for byte; whatever the patch cannot do exactly makes the index whole again.

A generated archive with a small HEAVY, so that many keys have files of their own and positions cut
into several files, and edits that move those cuts.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from benchmarks.make_corpus import write_corpus
from generator import search_analysis, search_index, search_patch, segment
from generator.corpus import Corpus
from generator.output import Staging, staged
from generator.pipeline import load
from generator.search_text import fold

ARTICLES = 240
HEAVY = 512


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def configured(site: Path) -> Corpus:
    corpus = load(site)
    segment.configure(site, [person.name for person in corpus.contributors])
    return corpus


class Builds:
    """The search stage of the build (staging, manifest, state) into one output folder."""

    def __init__(self, site: Path, output: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.site, self.output = site, output
        self.manifest: dict[str, str] = {}
        self.whole = 0  # builds that made the index whole
        self.write = write = search_index.write

        def counting(corpus: Corpus, staging: Staging) -> search_index.IndexStats:
            self.whole += 1
            return write(corpus, staging)
        monkeypatch.setattr(search_index, "write", counting)

    def build(self) -> dict[str, bytes]:
        corpus = configured(self.site)
        manifest = {url: k for url, k in self.manifest.items() if (self.output / url).is_file()}
        with staged(self.output, manifest) as staging:
            previous = {url: k for url, k in staging.previous.items() if url.startswith(search_index.DATA)}
            search_patch.update(corpus, staging, self.output.resolve(), self.site / ".cache", "site", previous)
        segment.flush()
        self.manifest = staging.keys
        return tree(self.output / search_index.DATA)

    def cold(self, scratch: Path) -> dict[str, bytes]:
        shutil.rmtree(scratch, ignore_errors=True)
        self.write(configured(self.site), Staging(scratch, {}))
        segment.flush()
        return tree(scratch / search_index.DATA)


@pytest.fixture
def builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Builds:
    monkeypatch.setattr(search_analysis, "PART_DOCS", 37)
    monkeypatch.setattr(search_index, "HEAVY", HEAVY)
    site = tmp_path / "site"
    write_corpus(ARTICLES, site, seed=5)
    builds = Builds(site, tmp_path / "public", monkeypatch)
    builds.build()
    assert builds.whole == 1
    return builds


def articles(site: Path) -> list[Path]:
    return sorted((site / "content").rglob("*.md"))


def rewrite(path: Path, change: Callable[[str], str]) -> None:
    text = path.read_text(encoding="utf-8")
    changed = change(text)
    assert changed != text
    path.write_text(changed, encoding="utf-8")


def insert_mid_body(text: str) -> str:
    """A sentence in the middle of the body: every later position of the article moves."""
    front, body = text.split("\n---\n", 1)
    middle = len(body) // 2
    return f"{front}\n---\n{body[:middle]}页岩气田里新来了一台钻机，大足石刻研究院也派了人。{body[middle:]}"


def cut_paragraph(text: str) -> str:
    front, body = text.split("\n---\n", 1)
    paragraphs = body.split("\n\n")
    return f"{front}\n---\n" + "\n\n".join(paragraphs[:1] + paragraphs[2:])


def retitle(text: str) -> str:
    return re.sub(r"^title: .*$", "title: 龙水湖畔新建湿地公园", text, count=1, flags=re.M)


def rebyline(text: str) -> str:
    """Bylines of people the archive already has: a new name would change jieba's dictionary."""
    byline = "byline: □ 新渝报记者 郑春小 见习记者 廖晓芳"
    if "郑春小" in text:
        byline = "byline: (记者 金林波)"
    if re.search(r"^byline: ", text, flags=re.M):
        return re.sub(r"^byline: .*$", byline, text, count=1, flags=re.M)
    return text.replace("\n---\n", f"\n{byline}\n---\n", 1)


def new_person(text: str) -> str:
    return re.sub(r"^byline: .*$", "byline: 新渝报记者 欧阳修远", text, count=1, flags=re.M)


@pytest.mark.parametrize("edit", [insert_mid_body, cut_paragraph, retitle, rebyline])
def test_an_edit_in_place_is_patched_and_equals_a_cold_build(builds: Builds, tmp_path: Path,
                                                             edit: Callable[[str], str]) -> None:
    before = builds.build()
    for index in (3, ARTICLES // 2, ARTICLES - 2):
        rewrite(articles(builds.site)[index], edit)
        after = builds.build()
        assert builds.whole == 1, "patched, not made whole"
        assert after == builds.cold(tmp_path / "cold")
        assert after != before
        before = after


def test_several_edits_at_once_and_one_after_another(builds: Builds, tmp_path: Path) -> None:
    paths = articles(builds.site)
    for path in paths[10:200:23]:
        rewrite(path, insert_mid_body)
    rewrite(paths[11], retitle)
    assert builds.build() == builds.cold(tmp_path / "cold")
    rewrite(paths[10], cut_paragraph)
    assert builds.build() == builds.cold(tmp_path / "cold")
    assert builds.whole == 1


def test_a_character_new_to_the_archive_comes_and_goes_in_the_t2s_shards(builds: Builds, tmp_path: Path) -> None:
    texts = "".join(fold(a.title) + fold(search_index.body_text(a)) for a in load(builds.site).articles)
    rare = sorted(c for c in search_patch.targets() if c not in texts)[:2]
    path = articles(builds.site)[50]
    original = path.read_text(encoding="utf-8")
    path.write_text(original + f"\n{rare[0]}{rare[1]}两字。\n", encoding="utf-8")
    added = builds.build()
    assert added == builds.cold(tmp_path / "cold")
    path.write_text(original, encoding="utf-8")
    removed = builds.build()
    assert removed == builds.cold(tmp_path / "cold")
    assert builds.whole == 1
    changed = {name for name in added if removed.get(name) != added[name]}
    assert any(name.startswith("s/") for name in changed)


@pytest.mark.parametrize("heavy", [HEAVY, 10**9])
def test_a_new_newest_issue_is_patched(builds: Builds, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       heavy: int) -> None:
    """New articles take the next ids. With a small HEAVY some key grows past it, which numbers the
    heavy keys again: that is made whole."""
    monkeypatch.setattr(search_index, "HEAVY", heavy)
    builds.build()
    newest = articles(builds.site)[-1]
    day = builds.site / "content/2031/02/03"
    day.mkdir(parents=True)
    for order, path in enumerate(articles(builds.site)[-5:-1], start=1):
        text = re.sub(r"^date: .*\n", "", path.read_text(encoding="utf-8"), flags=re.M)
        text = re.sub(r"^order: .*$", f"order: {order}", text, flags=re.M)
        (day / f"new-{order}.md").write_text(insert_mid_body(retitle(text)), encoding="utf-8")
    rewrite(newest, cut_paragraph)
    made = builds.whole
    assert builds.build() == builds.cold(tmp_path / "cold")
    assert builds.whole - made == (1 if heavy == HEAVY else 0)


@pytest.mark.parametrize("change", ["delete", "date", "new person", "hand-edited shard", "file gone", "state gone"])
def test_what_the_patch_cannot_do_makes_the_index_whole(builds: Builds, tmp_path: Path, change: str) -> None:
    paths = articles(builds.site)
    rewrite(paths[100], insert_mid_body)
    if change == "delete":
        paths[120].unlink()
    elif change == "date":
        target = builds.site / "content/2000/01/01"
        target.mkdir(parents=True)
        paths[120].rename(target / paths[120].name)
        rewrite(target / paths[120].name, lambda t: re.sub(r"^date: .*\n", "", t, flags=re.M))
    elif change == "new person":
        rewrite(paths[120], new_person)
    elif change == "hand-edited shard":
        shard = builds.output / search_index.DATA / (search_index.shard_name("k", 0) + ".js")
        shard.write_bytes(shard.read_bytes().replace(b'{"', b'{"xx":"B","', 1))
    elif change == "file gone":  # the manifest no longer lists it, so it is not what the state says
        (builds.output / search_index.DATA / (search_index.fragment_name(7, 0) + ".js")).unlink()
    else:
        (builds.site / ".cache" / search_patch.STATE).unlink()
    assert builds.build() == builds.cold(tmp_path / "cold")
    assert builds.whole == 2


def newest_issue(site: Path) -> list[Path]:
    return sorted(max((site / "content").glob("*/*/*")).glob("*.md"))


def place(text: str, page: int, order: int) -> str:
    text = re.sub(r"^page: .*$", f"page: {page}", text, count=1, flags=re.M)
    return re.sub(r"^order: .*$", f"order: {order}", text, count=1, flags=re.M)


def add_last_in_print(site: Path) -> None:
    """Printed last, so first in id order: every id of the issue moves up by one."""
    source = newest_issue(site)[0]
    (source.parent / "added.md").write_text(place(insert_mid_body(retitle(source.read_text(encoding="utf-8"))),
                                                  99, 1), encoding="utf-8")


def add_first_in_print(site: Path) -> None:
    """Printed first, so last in id order: no id moves, one is added."""
    source = newest_issue(site)[-1]
    # ties in (版次, order) go by slug
    (source.parent / "00-added.md").write_text(place(retitle(source.read_text(encoding="utf-8")), 1, 1),
                                               encoding="utf-8")


def delete_from_newest(site: Path) -> None:
    newest_issue(site)[len(newest_issue(site)) // 2].unlink()


def reorder_newest(site: Path) -> None:
    """Two articles trade places in print: their ids trade places."""
    first, second = newest_issue(site)[:2]
    a, b = first.read_text(encoding="utf-8"), second.read_text(encoding="utf-8")
    place_of = [(re.search(r"^page: (.*)$", t, flags=re.M), re.search(r"^order: (.*)$", t, flags=re.M))
                for t in (a, b)]
    (pa, oa), (pb, ob) = ((int(p.group(1)) if p else 1, int(o.group(1)) if o else 1) for p, o in place_of)
    assert (pa, oa) != (pb, ob)
    first.write_text(place(a, pb, ob), encoding="utf-8")
    second.write_text(place(b, pa, oa), encoding="utf-8")


@pytest.mark.parametrize("change", [add_last_in_print, add_first_in_print, delete_from_newest, reorder_newest])
def test_a_change_to_the_newest_issue_is_patched(builds: Builds, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 change: Callable[[Path], None]) -> None:
    """The ids that move are the last ones: their old entries are cut from every key, the new ones
    appended; with an edit in place elsewhere at the same time. (With HEAVY at 512 the added text
    takes some key past it, which numbers the heavy keys again: made whole, as above.)"""
    monkeypatch.setattr(search_index, "HEAVY", 1024)
    before = builds.build()
    made = builds.whole
    assert any(name.startswith("px/") for name in before)  # positions cut into files, cut again
    ids = search_patch.load(builds.site / ".cache")
    assert ids is not None
    change(builds.site)
    rewrite(articles(builds.site)[40], insert_mid_body)
    after = builds.build()
    assert builds.whole == made, "patched, not made whole"
    assert after == builds.cold(tmp_path / "cold")
    state = search_patch.load(builds.site / ".cache")
    assert state is not None and state.docs != ids.docs and after != before
    # and back again
    rewrite(articles(builds.site)[40], cut_paragraph)
    assert builds.build() == builds.cold(tmp_path / "cold")
    assert builds.whole == made


def test_an_article_added_to_an_older_issue_makes_the_index_whole(builds: Builds, tmp_path: Path) -> None:
    """Every later id moves: more than MAX_EDITED documents."""
    source = articles(builds.site)[100]
    (source.parent / "added.md").write_text(retitle(source.read_text(encoding="utf-8")), encoding="utf-8")
    assert builds.build() == builds.cold(tmp_path / "cold")
    assert builds.whole == 2
