"""The record of the search index's files (search/data/), kept apart from the build record.

At 100,000 articles the index has some 965,000 files, nine in ten of the output's: in the build
record (cache.Manifest) they cost an edit two seconds to load, compare and save again, though the
copy and render stages never look at them. Here they are kept by folder, each folder's entries as
two long strings, split into a dict only when the search stage looks into that folder: an edit that
patches a few hundred shards opens only their folders. The build record keeps this record's digest,
so the two are known to belong together: a record that is missing, damaged or of another build
makes the index whole again (search_patch.update).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

Stored = tuple[str, str, str]  # a folder's names and keys, each joined by NUL, and their digest


class SearchFiles(Mapping[str, str]):
    """The key (sha1 of the content) of each file under search/data/, by URL."""

    def __init__(self, stored: dict[str, Stored] | None = None, count: int = 0) -> None:
        self._stored = stored or {}
        self._count = count
        self._open: dict[str, dict[str, str]] = {}  # folders split out of `_stored`, by folder
        self._made: dict[str, Stored] | None = None  # _joined(), once asked for (the record is not changed after)
        self._digest: str | None = None

    @classmethod
    def of(cls, files: Iterable[tuple[str, str]]) -> SearchFiles:
        record = cls()
        for url, key in files:
            folder, _, name = url.rpartition("/")
            record._folder(folder)[name] = key
            record._count += 1
        return record

    def _folder(self, folder: str) -> dict[str, str]:
        found = self._open.get(folder)
        if found is None:
            names, keys, _ = self._stored.get(folder, ("", "", ""))
            found = self._open[folder] = dict(zip(names.split("\0"), keys.split("\0"), strict=True)) if names else {}
        return found

    def __getitem__(self, url: str) -> str:
        folder, _, name = url.rpartition("/")
        if folder not in self._stored and folder not in self._open:
            raise KeyError(url)
        return self._folder(folder)[name]

    def __iter__(self) -> Iterator[str]:
        for folder in sorted(self._stored.keys() | self._open.keys()):
            yield from (f"{folder}/{name}" for name in self._folder(folder))

    def __len__(self) -> int:
        return self._count

    def changed(self, written: dict[str, str], removed: Iterable[str]) -> SearchFiles:
        """This record with the `written` files (key by URL) and without the `removed` ones."""
        record = SearchFiles(self._joined(), self._count)
        for url in removed:
            folder, _, name = url.rpartition("/")
            if name in record._own(folder, self):
                del record._open[folder][name]
                record._count -= 1
        for url, key in written.items():
            folder, _, name = url.rpartition("/")
            files = record._own(folder, self)
            record._count += name not in files
            files[name] = key
        return record

    def _own(self, folder: str, source: SearchFiles) -> dict[str, str]:
        # a folder changed here is a copy: `source` stays the record of the last build
        if folder not in self._open:
            self._open[folder] = dict(source._folder(folder))
        return self._open[folder]

    @property
    def digest(self) -> str:
        """A digest of every file's URL and key: the same files give the same digest, however recorded."""
        if self._digest is None:  # asked for four times by an edit
            folders = self._joined()
            digest = hashlib.sha1()
            for folder in sorted(folders):
                digest.update(f"{folder}\0{folders[folder][2]}\n".encode())
            self._digest = digest.hexdigest()
        return self._digest

    def _joined(self) -> dict[str, Stored]:
        """Every folder as stored, the opened ones joined again (in name order) and emptied ones left out."""
        if self._made is not None:
            return self._made
        self._made = folders = dict(self._stored)
        for folder, files in self._open.items():
            if not files:
                folders.pop(folder, None)
                continue
            names = sorted(files)
            joined = "\0".join(names), "\0".join(files[name] for name in names)
            folders[folder] = (*joined, hashlib.sha1("\0\0".join(joined).encode()).hexdigest())
        return folders

    def __getstate__(self) -> dict[str, Any]:
        return {"stored": self._joined(), "count": self._count}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["stored"], state["count"])  # type: ignore[misc]
