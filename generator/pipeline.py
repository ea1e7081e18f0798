"""The build, stage by stage: files -> typed corpus -> pages -> output written atomically."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from generator import feeds, search_index
from generator.config import load_config
from generator.corpus import Corpus
from generator.errors import ContentError
from generator.output import staged
from generator.reader import read_content
from generator.render import PROJECT, environment, render_page
from generator.routes import plan
from generator.slugs import unique_slugs


@dataclass
class Report:
    pages: int = 0
    files: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def timed(self, stage: str, started: float) -> float:
        now = time.perf_counter()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - started
        return now


def load(site: Path) -> Corpus:
    """Read and validate everything; raises ContentError with every problem found."""
    config = load_config(site)
    articles, problems = read_content(site, config)
    if problems:
        raise ContentError(problems)
    slugs = unique_slugs([person.name for article in articles for person in article.people])
    return Corpus.build(config, articles, slugs)


def build(site: Path, output: Path) -> Report:
    report = Report()
    started = time.perf_counter()
    corpus = load(site)
    started = report.timed("read", started)
    pages = plan(corpus)
    env = environment(site)
    with staged(output) as staging:
        for directory in (PROJECT / "static", site / "static"):
            staging.copy_tree(directory, prefix="static")
        staging.copy_tree(site / "content", skip_suffix=".md")
        started = report.timed("copy", started)
        for page in pages:
            staging.write(page.url, render_page(env, page, corpus))
        started = report.timed("render", started)
        for feed in feeds.feeds(corpus):
            staging.write(feed.url, feeds.rss(feed, corpus.config))
        staging.write("sitemap.xml", feeds.sitemap([page.url for page in pages], corpus.config))
        staging.write("robots.txt", feeds.robots(corpus.config))
        started = report.timed("feeds", started)
        search_index.write(corpus, staging)
        started = report.timed("search", started)
        report.pages = len(pages)
        report.files = len(staging.written)
    return report
