"""Pairing articles by shared keywords (相关报道), over a compact table of every article's keywords.

The table holds all keyword vectors in three flat arrays (CSR): article i's keywords are
words[offsets[i]:offsets[i + 1]] with their weights, word ids into one vocabulary. At 100,000
articles that is three arrays to load and save, where a dict per article was a million objects;
an edit then costs the articles it touches, not the whole archive.

Scores are summed in exactly the order, and with exactly the float operations, of the plain
algorithm (for each keyword of the article, for each other article holding it, in article order),
so the result does not depend on how it was computed: related.related() is the reference.
"""

from __future__ import annotations

import heapq
import math
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from generator.arrays import distinct

MIN_SHARED = 2  # one shared keyword (重庆市, a reporter's name) is chance, not a related story
MIN_SCORE = 0.02
NEAR = 2e-9  # scores further apart than this never round (to 9 places) alike
COMMON = 300  # a keyword in this many articles is too common to relate them (and too costly)

Vector = dict[str, float]
Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


def rarity(count: int, ceiling: int) -> float:
    """How much a keyword found in `count` articles says: nothing once it is in `ceiling` articles.

    The ceiling is the archive's size, or COMMON once the archive is larger: then a keyword's rarity
    depends on its own count alone, and adding an article changes the scores of the articles that
    share its keywords and of no others.
    """
    return math.log((ceiling + 1) / (count + 1)) if count < ceiling else 0.0


def ceiling(size: int) -> int:
    return min(size, COMMON)


@dataclass(frozen=True)
class Table:
    """Every article's keyword vector: ids into `vocabulary`, weights, CSR by article."""

    vocabulary: list[str]
    offsets: Ints  # len = articles + 1
    words: Ints
    weights: Floats

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def holding(self, word_ids: Iterable[int]) -> Ints:
        """The articles whose vector holds any of the words."""
        entries = np.flatnonzero(np.isin(self.words, np.fromiter(word_ids, dtype=np.int64)))
        return distinct(np.searchsorted(self.offsets, entries, side="right") - 1)

    def counts(self) -> Ints:
        return np.bincount(self.words, minlength=len(self.vocabulary))


def table(vectors: Iterable[Vector], old: Table | None = None, reused: Ints | None = None) -> Table:
    """A table of keyword vectors: per row, the row of `old` given by `reused`, or where that is -1
    (or `reused` is None: every row) the next of `vectors`.

    Rows of `old` are copied a run of consecutive rows at a time, and a new vector is kept only as
    ids and weights (8 bytes each) as it comes: at 100,000 articles the vectors as dicts held 170 MB
    while the table was made. Rows of `old` keep their word ids: its vocabulary is extended, never
    reordered.
    """
    vocabulary = list(old.vocabulary) if old is not None else []
    ids: dict[str, int] | None = None
    words: list[Ints] = []
    weights: list[Floats] = []
    fresh_words, fresh_weights = array("q"), array("d")  # new vectors since the last run of old rows
    lengths = array("q")
    vectors = iter(vectors)

    def flush_fresh() -> None:
        nonlocal fresh_words, fresh_weights
        if fresh_words:
            words.append(np.frombuffer(fresh_words, dtype=np.int64))
            weights.append(np.frombuffer(fresh_weights, dtype=np.float64))
            fresh_words, fresh_weights = array("q"), array("d")

    def add(row: Vector) -> None:
        nonlocal ids
        if ids is None:
            ids = {word: i for i, word in enumerate(vocabulary)}
        for word in row:
            if word not in ids:
                ids[word] = len(vocabulary)
                vocabulary.append(word)
        fresh_words.extend([ids[word] for word in row])
        fresh_weights.extend(row.values())
        lengths.append(len(row))

    if reused is None:
        for row in vectors:
            add(row)
        counts = np.frombuffer(lengths, dtype=np.int64) if lengths else np.zeros(0, dtype=np.int64)
    else:
        assert old is not None or not (reused >= 0).any()
        kept = reused >= 0
        counts = np.zeros(len(reused), dtype=np.int64)
        if old is not None:
            counts[kept] = np.diff(old.offsets)[reused[kept]]
        # where a new row is, or a run of consecutive old rows begins
        follows = np.zeros(len(reused), dtype=bool)
        follows[1:] = kept[1:] & kept[:-1] & (reused[1:] == reused[:-1] + 1)
        bounds = np.flatnonzero(~follows).tolist()
        ends = [*bounds[1:], len(reused)] if bounds else []  # (no rows: no runs)
        for here, end in zip(bounds, ends, strict=True):
            first = int(reused[here])
            if first < 0:
                add(next(vectors))
                counts[here] = lengths[-1]
                continue
            assert old is not None
            flush_fresh()
            start, stop = int(old.offsets[first]), int(old.offsets[first + end - here])
            words.append(old.words[start:stop])
            weights.append(old.weights[start:stop])
    flush_fresh()
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return Table(vocabulary,
                 offsets,
                 np.concatenate(words) if words else np.zeros(0, dtype=np.int64),
                 np.concatenate(weights) if weights else np.zeros(0, dtype=np.float64))


class Pairing:
    """Articles indexed by their keywords, to find each one's most related others.

    The index (which articles hold each keyword) is made by index(): over every keyword for a cold
    build, over the keywords of the few articles to pair again for an edit (sorting the whole
    archive's keywords cost an edit a tenth of a second at 10,000 articles).
    """

    def __init__(self, keywords: Table, urls: Sequence[str], newest: Sequence[int]) -> None:
        self.table, self.urls, self.newest = keywords, urls, newest
        self.ceiling = ceiling(len(keywords))
        counts = keywords.counts()
        self.count = counts
        by_count = np.array([rarity(c, self.ceiling) for c in range(self.ceiling + 1)], dtype=np.float64)
        self.word_rarity = by_count[np.minimum(counts, self.ceiling)]
        self.rare = (self.word_rarity > 0).tolist()
        self.indexed = np.zeros(len(counts), dtype=bool)
        self.starts = np.zeros(len(counts) + 1, dtype=np.int64)
        self.holders = np.zeros(0, dtype=np.int64)
        self.weighted = np.zeros(0, dtype=np.float64)

    def index(self, numbers: Iterable[int] | None = None) -> None:
        """Index the keywords of the articles `numbers` (of all when None): best() pairs those articles."""
        keywords = self.table
        if numbers is None:
            entries = np.arange(len(keywords.words), dtype=np.int64)
            self.indexed[:] = True
        else:
            wanted = np.zeros(len(self.count), dtype=bool)
            for number in numbers:
                wanted[keywords.words[keywords.offsets[number]:keywords.offsets[number + 1]]] = True
            wanted &= self.word_rarity > 0  # a common keyword pairs nothing
            entries = np.flatnonzero(wanted[keywords.words])
            self.indexed = wanted
        words = keywords.words[entries]
        # the articles holding each word, in article order (a stable sort of the article-ordered entries)
        order = entries[np.argsort(words, kind="stable")]
        np.cumsum(np.bincount(words, minlength=len(self.count)), out=self.starts[1:])
        self.holders = np.searchsorted(keywords.offsets, order, side="right") - 1
        # per entry: that article's weight times the keyword's rarity
        self.weighted = keywords.weights[order] * self.word_rarity[keywords.words[order]]

    def best(self, number: int, count: int) -> list[int]:
        start, end = int(self.table.offsets[number]), int(self.table.offsets[number + 1])
        holders: list[Ints] = []
        parts: list[Floats] = []
        for word, weight in zip(self.table.words[start:end].tolist(), self.table.weights[start:end].tolist(),
                                strict=True):
            if self.rare[word]:
                if not self.indexed[word]:
                    raise ValueError(f"article {number} was not indexed")
                first, last = self.starts[word], self.starts[word + 1]
                holders.append(self.holders[first:last])
                parts.append(weight * self.weighted[first:last])
        if not holders:
            return []
        others, inverse = np.unique(np.concatenate(holders), return_inverse=True)
        scores = np.zeros(len(others), dtype=np.float64)
        np.add.at(scores, inverse, np.concatenate(parts))  # in order, one addition at a time
        shared = np.bincount(inverse, minlength=len(others))
        keep = (shared >= MIN_SHARED) & (scores >= MIN_SCORE) & (others != number)
        others, scores = others[keep], scores[keep]
        if len(scores) > count:
            # only those that can rank among the first `count`: round(score, 9) never exceeds that
            # of a higher score, and equals it only within 1e-9 of it
            least = -np.partition(-scores, count - 1)[count - 1]
            near = scores >= least - NEAR
            others, scores = others[near], scores[near]
        candidates = zip(others.tolist(), scores.tolist(), strict=True)
        chosen = heapq.nsmallest(count, candidates,
                                 key=lambda pair: (-round(pair[1], 9), self.newest[pair[0]], self.urls[pair[0]]))
        return [other for other, _ in chosen]

    def affected(self, old: Table, changed_old: Sequence[int], changed_new: Sequence[int],
                 old_to_new: Ints) -> set[int]:
        """Articles whose related list may differ from the last build's.

        changed_old / changed_new: rows of the old table and of this one whose article changed (added,
        edited, deleted); old_to_new maps an old row to this table's row, -1 when it is gone.
        """
        if ceiling(len(old)) != self.ceiling:  # a small archive: every keyword's rarity moved
            return set(range(len(self.table)))
        words = {w for number in changed_old for w in _ids(old, number)}
        words |= {w for number in changed_new for w in _ids(self.table, number)}
        old_counts = old.counts()
        words = {w for w in words
                 if (old_counts[w] if w < len(old_counts) else 0) < self.ceiling or self.count[w] < self.ceiling}
        affected = set(changed_new)
        if words:
            moved = old_to_new[old.holding(words)]
            affected |= set(moved[moved >= 0].tolist())
            affected |= set(self.table.holding(words).tolist())
        return affected


def _ids(keywords: Table, number: int) -> list[int]:
    return keywords.words[keywords.offsets[number]:keywords.offsets[number + 1]].tolist()  # type: ignore[no-any-return]
