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

import heapq
import math
import multiprocessing
import os
import pickle
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from generator import segment
from generator.corpus import Article, Corpus
from generator.routes import Urls

KEYWORDS = 12  # per article
RELATED = 4  # at most, per article
MIN_SHARED = 2  # one shared keyword (重庆市, a reporter's name) is chance, not a related story
MIN_SCORE = 0.02
COMMON = 300  # a keyword in this many articles is too common to relate them (and too costly)
PARALLEL_FROM = 400  # articles to cut before starting workers pays
HAS_WORD = re.compile(r"[^\W\d_]")  # a letter or a Chinese character, not only digits and signs

Keywords = tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class _Idf:
    freq: _Floats
    median: float


@lru_cache(maxsize=1)
def _idf() -> _Idf:
    """jieba's IDF table (jieba/analyse/idf.txt), read directly: importing jieba.analyse costs a second."""
    import jieba

    path = Path(jieba.__file__).parent / "analyse" / "idf.txt"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    parts = text.split()
    if len(parts) == 2 * len(lines):  # "word weight" on every line, as jieba ships it: split in one go
        raw = dict(zip(parts[0::2], parts[1::2], strict=True))
    else:
        raw = dict(pair for pair in (line.rsplit(" ", 1) for line in lines) if len(pair) == 2)
    values = sorted(map(float, raw.values()))  # floats made on lookup: most are never needed
    return _Idf(_Floats(raw), values[len(values) // 2])


class _Floats(dict[str, str]):
    def get(self, key: str, default: float = 0.0) -> float:  # type: ignore[override]
        value = super().get(key)
        return default if value is None else float(value)


def keywords(text: str, top: int = KEYWORDS, cut: Callable[[str], list[str]] = segment.words) -> Keywords:
    """jieba.analyse.extract_tags(text, topK=top, withWeight=True) without pure numbers.

    jieba's stop words are English function words; a Latin word in Chinese news is rather a name
    (LNG, GDP), so none are dropped.
    """
    known = _word_idf()
    total = 0.0  # numbers count here, as in jieba, so the weights are jieba's
    scored: list[tuple[str, float, float]] = []
    for word, count in Counter(cut(text)).items():  # first seen first, as jieba's dict
        idf = known.get(word, _UNKNOWN)
        if idf is _UNKNOWN:
            idf = known[word] = _weighing(word)
        if idf is not _SHORT:
            total += count
            if idf is not _NUMBER:
                scored.append((word, float(count), idf))  # type: ignore[arg-type]
    weights = {word: count * idf / total for word, count, idf in scored}
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
    idf = _idf()
    return idf.freq.get(word, idf.median)


def article_keywords(article: Article) -> Keywords:
    return keywords(_text(article))


def _text(article: Article) -> str:
    return f"{article.title}\n{article.title}\n{article.text}"


def related_cached(corpus: Corpus, folder: Path) -> dict[str, tuple[Article, ...]]:
    """related(corpus), reusing what an earlier build computed, with exactly the same result.

    Keywords are kept per article (by digest, under the segmenter's dictionary). When articles change,
    only the articles that share a keyword with an old or new version of them are paired again: a
    keyword's rarity depends on its own article count alone, so no other article's scores can move.
    """
    path = folder / "related.pickle"
    segmenter = segment.current()
    salt = f"{segmenter.dictionary.fingerprint}:{segmenter.engine_name}:{KEYWORDS}:{RELATED}:{COMMON}"
    stored = _load(path)
    if stored.get("salt") != salt:
        stored = {"vectors": {}, "result": {}}
    known: dict[str, tuple[str, dict[str, float]]] = stored["vectors"]
    urls = [Urls.article(a) for a in corpus.articles]
    hits = [known.get(url) for url in urls]
    fresh = _vectors([a for a, hit in zip(corpus.articles, hits, strict=True) if not hit or hit[0] != a.digest])
    vectors = [hit[1] if hit and hit[0] == a.digest else next(fresh)
               for a, hit in zip(corpus.articles, hits, strict=True)]
    current = {url: (a.digest, v) for url, a, v in zip(urls, corpus.articles, vectors, strict=True)}
    changed = {url for url in current.keys() | known.keys() if known.get(url, ("",))[0] != current.get(url, ("",))[0]}
    old_result: dict[str, tuple[str, ...]] = stored["result"]
    pairing = _Pairing(corpus.articles, urls, vectors)
    if not old_result:
        result = {url: pairing.best(number) for number, url in enumerate(urls)}
    else:
        affected = pairing.affected(changed, [v for _, v in known.values()], known, current)
        position = {url: number for number, url in enumerate(urls)}
        result = {url: pairing.best(position[url]) if url in affected else old_result[url] for url in urls}
    if changed or not old_result:
        _save(path, {"salt": salt, "vectors": current, "result": result})
    by_url = dict(zip(urls, corpus.articles, strict=True))
    return {url: tuple(by_url[other] for other in others) for url, others in result.items()}


def _vectors(articles: list[Article]) -> Iterator[dict[str, float]]:
    """Normalised keywords of the articles, in order; cut on every core when there are many.

    Workers cut with the engine itself: the token cache's SQLite file stays in this process, and
    the vectors are what is kept (by digest) anyway.
    """
    workers = min(os.cpu_count() or 1, 8)
    if workers < 2 or len(articles) < PARALLEL_FROM:
        return (_normalised(article_keywords(article)) for article in articles)
    segment.flush()  # no SQLite connection crosses the fork
    _TEXTS[:] = [_text(article) for article in articles]
    try:
        chunks = [range(start, min(start + 200, len(articles))) for start in range(0, len(articles), 200)]
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            done = [vector for part in pool.imap(_vectors_of, chunks) for vector in part]
    finally:
        _TEXTS.clear()
    return iter(done)


_TEXTS: list[str] = []  # forked workers inherit the texts instead of receiving them pickled


def _vectors_of(indices: range) -> list[dict[str, float]]:
    cut = segment.current().engine.cut
    return [_normalised(keywords(_TEXTS[i], cut=cut)) for i in indices]


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
    pairing = _Pairing(corpus.articles, urls, [_normalised(article_keywords(a)) for a in corpus.articles])
    by_url = dict(zip(urls, corpus.articles, strict=True))
    return {url: tuple(by_url[o] for o in pairing.best(number, count)) for number, url in enumerate(urls)}


def rarity(count: int, ceiling: int) -> float:
    """How much a keyword found in `count` articles says: nothing once it is in `ceiling` articles.

    The ceiling is the archive's size, or COMMON once the archive is larger: then a keyword's rarity
    depends on its own count alone, and adding an article changes the scores of the articles that
    share its keywords and of no others.
    """
    return math.log((ceiling + 1) / (count + 1)) if count < ceiling else 0.0


def ceiling(size: int) -> int:
    return min(size, COMMON)


class _Pairing:
    """Articles indexed by their keywords, to find each one's most related others."""

    def __init__(self, articles: tuple[Article, ...], urls: list[str], vectors: list[dict[str, float]]) -> None:
        self.urls, self.vectors = urls, vectors
        self.postings: dict[str, list[int]] = defaultdict(list)
        for number, vector in enumerate(vectors):
            for word in vector:
                self.postings[word].append(number)
        # per keyword rare enough to matter: (article, its weight times the keyword's rarity)
        self.ceiling = ceiling(len(vectors))
        self.weighted = {word: [(other, vectors[other][word] * rarity(len(items), self.ceiling)) for other in items]
                         for word, items in self.postings.items() if rarity(len(items), self.ceiling) > 0}
        self.newest = [-article.date.toordinal() for article in articles]

    def best(self, number: int, count: int = RELATED) -> tuple[str, ...]:
        scores: dict[int, float] = defaultdict(float)
        shared: dict[int, int] = defaultdict(int)
        for word, weight in self.vectors[number].items():
            for other, other_weight in self.weighted.get(word, ()):
                scores[other] += weight * other_weight
                shared[other] += 1
        candidates = [other for other, score in scores.items()
                      if other != number and score >= MIN_SCORE and shared[other] >= MIN_SHARED]
        chosen = heapq.nsmallest(count, candidates,
                                 key=lambda other: (-round(scores[other], 9), self.newest[other], self.urls[other]))
        return tuple(self.urls[other] for other in chosen)

    def affected(self, changed: set[str], old_vectors: list[dict[str, float]],
                 old: dict[str, tuple[str, dict[str, float]]], new: dict[str, tuple[str, dict[str, float]]]
                 ) -> set[str]:
        """Articles whose related list may differ from the last build's, given the changed URLs."""
        if ceiling(len(old)) != self.ceiling:  # a small archive: every keyword's rarity moved
            return set(self.urls)
        old_counts: dict[str, int] = defaultdict(int)
        for vector in old_vectors:
            for word in vector:
                old_counts[word] += 1
        old_postings: dict[str, set[str]] = defaultdict(set)
        words = {w for url in changed for entry in (old.get(url), new.get(url)) if entry for w in entry[1]}
        for url, (_, vector) in old.items():
            for word in words & vector.keys():
                old_postings[word].add(url)
        affected = {url for url in changed if url in new}
        for word in words:
            if old_counts[word] >= self.ceiling and len(self.postings.get(word, ())) >= self.ceiling:
                continue  # too common before and after: it scores nothing for anyone
            affected |= {url for url in old_postings[word] if url in new}
            affected |= {self.urls[number] for number in self.postings.get(word, ())}
        return affected


def _normalised(pairs: Keywords) -> dict[str, float]:
    length = math.sqrt(sum(weight * weight for _, weight in pairs)) or 1.0
    return {word: weight / length for word, weight in pairs}
