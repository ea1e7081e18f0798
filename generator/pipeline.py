"""The build, stage by stage: files -> typed corpus -> pages -> output written atomically.

Every output file has a key (cache.key) made from what it depends on; a file whose key is unchanged
since the last build into the same folder is neither rendered nor written, so an incremental build
gives exactly what a cold build gives, only faster. Pages are rendered by forked workers on every
core when there are enough of them.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from generator import feeds, related, search_index, search_patch, segment
from generator.cache import Cache, code_version, key, signature
from generator.config import load_config
from generator.corpus import Corpus
from generator.errors import ContentError
from generator.output import Staging, staged
from generator.reader import read_content
from generator.render import PROJECT, environment, render_page, template_keys
from generator.routes import Page, plan
from generator.slugs import person_slug, unique_slugs

PARALLEL_FROM = 400  # below this many pages, starting workers costs more than it saves

Progress = Callable[[str, int, int], None]


@dataclass
class Report:
    pages: int = 0
    written: int = 0
    reused: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def timed(self, stage: str, started: float) -> float:
        now = time.perf_counter()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - started
        return now


def load(site: Path, cache: Cache | None = None) -> Corpus:
    """Read and validate everything; raises ContentError with every problem found."""
    config = load_config(site)
    cached = cache.articles() if cache else {}
    articles, problems, entries = read_content(site, config, cached)
    problems += segment.read_dictionary(site)[1]
    if problems:
        raise ContentError(problems)
    if cache and entries != cached:
        cache.save_articles(entries, cached)
    names = sorted({person.name for article in articles for person in article.people})
    known = cache.names() if cache else {}
    if cache and not known.keys() >= set(names):
        known = {**known, **{name: person_slug(name) for name in names if name not in known}}
        cache.save_names(known)
    return Corpus.build(config, articles, unique_slugs(names, known))


def build(site: Path, output: Path, progress: Progress | None = None) -> Report:
    report = Report()
    started = time.perf_counter()
    site_key = key(code_version(), *(_bytes(site / name) for name in ("site.yaml", "dictionary.txt")))
    cache = Cache(site, site_key)
    corpus = load(site, cache)
    started = report.timed("read", started)
    segment.configure(site, [person.name for person in corpus.contributors])
    try:
        related_articles = related.related_cached(corpus, cache.folder)  # 相关报道
    finally:
        segment.flush()
    started = report.timed("related", started)
    pages = plan(corpus, related_articles)
    env = environment(site)
    templates = template_keys(env)
    with staged(output, cache.manifest(output)) as staging:
        for directory in dict.fromkeys([(PROJECT / "static").resolve(), (site / "static").resolve()]):
            staging.copy_tree(directory, prefix="static")
        staging.copy_tree(site / "content", skip_suffix=".md")
        started = report.timed("copy", started)
        _render_all(site, pages, corpus, templates, site_key, staging, progress)
        report.pages = len(pages)
        started = report.timed("render", started)
        memo: dict[int, object] = {}
        for feed in feeds.feeds(corpus):
            feed_key = key(site_key, "feed", signature(feed, memo))
            if not staging.fresh(feed.url, feed_key):
                staging.put(feed.url, feeds.rss(feed, corpus.config))
        urls = [page.url for page in pages]
        if not staging.fresh("sitemap.xml", key(site_key, "sitemap", urls)):
            staging.put("sitemap.xml", feeds.sitemap(urls, corpus.config))
        staging.write("robots.txt", feeds.robots(corpus.config))
        started = report.timed("feeds", started)
        search_inputs = _search_index(corpus, staging, cache, site_key, output)
        started = report.timed("search", started)
        report.written, report.reused = staging.written, staging.reused
    segment.flush()
    cache.save_manifest(output, staging.keys)
    cache.save_search_key(search_inputs)  # only once the output holds that index
    report.timed("write", started)
    return report


def _search_index(corpus: Corpus, staging: Staging, cache: Cache, site_key: str, output: Path) -> str:
    """The offline search index, unless nothing it is made from has changed since the last build.

    Articles edited in place are patched into the last build's index (search_patch); anything else
    makes it again whole. Only the shards that come out different are written.
    """
    inputs = key(site_key, segment.current().dictionary.fingerprint,
                 [(a.digest, a.slug, a.date.isoformat()) for a in corpus.articles],
                 [(c.name, c.slug) for c in corpus.contributors])
    previous = {url: k for url, k in staging.previous.items() if url.startswith(search_index.DATA)}
    if previous and cache.search_key() == inputs:
        for url, file_key in previous.items():
            staging.fresh(url, file_key)
        return inputs
    # the segmenter is still configured: site words, token cache
    search_patch.update(corpus, staging, output.resolve(), cache.folder, site_key, previous)
    return inputs


def _bytes(path: Path) -> bytes:
    return path.read_bytes() if path.is_file() else b""


# Forked workers inherit the build's state instead of receiving it pickled.
_STATE: dict[str, object] = {}


def _render_all(site: Path, pages: list[Page], corpus: Corpus, templates: dict[str, str], site_key: str,
                staging: Staging, progress: Progress | None) -> None:
    _STATE.update(site=site, pages=pages, corpus=corpus, templates=templates, site_key=site_key,
                  root=staging.root, previous=staging.previous)
    workers = min(os.cpu_count() or 1, 8)
    chunks = [range(start, min(start + 200, len(pages))) for start in range(0, len(pages), 200)]
    done = 0
    try:
        if workers > 1 and len(pages) >= PARALLEL_FROM:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for keys, written in pool.imap(_render_chunk, chunks):
                    done = _collect(staging, keys, written, done, len(pages), progress)
        else:
            for chunk in chunks:
                keys, written = _render_chunk(chunk)
                done = _collect(staging, keys, written, done, len(pages), progress)
    finally:
        _STATE.clear()


def _collect(staging: Staging, keys: dict[str, str], written: int, done: int, total: int,
             progress: Progress | None) -> int:
    staging.keys.update(keys)
    staging.written += written
    done += len(keys)
    if progress:
        progress("render", done, total)
    return done


def _render_chunk(indices: range) -> tuple[dict[str, str], int]:
    pages: list[Page] = _STATE["pages"]  # type: ignore[assignment]
    corpus: Corpus = _STATE["corpus"]  # type: ignore[assignment]
    templates: dict[str, str] = _STATE["templates"]  # type: ignore[assignment]
    previous: dict[str, str] = _STATE["previous"]  # type: ignore[assignment]
    root: Path = _STATE["root"]  # type: ignore[assignment]
    env = _STATE.get("env") or environment(_STATE["site"])  # type: ignore[arg-type]
    _STATE["env"] = env
    memo: dict[int, object] = _STATE.setdefault("memo", {})  # type: ignore[assignment]
    keys: dict[str, str] = {}
    written = 0
    for index in indices:
        page = pages[index]
        page_key = key(_STATE["site_key"], templates.get(page.template), page.feed, signature(page.context, memo))
        keys[page.url] = page_key
        if previous.get(page.url) == page_key:
            continue
        path = root / page.url
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(render_page(env, page, corpus))  # type: ignore[arg-type]
        written += 1
    return keys, written
