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
from array import array
from bisect import bisect_left
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypeVar

from generator import search_phrase_vector, search_phrases, search_vector, segment
from generator.search_text import fold, t2s_table

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
    keys: dict[str, KeyState]  # pairs, triples, Latin/digit runs (phrase keys come in phase 2)
    words: tuple[tuple[search_phrases.Lengths, search_phrases.Lengths], ...] = ()  # per document, for phase 2


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
    keys.update(search_vector.unit_keys(folded))  # what search_reference.unit_keys makes, with numpy
    return Part(len(texts), frozenset(vocabulary), keys, tuple(words))


def phrase_keys(texts: Sequence[tuple[str, str]], part: Part, frequent: Collection[str]) -> dict[str, KeyState]:
    """Phase 2: the phrase keys of a part's documents (search_phrases), given the archive's
    frequent triples; entries as every key's, postings only. Made for the whole part at once with
    numpy (search_phrase_vector), which tests/test_search_phrase_vector.py holds equal to the rules
    taken document by document (search_reference.phrase_keys)."""
    with no_gc():
        return search_phrase_vector.phrase_keys(texts, part.words, frequent)


@dataclass
class Joined:
    """The whole index's keys, as search_index writes them: key -> [last doc id, entry count,
    postings, positions, positions part cuts]; every character of the folded text; and the triples
    its phrase keys are made of, frequent from `least` documents (search_phrases)."""

    keys: dict[str, list]  # type: ignore[type-arg]
    vocabulary: set[str]
    frequent: frozenset[str] = frozenset()
    least: int = 0


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
    for key, state in keys.items():
        if len(state[3]) > heavy:
            state[4] = _cuts(pieces[key], heavy)
    return Joined(keys, vocabulary)


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
    names = ("search_analysis.py", "search_phrase_vector.py", "search_phrases.py", "search_text.py",
             "search_vector.py")
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
    """Parts in one file each under SITE/.cache/search/, with the dictionary they were made with.

    A part made with another dictionary of the same total is still exact if none of its texts holds
    a word that differs between the two (see generator.segment on why the total is kept fixed).
    """

    def __init__(self, folder: Path, dictionary: segment.UserDictionary) -> None:
        self.folder = folder
        self.dictionary = dictionary
        self._changed: dict[tuple[tuple[str, int], ...], frozenset[str]] = {}

    def get(self, name: str, texts: Sequence[tuple[str, str]]) -> Part | None:
        try:
            with open(self.folder / f"{name}.pickle", "rb") as handle:
                total, words, part = pickle.load(handle)
        except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError, ValueError):
            return None
        if not isinstance(part, Part) or total != self.dictionary.total:
            return None
        if words != self.dictionary.words:
            changed = self._changed.get(words)
            if changed is None:
                changed = self._changed[words] = segment.UserDictionary(words).changed(self.dictionary)
            folded = [fold(text) for pair in texts for text in pair]
            if any(word in text for word in changed for text in folded):
                return None
        return part

    def phrases(self, name: str, made_from: str) -> dict[str, KeyState] | None:
        """A part's phrase keys (phase 2), if kept and made from the same digest (search_phrases)."""
        try:
            with open(self.folder / f"{name}{PHRASES}.pickle", "rb") as handle:
                digest, keys = pickle.load(handle)
        except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError, ValueError):
            return None
        return keys if digest == made_from and isinstance(keys, dict) else None

    def put(self, name: str, data: bytes) -> None:
        """Keep a part (`name`) or its phrase keys (`name` + PHRASES)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        temp = self.folder / f"{name}.tmp{os.getpid()}"
        temp.write_bytes(data)
        os.replace(temp, self.folder / f"{name}.pickle")

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


def analysed(texts: Sequence[tuple[str, str]], months: Sequence[str], heavy: int = HEAVY,
             workers: int | None = None) -> Joined:
    """The index of documents (title, body) in id order; `months` (YYYY-MM of each) bounds the parts.

    Two phases, each part by part: pairs and triples, which give every triple's document count;
    then, given the triples frequent in the whole archive, the phrase keys (search_phrases).
    Tokens come from the configured segmenter's engine; its token cache is not used here (the parts
    are kept instead), which keeps forked workers away from its SQLite file.
    """
    segmenter = segment.current()
    cut = _cut_with(segmenter)
    dictionary = segmenter.dictionary
    bounds = part_bounds(months)
    folder = segmenter.cache_path.parent / "search" if segmenter.cache_path else None
    cache = PartCache(folder, dictionary) if folder else None
    names = [part_name(texts[start:end], segmenter.engine_name) for start, end in bounds]
    workers = workers if workers is not None else min(os.cpu_count() or 1, 8)

    def part(i: int) -> tuple[int, tuple[tuple[str, int], ...], Part]:
        """As PartCache keeps it: with the dictionary it was made with."""
        return dictionary.total, dictionary.words, analyse(texts[bounds[i][0]:bounds[i][1]], cut)

    parts: list[Part | None] = [cache.get(name, texts[start:end]) if cache else None
                                for name, (start, end) in zip(names, bounds, strict=True)]
    for i, made, data in _each(part, [i for i, p in enumerate(parts) if p is None], bounds, workers):
        parts[i] = made[2]
        if cache:
            cache.put(names[i], data or _pickled(made))
    done = [p for p in parts if p is not None]
    joined = join(done, heavy)

    joined.least = search_phrases.least(len(texts))
    joined.frequent = search_phrases.frequent(((key, state[1]) for key, state in joined.keys.items()), joined.least)
    held = [frozenset(search_phrases.held(joined.frequent, p.keys)) for p in done]
    digests = [search_phrases.digest(h, p.words) for h, p in zip(held, done, strict=True)]

    def phrases(i: int) -> tuple[str, dict[str, KeyState]]:
        return digests[i], phrase_keys(texts[bounds[i][0]:bounds[i][1]], done[i], held[i])

    found: list[dict[str, KeyState] | None] = [cache.phrases(name, digest) if cache else None
                                               for name, digest in zip(names, digests, strict=True)]
    for i, made_phrases, data in _each(phrases, [i for i, p in enumerate(found) if p is None], bounds, workers):
        found[i] = made_phrases[1]
        if cache:
            cache.put(names[i] + PHRASES, data or _pickled(made_phrases))
    if cache:
        cache.keep_only(set(names))
    join_phrases(joined, done, [keys or {} for keys in found])
    return joined


def _pickled(value: object) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


# Forked workers inherit the work to do (and the texts it reads) instead of receiving it pickled.
_STATE: dict[str, Callable[[int], object]] = {}


def _forked(i: int) -> bytes:
    return _pickled(_STATE["work"](i))


def _each(work: Callable[[int], T], todo: list[int], bounds: Sequence[tuple[int, int]],
          workers: int) -> Iterator[tuple[int, T, bytes | None]]:
    """(i, work(i), that pickled if it was) for each part i of `todo`: in forked workers when there
    are several parts and enough documents to pay for starting them."""
    if workers > 1 and len(todo) > 1 and sum(bounds[i][1] - bounds[i][0] for i in todo) >= PARALLEL_FROM:
        segment.flush()  # no SQLite connection crosses the fork
        _STATE["work"] = work
        try:
            with multiprocessing.get_context("fork").Pool(min(workers, len(todo))) as pool:
                for i, data in zip(todo, pool.imap(_forked, todo), strict=True):
                    yield i, pickle.loads(data), data
        finally:
            _STATE.clear()
    else:
        for i in todo:
            yield i, work(i), None
