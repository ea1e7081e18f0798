"""Splicing one document's entries into a key gives what joining every document again gives:
postings, positions and the cuts of the positions files, on random texts over a small alphabet (so
that keys are shared by many documents) with a tiny HEAVY (so that positions are cut often)."""

from __future__ import annotations

import random
from collections import defaultdict

import pytest

from generator import search_analysis, segment
from generator.search_analysis import analyse, contributions
from generator.search_postings import KeyData
from generator.search_reference import join

CHARACTERS = "大足石刻页"  # few, so that triples (which carry the positions) are shared by many documents
HEAVY = 12


def text(rng: random.Random) -> tuple[str, str]:
    def run(low: int, high: int) -> str:
        return "".join(rng.choice(CHARACTERS) for _ in range(rng.randint(low, high)))
    return run(2, 6), "，".join(run(3, 12) for _ in range(rng.randint(1, 6)))


def joined(texts: list[tuple[str, str]]) -> dict[str, tuple[str, str | None, list[tuple[int, int]] | None]]:
    cut = search_analysis._cut_with(segment.current())
    index = join([analyse([t], cut) for t in texts], HEAVY)
    return {key: (postings.decode(), positions.decode() if positions else None, cuts)
            for key, (_, _, postings, positions, cuts) in index.keys.items()}


@pytest.fixture(autouse=True)
def plain_jieba() -> None:
    segment.reset()


@pytest.mark.parametrize("seed", range(12))
def test_splicing_edits_equals_joining_again(seed: int) -> None:
    rng = random.Random(seed)
    texts = [text(rng) for _ in range(rng.randint(40, 100))]
    before = joined(texts)
    edited = sorted(rng.sample(range(len(texts)), rng.randint(1, 3)))
    after_texts = list(texts)
    for doc in edited:
        after_texts[doc] = ("", "") if rng.random() < 0.2 else text(rng)  # emptied: out of every key
    added = rng.randint(0, 2)
    after_texts += [text(rng) for _ in range(added)]
    changed = edited + list(range(len(texts), len(after_texts)))
    old, _ = contributions([texts[doc] for doc in edited], frozenset())  # no phrase keys: joined() has none
    new, _ = contributions([after_texts[doc] for doc in changed], frozenset())
    was = dict(zip(edited, old, strict=True))
    edits: dict[str, list] = defaultdict(list)  # type: ignore[type-arg]
    for doc, now in zip(changed, new, strict=True):
        then = was.get(doc, {})
        for key in then.keys() | now.keys():
            if then.get(key) != now.get(key):
                edits[key].append((doc, then.get(key), now.get(key)))
    expected = joined(after_texts)
    assert any(cuts and len(cuts) > 2 for _, _, cuts in expected.values())
    for key in edits:
        postings, positions, cuts = before.get(key, ("", None, None))
        data = KeyData.parse(postings, positions, cuts)
        data.splice(edits[key], HEAVY)
        got = (data.postings, data.positions, data.cuts) if data.docs else None
        assert got == expected.get(key), key
    untouched = set(before) - set(edits)
    assert all(before[key] == expected[key] for key in untouched)
