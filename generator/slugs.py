"""URL slugs: Chinese in pinyin, ASCII kept, collisions resolved deterministically."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict

RESERVED = frozenset({"index", "page", "feed", "404"})


def slugify(text: str, limit: int = 60) -> str:
    """'张龙贵' -> 'zhang-long-gui'; 'LNG 项目 2022' -> 'lng-xiang-mu-2022'."""
    from pypinyin import Style, lazy_pinyin  # its dictionaries take a fifth of a second to load

    text = unicodedata.normalize("NFKC", text)
    words = lazy_pinyin(text, style=Style.NORMAL, errors=lambda chars: chars)  # keep digits and Latin runs whole
    slug = re.sub(r"[^a-z0-9]+", "-", "-".join(words).lower()).strip("-")
    return slug[:limit].rstrip("-")


def person_slug(name: str) -> str:
    """Names run together: '何美林' -> 'hemeilin', as a person's name is one word in pinyin."""
    return slugify(name).replace("-", "") or _digest(name)


def unique_slugs(names: list[str], known: dict[str, str] | None = None) -> dict[str, str]:
    """One slug per distinct name; names sharing a pinyin get a suffix from their own characters.

    The name with the lowest code point keeps the bare slug; the others get a short hash of the name,
    so a slug never depends on how many other names collide with it. `known` holds person_slug()
    results from an earlier build.
    """
    known = known or {}
    groups: dict[str, list[str]] = defaultdict(list)
    for name in sorted(set(names)):
        groups[known.get(name) or person_slug(name)].append(name)
    slugs: dict[str, str] = {}
    for base, group in groups.items():
        for index, name in enumerate(group):
            slugs[name] = base if index == 0 else f"{base}-{_digest(name)}"
    return slugs


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:6]
