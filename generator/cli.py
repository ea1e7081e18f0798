"""The command line: build, check, import, search, serve (SPEC §3)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from generator import prefetch
from generator.errors import ContentError

if TYPE_CHECKING:
    from generator import pipeline

Command = Callable[[argparse.Namespace], int]


def main(argv: list[str] | None = None) -> int:
    ending = argv is None
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        argv = ["build", *argv]
    args = parser().parse_args(argv)
    # the process's own command line (build.py): a build then ends the process without freeing what
    # it made (pipeline.LEFT)
    args.ending = ending
    try:
        code = int(args.run(args))
        if ending and (built := sys.modules.get("generator.pipeline")) and built.LEFT:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
        return code
    except ContentError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(f"{len(error.problems)} problem(s); nothing was written.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="build.py", description="Static news archive generator.")
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="build the site into its output folder")
    _site(build)
    build.add_argument("--output", type=Path, help="output folder (default: SITE/public)")
    build.set_defaults(run=run_build)

    serve = commands.add_parser("serve", help="build, serve on 127.0.0.1, rebuild on change, reload the browser")
    _site(serve)
    serve.add_argument("--output", type=Path, help="output folder (default: SITE/public)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback only)")
    serve.set_defaults(run=run_serve)

    check = commands.add_parser("check", help="validate everything build would, write nothing")
    _site(check)
    check.set_defaults(run=run_check)

    search = commands.add_parser(
        "search", help="newsroom search over the archive (whoosh)",
        description="Search the archive. Words are ANDed; OR, NOT and \"phrases\" work; fields: author:黄舒, "
                    "section:要闻 (or its slug), kind:photo, title:, body:, date:2022-12-10, date:2022-12, "
                    "date:2022-12-01..2022-12-31, date:>=2022-12-01. The index in SITE/.cache/whoosh is "
                    "updated first, for changed articles only.")
    search.add_argument("query", nargs="+", metavar="QUERY", help="what to look for")
    _site(search)
    search.add_argument("--json", action="store_true", help="one JSON object per hit and line")
    search.add_argument("--limit", type=_positive, default=10, metavar="N", help="at most N hits (default 10)")
    search.set_defaults(run=run_search)

    _import_command(commands)
    return root


def _import_command(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    command = commands.add_parser(
        "import", help="split a plain-text issue dump into article files",
        description="Split a plain-text dump of one printed issue into article files under "
                    "SITE/content/YYYY/MM/DD/ and print a review report.")
    command.add_argument("file", type=Path, metavar="FILE", help="the dump (UTF-8, GB18030/GBK; LF or CRLF)")
    command.add_argument("--date", required=True, type=_issue_date, help="the issue date, YYYY-MM-DD")
    command.add_argument("--site", type=Path, default=Path("."), help="site folder (default: .)")
    command.add_argument("--section", help="section for articles whose page header names none "
                                           "(default: the first section in site.yaml)")
    command.add_argument("--dry-run", action="store_true", help="show what would be written, write nothing")
    command.add_argument("--force", action="store_true",
                         help="overwrite existing files that differ (the editor's section, page, order, "
                              "photos and tags are kept)")
    command.set_defaults(run=run_import)


def run_import(args: argparse.Namespace) -> int:
    # imported on use: the importer's modules are a fifth of a build's start-up and a build needs none
    from generator import import_command

    return import_command.run_import(args)


def _issue_date(text: str) -> dt.date:
    try:
        if len(text) != 10:
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a real date in the form YYYY-MM-DD") from None


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got '{value}'")
    return int(value)


def _site(command: argparse.ArgumentParser) -> None:
    command.add_argument("--site", type=Path, default=Path("."), help="site folder (default: .)")


def run_build(args: argparse.Namespace) -> int:
    site: Path = args.site
    output: Path = args.output or site / "public"
    # the helper is forked first, so that it scans content/ while this process imports the build's modules
    with prefetch.helping(*prefetch.build_jobs(site, output)) as helper:
        from generator import pipeline

        started = time.perf_counter()
        report = pipeline.helped(site, output, helper, progress_printer(), getattr(args, "ending", False))
        elapsed = time.perf_counter() - started
    stages = ", ".join(f"{stage} {seconds:.2f}s" for stage, seconds in report.seconds.items())
    print(f"Built {report.pages} pages in {elapsed:.2f}s: {report.written} files written, "
          f"{report.reused} unchanged ({stages}).")
    index = (output / "index.html").resolve()
    print(f"Output: {output.resolve()}\nOpen {index.as_uri()} in a browser, or run: python build.py serve")
    return 0


def run_serve(args: argparse.Namespace) -> int:
    from generator.serve import serve

    return serve(args.site, args.output or args.site / "public", args.host, args.port)


def progress_printer() -> pipeline.Progress:
    """A bar on a terminal; a plain line every tenth of the way elsewhere (CI logs)."""
    tty = sys.stderr.isatty()
    shown = {"step": -1}

    def show(stage: str, done: int, total: int) -> None:
        if total < 1000:
            return
        if tty:
            filled = 30 * done // total
            end = "\n" if done == total else ""
            print(f"\r{stage:<8} [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}", end=end, file=sys.stderr)
        elif (step := 10 * done // total) != shown["step"]:
            shown["step"] = step
            print(f"{stage}: {done}/{total} pages", file=sys.stderr)

    return show


def run_check(args: argparse.Namespace) -> int:
    from generator import pipeline

    corpus = pipeline.load(args.site, pipeline.site_cache(args.site))  # the build's parsed articles, when current
    print(f"OK: {len(corpus.articles)} articles in {len(corpus.issues)} issues, "
          f"{len(corpus.contributors)} people in bylines.")
    return 0


def run_search(args: argparse.Namespace) -> int:
    from generator import newsroom, pipeline

    corpus = pipeline.load(args.site, pipeline.site_cache(args.site))  # the build's parsed articles, when current
    try:
        hits, total, update = newsroom.run(args.site, corpus, " ".join(args.query), args.limit)
    except newsroom.QueryError as error:
        print(f"search: {error}", file=sys.stderr)
        return 1
    print(update, file=sys.stderr)
    if lines := newsroom.as_lines(hits, total, as_json=args.json):  # (JSON lines of no hit: no line)
        print(lines)
    return 0
