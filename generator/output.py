"""Writing the output folder atomically: build beside it, swap at the end.

A failed build leaves the previous output exactly as it was.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class Staging:
    """A folder that becomes the output only if the whole build succeeds."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.written: list[str] = []

    def write(self, url: str, data: bytes) -> None:
        path = self.root / url
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.written.append(url)

    def copy_tree(self, source: Path, prefix: str = "", skip_suffix: str = "") -> None:
        if not source.is_dir():
            return
        for path in sorted(source.rglob("*")):
            if path.is_file() and not (skip_suffix and path.suffix == skip_suffix) and not _hidden(path, source):
                target = self.root / prefix / path.relative_to(source)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


@contextmanager
def staged(output: Path) -> Iterator[Staging]:
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=f".{output.name}-", dir=output.parent))
    temp.chmod(0o755)  # mkdtemp makes it private; the output is meant to be served
    try:
        yield Staging(temp)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    old = output.parent / f".{output.name}-old"
    shutil.rmtree(old, ignore_errors=True)
    if output.exists():
        output.rename(old)
    temp.rename(output)
    shutil.rmtree(old, ignore_errors=True)
