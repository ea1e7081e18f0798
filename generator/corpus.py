"""The typed corpus: articles grouped into issues (期), sections (栏目) and the people of the bylines."""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import groupby
from operator import attrgetter

from generator.byline import Person
from generator.config import Section, SiteConfig

KINDS = ("news", "photo", "opinion", "brief")


@dataclass(frozen=True)
class Photo:
    caption: str
    credit: str = ""
    src: str = ""


class Body:
    """An article's body as HTML and as plain text: held in memory while new, read back when needed.

    The bodies are most of an archive's size (a hundred thousand articles: over a gigabyte as Python
    text, twice over), yet a build that changes little reads few of them. Once the build cache has
    stored them (cache.py), each is read from its place in a month's file on every use, not kept.
    """

    __slots__ = ("_html", "_text", "_where")

    def __init__(self, html: str = "", text: str = "") -> None:
        self._html: str | None = html
        self._text: str | None = text
        self._where: tuple[str, int, int, int] | None = None  # file, offset, bytes of HTML, bytes of text

    @property
    def html(self) -> str:
        return self._html if self._html is not None else self._read(html=True)

    @property
    def text(self) -> str:
        return self._text if self._text is not None else self._read(html=False)

    def text_at(self) -> tuple[str, int, int] | None:
        """Where the text is stored: the file, its first byte and the byte after it; None while the
        text is in memory."""
        if self._where is None:
            return None
        path, offset, html_size, text_size = self._where
        return path, offset + html_size, offset + html_size + text_size

    def stored(self, path: str, offset: int, html_size: int, text_size: int) -> None:
        """The body is now at `offset` in `path`: let go of the text in memory."""
        self._where = (path, offset, html_size, text_size)
        self._html = self._text = None

    def _read(self, html: bool) -> str:
        """The HTML or the text alone: the search index and 相关报道 read every text, pages the HTML."""
        assert self._where is not None
        path, offset, html_size, text_size = self._where
        start, size = (offset, html_size) if html else (offset + html_size, text_size)
        return os.pread(_descriptor(path), size, start).decode("utf-8")

    def __getstate__(self) -> object:
        # stored: only where it is (the point of the month files); otherwise the text itself
        return ("at", self._where) if self._where is not None else ("is", self._html, self._text)

    def __setstate__(self, state: tuple[object, ...]) -> None:
        if state[0] == "at":
            self._html = self._text = None
            self._where = state[1]  # type: ignore[assignment]
        else:
            self._html, self._text, self._where = state[1], state[2], None  # type: ignore[assignment]


def texts_matching(articles: Sequence[Article], literals: Iterable[bytes]) -> set[int]:
    """The places of the articles whose text may hold one of `literals` (UTF-8): each whose stored text
    does, looked for a bodies file at a time (a new byline name is looked for in every text of the
    archive: an article at a time, that is every body read), and each whose text is not stored. The
    caller looks at those again; this sees their text alone."""
    found: set[int] = set()
    spans: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for number, article in enumerate(articles):
        at = article.body.text_at()
        if at is None:
            found.add(number)
        else:
            spans[at[0]].append((at[1], at[2], number))
    wanted = [literal for literal in literals if literal]
    for path, places in spans.items():
        with open(path, "rb") as handle:
            find = handle.read().find
        for start, end, number in places:  # the texts alone: half the file, and no match across two parts
            if any(find(literal, start, end) >= 0 for literal in wanted):
                found.add(number)
    return found


_OPEN: dict[str, int] = {}  # the bodies file read last: articles are mostly read in date order


def _descriptor(path: str) -> int:
    """An open descriptor for a bodies file, read with pread: its offset is never moved, so forked
    workers that inherit it do not disturb each other. A bodies file is never rewritten (cache.py)."""
    if path not in _OPEN:
        for descriptor in _OPEN.values():
            os.close(descriptor)
        _OPEN.clear()
        _OPEN[path] = os.open(path, os.O_RDONLY)
    return _OPEN[path]


@dataclass(frozen=True)
class Article:
    source: str  # path of the article file, for messages
    slug: str
    date: dt.date  # the issue (publication) date
    title: str
    section: Section
    kicker: str = ""
    subtitle: str = ""
    page: int | None = None  # 版次
    order: int | None = None
    byline: str = ""  # as printed
    people: tuple[Person, ...] = ()
    dateline: str = ""
    kind: str = "news"
    photos: tuple[Photo, ...] = ()
    tags: tuple[str, ...] = ()
    body: Body = field(default_factory=Body, compare=False, repr=False)  # the digest stands for it
    digest: str = ""  # content hash of the source file

    @property
    def body_html(self) -> str:
        return self.body.html

    @property
    def text(self) -> str:
        """Plain text of the body, for search, summaries and related articles."""
        return self.body.text

    @property
    def sort_key(self) -> tuple[dt.date, int, int, str]:
        """Printed order within an issue: 版次, then position on the page."""
        big = 1 << 30
        return (self.date, self.page or big, self.order or big, self.slug)


@dataclass(frozen=True)
class Issue:
    date: dt.date
    articles: tuple[Article, ...]

    @property
    def pages(self) -> tuple[tuple[int | None, tuple[Article, ...]], ...]:
        """Articles grouped by 版次, in printed order."""
        groups: dict[int | None, list[Article]] = {}
        for article in self.articles:
            groups.setdefault(article.page, []).append(article)
        return tuple((page, tuple(items)) for page, items in groups.items())


# not frozen, though never changed: a frozen dataclass sets each field through object.__setattr__,
# and the people named most have thousands of credits
@dataclass(slots=True)
class Credit:
    """One person's part in one article."""

    article: Article
    role: str
    org: str


@dataclass(frozen=True)
class Contributor:
    """Everyone named in a byline: reporters, trainees, photographers, signed authors."""

    name: str
    slug: str
    # each article and the person as its byline names them, newest first: made into credits on use, as a
    # build that changes little shows few people's pages (100,000 articles name people 170,000 times)
    named: tuple[tuple[Article, Person], ...]

    @cached_property
    def credits(self) -> tuple[Credit, ...]:
        """Newest first."""
        return tuple([Credit(article, person.role, person.org) for article, person in self.named])

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(person.role for _, person in self.named))

    def newest(self, limit: int) -> tuple[Article, ...]:
        """The first `limit` articles, each once (a person may be named twice in one byline).

        By identity, and stopping at the limit: hashing an article hashes all its fields, and the
        people with the most credits have thousands of them.
        """
        seen: dict[int, Article] = {}
        for article, _ in self.named:
            seen.setdefault(id(article), article)
            if len(seen) == limit:
                break
        return tuple(seen.values())


@dataclass(frozen=True)
class Corpus:
    config: SiteConfig
    articles: tuple[Article, ...]  # printed order, oldest issue first
    contributors: tuple[Contributor, ...]
    # content/'s other files (photos beside their articles): path relative to content/, stamp (reader.Stamp)
    files: tuple[tuple[str, bytes], ...] = ()
    _by_date: dict[dt.date, Issue] = field(repr=False, compare=False, default_factory=dict)
    _people: dict[str, Contributor] = field(repr=False, compare=False, default_factory=dict)
    _sections: dict[Section, tuple[Article, ...]] = field(repr=False, compare=False, default_factory=dict)

    @classmethod
    def build(cls, config: SiteConfig, articles: list[Article], slugs: Callable[[list[str]], dict[str, str]],
              files: tuple[tuple[str, bytes], ...] = ()) -> Corpus:
        """`slugs`: the URL slug of each name in the bylines, given them all in sorted order."""
        ordered = tuple(sorted(articles, key=lambda a: a.sort_key))
        credits: dict[str, list[tuple[Article, Person]]] = defaultdict(list)
        for article in reversed(ordered):
            for person in article.people:
                credits[person.name].append((article, person))
        person_slugs = slugs(sorted(credits))
        contributors = tuple(
            Contributor(name, person_slugs[name], tuple(items))
            for name, items in sorted(credits.items(), key=lambda kv: person_slugs[kv[0]])
        )
        # `ordered` is in date order: each issue is one run of it
        issues = {date: Issue(date, tuple(run)) for date, run in groupby(ordered, key=attrgetter("date"))}
        sections: dict[Section, list[Article]] = {section: [] for section in config.sections}
        # by the section object's id: a frozen dataclass's hash and equality are Python calls, and the
        # articles of one cache file share one Section object (a hundred thousand lookups per edit)
        same: dict[int, list[Article]] = {}
        for issue in reversed(issues.values()):
            for article in issue.articles:
                found = same.get(id(article.section))
                if found is None:
                    same[id(article.section)] = found = sections[article.section]
                found.append(article)
        return cls(config, ordered, contributors, files, issues, {c.name: c for c in contributors},
                   {section: tuple(items) for section, items in sections.items()})

    @cached_property
    def sources(self) -> list[str]:
        """Each article's source, in order: a column read once per build, not by every stage (a pass
        over a hundred thousand articles costs some 25 ms)."""
        return list(map(attrgetter("source"), self.articles))

    @cached_property
    def digests(self) -> list[str]:
        return list(map(attrgetter("digest"), self.articles))

    @property
    def issues(self) -> tuple[Issue, ...]:
        """Oldest first (build() fills _by_date in date order)."""
        return tuple(self._by_date.values())

    def issue(self, date: dt.date) -> Issue | None:
        return self._by_date.get(date)

    def in_section(self, section: Section) -> tuple[Article, ...]:
        """Newest first."""
        return self._sections.get(section, ())

    def contributor(self, name: str) -> Contributor | None:
        return self._people.get(name)

    def slug_of(self, name: str) -> str:
        return self._people[name].slug

    def newest_first(self, limit: int | None = None) -> tuple[Article, ...]:
        """Newest issue first, printed order within an issue; the first `limit` of them (a feed needs
        twenty, not a pass over the whole archive)."""
        found: list[Article] = []
        for issue in reversed(self._by_date.values()):
            if limit is not None and len(found) >= limit:
                break
            found += issue.articles
        return tuple(found[:limit])

    @cached_property
    def days(self) -> list[int]:
        """Each article's issue date as an ordinal, in order: a column made an issue at a time."""
        days: list[int] = []
        for date, issue in self._by_date.items():
            days += [date.toordinal()] * len(issue.articles)
        return days
