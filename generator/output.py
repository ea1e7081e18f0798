"""Writing the output folder so that a failed build leaves the previous output exactly as it was.

Files are written into a staging folder beside the output. A full build swaps the whole staging folder
in at the end; an incremental build writes only files whose key changed, then moves them into place
and removes files that no longer belong to the site.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class Staging:
    """Collects a build's files; `previous` holds the keys of what the output already has."""

    def __init__(self, root: Path, previous: dict[str, str]) -> None:
        self.root = root
        self.previous = previous
        self.keys: dict[str, str] = {}
        self.written = 0  # files put in the staging folder (a site's static file may replace the project's)
        self._put: set[str] = set()

    @property
    def incremental(self) -> bool:
        return bool(self.previous)

    def fresh(self, url: str, key: str) -> bool:
        """Record that `url` is made from `key`; True if the output already has exactly that."""
        self.keys[url] = key
        return self.previous.get(url) == key

    def write(self, url: str, data: bytes, key: str | None = None) -> None:
        """Write a file, unless the output already holds the same (by key, or by content)."""
        key = key or hashlib.sha1(data).hexdigest()
        if self.fresh(url, key) and self.incremental:
            return
        self.put(url, data)

    def put(self, url: str, data: bytes) -> None:
        path = self.root / url
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if url not in self._put:
            self._put.add(url)
            self.written += 1

    def copy_tree(self, source: Path, prefix: str = "", skip_suffix: str = "") -> None:
        """Copy a folder's files (hidden ones and those ending in skip_suffix left out) under prefix."""
        for folder, dirs, names in os.walk(source):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            base = Path(folder)
            relative = base.relative_to(source)
            for name in sorted(names):
                if name.startswith(".") or skip_suffix and name.endswith(skip_suffix):
                    continue
                self.write((Path(prefix) / relative / name).as_posix(), (base / name).read_bytes())

    @property
    def reused(self) -> int:
        return len(self.keys) - self.written


@contextmanager
def staged(output: Path, previous: dict[str, str]) -> Iterator[Staging]:
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=f".{output.name}-", dir=output.parent))
    temp.chmod(0o755)  # mkdtemp makes it private; the output is meant to be served
    # a file someone deleted from the output by hand is simply made again
    base = str(output) + os.sep
    present = {url: key for url, key in previous.items() if os.path.isfile(base + url)} if output.is_dir() else {}
    staging = Staging(temp, present)
    try:
        yield staging
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    if staging.incremental and staging.written <= staging.reused:
        _merge(temp, output, stale=set(staging.previous) - set(staging.keys))
    else:
        if staging.incremental:  # most files changed: bring the few unchanged ones over instead
            _adopt(output, temp, [url for url in staging.keys if not (temp / url).exists()])
        _swap(temp, output)


def _swap(temp: Path, output: Path) -> None:
    old = output.parent / f".{output.name}-old"
    shutil.rmtree(old, ignore_errors=True)
    if output.exists():
        output.rename(old)
    temp.rename(output)
    shutil.rmtree(old, ignore_errors=True)


def _adopt(output: Path, temp: Path, urls: list[str]) -> None:
    """Copy unchanged files of the current output into the staging folder (hard links when possible)."""
    for url in urls:
        target = temp / url
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(output / url, target)
        except OSError:
            shutil.copyfile(output / url, target)


def _merge(temp: Path, output: Path, stale: set[str]) -> None:
    for folder, _, names in os.walk(temp):
        for name in names:
            source = Path(folder) / name
            target = output / source.relative_to(temp)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
    for url in sorted(stale):
        path = output / url
        path.unlink(missing_ok=True)
        for parent in path.parents:
            if parent == output or not parent.is_dir() or any(parent.iterdir()):
                break
            parent.rmdir()
    shutil.rmtree(temp, ignore_errors=True)
