"""After articles are edited in place, patch the offline search index instead of making it again.

Document ids follow the dates, so while the archive keeps its articles in the same order an edit
changes only the edited articles' own entries in each key. Within an issue ids follow the printed
order, so an article added after the others of the newest issue (a late page, the usual addition)
takes the next id like a new newest issue's articles, and moves none: it is one new entry at the end
of each of its keys. One added before others, removed from or moved within the newest issue moves
only the last ids: each id whose article is not the one it was is patched like an edit, its old
entries cut from every key and the new ones put in (postings and positions are in id order, so this
is a cut and a re-append at the end); that touches every key of every moved article. The last build's
search/data/ is then the best cache there is: the keys whose entries differ are read back from their
shards, spliced (search_postings) and written again, with those ids' fragments, and every other file
is kept. What the splice needs beyond the files themselves is small and kept in SITE/.cache/ (State):
each document's identity and filter keys, the digest of the files' record (search_files.py), the
shard count's input, the 繁→简 part of the vocabulary. The old texts come back from the old
fragments, which hold them whole.

An edited document's phrase keys (search_phrases) are made of the archive's frequent triples, kept
in the state with the count that made them frequent (`least`): they stay the same set unless the
edit takes a triple's document count across `least`, or new documents move `least` itself, and then
other documents' phrase keys change too.

A new byline name is a new word in jieba's dictionary, which changes the tokens, so the whole-word
flags and phrase-key boundaries, of the texts that hold it and of no other (the dictionary's total is
kept fixed: generator/segment.py). The state keeps the dictionary's words; the documents whose folded
text holds a word added, removed or given another frequency since are patched like edited ones, their
old entries made again with the old dictionary where their old text holds such a word.

Whenever the patch cannot be shown to give exactly what a cold build gives (more than MAX_EDITED ids
change: an article removed or added before the newest issue, or given another date, or a changed
dictionary word held by many texts; a key becomes heavy or light, the shard count changes, the
frequent triples change, the code, site or the dictionary's total changed, a file is not what the
record says), the index is made again as a whole (search_index.write).
"""

from __future__ import annotations

import hashlib
import math
import os
import pickle
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cache
from itertools import accumulate, chain
from operator import attrgetter
from pathlib import Path
from typing import overload

from generator import search_analysis, search_index, search_phrases, segment
from generator.cache import Cache, text_key
from generator.cache import key as make_key
from generator.corpus import Article, Corpus, texts_matching
from generator.output import Staging
from generator.search_files import SearchFiles
from generator.search_index import (
    DATA,
    PERSON_KEY,
    SECTION_KEY,
    body_text,
    document_order,
    fragment_name,
    key_hash,
    positions_name,
    script,
    shard_name,
)
from generator.search_postings import KeyData, Mismatch
from generator.search_reader import Reader
from generator.search_text import CJK_RE, fold, spellings, t2s_table, unfolded

STATE = "search-state.pickle"
PENDING = ".pending"  # the state and record saved by the helper before the output holds the index (settle)
MAX_EDITED = 32  # documents; past this a whole index is about as quick and far simpler

Contribution = tuple[str, "str | None"]  # one document's entry in one key: (postings tail, positions)
Edit = tuple[int, "Contribution | None", "Contribution | None"]
Docs = tuple[list[str], list[str], list[str]]  # per document (by id): its article's digest, slug and date


@dataclass(frozen=True)
class State:
    """What the search files of the last build were made from, beyond the files themselves."""

    setting: str  # code, site, the dictionary's total, sizes: any change and the index is made whole
    words: tuple[tuple[str, int], ...]  # the user dictionary (segment.UserDictionary.words)
    docs: Docs  # per id: the digest, slug and date of the article
    filters: list[str]  # per id: the section and person keys it is in, one a line (an edit reads a few)
    files: str  # SearchFiles.digest of the files under search/data/ it describes
    light: int  # bytes of postings in key shards: it sets the shard count
    buckets: int
    vocabulary: frozenset[str]  # the simplified characters of the 繁→简 table that occur
    least: int  # search_phrases.least of the document count
    frequent: frozenset[str]  # the triples in `least` documents or more: phrase keys are made of them

    def __getstate__(self) -> dict[str, object]:
        # the per-document lists as a few long strings (no key or digest holds a NUL or a line break):
        # at 100,000 articles, saved and loaded in a fraction of the time of 200,000 tuples
        state = dict(self.__dict__)
        state["docs"] = tuple(map("\0".join, self.docs))
        state["filters"] = "\0".join(self.filters)
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        docs, filters = state["docs"], state["filters"]
        if isinstance(docs, tuple) and isinstance(filters, str):
            columns = [column.split("\0") if column else [] for column in docs]
            state["docs"] = (columns[0], columns[1], columns[2])
            state["filters"] = filters.split("\0") if columns[0] else []
        self.__dict__.update(state)


def setting(site_key: str) -> str:
    segmenter = segment.current()
    return make_key(site_key, segment.VERSION, segmenter.dictionary.total, segmenter.engine_name,
                    search_index.HEAVY, search_index.SHARD_TARGET, search_index.FOLDER, search_analysis.VERSION)


@cache
def targets() -> frozenset[str]:
    """Characters whose presence decides a 繁→简 shard (see search_index._t2s_shards)."""
    return frozenset(s for s in t2s_table().values() if CJK_RE.match(s))


def filter_keys(article: Article) -> tuple[str, ...]:
    keys = [SECTION_KEY + article.section.slug, *(PERSON_KEY + fold(p.name) for p in article.people)]
    return tuple(dict.fromkeys(keys))


def filter_line(article: Article) -> str:
    """filter_keys as State.filters keeps them: one a line."""
    return "\n".join(filter_keys(article))


def describe(corpus: Corpus) -> Docs:
    """What each document (document_order) is made from: an article whose file changed may have
    changed anything. From the corpus's columns, the dates an issue at a time."""
    dates = [day for issue in corpus.issues for day in [issue.date.isoformat()] * len(issue.articles)]
    return corpus.digests, list(map(attrgetter("slug"), corpus.articles)), dates


@dataclass(frozen=True)
class Subject:
    """What a patch is made from: each document's part (describe), the articles by id (only those
    the patch reads need be there: Known), and the index's description and people."""

    docs: Docs
    articles: Sequence[Article]
    meta: dict[str, object]  # search_index._meta, its buckets left to the patch
    people: list[list[object]]

    @classmethod
    def of(cls, corpus: Corpus, docs: Docs | None = None, articles: Sequence[Article] | None = None) -> Subject:
        """The corpus's, with only `articles` (Known) if given."""
        return cls(describe(corpus) if docs is None else docs,
                   document_order(corpus) if articles is None else articles,
                   search_index._meta(corpus, 0), search_index._people(corpus))


class Known(Sequence[Article]):
    """Some of the documents' articles, by id, of `count`: the patch of an edit reads those edited
    only. Reading another raises Mismatch: a patch that needs every article (a dictionary word
    changed, a 繁→简 character gone) is made where they all are."""

    def __init__(self, count: int, articles: dict[int, Article]) -> None:
        self.size = count
        self.articles = articles

    def __len__(self) -> int:
        return self.size

    @overload
    def __getitem__(self, index: int) -> Article: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Article]: ...

    def __getitem__(self, index: int | slice) -> Article | Sequence[Article]:
        if isinstance(index, int) and index in self.articles:
            return self.articles[index]
        if isinstance(index, int) and not 0 <= index < self.size:
            raise IndexError(index)
        raise Mismatch(f"document {index} is not known here")


def inputs_key(site_key: str, docs: Docs, people: list[tuple[str, str]]) -> str:
    """What the index is made from: the site, the dictionary, each document's part and the byline
    names' slugs. Hashed as one string (text_key): the repr of 100,000 tuples cost a tenth of a
    second of every build."""
    return make_key(site_key, segment.current().dictionary.fingerprint, text_key(chain.from_iterable(docs)), people)


@dataclass(frozen=True)
class Edits:
    """An edit's documents as the build hands them to its helper: the edited ones' parts (describe) by
    id; the others' are the last index's (State.docs), which the helper reads anyway. Sending every
    document's part cost the build a tenth of a second at 100,000 articles. `digests`: text_key of
    every document's digest, which the parts put together must give."""

    count: int
    parts: dict[int, tuple[str, str, str]]
    digests: str

    @classmethod
    def of(cls, corpus: Corpus, edited: Iterable[int]) -> Edits:
        articles = corpus.articles  # (ids are the corpus's places: document_order)
        return cls(len(articles), {doc: (articles[doc].digest, articles[doc].slug, articles[doc].date.isoformat())
                                   for doc in edited}, text_key(corpus.digests))

    def docs(self, last: Docs) -> Docs | None:
        """describe() of the corpus, made from the last index's parts; None if they do not add up."""
        if len(last[0]) != self.count:
            return None
        docs = (list(last[0]), list(last[1]), list(last[2]))
        for doc, part in self.parts.items():
            for column, value in zip(docs, part, strict=True):
                column[doc] = value
        return docs if text_key(docs[0]) == self.digests else None


@dataclass(frozen=True)
class Job:
    """An edit's search stage as the build's helper does it, beside 相关报道 and the pages
    (prefetch.Helper.start, by_helper): the record of the last build's index is read, the index
    found unchanged or patched into the staging folder, the state and record saved."""

    subject: Subject  # its docs made by the helper, from `edits`
    edits: Edits
    people: list[tuple[str, str]]  # (name, slug) of every byline name
    site: Path
    site_key: str
    root: Path  # the staging folder (output.Staging.root)
    output: Path  # resolved
    searched: str  # the digest of the last index's record (Manifest.searched_digest)


Done = tuple[str, "str | None", set[str], set[str], int]

# the last index's record and state by output, read by the helper before it is given the work
# (read_ahead): it has time to spare while the build reads its cache, and none once the build waits
_READ: dict[Path, tuple[SearchFiles | None, State | None]] = {}


def read_ahead(cache: Cache, output: Path) -> None:
    """Read the last index's record and state for the work by_helper() may be given."""
    _READ[output.resolve()] = cache.last_search_files(output), load(cache.folder)


def by_helper(job: Job) -> Done | None:
    """What the build's staging is to take in (Staging.absorb: files put, files gone, files kept
    aside), with what the index is made from and the digest of its record (None: unchanged); None
    when the index cannot be patched here (the build then makes its search stage itself). A patch's
    state and record are saved aside, for the build to settle()."""
    cache = Cache(job.site, job.site_key)
    read, state = _READ.pop(job.output) if job.output in _READ else (None, load(cache.folder))
    record = cache.search_files(job.output, job.searched, read)
    docs = job.edits.docs(state.docs) if record is not None and state is not None else None
    if record is None or docs is None:
        return None
    inputs = inputs_key(job.site_key, docs, job.people)
    if cache.search_key() == inputs:
        return inputs, None, set(), set(), len(record)
    staging = Staging(job.root, {})
    try:
        patched = in_place(replace(job.subject, docs=docs), staging, job.output, cache.folder, job.site_key, record,
                           pending=True, state=state)
    finally:
        staging.writer.close()
    if patched is None:
        return None
    cache.save_search_files(job.output, patched, PENDING)  # (settle())
    put, gone, aside = staging.changes()
    return inputs, patched.digest, put, gone, aside


def update(corpus: Corpus, staging: Staging, output: Path, folder: Path, site_key: str,
           previous: SearchFiles | None, docs: Docs | None = None) -> SearchFiles:
    """Write search/data/ into the staging folder: patched when that is exact, else whole.

    `previous` is the record of the files the output has under search/data/ (None if not known). A
    patch writes the files that change and leaves the index's files out of the staging's keys
    (Staging.aside, Staging.gone); a whole index is keyed in the staging as any other stage's files
    are. `docs`: describe(corpus), when the caller has it. Returns the record of
    the index's files."""
    damaged: set[str] = set()
    docs = describe(corpus) if docs is None else docs
    patched = in_place(Subject.of(corpus, docs), staging, output, folder, site_key, previous, damaged)
    if patched is not None:
        return patched
    # every file the output has under search/data/ is the staging's to keep or remove: when the
    # record is not known, as one whose key is not known (so written again if the index has it)
    if previous is not None:
        staging.previous.update(previous.items())
    elif staging.incremental:
        staging.previous.update((url, "") for url in _listed(output))
    staging.previous.update((url, "") for url in damaged)  # not what the record says
    stats = search_index.write(corpus, staging)
    record = SearchFiles.of((url, k) for url, k in staging.keys.items() if url.startswith(DATA))
    articles = document_order(corpus)
    save(folder, State(setting(site_key), segment.current().dictionary.words, docs,
                       [filter_line(a) for a in articles], record.digest, stats.light, stats.buckets,
                       frozenset(stats.vocabulary & targets()), stats.least, stats.frequent))
    return record


def in_place(subject: Subject, staging: Staging, output: Path, folder: Path, site_key: str,
             previous: SearchFiles | None, damaged: set[str] | None = None, pending: bool = False,
             state: State | None = None) -> SearchFiles | None:
    """update()'s patch alone: the record of the patched index's files, or None if a patch is not
    exact, and then nothing is written (the files found not to be what `previous` says are put in
    `damaged`). `state`: the last index's (load()), if read already."""
    if previous is None:
        return None
    with search_analysis.no_gc():  # a full collection over the build's objects costs more than this
        patched = patch(subject, staging, output, state or load(folder), setting(site_key), previous,
                        set() if damaged is None else damaged)
    if patched is None:
        return None
    save(folder, patched[0], STATE + PENDING if pending else STATE)
    return patched[1]


def _listed(output: Path) -> Iterator[str]:
    """The URL of every file under the output's search/data/."""
    for folder, _, names in os.walk(output / DATA):
        base = Path(folder).relative_to(output).as_posix()
        yield from (f"{base}/{name}" for name in names)


def load(folder: Path) -> State | None:
    try:
        with open(folder / STATE, "rb") as handle:
            state = pickle.load(handle)
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None
    return state if isinstance(state, State) else None


def save(folder: Path, state: State, name: str = STATE) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    temp = folder / f"{name}.tmp{os.getpid()}"
    temp.write_bytes(pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL))
    os.replace(temp, folder / name)


def settle(cache: Cache, output: Path, keep: bool) -> None:
    """The state and record the helper saved aside (by_helper) become the index's, once the output
    holds its files (`keep`); or go, if the build failed: the last build's stay theirs."""
    for name in (STATE, cache.search_files_name(output)):
        pending = cache.folder / (name + PENDING)
        if keep:
            os.replace(pending, cache.folder / name)
        else:
            pending.unlink(missing_ok=True)


def patch(subject: Subject, staging: Staging, output: Path, state: State | None, wanted: str,
          previous: SearchFiles, damaged: set[str]) -> tuple[State, SearchFiles] | None:
    """The index patched for the documents that changed in place, and the record of its files; None
    if that is not exact (with the files found not to be what `previous` says put in `damaged`)."""
    if state is None or state.setting != wanted or previous.digest != state.files:
        return None  # (another digest: the output is not what the state describes)
    docs, articles = subject.docs, subject.articles
    count, old_count = len(docs[0]), len(state.docs[0])
    if search_phrases.least(count) != state.least:
        return None  # another set of frequent triples: other documents' phrase keys change
    # An id whose article is not the same is edited: its old entries go from every key, its new
    # ones come in. An article added last in print to the newest issue, or a new newest issue, takes
    # the next ids; one added before others in, removed from or moved within the newest issue moves
    # only the last ids; anywhere else, too many ids move.
    edited = sorted({i for now, then in zip(docs, state.docs, strict=True) if now != then  # (a column at once)
                     for i, (value, was) in enumerate(zip(now, then, strict=False)) if value != was})
    edited += range(min(count, old_count), max(count, old_count))
    # A word added to the dictionary (a new byline name) or taken from it changes the tokens of the
    # texts that hold it, and only of those (the total is the same: see generator.segment).
    words = segment.current().dictionary.words
    changed = segment.UserDictionary(state.words).changed(segment.UserDictionary(words))
    holds = _finder(changed)
    if holds is not None and len(edited) <= MAX_EDITED:
        edited = sorted(set(edited).union(_holding(articles[:old_count], changed, holds)))
    if len(edited) > MAX_EDITED:
        return None
    filters = (state.filters + [""] * count)[:count]
    for doc in edited:
        if doc < count:
            filters[doc] = filter_line(articles[doc])
    reader = Reader(output, previous)
    try:
        files, dropped, light, vocabulary = _patched(articles, edited, state, reader, holds)
    except Mismatch:
        damaged.update(reader.damaged)  # not what the record says: the whole index must write it again
        return None
    buckets = _buckets(light)
    if buckets != state.buckets:
        return None
    files["meta.js"] = script("meta", {**subject.meta, "buckets": buckets})
    files["people.js"] = script("people", subject.people)
    if vocabulary != state.vocabulary:
        for shard, table in search_index._t2s_shards(set(vocabulary)).items():
            files[f"s/{shard}.js"] = script(f"s/{shard}", table)
    written = {DATA + name: data for name, data in files.items()}
    keys = {url: hashlib.sha1(data).hexdigest() for url, data in written.items()}
    for url in sorted(written):
        if previous.get(url) != keys[url]:
            staging.put(url, written[url])
    gone = {url for url in dropped - written.keys() if url in previous}
    staging.gone |= gone
    record = previous.changed(keys, gone)
    staging.aside += len(record)  # the index's files, kept or written: none is in the staging's keys
    return State(wanted, words, docs, filters, record.digest, light, buckets, vocabulary, state.least,
                 state.frequent), record


def _buckets(light: int) -> int:
    return 1 << max(3, math.ceil(math.log2(max(1, light / search_index.SHARD_TARGET))))


def _finder(words: frozenset[str]) -> Callable[[str, str], bool] | None:
    """Whether a text (title, body) holds one of `words` once folded; None when none can."""
    patterns = [pattern.pattern for pattern in map(unfolded, sorted(words)) if pattern is not None]
    if not patterns:
        return None
    search = re.compile("|".join(patterns)).search

    def holds(title: str, body: str) -> bool:
        return bool(search(title) or search(body))
    return holds


def _holding(articles: Sequence[Article], words: frozenset[str], holds: Callable[[str, str], bool]) -> set[int]:
    """The documents whose title or body_text() `holds` (_finder(words)) says hold one of `words`: the
    texts looked into a bodies file at a time (texts_matching), what surrounds them in memory, then
    those found read."""
    ways = [spellings(word) for word in sorted(words)]
    maybe = (set(range(len(articles))) if None in ways  # too many ways to write one: every text is read
             else texts_matching(articles, [text.encode() for way in ways for text in way or ()]))
    maybe.update(doc for doc, article in enumerate(articles) if holds(article.title, body_text(article, "")))
    return {doc for doc in maybe if holds(articles[doc].title, body_text(articles[doc]))}


def _cutting(dictionary: segment.UserDictionary) -> Callable[[str], list[str]]:
    """Words as search_analysis cuts them, with another dictionary than the configured one."""
    engine = segment.make_engine(dictionary, segment.current().engine_name)

    def cut(text: str) -> list[str]:
        return engine.cut(text) if text else []
    return cut


def _patched(articles: Sequence[Article], edited: list[int], state: State,
             reader: Reader, holds: Callable[[str, str], bool] | None
             ) -> tuple[dict[str, bytes], set[str], int, frozenset[str]]:
    """The files that change (by name under search/data/), the urls that go, the new light total
    and 繁→简 vocabulary."""
    existing = [doc for doc in edited if doc < len(state.docs[0])]
    remaining = [doc for doc in edited if doc < len(articles)]
    old_texts = [reader.document(doc) for doc in existing]
    cut = None  # the old texts were cut with the old dictionary: it differs only where they hold a changed word
    if holds is not None and any(holds(*text) for text in old_texts):
        cut = _cutting(segment.UserDictionary(state.words))
    old, old_vocabulary = search_analysis.contributions(old_texts, state.frequent, cut)
    new, new_vocabulary = search_analysis.contributions(
        [(articles[doc].title, body_text(articles[doc])) for doc in remaining], state.frequent)
    was_in = dict(zip(existing, old, strict=True))
    is_in = dict(zip(remaining, new, strict=True))
    edits: dict[str, list[Edit]] = defaultdict(list)
    for doc in edited:
        before, after = was_in.get(doc, {}), is_in.get(doc, {})
        if doc < len(state.docs[0]):
            before.update((k, ("A", None)) for k in state.filters[doc].split("\n") if k)
        if doc < len(articles):
            after.update((k, ("A", None)) for k in filter_keys(articles[doc]))
        for key in before.keys() | after.keys():
            was, now = before.get(key), after.get(key)
            if was != now:
                edits[key].append((doc, was, now))
    crossing = [key for key in sorted(edits) if _crosses(key, edits[key], state, reader)]
    files: dict[str, bytes] = {}
    dropped: set[str] = set()
    light = state.light
    touched: set[int] = set()
    for key in sorted(edits):
        bucket = key_hash(key) % state.buckets
        touched.add(bucket)
        light += _patch_key(key, edits[key], bucket, reader, files, dropped)
    if crossing:  # only now: every shard the edit touches has been read, and checked
        raise Mismatch(f"{crossing[0]} crosses {state.least} documents: the frequent triples change")
    for bucket in sorted(touched):
        for kind in ("k", "p"):
            name = shard_name(kind, bucket)
            files[name + ".js"] = script(name, reader.shard(name))
    for doc in edited:
        dropped.update(f"{DATA}{fragment_name(doc, chunk)}.js" for chunk in range(search_index.MAX_CHUNKS))
        for name, fragment in search_index._fragments(doc, articles[doc]) if doc < len(articles) else []:
            files[name + ".js"] = script(name, fragment)
    vocabulary = _vocabulary(state.vocabulary, old_vocabulary, new_vocabulary, articles, set(edited))
    return files, dropped, light, vocabulary


def _crosses(key: str, edits: list[Edit], state: State, reader: Reader) -> bool:
    """Whether edits that add a triple to documents or take it from them move its document count
    across `least`: the frequent triples change, so other documents' phrase keys."""
    added = sum((new is not None) - (old is not None) for _, old, new in edits)
    if not added or not search_phrases.is_triple(key):
        return False
    stored = reader.shard(shard_name("k", key_hash(key) % state.buckets)).get(key)
    if stored is None or isinstance(stored, str):
        count = len(KeyData.parse(stored or "", None, None).docs)
    else:
        count = stored[1]  # type: ignore[index]
    if (count >= state.least) != (key in state.frequent):
        raise Mismatch(f"{key}: the state's frequent triples are not the index's")
    return (count + added >= state.least) != (key in state.frequent)


def _patch_key(key: str, edits: list[Edit], bucket: int, reader: Reader, files: dict[str, bytes],
               dropped: set[str]) -> int:
    """Splice one key into its shards (and its own files); returns the change in light bytes."""
    heavy = search_index.HEAVY
    postings_shard = reader.shard(shard_name("k", bucket))
    positions_shard = reader.shard(shard_name("p", bucket))
    stored, stored_positions = postings_shard.get(key), positions_shard.get(key)
    number: int | None = None
    # an edit that moves positions only (most keys after an edit mid-body) leaves the postings be
    same = all(old is not None and new is not None and old[0] == new[0] for _, old, new in edits)
    if stored is None or isinstance(stored, str):
        postings = stored or ""
    else:
        number = stored[0]  # type: ignore[index]
        postings = reader.text(shard_name("kx", number))
        if not same:
            dropped.add(f"{DATA}{shard_name('kx', number)}.js")
    cuts: list[tuple[int, int]] | None = None
    if stored_positions is None or isinstance(stored_positions, str):
        positions = stored_positions
    else:
        number, entries = stored_positions[0], list(stored_positions[1])  # type: ignore[index]
        pieces = [reader.text(positions_name(number, part)) for part in range(len(entries))]
        dropped.update(f"{DATA}{positions_name(number, part)}.js" for part in range(len(entries)))
        positions = "".join(pieces)
        cuts = list(zip(entries, accumulate(map(len, pieces[:-1]), initial=0), strict=True))
    data = KeyData.parse(postings, positions, cuts)
    data.splice(edits, heavy)
    text = postings if same else data.postings
    split = data.cuts is not None and len(data.cuts) > 1
    if (len(text) > heavy or split) != (number is not None):
        raise Mismatch(f"{key} becomes heavy or light: the heavy keys are numbered again")
    change = (len(text) if len(text) <= heavy else 0) - (len(postings) if len(postings) <= heavy else 0)
    if not data.docs:
        postings_shard.pop(key, None)
        positions_shard.pop(key, None)
        return change
    if number is not None and len(text) > heavy:  # (number is None exactly when light, above)
        if not same:
            name = shard_name("kx", number)
            files[name + ".js"] = script(name, text)
        postings_shard[key] = [number, len(data.docs)]
    else:
        postings_shard[key] = text
    if number is not None and split and data.cuts and data.positions is not None:
        ends = [offset for _, offset in data.cuts[1:]] + [len(data.positions)]
        for part, ((_, start), end) in enumerate(zip(data.cuts, ends, strict=True)):
            name = positions_name(number, part)
            files[name + ".js"] = script(name, data.positions[start:end])
        positions_shard[key] = [number, [entry for entry, _ in data.cuts]]
    elif data.positions:
        positions_shard[key] = data.positions
    else:
        positions_shard.pop(key, None)
    return change


def _vocabulary(before: frozenset[str], old: set[str], new: set[str], articles: Sequence[Article],
                edited: set[int]) -> frozenset[str]:
    """The 繁→简 vocabulary after the edit: a character the edited texts lost stays if any other
    document holds it (in either script)."""
    gone = (old & before) - new
    kept = before - gone | (new & targets())
    if gone:
        folding: dict[str, list[str]] = defaultdict(list)
        for traditional, simplified in t2s_table().items():
            if simplified in gone:
                folding[simplified].append(traditional)
        pattern = re.compile("[" + "".join(re.escape(c) for s in gone for c in [s, *folding[s]]) + "]")
        found: set[str] = set()
        for doc, article in enumerate(articles):
            if doc in edited:
                continue
            for text in (article.title, body_text(article)):
                found.update(fold(m) for m in pattern.findall(text))
            if found >= gone:
                break
        kept |= found & gone
    return frozenset(kept)
