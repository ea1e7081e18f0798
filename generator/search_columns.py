"""A table of key states as columns: the keys of a part as search_vector makes them, kept and joined
without a Python object per key and part.

A part's keys were a dict of key -> [first doc, last doc, entries, postings, positions, entry
starts]: at 10,000 generated articles some 2.2 million of them, each made, pickled, read back and
appended to the joined index one at a time. Here a table holds the keys' names, their numbers as
arrays and their postings, positions and entry starts each as one buffer cut by offsets; a table is
split into hash groups, kept and read back as a few arrays, and the parts' tables of a group are
joined with array operations, making one list per key of the whole index (search_analysis.Joined's
states) when it is written, and no more. Equal, key for key and byte for byte, to the dict states
and their join in search_reference (tests/test_search_columns.py).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from generator import search_analysis, search_groups, search_vector

Ints = npt.NDArray[np.int64]
_EMPTY = np.zeros(1, dtype=np.int64)
Blob = bytes | bytearray
_CHUNK = 1 << 18


@dataclass
class Columns:
    """Key states as columns, per key: its name, first and last document (counted from the part's
    first), entry count, postings (the first entry without its id delta), whether it has positions
    and those, and the start of each of its entries in them (relative to its first)."""

    names: list[str]
    first: Ints
    last: Ints
    count: Ints
    postings: Blob
    post_at: Ints  # key i's postings are postings[post_at[i]:post_at[i + 1]]
    positioned: npt.NDArray[np.bool_]
    positions: Blob
    pos_at: Ints
    starts: Blob  # uint32 entry starts of the keys with positions, `count` of them a key
    starts_at: Ints  # in entries, not bytes

    def __len__(self) -> int:
        return len(self.names)

    def states(self) -> dict[str, search_analysis.KeyState]:
        """The same keys as search_analysis's dict of states."""
        out: dict[str, search_analysis.KeyState] = {}
        postings, positions = bytearray(self.postings), bytearray(self.positions)  # slices of one are one
        starts = array("I", self.starts)
        rows = zip(self.names, self.first.tolist(), self.last.tolist(), self.count.tolist(), self.post_at.tolist(),
                   self.post_at[1:].tolist(), self.positioned.tolist(), self.pos_at.tolist(), self.pos_at[1:].tolist(),
                   self.starts_at.tolist(), strict=False)
        for name, first, last, n, a, b, positioned, pa, pb, s in rows:
            out[name] = [first, last, n, postings[a:b], positions[pa:pb] if positioned else None,
                         starts[s:s + n] if positioned and n > 1 else None]
        return out

    def slice(self, start: int, end: int) -> Columns:
        """Keys start..end, offsets counted from the first of them."""
        a, b = int(self.post_at[start]), int(self.post_at[end])
        pa, pb = int(self.pos_at[start]), int(self.pos_at[end])
        sa, sb = int(self.starts_at[start]), int(self.starts_at[end])
        return Columns(self.names[start:end], self.first[start:end], self.last[start:end], self.count[start:end],
                       self.postings[a:b], self.post_at[start:end + 1] - a, self.positioned[start:end],
                       self.positions[pa:pb], self.pos_at[start:end + 1] - pa, self.starts[4 * sa:4 * sb],
                       self.starts_at[start:end + 1] - sa)

    def take(self, rows: Ints) -> Columns:
        """Keys `rows`, in that order."""
        postings, post_at = _gather(self.postings, np.uint8, self.post_at, rows)
        positions, pos_at = _gather(self.positions, np.uint8, self.pos_at, rows)
        starts, starts_at = _gather(self.starts, np.uint32, self.starts_at, rows)
        names = self.names
        return Columns([names[i] for i in rows.tolist()], self.first[rows], self.last[rows], self.count[rows],
                       postings, post_at, self.positioned[rows], positions, pos_at, starts, starts_at)

    def grouped(self) -> Iterator[Columns]:
        """Split into the hash groups (search_groups), each in this table's order; each made as it
        is asked for (search_groups.write keeps one at a time)."""
        group = np.array(search_groups.key_hashes(self.names), dtype=np.int64) & search_groups.GROUPS - 1
        ordered = self.take(np.argsort(group, kind="stable"))
        bounds = np.searchsorted(np.sort(group), np.arange(search_groups.GROUPS + 1)).tolist()
        return (ordered.slice(a, b) for a, b in zip(bounds, bounds[1:], strict=False))


def empty() -> Columns:
    nothing = np.zeros(0, dtype=np.int64)
    return Columns([], nothing, nothing, nothing, b"", _EMPTY, np.zeros(0, dtype=bool), b"", _EMPTY, b"", _EMPTY)


def table(names: list[str], first: Ints, last: Ints, count: Ints, postings: bytes, post_at: Ints,
          positions: tuple[bytes, Ints, bytes] | None) -> Columns:
    """A table of one kind of keys (search_vector): all with positions (bytes, each key's start and
    the end; entry starts as uint32 bytes, `count` a key, in key order) or none."""
    n = len(names)
    if positions is None:
        return Columns(names, first, last, count, postings, post_at, np.zeros(n, dtype=bool), b"",
                       np.zeros(n + 1, dtype=np.int64), b"", np.zeros(n + 1, dtype=np.int64))
    buffer, pos_at, starts = positions
    starts_at = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(count, out=starts_at[1:])
    return Columns(names, first, last, count, postings, post_at, np.ones(n, dtype=bool), buffer, pos_at, starts,
                   starts_at)


def concat(tables: Sequence[Columns]) -> Columns:
    """Tables one after another (their keys must differ)."""
    tables = [t for t in tables if len(t)]
    if len(tables) < 2:
        return tables[0] if tables else empty()
    return Columns([name for t in tables for name in t.names], np.concatenate([t.first for t in tables]),
                   np.concatenate([t.last for t in tables]), np.concatenate([t.count for t in tables]),
                   b"".join(t.postings for t in tables), _offsets([t.post_at for t in tables]),
                   np.concatenate([t.positioned for t in tables]), b"".join(t.positions for t in tables),
                   _offsets([t.pos_at for t in tables]), b"".join(t.starts for t in tables),
                   _offsets([t.starts_at for t in tables]))


def _offsets(columns: list[Ints]) -> Ints:
    """Offsets into buffers joined in order: each shifted by the sizes of those before it."""
    shifts = np.cumsum([0] + [int(at[-1]) for at in columns])
    return np.concatenate([at[:-1] + shift for at, shift in zip(columns, shifts.tolist(), strict=False)]
                          + [shifts[-1:]])


def _gather(buffer: Blob, dtype: Any, at: Ints, rows: Ints) -> tuple[bytearray, Ints]:
    """The runs at[i]:at[i + 1] of `buffer` (items of `dtype`) for i in `rows`, joined; and their offsets."""
    return _runs(np.frombuffer(buffer, dtype=dtype), at[rows], at[rows + 1])


@dataclass
class JoinedColumns:
    """Parts' tables joined (join), still as columns: search_analysis.Joined's keys as they are kept
    (search_parts.Streamed) until the index is written."""

    names: list[str]
    last: Ints
    entries: Ints
    postings: Blob
    post_at: Ints
    positions: Blob
    pos_at: Ints
    cuts: dict[int, list[tuple[int, int]] | None]  # by key number, those cut

    def frequent(self, least: int) -> list[str]:
        """The keys in `least` documents or more."""
        names = self.names
        return [names[k] for k in np.flatnonzero(self.entries >= least).tolist()]

    def states(self) -> dict[str, list]:  # type: ignore[type-arg]
        """As search_reference.join joins dict states: key -> [last doc, entries, postings, positions
        (empty without), positions part cuts or None], keys in the order they first occur."""
        postings, positions, cuts = self.postings, self.positions, self.cuts
        post_at, pos_at = self.post_at.tolist(), self.pos_at.tolist()
        out: dict[str, list] = {}  # type: ignore[type-arg]
        for k, (name, last, n) in enumerate(zip(self.names, self.last.tolist(), self.entries.tolist(), strict=True)):
            out[name] = [last, n, postings[post_at[k]:post_at[k + 1]], positions[pos_at[k]:pos_at[k + 1]], cuts.get(k)]
        return out


def join(tables: Sequence[tuple[Columns, int]], heavy: int) -> JoinedColumns:
    """Tables of parts in document order, each with the id of its part's first document, joined as
    search_reference.join joins dict states."""
    tables = [(t, base) for t, base in tables if len(t)]
    if not tables:
        nothing = np.zeros(0, dtype=np.int64)
        return JoinedColumns([], nothing, nothing, b"", _EMPTY, b"", _EMPTY, {})
    parts = [t for t, _ in tables]
    names = [name for t in parts for name in t.names]
    bases = np.repeat(np.array([base for _, base in tables], dtype=np.int64), [len(t) for t in parts])
    number: dict[str, int] = {}
    ids = np.fromiter((number.setdefault(name, len(number)) for name in names), dtype=np.int64, count=len(names))
    del names
    order = np.argsort(ids, kind="stable")  # each key's rows together, parts in order
    ids = ids[order]
    count = np.concatenate([t.count for t in parts])
    first = (np.concatenate([t.first for t in parts]) + bases)[order]
    last = (np.concatenate([t.last for t in parts]) + bases)[order]
    key_first = np.flatnonzero(np.diff(ids, prepend=-1))
    before = np.empty(len(order), dtype=np.int64)
    before[0] = -1
    before[1:] = last[:-1]
    before[key_first] = -1
    deltas, delta_at = search_vector._varints(first - before)
    delta_at = np.append(delta_at, len(deltas))
    # each row's postings: its id delta, then its own; runs of one buffer of both
    post_at = _offsets([t.post_at for t in parts])
    runs = np.empty(2 * len(order), dtype=np.int64)
    runs[0::2] = delta_at[:-1] + post_at[-1]
    runs[1::2] = post_at[order]
    ends = np.empty(2 * len(order), dtype=np.int64)
    ends[0::2] = delta_at[1:] + post_at[-1]
    ends[1::2] = post_at[order + 1]
    source = np.frombuffer(b"".join([*(t.postings for t in parts), deltas]), dtype=np.uint8)
    postings, post_at = _runs(source, runs, ends)
    del source, runs, ends
    positions, pos_at = _gather(b"".join(t.positions for t in parts), np.uint8, _offsets([t.pos_at for t in parts]),
                                order)
    key_end = np.append(key_first[1:], len(order))
    entries = np.add.reduceat(count[order], key_first)
    post_key = np.append(post_at[2 * key_first], len(postings))
    pos_key = np.append(pos_at[key_first], len(positions))
    cuts: dict[int, list[tuple[int, int]] | None] = {}
    sizes = np.diff(pos_key)
    if (sizes > heavy).any():
        starts = memoryview(b"".join(t.starts for t in parts)).cast("I")
        starts_at = _offsets([t.starts_at for t in parts])
        for k in np.flatnonzero(sizes > heavy).tolist():
            rows = order[key_first[k]:key_end[k]].tolist()
            within = np.cumsum([0] + [int(count[r]) for r in rows]).tolist()
            offset = (pos_at[key_first[k]:key_end[k]] - pos_at[key_first[k]]).tolist()
            cuts[k] = positions_cuts(
                [(within[j], offset[j], None if count[r] == 1 else starts[int(starts_at[r]):int(starts_at[r + 1])])
                 for j, r in enumerate(rows)], heavy)
    return JoinedColumns(list(number), last[key_end - 1], entries, postings, post_key, positions, pos_key, cuts)


def positions_cuts(pieces: Sequence[tuple[int, int, Sequence[int] | None]], heavy: int) -> list[tuple[int, int]] | None:
    """Where a positions file may start: the first entry at least `heavy` bytes past the last cut;
    pieces: (entries before, bytes before, a part's entry starts or None for one entry)."""
    made = [(0, 0)]
    for entry, offset, starts in pieces:
        local = (0,) if starts is None else starts
        while True:
            j = bisect_left(local, made[-1][1] + heavy - offset)
            if j == len(local):
                break
            made.append((entry + j, offset + local[j]))
    return made if len(made) > 1 else None


def _runs(source: npt.NDArray[Any], starts: Ints, ends: Ints) -> tuple[bytearray, Ints]:
    """source[starts[i]:ends[i]] for every i, joined; and where each starts (and the end). Copied
    through an index of every item (8 bytes each, and three arrays of them on the way), made for
    _CHUNK items at a time: with 4 Mi items at a time, joining one hash group's phrase keys at
    100,000 articles peaked at 218 MB instead of 153."""
    sizes = ends - starts
    at = np.zeros(len(starts) + 1, dtype=np.int64)
    np.cumsum(sizes, out=at[1:])
    buffer = bytearray(int(at[-1]) * source.itemsize)
    if not buffer:
        return buffer, at
    out = np.frombuffer(buffer, dtype=source.dtype)
    cuts = np.unique(np.searchsorted(at, np.arange(0, int(at[-1]), _CHUNK), side="right") - 1).tolist()
    for a, b in zip(cuts, cuts[1:] + [len(starts)], strict=True):
        base = int(at[a])
        out[base:at[b]] = source[np.repeat(starts[a:b] - (at[a:b] - base), sizes[a:b])
                                 + np.arange(int(at[b]) - base, dtype=np.int64)]
    return buffer, at
