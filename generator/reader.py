"""Article files to typed articles: the one place front matter is parsed and validated.

content/YYYY/MM/DD/<slug>.md: YAML front matter between '---' lines, then the Markdown body.
Every problem is collected with its path and line; nothing downstream re-reads a file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import struct
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import Any, TypeVar

import yaml

from generator import markup
from generator.byline import ROLES, Person, parse_byline
from generator.config import SiteConfig
from generator.corpus import KINDS, Article, Body, Photo
from generator.errors import Problem
from generator.slugs import RESERVED, slugify

T = TypeVar("T")
KEYS = {
    "title", "kicker", "subtitle", "date", "section", "page", "order", "byline", "dateline", "kind",
    "photos", "tags", "draft", "slug",
}
_Loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)  # libyaml when present: ten times faster
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
DATE_DIR = re.compile(r"^(\d{4})/(\d{2})/(\d{2})/([^/]+)\.md$")


@dataclass(frozen=True)
class Draft:
    """A file that parsed but is not published."""

    source: str


# a file's modification time (ns), size, inode and status-change time (ns): content rewritten to the same
# size with its modification time put back (touch -r, cp -p, rsync -t, a restored backup) still moves the
# status-change time, which no program can set, so a stamp never vouches for bytes it was not taken from.
# Packed in one bytes object: a hundred thousand tuples of four ints were 500,000 objects to pickle
# from the helper that scans, and to load from the build cache on every build
Stamp = bytes
_STAMP = struct.Struct("<qqQq")


def stamp_of(stat: os.stat_result) -> Stamp:
    return _STAMP.pack(stat.st_mtime_ns, stat.st_size, stat.st_ino, stat.st_ctime_ns)


@dataclass
class ContentFiles:
    """What content/ holds: article files and the other files beside them (photos), with their stamps."""

    articles: list[tuple[str, Stamp | OSError]]  # path (site/content/...), or why it could not be read
    others: list[tuple[str, Stamp]]  # path relative to content/, posix


def scan(content: Path) -> ContentFiles:
    """Every file under content/ but hidden ones, in path order, each stat()ed once.

    A large archive has a hundred thousand article files: this is one directory walk, with strings
    rather than Path objects, and no second walk to find the photos.
    """
    found = ContentFiles([], [])
    _scan(str(content), "", found)
    return found


def _scan(folder: str, relative: str, found: ContentFiles) -> None:
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError:
        return
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        if entry.is_dir():
            if not entry.is_symlink():  # as os.walk: a link to a folder is not followed
                _scan(entry.path, f"{relative}{name}/", found)
            continue
        try:
            stat = entry.stat()
            stamp: Stamp | OSError = stamp_of(stat)
        except OSError as exc:
            stamp = exc
        if name.endswith(".md"):
            found.articles.append((entry.path, stamp))
        elif not isinstance(stamp, OSError):
            found.others.append((relative + name, stamp))


def read_content(
    site: Path, config: SiteConfig, cached: dict[str, tuple[Stamp, Article]] | None = None,
    files: ContentFiles | None = None,
) -> tuple[list[Article], list[Problem], dict[str, tuple[Stamp, Article]]]:
    """All articles of a site, reusing those an earlier build parsed from the very same file.

    `cached` maps a path to the stamp of the file it was parsed from and the article; returns the
    articles, the problems, and the cache entries of this build. `files`: scan(site / "content").
    """
    content = site / "content"
    cached = cached or {}
    problems: list[Problem] = []
    found = (files or scan(content)).articles
    labels = [label for label, _ in found]
    # an entry parsed by an earlier build from these very bytes is kept: the very entry, which
    # cache.save_articles tells apart by identity. Looked at all at once: an edit keeps all but a few
    entries: list[tuple[Stamp, Article] | None] = list(map(cached.get, labels))
    stale = [n for n, (entry, (_, stamp)) in enumerate(zip(entries, found, strict=True))
             if entry is None or entry[0] != stamp]
    for number in stale:  # in path order, as their problems are reported
        label, stamp = found[number]
        entries[number] = None
        try:
            if isinstance(stamp, OSError):
                raise stamp
            path = Path(label)
            result = read_article(path, path.read_bytes(), content, config, problems, label)
        except OSError as exc:
            problems.append(Problem(label, 1, f"cannot read: {exc.strerror}"))
            continue
        if isinstance(result, Article):
            entries[number] = (stamp, result)
    kept = {label: entry for label, entry in zip(labels, entries, strict=True) if entry is not None}
    articles = [article for _, article in kept.values()]
    places = list(zip(map(attrgetter("date"), articles), map(attrgetter("slug"), articles), strict=True))
    if len(set(places)) < len(places):  # (looked at one by one only then)
        seen: dict[tuple[dt.date, str], Article] = {}
        for place, article in zip(places, articles, strict=True):
            if place in seen:
                problems.append(Problem(article.source, 1, f"same URL as {seen[place].source}"))
            else:
                seen[place] = article
    return articles, problems, kept


def read_article(
    path: Path, raw: bytes, content: Path, config: SiteConfig, problems: list[Problem], label: str = ""
) -> Article | Draft | None:
    """`label`: str(path), if the caller has it (the build cache's key: one string pickled once)."""
    label = label or str(path)
    relative = path.relative_to(content).as_posix()
    where = DATE_DIR.match(relative)
    if not where:
        problems.append(Problem(label, 1, "article files must be content/YYYY/MM/DD/<slug>.md"))
        return None
    try:
        folder_date = dt.date(int(where[1]), int(where[2]), int(where[3]))
    except ValueError:
        problems.append(Problem(label, 1, f"folder {where[1]}/{where[2]}/{where[3]} is not a real date"))
        return None
    try:
        source = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(Problem(label, 1, f"not UTF-8 (byte {exc.start})"))
        return None

    before = len(problems)
    meta, lines, body = _front_matter(source, label, problems)
    if meta is None:
        return None
    fields = _Fields(meta, lines, label, problems)
    for key in meta:
        if key not in KEYS:
            fields.fail(key, f"unknown key '{key}'")
    if meta.get("draft", "false") in ("true", "yes", "True"):
        return Draft(label)

    title = fields.text("title", required=True)
    date = fields.date("date") or folder_date
    if date != folder_date:
        fields.fail("date", f"date {date} disagrees with the folder's date {folder_date}")
    section_name = fields.text("section", required=True)
    section = config.section(section_name)
    if section_name and section is None:
        names = "、".join(s.name for s in config.sections)
        fields.fail("section", f"unknown section '{section_name}' (site.yaml has {names})")
    kind = fields.text("kind") or "news"
    if kind not in KINDS:
        fields.fail("kind", f"kind must be one of {', '.join(KINDS)}")
    slug = fields.text("slug") or where[4]
    if not SLUG_RE.match(slug) or slug in RESERVED:
        if fields.text("slug"):
            fields.fail("slug", f"slug '{slug}' must be lowercase a-z, 0-9, '-' and not {sorted(RESERVED)}")
        else:
            slug = slugify(slug, limit=200) or "article"
            slug = f"{slug}-article" if slug in RESERVED else slug
    byline, people, dateline = fields.byline()
    photos = fields.photos(path.parent)
    body_html = markup.to_html(body)
    if len(problems) > before or section is None:
        return None
    return Article(
        source=label,
        slug=slug,
        date=_shared(date),
        title=title,
        section=section,
        kicker=fields.text("kicker"),
        subtitle=fields.text("subtitle"),
        page=fields.positive("page"),
        order=fields.positive("order"),
        byline=byline,
        people=tuple(map(_shared, people)),
        dateline=fields.text("dateline") or dateline,
        kind=_shared(kind),
        photos=photos,
        tags=tuple(fields.strings("tags")),
        body=Body(body_html, markup.to_text(body_html)),
        digest=hashlib.sha1(raw).hexdigest(),
    )


_SHARED: dict[object, Any] = {}


def _shared(value: T) -> T:
    """One object for equal values (a reporter's byline entry, an issue date) across the articles
    read: the build cache's pickles then hold each once per month, and load a quarter faster."""
    return _SHARED.setdefault(value, value)  # type: ignore[no-any-return]


def _front_matter(
    source: str, label: str, problems: list[Problem]
) -> tuple[dict[str, Any] | None, dict[str, int], str]:
    lines = source.splitlines()
    if not lines or lines[0].strip() != "---":
        problems.append(Problem(label, 1, "missing front matter: the file must start with a '---' line"))
        return None, {}, ""
    try:
        end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---")
    except StopIteration:
        problems.append(Problem(label, 1, "front matter is not closed by a '---' line"))
        return None, {}, ""
    text = "\n".join(lines[1:end])
    # BaseLoader keeps every scalar a string: '2022-02-30' and 'yes' are checked here, not coerced.
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        meta = loader.construct_document(node) if node is not None else {}
    except yaml.YAMLError as exc:
        # the context mark points at what was left open (a '[' or a quote), the problem mark past it
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = (mark.line + 2) if mark is not None else 1
        problems.append(Problem(label, line, f"invalid YAML in front matter: {getattr(exc, 'problem', exc)}"))
        return None, {}, ""
    finally:
        loader.dispose()
    if not isinstance(meta, dict):
        problems.append(Problem(label, 2, "front matter must be a mapping of keys"))
        return None, {}, ""
    key_lines = {}
    if isinstance(node, yaml.MappingNode):
        key_lines = {key.value: key.start_mark.line + 2 for key, _ in node.value}
    return meta, key_lines, "\n".join(lines[end + 1:]).strip() + "\n"


class _Fields:
    """Typed access to front matter values, recording a problem at the key's line on bad input."""

    def __init__(self, meta: dict[str, Any], lines: dict[str, int], label: str, problems: list[Problem]):
        self.meta, self.lines, self.label, self.problems = meta, lines, label, problems

    def fail(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.label, self.lines.get(key, 1), message))

    def text(self, key: str, required: bool = False) -> str:
        value = self.meta.get(key, "")
        if not isinstance(value, str):
            self.fail(key, f"'{key}' must be text")
            return ""
        if required and not value.strip():
            self.fail(key, f"missing required '{key}'")
        return value.strip()

    def date(self, key: str) -> dt.date | None:
        value = self.text(key)
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.fail(key, f"'{value}' is not a real date (YYYY-MM-DD)")
            return None

    def positive(self, key: str) -> int | None:
        value = self.text(key)
        if not value:
            return None
        if not value.isdigit() or int(value) < 1:
            self.fail(key, f"'{key}' must be a positive whole number")
            return None
        return int(value)

    def strings(self, key: str) -> list[str]:
        value = self.meta.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(key, f"'{key}' must be a list of text")
            return []
        return [v.strip() for v in value if v.strip()]

    def byline(self) -> tuple[str, tuple[Person, ...], str]:
        value = self.meta.get("byline", "")
        if isinstance(value, str):
            parsed = parse_byline(value)
            return parsed.printed, parsed.people, parsed.dateline
        people: list[Person] = []
        if not isinstance(value, list):
            self.fail("byline", "'byline' must be text or a list of {name, role, org}")
            return "", (), ""
        for item in value:
            valid = isinstance(item, dict) and isinstance(item.get("name"), str)
            if not valid or set(item) - {"name", "role", "org"}:
                self.fail("byline", "each byline entry needs a 'name' and may have 'role' and 'org'")
                continue
            role = item.get("role", "记者")
            if role not in ROLES:
                self.fail("byline", f"role '{role}' must be one of {'、'.join(ROLES)}")
                continue
            people.append(Person(item["name"].strip(), role, str(item.get("org", "")).strip()))
        printed = " ".join(f"{p.org}{p.role} {p.name}" for p in people)
        return printed, tuple(people), ""

    def photos(self, folder: Path) -> tuple[Photo, ...]:
        value = self.meta.get("photos", [])
        if not isinstance(value, list):
            self.fail("photos", "'photos' must be a list of {src, caption, credit}")
            return ()
        photos: list[Photo] = []
        for item in value:
            if not isinstance(item, dict) or set(item) - {"src", "caption", "credit"}:
                self.fail("photos", "each photo has only 'src', 'caption' and 'credit'")
                continue
            if not all(isinstance(v, str) for v in item.values()):
                self.fail("photos", "photo fields must be text")
                continue
            src = item.get("src", "").strip()
            if src and (not re.match(r"^[\w./-]+$", src) or ".." in src or not (folder / src).is_file()):
                self.fail("photos", f"photo '{src}' not found next to the article")
                continue
            photos.append(Photo(item.get("caption", "").strip(), item.get("credit", "").strip(), src))
        return tuple(photos)
