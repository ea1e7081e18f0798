"""Reading back and splicing one key's postings and positions as search/data/ holds them.

An article edited in place keeps its document id, so every key's data changes only in that article's
entry (and the id delta of the entry after it). These functions find an entry in the encoded text,
replace it and cut the positions again exactly as search_columns.positions_cuts does, without decoding more
than they must: postings are split with one regular expression (C speed), positions are walked entry
by entry only from the last file cut before the edit, and only until the cuts fall where they fell.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import accumulate
from operator import sub

from generator.search_analysis import ALPHABET, SMALL, varint

_VALUE = {chr(c): i for i, c in enumerate(ALPHABET)}
# A varint: characters with the 32 bit ("more follows"), then one without.
_TOKEN = "[g-z0-9_-]*[A-Za-f]"
_TOKEN_RE = re.compile(_TOKEN)
# A postings entry: the id delta, then the flags character; with its 32 bit (a body count other
# than 1) the count follows as a varint.
_ENTRY_RE = re.compile(f"({_TOKEN})([A-Za-f]|[g-z0-9_-]{_TOKEN})")
_SMALL = [v.decode("ascii") for v in SMALL]


class Mismatch(Exception):
    """The stored data does not hold what the previous build's texts say it should: do it all again."""


class _Values(dict[str, int]):
    def __missing__(self, text: str) -> int:
        value = 0
        for ch in reversed(text):
            value = value * 32 + (_VALUE[ch] & 31)
        self[text] = value
        return value


_VARINT = _Values()  # filled as met: made whole, the table cost every build 9 ms of start-up


def _encode(value: int) -> str:
    return _SMALL[value] if value < 32768 else varint(value).decode("ascii")


@cache
def _tokens(count: int) -> re.Pattern[str]:
    return re.compile(f"(?:{_TOKEN}){{{count}}}")


def body_count(tail: str) -> int:
    """How many body positions an entry has, from its flags character (and varint)."""
    return _VARINT[tail[1:]] if _VALUE[tail[0]] & 32 else 1


def entry_end(positions: str, start: int, body: int) -> int:
    """The end of the positions entry at `start`: title count, title offsets, `body` body offsets."""
    match = _TOKEN_RE.match(positions, start)
    if match is None:
        raise Mismatch("positions end early")
    count = _VARINT[match.group()] + body
    end = match.end()
    if count:
        match = _tokens(count).match(positions, end)
        if match is None:
            raise Mismatch("positions end early")
        end = match.end()
    return end


class _Bodies(dict[str, int]):
    """Body count by an entry's postings tail."""

    def __missing__(self, tail: str) -> int:
        self[tail] = count = body_count(tail)
        return count


_BODIES = _Bodies()
WINDOW = 2048  # characters of positions tokenised at a time


def advance(positions: str, offset: int, bodies: Sequence[int], entry: int, stop_entry: int,
            stop_offset: int) -> tuple[int, int]:
    """From `entry`, which starts at `offset`, the first later entry that is `stop_entry` or starts
    at `stop_offset` or after: (entry, start); (len(bodies), end) if none. Tokenised a window at a
    time in C; the loop only adds counts."""
    window = WINDOW
    total = len(bodies)
    while entry < total:
        end = min(len(positions), offset + window)
        tokens = _TOKEN_RE.findall(positions, offset, end)
        values = list(map(_VARINT.__getitem__, tokens))
        ends = [0, *accumulate(map(len, tokens))]
        i, n, started, stop = 0, len(tokens), entry, stop_offset - offset
        while entry < total and i < n:
            j = i + 1 + values[i] + bodies[entry]
            if j > n:
                break
            i = j
            entry += 1
            if entry == stop_entry or ends[i] >= stop:
                return entry, offset + ends[i]
        if entry < total:
            if end == len(positions) and entry == started:
                raise Mismatch("positions end early")
            offset += ends[i]
            window = window if entry > started else window * 2
    return entry, offset


@dataclass
class KeyData:
    """One key as the index holds it: entries in id order, the positions and where they are cut."""

    docs: list[int]
    tails: list[str]  # each entry's postings without its id delta
    positions: str | None
    cuts: list[tuple[int, int]] | None  # (entry, offset) where a positions file starts; None if one

    @classmethod
    def parse(cls, postings: str, positions: str | None, cuts: list[tuple[int, int]] | None) -> KeyData:
        pairs = _ENTRY_RE.findall(postings)
        deltas, tails = ([*column] for column in zip(*pairs, strict=True)) if pairs else ([], [])
        if sum(map(len, deltas)) + sum(map(len, tails)) != len(postings):
            raise Mismatch("postings do not parse")
        docs = list(accumulate(map(_VARINT.__getitem__, deltas), initial=-1))[1:]
        return cls(docs, tails, positions, cuts)

    @property
    def postings(self) -> str:
        deltas = list(map(sub, self.docs, [-1, *self.docs[:-1]]))
        encode = _SMALL.__getitem__ if not deltas or max(deltas) < 32768 else _encode
        return "".join(map(str.__add__, map(encode, deltas), self.tails))

    def _start(self, entry: int, bodies: list[int]) -> int:
        """Byte offset of an entry's positions: walked from the last cut before it."""
        assert self.positions is not None
        cuts = self.cuts or [(0, 0)]
        first, offset = cuts[bisect_right(cuts, (entry, len(self.positions) + 1)) - 1]
        if first < entry:
            at, offset = advance(self.positions, offset, bodies, first, entry, len(self.positions) + 1)
            if at != entry:
                raise Mismatch("positions end early")
        return offset

    def splice(self, edits: Sequence[tuple[int, tuple[str, str | None] | None, tuple[str, str | None] | None]],
               heavy: int) -> None:
        """Replace documents' entries: (doc, old (tail, positions) or None, new or None), in any order.

        Raises Mismatch when an old entry is not what the index holds."""
        edits = sorted(edits)
        has_positions = self.positions is not None or any(
            e[2] is not None and e[2][1] is not None for e in edits)
        if self.positions is None and has_positions:
            if self.docs:
                raise Mismatch("positions missing")
            self.positions = ""
        # where each edit is, in the old data, before anything moves
        located = []
        bodies = list(map(_BODIES.__getitem__, self.tails)) if self.positions is not None else []
        for doc, old, new in edits:
            i = bisect_left(self.docs, doc)
            present = i < len(self.docs) and self.docs[i] == doc
            if present != (old is not None) or (old is not None and self.tails[i] != old[0]):
                raise Mismatch(f"entry of document {doc}")
            if has_positions and any(e is not None and e[1] is None for e in (old, new)):
                raise Mismatch("an entry without positions")
            span = None
            if self.positions is not None:
                start = self._start(i, bodies)
                end = entry_end(self.positions, start, body_count(old[0])) if old is not None else start
                if old is not None and self.positions[start:end] != old[1]:
                    raise Mismatch(f"positions of document {doc}")
                span = (start, end)
            located.append((i, span, doc, old, new))
        first = located[0][0] if located else 0
        resume = located[0][1][0] if located and located[0][1] else 0  # where entry `first` starts, still
        last = max((i if old is not None else i - 1 for i, _, _, old, _ in located), default=-1)
        grown = 0  # entries added, net
        moved = 0  # positions bytes added, net
        for i, span, doc, old, new in reversed(located):  # back to front: earlier offsets stay valid
            if old is not None and new is not None:
                self.tails[i] = new[0]
            elif old is not None:
                del self.docs[i], self.tails[i]
            elif new is not None:
                self.docs.insert(i, doc)
                self.tails.insert(i, new[0])
            grown += (new is not None) - (old is not None)
            if span is not None and self.positions is not None:
                text = (new[1] or "") if new is not None else ""
                self.positions = self.positions[:span[0]] + text + self.positions[span[1]:]
                moved += len(text) - (span[1] - span[0])
        if self.positions is not None:
            self.cuts = self._recut(first, resume, last, grown, moved, heavy)
            if not self.docs:
                self.positions = None

    def _recut(self, first: int, resume: int, last: int, grown: int, moved: int,
               heavy: int) -> list[tuple[int, int]] | None:
        """search_columns.positions_cuts for the new positions, walking only from the last cut before the
        first edit until a cut falls on an old one past the last edit (the rest then only moves).

        `first` and `last` are old entry indices: the first edited, the last old entry touched."""
        assert self.positions is not None
        if len(self.positions) <= heavy:
            return None
        old = self.cuts or [(0, 0)]
        # a cut at an entry before the first edit stays: the bytes before it did not move
        cuts = old[:max(1, bisect_left(old, (first, -1)))]
        old_at = dict(old)
        total = len(self.docs)
        target = cuts[-1][1] + heavy
        bodies = list(map(_BODIES.__getitem__, self.tails))
        # the entries between that cut and the first edit all start before `target` (else one of
        # them would have been cut), so the walk may start at the first edit
        entry, offset = (first, resume) if first > cuts[-1][0] else cuts[-1]
        while entry < total:
            if offset >= target and entry > cuts[-1][0]:
                cuts.append((entry, offset))
                target = offset + heavy
                if entry - grown > last and old_at.get(entry - grown) == offset - moved:
                    cuts += [(e + grown, o + moved) for e, o in old if e > entry - grown]
                    break
            entry, offset = advance(self.positions, offset, bodies, entry, total, target)
        return cuts if len(cuts) > 1 else None
