"""The search index made part by part: which documents, the cache of parts, the workers, the
joined index streamed a hash group at a time.

Documents are taken in parts: a run of at most PART_DOCS documents of one month. Parts are analysed
(search_analysis) by forked workers when there are several to do, kept in SITE/.cache/search/ by a
hash of their texts, their keys as columns (search_columns) split into hash groups (search_groups);
an edit makes one part again instead of the whole archive. A worker keeps what it made on disk and
hands back only the part's vocabulary: a part handed back pickled would be held twice. The parts are
then joined one hash group at a time (kept as columns until written), which gives every triple's
document count and so the triples frequent in the whole archive; given those, each part's phrase keys
(search_phrases) are made, again in workers, and kept beside the part by a digest of the frequent
triples it holds, so they are made again only when one of those changes. The writer (search_index)
reads the joined index a group at a time (Streamed).
"""

from __future__ import annotations

import hashlib
import itertools
import multiprocessing
import os
import pickle
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypeVar

from generator import search_analysis, search_columns, search_groups, search_phrases, segment
from generator.search_analysis import CHUNK, HEAVY, VERSION, Part, _cut_with, no_gc
from generator.search_columns import Columns
from generator.search_text import fold, t2s_table

PART_DOCS = 512
PARALLEL_FROM = 300  # documents to analyse before starting workers pays
# processes that join or write hash groups at once, each holding a group's keys: with two, a cold
# build of 100,000 articles peaked at 1.36 GB of PSS (the target is 1.5)
GROUP_WORKERS = 2
# parts a worker makes before a fresh one takes over: a long-lived worker's memory only grows (pages
# of the parent it touched, copied; its allocator's high-water mark), and it is counted per worker
RECYCLE = 8
T = TypeVar("T")


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
    names = ("search_analysis.py", "search_columns.py", "search_groups.py", "search_phrase_vector.py",
             "search_phrases.py", "search_text.py", "search_vector.py")
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
        search_groups.write(self._path(name), about, part.columns.grouped())

    def part(self, name: str) -> Part:
        """A kept part without its keys (phase 2 reads only its word lengths)."""
        about = search_groups.about(self._path(name))
        if about is None:
            raise FileNotFoundError(self._path(name))
        return Part(about[2], about[3], search_columns.empty(), about[4])

    def keys(self, name: str, group: int) -> Columns:
        return search_groups.group(self._path(name), group)

    def phrases(self, name: str, made_from: str) -> bool:
        """Whether a part's phrase keys (phase 2) are kept, made from the same digest (search_phrases)."""
        return search_groups.about(self._path(name + PHRASES)) == (made_from,)

    def put_phrases(self, name: str, made_from: str, keys: Columns) -> None:
        search_groups.write(self._path(name + PHRASES), (made_from,), keys.grouped())

    def phrase_keys(self, name: str, group: int) -> Columns:
        return search_groups.group(self._path(name + PHRASES), group)

    def keep_only(self, names: set[str]) -> None:
        """Remove the parts no document uses any more, with their phrase keys."""
        for path in self.folder.glob("*.pickle"):
            if path.name.split(".", 1)[0] not in names:
                path.unlink(missing_ok=True)


PHRASES = ".phrases"  # a part's phrase keys are kept beside it, under its name and this


@dataclass
class Streamed:
    """The whole index's keys as Joined holds them, a hash group at a time: the pairs and triples
    of each group joined and cut (kept in `spill` until read), the parts' phrase keys of the group
    appended when it is read, and keys given whole (the filters) added to their group. A group is
    read once, by the process that writes it (search_index); close() removes what is left."""

    cache: PartCache
    names: list[str]
    documents: list[int]  # per part
    spill: tempfile.TemporaryDirectory  # type: ignore[type-arg]
    vocabulary: set[str]
    frequent: frozenset[str] = frozenset()
    least: int = 0
    heavy: int = HEAVY  # positions are cut for files of their own every `heavy` bytes or so
    extra: list[dict[str, list]] | None = None  # type: ignore[type-arg]
    workers: int = 1  # processes that write its hash groups (search_index)

    def include(self, keys: dict[str, list]) -> None:  # type: ignore[type-arg]
        """Keys no text makes (search_index's filters), whole."""
        self.extra = search_groups.grouped(keys)

    def group(self, number: int) -> dict[str, list]:  # type: ignore[type-arg]
        """A group's keys, once (its spill is gone once read): in whichever process writes it."""
        path = Path(self.spill.name) / f"{number}.pickle"
        with no_gc():
            joined = pickle.loads(path.read_bytes())
            path.unlink()
            keys = joined.states()
            del joined
            bases = list(itertools.accumulate(self.documents, initial=0))[:-1]  # each part's first document
            keys.update(search_columns.join([(self.cache.phrase_keys(name, number), base)
                                             for name, base in zip(self.names, bases, strict=True)],
                                            self.heavy).states())
            keys.update(self.extra[number] if self.extra else {})
        return keys  # type: ignore[no-any-return]

    def close(self) -> None:
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
        made = search_analysis.analyse(texts[bounds[i][0]:bounds[i][1]], cut)
        cache.put(names[i], made)
        return made.vocabulary

    vocabularies = [cache.get(name, texts[start:end]) for name, (start, end) in zip(names, bounds, strict=True)]
    for i, made in _each(part, [i for i, v in enumerate(vocabularies) if v is None], bounds, workers):
        vocabularies[i] = made
    least = search_phrases.least(len(texts))
    held = _join_groups(cache, names, bounds, Path(spill.name), heavy, least, group_workers(len(texts), workers))
    frequent = frozenset(triple for triples in held for triple in triples)
    digests = [search_phrases.digest(h, cache.part(name).words) for h, name in zip(held, names, strict=True)]

    def phrases(i: int) -> None:
        keys = search_analysis.phrase_columns(texts[bounds[i][0]:bounds[i][1]], cache.part(names[i]),
                                              frozenset(held[i]))
        cache.put_phrases(names[i], digests[i], keys)

    todo = [i for i, (name, digest) in enumerate(zip(names, digests, strict=True)) if not cache.phrases(name, digest)]
    for _ in _each(phrases, todo, bounds, workers):
        pass
    if segmenter.cache_path:
        cache.keep_only(set(names))
    vocabulary = set().union(*(v for v in vocabularies if v is not None))
    return Streamed(cache, names, [end - start for start, end in bounds], spill, vocabulary, frequent, least, heavy,
                    workers=group_workers(len(texts), workers))


def _join_groups(cache: PartCache, names: list[str], bounds: Sequence[tuple[int, int]], spill: Path,
                 heavy: int, least: int, workers: int) -> list[list[str]]:
    """Phase 1 joined a hash group at a time, each kept in `spill`: returns the frequent triples
    each part holds, sorted (search_phrases.held), which its phrase keys are made of."""

    def join(group: int) -> list[list[str]]:
        with no_gc():
            parts = [cache.keys(name, group) for name in names]
            keys = search_columns.join([(part, start) for part, (start, _) in zip(parts, bounds, strict=True)], heavy)
            found = frozenset(filter(search_phrases.is_triple, keys.frequent(least)))  # search_phrases.frequent
            held = [search_phrases.held(found, set(part.names)) for part in parts]
            del parts
            (spill / f"{group}.pickle").write_bytes(_pickled(keys))
            return held

    held: list[list[str]] = [[] for _ in names]
    for _, found in each_group(join, workers):
        for triples, more in zip(held, found, strict=True):
            triples += more
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
        yield from _forked_each(work, todo, workers)
    else:
        for i in todo:
            yield i, work(i)


def group_workers(documents: int, workers: int) -> int:
    """How many processes join or write the hash groups of an index of `documents`: one below
    PARALLEL_FROM."""
    return min(workers, GROUP_WORKERS) if documents >= PARALLEL_FROM else 1


def each_group(work: Callable[[int], T], workers: int) -> Iterator[tuple[int, T]]:
    """(group, work(group)) for every hash group in order, in `workers` forked processes if more than one."""
    groups = list(range(search_groups.GROUPS))
    if workers > 1:
        yield from _forked_each(work, groups, workers)
    else:
        for group in groups:
            yield group, work(group)


def _forked_each(work: Callable[[int], T], todo: list[int], workers: int) -> Iterator[tuple[int, T]]:
    segment.flush()  # no SQLite connection crosses the fork
    _STATE["work"] = work
    try:
        with multiprocessing.get_context("fork").Pool(min(workers, len(todo)), maxtasksperchild=RECYCLE) as pool:
            for i, data in zip(todo, pool.imap(_forked, todo), strict=True):
                yield i, pickle.loads(data)
    finally:
        _STATE.clear()
