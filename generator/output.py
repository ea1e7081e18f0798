"""Writing the output folder so that a failed build leaves the previous output exactly as it was.

Files are written into a staging folder beside the output. A full build swaps the whole staging folder
in at the end; an incremental build writes only files whose key changed, then moves them into place
and removes files that no longer belong to the site.

A file someone deletes from the output by hand is made again. Checking that each of the hundreds of
thousands of files of a large archive is still there took longer than the rest of a no-change build,
so the output's folders are checked instead: deleting a file changes its folder's modification time,
and only the files of a folder whose time moved since the last build are looked for.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path


class Writer:
    """Writes files under `root` through a handle on each folder (openat): a build writes a hundred
    thousand files and more, and a path walked from the root and a mkdir for each cost as much as
    the write. At most `held` folders are held open; files are written in folder order, so few are
    opened twice. One writer per thread."""

    def __init__(self, root: Path, held: int = 64) -> None:
        self.root = root
        self.held = held
        self._folders: dict[str, int] = {}

    def __call__(self, url: str, data: bytes) -> None:
        folder, _, name = url.rpartition("/")
        where = self._folders.get(folder)
        if where is None:
            where = self._open(folder)
        handle = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666, dir_fd=where)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(handle, view):]
        finally:
            os.close(handle)

    def _open(self, folder: str) -> int:
        if len(self._folders) >= self.held:
            self.close()
        path = self.root / folder
        path.mkdir(parents=True, exist_ok=True)
        where = self._folders[folder] = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        return where

    def close(self) -> None:
        for where in self._folders.values():
            os.close(where)
        self._folders.clear()


class Staging:
    """Collects a build's files; `previous` holds the keys of what the output already has."""

    def __init__(self, root: Path, previous: dict[str, str]) -> None:
        self.root = root
        self.previous = previous
        self.keys: dict[str, str] = {}
        self.written = 0  # files put in the staging folder (a site's static file may replace the project's)
        self._put: set[str] = set()
        self.folders: Folders | None = None  # set by staged() once the files are in the output
        # files the output keeps and `keys` does not list, and files to remove that `previous` does not:
        # the search index's, recorded apart (search_files.py)
        self.aside = 0
        self.gone: set[str] = set()
        self.moved: set[str] | None = None  # the folders whose time moved since the last build (None: not known)
        self.writer = Writer(root)

    @property
    def incremental(self) -> bool:
        """Whether the output keeps files of the last build (else it is replaced whole)."""
        return bool(self.previous) or self.aside > 0

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
        self.writer(url, data)
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

    def copy_files(self, source: Path, files: Iterable[tuple[str, bytes]]) -> None:
        """Copy files (path relative to `source`, stamp: reader.Stamp), reading only those whose stamp moved.

        Keyed by stamp, not content as copy_tree does: an archive's photos are many and large.
        """
        for relative, stamp in files:
            if not (self.fresh(relative, "stamp:" + stamp.hex()) and self.incremental):
                self.put(relative, (source / relative).read_bytes())

    def changes(self) -> tuple[set[str], set[str], int]:
        """The files put so far, those to remove and the count kept aside: what another process
        (the build's helper) did in a staging of this folder, for the build's staging to absorb()."""
        return set(self._put), set(self.gone), self.aside

    def absorb(self, put: set[str], gone: set[str], aside: int) -> None:
        """Take in what another process did in this staging folder (changes() of its staging)."""
        self.written += len(put - self._put)
        self._put |= put
        self.gone |= gone
        self.aside += aside

    @property
    def reused(self) -> int:
        return len(self.keys) + self.aside - self.written


Folders = dict[str, int]  # modification time (ns) of each output folder, by path relative to the output


@contextmanager
def staged(output: Path, previous: dict[str, str], folders: Folders | None = None, times: Folders | None = None
           ) -> Iterator[Staging]:
    """A Staging for `output`, given the keys (and folder times) recorded by the last build into it;
    `times`: folder_times(output, folders), if read already.

    On success the staging's files are in the output and `staging.folders` holds the folder times to
    record with its keys (None when the output was not touched, so the old record still holds).
    """
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=f".{output.name}-", dir=output.parent))
    temp.chmod(0o755)  # mkdtemp makes it private; the output is meant to be served
    moved = moved_folders(output, folders, times) if output.is_dir() and folders else None
    present = still_there(output, previous, folders or {}, moved) if output.is_dir() else {}
    staging = Staging(temp, present)
    staging.moved = moved
    try:
        yield staging
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    finally:
        staging.writer.close()
    stale = staging.previous.keys() - staging.keys.keys() | staging.gone
    if staging.incremental and not staging.written and not stale and len(present) == len(previous):
        shutil.rmtree(temp, ignore_errors=True)
        staging.folders = None
    elif staging.incremental and (staging.written <= staging.reused or staging.aside):
        # (files kept aside are not in `keys`: only a merge keeps them)
        touched = _merge(temp, output, stale)
        staging.folders = _retimed(output, folders or {}, touched)
    else:
        if staging.incremental:  # most files changed: bring the few unchanged ones over instead
            _adopt(output, temp, [url for url in staging.keys if not (temp / url).exists()])
        _swap(temp, output)
        staging.folders = _retimed(output, {}, {_folder(url) for url in staging.keys})


def moved_folders(output: Path, folders: Folders, times: Folders | None = None) -> set[str]:
    """The folders whose modification time is not the one recorded (or that are gone); `times`:
    folder_times() of them, if read already (of those it lacks, the times are read here)."""
    now = folder_times(output, folders) if times is None else times
    unread = [folder for folder in folders if folder not in now]  # gone, or not in the list read
    if unread and times is not None:
        now = {**now, **folder_times(output, unread)}
    return {folder for folder, mtime in folders.items() if now.get(folder) != mtime}


def folder_times(output: Path, folders: Iterable[str]) -> Folders:
    """The modification time of each of `folders` that is there."""
    base = str(output) + os.sep
    times = {}
    for folder in folders:
        try:  # noqa: SIM105  (not contextlib.suppress: a context entered per folder, of 44,000)
            times[folder] = os.stat(base + folder if folder else str(output)).st_mtime_ns
        except OSError:
            pass
    return times


def still_there(output: Path, files: dict[str, str], folders: Folders, moved: set[str] | None = None
                ) -> dict[str, str]:
    """The entries of `files` still in the output: all of a folder's, if its time has not moved
    (`moved`: moved_folders(), when the caller has it).

    Without folder times (an older manifest), every file is looked for.
    """
    base = str(output) + os.sep
    if not folders:
        return {url: key for url, key in files.items() if os.path.isfile(base + url)}
    if moved is None:
        moved = moved_folders(output, folders)
    if not moved:
        return files
    listings: dict[str, set[str]] = {}

    def listed(folder: str) -> set[str]:
        if folder not in listings:
            try:
                listings[folder] = set(os.listdir(base + folder if folder else str(output)))
            except OSError:
                listings[folder] = set()
        return listings[folder]

    kept = {}
    for url, key in files.items():
        folder, _, name = url.rpartition("/")
        if name in listed(folder) if folder in moved else folder in folders or os.path.isfile(base + url):
            kept[url] = key
    return kept


def _folder(url: str) -> str:
    return url.rpartition("/")[0]


def _retimed(output: Path, folders: Folders, touched: set[str]) -> Folders:
    """`folders` with the times of the touched folders and of every folder above them read again."""
    result = dict(folders)
    todo = set()
    for folder in touched:
        while folder not in todo:
            todo.add(folder)
            if not folder:
                break
            folder = _folder(folder)
    times = folder_times(output, todo)
    result.update(times)
    for gone in todo - times.keys():
        result.pop(gone, None)
    return result


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


def _merge(temp: Path, output: Path, stale: set[str]) -> set[str]:
    """Move the staged files into the output and remove the stale ones; returns the folders touched."""
    touched = set()
    for folder, _, names in os.walk(temp):
        for name in names:
            source = Path(folder) / name
            relative = source.relative_to(temp)
            target = output / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
            touched.add(_folder(relative.as_posix()))
    for url in sorted(stale):
        path = output / url
        path.unlink(missing_ok=True)
        touched.add(_folder(url))
        for parent in path.parents:
            if parent == output or not parent.is_dir() or any(parent.iterdir()):
                break
            parent.rmdir()
    shutil.rmtree(temp, ignore_errors=True)
    return touched
