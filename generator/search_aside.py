"""search/data/ files made and written by a worker process while the parent does other work.

The articles' fragments (f/, some 60,000 files at 10,000 articles) depend on nothing the index
computes, so one worker makes and writes them while the index is made, a run of documents at a time,
and hands back only what the staging folder records of each file: its name, its key and its size.
The key files are written the same way (Local, record) by the forked processes that write the
index's hash groups (search_index).

The worker is spawned, not forked: a forked one shares the parent's pages copy-on-write, and as the
parent joins groups it writes over them, so each page it wrote was held twice (at 100,000 articles
the forked worker grew to 500-700 MB of PSS while the parent joined). A spawned one holds only what
it makes; each run's items (the articles, whose bodies it reads from the build cache) come to it
pickled.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from multiprocessing.pool import Pool
from pathlib import Path
from typing import Generic, TypeVar

from generator.output import Staging, Writer

PARALLEL_FROM = 300  # documents: fewer are made in the parent, starting a worker would cost more than it saves
STEP = 512  # documents a worker's run: one f/ folder

T = TypeVar("T")
Make = Callable[[int, T], Iterable[tuple[str, object]]]  # a document's files: (name under `prefix`, data)
Encode = Callable[[str, object], bytes]
Made = tuple[str, str, int, bool]  # url, key, bytes, whether it was written

class Files:
    """Files written by a thread of their own, as Staging.write would, while the caller makes the
    next: opening, writing and closing a file release the GIL, and the search stage writes some
    50,000 key files from one process. At most `held` files wait, so memory stays bounded."""

    def __init__(self, staging: Staging, held: int = 256) -> None:
        self.staging = staging
        self.waiting: queue.Queue[tuple[str, bytes] | None] = queue.Queue(held)
        self.writer = Writer(staging.root)
        self.failed: BaseException | None = None
        self.thread = threading.Thread(target=self._drain, name="search-files", daemon=True)
        self.thread.start()

    def write(self, url: str, data: bytes) -> None:
        if self.failed is not None:
            raise self.failed
        if self.staging.fresh(url, hashlib.sha1(data).hexdigest()) and self.staging.incremental:
            return
        self.staging.written += 1
        self.waiting.put((url, data))

    def close(self) -> None:
        """Wait for every file; raises what writing one raised."""
        if self.thread.is_alive():
            self.waiting.put(None)
            self.thread.join()
        if self.failed is not None:
            raise self.failed

    def _drain(self) -> None:
        while (item := self.waiting.get()) is not None:
            if self.failed is not None:
                continue  # keep taking, so the writer never blocks on a full queue
            try:
                self.writer(*item)
            except BaseException as exc:  # handed to the caller by write() or close()
                self.failed = exc
        self.writer.close()


# The worker's part of the work, set by its initializer: what to make and where.
_STATE: dict[str, object] = {}


class Local:
    """Files written under `root` by a worker, as Staging.write would (a file whose key the output
    already holds is not written again in an incremental build), each recorded in `made` for the
    parent's staging folder (record())."""

    def __init__(self, encode: Encode, prefix: str, root: Path, previous: dict[str, str], incremental: bool) -> None:
        self.encode = encode
        self.prefix = prefix
        self.previous = previous
        self.incremental = incremental
        self.writer = Writer(root)
        self.made: list[Made] = []

    def __call__(self, name: str, data: object) -> None:
        url = self.prefix + name + ".js"
        encoded = self.encode(name, data)
        key = hashlib.sha1(encoded).hexdigest()
        written = not (self.incremental and self.previous.get(url) == key)
        if written:
            self.writer(url, encoded)
        self.made.append((url, key, len(encoded), written))

    def close(self) -> list[Made]:
        self.writer.close()
        return self.made


def record(staging: Staging, made: Iterable[Made]) -> None:
    """Files a worker made, recorded in the staging folder."""
    for url, key, _, written in made:
        staging.fresh(url, key)
        staging.written += written


def _run(start: int, items: Sequence[T], make: Make[T], encode: Encode, prefix: str, root: Path,
         previous: dict[str, str], incremental: bool) -> list[Made]:
    """Files of documents start, start + 1... (one an item) written under `root` (Local)."""
    put = Local(encode, prefix, root, previous, incremental)
    try:
        for doc, item in enumerate(items, start):
            for name, data in make(doc, item):
                put(name, data)
    finally:
        put.close()
    return put.made


def _started(work: dict[str, object]) -> None:
    _STATE.update(work)


def _spawned(run: tuple[int, Sequence[object]]) -> list[Made]:
    return _run(*run, **_STATE)  # type: ignore[arg-type]


class Aside(Generic[T]):
    """Documents' files made beside the parent's work: started on creation, recorded in the staging
    folder by finish(). `make(doc, item)` gives document doc's files from its item; both it and
    `encode` are module-level functions (the worker imports them), the items picklable. With fewer
    than PARALLEL_FROM documents, or one core, they are made in finish() itself."""

    def __init__(self, staging: Staging, items: Sequence[T], make: Make[T], encode: Encode, prefix: str,
                 parallel_from: int | None = None) -> None:
        self.staging = staging
        self.items = items
        # the worker needs the output's keys of its own files only (in a cold build, none)
        previous = {url: key for url, key in staging.previous.items() if url.startswith(prefix)}
        self.work = dict(make=make, encode=encode, prefix=prefix, root=staging.root, previous=previous,
                         incremental=staging.incremental)
        self.pool: Pool | None = None
        self.pending: Iterator[list[Made]] | None = None
        least = PARALLEL_FROM if parallel_from is None else parallel_from
        if len(items) >= least and (multiprocessing.cpu_count() or 1) > 1:
            self.pool = multiprocessing.get_context("spawn").Pool(1, initializer=_started, initargs=(self.work,))
            # a run's items are pickled as the worker asks for them (the pipe holds a run or two)
            self.pending = self.pool.imap(_spawned, ((start, items[start:start + STEP])
                                                     for start in range(0, len(items), STEP)))

    def finish(self) -> list[Made]:
        """Every file made, in document order, recorded in the staging folder."""
        try:
            if self.pending is not None:
                runs = list(self.pending)
            else:
                runs = [_run(start, self.items[start:start + STEP], **self.work)  # type: ignore[arg-type]
                        for start in range(0, len(self.items), STEP)]
        finally:
            self.close()
        made = [entry for run in runs for entry in run]
        record(self.staging, made)
        return made

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None
