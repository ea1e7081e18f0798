"""Pages to HTML with jinja2, autoescaped; a site's own templates/ override the project's."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import pickle
import shutil
import traceback
from functools import partial
from pathlib import Path
from typing import Any

from jinja2 import (
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    meta,
    select_autoescape,
)

from generator.byline import Person
from generator.config import SiteConfig
from generator.corpus import Article, Corpus
from generator.errors import ContentError, Problem
from generator.feeds import published
from generator.routes import URLS, Page, Urls, relative

PROJECT = Path(__file__).resolve().parent.parent
WEEKDAYS = "一二三四五六日"


def template_dirs(site: Path) -> list[Path]:
    return [d for d in (site / "templates", PROJECT / "templates") if d.is_dir()]


def environment(site: Path, compiled: Path | None = None) -> Environment:
    """The templates' environment; with `compiled`, a folder where each template's compiled code is kept
    (by its source's hash, so an edited template is compiled again): a build that renders a few pages
    spent more time compiling their templates than rendering them."""
    env = Environment(
        loader=FileSystemLoader([str(d) for d in template_dirs(site)]),
        bytecode_cache=FileSystemBytecodeCache(str(compiled)) if compiled else None,
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["cn_date"] = cn_date
    env.filters["weekday"] = lambda d: "星期" + WEEKDAYS[d.weekday()]
    env.filters["page_label"] = lambda p: f"第{p:02d}版" if p else "未标版次"
    env.globals["urls"] = Urls
    env.globals["URLS"] = URLS
    return env


def compiled_folder(cache: Path, salt: str) -> Path:
    """The folder for environment()'s compiled templates, under the build cache: one per `salt` (the code
    and configuration, which decide the environment's options); those of other salts are removed."""
    folder = cache / "templates" / salt[:16]
    if not folder.is_dir():
        if folder.parent.is_dir():
            for other in folder.parent.iterdir():
                shutil.rmtree(other, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def template_keys(env: Environment, compiled: Path | None = None) -> dict[str, str]:
    """For each template, a hash of its source and of every template it extends, includes or imports.

    With `compiled` (environment()'s folder), the templates each one uses are kept there by its
    source's hash, so unchanged templates are not parsed again.
    """
    loader = env.loader
    assert loader is not None
    sources = {name: loader.get_source(env, name)[0] for name in env.list_templates(extensions=["html", "xml"])}
    known: dict[tuple[str, str], set[str]] = {}
    if compiled:
        try:
            with open(compiled / "uses.pickle", "rb") as handle:
                known = pickle.load(handle)
        except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError, ValueError):
            known = {}
        known = known if isinstance(known, dict) else {}
    digests = {name: hashlib.sha1(text.encode()).hexdigest() for name, text in sources.items()}
    try:
        uses = {name: known[name, digests[name]] if (name, digests[name]) in known
                else set(meta.find_referenced_templates(env.parse(text, name))) - {None}
                for name, text in sources.items()}
    except TemplateSyntaxError as exc:
        path = loader.get_source(env, exc.name)[1] if exc.name else None
        raise ContentError([Problem(path or exc.name or "?", exc.lineno, f"template error: {exc.message}")]) from None
    now = {(name, digests[name]): used for name, used in uses.items()}
    if compiled and now != known:
        with open(compiled / "uses.pickle.tmp", "wb") as sink:
            pickle.dump(now, sink)
        (compiled / "uses.pickle.tmp").replace(compiled / "uses.pickle")

    def closure(name: str, seen: set[str]) -> set[str]:
        if name in seen or name not in sources:
            return seen
        seen.add(name)
        for used in uses[name]:
            closure(str(used), seen)
        return seen

    return {
        name: hashlib.sha1("\0".join(sources[n] for n in sorted(closure(name, set()))).encode()).hexdigest()
        for name in sources
    }


def cn_date(date: dt.date) -> str:
    return f"{date.year}年{date.month}月{date.day}日"


def render_page(env: Environment, page: Page, corpus: Corpus) -> bytes:
    """One page; a broken template is reported as a content error at its file and line."""
    try:
        return _render(env, page, corpus)
    except TemplateError as exc:
        raise ContentError([_template_problem(exc, page)]) from None


def _template_problem(exc: TemplateError, page: Page) -> Problem:
    if isinstance(exc, TemplateSyntaxError):
        return Problem(exc.filename or exc.name or page.template, exc.lineno, f"template error: {exc.message}")
    frames = traceback.extract_tb(exc.__traceback__)
    inside = [f for f in frames if f.filename.endswith((".html", ".xml"))]
    where = inside[-1] if inside else None
    path = where.filename if where else page.template
    return Problem(path, where.lineno or 1 if where else 1, f"template error rendering {page.url}: {exc}")


def _render(env: Environment, page: Page, corpus: Corpus) -> bytes:
    template = env.get_template(page.template)
    context: dict[str, Any] = {
        "site": corpus.config,
        "page_url": page.url,
        "rel": partial(relative, page.url),
        "feed_url": relative(page.url, page.feed or URLS["feed"]),
        "nav_sections": corpus.config.sections,
        **page.context,
    }
    if page.template == "article.html":
        context["json_ld"] = json_ld(page.context["article"], page.context["people"], corpus.config)
    return template.render(context).encode("utf-8")


def json_ld(article: Article, people: list[tuple[Person, str]], config: SiteConfig) -> str:
    """schema.org NewsArticle; '<' escaped so the JSON can never close its script element."""
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "datePublished": published(article.date, config).isoformat(),
        "author": [
            {"@type": "Person", "name": person.name, "url": config.base_url + Urls.person(slug)}
            for person, slug in people
        ],
        "articleSection": article.section.name,
        "url": config.base_url + Urls.article(article),
        "inLanguage": config.language,
        "publisher": {"@type": "Organization", "name": config.title},
    }
    if article.subtitle:
        data["alternativeHeadline"] = article.subtitle
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
