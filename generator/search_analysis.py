"""The search index's text work, done in parts that can run in parallel and be kept between builds.

Documents are taken in parts: a run of at most PART_DOCS documents of one month. A part is analysed
on its own into what its documents add to every pair and triple (postings and positions, encoded,
document ids counted from the part's first), which depends only on the part's texts and the words
jieba knows. Parts are analysed by forked workers when there are several to do, kept in
SITE/.cache/search/ by a hash of their texts, and joined in document order; so the index is the same
byte for byte as one made document by document, and an edit makes one part again instead of the
whole archive. A second phase adds the phrase keys (search_phrases): the joined counts give the
triples frequent in the whole archive, then each part, again in workers, finds its phrase keys from
its texts and the word lengths the part kept; they are kept beside the part, by a digest of the
frequent triples it holds, so they are made again only when one of those changes.
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
import pickle
import re
import tempfile
from array import array
from bisect import bisect_left
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypeVar

from generator import search_groups, search_phrases, search_vector, segment
from generator.search_text import CJK, UNIT_RE, fold, t2s_table

VERSION = "4"  # bump when what a part holds changes: it empties the cache
PART_DOCS = 512
PARALLEL_FROM = 300  # documents to analyse before starting workers pays
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


SMALL = [varint(v) for v in range(1 << 15)]
_CHAR = [ALPHABET[i:i + 1] for i in range(64)]
_ALONE = [SMALL[0] + v for v in SMALL]  # positions of a key once in the body, not in the title


def _varint(value: int) -> bytes:
    return SMALL[value] if value < 32768 else varint(value)


def encode_positions(values: Sequence[int]) -> bytes:
    """Offsets as deltas, each with its two word-boundary bits."""
    if len(values) == 1:
        return _varint(values[0])
    return b"".join([_varint(v - (p & -4)) for p, v in zip([0, *values], values, strict=False)])


_RUN_RE = re.compile(f"(?:{UNIT_RE.pattern})+")  # adjacent units
_LATIN_RE = re.compile("[^" + CJK + "]")

Cut = Callable[[str], list[str]]
T = TypeVar("T")
# Per key, within a part: [first doc, last doc, entries, postings (the first entry without its id
# delta), positions or None, start of each positions entry (None while there is one entry)]
KeyState = list  # type: ignore[type-arg]


@dataclass(frozen=True)
class Part:
    documents: int
    vocabulary: frozenset[str]
    keys: dict[str, KeyState]  # pairs, triples, Latin/digit runs (phrase keys come in phase 2)
    words: tuple[tuple[search_phrases.Lengths, search_phrases.Lengths], ...] = ()  # per document, for phase 2


# occurrences and _mixed_run state the key rules a document at a time; the build makes the pair and
# triple keys of a whole part with search_vector, which tests/test_search_vector.py holds equal to them.
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
    keys: dict[str, KeyState] = {}
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
    keys.update(search_vector.unit_keys(folded))  # what occurrences and _add_document make, with numpy
    return Part(len(texts), frozenset(vocabulary), keys, tuple(words))


def phrase_keys(texts: Sequence[tuple[str, str]], part: Part, frequent: Collection[str]) -> dict[str, KeyState]:
    """Phase 2: the phrase keys of a part's documents (search_phrases), given the archive's
    frequent triples; entries as every key's, postings only."""
    keys: dict[str, KeyState] = {}
    with no_gc():
        for doc, (in_title, in_body, whole) in enumerate(search_phrases.documents(texts, part.words, frequent)):
            _add_document(keys, doc, in_title, in_body, whole, False)
    return keys


def _add_document(keys: dict[str, KeyState], doc: int, in_title: dict[str, list[int]],
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


@dataclass
class Joined:
    """The whole index's keys, as search_index writes them: key -> [last doc id, entry count,
    postings, positions, positions part cuts]; every character of the folded text; and the triples
    its phrase keys are made of, frequent from `least` documents (search_phrases). Held at once:
    what join() makes of parts in memory (tests, a small archive); a build streams (Streamed)."""

    keys: dict[str, list]  # type: ignore[type-arg]
    vocabulary: set[str]
    frequent: frozenset[str] = frozenset()
    least: int = 0

    def groups(self) -> Iterator[dict[str, list]]:  # type: ignore[type-arg]
        """The keys by hash group (search_groups), in group order."""
        yield from search_groups.grouped(self.keys)


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
            state[4] = _cuts(pieces[key], heavy)


def join_phrases(joined: Joined, parts: Sequence[Part], phrases: Sequence[dict[str, KeyState]]) -> None:
    """Each part's phrase keys (phase 2) into the joined index: postings only, and no key in
    common with the pairs and triples, so appended after them."""
    base = 0
    with no_gc():
        for part, keys in zip(parts, phrases, strict=True):
            _append(joined.keys, {}, keys, base)
            base += part.documents


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


def _cuts(pieces: list[tuple[int, int, array[int] | None]], heavy: int) -> list[tuple[int, int]] | None:
    """Where a positions file may start: the first entry at least `heavy` bytes past the last cut."""
    cuts = [(0, 0)]
    for entry, offset, starts in pieces:
        local = starts if starts is not None else (0,)
        while True:
            j = bisect_left(local, cuts[-1][1] + heavy - offset)
            if j == len(local):
                break
            cuts.append((entry + j, offset + local[j]))
    return cuts if len(cuts) > 1 else None


# ---- parts: which documents, the cache, the workers ----------------------------------------------


def part_bounds(months: Sequence[str]) -> list[tuple[int, int]]:
    """[start, end) document ranges: a new part at each month and after PART_DOCS documents."""
    bounds: list[tuple[int, int]] = []
    start = 0
    for doc in range(1, len(months) + 1):
        if doc == len(months) or months[doc] != months[start] or doc - start == PART_DOCS:
            bounds.append((start, doc))
            start = doc
    return bounds


@cache
def _code() -> bytes:
    """This module, the text rules and the 繁→简 table: a part is made again when any changes."""
    here = Path(__file__).resolve().parent
    table = "".join(f"{k}{v}" for k, v in sorted(t2s_table().items()))
    names = ("search_analysis.py", "search_phrases.py", "search_text.py", "search_vector.py")
    return b"".join([(here / name).read_bytes() for name in names] + [table.encode("utf-8")])


def part_name(texts: Sequence[tuple[str, str]], engine: str) -> str:
    digest = hashlib.blake2b(f"{VERSION}:{engine}:{CHUNK}".encode(), digest_size=20)
    digest.update(_code())
    for title, body in texts:
        for text in (title, body):
            data = text.encode("utf-8")
            digest.update(len(data).to_bytes(8, "little"))
            digest.update(data)
    return digest.hexdigest()


class PartCache:
    """Parts in one file each under SITE/.cache/search/, with the dictionary they were made with:
    their keys split into hash groups (search_groups), so that the index is joined a group at a time.

    A part made with another dictionary of the same total is still exact if none of its texts holds
    a word that differs between the two (see generator.segment on why the total is kept fixed).
    """

    def __init__(self, folder: Path, dictionary: segment.UserDictionary) -> None:
        self.folder = folder
        self.dictionary = dictionary
        self._changed: dict[tuple[tuple[str, int], ...], frozenset[str]] = {}

    def _path(self, name: str) -> Path:
        return self.folder / f"{name}.pickle"

    def get(self, name: str, texts: Sequence[tuple[str, str]]) -> frozenset[str] | None:
        """The vocabulary of a kept part that is still exact for `texts`, or None."""
        about = search_groups.about(self._path(name))
        if about is None or len(about) != 5 or about[0] != self.dictionary.total:
            return None
        words, vocabulary = about[1], about[3]
        if words != self.dictionary.words:
            changed = self._changed.get(words)
            if changed is None:
                changed = self._changed[words] = segment.UserDictionary(words).changed(self.dictionary)
            folded = [fold(text) for pair in texts for text in pair]
            if any(word in text for word in changed for text in folded):
                return None
        return vocabulary if isinstance(vocabulary, frozenset) else None

    def put(self, name: str, part: Part) -> None:
        about = (self.dictionary.total, self.dictionary.words, part.documents, part.vocabulary, part.words)
        search_groups.write(self._path(name), about, search_groups.grouped(part.keys))

    def part(self, name: str) -> Part:
        """A kept part without its keys (phase 2 reads only its word lengths)."""
        about = search_groups.about(self._path(name))
        if about is None:
            raise FileNotFoundError(self._path(name))
        return Part(about[2], about[3], {}, about[4])

    def keys(self, name: str, group: int) -> dict[str, KeyState]:
        return search_groups.group(self._path(name), group)

    def phrases(self, name: str, made_from: str) -> bool:
        """Whether a part's phrase keys (phase 2) are kept, made from the same digest (search_phrases)."""
        return search_groups.about(self._path(name + PHRASES)) == (made_from,)

    def put_phrases(self, name: str, made_from: str, keys: dict[str, KeyState]) -> None:
        search_groups.write(self._path(name + PHRASES), (made_from,), search_groups.grouped(keys))

    def phrase_keys(self, name: str, group: int) -> dict[str, KeyState]:
        return search_groups.group(self._path(name + PHRASES), group)

    def keep_only(self, names: set[str]) -> None:
        """Remove the parts no document uses any more, with their phrase keys."""
        for path in self.folder.glob("*.pickle"):
            if path.name.split(".", 1)[0] not in names:
                path.unlink(missing_ok=True)


PHRASES = ".phrases"  # a part's phrase keys are kept beside it, under its name and this


def _cut_with(segmenter: segment.Segmenter) -> Cut:
    engine = segmenter.engine

    def cut(text: str) -> list[str]:
        return engine.cut(text) if text else []
    return cut


def contributions(texts: Sequence[tuple[str, str]], frequent: Collection[str]
                  ) -> tuple[list[dict[str, tuple[str, str | None]]], set[str]]:
    """What each document (title, body) adds to each key on its own, phrase keys made of the
    archive's `frequent` triples included: (its postings entry without the id delta, its positions
    entry or None), as text; and the characters of their folded texts."""
    cut = _cut_with(segment.current())
    entries: list[dict[str, tuple[str, str | None]]] = []
    vocabulary: set[str] = set()
    for text in texts:
        part = analyse([text], cut)
        vocabulary |= part.vocabulary
        keys = {**part.keys, **phrase_keys([text], part, frequent)}
        entries.append({key: (state[3].decode("ascii"), None if state[4] is None else state[4].decode("ascii"))
                        for key, state in keys.items()})
    return entries, vocabulary


@dataclass
class Streamed:
    """The whole index's keys as Joined holds them, a hash group at a time: the pairs and triples
    of each group joined and cut (kept in `spill` until read), the parts' phrase keys of the group
    appended when it is read, and keys given whole (the filters) added to their group."""

    cache: PartCache
    names: list[str]
    documents: list[int]  # per part
    spill: tempfile.TemporaryDirectory  # type: ignore[type-arg]
    vocabulary: set[str]
    frequent: frozenset[str] = frozenset()
    least: int = 0
    extra: list[dict[str, list]] | None = None  # type: ignore[type-arg]

    def include(self, keys: dict[str, list]) -> None:  # type: ignore[type-arg]
        """Keys no text makes (search_index's filters), whole."""
        self.extra = search_groups.grouped(keys)

    def groups(self) -> Iterator[dict[str, list]]:  # type: ignore[type-arg]
        """Each group's keys once, in group order; the spill is gone when the last is read."""
        try:
            for group in range(search_groups.GROUPS):
                path = Path(self.spill.name) / f"{group}.pickle"
                with no_gc():
                    keys = pickle.loads(path.read_bytes())
                    path.unlink()
                    base = 0
                    for name, documents in zip(self.names, self.documents, strict=True):
                        _append(keys, {}, self.cache.phrase_keys(name, group), base)
                        base += documents
                    keys.update(self.extra[group] if self.extra else {})
                yield keys
                del keys
        finally:
            self.spill.cleanup()


def analysed(texts: Sequence[tuple[str, str]], months: Sequence[str], heavy: int = HEAVY,
             workers: int | None = None) -> Streamed:
    """The index of documents (title, body) in id order; `months` (YYYY-MM of each) bounds the parts.

    Two phases, each part by part: pairs and triples, which give every triple's document count;
    then, given the triples frequent in the whole archive, the phrase keys (search_phrases).
    Tokens come from the configured segmenter's engine; its token cache is not used here (the parts
    are kept instead), which keeps forked workers away from its SQLite file. Workers keep what they
    make on disk and hand back only a part's vocabulary: a part returned pickled to the parent
    would be held twice; and between the phases the parts are joined a hash group at a time.
    """
    segmenter = segment.current()
    cut = _cut_with(segmenter)
    bounds = part_bounds(months)
    spill = tempfile.TemporaryDirectory(prefix="xinyu-search-")
    folder = segmenter.cache_path.parent / "search" if segmenter.cache_path else Path(spill.name) / "parts"
    cache = PartCache(folder, segmenter.dictionary)
    names = [part_name(texts[start:end], segmenter.engine_name) for start, end in bounds]
    workers = workers if workers is not None else min(os.cpu_count() or 1, 8)

    def part(i: int) -> frozenset[str]:
        made = analyse(texts[bounds[i][0]:bounds[i][1]], cut)
        cache.put(names[i], made)
        return made.vocabulary

    vocabularies = [cache.get(name, texts[start:end]) for name, (start, end) in zip(names, bounds, strict=True)]
    for i, made in _each(part, [i for i, v in enumerate(vocabularies) if v is None], bounds, workers):
        vocabularies[i] = made
    least = search_phrases.least(len(texts))
    held = _join_groups(cache, names, bounds, Path(spill.name), heavy, least)
    frequent = frozenset(triple for triples in held for triple in triples)
    digests = [search_phrases.digest(h, cache.part(name).words) for h, name in zip(held, names, strict=True)]

    def phrases(i: int) -> None:
        texts_i = texts[bounds[i][0]:bounds[i][1]]
        cache.put_phrases(names[i], digests[i], phrase_keys(texts_i, cache.part(names[i]), frozenset(held[i])))

    todo = [i for i, (name, digest) in enumerate(zip(names, digests, strict=True)) if not cache.phrases(name, digest)]
    for _ in _each(phrases, todo, bounds, workers):
        pass
    if segmenter.cache_path:
        cache.keep_only(set(names))
    vocabulary = set().union(*(v for v in vocabularies if v is not None))
    return Streamed(cache, names, [end - start for start, end in bounds], spill, vocabulary, frequent, least)


def _join_groups(cache: PartCache, names: list[str], bounds: Sequence[tuple[int, int]], spill: Path,
                 heavy: int, least: int) -> list[list[str]]:
    """Phase 1 joined a hash group at a time, each kept in `spill`: returns the frequent triples
    each part holds, sorted (search_phrases.held), which its phrase keys are made of."""
    held: list[list[str]] = [[] for _ in names]
    for group in range(search_groups.GROUPS):
        with no_gc():
            keys: dict[str, list] = {}  # type: ignore[type-arg]
            pieces: dict[str, list[tuple[int, int, array[int] | None]]] = {}
            parts = [cache.keys(name, group) for name in names]
            for part_keys, (start, _) in zip(parts, bounds, strict=True):
                _append(keys, pieces, part_keys, start)
            _cut_all(keys, pieces, heavy)
            found = search_phrases.frequent(((key, state[1]) for key, state in keys.items()), least)
            for triples, part_keys in zip(held, parts, strict=True):
                triples += search_phrases.held(found, part_keys)
            del parts, pieces
            (spill / f"{group}.pickle").write_bytes(_pickled(keys))
            del keys
    return [sorted(triples) for triples in held]


def _pickled(value: object) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


# Forked workers inherit the work to do (and the texts it reads) instead of receiving it pickled.
_STATE: dict[str, Callable[[int], object]] = {}


def _forked(i: int) -> bytes:
    return _pickled(_STATE["work"](i))


def _each(work: Callable[[int], T], todo: list[int], bounds: Sequence[tuple[int, int]],
          workers: int) -> Iterator[tuple[int, T]]:
    """(i, work(i)) for each part i of `todo`: in forked workers when there are several parts and
    enough documents to pay for starting them."""
    if workers > 1 and len(todo) > 1 and sum(bounds[i][1] - bounds[i][0] for i in todo) >= PARALLEL_FROM:
        segment.flush()  # no SQLite connection crosses the fork
        _STATE["work"] = work
        try:
            with multiprocessing.get_context("fork").Pool(min(workers, len(todo))) as pool:
                for i, data in zip(todo, pool.imap(_forked, todo), strict=True):
                    yield i, pickle.loads(data)
        finally:
            _STATE.clear()
    else:
        for i in todo:
            yield i, work(i)
