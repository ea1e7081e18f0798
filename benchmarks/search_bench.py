#!/usr/bin/env python3
"""Offline search against Pagefind on the same generated archive, measured in one run.

    python benchmarks/search_bench.py [--articles 10000] [--queries 100] [--write-docs]

Builds a generated archive (benchmarks/make_corpus.py) with our generator, times the search index
on its own, runs Pagefind (its own virtualenv, benchmarks/.venv-pagefind, `pip install
'pagefind[extended]'`) on the same built site, then runs one query set in headless Chromium against
both, each query in a fresh browser context (a cold query): bytes loaded, recall and rank of the
article the query was cut from, and our page's computing time once its data had arrived.
With --write-docs the table replaces the measured block in docs/search.md.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import json
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator import pipeline, search_index  # noqa: E402
from generator.output import Staging  # noqa: E402
from generator.routes import Urls  # noqa: E402
from generator.search_text import CJK_RE  # noqa: E402

PAGEFIND = ROOT / "benchmarks" / ".venv-pagefind" / "bin" / "python"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
SHOWN = 10  # results a cold query shows, for both engines
RANK_LIMIT = 100
DOCS = ROOT / "docs" / "search.md"
BEGIN, END = "<!-- search-bench:begin -->", "<!-- search-bench:end -->"


@dataclass(frozen=True)
class Query:
    text: str
    target: str  # URL of the article it was cut from, relative to the site root
    origin: str  # title | body


@dataclass(frozen=True)
class Outcome:
    total: int
    rank: int | None  # 1-based among article results, None if not found (within RANK_LIMIT)
    bytes: int
    compute_ms: float | None = None


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def folder_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


def make_queries(corpus: pipeline.Corpus, count: int, seed: int) -> list[Query]:
    """Half cut from titles (2-4 characters), half from bodies (3-6): each with its article known."""
    rng = random.Random(seed)
    articles = list(corpus.articles)
    out: list[Query] = []
    while len(out) < count:
        article = rng.choice(articles)
        origin = "title" if len(out) % 2 == 0 else "body"
        text = article.title if origin == "title" else article.text
        runs = [r for r in re.findall(f"[{CJK_RE.pattern[1:-1]}]+", text) if len(r) >= 3]
        if not runs:
            continue
        run = rng.choice(runs)
        length = rng.randint(2, min(4, len(run))) if origin == "title" else rng.randint(3, min(6, len(run)))
        start = rng.randint(0, len(run) - length)
        out.append(Query(run[start:start + length], Urls.article(article), origin))
    return out


KINDS = {"byline": "a byline name and a topic word of the title", "title": "a distinctive phrase of the title",
         "place": "a place and a topic word, both in the title"}


def reader_queries(corpus: pipeline.Corpus, per_kind: int, seed: int) -> list[Query]:
    """Queries a reader would type to find one article (KINDS), each with that article known.

    The cut queries above occur in thousands of articles, which makes the rank of their article
    meaningless; these name what distinguishes it.
    """
    from benchmarks import vocabulary as V

    rng = random.Random(seed)
    articles = sorted(corpus.articles, key=lambda a: Urls.article(a))
    titles = [a.title for a in articles]
    out: list[Query] = []
    for kind in KINDS:
        made = 0
        while made < per_kind:
            article = rng.choice(articles)
            topics = [t for t in V.TOPICS if t in article.title and CJK_RE.match(t[0])]
            places = [p for p in V.PLACES if p in article.title]
            if kind == "byline" and article.people and topics:
                text = f"{rng.choice(article.people).name} {rng.choice(topics)}"
            elif kind == "place" and places and topics:
                text = f"{rng.choice(places)} {rng.choice(topics)}"
            elif kind == "title":
                runs = [r for r in re.findall(f"[{CJK_RE.pattern[1:-1]}]+", article.title) if len(r) >= 4]
                if not runs:
                    continue
                run = max(runs, key=len)
                windows = {run[i:i + n] for n in range(4, min(8, len(run)) + 1) for i in range(len(run) - n + 1)}
                text = min(sorted(windows), key=lambda w: (sum(w in t for t in titles), -len(w)))
            else:
                continue
            out.append(Query(text, Urls.article(article), kind))
            made += 1
    return out


def build_ours(site: Path, public: Path) -> dict[str, float]:
    started = time.perf_counter()
    pipeline.build(site, public)
    build_seconds = time.perf_counter() - started
    corpus = pipeline.load(site)
    scratch = public.parent / "index-only"
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.rmtree(site / ".cache" / "search", ignore_errors=True)  # a cold index: no part kept
    started = time.perf_counter()
    search_index.write(corpus, Staging(scratch, {}))
    index_seconds = time.perf_counter() - started
    shutil.rmtree(scratch)
    size, files = folder_size(public / "search" / "data")
    return {"build_s": build_seconds, "index_s": index_seconds, "bytes": size, "files": files}


def build_pagefind(public: Path) -> dict[str, float]:
    shutil.rmtree(public / "pagefind", ignore_errors=True)
    started = time.perf_counter()
    subprocess.run([str(PAGEFIND), "-m", "pagefind", "--site", str(public), "--glob", "20*/**/*.html",
                    "--root-selector", "main", "--quiet"], check=True)
    seconds = time.perf_counter() - started
    size, files = folder_size(public / "pagefind")
    version = subprocess.run([str(PAGEFIND), "-m", "pagefind", "--version"], capture_output=True, text=True)
    return {"index_s": seconds, "bytes": size, "files": files, "version": version.stdout.strip()}


def is_article(url: str) -> bool:
    return bool(re.fullmatch(r"\d{4}/\d{2}/\d{2}/(?!index\.html)[^/]+\.html", url))


PAGEFIND_SEARCH = """async ([q, shown]) => {
  const pf = await import("../pagefind/pagefind.js");
  await pf.init();
  window.__search = await pf.search(q);
  const first = await Promise.all(window.__search.results.slice(0, shown).map(r => r.data()));
  return {total: window.__search.results.length, urls: first.map(d => d.url)};
}"""
PAGEFIND_MORE = """async ([shown, limit]) => {
  const rest = window.__search.results.slice(shown, limit);
  return (await Promise.all(rest.map(r => r.data()))).map(d => d.url);
}"""


def run_queries(public: Path, queries: list[Query]) -> tuple[list[Outcome], list[Outcome]]:
    from playwright.sync_api import sync_playwright

    ours: list[Outcome] = []
    theirs: list[Outcome] = []
    with serve(public) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for query in queries:
            ours.append(_ours(browser, base, query, public))
            theirs.append(_pagefind(browser, base, query))
        browser.close()
    return ours, theirs


class Meter:
    """Bytes of every response body a page received, as served (no HTTP compression here)."""

    def __init__(self, page) -> None:  # type: ignore[no-untyped-def]
        self.responses: list = []  # type: ignore[type-arg]
        self.counting = True
        page.on("response", lambda response: self.counting and self.responses.append(response))

    @property
    def bytes(self) -> int:
        total = 0
        for response in self.responses:
            with contextlib.suppress(Exception):  # a redirect or an aborted request has no body
                total += len(response.body())
        return total


def _ours(browser, base: str, query: Query, public: Path) -> Outcome:  # type: ignore[no-untyped-def]
    context = browser.new_context()
    page = context.new_page()
    meter = Meter(page)
    page.goto(f"{base}search/index.html?q={quote(query.text)}")
    page.wait_for_selector("#search-results[data-state=done]", timeout=60_000)
    total = int(page.get_attribute("#search-results", "data-total") or 0)
    compute = float(page.get_attribute("#search-results", "data-compute-ms") or "nan")
    page.wait_for_load_state("networkidle")
    loaded = meter.bytes
    context.close()
    # the rank over all hits, not only the page shown: the same engine in node, without a browser
    rank = _rank_in_node(public, query)
    return Outcome(total, rank, loaded, compute)


def _rank_in_node(public: Path, query: Query) -> int | None:
    harness = ROOT / "tests" / "search_harness.js"
    done = subprocess.run(["node", str(harness), str(public / "search" / "data")],
                          input=json.dumps({"q": query.text}) + "\n", capture_output=True, text=True, check=True)
    docs = json.loads(done.stdout)["docs"]
    order = _doc_urls(public)
    urls = [order[d] for d in docs]
    return urls.index(query.target) + 1 if query.target in urls else None


@functools.cache
def _doc_urls(public: Path) -> list[str]:
    urls: list[str] = []
    for path in sorted((public / "search" / "data" / "f").rglob("*-0.js"), key=lambda p: int(p.stem.split("-")[0])):
        text = path.read_text(encoding="utf-8")
        urls.append(json.loads(text[text.index(",") + 1:-3])["u"])
    return urls


def _pagefind(browser, base: str, query: Query) -> Outcome:  # type: ignore[no-untyped-def]
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}404.html")  # a page of the site, for the origin; its own bytes are not counted
    page.wait_for_load_state("networkidle")
    meter = Meter(page)
    result = page.evaluate(PAGEFIND_SEARCH, [query.text, SHOWN])
    page.wait_for_load_state("networkidle")
    meter.counting = False  # the rank needs more fragments than a reader's first page
    result["bytes"] = meter.bytes
    urls = result["urls"] + page.evaluate(PAGEFIND_MORE, [SHOWN, RANK_LIMIT])
    context.close()
    urls = [u.lstrip("/").split("#")[0] for u in urls]
    articles = [u for u in urls if is_article(u)]
    rank = articles.index(query.target) + 1 if query.target in articles else None
    return Outcome(result["total"], rank, int(result["bytes"]))


def summary(outcomes: list[Outcome]) -> dict[str, float]:
    ranks = [o.rank for o in outcomes if o.rank is not None]
    sizes = [o.bytes for o in outcomes]
    out = {
        "recall": len(ranks) / len(outcomes),
        "top1": sum(r == 1 for r in ranks) / len(outcomes),
        "top10": sum(r <= 10 for r in ranks) / len(outcomes),
        "median_rank": statistics.median(ranks) if ranks else float("nan"),
        "mean_rank": statistics.mean(ranks) if ranks else float("nan"),
        "bytes_median": statistics.median(sizes),
        "bytes_p90": sorted(sizes)[int(0.9 * (len(sizes) - 1))],
        "bytes_max": max(sizes),
        "zero_hit": sum(o.total == 0 for o in outcomes),
    }
    computes = [o.compute_ms for o in outcomes if o.compute_ms is not None]
    if computes:
        out["compute_median"] = statistics.median(computes)
        out["compute_max"] = max(computes)
    return out


def table(articles: int, ours_build: dict, pf_build: dict, ours: dict, pf: dict, queries: int,  # type: ignore[type-arg]
          fixed: list[tuple[str, Outcome, Outcome]], readers: list[tuple[Query, Outcome, Outcome]]) -> str:
    def kb(n: float) -> str:
        return f"{n / 1024:,.0f} KB" if n < 10 * 1024 * 1024 else f"{n / 1024 / 1024:,.1f} MB"

    rows = [
        ("Index size", f"{kb(ours_build['bytes'])} in {ours_build['files']:,} files",
         f"{kb(pf_build['bytes'])} in {pf_build['files']:,} files"),
        ("Index build time (cold)", f"{ours_build['index_s']:.1f} s (whole site build {ours_build['build_s']:.1f} s)",
         f"{pf_build['index_s']:.1f} s (after our build)"),
        ("Bytes per cold query, median", kb(ours["bytes_median"]), kb(pf["bytes_median"])),
        ("Bytes per cold query, 90th percentile / max", f"{kb(ours['bytes_p90'])} / {kb(ours['bytes_max'])}",
         f"{kb(pf['bytes_p90'])} / {kb(pf['bytes_max'])}"),
        ("Recall (target article found)", f"{ours['recall']:.0%}", f"{pf['recall']:.0%} (within {RANK_LIMIT})"),
        ("Target ranked first / in top 10", f"{ours['top1']:.0%} / {ours['top10']:.0%}",
         f"{pf['top1']:.0%} / {pf['top10']:.0%}"),
        ("Rank of target, median / mean", f"{ours['median_rank']:g} / {ours['mean_rank']:.1f}",
         f"{pf['median_rank']:g} / {pf['mean_rank']:.1f}"),
        ("Computing after the data arrived, median / max",
         f"{ours['compute_median']:.1f} ms / {ours['compute_max']:.1f} ms", "not measured"),
        ("Works from file://", "yes", "no (fetch and WebAssembly are blocked)"),
    ]
    lines = [f"Generated archive of {articles:,} articles (benchmarks/make_corpus.py, seed 1), {queries} queries "
             f"cut from known articles (half 2-4 characters of a title, half 3-6 of a body), {SHOWN} results "
             f"shown per query; Pagefind {pf_build['version']}; {platform.machine()}, {platform.python_version()}, "
             f"measured {time.strftime('%Y-%m-%d')}.", "",
             "| | ours | Pagefind |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    lines += ["", "Fixed queries (total hits; bytes of the cold query):", "",
              "| query | ours | Pagefind |", "|---|---|---|"]
    for text, o, p in fixed:
        lines.append(f"| {text} | {o.total} hits, {kb(o.bytes)} | {p.total} hits, {kb(p.bytes)} |")
    per_kind = len(readers) // len(KINDS)
    lines += ["", f"Queries a reader would type, {per_kind} of each kind (the article's rank among all our hits, "
              f"among Pagefind's first {RANK_LIMIT}; first / in top 10 / median rank; our bytes median / max):", "",
              "| kind | ours | Pagefind | ours, bytes |", "|---|---|---|---|"]
    for kind, label in KINDS.items():
        o = summary([o for q, o, _ in readers if q.origin == kind])
        p = summary([p for q, _, p in readers if q.origin == kind])
        lines.append(f"| {label} | {o['top1']:.0%} / {o['top10']:.0%} / {o['median_rank']:g} | "
                     f"{p['top1']:.0%} / {p['top10']:.0%} / {p['median_rank']:g} (found {p['recall']:.0%}) | "
                     f"{kb(o['bytes_median'])} / {kb(o['bytes_max'])} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-kind", type=int, default=30, help="queries of each kind a reader would type")
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="keep the last run's builds and their timings")
    args = parser.parse_args()
    if not PAGEFIND.exists():
        print(f"Pagefind is not installed: python -m venv {PAGEFIND.parent.parent} && "
              f"{PAGEFIND.parent}/pip install 'pagefind[extended]'", file=sys.stderr)
        return 2
    work = ROOT / "benchmarks" / "out" / f"search-{args.articles}"
    site, public = work / "site", work / "public"
    if not (site / "site.yaml").exists():
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_corpus.py"), "--articles",
                        str(args.articles), "--out", str(site), "--seed", str(args.seed)], check=True)
    timings = work / "builds.json"
    if args.reuse and timings.exists():
        ours_build, pf_build = json.loads(timings.read_text(encoding="utf-8"))
    else:
        print("building our site ...", flush=True)
        ours_build = build_ours(site, public)
        print(json.dumps(ours_build), flush=True)
        print("running Pagefind ...", flush=True)
        pf_build = build_pagefind(public)
        print(json.dumps(pf_build), flush=True)
        timings.write_text(json.dumps([ours_build, pf_build]), encoding="utf-8")
    queries = make_queries(pipeline.load(site), args.queries, args.seed)
    fixed_texts = ["页岩气", "頁岩氣", "地铁", "大足 石刻", "经济发展"]
    fixed_queries = [Query(t, "", "fixed") for t in fixed_texts]
    readers = reader_queries(pipeline.load(site), args.per_kind, args.seed)
    print(f"running {len(queries) + len(fixed_queries) + len(readers)} queries in both ...", flush=True)
    ours_all, theirs_all = run_queries(public, queries + fixed_queries + readers)
    ours, theirs = ours_all[:len(queries)], theirs_all[:len(queries)]
    n = len(queries) + len(fixed_queries)
    fixed = list(zip(fixed_texts, ours_all[len(queries):n], theirs_all[len(queries):n], strict=True))
    read = list(zip(readers, ours_all[n:], theirs_all[n:], strict=True))
    result = table(args.articles, ours_build, pf_build, summary(ours), summary(theirs), len(queries), fixed, read)
    print(result)
    (work / "queries.json").write_text(json.dumps([
        {"q": q.text, "kind": q.origin, "target": q.target, "ours": o.__dict__, "pagefind": p.__dict__}
        for q, o, p in zip(queries + fixed_queries + readers, ours_all, theirs_all, strict=True)],
        ensure_ascii=False, indent=1), encoding="utf-8")
    if args.write_docs:
        text = DOCS.read_text(encoding="utf-8")
        start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
        DOCS.write_text(text[:start] + "\n" + result + "\n" + text[end:], encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
