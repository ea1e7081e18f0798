"""The page's script: what a query loads, and the minified file the page loads.

The search page loads static/search.min.js, terser's output of static/search.js: the script is part of
every cold query's bytes (28 KB as written, 14 KB minified). The other tests run the engine from the
source, so the minified file must be made from the current source and answer as it does.
"""

from __future__ import annotations

import json
import random
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from search_sites import ROOT, query, write_index
from test_search_index import expected, sample_queries

from generator import search_index, search_parts, search_phrases
from generator.pipeline import load
from generator.search_text import CJK_RE

TERSER = ROOT / "node_modules" / ".bin" / "terser"
MINIFIED = ROOT / "static" / "search.min.js"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:  # type: ignore[type-arg]
    """A generated archive with the size limits lowered, so that heavy keys take files of their own,
    and triples frequent from 16 of its 120 articles (4 by search_phrases.least), so that terms take
    every way: phrase keys, edge keys, cover triples."""
    site = tmp_path_factory.mktemp("script") / "site"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_corpus.py"), "--articles", "120",
                    "--out", str(site), "--seed", "5"], check=True, capture_output=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search_index, "HEAVY", 150)
        patch.setattr(search_index, "SHARD_TARGET", 2000)
        patch.setattr(search_parts, "PART_DOCS", 25)
        patch.setattr(search_phrases, "least", lambda documents: 16)
        data = write_index(site, tmp_path_factory.mktemp("script-out"))
    return data, search_index.document_order(load(site))


def test_the_minified_script_is_made_from_the_source() -> None:
    assert TERSER.is_file(), "run install.sh: terser (npm) makes static/search.min.js"
    command = shlex.split(json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["scripts"]["minify"])
    assert command[0] == "terser" and command[-2:] == ["--output", "static/search.min.js"]
    made = subprocess.run([str(TERSER), *command[1:-2]], cwd=ROOT, capture_output=True, check=True, timeout=120).stdout
    assert made.strip() == MINIFIED.read_bytes().strip(), "static/search.js changed: run npm run minify"
    assert len(MINIFIED.read_bytes()) < len((ROOT / "static" / "search.js").read_bytes()) // 2


def test_the_page_loads_the_minified_script() -> None:
    page = (ROOT / "templates" / "search.html").read_text(encoding="utf-8")
    assert "rel('static/search.min.js')" in page and "rel('static/search.js')" not in page


def test_the_minified_script_answers_as_the_source(generated: tuple[Path, list]) -> None:  # type: ignore[type-arg]
    data, articles = generated
    phrases = sample_queries(articles, 60, seed=11) + sample_queries(articles, 30, seed=12, longest=12)
    rng = random.Random(13)
    queries = phrases + [f"{a} {b}" for a, b in zip(rng.sample(phrases, 15), rng.sample(phrases, 15), strict=True)]
    source = query(data, list(queries))
    minified = query(data, list(queries), script=MINIFIED)
    for q, a, b in zip(queries, source, minified, strict=True):
        a.pop("computeMs")
        b.pop("computeMs")
        assert a == b, q


def _cover(term: str) -> tuple[list[str], list[str]]:
    """The triples of a CJK term that static/search.js proves it by (offsets 0, 3, 6 ... and the
    last), and the others, between them."""
    offsets = list(range(0, len(term) - 2, 3))
    if offsets[-1] != len(term) - 3:
        offsets.append(len(term) - 3)
    triples = [term[i:i + 3] for i in range(len(term) - 2)]
    cover = [triples[i] for i in offsets]
    return cover, [t for t in triples if t not in cover]


def test_the_triples_between_the_cover_keys_are_loaded_only_when_they_can_drop_candidates(
        generated: tuple[Path, list]) -> None:  # type: ignore[type-arg]
    """They are skipped when every document of the rarest cover triple holds the other cover triples
    (one phrase's documents); either way the results are those of a substring scan. (A term with a
    frequent cover triple is proven by edge keys, which need every triple's shard: they are loaded.)"""
    data, articles = generated
    meta = json.loads((data / "meta.js").read_text(encoding="utf-8").split(",", 1)[1][:-3])
    terms = [t for t in sample_queries(articles, 1500, seed=14, longest=12)
             if len(t) >= 7 and all(CJK_RE.match(c) for c in t)]
    results = query(data, list(terms))
    ways = set()
    for term, result in zip(terms, results, strict=True):
        assert set(result["docs"]) == expected(articles, [term]), term
        cover, inner = _cover(term)
        held = [expected(articles, [key]) for key in cover]
        if any(len(h) >= meta["least"] for h in held):
            if any(f.startswith("p/") for f in result["files"]):  # not a phrase key's answer
                assert _shards(inner, meta) <= set(result["files"]), term
            ways.add("edges")
            continue
        candidates = set.intersection(*held)
        shards = _shards(inner, meta) - _shards([*cover, term], meta)
        if shards and candidates and any(f.startswith("p/") for f in result["files"]):
            narrowed = 0 < len(candidates) < min(len(h) for h in held)
            assert (shards <= set(result["files"])) == narrowed, term
            assert (shards.isdisjoint(result["files"])) != narrowed, term
            ways.add(narrowed)
    assert ways == {True, False, "edges"}  # every way was taken


def _shards(keys: list[str], meta: dict) -> set[str]:  # type: ignore[type-arg]
    return {f"k/{n // meta['folder']}/{n}" for n in (search_index.key_hash(k) % meta["buckets"] for k in keys)}


def test_the_page_takes_the_frequent_line_from_meta(generated: tuple[Path, list]) -> None:  # type: ignore[type-arg]
    """meta.js holds the line search_phrases.least gave the build, and the page has no line of its
    own: it reads meta.least (a phrase key is looked up, or edge keys used, from that line; the
    tests here would fail on a page with another line)."""
    data, _ = generated
    meta = json.loads((data / "meta.js").read_text(encoding="utf-8").split(",", 1)[1][:-3])
    assert meta["least"] == 16 != search_phrases.least(meta["documents"])  # what the build used (patched)
    source = (ROOT / "static" / "search.js").read_text(encoding="utf-8")
    assert "meta.least" in source and "function least" not in source and "/ 16" not in source


def test_a_long_term_is_looked_up_as_a_phrase_key_only_when_its_cover_triples_are_frequent(
        generated: tuple[Path, list]) -> None:  # type: ignore[type-arg]
    """A term of 7-9 characters loads the phrase key's shard only when its cover triples are all
    frequent (or the term is an edge key); a phrase key is still its answer, and the results are
    those of a substring scan."""
    data, articles = generated
    meta = json.loads((data / "meta.js").read_text(encoding="utf-8").split(",", 1)[1][:-3])
    line = meta["least"]
    terms = [t for t in sample_queries(articles, 600, seed=15, longest=9)
             if 7 <= len(t) <= 9 and all(CJK_RE.match(c) for c in t)]
    results = query(data, list(terms))
    ways = set()
    for term, result in zip(terms, results, strict=True):
        assert set(result["docs"]) == expected(articles, [term]), term
        cover, _ = _cover(term)
        frequent = all(len(expected(articles, [key])) >= line for key in cover)
        often = [len(expected(articles, [term[i:i + 3]])) >= line for i in range(len(term) - 2)]
        edge = all(often[1:-1]) and often[0] != often[-1]  # the term is an edge key: its own shard too
        # its own shard, unless a triple or an edge key (a shorter run) of it may have loaded the same
        parts = {term[i:j] for i in range(len(term)) for j in range(i + 3, len(term) + 1)} - {term}
        own = _shards([term], meta) - _shards(sorted(parts), meta)
        if own:
            assert own <= set(result["files"]) if frequent or edge else own.isdisjoint(result["files"]), term
        answered = not any(f.startswith(("p/", "px/")) for f in result["files"])
        ways.add((frequent, answered and bool(result["docs"])))
    assert {(False, False), (True, True)} <= ways  # skipped, and found as a phrase key
