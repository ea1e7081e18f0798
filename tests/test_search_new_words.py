"""A word added to the segmenter's dictionary or taken from it (a new byline name, a name gone, a line
of dictionary.txt) is patched into the last build's search index: the documents whose text holds the
word are analysed again, since their tokens change (whole-word flags, phrase-key word boundaries),
and the files are those of a cold build, byte for byte. A dictionary whose total changes, or a word
held by more documents than the patch takes, makes the index whole.

The archive and the builds are those of tests/test_search_incremental.py.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from benchmarks.make_corpus import write_corpus
from generator import pipeline, search_index, search_patch, segment
from generator.corpus import Corpus
from generator.output import Staging
from generator.search_text import CJK, fold
from tests.search_sites import small_archive
from tests.test_search_incremental import (
    ARTICLES,
    HEAVY,
    PHRASE_SHARE,
    Builds,
    articles,
    newest_issue,
    rewrite,
    tree,
)

NAME = "欧阳修远"  # not in the archive; jieba alone cuts 欧阳修/远
OLDER = 50  # an article of an older issue


@pytest.fixture
def builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Builds:
    site = small_archive(tmp_path, monkeypatch, ARTICLES, HEAVY, PHRASE_SHARE)
    # an older article that names the person in its text, before any byline does
    rewrite(articles(site)[OLDER], lambda text: text + f"\n记者{NAME}报道：龙水湖畔新建湿地公园。\n")
    builds = Builds(site, tmp_path / "public", monkeypatch)
    builds.build()
    assert builds.whole == 1
    return builds


def add_with_byline(site: Path, byline: str) -> Path:
    """Printed after the others of the newest issue, so the next id: no id moves, one is added. Its text is
    its own (a copy's triples would take some across the frequent count: made whole, as tested in
    tests/test_search_incremental.py)."""
    source = newest_issue(site)[-1]
    section = re.search(r"^section: .*$", source.read_text(encoding="utf-8"), flags=re.M)
    assert section
    added = source.parent / "00-added.md"
    added.write_text(f"---\ntitle: 鹦鹉螺号潜艇完成深潜试验\n{section.group()}\npage: 99\norder: 1\n"
                     f"byline: {byline}\nkind: news\n---\n\n" + "鹦鹉螺号潜艇在龙水湖完成深潜试验。\n" * 3,
                     encoding="utf-8")
    return added


def cut_with_and_without(name: str, text: str) -> tuple[list[str], list[str]]:
    with_name = segment.current().dictionary
    without = segment.UserDictionary(tuple((w, f) for w, f in with_name.words if w != name))
    assert with_name.total == without.total
    return (segment.make_engine(with_name).cut(fold(text)), segment.make_engine(without).cut(fold(text)))


def people(files: dict[str, bytes]) -> str:
    return files["people.js"].decode("utf-8")


def test_a_new_article_with_a_new_byline_name_is_patched(builds: Builds, tmp_path: Path) -> None:
    add_with_byline(builds.site, "新渝报记者 司马青云")
    after = builds.build()
    assert builds.whole == 1, "patched, not made whole"
    assert after == builds.cold(tmp_path / "cold")
    assert '["司马青云",1]' in people(after)
    filter_key = search_index.PERSON_KEY + "司马青云"
    shard = search_index.shard_name("k", search_index.key_hash(filter_key) % meta_buckets(after))
    assert '"\\u0001p司马青云":' in after[shard + ".js"].decode("utf-8")


def meta_buckets(files: dict[str, bytes]) -> int:
    found = re.search(rb'"buckets":(\d+)', files["meta.js"])
    assert found
    return int(found.group(1))


@pytest.mark.parametrize("reanalysed", [True, False])
def test_older_articles_that_hold_the_new_name_are_analysed_again(builds: Builds, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  reanalysed: bool) -> None:
    """The older article's tokens change with the name in the dictionary: its entries must. Without
    that (the patch told that no text holds a changed word) the index is not what a cold build makes."""
    before = builds.build()
    add_with_byline(builds.site, f"新渝报记者 {NAME}")
    corpus = pipeline.load(builds.site)
    segment.configure(builds.site, [person.name for person in corpus.contributors])
    older = articles(builds.site)[OLDER].read_text(encoding="utf-8")
    cut, uncut = cut_with_and_without(NAME, older)
    assert NAME in cut and NAME not in uncut, "premise: the name changes the older article's words"
    if not reanalysed:
        monkeypatch.setattr(search_patch, "_finder", lambda words: None)
    after = builds.build()
    assert builds.whole == 1, "patched, not made whole"
    cold = builds.cold(tmp_path / "cold")
    assert (after == cold) == reanalysed
    assert after != before


@pytest.mark.parametrize("how", ["deleted", "byline changed"])
def test_a_name_taken_from_the_dictionary_is_patched(builds: Builds, tmp_path: Path, how: str) -> None:
    """The name goes with the only article whose byline has it. That article's old entries were made
    with the name in the dictionary (its byline is part of its text), and so were the older article's."""
    before = builds.build()
    added = add_with_byline(builds.site, f"新渝报记者 {NAME}")
    assert builds.build() == builds.cold(tmp_path / "cold")
    if how == "deleted":
        added.unlink()
    else:
        rewrite(added, lambda text: text.replace(f"新渝报记者 {NAME}", "新渝报记者 郑春小"))
    after = builds.build()
    assert builds.whole == 1, "patched, not made whole"
    assert after == builds.cold(tmp_path / "cold")
    assert NAME not in people(after)
    if how == "deleted":
        assert after == before


def dictionary_word(corpus: Corpus, documents: range) -> str:
    """A pair of CJK characters, not a dictionary word, held by a count of documents in `documents`."""
    held: Counter[str] = Counter()
    for article in corpus.articles:
        text = fold(article.title + "\n" + search_index.body_text(article))
        held.update({run[i:i + 2] for run in re.findall(f"[{CJK}]+", text) for i in range(len(run) - 1)})
    known = dict(segment.current().dictionary.words)
    return min(pair for pair, count in held.items() if count in documents and pair not in known)


@pytest.mark.parametrize(("documents", "whole"), [(range(3, 6), False), (range(60, 80), True)])
def test_a_word_added_to_dictionary_txt(builds: Builds, tmp_path: Path, documents: range, whole: bool) -> None:
    """Held by a few documents, patched; by more than the patch takes (MAX_EDITED), made whole."""
    word = dictionary_word(pipeline.load(builds.site), documents)
    (builds.site / segment.DICTIONARY_FILE).write_text(f"{word} 50000\n", encoding="utf-8")
    after = builds.build()
    assert builds.whole == (2 if whole else 1)
    assert after == builds.cold(tmp_path / "cold")


def test_a_dictionary_whose_total_changes_makes_the_index_whole(builds: Builds, tmp_path: Path) -> None:
    """jieba's total moves: any text's tokens may change."""
    total = segment.current().dictionary.total
    (builds.site / segment.DICTIONARY_FILE).write_text(f"鹦鹉螺号 {total}\n", encoding="utf-8")
    add_with_byline(builds.site, "新渝报记者 司马青云")
    after = builds.build()
    assert segment.current().dictionary.total == 2 * total
    assert builds.whole == 2
    assert after == builds.cold(tmp_path / "cold")


def test_a_whole_build_that_adds_an_article_with_a_new_name_equals_a_cold_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages, feeds, 相关报道 and the search index, with the index patched."""
    site = tmp_path / "site"
    write_corpus(60, site, seed=3)
    # in two older articles: its triples are frequent already (from 2 documents at 60), and stay so
    for older in (10, 20):
        rewrite(articles(site)[older], lambda text: text + f"\n记者{NAME}报道：龙水湖畔新建湿地公园。\n")
    pipeline.build(site, site / "public")
    whole = 0
    write = search_index.write

    def counting(corpus: Corpus, staging: Staging) -> search_index.IndexStats:
        nonlocal whole
        whole += 1
        return write(corpus, staging)
    monkeypatch.setattr(search_index, "write", counting)
    add_with_byline(site, f"□ 新渝报记者 {NAME} 见习记者 司马青云")
    pipeline.build(site, site / "public")
    assert whole == 0, "the search index was patched"
    fresh = tmp_path / "cold-site"
    shutil.copytree(site, fresh, ignore=shutil.ignore_patterns(".cache", "public"))
    pipeline.build(fresh, fresh / "public")
    built = tree(site / "public")
    assert built == tree(fresh / "public")
    assert any(NAME in name or NAME in data.decode("utf-8", "replace") for name, data in built.items()
               if name.startswith("people/"))
