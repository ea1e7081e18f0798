"""相关报道's pairing (related_pairs.Pairing) against the plain algorithm it stands for."""

from __future__ import annotations

import random

import numpy as np
import pytest

from generator.related_pairs import MIN_SCORE, MIN_SHARED, Pairing, Table, Vector, ceiling, rarity, table


def plain_best(vectors: list[Vector], urls: list[str], newest: list[int], number: int, count: int) -> list[int]:
    """For each keyword of the article, for each other article holding it, in article order: the
    scores summed one addition at a time; every candidate sorted by the full key."""
    size = ceiling(len(vectors))
    counts: dict[str, int] = {}
    for vector in vectors:
        for word in vector:
            counts[word] = counts.get(word, 0) + 1
    scores: dict[int, float] = {}
    shared: dict[int, int] = {}
    for word, weight in vectors[number].items():
        weigh = rarity(counts[word], size)
        if weigh <= 0:
            continue
        for other, vector in enumerate(vectors):
            if word in vector:
                scores[other] = scores.get(other, 0.0) + weight * (vector[word] * weigh)
                shared[other] = shared.get(other, 0) + 1
    candidates = [other for other in scores
                  if shared[other] >= MIN_SHARED and scores[other] >= MIN_SCORE and other != number]
    candidates.sort(key=lambda other: (-round(scores[other], 9), newest[other], urls[other]))
    return candidates[:count]


def archive(seed: int, size: int) -> tuple[list[Vector], list[str], list[int]]:
    """Vectors over a small vocabulary with weights from a few values, so that many scores tie
    exactly, and some differ from a tie by less than the rounding (1e-9) or just more than it."""
    rng = random.Random(seed)
    words = [f"词{i}" for i in range(40)]
    nudges = [0.0, 0.0, 2e-10, -2e-10, 4e-10, -4e-10, 1.5e-9, 4e-9]
    vectors = []
    for _ in range(size):
        chosen = rng.sample(words, rng.randint(2, 8))
        vectors.append({word: rng.choice([0.25, 0.5, 0.75]) + rng.choice(nudges) for word in chosen})
    urls = [f"2022/01/{rng.randint(1, 28):02d}/a{i}.html" for i in range(size)]
    newest = [-rng.randint(0, 5) for _ in range(size)]
    return vectors, urls, newest


@pytest.mark.parametrize("seed", range(6))
def test_best_is_the_plain_algorithms_first_few(seed: int) -> None:
    vectors, urls, newest = archive(seed, 120)
    pairing = Pairing(table(vectors), urls, newest)
    pairing.index()
    for count in (1, 4):
        for number in range(len(vectors)):
            assert pairing.best(number, count) == plain_best(vectors, urls, newest, number, count), (number, count)


def test_an_edit_indexes_only_the_keywords_it_pairs_again() -> None:
    vectors, urls, newest = archive(7, 90)
    whole = Pairing(table(vectors), urls, newest)
    whole.index()
    few = Pairing(table(vectors), urls, newest)
    few.index([3, 50])
    assert few.best(3, 4) == whole.best(3, 4) and few.best(50, 4) == whole.best(50, 4)
    assert len(few.holders) < len(whole.holders)
    outside = next(number for number in range(len(vectors))
                   if any(not few.indexed[word] and few.rare[word]
                          for word in few.table.words[few.table.offsets[number]:few.table.offsets[number + 1]]))
    with pytest.raises(ValueError, match="not indexed"):
        few.best(outside, 4)


def rows_of(keywords: Table) -> list[Vector]:
    return [{keywords.vocabulary[w]: x for w, x in zip(keywords.words[start:end].tolist(),
                                                     keywords.weights[start:end].tolist(), strict=True)}
            for start, end in zip(keywords.offsets[:-1].tolist(), keywords.offsets[1:].tolist(), strict=True)]


def test_a_table_reuses_old_rows_in_runs_and_takes_new_vectors_in_order() -> None:
    vectors, _, _ = archive(11, 30)
    old = table(vectors)
    new = [{"新词": 0.5, "词1": 0.25}, {"另一个": 1.0}, {}]
    # rows 0-9 kept, one new, 12-19 kept, 25 then 24 (out of order), one new, an empty one, 26-29 kept
    reused = [*range(10), -1, *range(12, 20), 25, 24, -1, -1, *range(26, 30)]
    made = table(iter(new), old, np.array(reused, dtype=np.int64))
    fresh = iter(new)
    assert rows_of(made) == [vectors[row] if row >= 0 else next(fresh) for row in reused]
    assert made.vocabulary[:len(old.vocabulary)] == old.vocabulary  # old ids kept
