"""The generated benchmark archive (SPEC §5): deterministic, the right size, and valid content."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from benchmarks.make_corpus import BODY_CHARS, NEWEST, Writer, issue_sizes, main, write_corpus
from generator.byline import AUTHOR, CORRESPONDENT, PHOTOGRAPHER, REPORTER, TRAINEE
from generator.config import load_config
from generator.corpus import Article
from generator.reader import read_content

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = 300


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    write_corpus(ARTICLES, folder, seed=7)
    return folder


@pytest.fixture(scope="module")
def articles(site: Path) -> list[Article]:
    parsed, problems, _ = read_content(site, load_config(site))
    assert problems == []
    return parsed


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_gives_byte_identical_sites(site: Path, tmp_path: Path) -> None:
    write_corpus(ARTICLES, tmp_path / "again", seed=7)
    assert _files(tmp_path / "again") == _files(site)


def test_another_seed_gives_other_articles(site: Path, tmp_path: Path) -> None:
    write_corpus(ARTICLES, tmp_path / "other", seed=8)
    ours, theirs = _files(site), _files(tmp_path / "other")
    assert ours["site.yaml"] == theirs["site.yaml"]
    assert set(ours) != set(theirs)


def test_writes_exactly_the_articles_asked_for(site: Path, articles: list[Article]) -> None:
    assert len(list((site / "content").rglob("*.md"))) == ARTICLES
    assert len(articles) == ARTICLES


def test_about_twenty_articles_an_issue_one_issue_a_day_back_from_the_newest(articles: list[Article]) -> None:
    per_issue = Counter(article.date for article in articles)
    dates = sorted(per_issue, reverse=True)
    assert dates[0] == NEWEST
    assert dates == [NEWEST - dt.timedelta(days=back) for back in range(len(dates))]
    assert all(16 <= count <= 24 for count in list(per_issue.values())[1:])  # the oldest takes the remainder
    assert 17 <= ARTICLES / len(dates) <= 23


def test_a_hundred_thousand_articles_span_about_fourteen_years() -> None:
    sizes = issue_sizes(100_000, Writer(1).rng)
    assert sum(sizes) == 100_000
    assert 12.5 <= len(sizes) / 365.25 <= 15


def test_site_has_a_dozen_sections_and_every_kind_is_used(site: Path, articles: list[Article]) -> None:
    config = load_config(site)
    assert len(config.sections) == 12
    assert {a.kind for a in articles} == {"news", "photo", "opinion", "brief"}
    assert len({a.section for a in articles}) == 12


def test_bodies_are_800_to_2000_characters(articles: list[Article]) -> None:
    lengths = [len("".join(article.text.split())) for article in articles]
    assert min(lengths) >= BODY_CHARS[0]
    assert max(lengths) <= BODY_CHARS[1]
    assert max(lengths) - min(lengths) > 800  # spread over the range, not one size


def test_bylines_parse_into_the_newsroom_people(articles: list[Article]) -> None:
    pool = Writer(7).people
    newsroom = set(pool.reporters) | set(pool.trainees) | set(pool.correspondents) | set(pool.photographers)
    authors = dict((name, org) for org, name in pool.authors)
    for article in articles:
        assert article.people, article.source
        for person in article.people:
            if article.kind == "opinion":
                assert (person.role, person.org) == (AUTHOR, authors[person.name])
            else:
                assert person.name in newsroom, (article.source, article.byline)
        if article.kind == "photo":
            assert {p.role for p in article.people} == {PHOTOGRAPHER}
        if article.byline.startswith("("):
            assert article.dateline == "新渝报讯" or article.kind == "opinion"
    roles = {person.role for article in articles for person in article.people}
    assert roles == {REPORTER, TRAINEE, CORRESPONDENT, PHOTOGRAPHER, AUTHOR}


def test_a_few_hundred_people_sign_the_archive() -> None:
    pool = Writer(1).people
    names = [*pool.reporters, *pool.trainees, *pool.correspondents, *pool.photographers,
             *(name for _, name in pool.authors)]
    assert len(set(names)) == len(names) >= 300


def test_search_words_are_in_the_text(articles: list[Article]) -> None:
    text = "\n".join(article.text for article in articles)
    for word in ("大足区", "页岩气", "南山公园", "LNG", "3000", "2021年"):
        assert word in text, word


def test_the_generated_site_passes_check(site: Path) -> None:
    result = subprocess.run([sys.executable, "build.py", "check", "--site", str(site)], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert f"{ARTICLES} articles" in result.stdout


def test_refuses_to_write_over_existing_content(site: Path) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--articles", "5", "--out", str(site)])
    assert stopped.value.code == 2


def test_pelican_gets_the_same_articles_in_its_metadata_format(site: Path, articles: list[Article],
                                                               tmp_path: Path) -> None:
    from benchmarks.pelican import convert

    assert convert(site, tmp_path) == ARTICLES
    photo = next(a for a in articles if a.kind == "photo")
    converted = next(tmp_path.rglob(f"{photo.date.isoformat()}/{photo.slug}.md")).read_text(encoding="utf-8")
    header, body = converted.split("\n\n", 1)
    assert header.splitlines()[0] == f"Title: {photo.title}"
    assert f"Date: {photo.date.isoformat()} " in header
    assert f"Category: {photo.section.name}" in header
    assert f"Authors: {', '.join(p.name for p in photo.people)}" in header
    assert f"Slug: {photo.slug}" in header
    assert body.startswith(photo.text.splitlines()[0])


def test_results_replace_only_their_own_section_of_the_document(tmp_path: Path) -> None:
    from benchmarks.measure import Run
    from benchmarks.report import write

    doc = tmp_path / "benchmarks.md"
    old = "# Benchmarks\n\nHand-written.\n\n<!-- results:start -->\nstale numbers\n<!-- results:end -->\n\nAfter.\n"
    doc.write_text(old, encoding="utf-8")
    machine = {"cpu": "Test CPU", "cores": 2, "memory_gb": 4.0, "python": "3.11", "system": "Linux",
               "load_average": [0.1, 0.2, 0.3]}
    runs = [Run("ours", 1000, "cold", 2.0, 1500, 5_000_000, 90.0, 0, 0.5, 1.5),
            Run("ours", 1000, "no-change", 1.0, 1500, 5_000_000, 90.0, 0, 0.5, 0.8),
            Run("pelican", 1000, "cold", 3.0, 1400, 6_000_000, 80.0, 0, 0.5, 2.8),
            Run("pelican", 1000, "no-change", 2.0, 1400, 6_000_000, 80.0, 0, 0.5, 1.9)]
    results = {"date": "2025-01-01", "commit": "abc", "seed": 1, "machine": machine, "pelican_version": "4.12",
               "notes": ["A note."]}
    write(doc, results, runs)
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\nHand-written.\n") and text.endswith("\n\nAfter.\n")
    assert "stale numbers" not in text and "Test CPU, 2 cores" in text
    assert "| 1,000 | 2.0 | 3.0 | 750 / 467 = 1.61× | 1,000 / 500 = 2.00× | 1.0 | 2.0 |" in text
    assert '"pages_per_second": 750.0' in doc.with_suffix(".json").read_text(encoding="utf-8")
