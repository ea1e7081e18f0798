"""RSS 2.0 feeds (full content), sitemaps and robots.txt: the files read by machines."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from generator.config import SiteConfig
from generator.corpus import Article, Corpus
from generator.routes import Urls

DC = "http://purl.org/dc/elements/1.1/"
ATOM = "http://www.w3.org/2005/Atom"
ET.register_namespace("dc", DC)
ET.register_namespace("atom", ATOM)
SITEMAP_LIMIT = 50_000  # URLs one sitemap file may list (sitemaps.org)
RELATIVE_ATTR = re.compile(r'(src|href)="(?![a-z][a-z0-9+.-]*:|#|/)([^"]*)"')


@dataclass(frozen=True)
class Feed:
    url: str  # where the feed lives, relative to the root
    title: str
    link: str  # the HTML page it follows
    articles: tuple[Article, ...]  # newest first


def feeds(corpus: Corpus) -> list[Feed]:
    """The site's feed, one per section and one per byline page."""
    limit = corpus.config.per_page
    title = corpus.config.title
    result = [Feed(Urls.named("feed"), title, Urls.named("home"), corpus.newest_first(limit))]
    for section in corpus.config.sections:
        result.append(Feed(Urls.section_feed(section), f"{title} · {section.name}", Urls.section(section),
                           corpus.in_section(section)[:limit]))
    for person in corpus.contributors:
        articles = person.newest(limit)
        result.append(Feed(Urls.person_feed(person.slug), f"{title} · {person.name}", Urls.person(person.slug),
                           articles))
    return result


def published(date: dt.date, config: SiteConfig) -> dt.datetime:
    return dt.datetime.combine(date, dt.time(), ZoneInfo(config.timezone))


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_datetime(moment: dt.datetime) -> str:
    """An RFC 822 date, as email.utils.format_datetime writes it for an aware datetime (importing
    email.utils costs an edit's build more than a hundredth of a second)."""
    offset = moment.utcoffset() or dt.timedelta()
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    zone = f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
    return (f"{_DAYS[moment.weekday()]}, {moment.day:02d} {_MONTHS[moment.month - 1]} {moment.year:04d} "
            f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} {zone}")


def rss(feed: Feed, config: SiteConfig) -> bytes:
    def absolute(url: str) -> str:
        return config.base_url + url

    root = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(root, "channel")
    _text(channel, "title", feed.title)
    _text(channel, "link", absolute(feed.link))
    _text(channel, "description", config.description or config.title)
    _text(channel, "language", config.language)
    ET.SubElement(channel, f"{{{ATOM}}}link", {"href": absolute(feed.url), "rel": "self",
                                                "type": "application/rss+xml"})
    if feed.articles:
        _text(channel, "lastBuildDate", format_datetime(published(feed.articles[0].date, config)))
    for article in feed.articles:
        url = Urls.article(article)
        item = ET.SubElement(channel, "item")
        _text(item, "title", article.title)
        _text(item, "link", absolute(url))
        _text(item, "guid", absolute(url)).set("isPermaLink", "true")
        _text(item, "pubDate", format_datetime(published(article.date, config)))
        _text(item, "category", article.section.name)
        for person in article.people:
            _text(item, f"{{{DC}}}creator", person.name)
        _text(item, "description", _full_content(article, absolute(url)))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _full_content(article: Article, url: str) -> str:
    """The article body with links made absolute, since feed readers do not know the page's folder."""
    base = url.rsplit("/", 1)[0] + "/"
    head = "".join(f"<p>{_escape(part)}</p>" for part in (article.kicker, article.subtitle) if part)
    byline = f"<p>{_escape(article.byline)}</p>" if article.byline else ""
    body = RELATIVE_ATTR.sub(lambda m: f'{m[1]}="{base}{m[2]}"', article.body_html)
    return head + byline + body


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = text
    return element


def sitemaps(urls: Sequence[str]) -> list[tuple[str, bool, Sequence[str]]]:
    """The sitemap files, (name, whether it is an index, what it lists): sitemap.xml listing every page,
    or, past SITEMAP_LIMIT pages (a sitemap may list no more, sitemaps.org), sitemap.xml as the
    index of sitemap-1.xml, sitemap-2.xml …, which list them SITEMAP_LIMIT at a time."""
    if len(urls) <= SITEMAP_LIMIT:
        return [("sitemap.xml", False, urls)]
    parts = [(f"sitemap-{n}.xml", False, urls[start:start + SITEMAP_LIMIT])
             for n, start in enumerate(range(0, len(urls), SITEMAP_LIMIT), start=1)]
    return [("sitemap.xml", True, [name for name, _, _ in parts]), *parts]


def sitemap(urls: Iterable[str], config: SiteConfig, index: bool = False) -> bytes:
    """A sitemap of `urls` (relative to the root), or a sitemap index of the sitemaps `urls`; written
    as ElementTree would write and indent it, a hundred thousand URLs in a tenth of its time."""
    root, entry = ("sitemapindex", "sitemap") if index else ("urlset", "url")
    lines = [f"<?xml version='1.0' encoding='utf-8'?>\n<{root} xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"]
    lines += [f"  <{entry}>\n    <loc>{_escape(config.base_url + url)}</loc>\n  </{entry}>" for url in urls]
    lines.append(f"</{root}>\n")
    return "\n".join(lines).encode()


def robots(config: SiteConfig) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {config.base_url}sitemap.xml\n".encode()
