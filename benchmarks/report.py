"""Results as a Markdown table, written into docs/benchmarks.md between markers, and as JSON beside it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks.measure import Run

START, END = "<!-- results:start -->", "<!-- results:end -->"
HEADER = """# Benchmarks

Measured by `python benchmarks/run.py` (see benchmarks/README.md). The section between the markers is
rewritten by each run; the text around it is written by hand.

"""


def table(runs: list[Run]) -> str:
    lines = [
        "| articles | tool | scenario | wall time (s) | CPU time (s) | HTML pages | pages/s | peak RSS (MB) "
        "| peak PSS (MB) | largest process (MB) | output (MB) | exit | load at start |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        lines.append(
            f"| {run.articles:,} | {run.tool} | {run.scenario} | {run.seconds:.2f} | {run.cpu_seconds:.2f} | "
            f"{run.html_pages:,} | "
            f"{run.pages_per_second:,.0f} | {run.peak_rss_mb:,.0f} | {run.peak_pss_mb:,.0f} | "
            f"{run.peak_process_mb:,.0f} | {run.output_bytes / 1e6:,.1f} | "
            f"{run.exit_status} | {run.load:.1f} |"
        )
    return "\n".join(lines)


def comparison(runs: list[Run]) -> str:
    """Ours against Pelican, cold and no-change, one line per corpus size that has both."""
    by_key = {(r.tool, r.articles, r.scenario): r for r in runs}
    lines = [
        "| articles | cold: ours (s) | cold: Pelican (s) | pages/s ours / Pelican | pages per CPU-second ours / "
        "Pelican | no-change: ours (s) | no-change: Pelican (s) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for articles in sorted({r.articles for r in runs}):
        ours, theirs = by_key.get(("ours", articles, "cold")), by_key.get(("pelican", articles, "cold"))
        ours_again = by_key.get(("ours", articles, "no-change"))
        theirs_again = by_key.get(("pelican", articles, "no-change"))
        if not (ours and theirs and ours_again and theirs_again):
            continue
        ratio = ours.pages_per_second / theirs.pages_per_second if theirs.pages_per_second else 0.0
        ours_cpu, theirs_cpu = _per_cpu_second(ours), _per_cpu_second(theirs)
        cpu_ratio = ours_cpu / theirs_cpu if theirs_cpu else 0.0
        lines.append(
            f"| {articles:,} | {ours.seconds:.1f} | {theirs.seconds:.1f} | "
            f"{ours.pages_per_second:,.0f} / {theirs.pages_per_second:,.0f} = {ratio:.2f}× | "
            f"{ours_cpu:,.0f} / {theirs_cpu:,.0f} = {cpu_ratio:.2f}× | "
            f"{ours_again.seconds:.1f} | {theirs_again.seconds:.1f} |"
        )
    return "\n".join(lines) if len(lines) > 2 else "(Pelican was not run.)"


def _per_cpu_second(run: Run) -> float:
    return run.html_pages / run.cpu_seconds if run.cpu_seconds else 0.0


def machine_line(info: dict[str, Any]) -> str:
    return (f"{info['cpu']}, {info['cores']} cores available, {info['memory_gb']} GB RAM, "
            f"Python {info['python']}, {info['system']}; load average at start "
            f"{', '.join(str(x) for x in info['load_average'])}")


def markdown(results: dict[str, Any], runs: list[Run]) -> str:
    notes = "\n".join(f"- {note}" for note in results["notes"])
    return (
        f"Run of {results['date']} (commit {results['commit']}, seed {results['seed']}).\n\n"
        f"Machine: {machine_line(results['machine'])}.\n"
        f"Pelican: {results['pelican_version']}.\n\n"
        f"### Ours against Pelican\n\n{comparison(runs)}\n\n"
        f"### Every run\n\n{table(runs)}\n\n"
        f"{notes}\n"
    )


def write(doc: Path, results: dict[str, Any], runs: list[Run]) -> None:
    """Replaces the results section of the doc (creating the doc if needed) and writes the JSON."""
    section = f"{START}\n{markdown(results, runs)}{END}"
    text = doc.read_text(encoding="utf-8") if doc.exists() else HEADER + f"{START}\n{END}\n"
    if START in text and END in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1]
        text = before + section + after
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text, encoding="utf-8")
    payload = {**results, "runs": [run.as_json() for run in runs]}
    doc.with_suffix(".json").write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
