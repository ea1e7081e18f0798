"""The offline search index (站内检索): the corpus as small script files under search/data/.

Every file is a script that calls the page's registration function, ``__xinyuSearch(name, data)``,
so the page can load it with a <script> element, which works from file:// where fetch() does not.
One query loads: meta.js, the shards of its keys, a t2s shard per character, and one fragment per
result shown. The layout and encodings are described in docs/search.md.

Keys: every pair and triple of adjacent units (a CJK character or a Latin/digit run) within a run of
text, and every Latin/digit run on its own. Any substring of two or more units is a chain of such
pairs, so it is found whatever jieba's word boundaries; a term of two or three units is a key, and
the positions of the triples make a longer phrase exact. Runs of 4-9 CJK characters made of triples
frequent in the archive are keys too, with postings only (search_phrases), so a common phrase costs
its own postings instead of its triples' positions; such a run with the character before or after
it (all triples frequent but that end's) is an edge key, with positions, so a term that joins a
frequent run to rarer text is proven without the run's triples.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, overload

from generator import search_phrases
from generator.corpus import Article, Corpus
from generator.output import Staging
from generator.routes import Urls
from generator.search_analysis import (
    CHUNK,
    MAX_CHUNKS,
    Joined,
    _varint,
    no_gc,
)
from generator.search_groups import GROUPS, key_hashes
from generator.search_groups import key_hash as key_hash  # static/search.js and search_patch use it
from generator.search_text import CJK_RE, fold, t2s_only, t2s_table

if TYPE_CHECKING:  # the modules that make the index whole are imported on use: an edit patches it
    from generator import search_aside
    from generator.search_parts import Streamed

DATA = "search/data/"
OVERLAP = 40  # context carried past a fragment's end, for a snippet near its edge
SHARD_TARGET = 2048  # bytes: the average key shard
HEAVY = 2048  # bytes: a key whose postings or positions exceed this gets files of its own
T2S_SHARDS = 16
# Entries in one folder at most: a FAT32 USB stick allows 65,534 a folder and a long file name takes
# several, and at 100,000 articles there are some 600,000 fragments. Numbered files go FOLDER to a
# subfolder (so a top folder holds FOLDER subfolders only past 2 million documents or 16 million
# shards); static/search.js computes the same names from meta.folder.
FOLDER = 4096
SECTION_KEY = "\x01s"  # filter keys, which no text can produce
PERSON_KEY = "\x01p"

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_ALPHA = ALPHABET.encode("ascii")


@dataclass(frozen=True)
class IndexStats:
    files: int
    bytes: int
    keys: int
    buckets: int
    heavy_keys: int
    light: int = 0  # bytes of postings held in the key shards (they set the shard count)
    vocabulary: frozenset[str] = frozenset()  # every character of the folded texts
    frequent: frozenset[str] = frozenset()  # the triples of the phrase keys (search_phrases)
    least: int = 0  # the document count that made them frequent


def document_order(corpus: Corpus) -> list[Article]:
    """Ids ascend with the date, so a date range is an id range, and within one issue with the
    printed order, so that an article added to the newest issue (printed after the others, as a late
    page is) takes the next id and moves none: the index is patched for it alone (search_patch).

    "Newer first" is then a later issue first and, within one, the printed order (版次): the page
    gets each issue's article count (meta.issues) to tell them apart.
    """
    return list(corpus.articles)  # (issue by issue, each in printed order: Corpus.build)


def issue_sizes(corpus: Corpus) -> str:
    """The articles of each issue in id order, as varints (the postings' alphabet): some 5 KB of
    meta.js at 100,000 articles."""
    return b"".join(_varint(len(issue.articles)) for issue in corpus.issues).decode("ascii")


def body_text(article: Article, text: str | None = None) -> str:
    """What a document's body is searched in; `text`: another in place of the article's own (with ""
    what surrounds it, every photo's caption included)."""
    text = article.text if text is None else text
    parts = [article.kicker, article.subtitle, text]
    parts += [f"{p.caption} {p.credit}".strip() for p in article.photos if p.caption not in text]
    parts.append(article.byline)
    return "\n".join(part for part in parts if part)


class Texts(Sequence[tuple[str, str]]):
    """Documents' (title, body), made when a part asks for them: held all at once they are as large
    as the archive's text (some 300 MB at 100,000 articles), and forked workers would copy the
    pages of them they touch."""

    def __init__(self, articles: list[Article]) -> None:
        self.articles = articles

    def __len__(self) -> int:
        return len(self.articles)

    @overload
    def __getitem__(self, index: int) -> tuple[str, str]: ...

    @overload
    def __getitem__(self, index: slice) -> list[tuple[str, str]]: ...

    def __getitem__(self, index: int | slice) -> tuple[str, str] | list[tuple[str, str]]:
        if isinstance(index, slice):
            return [(a.title, body_text(a)) for a in self.articles[index]]
        return self.articles[index].title, body_text(self.articles[index])


def build_index(corpus: Corpus) -> tuple[list[Article], Streamed]:
    """Every key's postings and positions (search_analysis), then the filters' postings."""
    from generator.search_parts import analysed

    articles = document_order(corpus)
    index = analysed(Texts(articles), [f"{a.date.year:04d}-{a.date.month:02d}" for a in articles], HEAVY)
    filters: dict[str, list] = {}  # type: ignore[type-arg]
    for doc, article in enumerate(articles):
        for key in (SECTION_KEY + article.section.slug, *(PERSON_KEY + fold(p.name) for p in article.people)):
            state = filters.setdefault(key, [-1, 0, bytearray(), bytearray(), None])
            if state[0] != doc:
                state[2] += _varint(doc - state[0])
                state[2].append(_ALPHA[0])
                state[0] = doc
                state[1] += 1
    index.include(filters)
    return articles, index


def shard_name(kind: str, number: int) -> str:
    """A key shard (k/, p/) or a heavy key's postings (kx/)."""
    return f"{kind}/{number // FOLDER}/{number}"


def positions_name(number: int, part: int) -> str:
    """A part of a heavy key's positions: each such key has a folder of its own (a key would need
    FOLDER parts, 8 MB of positions, to overfill it; the largest at 100,000 articles has about 1,200)."""
    return f"px/{number // FOLDER}/{number}/{part}"


def fragment_name(doc: int, chunk: int) -> str:
    """A document's fragments stay together: FOLDER // MAX_CHUNKS documents a folder."""
    return f"f/{doc // (FOLDER // MAX_CHUNKS)}/{doc}-{chunk}"


def script(name: str, data: object) -> bytes:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return f'__xinyuSearch("{name}",{payload});\n'.encode()


class _Writer:
    """Writes search/data/ files into the staging folder as they are made, counting them; files a
    worker wrote are recorded (record). Its writing thread (search_aside.Files) starts with the first
    file: no thread of it is running when the key writers are forked."""

    def __init__(self, staging: Staging) -> None:
        self.staging = staging
        self.files: search_aside.Files | None = None
        self.urls: list[str] = []
        self.bytes = 0

    def __call__(self, name: str, data: object) -> None:
        from generator import search_aside

        if self.files is None:
            self.files = search_aside.Files(self.staging)
        encoded = script(name, data)
        self.files.write(DATA + name + ".js", encoded)
        self.urls.append(DATA + name + ".js")
        self.bytes += len(encoded)

    def local(self) -> search_aside.Local:
        """A worker's own writer into the same staging folder."""
        from generator import search_aside

        return search_aside.Local(script, DATA, self.staging.root, self.staging.previous, self.staging.incremental)

    def record(self, made: list[search_aside.Made]) -> None:
        from generator import search_aside

        search_aside.record(self.staging, made)
        self.count(made)

    def count(self, made: list[search_aside.Made]) -> None:
        """Files the staging folder has recorded (search_aside.Aside.finish)."""
        for url, _, size, _ in made:
            self.urls.append(url)
            self.bytes += size

    def close(self) -> None:
        if self.files is not None:
            self.files.close()

    def in_order(self) -> None:
        """The files' keys in name order, as the output's manifest has always listed them (a patch
        keeps that order, search_patch)."""
        keys = self.staging.keys
        ordered = {url: keys.pop(url) for url in sorted(self.urls)}
        keys.update(ordered)


def write(corpus: Corpus, staging: Staging) -> IndexStats:
    """Write search/data/ into the staging folder; returns what was written. Each file is written
    as it is made, and the keys a hash group at a time (search_groups), by forked workers in a large
    archive; the fragments, which need nothing the index computes, by a worker process meanwhile
    (search_aside)."""
    from generator import search_aside

    aside = search_aside.Aside(staging, document_order(corpus), _fragments, script, DATA)
    try:
        articles, index = build_index(corpus)
        put = _Writer(staging)
        try:
            with no_gc():
                keys = _write_keys(index, put)
                put("meta", _meta(corpus, keys["buckets"]))
                for shard, table in _t2s_shards(index.vocabulary).items():
                    put(f"s/{shard}", table)
                put("people", _people(corpus))
        finally:
            put.close()
        put.count(aside.finish())
    finally:
        aside.close()
    put.in_order()
    return IndexStats(len(put.urls), put.bytes, keys["keys"], keys["buckets"], keys["heavy"], keys["light"],
                      frozenset(index.vocabulary), index.frequent, index.least)


def _buckets(light: int) -> int:
    """Key shards of SHARD_TARGET bytes of postings on average, a power of two (8 or more)."""
    return 1 << max(3, math.ceil(math.log2(max(1, light / SHARD_TARGET))))


Put = Callable[[str, object], None]  # name, data: a file of search/data/ (a test's put may be a dict's)


def _write_keys(index: Joined | Streamed, put: _Writer | Put) -> dict[str, int]:
    """Each group's heavy keys' files as it is read, its shard entries kept on disk until the light
    postings of all of them give the shard count; then the shards. Groups are shared among
    index.workers forked processes, each writing its files itself: a group numbers its own heavy
    keys, in key order (heavy_number)."""
    totals = {"light": 0, "heavy": 0, "keys": 0}
    with tempfile.TemporaryDirectory(prefix="xinyu-shards-") as folder:
        spill = Path(folder)
        try:
            for counts in _each_group(index, put, lambda number, target: _group_entries(
                    number, index.group(number), target, spill)):
                for name, count in counts.items():
                    totals[name] += count
        finally:
            index.close()
        buckets = _buckets(totals["light"])
        if buckets < GROUPS:  # a shard gathers several groups (a small archive)
            _write_shards(spill, range(GROUPS), buckets, put)
        else:  # a shard lies within one group
            for _ in _each_group(index, put, lambda number, target: _write_shards(spill, [number], buckets, target)):
                pass
    return {"buckets": buckets, **totals}


T = TypeVar("T")


def _each_group(index: Joined | Streamed, put: _Writer | Put, work: Callable[[int, Put], T]) -> Iterator[T]:
    """work(group, put) for every hash group in order: here, or shared among index.workers forked
    processes, each with a writer of its own (search_aside.Local) whose files are recorded here."""
    from generator.search_parts import each_group

    if not isinstance(put, _Writer) or index.workers == 1:
        for number in range(GROUPS):
            yield work(number, put)
        return
    writer = put

    def forked(number: int) -> tuple[T, list[search_aside.Made]]:
        local = writer.local()
        try:
            return work(number, local), local.made
        finally:
            local.close()

    for _, (result, made) in each_group(forked, index.workers):
        writer.record(made)
        yield result


def heavy_number(group: int, place: int) -> int:
    """A heavy key's files' number: its group's `place`-th heavy key (in key order). Groups number
    their own, so each can be written by any process; folders (FOLDER numbers each) fill evenly."""
    return place * GROUPS + group


def _group_entries(number: int, group: dict[str, list], put: Put, spill: Path) -> dict[str, int]:  # type: ignore[type-arg]
    """A group's heavy keys' files, and its shard entries kept in `spill`."""
    docs: dict[str, object] = {}
    positions: dict[str, object] = {}
    light = heavy = 0
    for key in sorted(group):
        _, entries, postings, buffer, cuts = group[key]
        text = postings.decode("ascii")
        split = bool(cuts and len(cuts) > 1)
        files = heavy_number(number, heavy)
        if len(text) > HEAVY:
            put(shard_name("kx", files), text)
            docs[key] = [files, entries]
        else:
            docs[key] = text
            light += len(text)
        if split:
            ends = [offset for _, offset in cuts[1:]] + [len(buffer)]
            for part, ((_, start), end) in enumerate(zip(cuts, ends, strict=True)):
                put(positions_name(files, part), buffer[start:end].decode("ascii"))
            positions[key] = [files, [entry for entry, _ in cuts]]
        elif buffer:
            positions[key] = buffer.decode("ascii")
        if len(text) > HEAVY or split:
            heavy += 1
    (spill / str(number)).write_bytes(pickle.dumps((docs, positions), protocol=pickle.HIGHEST_PROTOCOL))
    return {"light": light, "heavy": heavy, "keys": len(group)}


def _write_shards(spill: Path, numbers: Iterable[int], buckets: int, put: Put) -> None:
    """The key shards (k/, p/) of the groups `numbers` (in order) from their entries: with GROUPS or
    more shards, a group's shards are whole once it is read; with fewer, shard b is whole after the
    last group g with g % buckets == b."""
    step = min(GROUPS, buckets)
    shards: dict[int, tuple[dict[str, object], dict[str, object]]] = {}
    for number in numbers:
        docs, positions = pickle.loads((spill / str(number)).read_bytes())
        where = dict(zip(docs, [h % buckets for h in key_hashes(list(docs))], strict=True))
        for key, value in docs.items():
            shards.setdefault(where[key], ({}, {}))[0][key] = value
        for key, value in positions.items():
            shards.setdefault(where[key], ({}, {}))[1][key] = value
        del docs, positions, where
        if number >= GROUPS - step:
            for bucket in range(number % step, buckets, step):
                shard_docs, shard_positions = shards.pop(bucket, ({}, {}))
                put(shard_name("k", bucket), shard_docs)
                put(shard_name("p", bucket), shard_positions)


def _meta(corpus: Corpus, buckets: int) -> dict[str, object]:
    """The index's description; its ids are in document_order(corpus): issue by issue."""
    months: list[list[object]] = []
    doc = 0
    for issue in corpus.issues:
        label = f"{issue.date.year:04d}-{issue.date.month:02d}"
        if months and months[-1][0] == label:
            months[-1][2] = doc + len(issue.articles)
        else:
            months.append([label, doc, doc + len(issue.articles)])
        doc += len(issue.articles)
    return {
        "version": 3,  # 3: edge keys and printed-order ids (search VERSION 7)
        "documents": doc,
        "buckets": buckets,
        "folder": FOLDER,
        "chunk": CHUNK,
        "chunks": MAX_CHUNKS,
        "phrases": [search_phrases.SHORTEST, search_phrases.LONGEST],  # lengths of the phrase and edge keys
        "least": search_phrases.least(doc),  # a triple in this many documents is frequent
        "t2s": T2S_SHARDS,
        "months": months,  # [YYYY-MM, first id, last id + 1]
        "issues": issue_sizes(corpus),  # articles per issue, in id order
        "sections": [[s.name, s.slug] for s in corpus.config.sections],
        "newest": max((issue.date for issue in corpus.issues), default=dt.date.min).isoformat(),
    }


def _t2s_shards(vocabulary: set[str]) -> dict[int, dict[str, str]]:
    """Only the traditional characters whose simplified form occurs: others cannot match anyway."""
    shards: dict[int, dict[str, str]] = {n: {} for n in range(T2S_SHARDS)}
    for traditional, simplified in t2s_table().items():
        if simplified in vocabulary and CJK_RE.match(simplified):
            shards[ord(traditional) % T2S_SHARDS][traditional] = simplified
    return shards


def _folds(original: str) -> list[list[object]]:
    """[offset, simplified] where 繁→简 changes a character: the page folds the rest itself."""
    simplified = t2s_only(original)
    if simplified == original:
        return []
    return [[i, s] for i, (o, s) in enumerate(zip(original, simplified, strict=True)) if o != s]


def _fragments(doc: int, article: Article) -> list[tuple[str, dict[str, object]]]:
    body = body_text(article)
    count = max(1, min(MAX_CHUNKS, math.ceil(len(body) / CHUNK)))
    head = {
        "t": article.title,
        "tf": _folds(article.title),
        "d": article.date.isoformat(),
        "s": article.section.name,
        "b": [p.name for p in article.people],
        "u": Urls.article(article),
    }
    out = []
    for chunk in range(MAX_CHUNKS):
        start = min(chunk, count - 1) * CHUNK
        end = len(body) if chunk >= count - 1 else start + CHUNK + OVERLAP
        text = body[start:end]
        if chunk < count:
            out.append((fragment_name(doc, chunk), {**head, "o": start, "x": text, "xf": _folds(text)}))
    return out


def _people(corpus: Corpus) -> list[list[object]]:
    return [[c.name, len(c.named)] for c in sorted(corpus.contributors, key=lambda c: (-len(c.named), c.slug))]
