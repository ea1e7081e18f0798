"""search_vector makes, for a whole part at once, exactly the key states that the plain Python rules
(search_reference.unit_keys: occurrences and add_document, document by document) make: same keys, same bytes,
same types. Compared on seeded random texts that mix every kind of unit, with word starts anywhere,
on long texts whose offsets and deltas need more than three characters, and on the sample site."""

from __future__ import annotations

import random
from array import array
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator import search_analysis, search_phrases, search_reference, search_vector, segment
from generator.pipeline import load
from generator.search_index import body_text, document_order
from generator.search_text import fold

Folded = list[tuple[str, set[int], str, set[int]]]

# CJK (basic, extension A, compatibility, extension B), Latin, digits, Latin-1 (× and ÷ too: the
# unit pattern's range holds them), and neighbours of those ranges that are no unit
CJK = "中国大足区新渝报记者日月年的了是在一万" + "\u3400\u4dbf\u9fff\uf900\ufaff\U00020000\U0003134f"
LATIN = "abcxyz0189" + "\u00c0\u00d7\u00e9\u00f7\u024f"
OTHER = " ，。、\n-_.%A" + "\u33ff\u4dc0\ua000\uf8ff\ufb00\u0250\u00bf\U0001ffff\U00031350"


reference = search_reference.unit_keys  # the keys one document at a time


def unit_keys(folded: list[tuple[str, set[int], str, set[int]]]) -> dict[str, list]:  # type: ignore[type-arg]
    """The keys search_vector makes, as states."""
    return search_vector.unit_columns(folded).states()


def random_text(rng: random.Random, length: int) -> str:
    pools = [CJK] * 6 + [LATIN] * 2 + [OTHER]
    out = []
    while len(out) < length:
        pool = rng.choice(pools)
        out += rng.choices(pool, k=rng.randint(1, 6))
    return "".join(out[:length])


def random_starts(rng: random.Random, text: str) -> set[int]:
    """Word starts as jieba would give them (0 and the end), plus random offsets; some past the end,
    which the rules ignore."""
    starts = {0, len(text)} | {rng.randint(0, len(text)) for _ in range(len(text) // 2)}
    return starts | ({len(text) + 3} if rng.random() < 0.2 else set())


def random_part(rng: random.Random, documents: int, longest: int) -> Folded:
    folded: Folded = []
    for _ in range(documents):
        shape = rng.random()
        title = random_text(rng, rng.randint(0, 20)) if shape > 0.1 else ""
        body = random_text(rng, rng.randint(0, longest)) if shape < 0.8 else ""
        folded.append((title, random_starts(rng, title), body, random_starts(rng, body)))
    return folded


def assert_same(folded: Folded) -> None:
    got, expected = unit_keys(folded), reference(folded)
    assert got == expected
    for key, state in got.items():  # equal values of the same types: the joins and patches append to them
        assert [type(v) for v in state] == [type(v) for v in expected[key]], key
        if isinstance(state[5], array):
            assert state[5].typecode == "I"


@pytest.mark.parametrize("seed", range(12))
def test_random_parts_give_the_same_keys(seed: int) -> None:
    rng = random.Random(seed)
    assert_same(random_part(rng, rng.randint(1, 60), 400))


def test_parts_with_offsets_in_int64_give_the_same_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """A part too long for int32 offsets is done in int64 arrays: the same keys."""
    monkeypatch.setattr(search_vector, "NARROW", 0)
    rng = random.Random(11)
    assert_same(random_part(rng, 40, 400))


def test_keys_far_apart_in_a_long_body_give_the_same_keys() -> None:
    """Offsets past 8192 (codes past 32768) and deltas between them that need four characters."""
    rng = random.Random(7)
    filler = "".join(rng.choices("，。 ", k=9000))
    body = "大足区abc9" + filler + "大足区abc9新渝报" + filler + "新渝报大足" + random_text(rng, 3000) + "大足区"
    title = "大足区新渝报 abc9"
    folded = [(title, random_starts(rng, title), body, random_starts(rng, body)),
              ("", {0}, "", {0}), ("abc9", {0, 4}, "", {0}), (title, {0}, body[:50], {0, 3, 50})]
    assert_same(folded)
    assert max(len(state[3]) for state in reference(folded).values()) > 1


def test_an_empty_part_and_texts_without_units_give_no_keys() -> None:
    assert unit_keys([]) == {}
    assert unit_keys([("", {0}, "", {0}), ("，。", {0, 2}, " - ", {0, 3})]) == {}


@given(st.lists(st.tuples(st.text(CJK + LATIN + OTHER, max_size=30), st.text(CJK + LATIN + OTHER, max_size=60),
                          st.integers(0, 2 ** 32)), max_size=8))
def test_any_texts_give_the_same_keys(texts: list[tuple[str, str, int]]) -> None:
    folded: Folded = []
    for title, body, seed in texts:
        rng = random.Random(seed)
        folded.append((title, random_starts(rng, title), body, random_starts(rng, body)))
    assert_same(folded)


def test_varints_are_search_analysis_varints() -> None:
    values = np.array([0, 1, 31, 32, 1023, 1024, 32767, 32768, 2 ** 40 + 5, 7, 63], dtype=np.int64)
    raw = np.zeros(len(values), dtype=bool)
    raw[[-2, -1]] = True  # flags: one character each, the 32 bit their own
    encoded, starts = search_vector._varints(values, raw)
    pieces = [search_analysis.varint(int(v)) for v in values[:-2]] + [b"H", b"_"]
    assert encoded == b"".join(pieces)
    assert starts.tolist() == [sum(map(len, pieces[:i])) for i in range(len(pieces))]


def test_keys_too_wide_for_one_int64_are_numbered_first() -> None:
    """The fallbacks for parts with very many distinct units keep keys distinct and rows in order."""
    high = np.array([2 ** 50, 3, 2 ** 50, 3], dtype=np.int64)
    low = np.array([5, 5, 6, 5], dtype=np.int64)
    combined = search_vector._combine(high, low, 20)
    assert len(set(combined.tolist())) == 3 and combined[1] == combined[3]
    keys = np.array([2 ** 62, 5, 2 ** 62, 5, 2 ** 61], dtype=np.int64)
    assert search_vector._order(keys).tolist() == [1, 3, 4, 0, 2]


def test_the_sample_site_gives_the_same_part(sample_site: Path) -> None:
    corpus = load(sample_site)
    segment.configure(sample_site, [person.name for person in corpus.contributors])
    cut = search_analysis._cut_with(segment.current())
    texts = [(a.title, body_text(a)) for a in document_order(corpus)]
    folded: Folded = [(fold(t), starts(fold(t), cut), fold(b), starts(fold(b), cut)) for t, b in texts]
    expected = reference(folded)
    assert len(expected) > 1000
    assert search_analysis.analyse(texts, cut).keys == expected  # phrase keys come in phase 2


def starts(folded: str, cut: search_analysis.Cut) -> set[int]:
    return search_phrases.starts(search_phrases.lengths(cut(folded)))
