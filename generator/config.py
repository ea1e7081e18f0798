"""site.yaml: a typed, validated configuration that names the bad key and its line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.errors import ContentError, Problem

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Section:
    name: str
    slug: str


@dataclass(frozen=True)
class SiteConfig:
    title: str
    description: str
    base_url: str
    language: str
    timezone: str
    per_page: int
    sections: tuple[Section, ...]

    def section(self, name_or_slug: str) -> Section | None:
        for section in self.sections:
            if name_or_slug in (section.name, section.slug):
                return section
        return None


DEFAULTS: dict[str, Any] = {
    "description": "",
    "language": "zh-CN",
    "timezone": "Asia/Shanghai",
    "per_page": 20,
}
REQUIRED = ("title", "base_url", "sections")
KNOWN = set(REQUIRED) | set(DEFAULTS)


def load_config(site: Path) -> SiteConfig:
    path = site / "site.yaml"
    label = str(path)
    if not path.is_file():
        raise ContentError([Problem(label, 1, "site.yaml not found")])
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", 0) + 1
        raise ContentError([Problem(label, line, f"invalid YAML: {exc}")]) from None
    if not isinstance(node, yaml.MappingNode):
        raise ContentError([Problem(label, 1, "site.yaml must be a mapping of keys")])

    problems: list[Problem] = []
    lines: dict[str, int] = {}
    item_lines: list[int] = []
    for key_node, value_node in node.value:
        lines[key_node.value] = key_node.start_mark.line + 1
        if key_node.value == "sections" and isinstance(value_node, yaml.SequenceNode):
            item_lines = [item.start_mark.line + 1 for item in value_node.value]
        if key_node.value not in KNOWN:
            problems.append(Problem(label, lines[key_node.value], f"unknown key '{key_node.value}'"))
    data = {**DEFAULTS, **yaml.safe_load(path.read_text(encoding="utf-8"))}

    for key in REQUIRED:
        if key not in data:
            problems.append(Problem(label, 1, f"missing required key '{key}'"))
    for key in ("title", "description", "language", "timezone", "base_url"):
        if key in data and not isinstance(data[key], str):
            problems.append(Problem(label, lines.get(key, 1), f"'{key}' must be a string"))
    base_url = data.get("base_url")
    if isinstance(base_url, str) and not re.match(r"^https?://[^/]+", base_url):
        problems.append(Problem(label, lines["base_url"], "base_url must be an absolute http(s) URL"))
    per_page = data["per_page"]
    if not isinstance(per_page, int) or isinstance(per_page, bool) or per_page < 1:
        problems.append(Problem(label, lines.get("per_page", 1), "per_page must be a positive integer"))
    sections = _sections(data.get("sections"), label, lines.get("sections", 1), item_lines, problems)
    if problems:
        raise ContentError(problems)
    return SiteConfig(
        title=data["title"],
        description=data["description"],
        base_url=data["base_url"].rstrip("/") + "/",
        language=data["language"],
        timezone=data["timezone"],
        per_page=per_page,
        sections=sections,
    )


def _sections(
    raw: Any, label: str, line: int, item_lines: list[int], problems: list[Problem]
) -> tuple[Section, ...]:
    if not isinstance(raw, list) or not raw:
        problems.append(Problem(label, line, "sections must be a non-empty list of {name, slug}"))
        return ()
    sections: list[Section] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        where = item_lines[index] if index < len(item_lines) else line
        if not isinstance(item, dict) or set(item) != {"name", "slug"}:
            problems.append(Problem(label, where, "each section needs exactly 'name' and 'slug'"))
            continue
        name, slug = str(item["name"]), str(item["slug"])
        if not SLUG_RE.match(slug):
            problems.append(Problem(label, where, f"section slug '{slug}' must be lowercase a-z, 0-9, '-'"))
        for value in (name, slug):
            if value in seen:
                problems.append(Problem(label, where, f"section '{value}' is listed twice"))
            seen.add(value)
        sections.append(Section(name, slug))
    return tuple(sections)
