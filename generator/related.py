"""Related articles (相关报道), computed once per build from jieba's TF-IDF keywords.

Each article's keywords are what jieba.analyse.extract_tags would give for its title (counted twice,
as a headline says what the story is about) and body, cut by generator.segment so the site's own
words (页岩气, 南山公园, reporters' names) count as keywords and cached tokens are reused. Pure
numbers are left out: dates and counts would relate every story of a week to each other.

Two articles are related by the keywords they share (at least two), each weighted by both articles' TF-IDF
weights and by how rare the keyword is in this archive (a word in every article relates nothing).
Results are deterministic: score, then newer first, then URL.
"""

from __future__ import annotations

import math
import os
import pickle
import re
from collections import defaultdict
from collections.abc import Callable
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
COMMON = 400  # a keyword in more articles than this is too common to relate them (and too costly)
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
    pairs = (line.rsplit(" ", 1) for line in path.read_text(encoding="utf-8").splitlines())
    raw = dict(pair for pair in pairs if len(pair) == 2)  # floats made on lookup: most are never needed
    values = sorted(map(float, raw.values()))
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
    idf = _idf()
    freq: dict[str, float] = {}
    for word in cut(text):
        if len(word.strip()) >= 2:
            freq[word] = freq.get(word, 0.0) + 1.0
    total = sum(freq.values())  # numbers count here, as in jieba, so the weights are jieba's
    weights = {word: count * idf.freq.get(word, idf.median) / total
               for word, count in freq.items() if HAS_WORD.search(word)}
    ranked = sorted(weights, key=weights.__getitem__, reverse=True)  # stable: first seen first on ties
    return tuple((word, weights[word]) for word in ranked[:top])


def article_keywords(article: Article) -> Keywords:
    return keywords(f"{article.title}\n{article.title}\n{article.text}")


def related_cached(corpus: Corpus, folder: Path) -> dict[str, tuple[Article, ...]]:
    """related(corpus), reusing each unchanged article's keywords and, if nothing changed, the result.

    The cache is keyed by the segmenter's dictionary (site words and byline names) and each article's
    digest, so the result is always what related() would compute from scratch.
    """
    path = folder / "related.pickle"
    segmenter = segment.current()
    salt = f"{segmenter.dictionary.fingerprint}:{segmenter.engine_name}:{KEYWORDS}:{RELATED}"
    stored = _load(path)
    if stored.get("salt") != salt:
        stored = {"salt": salt, "vectors": {}, "result_key": None, "result": {}}
    known: dict[str, tuple[str, dict[str, float]]] = stored["vectors"]
    by_url = {Urls.article(a): a for a in corpus.articles}
    state = tuple((url, a.digest) for url, a in by_url.items())
    if stored["result_key"] == state:
        return {url: tuple(by_url[other] for other in others) for url, others in stored["result"].items()}
    vectors = []
    for url, article in by_url.items():
        hit = known.get(url)
        vectors.append(hit[1] if hit and hit[0] == article.digest else _normalised(article_keywords(article)))
    result = related(corpus, vectors=vectors)
    stored = {"salt": salt, "result_key": state,
              "vectors": {url: (a.digest, v) for (url, a), v in zip(by_url.items(), vectors, strict=True)},
              "result": {url: tuple(Urls.article(o) for o in others) for url, others in result.items()}}
    _save(path, stored)
    return result


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


def related(
    corpus: Corpus, count: int = RELATED, vectors: list[dict[str, float]] | None = None
) -> dict[str, tuple[Article, ...]]:
    """For every article's URL, up to `count` related articles, most related first."""
    articles = corpus.articles
    if vectors is None:
        vectors = [_normalised(article_keywords(a)) for a in articles]
    postings: dict[str, list[int]] = defaultdict(list)
    for number, vector in enumerate(vectors):
        for word in vector:
            postings[word].append(number)
    rarity = {word: math.log((len(articles) + 1) / (len(items) + 1)) for word, items in postings.items()}

    result: dict[str, tuple[Article, ...]] = {}
    for number, vector in enumerate(vectors):
        scores: dict[int, float] = defaultdict(float)
        shared: dict[int, int] = defaultdict(int)
        for word, weight in vector.items():
            items = postings[word]
            if len(items) > COMMON or rarity[word] <= 0:
                continue
            for other in items:
                if other != number:
                    scores[other] += weight * vectors[other][word] * rarity[word]
                    shared[other] += 1
        best = sorted((other for other, score in scores.items() if score >= MIN_SCORE and shared[other] >= MIN_SHARED),
                      key=lambda other: (-round(scores[other], 9), _newest_first(articles[other]),
                                         Urls.article(articles[other])))
        result[Urls.article(articles[number])] = tuple(articles[other] for other in best[:count])
    return result


def _normalised(pairs: Keywords) -> dict[str, float]:
    length = math.sqrt(sum(weight * weight for _, weight in pairs)) or 1.0
    return {word: weight / length for word, weight in pairs}


def _newest_first(article: Article) -> int:
    return -article.date.toordinal()
