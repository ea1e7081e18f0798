"""Small sites for the search tests, written by the tests themselves, and a way to query them in node."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from benchmarks.make_corpus import write_corpus
from generator import search_index, search_parts, search_phrases
from generator.output import Staging
from generator.pipeline import load

ROOT = Path(__file__).resolve().parent.parent
HARNESS = Path(__file__).resolve().parent / "search_harness.js"

SITE_YAML = """title: 测试报
description: 检索测试
base_url: https://example.org/
sections:
  - {name: 要闻, slug: yaowen}
  - {name: 经济, slug: jingji}
  - {name: 民生, slug: minsheng}
"""


@dataclass(frozen=True)
class Story:
    date: str  # YYYY-MM-DD
    slug: str
    title: str
    body: str
    section: str = "要闻"
    byline: str = ""


def write_site(root: Path, stories: list[Story]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    for story in stories:
        folder = root / "content" / story.date.replace("-", "/")
        folder.mkdir(parents=True, exist_ok=True)
        front = [f"title: {json.dumps(story.title, ensure_ascii=False)}", f"section: {story.section}"]
        if story.byline:
            front.append(f"byline: {json.dumps(story.byline, ensure_ascii=False)}")
        text = "---\n" + "\n".join(front) + "\n---\n\n" + story.body + "\n"
        (folder / f"{story.slug}.md").write_text(text, encoding="utf-8")
    return root


def write_index(site: Path, out: Path) -> Path:
    """The search data of a site, as the build writes it; returns the data folder."""
    out.mkdir(parents=True, exist_ok=True)
    search_index.write(load(site), Staging(out, {}))
    return out / search_index.DATA


def query(data: Path, queries: list[str | tuple[str, dict[str, str]]],
          script: Path | None = None) -> list[dict[str, Any]]:
    """Runs static/search.js (or `script`, the same engine) in node over the index; one result per
    query, in order."""
    lines = []
    for item in queries:
        q, options = (item, {}) if isinstance(item, str) else item
        lines.append(json.dumps({"q": q, "options": options}, ensure_ascii=False))
    env = {**os.environ, "SEARCH_JS": str(script)} if script else None
    done = subprocess.run(["node", str(HARNESS), str(data)], input="\n".join(lines) + "\n",
                          capture_output=True, text=True, check=True, timeout=120, env=env)
    return [json.loads(line) for line in done.stdout.splitlines()]


def small_archive(root: Path, monkeypatch: pytest.MonkeyPatch, articles: int, heavy: int, phrase_share: int) -> Path:
    """A generated archive (seed 5) in root/site, indexed in parts of 37 documents, with keys heavy
    past `heavy` bytes and phrase keys made of the triples in 1 / `phrase_share` of the documents:
    a line that moves with every document, so that a few new ones move it (the real one moves when
    the archive doubles: tests/test_search_index.py). For the patch's tests
    (tests/test_search_incremental.py, tests/test_search_new_words.py)."""
    monkeypatch.setattr(search_parts, "PART_DOCS", 37)
    monkeypatch.setattr(search_index, "HEAVY", heavy)
    monkeypatch.setattr(search_phrases, "least", lambda documents: max(2, documents // phrase_share))
    site = root / "site"
    write_corpus(articles, site, seed=5)
    return site
