"""search_phrase_vector makes, for a whole part at once, exactly the phrase keys that the plain Python
rules (search_reference.phrase_keys: search_phrases.phrases and add_document without positions,
document by document) make: same keys, same postings bytes, same counts, first and last documents, same types.
Compared on seeded random texts that mix every kind of unit, with word lengths that need an array
(words of 256 characters or more) and that end short of or past the text, on long bodies whose first
match lies past every chunk limit, on random frequent sets, on texts of so many distinct characters
that phrase numbers need renumbering, and on the sample site."""

from __future__ import annotations

import random
from array import array
from collections.abc import Collection
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator import (
    search_analysis,
    search_phrase_vector,
    search_phrases,
    search_reference,
    search_vector,
    segment,
)
from generator.pipeline import load
from generator.search_index import body_text, document_order
from generator.search_text import fold

Texts = list[tuple[str, str]]
Words = list[tuple[search_phrases.Lengths, search_phrases.Lengths]]

# A few CJK characters (basic, traditional ones that fold, extension A, compatibility, extension B
# and its last), so that runs repeat and phrases recur across documents, titles and bodies; Latin,
# digits, Latin-1; neighbours of the CJK ranges that are no CJK character; punctuation. Upper-case
# and full-width fold.
CJK = "中国大足区新渝报记者日月年的了是在一万國區報記" + "\u3400\u4dbf\u9fff\uf900\ufaff\U00020000\U0003134f"
LATIN = "abcxyz0189" + "\u00c0\u00d7\u00e9\u00f7\u024fAＢ"
OTHER = " ，。、\n-_.%" + "\u33ff\u4dc0\ua000\uf8ff\ufb00\u0250\u00bf\U0001ffff\U00031350"


reference = search_reference.phrase_keys  # the phrase keys one document at a time


def phrase_keys(texts: Texts, words: Words, frequent: Collection[str]) -> dict[str, search_analysis.KeyState]:
    """The phrase keys search_phrase_vector makes, as states."""
    return search_phrase_vector.phrase_columns(texts, words, frequent).states()


def random_text(rng: random.Random, length: int, cjk: str = CJK) -> str:
    pools = [cjk] * 8 + [LATIN] * 2 + [OTHER]
    out: list[str] = []
    while len(out) < length:
        pool = rng.choice(pools)
        out += rng.choices(pool, k=rng.randint(1, 12))
    return "".join(out[:length])


def random_words(rng: random.Random, text: str) -> search_phrases.Lengths:
    """Word lengths of 1-4 characters covering the text, as jieba's would; sometimes one of 256 or
    more (kept as an array), and sometimes ending short of the text or past it."""
    sizes: list[int] = []
    while sum(sizes) < len(text):
        sizes.append(rng.choice([1, 1, 2, 2, 2, 3, 4]))
    if sizes and rng.random() < 0.2:
        sizes[-1] += rng.choice([-1, 1, 300])
    if rng.random() < 0.1:
        sizes.insert(rng.randint(0, len(sizes)), 256 + rng.randint(0, 1000))
    try:
        return bytes(sizes)
    except ValueError:
        return array("I", sizes)


def frequent_of(rng: random.Random, texts: Texts, share: float) -> frozenset[str]:
    """About `share` of the part's CJK triples, and strings that are no CJK triple (never used)."""
    triples = {text[i:i + 3] for pair in texts for text in map(fold, pair) for i in range(len(text) - 2)}
    chosen = {t for t in sorted(triples) if search_phrases.is_triple(t) and rng.random() < share}
    return frozenset(chosen | {"abc", "中国", "中国大足", "a中国", "中国\u33ff"})


def random_part(rng: random.Random, documents: int, longest: int, cjk: str = CJK) -> tuple[Texts, Words]:
    texts: Texts = []
    for _ in range(documents):
        shape = rng.random()
        title = random_text(rng, rng.randint(0, 24), cjk) if shape > 0.1 else ""
        body = random_text(rng, rng.randint(0, longest), cjk) if shape < 0.8 else ""
        texts.append((title, body))
    return texts, [(random_words(rng, fold(title)), random_words(rng, fold(body))) for title, body in texts]


def assert_same(texts: Texts, words: Words, frequent: Collection[str]) -> dict[str, search_analysis.KeyState]:
    got, expected = phrase_keys(texts, words, frequent), reference(texts, words, frequent)
    assert got == expected
    for key, state in got.items():  # equal values of the same types: the joins and patches append to them
        assert [type(v) for v in state] == [type(v) for v in expected[key]], key
    return got


@pytest.mark.parametrize("seed", range(12))
def test_random_parts_give_the_same_phrase_keys(seed: int) -> None:
    rng = random.Random(seed)
    texts, words = random_part(rng, rng.randint(1, 60), 600)
    got = assert_same(texts, words, frequent_of(rng, texts, rng.choice([0.3, 0.7, 0.95])))
    assert any(len(key) > 6 for key in got)  # runs long enough for the longer phrases
    assert any(state[4] is not None for state in got.values())  # edge keys, with positions
    assert any(state[4] is None for state in got.values())  # phrase keys, postings only


def test_parts_with_offsets_in_int64_give_the_same_phrase_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """A part too long for int32 offsets is done in int64 arrays: the same keys."""
    monkeypatch.setattr(search_vector, "NARROW", 0)
    rng = random.Random(11)
    texts, words = random_part(rng, 40, 600)
    assert assert_same(texts, words, frequent_of(rng, texts, 0.8))


def test_first_matches_past_every_chunk_limit_give_the_same_phrase_keys() -> None:
    """Phrases first met in the body in several chunks (flags 4-28), past the last chunk limit, past
    offset 8192, and in the title too: four-character phrases every 304 characters from 300, the
    longer ones only at the end."""
    rng = random.Random(7)
    filler = "".join(rng.choices("，。 ab1", k=300))
    phrase = "大足区新渝报记者"
    body = "".join(filler + phrase[i % 5:i % 5 + 4] for i in range(8)) + filler * 30 + phrase
    texts = [(phrase, body), ("", filler * 7 + phrase), (phrase[:5], ""), ("", ""), ("新渝报", body[:50])]
    words = [(random_words(rng, fold(t)), random_words(rng, fold(b))) for t, b in texts]
    got = assert_same(texts, words, search_phrases.frequent(((phrase[i:i + 3], 9) for i in range(6)), 2))
    first_flags = {search_analysis.ALPHABET.index(state[3][0]) for state in got.values()}
    assert len(body) > 8192 and len(got) == 15
    assert {flags >> 2 & 7 for flags in first_flags} == {1, 2, 3, 4, 6, 7}


def test_many_distinct_characters_give_the_same_phrase_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Thousands of characters and triples: phrase numbers too wide for an int64 are renumbered."""
    renumbered: list[int] = []
    dense = search_vector._dense

    def counting(keys: search_vector.Ints) -> search_vector.Ints:
        renumbered.append(len(keys))
        return dense(keys)
    monkeypatch.setattr(search_vector, "_dense", counting)
    rng = random.Random(5)
    wide = "".join(map(chr, range(0x4E00, 0x5E00))) + "".join(map(chr, range(0x20000, 0x21000)))
    texts, words = random_part(rng, 30, 3000, wide)
    assert assert_same(texts, words, frequent_of(rng, texts, 0.99))
    assert renumbered


def test_no_frequent_triples_or_no_cjk_give_no_phrase_keys() -> None:
    rng = random.Random(3)
    texts, words = random_part(rng, 10, 200)
    assert phrase_keys(texts, words, frozenset()) == {}
    assert phrase_keys(texts, words, {"abc", "中国"}) == {}
    assert phrase_keys([], [], {"中国大"}) == {}
    plain = [("abc def", "，。 12"), ("", "")]
    assert phrase_keys(plain, [(b"\x03\x01\x03", b"\x01\x01\x01\x02"), (b"", b"")],
                                            {"中国大"}) == {}


def test_word_lengths_for_other_documents_are_refused() -> None:
    with pytest.raises(ValueError):
        phrase_keys([("大足区新渝报", "")], [], {"大足区", "足区新"})


@given(st.lists(st.tuples(st.text(CJK + LATIN + OTHER, max_size=30), st.text(CJK + LATIN + OTHER, max_size=80),
                          st.integers(0, 2 ** 32)), max_size=8))
def test_any_texts_give_the_same_phrase_keys(drawn: list[tuple[str, str, int]]) -> None:
    rng = random.Random(len(drawn))
    texts: Texts = [(title, body) for title, body, _ in drawn]
    words: Words = []
    for title, body, seed in drawn:
        words.append((random_words(random.Random(seed), fold(title)), random_words(random.Random(~seed), fold(body))))
    assert_same(texts, words, frequent_of(rng, texts, 0.8))


def test_the_sample_site_gives_the_same_phrase_keys(sample_site: Path) -> None:
    """The sample site as one part, its own pairs and triples giving the frequent set: those in two
    documents or more, and all of them (every run of 4-9 CJK characters a phrase)."""
    corpus = load(sample_site)
    segment.configure(sample_site, [person.name for person in corpus.contributors])
    cut = search_analysis._cut_with(segment.current())
    texts = [(a.title, body_text(a)) for a in document_order(corpus)]
    part = search_analysis.analyse(texts, cut)
    documents = [(key, state[2]) for key, state in part.keys.items()]  # entries: the documents holding it
    for least, at_least in ((2, 10), (1, 5000)):
        frequent = search_phrases.frequent(documents, least)
        expected = reference(texts, list(part.words), frequent)
        assert len(expected) > at_least
        assert search_analysis.phrase_keys(texts, part, frequent) == expected


def test_boundaries_are_the_word_starts_of_each_text() -> None:
    """Word starts (and each text's end) marked at their place in the joined texts, those past a
    text's end left out: the set search_phrases.starts gives, text by text."""
    sizes: list[search_phrases.Lengths] = [b"\x02\x01", b"", array("I", [300, 2]), b"\x05"]
    lengths = [3, 0, 302, 2]
    bases = [0, 4, 5, 308]
    boundary = search_phrase_vector._boundary(310, bases, lengths, sizes)
    marked = set(np.flatnonzero(boundary).tolist())
    assert marked == {0, 2, 3, 4, 5, 305, 307, 308}
