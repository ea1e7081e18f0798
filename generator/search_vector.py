"""The pair and triple keys of a part, with numpy: search_analysis.occurrences and _add_document
for a whole part at once, giving the same keys and the same bytes.

All texts of the part are joined (title, body, title, body... with a separator that is no unit) and
read as code points. Units are CJK characters and runs of Latin letters and digits, each with a
code (the code point; a Latin/digit run its own number above every CJK code point); a key is one
Latin/digit unit or two or three adjacent units, as one int64. Every occurrence is a row; the rows
sorted by (key, position) put each key's entries in document order, title before body, in text
order, so postings and positions are runs of rows whose numbers are varint-encoded into one buffer,
each key's data a slice of it.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from generator import search_analysis  # its constants are read at call time: it imports this module

Ints = npt.NDArray[np.int64]
_LATIN_BASE = 0x40000  # above every CJK code point
_SEPARATOR = "\x00"  # neither a CJK character nor a Latin letter or digit: no key spans two texts
_MAX_DIGITS = 13  # five bits a character: enough for any int64 >= 0


def _between(points: npt.NDArray[np.uint32], low: int, high: int) -> npt.NDArray[np.bool_]:
    return (points >= low) & (points <= high)


def unit_keys(folded: Sequence[tuple[str, set[int], str, set[int]]]) -> dict[str, search_analysis.KeyState]:
    """(title, its word starts, body, its word starts) of each document -> key state, as
    search_analysis._add_document makes them: pairs and Latin/digit runs, then triples."""
    texts = [text for title, _, body, _ in folded for text in (title, body)]
    joined = _SEPARATOR.join(texts)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    bases = np.cumsum(lengths + 1) - lengths - 1  # where each text starts in `joined`
    boundary = np.zeros(len(joined) + 1, dtype=np.int64)
    for base, length, starts in zip(bases.tolist(), lengths.tolist(),
                                    [s for _, ts, _, bs in folded for s in (ts, bs)], strict=True):
        offsets = np.fromiter(starts, dtype=np.int64, count=len(starts))
        boundary[base + offsets[offsets <= length]] = 1
    points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    cjk = (_between(points, 0x3400, 0x4DBF) | _between(points, 0x4E00, 0x9FFF)
           | _between(points, 0xF900, 0xFAFF) | _between(points, 0x20000, 0x3134F))
    latin = _between(points, 0x30, 0x39) | _between(points, 0x61, 0x7A) | _between(points, 0xC0, 0x24F)
    after = np.append(latin[1:], False)
    before = np.insert(latin[:-1], 0, False)
    latin_starts = np.flatnonzero(latin & ~before)
    latin_ends = np.flatnonzero(latin & ~after) + 1
    # units in text order: a CJK character, or a Latin/digit run numbered by its text
    starts = np.flatnonzero(cjk | (latin & ~before))
    ends = starts + 1
    is_latin = latin[starts]
    ends[is_latin] = latin_ends
    numbers: dict[str, int] = {}
    runs = [numbers.setdefault(joined[s:e], len(numbers))
            for s, e in zip(latin_starts.tolist(), latin_ends.tolist(), strict=True)]
    codes = points[starts].astype(np.int64)
    codes[is_latin] = _LATIN_BASE + np.array(runs, dtype=np.int64)
    # numbered from 1 in code order by a table, not a sort: keys in fewer bits, singles below pairs
    seen = np.zeros(_LATIN_BASE + len(numbers), dtype=np.int64)
    seen[codes] = 1
    units = np.cumsum(seen)[codes]
    bits = int(units.max()).bit_length() if len(units) else 1
    # rows: key, start and end of each occurrence
    adjacent = ends[:-1] == starts[1:]
    pair = np.flatnonzero(adjacent)
    triple = np.flatnonzero(adjacent[:-1] & adjacent[1:])
    single = np.flatnonzero(is_latin)
    pair_keys = np.concatenate([units[single], units[pair] << bits | units[pair + 1]])
    pair_starts = np.concatenate([starts[single], starts[pair]])
    pair_ends = np.concatenate([ends[single], ends[pair + 1]])
    triple_keys = _combine(units[triple] << bits | units[triple + 1], units[triple + 2], bits)
    table = _Table(joined, bases, boundary)
    keys = table.states(pair_keys, pair_starts, pair_ends, False)
    keys.update(table.states(triple_keys, starts[triple], ends[triple + 2], True))
    return keys


def _combine(high: Ints, low: Ints, bits: int) -> Ints:
    """One int64 per (high, low < 2**bits), equal only for equal pairs."""
    if len(high) and int(high.max()).bit_length() + bits > 62:
        high = _dense(high)
    return high << bits | low


def _dense(keys: Ints) -> Ints:
    """Keys numbered in order from 0: the same order in fewer bits."""
    return np.unique(keys, return_inverse=True)[1].astype(np.int64)


def _order(keys: Ints) -> Ints:
    """The rows by key, rows of one key in their order: one sort of (key, row) as an int64 (a
    stable sort of the keys would take several times longer)."""
    bits = len(keys).bit_length()
    if int(keys.max()).bit_length() + bits > 63:
        keys = _dense(keys)
    rows = np.sort(keys << bits | np.arange(len(keys)))
    return rows & ((1 << bits) - 1)


def _varints(values: Ints, raw: npt.NDArray[np.bool_] | None = None) -> tuple[bytes, Ints]:
    """search_analysis.varint of every value (>= 0), joined, and where each one starts; `raw` values
    are one character of their own (flags)."""
    width = max(1, -(-int(values.max(initial=0)).bit_length() // 5))
    digits = np.ones(len(values), dtype=np.int64)
    for j in range(1, width):
        digits += values >= 1 << 5 * j
    if raw is not None:
        digits[raw] = 1
    # a value's characters are a row, low bits first; a row's unused characters are masked out
    grid = np.empty((len(values), width), dtype=np.uint8)
    for j in range(width):
        grid[:, j] = (values >> 5 * j & 31) | (digits > j + 1) << 5
    if raw is not None:
        grid[raw, 0] = values[raw]
    chars = np.frombuffer(search_analysis.ALPHABET, dtype=np.uint8)[grid[digits[:, None] > np.arange(width)]]
    return chars.tobytes(), np.cumsum(digits) - digits


class _Table:
    """The rows of one key table (pairs or triples) made into key states."""

    def __init__(self, joined: str, bases: Ints, boundary: Ints) -> None:
        self.joined = joined
        self.bases = bases
        self.boundary = boundary

    def states(self, keys: Ints, starts: Ints, ends: Ints, positions: bool) -> dict[str, search_analysis.KeyState]:
        if not len(keys):
            return {}
        order = _order(keys)  # rows come in text order
        keys, starts, ends = keys[order], starts[order], ends[order]
        text = np.searchsorted(self.bases, starts, side="right") - 1
        doc, body = text >> 1, (text & 1).astype(bool)
        code = (starts - self.bases[text]) * 4 + self.boundary[starts] * 2 + self.boundary[ends]
        rows = len(keys)
        new_key = np.ones(rows, dtype=bool)
        new_key[1:] = keys[1:] != keys[:-1]
        new_entry = new_key.copy()
        new_entry[1:] |= doc[1:] != doc[:-1]
        entry_first = np.flatnonzero(new_entry)
        entry_of = np.cumsum(new_entry) - 1
        entries = len(entry_first)
        titles = np.bincount(entry_of, weights=~body, minlength=entries).astype(np.int64)
        bodies = np.bincount(entry_of, weights=body, minlength=entries).astype(np.int64)
        whole = np.bincount(entry_of, weights=(code & 3) == 3, minlength=entries) > 0
        entry_doc = doc[entry_first]
        key_first_entry = np.flatnonzero(new_key[entry_first])
        first_of_key = np.zeros(entries, dtype=bool)
        first_of_key[key_first_entry] = True
        # flags: 1 in title, 2 whole word, 4-28 chunk of the first body match, 32 a count follows
        first_body = np.minimum(entry_first + titles, rows - 1)
        chunk = np.minimum((code[first_body] >> 2) // search_analysis.CHUNK, search_analysis.MAX_CHUNKS - 1)
        flags = ((titles > 0) * 1 | whole * 2 | np.where(bodies > 0, chunk << 2, 0)
                 | np.where(bodies != 1, 32, 0))
        # postings tokens per entry: [id delta], flags, [body count]
        count = (~first_of_key).astype(np.int64) + 1 + (bodies != 1)
        token_end = np.cumsum(count)
        flag_at = token_end - count + (~first_of_key)
        values = np.zeros(int(token_end[-1]), dtype=np.int64)
        raw = np.zeros(len(values), dtype=bool)
        delta = np.diff(entry_doc, prepend=0)
        values[flag_at[~first_of_key] - 1] = delta[~first_of_key]
        values[flag_at] = flags
        raw[flag_at] = True
        counted = bodies != 1
        values[flag_at[counted] + 1] = bodies[counted]
        postings, token_at = _varints(values, raw)
        entry_at = token_at[flag_at - (~first_of_key).astype(np.int64)]  # where each entry's postings start
        key_entries = np.append(key_first_entry, entries)
        post_bounds = np.append(entry_at[key_first_entry], len(postings)).tolist()
        names = [self.joined[s:e] for s, e in zip(starts[new_key].tolist(), ends[new_key].tolist(), strict=True)]
        firsts = entry_doc[key_first_entry].tolist()
        lasts = entry_doc[key_entries[1:] - 1].tolist()
        counts = np.diff(key_entries).tolist()
        if not positions:
            return {name: [first, last, n, bytearray(postings[a:b]), None, None]
                    for name, first, last, n, a, b in zip(names, firsts, lasts, counts, post_bounds,
                                                          post_bounds[1:], strict=False)}
        # positions tokens per entry: title count, then each offset less the previous (& -4) of
        # its list (title or body), the first less 0
        previous = np.zeros(rows, dtype=np.int64)
        previous[1:] = code[:-1] & -4
        previous[new_entry] = 0
        starts_body = np.flatnonzero(body & (np.concatenate([[True], ~body[:-1]]) | new_entry))
        previous[starts_body] = 0
        values = np.empty(rows + entries, dtype=np.int64)
        header_at = entry_first + np.arange(entries)
        values[header_at] = titles
        values[np.arange(rows) + entry_of + 1] = code - previous
        buffer, token_at = _varints(values)
        entry_start = token_at[header_at]
        pos_bounds = np.append(entry_start[key_first_entry], len(buffer))
        relative = (entry_start - np.repeat(pos_bounds[:-1], np.diff(key_entries))).tolist()
        pos_list = pos_bounds.tolist()
        out: dict[str, search_analysis.KeyState] = {}
        key_list = key_entries.tolist()
        for i, (name, first, last, n) in enumerate(zip(names, firsts, lasts, counts, strict=True)):
            e = key_list[i]
            out[name] = [first, last, n, bytearray(postings[post_bounds[i]:post_bounds[i + 1]]),
                         bytearray(buffer[pos_list[i]:pos_list[i + 1]]),
                         None if n == 1 else array("I", relative[e:e + n])]
        return out
