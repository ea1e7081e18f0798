"""The search index's text work: what documents add to every key, and joining parts of them.

Documents are taken in parts (search_parts). A part is analysed on its own into what its documents
add to every pair and triple (postings and positions, encoded, document ids counted from the part's
first), which depends only on the part's texts and the words jieba knows; parts joined in document
order give the index byte for byte as one made document by document. A second phase adds the phrase
keys (search_phrases), found in each part given the triples frequent in the whole archive.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import TypeVar

from generator import search_columns, search_groups, search_phrase_vector, search_phrases, search_vector, segment
from generator.search_text import fold

VERSION = "7"  # bump when what a part holds changes: it empties the cache
CHUNK = 250  # characters of body text per snippet fragment
MAX_CHUNKS = 8  # three bits in a posting
HEAVY = 8192  # bytes: a key whose postings or positions exceed this gets files of its own

ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def varint(value: int) -> bytes:
    """Five bits a character, low bits first; the 32 bit of a character means "more follows"."""
    out = bytearray()
    while True:
        low, value = value & 31, value >> 5
        if value:
            out.append(ALPHABET[low | 32])
        else:
            out.append(ALPHABET[low])
            return bytes(out)


def _small() -> list[bytes]:
    """varint(v) for every v below 1 << 15, in order, put together from tables of their characters:
    made value by value, the table took some 40 ms of every build's start-up."""
    last = [ALPHABET[i:i + 1] for i in range(32)]
    more = [ALPHABET[i | 32:(i | 32) + 1] for i in range(32)]
    low = [a + b for b in more for a in more]  # the two low characters of a three-character varint
    return last + [a + b for b in last[1:] for a in more] + [pair + c for c in last[1:] for pair in low]


SMALL = _small()


def _varint(value: int) -> bytes:
    return SMALL[value] if value < 32768 else varint(value)


Cut = Callable[[str], list[str]]
T = TypeVar("T")
# Per key, within a part: [first doc, last doc, entries, postings (the first entry without its id
# delta), positions or None, start of each positions entry (None while there is one entry)]
KeyState = list  # type: ignore[type-arg]


@dataclass(frozen=True)
class Part:
    documents: int
    vocabulary: frozenset[str]
    columns: search_columns.Columns  # pairs, triples, Latin/digit runs (phrase keys come in phase 2)
    words: tuple[tuple[search_phrases.Lengths, search_phrases.Lengths], ...] = ()  # per document, for phase 2

    @property
    def keys(self) -> dict[str, KeyState]:
        return self.columns.states()


def analyse(texts: Sequence[tuple[str, str]], cut: Cut) -> Part:
    """What documents (title, body) add to each key, ids counted from the first of them."""
    with no_gc():
        return _analyse(texts, cut)


@contextmanager
def no_gc() -> Iterator[None]:
    """Millions of small lists and no cycles: the cyclic collector would only slow this down."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _analyse(texts: Sequence[tuple[str, str]], cut: Cut) -> Part:
    vocabulary: set[str] = set()
    folded: list[tuple[str, set[int], str, set[int]]] = []
    words: list[tuple[search_phrases.Lengths, search_phrases.Lengths]] = []
    for title, body in texts:
        title, body = fold(title), fold(body)
        vocabulary.update(title)
        vocabulary.update(body)
        title_words, body_words = search_phrases.lengths(cut(title)), search_phrases.lengths(cut(body))
        words.append((title_words, body_words))
        folded.append((title, search_phrases.starts(title_words), body, search_phrases.starts(body_words)))
    columns = search_vector.unit_columns(folded)  # what search_reference.unit_keys makes, with numpy
    return Part(len(texts), frozenset(vocabulary), columns, tuple(words))


def phrase_keys(texts: Sequence[tuple[str, str]], part: Part, frequent: Collection[str]) -> dict[str, KeyState]:
    """Phase 2: the phrase keys of a part's documents (search_phrases), given the archive's
    frequent triples; entries as every key's, postings only. Made for the whole part at once with
    numpy (search_phrase_vector), which tests/test_search_phrase_vector.py holds equal to the rules
    taken document by document (search_reference.phrase_keys)."""
    return phrase_columns(texts, part, frequent).states()


def phrase_columns(texts: Sequence[tuple[str, str]], part: Part, frequent: Collection[str]) -> search_columns.Columns:
    """phrase_keys as columns (search_columns), as a build keeps them."""
    with no_gc():
        return search_phrase_vector.phrase_columns(texts, part.words, frequent)


@dataclass
class Joined:
    """The whole index's keys, as search_index writes them: key -> [last doc id, entry count,
    postings, positions, positions part cuts]; every character of the folded text; and the triples
    its phrase keys are made of, frequent from `least` documents (search_phrases). Held at once:
    what search_reference.join makes of parts in memory (tests); a build streams (Streamed)."""

    keys: dict[str, list]  # type: ignore[type-arg]
    vocabulary: set[str]
    frequent: frozenset[str] = frozenset()
    least: int = 0

    workers: int = 1  # processes that write its hash groups (search_index)

    def group(self, number: int) -> dict[str, list]:  # type: ignore[type-arg]
        """A hash group's keys (search_groups)."""
        return self._grouped[number]

    @cached_property
    def _grouped(self) -> list[dict[str, list]]:  # type: ignore[type-arg]
        return search_groups.grouped(self.keys)

    def close(self) -> None:
        pass


def _cut_with(segmenter: segment.Segmenter) -> Cut:
    engine = segmenter.engine

    def cut(text: str) -> list[str]:
        return engine.cut(text) if text else []
    return cut


def contributions(texts: Sequence[tuple[str, str]], frequent: Collection[str], cut: Cut | None = None
                  ) -> tuple[list[dict[str, tuple[str, str | None]]], set[str]]:
    """What each document (title, body) adds to each key on its own, phrase keys made of the
    archive's `frequent` triples included: (its postings entry without the id delta, its positions
    entry or None), as text; and the characters of their folded texts. Cut into words by `cut`,
    else by the configured segmenter."""
    cut = cut or _cut_with(segment.current())
    entries: list[dict[str, tuple[str, str | None]]] = []
    vocabulary: set[str] = set()
    for text in texts:
        part = analyse([text], cut)
        vocabulary |= part.vocabulary
        keys = {**part.keys, **phrase_keys([text], part, frequent)}
        entries.append({key: (state[3].decode("ascii"), None if state[4] is None else state[4].decode("ascii"))
                        for key, state in keys.items()})
    return entries, vocabulary
