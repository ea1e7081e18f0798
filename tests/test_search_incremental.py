"""Articles edited in place are patched into the last build's search index, and the files are those
of a cold build, byte for byte; whatever the patch cannot do exactly makes the index whole again.

A generated archive with a small HEAVY, so that many keys have files of their own and positions cut
into several files, and edits that move those cuts. Phrase keys are made of the triples in 10 of its
240 documents or more: an edit that takes a triple's count across 10 changes other documents' phrase
keys, so the index is made whole; the tests count the triples by a plain scan to know which is due.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from generator import search_index, search_patch, search_phrases, segment
from generator.corpus import Article, Corpus
from generator.output import Staging, staged
from generator.pipeline import load
from generator.search_files import SearchFiles
from generator.search_index import body_text
from generator.search_text import CJK, fold
from tests.search_sites import small_archive

ARTICLES = 240
HEAVY = 512
PHRASE_SHARE = 24  # frequent from 10 documents of 240
_CJK_RUN = re.compile(f"[{CJK}]{{3,}}")


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def triple_counts(corpus: Corpus) -> Counter[str]:
    """The documents holding each triple of CJK characters, by a plain scan of their texts."""
    counts: Counter[str] = Counter()
    for article in corpus.articles:
        counts.update(triple_counts_of(article))
    return counts


def triple_counts_of(article: Article) -> set[str]:
    held: set[str] = set()
    for text in (fold(article.title), fold(body_text(article))):
        for run in _CJK_RUN.findall(text):
            held.update(run[i:i + 3] for i in range(len(run) - 2))
    return held


def configured(site: Path) -> Corpus:
    corpus = load(site)
    segment.configure(site, [person.name for person in corpus.contributors])
    return corpus


class Builds:
    """The search stage of the build (staging, manifest, state) into one output folder."""

    def __init__(self, site: Path, output: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.site, self.output = site, output
        self.manifest: dict[str, str] = {}
        self.record: SearchFiles | None = None  # of the files under search/data/ (search_files.py)
        self.whole = 0  # builds that made the index whole
        self.counts: Counter[str] = Counter()
        self.least = 0
        self.crossed: set[str] = set()  # triples frequent before the last build and not after, or the reverse
        self.write = write = search_index.write

        def counting(corpus: Corpus, staging: Staging) -> search_index.IndexStats:
            self.whole += 1
            return write(corpus, staging)
        monkeypatch.setattr(search_index, "write", counting)

    def build(self) -> dict[str, bytes]:
        corpus = configured(self.site)
        counts, least = triple_counts(corpus), search_phrases.least(len(corpus.articles))
        self.crossed = {t for t in counts.keys() | self.counts.keys()
                        if (counts[t] >= least) != (self.counts[t] >= self.least)}
        self.counts, self.least = counts, least
        manifest = {url: k for url, k in self.manifest.items() if (self.output / url).is_file()}
        record = self.record
        if record is not None and not all((self.output / url).is_file() for url in record):
            record = None  # a file removed by hand (the build sees its folder's time move)
        with staged(self.output, manifest) as staging:
            self.record = search_patch.update(corpus, staging, self.output.resolve(), self.site / ".cache", "site",
                                              record)
        segment.flush()
        self.manifest = {url: k for url, k in staging.keys.items() if not url.startswith(search_index.DATA)}
        return tree(self.output / search_index.DATA)

    def cold(self, scratch: Path) -> dict[str, bytes]:
        shutil.rmtree(scratch, ignore_errors=True)
        self.write(configured(self.site), Staging(scratch, {}))
        segment.flush()
        return tree(scratch / search_index.DATA)


@pytest.fixture
def builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Builds:
    site = small_archive(tmp_path, monkeypatch, ARTICLES, HEAVY, PHRASE_SHARE)
    builds = Builds(site, tmp_path / "public", monkeypatch)
    builds.build()
    assert builds.whole == 1 and builds.least == 10
    assert phrase_keys(builds.build())  # phrase keys were written
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


@pytest.mark.parametrize("edit", [insert_mid_body, cut_paragraph, retitle, rebyline])
def test_an_edit_in_place_is_patched_and_equals_a_cold_build(builds: Builds, tmp_path: Path,
                                                             edit: Callable[[str], str]) -> None:
    before = builds.build()
    for index in (3, ARTICLES // 2, ARTICLES - 2):
        rewrite(articles(builds.site)[index], edit)
        after = builds.build()
        assert not builds.crossed, "premise: the edit keeps the frequent triples"
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
    assert not builds.crossed
    rewrite(paths[10], cut_paragraph)
    assert builds.build() == builds.cold(tmp_path / "cold")
    assert not builds.crossed
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


@pytest.mark.parametrize(("heavy", "added"), [(HEAVY, 4), (10**9, 4), (10**9, 24)])
def test_a_new_newest_issue_is_patched(builds: Builds, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       heavy: int, added: int) -> None:
    """New articles take the next ids. With a small HEAVY their new keys grow past it, which numbers
    the heavy keys again: that is made whole. So is an issue that takes the archive to a count of
    documents (264) where a triple is frequent from 11 of them instead of 10."""
    monkeypatch.setattr(search_index, "HEAVY", heavy)
    builds.build()
    newest = articles(builds.site)[-1]
    day = builds.site / "content/2031/02/03"
    day.mkdir(parents=True)
    for order, path in enumerate(articles(builds.site)[-added - 1:-1], start=1):
        text = re.sub(r"^date: .*\n", "", path.read_text(encoding="utf-8"), flags=re.M)
        text = re.sub(r"^order: .*$", f"order: {order}", text, flags=re.M)
        if added == 4:  # a text of its own: copies' triples would take some across 10 documents
            repeat = 60 if heavy == HEAVY else 1  # its new keys' positions past HEAVY
            text = text.split("\n---\n")[0] + "\n---\n" + f"鹦鹉螺号潜艇在龙水湖完成第{order}次试航。\n" * repeat
        (day / f"new-{order}.md").write_text(insert_mid_body(retitle(text)), encoding="utf-8")
    rewrite(newest, insert_mid_body)
    made = builds.whole
    assert builds.build() == builds.cold(tmp_path / "cold")
    if added == 4:
        assert builds.least == 10 and not builds.crossed  # premise
    else:
        assert builds.least == 11
    assert builds.whole - made == (1 if heavy == HEAVY or added == 24 else 0)


def test_a_triple_that_becomes_frequent_or_stops_being_makes_the_index_whole(builds: Builds, tmp_path: Path) -> None:
    """An article given a triple held by 9 documents makes it frequent: phrase keys made of it
    appear in other documents. Taken out again, they go."""
    before = builds.build()
    triple = min(t for t, count in builds.counts.items() if count == builds.least - 1)
    path = next(p for p in articles(builds.site) if triple not in fold(p.read_text(encoding="utf-8")))
    original = path.read_text(encoding="utf-8")
    path.write_text(f"{original}\n{triple}。\n", encoding="utf-8")
    after = builds.build()
    assert builds.crossed == {triple} and builds.counts[triple] == builds.least
    assert builds.whole == 2
    assert after == builds.cold(tmp_path / "cold")
    new_keys = phrase_keys(after) - phrase_keys(before)
    assert new_keys and all(triple in key for key in new_keys)
    path.write_text(original, encoding="utf-8")
    assert builds.build() == before
    assert builds.crossed == {triple} and builds.whole == 3


def phrase_keys(files: dict[str, bytes]) -> set[str]:
    return {key for name, data in files.items() if name.startswith("k/")
            for key in re.findall(f'"([{CJK}]{{4,}})":', data.decode("utf-8"))}


@pytest.mark.parametrize("change", ["delete", "date", "hand-edited shard", "file gone", "state gone"])
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
    elif change == "hand-edited shard":  # one the patch reads: that of a pair the edit adds
        meta = (builds.output / search_index.DATA / "meta.js").read_text(encoding="utf-8")
        buckets = json.loads(meta[meta.index(",") + 1:-3])["buckets"]
        name = search_index.shard_name("k", search_index.key_hash("钻机") % buckets)
        shard = builds.output / search_index.DATA / f"{name}.js"
        shard.write_bytes(shard.read_bytes().replace(b'{"', b'{"xx":"B","', 1))
    elif change == "file gone":  # the record of the files no longer holds, so neither does the state
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
    """Printed last, so the next id: no id moves, one is added."""
    source = newest_issue(site)[0]
    (source.parent / "added.md").write_text(place(own_text(source.read_text(encoding="utf-8"), 1), 99, 1),
                                            encoding="utf-8")


def add_first_in_print(site: Path) -> None:
    """Printed first: every id of the issue moves up by one."""
    source = newest_issue(site)[-1]
    # ties in (版次, order) go by slug
    (source.parent / "00-added.md").write_text(place(own_text(source.read_text(encoding="utf-8"), 2), 1, 1),
                                               encoding="utf-8")


def own_text(text: str, n: int) -> str:
    """A new title and body of text no other article has: a copy would take some of its triples
    across the frequent count, which changes other articles' phrase keys (made whole, tested above)."""
    return retitle(text).split("\n---\n")[0] + "\n---\n" + f"鹦鹉螺号潜艇在龙水湖完成第{n}次深潜试验。\n" * 3


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
    # about ids: no phrase keys, so no triple crosses the line (a deleted article takes many across it)
    monkeypatch.setattr(search_phrases, "least", lambda documents: 10**6)
    before = builds.build()
    made = builds.whole
    assert any(name.startswith("px/") for name in before)  # positions cut into files, cut again
    ids = search_patch.load(builds.site / ".cache")
    assert ids is not None
    change(builds.site)
    edited = articles(builds.site)[40]
    original = edited.read_text(encoding="utf-8")
    rewrite(edited, insert_mid_body)
    after = builds.build()
    assert not builds.crossed, "premise: the frequent triples stay the same"
    assert builds.whole == made, "patched, not made whole"
    assert after == builds.cold(tmp_path / "cold")
    state = search_patch.load(builds.site / ".cache")
    assert state is not None and state.docs != ids.docs and after != before
    # and back again (the counts of before: no triple crosses)
    edited.write_text(original, encoding="utf-8")
    assert builds.build() == builds.cold(tmp_path / "cold")
    assert builds.whole == made


def test_an_article_added_to_an_older_issue_makes_the_index_whole(builds: Builds, tmp_path: Path) -> None:
    """Every later id moves: more than MAX_EDITED documents."""
    source = articles(builds.site)[100]
    (source.parent / "added.md").write_text(retitle(source.read_text(encoding="utf-8")), encoding="utf-8")
    assert builds.build() == builds.cold(tmp_path / "cold")
    assert builds.whole == 2


def spy_edited(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """The ids each patch re-analyses (search_patch._patched's `edited`): every key of each is spliced."""
    calls: list[list[int]] = []
    patched = search_patch._patched

    def spying(articles: list[Article], edited: list[int], *rest):  # type: ignore[no-untyped-def]
        calls.append(list(edited))
        return patched(articles, edited, *rest)
    monkeypatch.setattr(search_patch, "_patched", spying)
    return calls


@pytest.mark.parametrize("where", ["last in print", "mid-issue", "new byline name", "new newest issue"])
def test_an_added_article_moves_only_the_ids_printed_after_it(builds: Builds, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    """Ids follow the printed order within an issue: an article printed after the others of the
    newest issue (the benchmark's add-one: page 9, two new byline names) or in a new issue takes the
    next id, and only its own entries are patched in; one printed mid-issue moves the ids after it."""
    monkeypatch.setattr(search_index, "HEAVY", 1024)
    monkeypatch.setattr(search_phrases, "least", lambda documents: 10**6)  # no phrase keys: nothing crosses
    builds.build()
    made = builds.whole
    corpus = configured(builds.site)
    issue, count = corpus.issues[-1].articles, len(corpus.articles)
    source = newest_issue(builds.site)[0]
    text = own_text(source.read_text(encoding="utf-8"), 4)
    folder, expected = source.parent, [count]
    if where == "last in print":
        text = place(text, max(a.page or 0 for a in issue) + 1, 1)
    elif where == "mid-issue":  # just before the middle article (ties in 版次 and order go by slug)
        middle = len(issue) // 2
        assert issue[middle].page and issue[middle].order and issue[middle].slug > "000-added"
        text = place(text, issue[middle].page, issue[middle].order)
        expected = list(range(count - len(issue) + middle, count + 1))
    elif where == "new byline name":
        text = place(rebyline(text), 99, 1).replace("郑春小", "司马青云").replace("金林波", "司马青云")
        assert "司马青云" in text
    else:
        folder = builds.site / "content/2031/02/03"
        folder.mkdir(parents=True)
        text = re.sub(r"^date: .*\n", "", text, flags=re.M)
        assert corpus.issues[-1].date < dt.date(2031, 2, 3)
    (folder / "000-added.md").write_text(text, encoding="utf-8")
    edited = spy_edited(monkeypatch)
    after = builds.build()
    assert builds.whole == made, "patched, not made whole"
    assert edited == [expected]
    assert after == builds.cold(tmp_path / "cold")
    assert len(search_patch.load(builds.site / ".cache").docs[0]) == count + 1  # type: ignore[union-attr]
