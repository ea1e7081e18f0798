"""The output folder's record: which files are still there, found without looking at every one."""

from __future__ import annotations

import os
from pathlib import Path

from generator.output import Writer, still_there


def output(tmp_path: Path) -> tuple[Path, dict[str, str], dict[str, int]]:
    root = tmp_path / "public"
    files = {"index.html": "k1", "a/one.html": "k2", "a/two.html": "k3", "a/b/three.html": "k4"}
    for url in files:
        (root / url).parent.mkdir(parents=True, exist_ok=True)
        (root / url).write_text(url)
    folders = {folder: os.stat(root / folder).st_mtime_ns for folder in ("", "a", "a/b")}
    return root, files, folders


def test_untouched_folders_vouch_for_their_files(tmp_path: Path) -> None:
    root, files, folders = output(tmp_path)
    assert still_there(root, files, folders) == files


def test_a_deleted_file_is_missed(tmp_path: Path) -> None:
    root, files, folders = output(tmp_path)
    (root / "a/two.html").unlink()
    assert set(still_there(root, files, folders)) == {"index.html", "a/one.html", "a/b/three.html"}


def test_a_deleted_folder_is_missed_with_its_files(tmp_path: Path) -> None:
    root, files, folders = output(tmp_path)
    (root / "a/b/three.html").unlink()
    (root / "a/b").rmdir()
    assert set(still_there(root, files, folders)) == {"index.html", "a/one.html", "a/two.html"}


def test_without_folder_times_every_file_is_looked_for(tmp_path: Path) -> None:
    root, files, _ = output(tmp_path)
    (root / "a/one.html").unlink()
    assert set(still_there(root, files, {})) == {"index.html", "a/two.html", "a/b/three.html"}


def test_the_writer_makes_folders_replaces_files_and_holds_few_folders_open(tmp_path: Path) -> None:
    put = Writer(tmp_path, held=2)
    put("index.html", b"root")
    put("a/b/c/one.html", "一".encode() * 100)
    put("a/b/c/one.html", b"shorter")  # replaced whole, not overwritten in place
    for n in range(5):
        put(f"f/{n}/page.js", bytes([n]) * 70_000)  # more folders than it holds, and more than one write
    assert len(put._folders) <= 2
    put.close()
    assert not put._folders
    assert (tmp_path / "index.html").read_bytes() == b"root"
    assert (tmp_path / "a/b/c/one.html").read_bytes() == b"shorter"
    assert [(tmp_path / f"f/{n}/page.js").read_bytes() for n in range(5)] == [bytes([n]) * 70_000 for n in range(5)]
    assert oct((tmp_path / "index.html").stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
