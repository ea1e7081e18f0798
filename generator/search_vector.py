"""The pair and triple keys of a part, with numpy: what search_reference.unit_keys makes document by
document, for a whole part at once, the same keys and bytes.

All texts of the part are joined (title, body, title, body... with a separator that is no unit) and
read as code points. Units are CJK characters and runs of Latin letters and digits, numbered; a key
is one Latin/digit unit or two or three adjacent units, as one int64. Every occurrence is a row; the
rows sorted by (key, position) put each key's entries in document order, title before body, in text
order, so postings and positions are runs of rows, whose numbers are varint-encoded into one buffer
a table; each key's data is a slice of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from generator import search_analysis, search_columns  # read at call time: search_analysis imports this module

Ints = npt.NDArray[np.signedinteger[Any]]  # int32 or int64 offsets; keys int64
Flags = npt.NDArray[np.bool_]
_LATIN_BASE = 0x40000  # above every CJK code point
_SEPARATOR = "\x00"  # neither a CJK character nor a Latin letter or digit: no key spans two texts
NARROW = 1 << 29  # texts shorter than this have offsets (and codes: offset * 4 + 3) in int32


def unit_columns(folded: Sequence[tuple[str, set[int], str, set[int]]]) -> search_columns.Columns:
    """(title, its word starts, body, its word starts) of each document -> its keys as columns
    (search_columns), whose states() are what search_reference.unit_keys makes: pairs and
    Latin/digit runs, then triples."""
    texts = [text for title, _, body, _ in folded for text in (title, body)]
    joined = _SEPARATOR.join(texts)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    bases = np.cumsum(lengths + 1) - lengths - 1  # where each text starts in `joined`
    boundary = np.zeros(len(joined) + 1, dtype=np.uint8)  # a word starts here (or a text ends)
    for base, length, words in zip(bases.tolist(), lengths.tolist(),
                                   [s for _, ts, _, bs in folded for s in (ts, bs)], strict=True):
        offsets = np.fromiter(words, dtype=np.int64, count=len(words))
        boundary[base + offsets[offsets <= length]] = 1
    table = _Table(joined, bases, boundary)
    starts, ends, units, latin = _units(joined)
    bits = int(units.max(initial=0)).bit_length()  # units count from 1: a single is below every pair
    adjacent = ends[:-1] == starts[1:]
    single, pair = np.flatnonzero(latin), np.flatnonzero(adjacent)
    # singles first, then pairs: a key's rows are still in text order
    pairs = table.columns(np.concatenate([units[single], units[pair] << bits | units[pair + 1]]),
                          np.concatenate([starts[single], starts[pair]]),
                          np.concatenate([ends[single], ends[pair + 1]]), False)
    del single, pair
    triple = np.flatnonzero(adjacent[:-1] & adjacent[1:])
    return search_columns.concat([pairs, table.columns(
        _combine(units[triple] << bits | units[triple + 1], units[triple + 2], bits), starts[triple], ends[triple + 2],
        True)])


def _between(points: npt.NDArray[np.uint32], low: int, high: int) -> Flags:
    return (points >= low) & (points <= high)


def _cjk(points: npt.NDArray[np.uint32]) -> Flags:
    """Which code points are CJK characters: search_text.CJK."""
    return (_between(points, 0x3400, 0x4DBF) | _between(points, 0x4E00, 0x9FFF)
            | _between(points, 0xF900, 0xFAFF) | _between(points, 0x20000, 0x3134F))


def _units(joined: str) -> tuple[Ints, Ints, Ints, Flags]:
    """Start, end and number (from 1, the same for the same text) of every unit in text order,
    and which are Latin/digit runs; search_text.UNIT_RE's character classes."""
    points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    cjk = _cjk(points)
    latin = _between(points, 0x30, 0x39) | _between(points, 0x61, 0x7A) | _between(points, 0xC0, 0x24F)
    first = latin.copy()
    first[1:] &= ~latin[:-1]
    last = latin.copy()
    last[:-1] &= ~latin[1:]
    starts: Ints = np.flatnonzero(cjk | first)
    if len(points) < NARROW:
        starts = starts.astype(np.int32)
    ends = starts + 1
    is_latin = latin[starts]
    ends[is_latin] = np.flatnonzero(last) + 1
    codes = points[starts].astype(np.int64)
    numbers: dict[str, int] = {}
    runs = [numbers.setdefault(joined[s:e], len(numbers))
            for s, e in zip(starts[is_latin].tolist(), ends[is_latin].tolist(), strict=True)]
    codes[is_latin] = _LATIN_BASE + np.array(runs, dtype=np.int64)
    # numbered in code order by a table, not a sort: keys in fewer bits
    seen = np.zeros(_LATIN_BASE + len(numbers), dtype=np.int64)
    seen[codes] = 1
    return starts, ends, np.cumsum(seen)[codes], is_latin


def _combine(high: Ints, low: Ints, bits: int) -> Ints:
    """One int64 per (high, low < 2**bits), equal only for equal pairs."""
    if len(high) and int(high.max()).bit_length() + bits > 62:
        high = _dense(high)
    return high << bits | low


def _dense(keys: Ints) -> Ints:
    """Keys numbered in order from 0: the same order in fewer bits."""
    return np.unique(keys, return_inverse=True)[1].astype(np.int64)


def _order(keys: Ints) -> Ints:
    """The rows by key, rows of one key in their order: a stable sort, 16 bits of the keys at a time
    from the lowest (numpy sorts 16-bit numbers stably by radix): for pairs, whose keys are 20-30
    bits, a third of the time of sorting (key, row) as one int64."""
    order: Ints | None = None
    for shift in range(0, max(1, int(keys.max()).bit_length()), 16):
        digit = (keys >> shift & 0xFFFF).astype(np.uint16)
        step = np.argsort(digit if order is None else digit[order], kind="stable")
        order = step if order is None else order[step]
    assert order is not None
    return order


def _varints(values: Ints, raw: Flags | None = None) -> tuple[bytes, Ints]:
    """search_analysis.varint of every value (>= 0), joined, and where each one starts; `raw` values
    are one character of their own (flags)."""
    width = max(1, -(-int(values.max(initial=0)).bit_length() // 5))
    digits = np.ones(len(values), dtype=np.uint8)
    for j in range(1, width):
        digits += values >= 1 << 5 * j
    if raw is not None:
        digits[raw] = 1
    ends = np.cumsum(digits, dtype=np.int64)
    starts = ends - digits
    alphabet = np.frombuffer(search_analysis.ALPHABET, dtype=np.uint8)
    chars = np.empty(int(ends[-1]) if len(ends) else 0, dtype=np.uint8)
    # a value's characters low bits first, each column written where the values are that long
    first = (values & 31) | (digits > 1) << 5
    chars[starts] = alphabet[first if raw is None else np.where(raw, values, first)]
    for j in range(1, width):
        longer = np.flatnonzero(digits > j)
        chars[starts[longer] + j] = alphabet[(values[longer] >> 5 * j & 31) | (digits[longer] > j + 1) << 5]
    return chars.tobytes(), starts


class _Table:
    """The rows of one key table (pairs or triples) made into key states."""

    def __init__(self, joined: str, bases: Ints, boundary: npt.NDArray[np.uint8]) -> None:
        self.joined = joined
        self.bases = bases
        self.boundary = boundary
        # the text each position of `joined` lies in (its separator counts with it): a lookup per
        # row instead of a binary search among the bases
        sizes = np.diff(np.append(bases, len(joined) + 1))
        self.text_of = np.repeat(np.arange(len(bases), dtype=np.int32 if len(joined) < NARROW else np.int64), sizes)

    def columns(self, keys: Ints, starts: Ints, ends: Ints, positions: bool) -> search_columns.Columns:
        """Rows (key, start, end in the joined text), each key's rows in text order."""
        if not len(keys):
            return search_columns.empty()
        order = _order(keys)
        keys, starts, ends = keys[order], starts[order], ends[order]  # int32 or int64: so is all else
        del order
        rows = len(keys)
        new_key = np.ones(rows, dtype=bool)
        np.not_equal(keys[1:], keys[:-1], out=new_key[1:])
        del keys
        text = self.text_of[starts].astype(starts.dtype, copy=False)
        boundary = self.boundary
        code = (starts - self.bases.astype(starts.dtype)[text]) * 4 + boundary[starts] * 2 + boundary[ends]
        names = [self.joined[s:e] for s, e in zip(starts[new_key].tolist(), ends[new_key].tolist(), strict=True)]
        del starts, ends
        body = (text & 1).astype(bool)
        doc = text >> 1
        del text
        entries = _Entries(new_key, doc, body, code)
        values, raw, key_token = entries.postings()
        postings, token_at = _varints(values, raw)
        post_at = np.append(token_at[key_token], len(postings)).astype(np.int64)
        del values, raw, token_at
        firsts = entries.doc[entries.key_first].astype(np.int64)
        lasts = entries.doc[entries.key_end - 1].astype(np.int64)
        counts = (entries.key_end - entries.key_first).astype(np.int64)
        if not positions:
            return search_columns.table(names, firsts, lasts, counts, postings, post_at, None)
        values, header_at = entries.positions(code)
        del code
        buffer, token_at = _varints(values)
        del values
        entry_start = token_at[header_at]
        del token_at
        key_start = entry_start[entries.key_first]
        relative = (entry_start - np.repeat(key_start, entries.key_end - entries.key_first)).astype(np.uint32).tobytes()
        pos_at = np.append(key_start, len(buffer)).astype(np.int64)
        return search_columns.table(names, firsts, lasts, counts, postings, post_at, (buffer, pos_at, relative))


class _Entries:
    """One entry per (key, document): the rows of a table, sorted, grouped."""

    def __init__(self, new_key: Flags, doc: Ints, body: Flags, code: Ints) -> None:
        new_entry = new_key.copy()
        new_entry[1:] |= doc[1:] != doc[:-1]
        self.new_entry = new_entry
        self.first = np.flatnonzero(new_entry)  # each entry's first row
        self.of = np.cumsum(new_entry, dtype=code.dtype) - 1  # each row's entry
        self.body = body
        count = len(self.first)
        self.bodies = np.add.reduceat(body, self.first, dtype=np.int64)
        self.titles = np.diff(self.first, append=len(code)) - self.bodies
        self.whole = np.logical_or.reduceat((code & 3) == 3, self.first)
        self.doc = doc[self.first]
        self.key_first = np.flatnonzero(new_key[self.first])  # each key's first entry
        self.key_end = np.append(self.key_first[1:], count)
        first_body = np.minimum(self.first + self.titles, len(code) - 1)
        self.chunk = np.minimum((code[first_body] >> 2) // search_analysis.CHUNK, search_analysis.MAX_CHUNKS - 1)

    def postings(self) -> tuple[Ints, Flags, Ints]:
        """Per entry [id delta (not for a key's first)], flags (raw: 1 in title, 2 whole word,
        4-28 chunk of the first body match, 32 a body count other than 1 follows), [body count];
        and each key's first token."""
        titles, bodies = self.titles, self.bodies
        counted = bodies != 1
        flags = ((titles > 0) | self.whole.astype(np.int64) << 1 | np.where(bodies > 0, self.chunk << 2, 0)
                 | counted.astype(np.int64) << 5)
        later = np.ones(len(flags), dtype=bool)
        later[self.key_first] = False
        tokens = later + 1 + counted
        flag_at = np.cumsum(tokens) - tokens + later
        values = np.zeros(int(tokens.sum()), dtype=self.doc.dtype)
        raw = np.zeros(len(values), dtype=bool)
        values[flag_at[later] - 1] = np.diff(self.doc)[later[1:]]
        values[flag_at] = flags
        raw[flag_at] = True
        values[flag_at[counted] + 1] = bodies[counted]
        return values, raw, flag_at[self.key_first]

    def positions(self, code: Ints) -> tuple[Ints, Ints]:
        """Per entry the title count, then each offset less the previous (& -4) of its list
        (title, body), the first less 0; and where each entry's header is."""
        previous = np.empty(len(code), dtype=code.dtype)
        previous[0] = 0
        np.bitwise_and(code[:-1], -4, out=previous[1:])
        previous[self.new_entry] = 0
        body = self.body
        first_in_body = body.copy()
        first_in_body[1:] &= ~body[:-1] | self.new_entry[1:]
        previous[first_in_body] = 0
        header_at = self.first + np.arange(len(self.first))
        values = np.empty(len(code) + len(self.first), dtype=code.dtype)
        values[header_at] = self.titles
        values[np.arange(len(code), dtype=code.dtype) + self.of + 1] = code - previous
        return values, header_at
