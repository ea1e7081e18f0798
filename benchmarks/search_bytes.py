#!/usr/bin/env python3
"""Bytes of every cold query of a search_bench run, again, in node: seconds instead of a browser run.

    python benchmarks/search_bytes.py benchmarks/out/search-10000 [--script static/search.min.js]
                                      [--save after.json] [--against before.json]

Runs the queries of a run's queries.json through tests/search_harness.js on its built output (the
engine with the first page of fragments, as the page loads them) and adds the page's own files: the
search page, its style sheets and its script. That is what Chromium counted in search_bench.py (the
same bytes for each of its 195 queries at 10,000 articles). --script measures another script on the
same index (a changed static/search.min.js before rebuilding); --against compares with a saved run,
query by query, and says whether any query's results changed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HARNESS = ROOT / "tests" / "search_harness.js"
BUDGET = 100 * 1024


def page_files(public: Path) -> list[Path]:
    """The search page and the style sheets and script it links."""
    page = public / "search" / "index.html"
    html = page.read_text(encoding="utf-8")
    linked = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html) + re.findall(r'<script src="([^"]+)"', html)
    return [page] + [(page.parent / href).resolve() for href in linked]


def measure(run: Path, script: Path | None) -> list[dict]:  # type: ignore[type-arg]
    public = run / "public"
    files = page_files(public)
    if script is not None:
        files = [f for f in files if not f.name.endswith(".js")] + [script.resolve()]
    fixed = sum(f.stat().st_size for f in files)
    engine = next(f for f in files if f.name.endswith(".js"))
    queries = json.loads((run / "queries.json").read_text(encoding="utf-8"))
    lines = "".join(json.dumps({"q": q["q"], "fragments": True}, ensure_ascii=False) + "\n" for q in queries)
    done = subprocess.run(["node", str(HARNESS), str(public / "search" / "data")], input=lines, text=True,
                          capture_output=True, check=True, env={**os.environ, "SEARCH_JS": str(engine)})
    out = []
    for q, line in zip(queries, done.stdout.splitlines(), strict=True):
        r = json.loads(line)
        out.append({"q": q["q"], "kind": q["kind"], "bytes": r["bytes"] + fixed, "total": r["total"],
                    "docs": r["docs"], "scores": r["scores"], "compute_ms": r["computeMs"]})
    return out


def report(rows: list[dict], against: list[dict] | None) -> str:  # type: ignore[type-arg]
    def kb(n: float) -> str:
        return f"{n / 1024:.1f} KB"

    sizes = sorted(r["bytes"] for r in rows)
    lines = [f"{len(rows)} queries: median {kb(statistics.median(sizes))}, 90th percentile "
             f"{kb(sizes[int(0.9 * (len(sizes) - 1))])}, max {kb(sizes[-1])}; "
             f"over {kb(BUDGET)}: {sum(s > BUDGET for s in sizes)}; computing (node) median "
             f"{statistics.median(r['compute_ms'] for r in rows):.1f} ms"]
    for kind in dict.fromkeys(r["kind"] for r in rows):
        own = sorted(r["bytes"] for r in rows if r["kind"] == kind)
        lines.append(f"  {kind}: {len(own)}, median {kb(statistics.median(own))}, max {kb(own[-1])}, "
                     f"over {sum(s > BUDGET for s in own)}")
    lines += [f"  over: {r['q']} ({r['kind']}, {r['total']} hits) {kb(r['bytes'])}"
              for r in rows if r["bytes"] > BUDGET]
    if against is not None:
        before = {r["q"]: r for r in against}
        changed = [r["q"] for r in rows
                   if (r["docs"], r["scores"]) != (before[r["q"]]["docs"], before[r["q"]]["scores"])]
        diffs = [r["bytes"] - before[r["q"]]["bytes"] for r in rows]
        lines.append(f"against the saved run: {sum(d < 0 for d in diffs)} fewer bytes, {sum(d > 0 for d in diffs)} "
                     f"more, mean {statistics.mean(diffs) / 1024:+.2f} KB; results changed: {changed or 'none'}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run", type=Path, help="a search_bench output folder (queries.json, public/)")
    parser.add_argument("--script", type=Path, help="the page script to measure instead of the built one")
    parser.add_argument("--save", type=Path)
    parser.add_argument("--against", type=Path)
    args = parser.parse_args()
    rows = measure(args.run, args.script)
    against = json.loads(args.against.read_text(encoding="utf-8")) if args.against else None
    print(report(rows, against))
    if args.save:
        args.save.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
