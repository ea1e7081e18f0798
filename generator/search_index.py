"""The offline search index (站内检索): the corpus as small script files under search/data/.

Every file is a script that calls the page's registration function, ``__xinyuSearch(name, data)``,
so the page can load it with a <script> element, which works from file:// where fetch() does not.
One query loads: meta.js, the shards of its keys, a t2s shard per character, and one fragment per
result shown. The layout and encodings are described in docs/search.md.

Keys: every pair and triple of adjacent units (a CJK character or a Latin/digit run) within a run of
text, and every Latin/digit run on its own. Any substring of two or more units is a chain of such
pairs, so it is found whatever jieba's word boundaries; a term of two or three units is a key, and
the positions of the pairs make a longer phrase exact.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import defaultdict
from dataclasses import dataclass
from itertools import accumulate

from generator import segment
from generator.corpus import Article, Corpus
from generator.output import Staging
from generator.routes import Urls
from generator.search_text import CJK_RE, UNIT_RE, fold, t2s_only, t2s_table

DATA = "search/data/"
CHUNK = 500  # characters of body text per snippet fragment
OVERLAP = 40  # context carried past a fragment's end, for a snippet near its edge
MAX_CHUNKS = 4  # two bits in a posting
SHARD_TARGET = 4096  # bytes: the average key shard
HEAVY = 8192  # bytes: a key whose postings or positions exceed this gets files of its own
T2S_SHARDS = 16
SECTION_KEY = "\x01s"  # filter keys, which no text can produce
PERSON_KEY = "\x01p"

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_ALPHA = ALPHABET.encode("ascii")


def varint(value: int) -> bytes:
    """Five bits a character, low bits first; the 32 bit of a character means "more follows"."""
    out = bytearray()
    while True:
        low, value = value & 31, value >> 5
        if value:
            out.append(_ALPHA[low | 32])
        else:
            out.append(_ALPHA[low])
            return bytes(out)


_SMALL = [varint(v) for v in range(1 << 15)]


def _varint(value: int) -> bytes:
    return _SMALL[value] if value < 32768 else varint(value)


def key_hash(key: str) -> int:
    """FNV-1a over code points; static/search.js computes the same."""
    h = 2166136261
    for ch in key:
        h = ((h ^ ord(ch)) * 16777619) & 0xFFFFFFFF
    return h


@dataclass(frozen=True)
class IndexStats:
    files: int
    bytes: int
    keys: int
    buckets: int
    heavy_keys: int


def document_order(corpus: Corpus) -> list[Article]:
    """Ids ascend with the date, so a date range is an id range and "newer" is "larger id".

    Within one issue the printed order runs backwards, so that newest first reads in 版次 order.
    """
    return [a for issue in corpus.issues for a in reversed(issue.articles)]


def body_text(article: Article) -> str:
    parts = [article.kicker, article.subtitle, article.text]
    parts += [f"{p.caption} {p.credit}".strip() for p in article.photos if p.caption not in article.text]
    parts.append(article.byline)
    return "\n".join(part for part in parts if part)


def word_starts(folded: str) -> set[int]:
    """Offsets where a jieba word starts, and the end of the text."""
    return set(accumulate((len(w) for w in segment.words(folded)), initial=0))


def occurrences(folded: str, starts: set[int]) -> tuple[dict[str, list[int]], dict[str, list[int]], set[str]]:
    """Pairs and Latin/digit runs, then triples: key -> [offset * 4 + (a word starts here) * 2
    + (a word ends with the key)], in text order; and the keys seen at least once as whole words."""
    found: dict[str, list[int]] = defaultdict(list)
    triples: dict[str, list[int]] = defaultdict(list)
    whole: set[str] = set()
    matches = [(m.start(), m.end(), m.group()) for m in UNIT_RE.finditer(folded)]
    matches += [(-1, -1, ""), (-1, -1, "")]
    for i in range(len(matches) - 2):
        start, end, text = matches[i]
        at_start = start in starts
        if text[0] < "\u3400":  # a Latin/digit run is a key of its own
            at_end = end in starts
            found[text].append(start * 4 + at_start * 2 + at_end)
            if at_start and at_end:
                whole.add(text)
        nxt_start, nxt_end, nxt = matches[i + 1]
        if nxt_start == end:
            at_end = nxt_end in starts
            key = text + nxt
            found[key].append(start * 4 + at_start * 2 + at_end)
            if at_start and at_end:
                whole.add(key)
            third_start, third_end, third = matches[i + 2]
            if third_start == nxt_end:
                at_end = third_end in starts
                key += third
                triples[key].append(start * 4 + at_start * 2 + at_end)
                if at_start and at_end:
                    whole.add(key)
    return found, triples, whole


def _encode_positions(values: list[int]) -> bytes:
    """Offsets as deltas, each with its two word-boundary bits."""
    if len(values) == 1:
        return _varint(values[0])
    return b"".join([_varint(v - (p & -4)) for p, v in zip([0, *values], values, strict=False)])


class IndexBuilder:
    """Postings accumulate per key as encoded bytes, documents in id order.

    Per key: [last doc id, entry count, postings bytes, positions bytes, positions part cuts].
    A part cut is (entry index, byte offset) where a new positions file may start.
    """

    def __init__(self) -> None:
        self.keys: dict[str, list] = {}  # type: ignore[type-arg]
        self.vocabulary: set[str] = set()

    def add(self, doc: int, title: str, body: str) -> None:
        title, body = fold(title), fold(body)
        self.vocabulary.update(title)
        self.vocabulary.update(body)
        in_title, triples_title, whole_title = occurrences(title, word_starts(title))
        in_body, triples_body, whole_body = occurrences(body, word_starts(body))
        whole = whole_title | whole_body
        self._triples(doc, triples_title, triples_body, whole)
        keys, alpha, small = self.keys, _ALPHA, _SMALL
        last_chunk = MAX_CHUNKS - 1
        for key, t in in_title.items():
            if key not in in_body:
                self._add(key, doc, 1 | (2 if key in whole else 0), t, [])
        for key, b in in_body.items():
            t = in_title.get(key, [])
            n = len(b)
            chunk = (b[0] >> 2) // CHUNK
            flags = (1 if t else 0) | (2 if key in whole else 0) | (chunk if chunk < last_chunk else last_chunk) << 2
            state = keys.get(key)
            if state is None:
                state = keys[key] = [-1, 0, bytearray(), bytearray(), None]
            postings = state[2]
            delta = doc - state[0]
            postings += small[delta] if delta < 32768 else varint(delta)
            if n < 3:
                postings.append(alpha[flags | n << 4])
            else:
                postings.append(alpha[flags | 48])
                postings += _varint(n - 3)
            state[0] = doc
            state[1] += 1
            if key[-1] >= "\u3400" or key[0] >= "\u3400":  # a pair with a CJK unit: positions
                buffer = state[3]
                if len(buffer) >= HEAVY // 2:
                    self._cut(state)
                if t:
                    buffer += small[len(t)]
                    buffer += _encode_positions(t)
                else:
                    buffer += b"A"
                buffer += small[b[0]] if n == 1 and b[0] < 32768 else _encode_positions(b)

    def _triples(self, doc: int, in_title: dict[str, list[int]], in_body: dict[str, list[int]],
                 whole: set[str]) -> None:
        """Triples have postings and no positions: a term of three units needs nothing more."""
        for key, t in in_title.items():
            if key not in in_body:
                self._add(key, doc, 1 | (2 if key in whole else 0), t, [], positions=False)
        for key, b in in_body.items():
            chunk = min(MAX_CHUNKS - 1, (b[0] >> 2) // CHUNK)
            flags = (1 if key in in_title else 0) | (2 if key in whole else 0) | chunk << 2
            self._add(key, doc, flags, [], b, positions=False)

    def _add(self, key: str, doc: int, flags: int, title: list[int], body: list[int],
             positions: bool = True) -> None:
        """The general case: keys found in the title only, and triples."""
        state = self.keys.get(key)
        if state is None:
            state = self.keys[key] = [-1, 0, bytearray(), bytearray(), None]
        n = len(body)
        state[2] += _varint(doc - state[0])
        state[2].append(_ALPHA[flags | min(n, 3) << 4])
        if n >= 3:
            state[2] += _varint(n - 3)
        state[0] = doc
        state[1] += 1
        if positions and (key[-1] >= "\u3400" or key[0] >= "\u3400"):
            if len(state[3]) >= HEAVY // 2:
                self._cut(state)
            state[3] += _varint(len(title)) + _encode_positions(title)

    @staticmethod
    def _cut(state: list) -> None:  # type: ignore[type-arg]
        buffer = state[3]
        cuts = state[4] = state[4] or [(0, 0)]
        if len(buffer) - cuts[-1][1] >= HEAVY:
            cuts.append((state[1] - 1, len(buffer)))

    def add_filter(self, key: str, doc: int) -> None:
        state = self.keys.setdefault(key, [-1, 0, bytearray(), bytearray(), None])
        if state[0] != doc:
            state[2] += _varint(doc - state[0])
            state[2].append(_ALPHA[0])
            state[0] = doc
            state[1] += 1


def build_index(corpus: Corpus) -> tuple[list[Article], IndexBuilder]:
    articles = document_order(corpus)
    builder = IndexBuilder()
    for doc, article in enumerate(articles):
        builder.add(doc, article.title, body_text(article))
        builder.add_filter(SECTION_KEY + article.section.slug, doc)
        for person in article.people:
            builder.add_filter(PERSON_KEY + fold(person.name), doc)
    return articles, builder


def script(name: str, data: object) -> bytes:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return f'__xinyuSearch("{name}",{payload});\n'.encode()


def write(corpus: Corpus, staging: Staging) -> IndexStats:
    """Write search/data/ into the staging folder; returns what was written."""
    articles, builder = build_index(corpus)
    files: dict[str, bytes] = {}
    heavy = _write_keys(builder, files)
    files["meta.js"] = script("meta", _meta(corpus, articles, heavy["buckets"]))
    for shard, table in _t2s_shards(builder.vocabulary).items():
        files[f"s/{shard}.js"] = script(f"s/{shard}", table)
    for doc, article in enumerate(articles):
        for name, fragment in _fragments(doc, article):
            files[name + ".js"] = script(name, fragment)
    files["people.js"] = script("people", _people(corpus))
    for name in sorted(files):
        staging.write(DATA + name, files[name])
    return IndexStats(len(files), sum(len(b) for b in files.values()), len(builder.keys),
                      heavy["buckets"], heavy["heavy"])


def _write_keys(builder: IndexBuilder, files: dict[str, bytes]) -> dict[str, int]:
    light = sum(len(state[2]) for state in builder.keys.values() if len(state[2]) <= HEAVY)
    buckets = 1 << max(3, math.ceil(math.log2(max(1, light / SHARD_TARGET))))
    docs: dict[int, dict[str, object]] = defaultdict(dict)
    positions: dict[int, dict[str, object]] = defaultdict(dict)
    heavy = 0
    for key in sorted(builder.keys):
        _, count, postings, buffer, cuts = builder.keys[key]
        bucket = key_hash(key) % buckets
        text = postings.decode("ascii")
        if len(text) > HEAVY:
            files[f"kx/{heavy}.js"] = script(f"kx/{heavy}", text)
            docs[bucket][key] = [heavy, count]
        else:
            docs[bucket][key] = text
        if cuts and len(cuts) > 1:
            ends = [offset for _, offset in cuts[1:]] + [len(buffer)]
            for part, ((_, start), end) in enumerate(zip(cuts, ends, strict=True)):
                name = f"px/{heavy}-{part}"
                files[name + ".js"] = script(name, buffer[start:end].decode("ascii"))
            positions[bucket][key] = [heavy, [entry for entry, _ in cuts]]
        elif buffer:
            positions[bucket][key] = buffer.decode("ascii")
        if len(text) > HEAVY or (cuts and len(cuts) > 1):
            heavy += 1
    for bucket in range(buckets):
        files[f"k/{bucket}.js"] = script(f"k/{bucket}", docs.get(bucket, {}))
        files[f"p/{bucket}.js"] = script(f"p/{bucket}", positions.get(bucket, {}))
    return {"buckets": buckets, "heavy": heavy}


def _meta(corpus: Corpus, articles: list[Article], buckets: int) -> dict[str, object]:
    months: list[list[object]] = []
    for doc, article in enumerate(articles):
        label = f"{article.date.year:04d}-{article.date.month:02d}"
        if months and months[-1][0] == label:
            months[-1][2] = doc + 1
        else:
            months.append([label, doc, doc + 1])
    return {
        "version": 1,
        "documents": len(articles),
        "buckets": buckets,
        "chunk": CHUNK,
        "t2s": T2S_SHARDS,
        "months": months,  # [YYYY-MM, first id, last id + 1]
        "sections": [[s.name, s.slug] for s in corpus.config.sections],
        "newest": max((a.date for a in articles), default=dt.date.min).isoformat(),
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
            out.append((f"f/{doc}-{chunk}", {**head, "o": start, "x": text, "xf": _folds(text)}))
    return out


def _people(corpus: Corpus) -> list[list[object]]:
    return [[c.name, len(c.credits)] for c in sorted(corpus.contributors, key=lambda c: (-len(c.credits), c.slug))]
