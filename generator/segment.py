"""Chinese word segmentation (分词): jieba's dictionary and HMM, the site's own words, a token cache.

- The site's user dictionary (`dictionary.txt` in the site folder: place names, local terms) and every
  byline name are added to jieba's dictionary, so 页岩气, 南山公园 and 张龙贵 stay whole.
- rjieba (a binding of the Rust jieba-rs) is used when installed: it gives the same tokens as jieba
  (tests/test_segment.py proves it) about twenty times faster.
- Tokens are cached by the text's hash in SITE/.cache/tokens.sqlite, so unchanged text is never
  segmented twice. An entry remembers the dictionary it was made with; when the dictionary changes
  (a new reporter), only texts that contain a changed word are segmented again.

Why the ballast word: jieba scores a path by log(freq) - log(total), and adding words raises the
total, which could in principle change any text's tokens. A private word that never occurs in text
takes up the slack so the total stays fixed; then a text's tokens depend only on the words it
contains, and the cache can be exact.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import re
import sqlite3
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import Any, Protocol

from generator.errors import ContentError, Problem

DICTIONARY_FILE = "dictionary.txt"
DEFAULT_FREQ = 500  # enough to keep a local name whole in running text, low enough not to swallow words
BALLAST = "\ufdd0\ufdd1"  # Unicode noncharacters: never part of a text
VERSION = "1"  # bump when the way tokens are made changes; it empties the cache
# what jieba treats as one block of text; a dictionary word with other characters could never match
JOINED_LATIN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._%-]*[._-][a-zA-Z0-9._%-]*$")
# a text without this holds no such token: one search of the text instead of a match a token
MAY_JOIN_LATIN = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9._%-]*[._-]")
TRIPLED = re.compile(r"([\u4E00-\u9FD5])\1\1")
LATIN_RUN = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")  # jieba.finalseg's re_skip
# a token, one a line, that the repair could change: joined Latin that is not one of jieba's own runs
# (2.5 and 3.5% are; jieba-rs keeps them whole too). One search of the tokens joined by newlines
# (no such token holds one) instead of a match a token: most bodies have a decimal number.
TO_REPAIR = re.compile(r"^(?![a-zA-Z0-9]+(?:\.\d+)?%?$)[a-zA-Z0-9][a-zA-Z0-9._%-]*[._-][a-zA-Z0-9._%-]*$", re.M)
WORD_RE = re.compile(r"^[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]+$")


@dataclass(frozen=True)
class UserDictionary:
    """Words added to jieba's dictionary, with their frequencies, sorted."""

    words: tuple[tuple[str, int], ...] = ()

    @classmethod
    def of(cls, entries: Iterable[tuple[str, int]]) -> UserDictionary:
        merged: dict[str, int] = {}
        for word, freq in entries:
            merged[word] = max(freq, merged.get(word, 0))
        return cls(tuple(sorted(merged.items())))

    @property
    def total(self) -> int:
        """The fixed share of jieba's total these words and the ballast take (a power of two)."""
        needed = sum(freq for _, freq in self.words) + 1
        share = 1 << 20
        while share < needed:
            share <<= 1
        return share

    @property
    def fingerprint(self) -> str:
        data = json.dumps([VERSION, self.total, self.words], ensure_ascii=False)
        return hashlib.sha1(data.encode("utf-8")).hexdigest()

    def changed(self, other: UserDictionary) -> frozenset[str]:
        """Words added, removed or given another frequency between two dictionaries."""
        return frozenset(word for word, _ in set(self.words) ^ set(other.words))


def read_dictionary(site: Path) -> tuple[list[tuple[str, int]], list[Problem]]:
    """SITE/dictionary.txt in jieba's user dictionary format: `word [freq] [tag]`, '#' comments."""
    path = site / DICTIONARY_FILE
    if not path.is_file():
        return [], []
    entries: list[tuple[str, int]] = []
    problems: list[Problem] = []
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        return [], [Problem(str(path), 1, f"not UTF-8 (byte {exc.start})")]
    for number, line in enumerate(lines, start=1):
        parts = line.split("#", 1)[0].split()
        if not parts:
            continue
        word, rest = parts[0], parts[1:]
        if not WORD_RE.match(word):
            problems.append(Problem(str(path), number, f"'{word}' has characters jieba cannot keep in one word"))
            continue
        freq = DEFAULT_FREQ
        if rest and rest[0].isdigit():
            freq, rest = int(rest[0]), rest[1:]
        if freq < 1 or len(rest) > 1:
            problems.append(Problem(str(path), number, "expected 'word [frequency] [tag]', frequency >= 1"))
            continue
        entries.append((word, freq))
    return entries, problems


def user_dictionary(site: Path, names: Iterable[str] = ()) -> UserDictionary:
    """The site's dictionary plus byline names; raises ContentError on a bad dictionary line."""
    entries, problems = read_dictionary(site)
    if problems:
        raise ContentError(problems)
    people = [(name, DEFAULT_FREQ) for name in names if WORD_RE.match(name) and len(name) > 1]
    return UserDictionary.of([*people, *entries])


class Engine(Protocol):
    def cut(self, text: str) -> list[str]: ...


class _Jieba:
    """Python jieba, on its own Tokenizer so the global one is left alone."""

    name = "jieba"

    def __init__(self, dictionary: UserDictionary) -> None:
        import jieba  # imported when text is first cut: a build with nothing new to cut never needs it

        jieba.setLogLevel(logging.WARNING)
        self.tokenizer = jieba.Tokenizer()
        self.tokenizer.initialize()
        for word, freq in (*dictionary.words, (BALLAST, _ballast(dictionary))):
            old = self.tokenizer.FREQ.get(word, 0)
            self.tokenizer.add_word(word, freq)
            self.tokenizer.total -= old  # jieba adds a re-added word's freq twice; jieba-rs does not

    def cut(self, text: str) -> list[str]:
        return self.tokenizer.lcut(text, HMM=True)


class _RJieba:
    """jieba-rs: jieba's dictionary and HMM in Rust.

    One known difference, repaired here: inside a stretch jieba gives to the HMM, jieba-rs keeps
    'COVID-19', 'a_b' and '9.a' whole where jieba splits them at '-', '_' and '.' (its pattern for
    Latin and digits is [a-zA-Z0-9]+(?:\\.\\d+)?%?); such tokens are split again with jieba's own pattern.
    And where two paths score exactly the same (大大大: 大大/大 or 大/大大) the two break the tie
    differently; a text with a character three times in a row goes to jieba itself (rare in news).
    """

    name = "rjieba"

    def __init__(self, dictionary: UserDictionary) -> None:
        self.dictionary = dictionary
        self.fallback: _Jieba | None = None
        self.tokenizer = _rjieba_tokenizer()
        for word, freq in (*dictionary.words, (BALLAST, _ballast(dictionary))):
            self.tokenizer.add_word(word, freq, None)

    def cut(self, text: str) -> list[str]:
        if TRIPLED.search(text):
            self.fallback = self.fallback or _Jieba(self.dictionary)
            return self.fallback.cut(text)
        tokens = self.tokenizer.cut(text, True)
        if not MAY_JOIN_LATIN.search(text) or not TO_REPAIR.search("\n".join(tokens)):
            return list(tokens)
        out: list[str] = []
        for token in tokens:
            if JOINED_LATIN.match(token) and not self.tokenizer.has_word(token):
                out += [piece for piece in LATIN_RUN.split(token) if piece]
            else:
                out.append(token)
        return out


_CLAIMED: list[object] = []  # rjieba's own tokenizer, once an engine has taken it


def _rjieba_tokenizer() -> Any:
    """A tokenizer with jieba's dictionary alone. Importing rjieba makes one (its module-level
    functions use it; nothing here does): the first engine takes that one, not a second, which
    would cost another seventh of a second of every build that cuts a text (an edit)."""
    import rjieba

    default = getattr(rjieba, "_DEFAULT_JIEBA", None)
    if default is not None and not _CLAIMED:
        _CLAIMED.append(default)
        return default
    return rjieba.Jieba()


def _ballast(dictionary: UserDictionary) -> int:
    return dictionary.total - sum(freq for _, freq in dictionary.words)


def available_engines() -> tuple[str, ...]:
    """The engines installed, preferred first; XINYU_SEGMENTER=jieba forces the Python one."""
    if os.environ.get("XINYU_SEGMENTER") == "jieba":
        return ("jieba",)
    if importlib.util.find_spec("rjieba") is None:
        return ("jieba",)
    return ("rjieba", "jieba")


def make_engine(dictionary: UserDictionary, name: str = "auto", ask: bool = True) -> Engine:
    """An engine of `name`; rjieba's asks the build's helper (prefetch.py) while it can, unless `ask`
    is false."""
    if name == "auto":
        name = available_engines()[0]
    if name == "rjieba" and ask and _ASK:
        return _Asking(dictionary, _ASK[0])
    return _RJieba(dictionary) if name == "rjieba" else _Jieba(dictionary)


Ask = Callable[[UserDictionary, str], "list[str] | None"]
_ASK: list[Ask] = []  # the build's helper, while it has one (prefetch.helping)
_ASKING: weakref.WeakSet[_Asking] = weakref.WeakSet()


def ask_with(ask: Ask | None) -> None:
    """Let rjieba engines made from now on have their texts cut by `ask` (None: by themselves)."""
    _ASK[:] = [ask] if ask else []
    if ask is None:
        for engine in list(_ASKING):
            engine.ask = None


class _Asking:
    """rjieba's words, cut by the build's helper process (prefetch.py) until it declines, so that a
    build which cuts a few texts (an edit) never waits for jieba's dictionary to be made."""

    name = "rjieba"

    def __init__(self, dictionary: UserDictionary, ask: Ask) -> None:
        self.dictionary = dictionary
        self.ask: Ask | None = ask
        self.own: _RJieba | None = None
        _ASKING.add(self)

    def cut(self, text: str) -> list[str]:
        if self.ask is not None:
            words = self.ask(self.dictionary, text)
            if words is not None:
                return words
            self.ask = None
        return self.settled().cut(text)

    def settled(self) -> _RJieba:
        if self.own is None:
            self.own = _RJieba(self.dictionary)
        return self.own


def _before_fork() -> None:
    """A forked worker cuts by itself: make the engine here once, so that every worker shares it (made
    in each worker it costs a seventh of a second and some 60 MB)."""
    for engine in list(_ASKING):
        if engine.ask is not None:
            engine.settled()


os.register_at_fork(before=_before_fork)


class TokenCache:
    """Tokens by text hash in one SQLite file, stored as token lengths (a byte each, mostly)."""

    def __init__(self, path: Path, dictionary: UserDictionary) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path))
        self.db.executescript(
            "CREATE TABLE IF NOT EXISTS tokens (key BLOB PRIMARY KEY, generation TEXT, lengths BLOB);"
            "CREATE TABLE IF NOT EXISTS dictionaries (fingerprint TEXT PRIMARY KEY, words TEXT);"
        )
        self.dictionary = dictionary
        self.generation = dictionary.fingerprint
        self.db.execute("INSERT OR IGNORE INTO dictionaries VALUES (?, ?)",
                        (self.generation, json.dumps(dictionary.words, ensure_ascii=False)))
        self._changed: dict[str, frozenset[str] | None] = {self.generation: frozenset()}

    def get(self, key: bytes, text: str) -> list[str] | None:
        row = self.db.execute("SELECT generation, lengths FROM tokens WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        generation, lengths = row
        changed = self._changed_since(generation)
        if changed is None or any(word in text for word in changed):
            return None
        if generation != self.generation:
            self.db.execute("UPDATE tokens SET generation = ? WHERE key = ?", (self.generation, key))
        return _split(text, lengths)

    def put(self, key: bytes, tokens: list[str]) -> None:
        self.db.execute("INSERT OR REPLACE INTO tokens VALUES (?, ?, ?)",
                        (key, self.generation, _lengths(tokens)))

    def close(self) -> None:
        self.db.commit()
        self.db.close()

    def _changed_since(self, generation: str) -> frozenset[str] | None:
        """Words that differ from an older dictionary; None when its total differs (all texts change)."""
        if generation not in self._changed:
            row = self.db.execute("SELECT words FROM dictionaries WHERE fingerprint = ?", (generation,)).fetchone()
            older = UserDictionary(tuple((w, f) for w, f in json.loads(row[0]))) if row else None
            if older is None or older.total != self.dictionary.total:
                self._changed[generation] = None
            else:
                self._changed[generation] = older.changed(self.dictionary)
        return self._changed[generation]


def _lengths(tokens: list[str]) -> bytes:
    """Each token's length as bytes: 255 means 'add 255 and read on', so any length fits."""
    out = bytearray()
    for token in tokens:
        size = len(token)
        while size >= 255:
            out.append(255)
            size -= 255
        out.append(size)
    return bytes(out)


def _split(text: str, lengths: bytes) -> list[str]:
    if 255 in lengths:
        sizes, run = [], 0
        for byte in lengths:
            run += byte
            if byte != 255:
                sizes.append(run)
                run = 0
    else:
        sizes = list(lengths)
    ends = list(accumulate(sizes))
    if not ends or ends[-1] != len(text):
        return []  # a hash collision or a damaged entry: treat as a miss by the caller
    return [text[start:end] for start, end in zip([0, *ends], ends, strict=False)]


@dataclass
class Segmenter:
    """jieba with the site's words, and a token cache when given a site."""

    dictionary: UserDictionary = field(default_factory=UserDictionary)
    engine_name: str = "auto"
    cache_path: Path | None = None
    segmented: int = 0  # texts actually cut (cache misses), for tests and build reports
    cached: int = 0
    _engine: Engine | None = field(default=None, repr=False)
    _cache: TokenCache | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.engine_name == "auto":
            self.engine_name = available_engines()[0]

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.dictionary, self.engine_name)
        return self._engine

    def words(self, text: str) -> list[str]:
        if not text:
            return []
        cache = self._open_cache()
        salt = f"{VERSION}:{self.engine_name}".encode()  # rjieba and jieba agree, but keep them apart
        key = hashlib.blake2b(text.encode("utf-8"), digest_size=16, person=salt).digest()
        if cache is not None:
            tokens = cache.get(key, text)
            if tokens:
                self.cached += 1
                return tokens
        tokens = self.engine.cut(text)
        self.segmented += 1
        if cache is not None:
            cache.put(key, tokens)
        return tokens

    def close(self) -> None:
        """Write the cache; the segmenter opens it again if used afterwards."""
        if self._cache is not None:
            self._cache.close()
            self._cache = None

    def _open_cache(self) -> TokenCache | None:
        if self._cache is None and self.cache_path is not None:
            self._cache = TokenCache(self.cache_path, self.dictionary)
        return self._cache


def cache_path(site: Path) -> Path:
    return site / ".cache" / "tokens.sqlite"


_current = Segmenter()


def configure(site: Path, names: Iterable[str] = (), engine: str = "auto") -> Segmenter:
    """Segment as this site does from now on: its dictionary, its byline names, its cache."""
    global _current
    _current.close()
    _current = Segmenter(user_dictionary(site, names), engine, cache_path(site))
    return _current


def adopt(dictionary: UserDictionary, engine: Engine, name: str) -> Segmenter:
    """Segment with `dictionary` through `engine` (named `name`), made already: the build's helper
    does work for the build with the build's segmenter (prefetch.py). No token cache."""
    global _current
    _current.close()
    _current = Segmenter(dictionary, name, None, _engine=engine)
    return _current


def reset() -> None:
    """Back to plain jieba: no site words, no cache."""
    global _current
    _current.close()
    _current = Segmenter()


def current() -> Segmenter:
    return _current


def flush() -> None:
    _current.close()


def words(text: str) -> list[str]:
    """jieba's words of a text, in order, spaces and punctuation included as tokens."""
    return _current.words(text)
