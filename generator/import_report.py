"""The review report of an import: what an editor reads to check an issue in a minute.

For each article its title, kind, byline people with roles, paragraph count, every join across a break
and every decision the importer was unsure of; then every skipped line in full, so that each printed
character is either in an article file or here.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from generator import article_file
from generator.byline import parse_byline

if TYPE_CHECKING:
    from generator.import_command import Prepared

STATUS = {
    article_file.NEW: ("new", "would write"),
    article_file.UNCHANGED: ("unchanged", "unchanged"),
    article_file.KEPT: ("kept as it is", "would keep as it is"),
    article_file.OVERWRITE: ("overwritten", "would overwrite"),
    article_file.CONFLICT: ("NOT WRITTEN: exists", "would not write: exists"),
}


def text(prepared: Prepared, dry_run: bool) -> str:
    split, actions = prepared.split, prepared.actions
    newline = prepared.decoded.newline
    out = [f"Import of {prepared.source} ({prepared.decoded.encoding}, {newline} line ends)"
           f"{' — dry run, nothing is written' if dry_run else ''}"]
    folder = actions[0].path.parent if actions else None
    if folder is not None:
        out.append(f"Into {folder}; section {prepared.default_section} unless a page header names another.")
    for number, (article, section, action) in enumerate(
            zip(split.articles, prepared.sections, actions, strict=True), start=1):
        where = f"page {article.page}, " if article.page else ""
        out.append("")
        out.append(f"{number}. {article.title}  [{article.kind}] {where}section {section}, "
                   f"lines {article.first_line}-{article.last_line}, {len(article.paragraphs)} paragraph(s)")
        if article.kicker:
            out.append(f"   kicker: {article.kicker}")
        if article.subtitle:
            out.append(f"   subtitle: {article.subtitle}")
        if article.dateline:
            out.append(f"   dateline: {article.dateline}")
        out.append(f"   byline: {_people(article.byline)}")
        for join in article.joins:
            out.append(f"   joined line {join.first} + line {join.second}: …{join.before}|{join.after}… "
                       f"({join.reason})")
        for note in article.unsure:
            out.append(f"   unsure: {note}")
        label = STATUS[action.status][1 if dry_run else 0]
        out.append(f"   file: {action.path.name} ({label}{': ' + action.detail if action.detail else ''})")
    out.append("")
    out.append(f"Skipped lines ({len(split.skipped)}):")
    out.extend(f"  line {skipped.line} [{skipped.reason}]: {skipped.text}" for skipped in split.skipped)
    out.append("")
    kinds = Counter(article.kind for article in split.articles)
    statuses = Counter(STATUS[action.status][1 if dry_run else 0] for action in actions)
    out.append(
        f"Summary: {len(split.articles)} article(s){_counts(kinds)}, "
        f"{sum(len(a.joins) for a in split.articles)} join(s), "
        f"{sum(len(a.unsure) for a in split.articles)} unsure decision(s), {len(split.skipped)} skipped line(s); "
        f"files: {', '.join(f'{n} {s}' for s, n in statuses.items()) or 'none'}.")
    return "\n".join(out)


def _people(byline: str) -> str:
    if not byline:
        return "(none)"
    people = parse_byline(byline).people
    named = ", ".join(f"{p.name} {p.role}" + (f" ({p.org})" if p.org else "") for p in people)
    return f"{byline} → {named or 'no names recognised'}"


def _counts(kinds: Counter[str]) -> str:
    return f" ({', '.join(f'{kind} {n}' for kind, n in sorted(kinds.items()))})" if kinds else ""
