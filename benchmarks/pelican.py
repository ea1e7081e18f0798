"""Pelican, the Python peer, on the same corpus: its own virtualenv, the corpus in its metadata format.

Pelican is run, never copied: it lives in benchmarks/.venv-pelican, installed from PyPI by pip.
The settings ask for what our build writes: a page per article at the same URL, per-author and
per-category pages, day (issue), month and year archives, RSS feeds with full content for the site,
each category and each author, pagination of 20. Pelican's own content cache is switched on, which
is the most it can do for a rebuild.
"""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

from generator.byline import parse_byline

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv-pelican"

SETTINGS = '''\
SITENAME = "新渝报"
SITEURL = ""
FEED_DOMAIN = "https://example.org"
PATH = "content"
TIMEZONE = "Asia/Shanghai"
DEFAULT_LANG = "zh"
DEFAULT_DATE_FORMAT = "%Y-%m-%d"
DEFAULT_PAGINATION = 20
ARTICLE_URL = ARTICLE_SAVE_AS = "{date:%Y}/{date:%m}/{date:%d}/{slug}.html"
DAY_ARCHIVE_SAVE_AS = "{date:%Y}/{date:%m}/{date:%d}/index.html"
MONTH_ARCHIVE_SAVE_AS = "{date:%Y}/{date:%m}/index.html"
YEAR_ARCHIVE_SAVE_AS = "{date:%Y}/index.html"
CATEGORY_SAVE_AS = "section/{slug}/index.html"
CATEGORY_URL = "section/{slug}/"
AUTHOR_SAVE_AS = "people/{slug}/index.html"
AUTHOR_URL = "people/{slug}/"
FEED_ALL_RSS = "feed.xml"
CATEGORY_FEED_RSS = "section/{slug}/feed.xml"
AUTHOR_FEED_RSS = "people/{slug}/feed.xml"
FEED_ALL_ATOM = CATEGORY_FEED_ATOM = AUTHOR_FEED_ATOM = TRANSLATION_FEED_ATOM = None
FEED_MAX_ITEMS = 20
RSS_FEED_SUMMARY_ONLY = False
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CACHE_PATH = "cache"
DELETE_OUTPUT_DIRECTORY = False
'''


def ensure_venv(log: Path) -> Path:
    """The virtualenv's python, creating it and installing Pelican on first use."""
    python = VENV / "bin" / "python"
    if not (VENV / "bin" / "pelican").exists():
        print(f"Installing Pelican into {VENV} ...", file=sys.stderr)
        venv.create(VENV, with_pip=True)
        with log.open("ab") as sink:
            subprocess.run([str(python), "-m", "pip", "install", "--quiet", "pelican", "markdown"],
                           stdout=sink, stderr=subprocess.STDOUT, check=True)
    return python


def version() -> str:
    result = subprocess.run([str(VENV / "bin" / "pelican"), "--version"], capture_output=True, text=True)
    return result.stdout.strip() or "unknown"


def command(project: Path) -> list[str]:
    return [str(VENV / "bin" / "pelican"), str(project / "content"), "-s", str(project / "pelicanconf.py"),
            "-o", str(project / "output"), "-q"]


def convert(site: Path, project: Path) -> int:
    """Writes the site's articles as Pelican Markdown under project/content; returns how many."""
    project.mkdir(parents=True, exist_ok=True)
    (project / "pelicanconf.py").write_text(SETTINGS, encoding="utf-8")
    sections = _sections(site / "site.yaml")
    count = 0
    for path in sorted((site / "content").rglob("*.md")):
        meta, body = _split(path.read_text(encoding="utf-8"))
        date = path.parent.relative_to(site / "content").as_posix().replace("/", "-")
        people = [person.name for person in parse_byline(meta.get("byline", "")).people]
        order = int(meta.get("page", "1")) * 100 + int(meta.get("order", "1"))
        header = [
            f"Title: {meta['title']}",
            f"Date: {date} {8 + order // 100 % 12:02d}:{order % 60:02d}",
            f"Category: {meta['section']}",
            f"Authors: {', '.join(people)}" if people else "",
            f"Slug: {path.stem}",
        ]
        target = project / "content" / sections.get(meta["section"], "other") / date / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(line for line in header if line) + "\n\n" + body, encoding="utf-8")
        count += 1
    return count


def _split(text: str) -> tuple[dict[str, str], str]:
    """Front matter of a generated article (flat 'key: value' lines) and its body."""
    _, front, body = text.split("---\n", 2)
    meta = dict(line.split(": ", 1) for line in front.splitlines() if ": " in line)
    return meta, body.lstrip("\n")


def _sections(site_yaml: Path) -> dict[str, str]:
    import yaml

    data = yaml.safe_load(site_yaml.read_text(encoding="utf-8"))
    return {item["name"]: item["slug"] for item in data["sections"]}
