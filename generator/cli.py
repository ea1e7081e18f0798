"""The command line: build, check, import, search, serve (SPEC §3)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Callable

from generator import import_command, pipeline
from generator.errors import ContentError

Command = Callable[[argparse.Namespace], int]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        argv = ["build", *argv]
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except ContentError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(f"{len(error.problems)} problem(s); nothing was written.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="build.py", description="Static news archive generator.")
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="build the site into its output folder")
    _site(build)
    build.add_argument("--output", type=Path, help="output folder (default: SITE/public)")
    build.set_defaults(run=run_build)

    check = commands.add_parser("check", help="validate everything build would, write nothing")
    _site(check)
    check.set_defaults(run=run_check)

    import_command.register(commands)
    return root


def _site(command: argparse.ArgumentParser) -> None:
    command.add_argument("--site", type=Path, default=Path("."), help="site folder (default: .)")


def run_build(args: argparse.Namespace) -> int:
    site: Path = args.site
    output: Path = args.output or site / "public"
    started = time.perf_counter()
    report = pipeline.build(site, output)
    elapsed = time.perf_counter() - started
    stages = ", ".join(f"{stage} {seconds:.2f}s" for stage, seconds in report.seconds.items())
    print(f"Built {report.pages} pages ({report.files} files) in {elapsed:.2f}s ({stages}).")
    index = (output / "index.html").resolve()
    print(f"Output: {output.resolve()}\nOpen {index.as_uri()} in a browser, or run: python build.py serve")
    return 0


def run_check(args: argparse.Namespace) -> int:
    corpus = pipeline.load(args.site)
    print(f"OK: {len(corpus.articles)} articles in {len(corpus.issues)} issues, "
          f"{len(corpus.contributors)} people in bylines.")
    return 0
