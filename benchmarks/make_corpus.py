#!/usr/bin/env python3
"""Write a generated news archive of N articles: a complete site folder (SPEC §5).

    python benchmarks/make_corpus.py --articles 10000 --out /tmp/site10k [--seed 1]

The site has site.yaml with a dozen sections and content/YYYY/MM/DD/<slug>.md files in the format of
SPEC §2: about 20 articles an issue, one issue a day going back from NEWEST, so 100,000 articles span
about 14 years; bodies of 800-2,000 characters; a few hundred people in bylines printed in the styles
of 新渝报 ("□ 新渝报记者 X 见习记者 Y", "(记者 X 通讯员 Y)" after 新渝报讯, "新渝报记者 X 摄",
"(单位 姓名)"). The same arguments always give byte-identical files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import string
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import vocabulary as V  # noqa: E402
from generator.slugs import RESERVED, slugify  # noqa: E402

NEWEST = dt.date(2024, 12, 31)
PER_ISSUE = (16, 24)  # articles in one issue, inclusive; 20 on average
BODY_CHARS = (800, 2000)  # non-space characters of a body, inclusive
SLUG_ROOM = 56  # leaves room for a "-NN" suffix within slugify's 60 characters
PEOPLE = {"reporter": 48, "trainee": 24, "correspondent": 220, "photographer": 10, "author": 70}
# Share of articles per section, in the order of vocabulary.SECTIONS.
SECTION_WEIGHTS = (14, 11, 10, 9, 9, 7, 7, 7, 6, 8, 7, 5)

SLOTS = {
    "p": V.PLACES, "t": V.TOPICS, "o": V.ORGS, "u": V.UNITS, "r": V.ROLES_OF_LOCALS, "a": V.ACTIONS,
    "c": V.OUTCOMES, "g": V.GOALS, "h": V.THINGS, "n": V.NUMBERS, "m": V.UNITS_OF_MEASURE, "y": V.YEARS,
    "l": V.LATIN, "q": V.PERCENTS, "k": V.COUNTS,
}


@dataclass(frozen=True)
class Template:
    """A sentence or title template, parsed once into literal text and slot names."""

    pieces: tuple[tuple[str, str | None], ...]

    @classmethod
    def parse(cls, text: str) -> Template:
        return cls(tuple((literal, field) for literal, field, _, _ in string.Formatter().parse(text)))


@dataclass(frozen=True)
class People:
    """The newsroom and its contributors, as printed names."""

    reporters: tuple[str, ...]
    trainees: tuple[str, ...]
    correspondents: tuple[str, ...]
    photographers: tuple[str, ...]
    authors: tuple[tuple[str, str], ...]  # (organisation, name)


class Writer:
    """Generates articles from one random stream, so a seed fixes every byte."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.sentences = [Template.parse(t) for t in V.SENTENCES]
        self.opinion_sentences = [Template.parse(t) for t in V.OPINION_SENTENCES]
        self.titles = [Template.parse(t) for t in V.TITLES]
        self.opinion_titles = [Template.parse(t) for t in V.OPINION_TITLES]
        self.subtitles = [Template.parse(t) for t in V.SUBTITLES]
        self.people = self._people()

    def _name(self) -> str:
        choice = self.rng.choice
        given = choice(V.GIVEN) + (choice(V.GIVEN) if self.rng.random() < 0.7 else "")
        return choice(V.SURNAMES) + given

    def _people(self) -> People:
        names: list[str] = []
        seen: set[str] = set()
        while len(names) < sum(PEOPLE.values()):
            name = self._name()
            if name not in seen:
                seen.add(name)
                names.append(name)
        groups: dict[str, tuple[str, ...]] = {}
        start = 0
        for group, count in PEOPLE.items():
            groups[group] = tuple(names[start:start + count])
            start += count
        authors = tuple((self.rng.choice(V.ORGS), name) for name in groups["author"])
        return People(groups["reporter"], groups["trainee"], groups["correspondent"], groups["photographer"],
                      authors)

    def fill(self, template: Template, day: dt.date, slugs: list[str] | None = None) -> str:
        """The text of a template; the slug of each piece goes into `slugs` when given (for titles)."""
        parts: list[str] = []
        for literal, field in template.pieces:
            if literal:
                parts.append(literal)
                if slugs is not None:
                    slugs.append(_slug(literal))
            if field is None:
                continue
            if field == "x":
                value = self._name()
            elif field == "d":
                event = day - dt.timedelta(days=self.rng.randint(1, 3))
                value = f"{event.month}月{event.day}日"
            else:
                values = SLOTS[field]
                value = values[int(self.rng.random() * len(values))]  # rng.choice, at a third of the cost
            parts.append(value)
            if slugs is not None:
                slugs.append(_slug(value))
        return "".join(parts)

    def body(self, kind: str, day: dt.date) -> str:
        templates = self.opinion_sentences + self.sentences[:6] if kind == "opinion" else self.sentences
        target = self.rng.randint(BODY_CHARS[0], BODY_CHARS[1] - 60)
        paragraphs: list[str] = []
        length = 0
        deck: list[Template] = []
        while length < target:
            paragraph: list[str] = []
            for _ in range(self.rng.randint(2, 5)):
                if not deck:  # every template once before any repeats
                    deck = self.rng.sample(templates, len(templates))
                sentence = self.fill(deck.pop(), day)
                if length + _chars(sentence) > BODY_CHARS[1]:
                    break
                paragraph.append(sentence)
                length += _chars(sentence)
                if length >= target:
                    break
            if paragraph:
                paragraphs.append("".join(paragraph))
        return "\n\n".join(paragraphs)

    def byline(self, kind: str) -> tuple[str, str]:
        """(byline as printed, dateline)."""
        p, rng = self.people, self.rng
        if kind == "photo":
            if rng.random() < 0.8:
                return f"新渝报记者 {rng.choice(p.photographers)} 摄", ""
            return f"通讯员 {rng.choice(p.correspondents)} 摄", ""
        if kind == "opinion":
            org, name = rng.choice(p.authors)
            return f"({org} {name})", ""
        if kind == "brief":
            if rng.random() < 0.5:
                return f"(记者 {rng.choice(p.reporters)})", "新渝报讯"
            return f"(通讯员 {rng.choice(p.correspondents)})", "新渝报讯"
        reporter = rng.choice(p.reporters)
        style = rng.randrange(6)
        if style == 0:
            return f"□ 新渝报记者 {reporter}", ""
        if style == 1:
            return f"□ 新渝报记者 {reporter} 见习记者 {rng.choice(p.trainees)}", ""
        if style == 2:
            second = rng.choice(p.reporters)
            return (f"□ 新渝报记者 {reporter} {second}" if second != reporter else f"□ 新渝报记者 {reporter}"), ""
        if style == 3:
            return f"(记者 {reporter})", "新渝报讯"
        if style == 4:
            return f"(记者 {reporter} 通讯员 {rng.choice(p.correspondents)})", "新渝报讯"
        trainees = sorted(set(rng.sample(p.trainees, 2)))
        return f"(记者 {reporter} 见习记者 {' '.join(trainees)})", "新渝报讯"

    def article(self, day: dt.date, section: tuple[str, str, str], page: int, order: int,
                taken: set[str]) -> tuple[str, str]:
        """(slug, file text) of one article."""
        name, _, kind = section
        rng = self.rng
        titles = self.opinion_titles if kind == "opinion" else self.titles
        slug_parts: list[str] = []
        title = self.fill(rng.choice(titles), day, slug_parts)
        slug = _join(slug_parts)
        base, number = slug, 2
        while slug in taken:
            slug, number = f"{base}-{number}", number + 1
        taken.add(slug)
        byline, dateline = self.byline(kind)
        lines = ["---"]
        if kind == "news" and rng.random() < 0.1:
            lines.append(f"kicker: {rng.choice(V.KICKERS)}")
        lines.append(f"title: {title}")
        if kind == "news" and rng.random() < 0.08:
            lines.append(f"subtitle: ——{self.fill(rng.choice(self.subtitles), day)}")
        lines += [f"date: {day.isoformat()}", f"section: {name}", f"page: {page}", f"order: {order}",
                  f"byline: {byline}"]
        if dateline:
            lines.append(f"dateline: {dateline}")
        lines += [f"kind: {kind}", "---", "", self.body(kind, day), ""]
        return slug, "\n".join(lines)


@cache
def _slug(text: str) -> str:
    return slugify(text, limit=1000)


def _join(parts: list[str]) -> str:
    slug = "-".join(part for part in parts if part)[:SLUG_ROOM].rstrip("-") or "article"
    return f"{slug}-article" if slug in RESERVED else slug


def _chars(text: str) -> int:
    return len(text) - text.count(" ")


def site_yaml() -> str:
    sections = "\n".join(f"  - {{name: {name}, slug: {slug}}}" for name, slug, _ in V.SECTIONS)
    return ("title: 新渝报\ndescription: 大足区新闻档案(生成的基准测试语料)\nbase_url: https://example.org/\n"
            f"language: zh-CN\ntimezone: Asia/Shanghai\nper_page: 20\nsections:\n{sections}\n")


def issue_sizes(articles: int, rng: random.Random) -> list[int]:
    """Articles per issue, newest first, summing to exactly `articles`."""
    sizes: list[int] = []
    left = articles
    while left > 0:
        size = min(left, rng.randint(*PER_ISSUE))
        sizes.append(size)
        left -= size
    return sizes


def write_corpus(articles: int, out: Path, seed: int = 1) -> int:
    """Writes the site folder; returns the number of issues."""
    writer = Writer(seed)
    out.mkdir(parents=True, exist_ok=True)
    (out / "site.yaml").write_text(site_yaml(), encoding="utf-8")
    sizes = issue_sizes(articles, writer.rng)
    weights = SECTION_WEIGHTS
    for back, size in enumerate(sizes):
        day = NEWEST - dt.timedelta(days=back)
        folder = out / "content" / f"{day.year:04d}" / f"{day.month:02d}" / f"{day.day:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        sections = writer.rng.choices(V.SECTIONS, weights=weights, k=size)
        # 要闻 leads the paper: front-page stories first, the rest in display order of their section.
        sections.sort(key=V.SECTIONS.index)
        taken: set[str] = set()
        for index, section in enumerate(sections):
            slug, text = writer.article(day, section, page=index // 3 + 1, order=index % 3 + 1, taken=taken)
            (folder / f"{slug}.md").write_bytes(text.encode("utf-8"))
    return len(sizes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--articles", type=int, required=True, help="number of articles to write")
    parser.add_argument("--out", type=Path, required=True, help="site folder to create")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args(argv)
    if args.articles < 1:
        parser.error("--articles must be at least 1")
    if (args.out / "content").exists() and any((args.out / "content").iterdir()):
        parser.error(f"{args.out}/content already exists and is not empty; choose a new --out")
    issues = write_corpus(args.articles, args.out, args.seed)
    print(f"Wrote {args.articles} articles in {issues} issues to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
