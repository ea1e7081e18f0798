"""`build.py import FILE --date YYYY-MM-DD`: a plain-text issue dump to article files (SPEC §3).

The stages, each in its own module: bytes -> lines (dump) -> articles (importer) -> files
(article_file) -> the review report (import_report). Nothing is written until every stage has
succeeded, and a bad dump is a `path:line: message`, never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path

from generator import article_file, dump, import_report
from generator.config import SiteConfig, load_config
from generator.errors import ContentError, Problem
from generator.importer import ImportedArticle, Split, split_articles


@dataclass(frozen=True)
class Prepared:
    """Everything an import would do, decided before anything is written."""

    source: str
    decoded: dump.Decoded
    split: Split
    sections: tuple[str, ...]  # the section written for each article
    default_section: str
    actions: tuple[article_file.Action, ...]


def run_import(args: argparse.Namespace) -> int:
    config = load_config(args.site)
    default = config.sections[0]
    if args.section is not None:
        chosen = config.section(args.section)
        if chosen is None:
            names = "、".join(s.name for s in config.sections)
            print(f"build.py import: error: --section '{args.section}' is not in site.yaml ({names})",
                  file=sys.stderr)
            return 2
        default = chosen
    try:
        data = args.file.read_bytes()
    except OSError as error:
        raise ContentError([Problem(str(args.file), 1, f"cannot read the dump: {error.strerror}")]) from None
    prepared = prepare(data, str(args.file), args.date, args.site, config, default.name, args.force)
    if isinstance(prepared, Problem):
        raise ContentError([prepared])
    print(import_report.text(prepared, args.dry_run))
    if not prepared.actions:  # an empty dump, or a file that is no dump: not "every file is already there"
        skipped = len(prepared.split.skipped)
        raise ContentError([Problem(str(args.file), 1, "no article found in the dump"
                                    + (f" ({skipped} line(s) skipped, listed above)" if skipped else ""))])
    conflicts = [a for a in prepared.actions if a.status == article_file.CONFLICT]
    if conflicts:
        raise ContentError([Problem(str(a.path), 1, f"{a.detail}; use --force to overwrite") for a in conflicts])
    if args.dry_run:
        return 0
    try:
        article_file.write(list(prepared.actions))
    except OSError as error:
        raise ContentError([Problem(str(error.filename or args.site), 1, f"cannot write: {error.strerror}; "
                                    "every file was put back as it was")]) from None
    written = sum(a.status in (article_file.NEW, article_file.OVERWRITE) for a in prepared.actions)
    print(f"Wrote {written} file(s)." if written else "Nothing to write: every file is already there.")
    return 0


def prepare(data: bytes, source: str, date: dt.date, site: Path, config: SiteConfig, default_section: str,
            force: bool = False) -> Prepared | Problem:
    """Decode, split and plan; never raises on any input, and writes nothing."""
    decoded = dump.decode(data)
    if isinstance(decoded, dump.Undecodable):
        return Problem(source, decoded.line, decoded.message)
    split = split_articles(dump.lines(decoded.text))
    names = article_file.file_names([article.title for article in split.articles])
    folder = site / "content" / f"{date:%Y}" / f"{date:%m}" / f"{date:%d}"
    sections = tuple(section_for(article, config, default_section) for article in split.articles)
    files = [(folder / name, article_file.render(article, date, section))
             for name, article, section in zip(names, split.articles, sections, strict=True)]
    return Prepared(source, decoded, split, sections, default_section, tuple(article_file.plan(files, force)))


def section_for(article: ImportedArticle, config: SiteConfig, default: str) -> str:
    """The section named in the page header the article was printed under, else the default."""
    for section in sorted(config.sections, key=lambda s: -len(s.name)):
        if section.name in article.page_header:
            return section.name
    return default
