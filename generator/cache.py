"""The build cache in SITE/.cache/: what every output was made from, so only what changed is rebuilt.

Two records, both disposable (deleting .cache/ gives a cold build with the same output):
- parsed articles by file content, so an unchanged file is never parsed or converted again;
- per output folder, a manifest of each written file and the key of its inputs.
A key is a hash of everything an output depends on: the code, site.yaml, the templates it uses and
the signature of its context (articles stand in by their content digest, not their text).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import os
import pickle
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.corpus import Article
from generator.search_files import SearchFiles

if TYPE_CHECKING:
    from generator.depends import Reach
    from generator.reader import Stamp

GENERATOR = Path(__file__).resolve().parent
FORMAT = 7  # bump when the cache layout changes


@functools.cache
def code_version() -> str:
    """A change to the generator's own code invalidates everything it made."""
    digest = hashlib.sha1(str(FORMAT).encode())
    for path in sorted(GENERATOR.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def site_cache(site: Path) -> Cache:
    """The site's build cache, salted with the code and configuration its parsed articles depend on."""
    return Cache(site, key(code_version(), *(_bytes(site / name) for name in ("site.yaml", "dictionary.txt"))))


def _bytes(path: Path) -> bytes:
    return path.read_bytes() if path.is_file() else b""


class Cache:
    def __init__(self, site: Path, salt: str) -> None:
        self.folder = site / ".cache"
        self.salt = salt  # code and configuration: a parsed article depends on both
        self._months: dict[str, dict[str, tuple[Stamp, Article]]] = {}  # as articles() found them

    def _read(self, name: str) -> Any:
        try:
            with open(self.folder / name, "rb") as handle:
                return pickle.load(handle)
        except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError, ValueError):
            return None

    def _write(self, name: str, value: Any) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        temp = self.folder / f"{name}.tmp"
        with open(temp, "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temp, self.folder / name)

    def articles(self) -> dict[str, tuple[Stamp, Article]]:
        """Parsed articles by path, with the stamp (reader.Stamp) of the file they were parsed from.

        Stored in two files per issue month, so an edit rewrites one month, not the whole cache: the
        articles without their bodies (YYYY-MM.pickle), and the bodies (YYYY-MM-<token>.bodies), which
        the articles read on use (corpus.Body). A bodies file is named after a random token that its
        month's articles record, and never rewritten in place: a pair left mismatched by an interrupted
        build is not used, and articles loaded by an earlier build fail to read rather than read another
        article's body.
        """
        merged: dict[str, tuple[Stamp, Article]] = {}
        self._months = {}
        folder = self.folder / "articles"
        for path in sorted(folder.glob("*.pickle")) if folder.is_dir() else ():
            stored = self._read(f"articles/{path.name}")
            if (isinstance(stored, tuple) and len(stored) == 4 and stored[0] == self.salt
                    and isinstance(stored[1], bytes)
                    and _holds(stored[1], stored[2], self._bodies(path.stem, stored[1]))):
                merged.update(stored[3])
                self._months[path.stem] = stored[3]
        return merged

    def save_articles(self, articles: dict[str, tuple[Stamp, Article]],
                      previous: dict[str, tuple[Stamp, Article]]) -> None:
        """Rewrite the month files holding an entry that differs from `previous`, which is what this
        cache's articles() returned; remove emptied ones. An edit looks at the entries of its own
        month only."""
        # (an unchanged entry is the very one read from the cache: reader.read_content)
        fresh = [path for path, entry in articles.items() if previous.get(path) is not entry]
        removed = previous.keys() - articles.keys()
        if not fresh and not removed:
            return
        # an entry's month follows from its path (content/YYYY/MM/DD/...), so a month's entries are
        # its old ones still there, and the fresh ones of that month
        months: dict[str, dict[str, tuple[Stamp, Article]]] = {_month(previous[path]): {} for path in removed}
        for path in fresh:
            months.setdefault(_month(articles[path]), {})[path] = articles[path]
        (self.folder / "articles").mkdir(parents=True, exist_ok=True)
        for name, new in months.items():
            entries = {path: entry for path, entry in self._months.get(name, {}).items() if path in articles}
            entries.update(new)
            if entries:
                self._save_month(name, entries)
            else:
                (self.folder / "articles" / f"{name}.pickle").unlink(missing_ok=True)
                self._drop_bodies(name, keep="")
            self._months[name] = entries

    def _bodies(self, month: str, token: bytes) -> str:
        # absolute: the articles read their bodies from it wherever the build was started
        return str((self.folder / "articles" / f"{month}-{token.hex()}.bodies").resolve())

    def _drop_bodies(self, month: str, keep: str) -> None:
        for path in (self.folder / "articles").glob(f"{month}-*.bodies"):
            if str(path.resolve()) != keep:
                path.unlink(missing_ok=True)

    def _save_month(self, month: str, entries: dict[str, tuple[Stamp, Article]]) -> None:
        token = os.urandom(16)
        parts, places, offset = [token], [], len(token)
        for _, article in entries.values():
            # read before the file is replaced: an unchanged article's body is still in the old one
            html, text = article.body_html.encode("utf-8"), article.text.encode("utf-8")
            parts += (html, text)
            places.append((article.body, offset, len(html), len(text)))
            offset += len(html) + len(text)
        bodies = self._bodies(month, token)
        with open(f"{bodies}.tmp", "wb") as handle:
            handle.write(b"".join(parts))
        os.replace(f"{bodies}.tmp", bodies)
        for body, start, html_size, text_size in places:
            body.stored(bodies, start, html_size, text_size)
        self._write(f"articles/{month}.pickle", (self.salt, token, bodies, entries))
        self._drop_bodies(month, keep=bodies)

    def names(self) -> dict[str, str]:
        """person_slug() of every name seen by earlier builds."""
        stored = self._read("names.pickle")
        return stored if isinstance(stored, dict) else {}

    def save_names(self, names: dict[str, str]) -> None:
        self._write("names.pickle", names)

    def search_key(self) -> str | None:
        """What the last offline search index was made from."""
        stored = self._read("search.pickle")
        return stored if isinstance(stored, str) else None

    def save_search_key(self, inputs: str) -> None:
        self._write("search.pickle", inputs)

    def manifest(self, output: Path) -> Manifest:
        """What the last build wrote to this output folder; empty if the folder is gone."""
        if not (output / "index.html").is_file() and not (output / "404.html").is_file():
            return Manifest()
        stored = self._read(self._manifest_name(output))
        if not isinstance(stored, Manifest) or stored.output != str(output.resolve()):
            return Manifest()
        return stored

    def save_manifest(self, output: Path, manifest: Manifest) -> None:
        self._write(self._manifest_name(output, "folders"), "\0".join(manifest.folders))
        self._write(self._manifest_name(output), manifest)

    def folder_names(self, output: Path) -> list[str]:
        """The output folders the last build into `output` recorded (Manifest.folders), kept apart so
        that the build's helper reads them without the whole record (some 50 MB at 100,000 articles).
        Any list will do where this one is missing or of another build: folder_times() reads the times
        of the folders it is given, and the build reads those of the recorded folders it lacks."""
        stored = self._read(self._manifest_name(output, "folders"))
        return stored.split("\0") if isinstance(stored, str) and stored else []

    def search_files(self, output: Path, digest: str, read: SearchFiles | None = None) -> SearchFiles | None:
        """The record of the search index's files of the last build into `output`, if it is the one
        the build record names by `digest` (Manifest.searched_digest); `read`: last_search_files(),
        if read already."""
        stored = (read or self.last_search_files(output)) if digest else None
        return stored if stored is not None and stored.digest == digest else None

    def last_search_files(self, output: Path) -> SearchFiles | None:
        """The record of the search index's files that the last build into `output` left, whichever."""
        stored = self._read(self.search_files_name(output))
        return stored if isinstance(stored, SearchFiles) else None

    def save_search_files(self, output: Path, record: SearchFiles, suffix: str = "") -> None:
        self._write(self.search_files_name(output) + suffix, record)

    def search_files_name(self, output: Path) -> str:
        return self._manifest_name(output, "search-files")

    def _manifest_name(self, output: Path, kind: str = "manifest") -> str:
        # pickled, not JSON: half a million entries load in a tenth of the time
        return f"{kind}-{hashlib.sha1(str(output.resolve()).encode()).hexdigest()[:12]}.pickle"


@dataclass
class Manifest:
    """The record of the last build into one output folder."""

    output: str = ""  # the folder, resolved
    files: dict[str, str] = field(default_factory=dict)  # key of every file written, by URL
    folders: dict[str, int] = field(default_factory=dict)  # each folder's modification time (output.py)
    # key(...) of everything the pages and feeds are made from, and their URLs: when it is unchanged,
    # the pages are neither planned nor keyed again (pipeline.py)
    pages_from: str = ""
    pages: list[str] = field(default_factory=list)
    # what an edit is measured against (depends.py): everything the pages are made from but the
    # articles, each article's (digest, outline) by source, and the 相关报道 result (related.py)
    frame: str = ""
    articles: tuple[list[str], list[str], list[str]] = field(default_factory=lambda: ([], [], []))  # depends.Record
    related: str = ""
    reach: Reach | None = None  # which pages hold which articles (depends.py)
    # SearchFiles.digest of the search stage's files, which are recorded apart (search_files.py): the
    # record beside this one is used only if it has this digest ("" if there is none)
    searched_digest: str = ""

    def __getstate__(self) -> dict[str, Any]:
        # a large archive's record holds a million files: as a few long strings (a tuple of columns)
        # it is written in a fifth and read in half the time of a dict pickled entry by entry
        state = dict(self.__dict__)
        state["files"] = (_joined(self.files), _joined(self.files.values()))
        state["pages"] = (_joined(self.pages),)
        state["articles"] = tuple(map(_joined, self.articles))
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        # a record pickled by an earlier version lacks the newer fields: they take their defaults
        self.__dict__.update(Manifest().__dict__, **state)
        if isinstance(self.files, tuple):
            self.files = dict(zip(*_split(self.files), strict=True))
        if isinstance(self.pages, tuple):
            self.pages = _split(self.pages)[0]
        articles = state.get("articles")
        if isinstance(articles, tuple) and len(articles) == 3 and all(isinstance(c, str) for c in articles):
            sources, digests, outlines = _split(articles)
            self.articles = (sources, digests, outlines)
        else:  # none, or an older record's form: as if it had none (every page is keyed)
            self.articles = ([], [], [])


def _joined(texts: Iterable[str]) -> str:
    """Texts joined by NUL (no path, URL or key holds one, nor is empty: so the join is undone exactly)."""
    return "\0".join(texts)


def _split(columns: tuple[str, ...]) -> list[list[str]]:
    return [column.split("\0") if column else [] for column in columns]


def _month(entry: tuple[Stamp, Article]) -> str:
    """The name of the month file that holds an entry: YYYY-MM of its issue date."""
    date = entry[1].date
    return f"{date.year:04d}-{date.month:02d}"


def _holds(token: bytes, path: object, expected: str) -> bool:
    """Whether the bodies file at `expected` is the one a month's articles were stored with."""
    if path != expected:
        return False
    try:
        with open(expected, "rb") as handle:
            return handle.read(len(token)) == token
    except OSError:
        return False


# per dataclass: its public fields' values in one call, and which of them are declared as tuples
_FIELDS: dict[type, tuple[Callable[[Any], tuple[Any, ...]], tuple[int, ...]]] = {}
_SCALARS = frozenset({str, int, float, bool, type(None)})
_LONG = 16  # a longer collection in a context is shared by many pages (a list's page URLs, a person's credits)


def signature(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """A stable, hashable stand-in for a page's context.

    Shared objects (an issue, a person with all their credits, the URLs of a list's pages) appear in
    many pages' contexts: the signature of a dataclass holding a collection, and of a long collection,
    is reduced to a digest once per build, through `memo` (by id: they live as long as the pages do).
    Every page is keyed on every build that changes anything, so this is written for speed: exact
    types first, in the order of how often they occur.
    """
    kind = type(value)
    if kind is Article:
        # everything an article is follows from its file's bytes, its path and the site's config
        if memo is None:
            return f"\0A{value.digest}{value.date.isoformat()}{value.slug}"
        found = memo.get(id(value))
        if found is None:
            memo[id(value)] = found = f"\0A{value.digest}{value.date.isoformat()}{value.slug}"
        return found
    if kind in _SCALARS:
        return value
    if kind is tuple or kind is list:
        if memo is None or len(value) <= _LONG:
            return tuple([signature(item, memo) for item in value])
        found = memo.get(id(value))
        if found is None:
            memo[id(value)] = found = ("*", key(*[signature(item, memo) for item in value]))
        return found
    if kind is dict:
        return tuple([(k, signature(item, memo)) for k, item in sorted(value.items())])
    if kind is dt.date:
        return value.isoformat()
    if kind is range:
        return tuple(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if memo is not None and id(value) in memo:
            return memo[id(value)]
        if kind not in _FIELDS:
            _FIELDS[kind] = _fields(kind)
        getter, tuples = _FIELDS[kind]
        values = getter(value)
        fields = tuple([signature(item, memo) for item in values])
        if memo is None or not any(type(values[i]) is tuple and len(values[i]) > 4 for i in tuples):
            return (kind.__name__, *fields)
        memo[id(value)] = result = (kind.__name__, key(*fields))
        return result
    if isinstance(value, str | int | float | bool):  # a subclass, such as an enum's member
        return value
    raise TypeError(f"no signature for {type(value).__name__}")


def _fields(kind: type) -> tuple[Callable[[Any], tuple[Any, ...]], tuple[int, ...]]:
    fields = [f for f in dataclasses.fields(kind) if not f.name.startswith("_")]
    names = [f.name for f in fields]
    getter = attrgetter(*names) if len(names) > 1 else (lambda value: tuple(getattr(value, n) for n in names))
    # annotations are strings here (postponed evaluation), so "tuple[...]" is read from the text
    tuples = tuple(index for index, f in enumerate(fields) if str(f.type).startswith("tuple"))
    return getter, tuples


def key(*parts: Any) -> str:
    return hashlib.sha1(repr(parts).encode("utf-8")).hexdigest()


def text_key(texts: Iterable[str]) -> str:
    """key() of many strings, hashed as they are: the repr of one holding a hundred thousand articles'
    paths costs more than hashing it (the strings hold no NUL)."""
    return hashlib.sha1("\0".join(texts).encode("utf-8")).hexdigest()
