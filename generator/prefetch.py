"""Work a build needs early, done meanwhile by a forked helper process on the machine's other core.

A one-article edit spends much of its time on fixed costs that do not wait on each other: a stat()
of every file under content/ (a hundred thousand in a large archive) and of every output folder
(output.py checks that none was touched by hand), and making the segmenter (rjieba builds jieba's
dictionary: a seventh of a second) to cut the edited text. The build itself meanwhile reads its
cache. So a build forks a helper first thing; it does the jobs the build gives it and sends each
result back (a thread of the build reads them as they come), then makes the segmenter, and cuts the
texts the build sends it until the build is done, or has sent so many (a cold build) that making its
own segmenter costs less than the asking. It also does one piece of work the build hands it
meanwhile (Helper.start): an edit has its search index patched there while the build makes 相关报道
and the pages.

Nothing here decides what a build makes: a job's result is what the build would have computed
itself at that moment, if the helper cannot be forked or fails the build does the work itself, and a
forked worker never uses its parent's helper.
"""

from __future__ import annotations

import functools
import os
import pickle
import signal
import struct
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator import segment

if TYPE_CHECKING:
    from generator.cache import Cache

ASKED = 200  # texts cut by the helper, after which the build makes its own engine
PREPARED = 32768  # bytes of Helper.prepare's message at most: a pipe holds 65,536 unread
_SIZE = struct.Struct("<Q")


class Helper:
    """The forked helper of one build, seen from the build."""

    def __init__(self, jobs: Sequence[Callable[[], object]], cutting: bool) -> None:
        down_read, self._down = os.pipe()
        self._up, up_write = os.pipe()
        self.owner = os.getpid()
        self.pid = os.fork()
        if self.pid == 0:  # the helper
            code = 1
            try:
                os.close(self._down)
                os.close(self._up)
                _serve(jobs, cutting, up_write, down_read)
                code = 0
            finally:
                os._exit(code)
        os.close(down_read)
        os.close(up_write)
        self.cutting = cutting
        self.asked = 0
        self.alive = True
        self._closed = False
        self._jobs = len(jobs)
        self._results: list[object] = []
        self._arrived = threading.Condition()
        # the jobs' results are read as they come, so the helper goes on to jieba's dictionary instead of
        # waiting on the pipe until the build needs a result (it reads the scan of content/ after its cache)
        self._reader = threading.Thread(target=self._read_results, daemon=True)
        self._reader.start()
        self._started = False  # work (start()) asked for, its result not read yet
        self._done: object = None  # its result, read

    def result(self, number: int) -> Any:
        """What job `number` returned; None if the helper failed to do it (do it yourself)."""
        with self._arrived:
            self._arrived.wait_for(lambda: len(self._results) > number)
        done = self._results[number]
        return done[1] if isinstance(done, tuple) and done[0] else None

    def _read_results(self) -> None:
        """(A thread of the build's.) The results come first on the pipe, in the jobs' order; those
        that cannot be read are None (the build does those jobs itself)."""
        try:
            while len(self._results) < self._jobs:
                done = _receive(self._up)
                with self._arrived:
                    self._results.append(done)
                    self._arrived.notify_all()
        except Exception:  # whatever it is, the build does without the helper from now on
            self.alive = self.cutting = False
        with self._arrived:  # (result() must not wait for ever)
            self._results += [None] * (self._jobs - len(self._results))
            self._arrived.notify_all()

    def cut(self, dictionary: segment.UserDictionary, text: str) -> list[str] | None:
        """rjieba's words of `text` with `dictionary`, or None: the build is to cut it itself."""
        if not self.cutting or os.getpid() != self.owner or self.asked >= ASKED:
            return None
        self._after_jobs()
        self._collect()  # the answer comes after the work's result
        self.asked += 1
        words = self._ask((dictionary, text))
        return words if isinstance(words, list) else None

    def prepare(self, dictionary: segment.UserDictionary) -> None:
        """Have the helper make the engine of `dictionary` now, while the build does other work, so
        that the first text it sends is cut at once. Not waited for; skipped where the message might
        not fit in the pipe (the helper reads it only once its jobs are done)."""
        if not self.cutting or os.getpid() != self.owner or not self.alive:
            return
        framed = _framed((dictionary, None))
        if len(framed) <= PREPARED:
            try:
                _write(self._down, framed)  # at once: the pipe has room for it
            except OSError:
                self.alive = self.cutting = False

    def start(self, dictionary: segment.UserDictionary, work: Callable[..., object], *args: object) -> bool:
        """Have the helper do `work(*args)` (a function of a module, pickled by name, as are its
        arguments) with the build's segmenter, of `dictionary` (segment.adopt), while the build goes on;
        finish() returns what it returned. False if the helper cannot: the build does the work."""
        if not self.cutting or os.getpid() != self.owner or not self.alive or self._started:
            return False
        self._after_jobs()
        try:
            _send(self._down, (dictionary, (work, args)))
        except (OSError, pickle.PickleError, TypeError, AttributeError):
            self.alive = self.cutting = False  # (a message cut short leaves the pipe unusable)
            return False
        self._started = True
        return True

    def finish(self) -> Any:
        """What the work given to start() returned; None if it failed or none was given."""
        self._collect()
        done, self._done = self._done, None
        return done[1] if isinstance(done, tuple) and done[0] else None

    def _after_jobs(self) -> None:
        """Wait for the jobs' results, which come first on the pipe (read by _read_results)."""
        if self._jobs:
            self.result(self._jobs - 1)

    def _collect(self) -> None:
        if self._started:
            self._started = False
            self._done = self._ask(None)

    def close(self) -> None:
        """Stop the helper (it holds nothing that needs finishing) and collect its exit."""
        if os.getpid() != self.owner or self._closed:
            return
        self._closed = True
        self.alive = self.cutting = False
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except OSError:
            pass
        self._reader.join()  # (it meets the end of the pipe) before its descriptor goes
        for descriptor in (self._down, self._up):
            os.close(descriptor)

    def _ask(self, message: object) -> Any:
        if not self.alive:
            return None
        try:
            if message is not None:
                _send(self._down, message)
            return _receive(self._up)
        except (OSError, EOFError, pickle.PickleError, ValueError):
            self.alive = self.cutting = False  # the build does without it from now on
            return None


def build_jobs(site: Path, output: Path) -> list[Callable[[], object]]:
    """A build's jobs, by number: content/ scanned (reader.scan), the times of the output folders the
    last build into `output` recorded, as they are now (output.folder_times), idf.sqlite made if it
    is not current (idf.kept_in), and, where the last build's output is recorded (an edit to come,
    whose search stage the build gives the helper), jieba's dictionary made, the search stage's
    modules imported and the last index's record and state read (search_patch.read_ahead). Their
    modules are imported by the helper when it does them, so a helper forked before the build
    imports its own (cli.py) is at work meanwhile."""
    def content() -> object:
        from generator.reader import scan

        return scan(site / "content")

    @functools.cache
    def cache() -> Cache:
        from generator.cache import site_cache

        return site_cache(site)

    @functools.cache
    def recorded() -> list[str]:
        return cache().folder_names(output)

    def folders() -> object:
        from generator.output import folder_times

        return folder_times(output.resolve(), recorded())

    def weights() -> object:
        from generator import idf

        return idf.kept_in(cache().folder)

    def search() -> object:
        if recorded():  # (not a cold build)
            if segment.available_engines()[0] == "rjieba":
                import rjieba  # noqa: F401  first: jieba's dictionary, which the first text to cut needs
            from generator import search_patch  # for Helper.start

            search_patch.read_ahead(cache(), output)
        return None
    return [content, folders, weights, search]


@contextmanager
def helping(*jobs: Callable[[], object]) -> Iterator[Helper | None]:
    """A helper doing `jobs` (None if it could not be forked), stopped when the build ends;
    meanwhile rjieba engines have their texts cut by it."""
    cutting = segment.available_engines()[0] == "rjieba"
    try:
        helper: Helper | None = Helper(jobs, cutting)
    except OSError:
        helper = None
    if helper and cutting:
        segment.ask_with(helper.cut)
    try:
        yield helper
    finally:
        segment.ask_with(None)
        if helper:
            helper.close()


def _serve(jobs: Sequence[Callable[[], object]], cutting: bool, up: int, down: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C: the build reports it, the helper just ends
    for job in jobs:
        try:
            done: tuple[bool, object] = (True, job())
        except Exception:  # the build meets the same error, and reports it, when it does the job itself
            done = (False, None)
        _send(up, done)
    if not cutting:
        return
    engines: dict[str, segment.Engine] = {}
    import rjieba  # noqa: F401  makes jieba's dictionary, before the build asks (segment._rjieba_tokenizer)
    while True:
        try:
            dictionary, text = _receive(down)
        except EOFError:
            return
        fingerprint = dictionary.fingerprint
        if fingerprint not in engines:
            engines[fingerprint] = segment.make_engine(dictionary, "rjieba", ask=False)
        if isinstance(text, tuple):  # Helper.start
            work, args = text
            segment.adopt(dictionary, engines[fingerprint], "rjieba")
            try:
                done = (True, work(*args))
            except Exception:  # the build meets the same error, and reports it, when it does the work itself
                done = (False, None)
            _send(up, done)
        elif text is not None:  # None: Helper.prepare, which waits for no answer
            _send(up, engines[fingerprint].cut(text))


def _send(descriptor: int, message: object) -> None:
    _write(descriptor, _framed(message))


def _framed(message: object) -> bytes:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _SIZE.pack(len(data)) + data


def _write(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view):]


def _receive(descriptor: int) -> Any:
    size = _SIZE.unpack(_read(descriptor, _SIZE.size))[0]
    return pickle.loads(_read(descriptor, size))


def _read(descriptor: int, size: int) -> bytes:
    parts, left = [], size
    while left:
        part = os.read(descriptor, min(left, 1 << 20))
        if not part:
            raise EOFError
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


