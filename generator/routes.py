"""The URL scheme and the plan of pages: one table answers "where does this page live".

Every link is written relative to the page it is on, and every folder link names its index.html,
so the built folder works from file:// and under any base path.
"""

from __future__ import annotations

import datetime as dt
import posixpath
from calendar import Calendar
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from generator.config import Section
from generator.corpus import Article, Contributor, Corpus, Issue

URLS = {
    "home": "index.html",
    "article": "{y:04d}/{m:02d}/{d:02d}/{slug}.html",
    "issue": "{y:04d}/{m:02d}/{d:02d}/index.html",
    "month": "{y:04d}/{m:02d}/index.html",
    "year": "{y:04d}/index.html",
    "archive": "archive/index.html",
    "sections": "section/index.html",
    "section": "section/{slug}/index.html",
    "people": "people/index.html",
    "person": "people/{slug}/index.html",
    "search": "search/index.html",
    "not_found": "404.html",
    "feed": "feed.xml",
    "section_feed": "section/{slug}/feed.xml",
    "person_feed": "people/{slug}/feed.xml",
}


class Urls:
    """URLs of things, relative to the site root."""

    @staticmethod
    def article(article: Article) -> str:
        d = article.date
        return URLS["article"].format(y=d.year, m=d.month, d=d.day, slug=article.slug)

    @staticmethod
    def issue(date: dt.date) -> str:
        return URLS["issue"].format(y=date.year, m=date.month, d=date.day)

    @staticmethod
    def month(year: int, month: int) -> str:
        return URLS["month"].format(y=year, m=month)

    @staticmethod
    def year(year: int) -> str:
        return URLS["year"].format(y=year)

    @staticmethod
    def section(section: Section) -> str:
        return URLS["section"].format(slug=section.slug)

    @staticmethod
    def section_feed(section: Section) -> str:
        return URLS["section_feed"].format(slug=section.slug)

    @staticmethod
    def person(slug: str) -> str:
        return URLS["person"].format(slug=slug)

    @staticmethod
    def person_feed(slug: str) -> str:
        return URLS["person_feed"].format(slug=slug)

    @staticmethod
    def named(name: str) -> str:
        return URLS[name]


def paged(url: str, number: int) -> str:
    """Page 1 lives at the list's own URL; page n at <folder>/page/n/index.html."""
    if number == 1:
        return url
    return posixpath.join(posixpath.dirname(url), "page", str(number), "index.html")


def relative(from_url: str, to_url: str) -> str:
    """A link from one page to another that works from disk and under any base path.

    Both URLs are root-relative and normalised, so this is plain list work (posixpath.relpath,
    which consults the working directory, was the hot spot of rendering).
    """
    here = from_url.split("/")[:-1]
    there = to_url.split("/")
    common = 0
    while common < len(here) and common < len(there) - 1 and here[common] == there[common]:
        common += 1
    return "/".join([".."] * (len(here) - common) + there[common:])


@dataclass(frozen=True)
class Pager:
    number: int
    count: int
    urls: tuple[str, ...]  # the URL of every page of this list

    @property
    def previous(self) -> str | None:
        return self.urls[self.number - 2] if self.number > 1 else None

    @property
    def next(self) -> str | None:
        return self.urls[self.number] if self.number < self.count else None

    def window(self, around: int = 2) -> list[tuple[int, str | None]]:
        """The page links a pager shows: the first and the last page and those within `around` of
        this one, (number, URL) in order, with (0, None) where pages are left out. A list of 700
        pages (a big section at 100,000 articles) would otherwise list 700 links on each of them."""
        shown = sorted({1, self.count, *range(max(1, self.number - around), min(self.count, self.number + around) + 1)})
        out: list[tuple[int, str | None]] = []
        for number in shown:
            if out and number - out[-1][0] == 2:  # a gap of one page: that page rather than "…"
                out.append((number - 1, self.urls[number - 2]))
            elif out and number - out[-1][0] > 2:
                out.append((0, None))
            out.append((number, self.urls[number - 1]))
        return out


@dataclass(frozen=True)
class Page:
    url: str
    template: str
    context: dict[str, Any] = field(compare=False)
    feed: str = ""  # the RSS feed this page advertises, relative to the root


def paginate(url: str, items: Sequence[Any], per_page: int) -> list[tuple[str, Sequence[Any], Pager]]:
    count = max(1, -(-len(items) // per_page))
    urls = tuple(paged(url, n) for n in range(1, count + 1))
    return [
        (urls[n - 1], items[(n - 1) * per_page: n * per_page], Pager(n, count, urls))
        for n in range(1, count + 1)
    ]


Group = Callable[[], list[Page]]


def plan(corpus: Corpus, related: Mapping[str, tuple[Article, ...]] | None = None) -> list[Page]:
    """Every HTML page of the site, in a stable order; `related`: 相关报道 by article URL."""
    return [page for make in groups(corpus, related) for page in make()]


def groups(corpus: Corpus, related: Mapping[str, tuple[Article, ...]] | None = None) -> list[Group]:
    """The plan in groups that are made on their own, in its order: the home page, each issue with
    its articles, the archive, each section, each person... An edit that reaches a few pages makes
    only the groups that hold them (depends.py), not every page's context."""
    per_page = corpus.config.per_page
    issues = corpus.issues
    made: list[Group] = []
    made.append(partial(_home, issues, per_page))
    for number in range(len(issues)):
        made.append(partial(_issue_group, corpus, number, related or {}))
    made.append(partial(_archive_pages, corpus))
    made.append(partial(_sections_page, corpus))
    for section in corpus.config.sections:
        made.append(partial(_section_pages, corpus, section))
    made.append(partial(_people_page, corpus))
    for person in corpus.contributors:
        made.append(partial(_person_pages, person, per_page))
    made.append(partial(_closing_pages, corpus))
    return made


@dataclass(frozen=True)
class Credited:
    """A person as the byline pages show them: name, roles and how many articles, not the articles
    themselves, so that an edited article's text reaches only the pages that list it."""

    name: str
    slug: str
    roles: tuple[str, ...]
    count: int

    @classmethod
    def of(cls, person: Contributor) -> Credited:
        return cls(person.name, person.slug, person.roles, len(person.named))


def _home(issues: tuple[Issue, ...], per_page: int) -> list[Page]:
    if not issues:  # an archive with no issue yet still has a front page, which says so
        return [Page(URLS["home"], "issue.html", {"issue": None, "articles": (), "pager": Pager(1, 1, (URLS["home"],)),
                                                  "home": True, "previous_issue": None, "next_issue": None})]
    return _issue_page(URLS["home"], issues, len(issues) - 1, per_page, home=True)[:1]


def _issue_group(corpus: Corpus, number: int, related: Mapping[str, tuple[Article, ...]]) -> list[Page]:
    issues = corpus.issues
    issue = issues[number]
    pages = _issue_page(Urls.issue(issue.date), issues, number, corpus.config.per_page)
    for index, article in enumerate(issue.articles):
        pages.append(_article_page(article, issue, index, corpus, related.get(Urls.article(article), ())))
    return pages


def _sections_page(corpus: Corpus) -> list[Page]:
    return [Page(URLS["sections"], "sections.html", {"sections": _section_counts(corpus)})]


def _section_pages(corpus: Corpus, section: Section) -> list[Page]:
    return [Page(url, "section.html", {"section": section, "articles": items, "pager": pager},
                 Urls.section_feed(section))
            for url, items, pager in paginate(Urls.section(section), corpus.in_section(section),
                                              corpus.config.per_page)]


def _people_page(corpus: Corpus) -> list[Page]:
    return [Page(URLS["people"], "people.html", {"contributors": [Credited.of(c) for c in corpus.contributors]})]


def _person_pages(person: Contributor, per_page: int) -> list[Page]:
    shown = Credited.of(person)
    return [Page(url, "person.html", {"person": shown, "credits": items, "pager": pager}, Urls.person_feed(person.slug))
            for url, items, pager in paginate(Urls.person(person.slug), person.credits, per_page)]


def _closing_pages(corpus: Corpus) -> list[Page]:
    return [Page(URLS["search"], "search.html", {"sections": corpus.config.sections}),
            Page(URLS["not_found"], "404.html", {})]


def _issue_page(url: str, issues: tuple[Issue, ...], index: int, per_page: int, home: bool = False) -> list[Page]:
    """The pages of issues[index]; given its position, since looking it up for every issue was quadratic."""
    issue = issues[index]
    neighbours = {
        "previous_issue": issues[index - 1].date if index > 0 else None,
        "next_issue": issues[index + 1].date if index + 1 < len(issues) else None,
    }
    return [
        Page(page_url, "issue.html",
             {"issue": issue, "articles": items, "pager": pager, "home": home, **neighbours})
        for page_url, items, pager in paginate(url, issue.articles, per_page)
    ]


def _article_page(article: Article, issue: Issue, index: int, corpus: Corpus,
                  related: tuple[Article, ...] = ()) -> Page:
    neighbours = issue.articles
    context = {
        "article": article,
        "previous": neighbours[index - 1] if index > 0 else None,
        "next": neighbours[index + 1] if index + 1 < len(neighbours) else None,
        "people": [(person, corpus.slug_of(person.name)) for person in article.people],
        "related": related,
    }
    return Page(Urls.article(article), "article.html", context, Urls.section_feed(article.section))


def _archive_pages(corpus: Corpus) -> list[Page]:
    by_year: dict[int, dict[int, list[Issue]]] = {}
    for issue in corpus.issues:
        by_year.setdefault(issue.date.year, {}).setdefault(issue.date.month, []).append(issue)
    years = [(year, [(m, len(items), sum(len(i.articles) for i in items)) for m, items in months.items()])
             for year, months in sorted(by_year.items(), reverse=True)]
    pages = [Page(URLS["archive"], "archive.html", {"years": years})]
    for year, months in sorted(by_year.items()):
        # the issues' dates, not the issues: a year page shows no article
        summary = [(m, [issue.date for issue in items]) for m, items in sorted(months.items())]
        pages.append(Page(Urls.year(year), "year.html", {"year": year, "months": summary}))
        for month, items in sorted(months.items()):
            pages.append(Page(Urls.month(year, month), "month.html", {
                "year": year, "month": month, "issues": items,
                "weeks": _calendar(year, month, {i.date: i for i in items}),
            }))
    return pages


def _calendar(year: int, month: int, issues: dict[dt.date, Issue]) -> list[list[tuple[int, Issue | None]]]:
    """Weeks of (day, issue or None), Monday first; day 0 pads days of other months."""
    weeks = Calendar().monthdatescalendar(year, month)
    return [[(d.day if d.month == month else 0, issues.get(d)) for d in week] for week in weeks]


def _section_counts(corpus: Corpus) -> list[tuple[Section, int]]:
    counts = {section: 0 for section in corpus.config.sections}
    for article in corpus.articles:
        counts[article.section] += 1
    return list(counts.items())
