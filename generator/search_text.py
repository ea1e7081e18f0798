"""How the offline search reads text: folding (简繁, width, case) and the units it indexes.

The same rules are implemented in static/search.js for the query; tests run both on the same
strings. Folding maps one character to one character, so an offset in folded text is the same
offset in the original, which lets the page highlight the original text.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

# CJK unified ideographs (basic, extension A, compatibility, extensions B and on).
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# A unit is one CJK character or one run of Latin letters and digits.
UNIT_RE = re.compile(f"[{CJK}]|[0-9a-z\u00c0-\u024f]+")
CJK_RE = re.compile(f"[{CJK}]")


@dataclass(frozen=True)
class Unit:
    text: str
    start: int  # character offset in the folded text

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@cache
def t2s_table() -> dict[str, str]:
    """OpenCC's character table (繁→简), first candidate, one character to one character."""
    source = resources.files("opencc") / "dictionary" / "TSCharacters.txt"
    table: dict[str, str] = {}
    for line in source.read_text(encoding="utf-8").splitlines():
        traditional, _, candidates = line.partition("\t")
        simplified = candidates.split(" ")[0] if candidates else ""
        if len(traditional) == 1 and len(simplified) == 1 and traditional != simplified:
            table[traditional] = simplified
    return table


@cache
def _translation() -> dict[int, str]:
    table = {ord(k): v for k, v in t2s_table().items()}
    for code in range(0xFF01, 0xFF5F):  # full-width ASCII (全角) to ASCII
        table.setdefault(code, chr(code - 0xFEE0))
    table[0x3000] = " "  # ideographic space
    for code in range(ord("A"), ord("Z") + 1):
        table[code] = chr(code + 32)
    for code in range(ord("Ａ"), ord("Ｚ") + 1):
        table[code] = chr(code - 0xFEE0 + 32)
    return table


# Texts from this length on are mapped as an array of code points: str.translate looks each character
# of a Chinese text up in a dict, some ten times slower than one numpy lookup over the whole text
# (the search index folds every article, and 繁→简's the text of every snippet).
ARRAY_FROM = 200


def fold(text: str) -> str:
    """Simplified, half-width, lower-case; always the same length as the input."""
    return _translated(text, _translation(), _fold_codes)


def _translated(text: str, table: dict[int, str], codes: Callable[[], np.ndarray]) -> str:  # type: ignore[type-arg]
    """text.translate(table), for a table of one character to one character; `codes`, the same
    table as an array."""
    if len(text) < ARRAY_FROM:
        return text.translate(table)
    import numpy as np  # on use: an edit folds a few short texts

    try:
        points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    except UnicodeEncodeError:  # a lone surrogate, which no text read as UTF-8 holds
        return text.translate(table)
    return codes()[points].tobytes().decode("utf-32-le")


def _as_array(table: dict[int, str]) -> np.ndarray:  # type: ignore[type-arg]
    """The code point each code point becomes."""
    import numpy as np

    codes = np.arange(0x110000, dtype=np.uint32)
    codes[np.fromiter(table, dtype=np.int64, count=len(table))] = [ord(target) for target in table.values()]
    return codes


@cache
def _fold_codes() -> np.ndarray:  # type: ignore[type-arg]
    return _as_array(_translation())


@cache
def _t2s_codes() -> np.ndarray:  # type: ignore[type-arg]
    return _as_array(_t2s_translation())


def unfolded(folded: str) -> re.Pattern[str] | None:
    """What matches, in text as written, where fold() of the text holds `folded`; None if fold()
    can never give it (an upper-case letter, a traditional character)."""
    choices = _unfolding(folded)
    return None if choices is None else re.compile("".join(
        "[" + "".join(re.escape(c) for c in matching) + "]" for matching in choices))


def spellings(folded: str, most: int = 256) -> list[str] | None:
    """Every text that fold() makes `folded` (none if it can never give it); None if there are more
    than `most`."""
    choices = _unfolding(folded)
    if choices is None:
        return []
    if math.prod(map(len, choices)) > most:
        return None
    return ["".join(chars) for chars in itertools.product(*choices)]


def _unfolding(folded: str) -> list[list[str]] | None:
    """Per character of `folded`, the characters that fold to it."""
    choices = []
    for char in folded:
        matching = [*_sources().get(char, ()), *([char] if fold(char) == char else [])]
        if not matching:
            return None
        choices.append(matching)
    return choices


@cache
def _sources() -> dict[str, list[str]]:
    """fold() backwards: each character that other characters fold to, and those characters."""
    sources: dict[str, list[str]] = {}
    for code, target in _translation().items():
        sources.setdefault(target, []).append(chr(code))
    return sources


@cache
def _t2s_translation() -> dict[int, str]:
    return {ord(k): v for k, v in t2s_table().items()}


def t2s_only(text: str) -> str:
    """Only the 繁→简 part of fold(): what the page cannot do without a table."""
    return _translated(text, _t2s_translation(), _t2s_codes)


def units(folded: str) -> list[Unit]:
    return [Unit(m.group(), m.start()) for m in UNIT_RE.finditer(folded)]


def is_cjk(unit: str) -> bool:
    return bool(CJK_RE.fullmatch(unit))
