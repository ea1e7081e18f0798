"""The phrase keys of a part, with numpy: what search_reference.phrase_keys (search_phrases.phrases
and add_document, postings only; search_phrases.edges, with positions) makes document by document,
for a whole part at once, the same keys and bytes.

The part's folded texts are joined as in search_vector (title, body, title, body... with a separator
that is no CJK character, so no phrase spans two texts) and read as code points. Every position
where three CJK characters make a frequent triple is marked; a phrase of length L (4-9) starts at
each position whose L - 2 triples from there are all marked. A phrase is numbered exactly, without
hashing: its first triple by its index among the sorted frequent triples, then each longer phrase as
(its phrase one character shorter, its last character), the characters numbered among those of the
frequent triples; numbers that grow too wide for an int64 are renumbered densely (search_vector's
_combine). The occurrences of each length are then rows for search_vector's key table, which makes
their postings exactly as it does for pairs.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from functools import cache

import numpy as np
import numpy.typing as npt

from generator import search_columns, search_phrases, search_text, search_vector
from generator.arrays import distinct
from generator.search_vector import Ints

_BITS = 18  # every CJK code point is below 2**18 (search_text.CJK ends at U+3134F)


Words = Sequence[tuple[search_phrases.Lengths, search_phrases.Lengths]]  # per document: title, body


def phrase_columns(texts: Sequence[tuple[str, str]], words: Words, frequent: Collection[str]) -> search_columns.Columns:
    """Documents (title, body), their jieba word lengths and the archive's frequent triples -> the
    phrase keys as columns (search_columns), whose states() are what search_reference.phrase_keys
    makes document by document."""
    triples = _triple_codes(frequent)
    if not len(triples):
        return search_columns.empty()
    flat = [text for pair in texts for text in pair]
    sizes = [s for pair in words for s in pair]
    if len(sizes) != len(flat):
        raise ValueError(f"{len(flat) // 2} documents but word lengths for {len(sizes) // 2}")
    points = _fold_table()[_points(search_vector._SEPARATOR.join(flat))]  # fold keeps every offset
    joined = points.tobytes().decode("utf-32-le", "surrogatepass")
    lengths = np.fromiter(map(len, flat), dtype=np.int64, count=len(flat))
    bases = np.cumsum(lengths + 1) - lengths - 1
    table = search_vector._Table(joined, bases, _boundary(len(joined), bases.tolist(), lengths.tolist(), sizes))
    cjk_at, at, keys = _frequent_at(points, triples)  # each triple numbered by its index: dense already
    marked = np.zeros(len(points) + search_phrases.LONGEST, dtype=bool)  # room to look past the end
    marked[at] = True
    loose = np.zeros(len(marked), dtype=bool)  # a CJK triple that is not frequent starts here
    loose[cjk_at] = True
    loose[at] = False
    characters = distinct(np.concatenate([triples >> shift & (1 << _BITS) - 1 for shift in (0, _BITS, 2 * _BITS)]))
    bits = len(characters).bit_length()
    starts: Ints = at.astype(np.int32) if len(points) < search_vector.NARROW else at
    out: list[search_columns.Columns] = []
    for length in range(search_phrases.SHORTEST, search_phrases.LONGEST + 1):
        # Edge keys (search_phrases.edges) from the runs one character shorter: a loose triple after
        # the run, numbered (run, last character), or before it, (run, first character). A run at 0
        # reads loose[-1], the padding: False.
        after = loose[starts + (length - 3)]
        edge = starts[after]
        numbers = search_vector._combine(keys[after], points[edge + (length - 1)].astype(np.int64), _BITS)
        out.append(table.columns(numbers, edge, edge + length, True))
        before = loose[starts - 1]
        edge = starts[before] - 1
        numbers = search_vector._combine(keys[before], points[edge].astype(np.int64), _BITS)
        out.append(table.columns(numbers, edge, edge + length, True))
        longer = marked[starts + (length - 3)]  # the phrase's last triple is frequent too
        starts, keys = starts[longer], keys[longer]
        if not len(starts):
            break
        last = np.searchsorted(characters, points[starts + (length - 1)]).astype(np.int64)
        keys = search_vector._combine(keys, last, bits)
        out.append(table.columns(keys, starts, starts + length, False))
    return search_columns.concat(out)


def _points(text: str) -> npt.NDArray[np.uint32]:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


@cache
def _fold_table() -> npt.NDArray[np.uint32]:
    """search_text.fold as a table of code points: it maps each character to one character, so the
    joined texts are folded at once (str.translate, text by text, took an eighth of the time)."""
    table = np.arange(0x110000, dtype=np.uint32)
    changed = search_text._translation()
    table[np.fromiter(changed, dtype=np.int64, count=len(changed))] = _points("".join(changed.values()))
    return table


def _triple_codes(frequent: Collection[str]) -> Ints:
    """The CJK triples of `frequent` as sorted int64s: three code points of _BITS each."""
    codes = [ord(key[0]) << 2 * _BITS | ord(key[1]) << _BITS | ord(key[2])
             for key in frequent if search_phrases.is_triple(key)]
    return distinct(np.array(codes, dtype=np.int64))


def _triples(points: npt.NDArray[np.uint32], at: Ints) -> Ints:
    return (points[at].astype(np.int64) << 2 * _BITS | points[at + 1].astype(np.int64) << _BITS
            | points[at + 2].astype(np.int64))


def _frequent_at(points: npt.NDArray[np.uint32], triples: Ints) -> tuple[Ints, Ints, Ints]:
    """Where a triple of CJK characters starts; where a frequent one starts, in text order, and
    which of `triples` it is."""
    cjk = search_vector._cjk(points)
    at = np.flatnonzero(cjk[:-2] & cjk[1:-1] & cjk[2:]) if len(points) > 2 else np.zeros(0, dtype=np.int64)
    codes = _triples(points, at)
    found = np.minimum(np.searchsorted(triples, codes), len(triples) - 1)
    frequent = triples[found] == codes
    return at, at[frequent], found[frequent].astype(np.int64)


def _boundary(size: int, bases: list[int], lengths: list[int],
              sizes: list[search_phrases.Lengths]) -> npt.NDArray[np.uint8]:
    """1 where a word starts (or its text ends) in the joined text: search_phrases.starts of each
    text's word lengths; offsets past a text's end are ignored, as the rules never ask for them."""
    boundary = np.zeros(size + 1, dtype=np.uint8)
    for base, length, words in zip(bases, lengths, sizes, strict=True):
        offsets = np.cumsum(np.asarray(memoryview(words)), dtype=np.int64)
        boundary[base] = 1
        boundary[base + offsets[offsets <= length]] = 1
    return boundary
