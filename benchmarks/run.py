#!/usr/bin/env python3
"""Time our build against Pelican on generated archives (issue 5, SPEC §5).

    python benchmarks/run.py --sizes 1000,10000 [--skip-pelican] [--profile 10000]

For each size: generate the corpus, then time `python build.py build` as a child process in five
scenarios (cold, no change, one article's body edited, one article added to the newest issue, one
template changed) and Pelican's cold build and no-change rebuild on the same articles. Results go to
docs/benchmarks.md (between markers) and docs/benchmarks.json; every child's output to WORK/log.txt.
Each timed run starts after `sync`: a run is not charged for writing back what the one before it
wrote (a cold build of 100,000 articles leaves gigabytes for the disk).
"""

from __future__ import annotations

import argparse
import compileall
import cProfile
import datetime as dt
import os
import pstats
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import pelican, report  # noqa: E402
from benchmarks.make_corpus import write_corpus  # noqa: E402
from benchmarks.measure import Run, git_commit, machine, output_stats, usage  # noqa: E402

TEMPLATE_EDIT = ("{% block main %}", "{% block main %}\n<!-- edited by benchmarks/run.py -->")
EDIT_NOTE = "\n\n(编者注:本文有一处文字更正。)\n"
NEW_ARTICLE = """---
title: 大足区页岩气LNG项目新增产能3000万立方米
section: 经济
page: 9
order: 1
byline: □ 新渝报记者 基准 见习记者 测试
kind: news
---

{body}
"""


def our_build(site: Path, out: Path) -> list[str]:
    return [sys.executable, str(ROOT / "build.py"), "build", "--site", str(site), "--output", str(out)]


def cold(site: Path, out: Path) -> None:
    shutil.rmtree(site / ".cache", ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)


def no_change(site: Path, out: Path) -> None:
    pass


def edit_one(site: Path, out: Path) -> None:
    """A correction to one article in the middle of the archive, as editors make every day."""
    files = sorted((site / "content").rglob("*.md"))
    target = files[len(files) // 2]
    target.write_text(target.read_text(encoding="utf-8").rstrip("\n") + EDIT_NOTE, encoding="utf-8")


def add_one(site: Path, out: Path) -> None:
    newest = max((site / "content").glob("*/*/*"))
    body = "\n\n".join(["大足区页岩气开发持续推进,LNG项目建设进展顺利,2021年以来累计完成投资3000万元。"] * 12)
    (newest / "benchmark-added-article.md").write_text(NEW_ARTICLE.format(body=body), encoding="utf-8")


def edit_template(site: Path, out: Path) -> None:
    template = site / "templates" / "article.html"
    text = template.read_text(encoding="utf-8")
    if TEMPLATE_EDIT[0] not in text:
        raise SystemExit(f"{template}: cannot find {TEMPLATE_EDIT[0]!r} to edit")
    template.write_text(text.replace(TEMPLATE_EDIT[0], TEMPLATE_EDIT[1], 1), encoding="utf-8")


def search_cold(site: Path, out: Path) -> None:
    """The newsroom (whoosh) index is made by the first `search`, and timed on its own."""
    shutil.rmtree(site / ".cache" / "whoosh", ignore_errors=True)


OURS: tuple[tuple[str, Callable[[Path, Path], None]], ...] = (
    ("cold", cold), ("no-change", no_change), ("edit-one", edit_one), ("add-one", add_one),
    ("template", edit_template), ("search-cold", search_cold), ("search-edit", edit_one),
)


def our_search(site: Path, out: Path) -> list[str]:
    return [sys.executable, str(ROOT / "build.py"), "search", "页岩气", "--site", str(site), "--limit", "5"]


def measure(tool: str, articles: int, scenario: str, command: list[str], out: Path, log: Path) -> Run:
    os.sync()  # (not timed) the previous run's writes reach the disk first
    load = os.getloadavg()[0]
    used = usage(command, ROOT, log)
    pages, size = output_stats(out) if out.is_dir() else (0, 0)
    run = Run(tool, articles, scenario, round(used.seconds, 3), pages, size, round(used.peak_rss_mb, 1),
              used.exit_status, round(load, 2), round(used.cpu_seconds, 2), round(used.peak_pss_mb, 1),
              round(used.peak_process_mb, 1))
    print(f"  {tool:8} {scenario:10} {run.seconds:8.2f}s ({run.cpu_seconds:7.2f}s CPU) {pages:8,} pages "
          f"{run.pages_per_second:8,.0f}/s {run.peak_rss_mb:7,.0f} MB RSS {run.peak_pss_mb:7,.0f} MB PSS  "
          f"exit {run.exit_status}  load {load:.2f}", flush=True)
    return run


def bench_ours(articles: int, site: Path, out: Path, log: Path, scenarios: list[str]) -> list[Run]:
    shutil.copytree(ROOT / "templates", site / "templates", dirs_exist_ok=True)
    runs = []
    for scenario, prepare in OURS:
        if scenario not in scenarios:
            continue
        prepare(site, out)
        command = our_search if scenario.startswith("search") else our_build
        runs.append(measure("ours", articles, scenario, command(site, out), out, log))
    return runs


def bench_pelican(articles: int, site: Path, work: Path, log: Path) -> list[Run]:
    project = work / f"pelican-{articles}"
    shutil.rmtree(project, ignore_errors=True)
    pelican.convert(site, project)
    out = project / "output"
    runs = [measure("pelican", articles, "cold", pelican.command(project), out, log)]
    runs.append(measure("pelican", articles, "no-change", pelican.command(project), out, log))
    return runs


def profile(articles: int, work: Path, seed: int) -> str:
    """cProfile of a cold build, in this process; the top functions by own time and by total time."""
    site, out = work / f"profile-site-{articles}", work / f"profile-out-{articles}"
    shutil.rmtree(site, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    write_corpus(articles, site, seed)
    from generator.cli import main as build_main

    profiler = cProfile.Profile()
    profiler.enable()
    status = build_main(["build", "--site", str(site), "--output", str(out)])
    profiler.disable()
    dump = work / f"profile-{articles}.txt"
    with dump.open("w") as sink:
        stats = pstats.Stats(profiler, stream=sink)
        stats.sort_stats("tottime").print_stats(30)
        stats.sort_stats("cumulative").print_stats(40)
    profiler.dump_stats(str(work / f"profile-{articles}.prof"))
    return f"exit {status}; full listing in {dump}"


def notes(runs: list[Run], pelican_skipped: list[str]) -> list[str]:
    found = []
    for articles in sorted({r.articles for r in runs}):
        mine = {r.scenario: r for r in runs if r.tool == "ours" and r.articles == articles}
        if "cold" in mine and "no-change" in mine and mine["no-change"].seconds > 0.7 * mine["cold"].seconds:
            found.append(f"At {articles:,} articles a no-change rebuild takes {mine['no-change'].seconds:.1f}s "
                         f"against {mine['cold'].seconds:.1f}s cold: the incremental build cache is not in yet.")
        failed = [r.scenario for r in mine.values() if r.exit_status != 0]
        if failed:
            found.append(f"At {articles:,} articles our build failed in: {', '.join(failed)} (see the log).")
    found += pelican_skipped
    found.append("pages/s = HTML files in the output after the run / wall time of the run (also for rebuilds, "
                 "where it is the output size served per second of waiting, not pages rewritten).")
    found.append("Peak RSS: the larger of the child's own maximum (wait4) and its process tree's resident memory "
                 "summed every 20 ms; forked render workers share the parent's pages copy-on-write, which that "
                 "sum counts once per worker. Peak PSS: the tree's proportional set size (smaps_rollup) summed "
                 "every 100 ms, each shared page split among its sharers: the honest figure. Largest process: "
                 "the peak RSS (VmHWM) of the biggest single process. Wall time includes interpreter start-up "
                 "and imports.")
    found.append("Pelican runs with its content cache on (CACHE_CONTENT, LOAD_CONTENT_CACHE) and Atom feeds off; "
                 "it writes per-author, per-category, day/month/year archive pages and RSS feeds with full "
                 "content, paginated by 20, like ours. Its theme is the default one.")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time our build against Pelican on generated archives.")
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated article counts (default 1000,10000)")
    parser.add_argument("--skip-pelican", action="store_true", help="time only our build")
    parser.add_argument("--pelican-max", type=int, default=20000,
                        help="skip Pelican above this many articles (default 20000: 100,000 takes far over 15 min)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / ".work", help="scratch folder")
    parser.add_argument("--doc", type=Path, default=ROOT / "docs" / "benchmarks.md", help="results document")
    parser.add_argument("--no-doc", action="store_true", help="print the table only; write no document")
    parser.add_argument("--scenarios", default=",".join(name for name, _ in OURS),
                        help="which of our scenarios to run, in their fixed order (default: all)")
    parser.add_argument("--profile", type=int, metavar="N", help="also profile a cold build of N articles")
    args = parser.parse_args(argv)
    try:
        sizes = [int(size.replace("_", "")) for size in args.sizes.split(",") if size.strip()]
    except ValueError:
        parser.error(f"--sizes must be comma-separated numbers, not {args.sizes!r}")
    scenarios = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    unknown = set(scenarios) - {name for name, _ in OURS}
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(sorted(unknown))}; known: {', '.join(name for name, _ in OURS)}")
    args.work.mkdir(parents=True, exist_ok=True)
    log = args.work / "log.txt"
    compileall.compile_dir(ROOT / "generator", quiet=1)  # as installed (install.sh), whatever the environment
    info = machine()
    print(f"Machine: {report.machine_line(info)}", flush=True)
    use_pelican = not args.skip_pelican
    if use_pelican:
        pelican.ensure_venv(log)

    runs: list[Run] = []
    skipped: list[str] = []
    for articles in sizes:
        site, out = args.work / f"site-{articles}", args.work / f"out-{articles}"
        shutil.rmtree(site, ignore_errors=True)
        write_corpus(articles, site, args.seed)
        print(f"{articles:,} articles: corpus in {site}", flush=True)
        if use_pelican and articles <= args.pelican_max:
            runs += bench_pelican(articles, site, args.work, log)
        elif use_pelican:
            skipped.append(f"Pelican was not run at {articles:,} articles (over --pelican-max {args.pelican_max:,}): "
                           "at its measured pages per second it would take far longer than 15 minutes.")
        runs += bench_ours(articles, site, out, log, scenarios)

    profile_note = profile(args.profile, args.work, args.seed) if args.profile else ""
    if profile_note:
        print(f"Profile of a cold build of {args.profile:,} articles: {profile_note}")
    print()
    print(report.comparison(runs))
    print()
    print(report.table(runs))
    if not args.no_doc:
        results = {
            "date": dt.date.today().isoformat(),
            "commit": git_commit(ROOT),
            "seed": args.seed,
            "machine": info,
            "pelican_version": pelican.version() if use_pelican else "not run",
            "notes": notes(runs, skipped),
        }
        report.write(args.doc, results, runs)
        print(f"\nWrote {args.doc} and {args.doc.with_suffix('.json')}")
    return 0 if all(run.exit_status == 0 for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
