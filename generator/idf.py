"""jieba's IDF table (jieba/analyse/idf.txt), the weights of 相关报道's keywords (related.py).

Read whole from idf.txt when many articles are weighed (a cold build). An edit weighs the few hundred
words of one article, and reading the whole table for them took a fifth of a second: it looks them
up instead in a copy of the table kept as SQLite in the build cache (idf.sqlite), made from the
same text, so the weights are the same floats either way.
"""

from __future__ import annotations

import importlib.util
import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

VERSION = "1"  # of what idf.sqlite holds
SQLITE = "idf.sqlite"


def source() -> Path:
    spec = importlib.util.find_spec("jieba")  # its file, without importing it (a second and more)
    assert spec and spec.origin, "jieba is a dependency"
    return Path(spec.origin).parent / "analyse" / "idf.txt"


@dataclass(frozen=True)
class Table:
    freq: Floats
    median: float


class Floats(dict[str, str]):
    """Weights as the text gives them, made floats on lookup: most are never needed."""

    def get(self, key: str, default: float = 0.0) -> float:  # type: ignore[override]
        value = super().get(key)
        return default if value is None else float(value)


@lru_cache(maxsize=1)
def table() -> Table:
    """The whole table, read from idf.txt directly: importing jieba.analyse costs a second."""
    text = source().read_text(encoding="utf-8")
    lines = text.splitlines()
    parts = text.split()
    if len(parts) == 2 * len(lines):  # "word weight" on every line, as jieba ships it: split in one go
        words, weights = parts[0::2], parts[1::2]
    else:
        pairs = [pair for pair in (line.rsplit(" ", 1) for line in lines) if len(pair) == 2]
        words, weights = [word for word, _ in pairs], [weight for _, weight in pairs]
    # one string per distinct weight (some 3,300 of them): a lookup takes a reference to the weight,
    # and a forked worker (related.py) then copies the page holding it; with a string per word a
    # worker looking up 20,000 words copied 42 MB of the table, with these a few hundred kB
    same: dict[str, str] = {}
    raw = dict(zip(words, map(same.setdefault, weights, weights), strict=True))
    values = sorted(map(float, raw.values()))
    return Table(Floats(raw), values[len(values) // 2])


def kept_in(folder: Path) -> bool:
    """Make sure idf.sqlite in `folder` is made from this idf.txt: the build's helper process does
    this while the build reads (prefetch), as the table is read whole only then."""
    Lookup(folder).close()
    table.cache_clear()  # the helper lives as long as the build: it need not hold 47 MB that long
    return True


class Lookup:
    """The weight of one word at a time, from idf.sqlite in `folder` (made from table() when missing
    or made from another idf.txt)."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        path = source()
        stat = path.stat()
        stamp = f"{VERSION}:{path}:{stat.st_mtime_ns}:{stat.st_size}"
        self.db = sqlite3.connect(str(folder / SQLITE))
        try:
            row = self.db.execute("SELECT stamp, median FROM meta").fetchone()
        except sqlite3.Error:
            row = None
        if row is None or row[0] != stamp:
            row = (stamp, self._fill(stamp))
        self.median: float = row[1]

    def _fill(self, stamp: str) -> float:
        whole = table()
        with self.db:
            self.db.executescript(
                "DROP TABLE IF EXISTS meta; DROP TABLE IF EXISTS weights;"
                "CREATE TABLE weights (word TEXT PRIMARY KEY, weight REAL) WITHOUT ROWID;"
                "CREATE TABLE meta (stamp TEXT, median REAL);")
            # REAL is an IEEE double: float(text) stored and read back unchanged
            self.db.executemany("INSERT INTO weights VALUES (?, ?)",
                                ((word, float(weight)) for word, weight in dict.items(whole.freq)))
            self.db.execute("INSERT INTO meta VALUES (?, ?)", (stamp, whole.median))
        return whole.median

    def get(self, word: str) -> float:
        """The word's weight, or the median for a word the table lacks (as jieba weighs it)."""
        row = self.db.execute("SELECT weight FROM weights WHERE word = ?", (word,)).fetchone()
        return self.median if row is None else float(row[0])

    def close(self) -> None:
        self.db.close()
