"""The search index made in parallel parts and from the part cache is byte for byte the index made
document by document.

The reference below is the writer as it was before parts (one document at a time into one builder),
then the phrase keys of each document, from the triples frequent in them all. The tests write the
whole search/data/ folder with it and with the real writer and compare every file, on a generated
archive, with small parts and a small HEAVY so that keys are joined across many parts and positions
files are cut inside parts.
"""

from __future__ import annotations

import re
import shutil
from collections import defaultdict
from itertools import accumulate
from pathlib import Path

import pytest

from benchmarks.make_corpus import write_corpus
from generator import search_analysis, search_columns, search_index, search_parts, search_phrases, segment
from generator.corpus import Article, Corpus
from generator.output import Staging
from generator.pipeline import load
from generator.search_analysis import varint
from generator.search_index import PERSON_KEY, SECTION_KEY, body_text, document_order
from generator.search_text import CJK, UNIT_RE, fold

CJK_RE = re.compile(f"[{CJK}]{{4}}")
ARTICLES = 300
CHUNK = search_index.CHUNK
MAX_CHUNKS = search_index.MAX_CHUNKS
HEAVY = 512  # small, so that frequent keys get several positions files
_ALPHA = search_index.ALPHABET.encode("ascii")
_SMALL = [varint(v) for v in range(1 << 15)]


def _varint(value: int) -> bytes:
    return _SMALL[value] if value < 32768 else varint(value)


def _word_starts(folded: str) -> set[int]:
    return set(accumulate((len(w) for w in segment.words(folded)), initial=0))


# ---- the reference: the writer before parts, unchanged but for names -------------------------------


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
        self.frequent: frozenset[str] = frozenset()
        self.least = 0

    def add(self, doc: int, title: str, body: str) -> None:
        title, body = fold(title), fold(body)
        self.vocabulary.update(title)
        self.vocabulary.update(body)
        in_title, triples_title, whole_title = occurrences(title, _word_starts(title))
        in_body, triples_body, whole_body = occurrences(body, _word_starts(body))
        whole = whole_title | whole_body
        self._keys(doc, triples_title, triples_body, whole, positions=True)
        self._keys(doc, in_title, in_body, whole, positions=False)

    def add_phrases(self, doc: int, title: str, body: str) -> None:
        """The phrase keys (postings only) and edge keys (with positions) of a document, once every
        document's triples are in (search_phrases)."""
        title, body = fold(title), fold(body)
        in_title, whole_title = search_phrases.phrases(title, _word_starts(title), self.frequent)
        in_body, whole_body = search_phrases.phrases(body, _word_starts(body), self.frequent)
        self._keys(doc, in_title, in_body, whole_title | whole_body, positions=False)
        in_title, whole_title = search_phrases.edges(title, _word_starts(title), self.frequent)
        in_body, whole_body = search_phrases.edges(body, _word_starts(body), self.frequent)
        self._keys(doc, in_title, in_body, whole_title | whole_body, positions=True)  # edge keys

    def _keys(self, doc: int, in_title: dict[str, list[int]], in_body: dict[str, list[int]], whole: set[str],
              positions: bool) -> None:
        """Pairs (and Latin/digit runs) have postings only; triples have positions as well."""
        keys, alpha, small = self.keys, _ALPHA, _SMALL
        last_chunk = MAX_CHUNKS - 1
        for key, t in in_title.items():
            if key not in in_body:
                self._add(key, doc, 1 | (2 if key in whole else 0), t, [], positions)
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
            if n == 1:
                postings.append(alpha[flags])
            else:
                postings.append(alpha[flags | 32])
                postings += _varint(n)
            state[0] = doc
            state[1] += 1
            if positions:
                buffer = state[3]
                if len(buffer) >= HEAVY // 2:
                    self._cut(state)
                if t:
                    buffer += small[len(t)]
                    buffer += _encode_positions(t)
                else:
                    buffer += b"A"
                buffer += small[b[0]] if n == 1 and b[0] < 32768 else _encode_positions(b)

    def _add(self, key: str, doc: int, flags: int, title: list[int], body: list[int],
             positions: bool) -> None:
        """Keys found in the title only."""
        state = self.keys.get(key)
        if state is None:
            state = self.keys[key] = [-1, 0, bytearray(), bytearray(), None]
        n = len(body)
        state[2] += _varint(doc - state[0])
        if n == 1:
            state[2].append(_ALPHA[flags])
        else:
            state[2].append(_ALPHA[flags | 32])
            state[2] += _varint(n)
        state[0] = doc
        state[1] += 1
        if positions:
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


def reference_build_index(corpus: Corpus) -> tuple[list[Article], search_analysis.Joined]:
    articles = document_order(corpus)
    builder = IndexBuilder()
    for doc, article in enumerate(articles):
        builder.add(doc, article.title, body_text(article))
        builder.add_filter(SECTION_KEY + article.section.slug, doc)
        for person in article.people:
            builder.add_filter(PERSON_KEY + fold(person.name), doc)
    builder.least = search_phrases.least(len(articles))
    builder.frequent = frozenset(key for key, state in builder.keys.items()
                                 if state[1] >= builder.least and re.fullmatch(f"[{CJK}]{{3}}", key))
    for doc, article in enumerate(articles):
        builder.add_phrases(doc, article.title, body_text(article))
    return articles, search_analysis.Joined(builder.keys, builder.vocabulary, builder.frequent, builder.least)




# ---- the comparison ---------------------------------------------------------------------------------


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_parts, "PART_DOCS", 37)
    monkeypatch.setattr(search_index, "HEAVY", HEAVY)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    folder = tmp_path / "site"
    write_corpus(ARTICLES, folder, seed=3)
    return folder


def configured(site: Path) -> Corpus:
    corpus = load(site)
    segment.configure(site, [person.name for person in corpus.contributors])
    return corpus


def written(corpus: Corpus, out: Path, monkeypatch: pytest.MonkeyPatch, reference: bool = False) -> dict[str, bytes]:
    with monkeypatch.context() as patch:
        if reference:
            patch.setattr(search_index, "build_index", reference_build_index)
        search_index.write(corpus, Staging(out, {}))
    segment.flush()
    return _files(out)


def count_analysed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Documents analysed in this process (the serial path), part by part."""
    sizes: list[int] = []
    analyse = search_analysis.analyse

    def counting(texts: list[tuple[str, str]], cut: search_analysis.Cut) -> search_analysis.Part:
        sizes.append(len(texts))
        return analyse(texts, cut)
    monkeypatch.setattr(search_analysis, "analyse", counting)
    return sizes


@pytest.mark.parametrize("parallel", [False, True])
def test_parts_give_the_same_files_as_one_document_at_a_time(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_parts: None,
        parallel: bool) -> None:
    monkeypatch.setattr(search_parts, "PARALLEL_FROM", 0 if parallel else 10**9)
    corpus = configured(site)
    expected = written(corpus, tmp_path / "reference", monkeypatch, reference=True)
    sizes = count_analysed(monkeypatch)
    actual = written(corpus, tmp_path / "parts", monkeypatch)
    assert sum(sizes) == (0 if parallel else ARTICLES)  # in parallel, forked workers did it all
    assert actual.keys() == expected.keys()
    assert [name for name in expected if actual[name] != expected[name]] == []
    assert any("/px/" in name for name in expected)  # positions were cut into files
    assert len(list((site / ".cache" / "search").glob("*.pickle"))) >= ARTICLES // 37


def test_after_an_edit_one_part_is_made_again_and_the_files_are_those_of_a_cold_build(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_parts: None) -> None:
    written(configured(site), tmp_path / "first", monkeypatch)
    path = sorted((site / "content").rglob("*.md"))[100]
    path.write_text(path.read_text(encoding="utf-8") + "\n页岩气田里新来了一台钻机。\n", encoding="utf-8")
    corpus = configured(site)
    sizes = count_analysed(monkeypatch)
    actual = written(corpus, tmp_path / "again", monkeypatch)
    assert len(sizes) == 1 and sizes[0] <= 37
    shutil.rmtree(site / ".cache")
    expected = written(configured(site), tmp_path / "reference", monkeypatch, reference=True)
    assert actual == expected
    assert "页岩气田里新来了一台钻机" in "".join(a.text for a in corpus.articles)


def test_a_dictionary_word_keeps_the_parts_whose_texts_do_not_hold_it(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_parts: None) -> None:
    written(configured(site), tmp_path / "first", monkeypatch)
    corpus = load(site)
    texts = [fold(a.title) + fold(body_text(a)) for a in document_order(corpus)]
    candidates = (t[i:i + 4] for t in texts for i in range(0, 200, 7) if CJK_RE.fullmatch(t[i:i + 4]))
    word = next(w for w in candidates if sum(w in t for t in texts) <= 5)  # a rare phrase
    (site / "dictionary.txt").write_text(f"{word} 500\n", encoding="utf-8")
    corpus = configured(site)
    sizes = count_analysed(monkeypatch)
    monkeypatch.setattr(search_parts, "PARALLEL_FROM", 10**9)  # counted here, not in workers
    actual = written(corpus, tmp_path / "again", monkeypatch)
    holding = sum(1 for t in texts if word in t)
    assert 0 < sum(sizes) < ARTICLES and sum(sizes) >= holding
    corpus = configured(site)
    assert actual == written(corpus, tmp_path / "reference", monkeypatch, reference=True)


def count_phrase_parts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Parts whose phrase keys were made (phase 2) in this process, by their documents."""
    sizes: list[int] = []
    phrase_columns = search_analysis.phrase_columns

    def counting(texts: list[tuple[str, str]], part: search_analysis.Part,
                 frequent: frozenset[str]) -> search_columns.Columns:
        sizes.append(len(texts))
        return phrase_columns(texts, part, frequent)
    monkeypatch.setattr(search_analysis, "phrase_columns", counting)
    return sizes


def test_an_edit_that_keeps_the_frequent_triples_makes_the_phrase_keys_of_its_part_only(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_parts: None) -> None:
    first = written(configured(site), tmp_path / "first", monkeypatch)
    assert any(re.fullmatch(f'.*"[{CJK}]{{4,9}}":.*', data.decode("utf-8"), re.S)
               for name, data in first.items() if "/k/" in name)  # phrase keys were written
    path = sorted((site / "content").rglob("*.md"))[100]
    text = path.read_text(encoding="utf-8")
    paragraph = text.split("\n---\n", 1)[1].strip().split("\n")[0]
    assert len(paragraph) > 20
    path.write_text(f"{text}\n{paragraph}\n", encoding="utf-8")  # its own text again: no triple new to it
    sizes, phrase_sizes = count_analysed(monkeypatch), count_phrase_parts(monkeypatch)
    monkeypatch.setattr(search_parts, "PARALLEL_FROM", 10**9)
    actual = written(configured(site), tmp_path / "again", monkeypatch)
    assert len(sizes) == 1 and len(phrase_sizes) == 1 and sizes == phrase_sizes
    shutil.rmtree(site / ".cache")
    assert actual == written(configured(site), tmp_path / "reference", monkeypatch, reference=True)
    assert actual != first
