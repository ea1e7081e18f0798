"""Related articles (相关报道), computed once per build from jieba's TF-IDF keywords.

Each article's keywords are what jieba.analyse.extract_tags would give for its title (counted twice,
as a headline says what the story is about) and body, cut by generator.segment so the site's own
words (页岩气, 南山公园, reporters' names) count as keywords and cached tokens are reused. Pure
numbers are left out: dates and counts would relate every story of a week to each other.

Two articles are related by the keywords they share (at least two), each weighted by both articles' TF-IDF
weights and by how rare the keyword is in this archive (one in COMMON articles or more relates nothing).
Results are deterministic: score, then newer first, then URL.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import pickle
import re
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from generator import depends, idf, segment
from generator.cache import code_version
from generator.corpus import Article, Corpus, texts_matching
from generator.related_pairs import COMMON, Pairing, Table, table
from generator.routes import Urls

KEYWORDS = 12  # per article
RELATED = 4  # at most, per article
VERSION = "3"  # of what related.pickle holds
PARALLEL_FROM = 400  # articles to cut before starting workers pays
CHUNK = 200  # articles a worker cuts at a time
RECYCLE = 20  # chunks a worker cuts before a fresh one is forked
HAS_WORD = re.compile(r"[^\W\d_]")  # a letter or a Chinese character, not only digits and signs

Keywords = tuple[tuple[str, float], ...]


def keywords(text: str, top: int = KEYWORDS, cut: Callable[[str], list[str]] = segment.words) -> Keywords:
    """jieba.analyse.extract_tags(text, topK=top, withWeight=True) without pure numbers.

    jieba's stop words are English function words; a Latin word in Chinese news is rather a name
    (LNG, GDP), so none are dropped.
    """
    known = _word_idf()
    total = 0.0  # numbers count here, as in jieba, so the weights are jieba's
    scored: list[tuple[str, float, float]] = []
    for word, count in Counter(cut(text)).items():  # first seen first, as jieba's dict
        weight = known.get(word, _UNKNOWN)
        if weight is _UNKNOWN:
            weight = known[word] = _weighing(word)
        if weight is not _SHORT:
            total += count
            if weight is not _NUMBER:
                scored.append((word, float(count), weight))  # type: ignore[arg-type]
    weights = {word: count * rarity / total for word, count, rarity in scored}
    ranked = sorted(weights, key=weights.__getitem__, reverse=True)  # stable: first seen first on ties
    return tuple((word, weights[word]) for word in ranked[:top])


_SHORT, _NUMBER, _UNKNOWN = object(), object(), object()


@lru_cache(maxsize=1)
def _word_idf() -> dict[str, object]:
    """Per word seen so far: its IDF, or _SHORT (not counted at all) or _NUMBER (counted, never a keyword)."""
    return {}


def _weighing(word: str) -> object:
    if len(word.strip()) < 2:
        return _SHORT
    if not HAS_WORD.search(word):
        return _NUMBER
    return _weigh(word)


def _whole_table(word: str) -> float:
    whole = idf.table()
    return whole.freq.get(word, whole.median)


_weigh: Callable[[str], float] = _whole_table  # idf.Lookup(...).get while an edit's few articles are weighed


@contextmanager
def _weights_for(count: int, folder: Path) -> Iterator[None]:
    """Weigh `count` articles' words: looked up one by one in the cache's copy of the table when
    they are few, from the whole table read once (before workers fork) when they are many."""
    global _weigh
    if count >= PARALLEL_FROM or not count:
        if not count:
            yield
            return
        idf.table()
        idf.Lookup(folder).close()  # for the edits to come (made by the build's helper, unless it failed)
        try:
            yield
        finally:
            # 47 MB the rest of the build (its search stage is its peak) need not carry
            idf.table.cache_clear()
            _word_idf().clear()
        return
    lookup = idf.Lookup(folder)
    _weigh = lookup.get
    try:
        yield
    finally:
        _weigh = _whole_table
        lookup.close()


def precut(articles: Iterable[Article]) -> None:
    """Cut now, into the token cache, the texts related_changes would cut for these articles (an
    edit's): the build's helper, which cuts them, is then free for other work (pipeline.py)."""
    for article in articles:
        segment.words(_text(article))


def article_keywords(article: Article) -> Keywords:
    return keywords(_text(article))


def _text(article: Article) -> str:
    return f"{article.title}\n{article.title}\n{article.text}"


def related_cached(corpus: Corpus, folder: Path) -> Related:
    """related(corpus), reusing what an earlier build computed, with exactly the same result."""
    return related_changes(corpus, folder)[0]


Related = Mapping[str, tuple[Article, ...]]


def related_changes(corpus: Corpus, folder: Path, since: str = "") -> tuple[Related, set[str] | None, str]:
    """related_cached(corpus, folder); the URLs of the articles whose 相关报道 differ from those of the
    stored result named `since`, None when that is not known (another result was stored since, or the
    archive's articles were added, removed or reordered); and the name of the result now stored.

    The name lets a build's record of its output say which result its pages were made from: a build
    that failed after storing a result must not hide that result's changes from the next one.

    Keywords are kept per article (by digest, under the segmenter's dictionary). When articles change,
    only the articles that share a keyword with an old or new version of them are paired again: a
    keyword's rarity depends on its own article count alone, so no other article's scores can move.
    """
    path = folder / "related.pickle"
    segmenter = segment.current()
    dictionary = segmenter.dictionary
    salt = f"{VERSION}:{segmenter.engine_name}:{KEYWORDS}:{RELATED}:{COMMON}"
    stored = _load(path)
    same = stored.get("salt") == salt and stored.get("total") == dictionary.total
    old: Table | None = stored.get("table") if same else None
    old_urls = _split(stored["urls"]) if old is not None else []
    old_digests = _split(stored["digests"]) if old is not None else []
    # a dictionary of the same total cuts alike every text that holds none of the words that differ
    # (generator.segment): a new byline name re-cuts the articles that hold it, not the archive
    words = stored.get("words", ()) if old is not None else dictionary.words
    differ = segment.UserDictionary(words).changed(dictionary) if words != dictionary.words else frozenset()
    digests = corpus.digests
    # the files the last result's URLs were made from, by this code (its URL scheme)
    same_code = old is not None and stored.get("code") == code_version()
    old_sources = _split(stored.get("sources", "")) if same_code else []
    # the same files in the same order: where their digests differ (an edit), found once
    edits = depends.changed(digests, old_digests) if same_code and corpus.sources == old_sources else None
    urls = _urls_again(corpus, old_urls, edits)
    if old is not None and not differ and urls == old_urls and digests == old_digests:  # the last result stands
        name = stored.get("name", "")
        return _articles(corpus, urls, stored["result"]), set() if name and name == since else None, name
    same_order = old is not None and urls == old_urls  # an edit: no dict of 100,000 URLs needed
    if same_order:
        before = np.arange(len(urls), dtype=np.int64)
    else:
        row_of = {url: number for number, url in enumerate(old_urls)}
        before = np.array([row_of.get(url, -1) for url in urls], dtype=np.int64)
    # the articles cut again: new, edited, or holding a word the dictionary changed
    if same_order and not differ:  # an edit: those whose digest changed, found at once
        changed_new = edits if edits is not None else depends.changed(digests, old_digests)
    else:
        holding = _holding(corpus.articles, differ) if differ else set()
        changed_new = [number for number, (row, digest) in enumerate(zip(before.tolist(), digests, strict=True))
                       if row < 0 or old_digests[row] != digest or number in holding]
    rows = before.copy()
    rows[changed_new] = -1
    cut = [corpus.articles[number] for number in changed_new]
    with _weights_for(len(cut), folder), closing(_vectors(cut)) as fresh:  # closed: its workers end
        keywords = table(fresh, old, rows)
    pairing = Pairing(keywords, urls, [-day for day in corpus.days])
    result = np.full((len(urls), RELATED), -1, dtype=np.int64)
    if old is None:
        todo: Iterable[int] = range(len(urls))
        pairing.index()
    else:
        old_to_new = (np.arange(len(urls), dtype=np.int64) if same_order
                      else np.array(_positions(old_urls, urls), dtype=np.int64))
        changed_old = (changed_new if same_order  # the same rows: those cut again are those changed
                       else np.setdiff1d(np.arange(len(old_urls)), rows[rows >= 0]).tolist())
        todo = sorted(pairing.affected(old, changed_old, changed_new, old_to_new))
        pairing.index(todo)
        there = before >= 0  # edited or not: the affected are made again
        previous = np.asarray(stored["result"])[before[there]]
        result[there] = np.where(previous >= 0, old_to_new[previous], -1)
    # with the same URLs in the same order, the rows carried over are the last build's as they were
    known = same_order and since and stored.get("name") == since
    moved: set[str] | None = set() if known else None
    for number in todo:
        chosen = pairing.best(number, RELATED)
        before_row = result[number].tolist()
        result[number] = -1
        result[number, :len(chosen)] = chosen
        if moved is not None and result[number].tolist() != before_row:
            moved.add(urls[number])
    name = os.urandom(8).hex()
    # URLs and digests as one string each: 200,000 strings took a fifth of a second to load and save
    _save(path, {"salt": salt, "total": dictionary.total, "words": dictionary.words, "urls": _SEP.join(urls),
                 "sources": _SEP.join(corpus.sources), "code": code_version(),
                 "digests": _SEP.join(digests), "table": keywords, "result": result, "name": name})
    return _articles(corpus, urls, result), moved, name


_MARK = "\ufdd2"  # a noncharacter: in no slug


def _urls_again(corpus: Corpus, urls: list[str], edits: list[int] | None) -> list[str]:
    """_urls(corpus.articles), given the URLs of the last result and `edits`, the places of the files
    changed since it, when they are the same files in the same order (None: not known). An
    article's URL follows from its file, so only the changed files' URLs are made (at 100,000
    articles, a tenth of a second an edit)."""
    if edits is None:
        return _urls(corpus.articles)
    again = list(urls)
    for number in edits:
        again[number] = Urls.article(corpus.articles[number])
    return again


def _urls(articles: Sequence[Article]) -> list[str]:
    """Urls.article of every article; formatted once per issue, the slug put in between (an edit
    needs every article's URL, and formatting each of 100,000 took half a second). The shortcut is
    checked against Urls.article on each issue's first article; where it differs, each is formatted."""
    around: dict[dt.date, tuple[str, str] | None] = {}
    urls: list[str] = []
    for article in articles:
        if article.date not in around:
            url = Urls.article(article)
            pieces = Urls.article(replace(article, slug=_MARK)).split(_MARK)
            around[article.date] = ((pieces[0], pieces[1])
                                    if len(pieces) == 2 and pieces[0] + article.slug + pieces[1] == url else None)
            urls.append(url)
            continue
        parts = around[article.date]
        if parts is None:
            urls.append(Urls.article(article))
        else:
            urls.append(parts[0] + article.slug + parts[1])
    return urls


_SEP = "\0"  # in no path, so in no URL; nor in a hex digest


def _split(joined: str) -> list[str]:
    return joined.split(_SEP) if joined else []


def _holding(articles: Sequence[Article], words: frozenset[str]) -> set[int]:
    """The places of the articles whose title or text holds one of `words`; the texts looked into a
    bodies file at a time (texts_matching), then those found read."""
    maybe = texts_matching(articles, [word.encode() for word in sorted(words)])
    maybe.update(number for number, article in enumerate(articles) if any(word in article.title for word in words))
    return {number for number in maybe if _holds(articles[number], words)}


def _holds(article: Article, words: frozenset[str]) -> bool:
    return any(word in article.title or word in article.text for word in words)


def _positions(old_urls: list[str], urls: list[str]) -> list[int]:
    """Where each old URL is now, -1 when gone."""
    now = {url: number for number, url in enumerate(urls)}
    return [now.get(url, -1) for url in old_urls]


def _articles(corpus: Corpus, urls: list[str], result: Any) -> Related:
    return _Related(corpus.articles, urls, np.asarray(result))


class _Related(Mapping[str, tuple[Article, ...]]):
    """相关报道 by article URL, each made when looked up: an edit makes the pages of a few articles."""

    def __init__(self, articles: tuple[Article, ...], urls: list[str], result: Any) -> None:
        self._articles, self._urls, self._result = articles, urls, result
        self._rows = {url: number for number, url in enumerate(urls)}

    def __getitem__(self, url: str) -> tuple[Article, ...]:
        articles = self._articles
        return tuple(articles[other] for other in self._result[self._rows[url]].tolist() if other >= 0)

    def __iter__(self) -> Iterator[str]:
        return iter(self._urls)

    def __len__(self) -> int:
        return len(self._urls)


def _vectors(articles: list[Article]) -> Generator[dict[str, float], None, None]:
    """Normalised keywords of the articles, in order, as they are made; cut on every core when
    there are many.

    Workers cut with the engine itself: the token cache's SQLite file stays in this process, and
    the vectors are what is kept (by digest) anyway. The engine is made here, before the fork, so
    that every worker shares it: made in each (fresh) worker, it cost a third of a second and some
    60 MB a worker. Each worker reads its articles' bodies itself (Body: pread), so the archive's
    text is never held in this process at once (at 100,000 articles some 300 MB), and the vectors
    come back a chunk at a time, to be kept compact (related_pairs.table) as they come.
    """
    workers = min(os.cpu_count() or 1, 8)
    if workers < 2 or len(articles) < PARALLEL_FROM:
        yield from (_normalised(article_keywords(article)) for article in articles)
        return
    segment.flush()  # no SQLite connection crosses the fork
    segment.current().engine  # noqa: B018  made once, shared copy-on-write
    _ARTICLES[:] = articles
    try:
        chunks = [range(start, min(start + CHUNK, len(articles))) for start in range(0, len(articles), CHUNK)]
        # a fresh worker every RECYCLE chunks: a long-lived one ends up with its own copy of the
        # pages of the parent it touched (at 100,000 articles this stage peaked at 1.75 GB PSS)
        import multiprocessing  # on use: an edit cuts its few texts in this process

        with multiprocessing.get_context("fork").Pool(workers, maxtasksperchild=RECYCLE) as pool:
            for part in pool.imap(_vectors_of, chunks):
                yield from part
    finally:
        _ARTICLES.clear()


_ARTICLES: list[Article] = []  # forked workers inherit the articles instead of receiving them pickled


def _vectors_of(indices: range) -> list[dict[str, float]]:
    cut = segment.current().engine.cut
    return [_normalised(keywords(_text(_ARTICLES[i]), cut=cut)) for i in indices]


def _load(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            stored = pickle.load(handle)
        return stored if isinstance(stored, dict) else {}
    except (OSError, pickle.PickleError, EOFError, ValueError, TypeError, AttributeError):
        return {}


def _save(path: Path, stored: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_suffix(".tmp")
    with open(temp, "wb") as handle:
        pickle.dump(stored, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temp, path)


def related(corpus: Corpus, count: int = RELATED) -> dict[str, tuple[Article, ...]]:
    """For every article's URL, up to `count` related articles, most related first."""
    urls = [Urls.article(a) for a in corpus.articles]
    keywords = table(_normalised(article_keywords(a)) for a in corpus.articles)
    pairing = Pairing(keywords, urls, [-day for day in corpus.days])
    pairing.index()
    articles = corpus.articles
    return {url: tuple(articles[other] for other in pairing.best(number, count)) for number, url in enumerate(urls)}


def _normalised(pairs: Keywords) -> dict[str, float]:
    length = math.sqrt(sum(weight * weight for _, weight in pairs)) or 1.0
    return {word: weight / length for word, weight in pairs}
