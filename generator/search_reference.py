"""The search keys' rules stated a document at a time: the reference the build's numpy code is
held equal to.

The build makes a part's keys for all its documents at once: pairs, triples and Latin/digit runs with
search_vector, phrase keys with search_phrase_vector. What they must make is stated here in plain
Python, one document after another: `occurrences` finds a text's pairs and triples, search_phrases
its phrases, `add_document` appends a document's entries to the key states; `unit_keys` and
`phrase_keys` do so for a whole part. tests/test_search_vector.py and tests/test_search_phrase_vector.py
compare the two on random and real texts, so a change of rule is made here first. Parts are joined by
search_columns with array operations; `join` and `join_phrases` state that a key at a time, on the
parts' dict states (tests/test_search_columns.py holds the two equal).
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Collection, Sequence

from generator import search_phrases
from generator.search_analysis import (
    ALPHABET,
    CHUNK,
    HEAVY,
    MAX_CHUNKS,
    SMALL,
    Joined,
    KeyState,
    Part,
    _varint,
    no_gc,
    varint,
)
from generator.search_columns import positions_cuts
from generator.search_phrase_vector import Words
from generator.search_text import CJK, UNIT_RE, fold

Folded = Sequence[tuple[str, set[int], str, set[int]]]  # per document: title, word starts, body, word starts

_CHAR = [ALPHABET[i:i + 1] for i in range(64)]
_ALONE = [SMALL[0] + v for v in SMALL]  # positions of a key once in the body, not in the title


def encode_positions(values: Sequence[int]) -> bytes:
    """Offsets as deltas, each with its two word-boundary bits."""
    if len(values) == 1:
        return _varint(values[0])
    return b"".join([_varint(v - (p & -4)) for p, v in zip([0, *values], values, strict=False)])


_RUN_RE = re.compile(f"(?:{UNIT_RE.pattern})+")  # adjacent units
_LATIN_RE = re.compile("[^" + CJK + "]")


def occurrences(folded: str, starts: set[int]) -> tuple[dict[str, list[int]], dict[str, list[int]], set[str]]:
    """Pairs and Latin/digit runs, then triples: key -> [offset * 4 + (a word starts here) * 2
    + (a word ends with the key)], in text order; and the keys seen at least once as whole words.

    Text is taken a run of adjacent units at a time; in a run of CJK characters only (most of a
    Chinese text) every character is a unit, so its pairs and triples are plain slices.
    """
    found: dict[str, list[int]] = {}
    triples: dict[str, list[int]] = {}
    whole: set[str] = set()
    boundary = bytearray(len(folded) + 1)
    for offset in starts:
        if offset <= len(folded):
            boundary[offset] = 1
    for run in _RUN_RE.finditer(folded):
        start, end = run.span()
        if _LATIN_RE.search(folded, start, end):
            _mixed_run(folded, start, end, boundary, found, triples, whole)
            continue
        for keys, width in ((found, 2), (triples, 3)):
            get = keys.get
            text = run.group()
            for i in range(end - start - width + 1):
                key = text[i:i + width]
                code = (start + i) * 4 + boundary[start + i] * 2 + boundary[start + i + width]
                seen = get(key)
                if seen is None:
                    keys[key] = [code]
                else:
                    seen.append(code)
                if code & 3 == 3:
                    whole.add(key)
    return found, triples, whole


def _mixed_run(folded: str, first: int, last: int, boundary: bytearray, found: dict[str, list[int]],
               triples: dict[str, list[int]], whole: set[str]) -> None:
    """A run of adjacent units with Latin/digit runs in it, unit by unit."""
    matches = [(m.start(), m.end(), m.group()) for m in UNIT_RE.finditer(folded, first, last)]
    for i, (start, end, text) in enumerate(matches):
        code = start * 4 + boundary[start] * 2
        keys: list[tuple[dict[str, list[int]], str, int]] = []
        if text[0] < "\u3400":  # a Latin/digit run is a key of its own
            keys.append((found, text, end))
        if i + 1 < len(matches):
            keys.append((found, text + matches[i + 1][2], matches[i + 1][1]))
            if i + 2 < len(matches):
                keys.append((triples, text + matches[i + 1][2] + matches[i + 2][2], matches[i + 2][1]))
        for table, key, key_end in keys:
            value = code + boundary[key_end]
            table.setdefault(key, []).append(value)
            if value & 3 == 3:
                whole.add(key)


def unit_keys(folded: Folded) -> dict[str, KeyState]:
    """What search_vector.unit_columns makes of a part: pairs and Latin/digit runs, postings only; triples
    with positions."""
    keys: dict[str, KeyState] = {}
    for doc, (title, title_starts, body, body_starts) in enumerate(folded):
        in_title, triples_title, whole_title = occurrences(title, title_starts)
        in_body, triples_body, whole_body = occurrences(body, body_starts)
        whole = whole_title | whole_body
        add_document(keys, doc, in_title, in_body, whole, False)
        add_document(keys, doc, triples_title, triples_body, whole, True)
    return keys


def phrase_keys(texts: Sequence[tuple[str, str]], words: Words, frequent: Collection[str]) -> dict[str, KeyState]:
    """What search_phrase_vector.phrase_columns makes of a part's documents (title, body), given their
    word lengths and the frequent triples: phrase keys with postings only, edge keys with positions."""
    keys: dict[str, KeyState] = {}
    for doc, ((title, body), (title_words, body_words)) in enumerate(zip(texts, words, strict=True)):
        folded = fold(title), fold(body)
        starts = search_phrases.starts(title_words), search_phrases.starts(body_words)
        for rule, positions in ((search_phrases.phrases, False), (search_phrases.edges, True)):
            in_title, whole_title = rule(folded[0], starts[0], frequent)
            in_body, whole_body = rule(folded[1], starts[1], frequent)
            add_document(keys, doc, in_title, in_body, whole_title | whole_body, positions)
    return keys


def add_document(keys: dict[str, KeyState], doc: int, in_title: dict[str, list[int]],
                 in_body: dict[str, list[int]], whole: set[str], positions: bool) -> None:
    """One entry per key: id delta, flags (1 in title, 2 whole word, 4-16 chunk of the first body
    match, 32 a body count other than 1 follows as a varint), and with `positions` (triples: every
    triple holds a CJK unit) the key's offsets (title count, title, body). Triples are rarer than
    pairs, so proving a longer phrase by the positions of triples loads fewer of them."""
    get, title_get, small, char, alone = keys.get, in_title.get, SMALL, _CHAR, _ALONE
    for key, only in in_title.items():
        if key not in in_body:
            _add_entry(keys, key, doc, char[33 | (2 if key in whole else 0)] + small[0],
                       small[len(only)] + encode_positions(only) if positions else None)
    for key, b in in_body.items():
        n = len(b)
        offset = b[0] >> 2
        flags = (28 if offset >= CHUNK * (MAX_CHUNKS - 1) else offset // CHUNK << 2) | (2 if key in whole else 0)
        t = title_get(key)
        if t is not None:
            flags |= 1
        tail = char[flags] if n == 1 else char[flags | 32] + _varint(n)
        if not positions:
            state = get(key)
            if state is None:
                keys[key] = [doc, doc, 1, bytearray(tail), None, None]
            else:
                postings = state[3]
                postings += small[doc - state[1]]
                postings += tail
                state[1] = doc
                state[2] += 1
            continue
        if t is not None:
            entry = small[len(t)] + encode_positions(t) + encode_positions(b)
        elif n == 1 and b[0] < 32768:
            entry = alone[b[0]]
        else:
            entry = small[0] + encode_positions(b)
        state = get(key)
        if state is None:
            keys[key] = [doc, doc, 1, bytearray(tail), bytearray(entry), None]
            continue
        postings = state[3]
        postings += small[doc - state[1]]
        postings += tail
        state[1] = doc
        state[2] += 1
        buffer = state[4]
        starts = state[5]
        if starts is None:
            state[5] = array("I", (0, len(buffer)))
        else:
            starts.append(len(buffer))
        buffer += entry


def _add_entry(keys: dict[str, KeyState], key: str, doc: int, tail: bytes, positions: bytes | None) -> None:
    state = keys.get(key)
    if state is None:
        keys[key] = [doc, doc, 1, bytearray(tail), None if positions is None else bytearray(positions), None]
        return
    state[3] += SMALL[doc - state[1]] + tail
    state[1] = doc
    state[2] += 1
    if positions is not None:
        if state[5] is None:
            state[5] = array("I", (0, len(state[4])))
        else:
            state[5].append(len(state[4]))
        state[4] += positions


def join(parts: Sequence[Part], heavy: int = HEAVY) -> Joined:
    """Parts in document order make the index of all their documents; positions are cut for
    files of their own every `heavy` bytes or so."""
    with no_gc():
        return _join(parts, heavy)


def _join(parts: Sequence[Part], heavy: int) -> Joined:
    keys: dict[str, list] = {}  # type: ignore[type-arg]
    pieces: dict[str, list[tuple[int, int, array[int] | None]]] = {}
    vocabulary: set[str] = set()
    base = 0
    for part in parts:
        vocabulary |= part.vocabulary
        _append(keys, pieces, part.keys, base)
        base += part.documents
    _cut_all(keys, pieces, heavy)
    return Joined(keys, vocabulary)


def _cut_all(keys: dict[str, list], pieces: dict[str, list[tuple[int, int, array[int] | None]]],  # type: ignore[type-arg]
             heavy: int) -> None:
    for key, state in keys.items():
        if len(state[3]) > heavy:
            state[4] = positions_cuts(pieces[key], heavy)


def join_phrases(joined: Joined, parts: Sequence[Part], phrases: Sequence[dict[str, KeyState]],
                 heavy: int = HEAVY) -> None:
    """Each part's phrase keys (phase 2) into the joined index: no key in common with the pairs and
    triples, so appended after them; the edge keys' positions cut as the triples' are."""
    base = 0
    edges: dict[str, list[tuple[int, int, array[int] | None]]] = {}
    with no_gc():
        for part, keys in zip(parts, phrases, strict=True):
            _append(joined.keys, edges, keys, base)
            base += part.documents
        _cut_all({key: joined.keys[key] for key in edges}, edges, heavy)


def _append(keys: dict[str, list], pieces: dict[str, list[tuple[int, int, array[int] | None]]],  # type: ignore[type-arg]
            part: dict[str, KeyState], base: int) -> None:
    """One part's keys after those of the parts before it, whose documents end at `base`."""
    get = keys.get
    for key, (first, last, count, postings, positions, starts) in part.items():
        state = get(key)
        if state is None:
            state = keys[key] = [-1, 0, bytearray(), bytearray(), None]
            if positions is not None:
                pieces[key] = []
        delta = base + first - state[0]
        state[2] += SMALL[delta] if delta < 32768 else varint(delta)
        state[2] += postings
        if positions is not None:
            pieces[key].append((state[1], len(state[3]), starts))
            state[3] += positions
        state[0] = base + last
        state[1] += count
