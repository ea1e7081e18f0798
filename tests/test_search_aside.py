"""The search files written beside the parent's work (search_aside): a spawned worker's fragments and
the writer thread's key files are the files, keys and counts that Staging.write gives, in a cold
build and in an incremental one; a failure in either reaches the caller."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from search_sites import ROOT

from generator import search_aside, search_index
from generator.output import Staging
from generator.pipeline import load


def tree(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def _make(doc: int, item: int) -> list[tuple[str, object]]:
    """Two files a document, the second one the same for every document."""
    assert item == doc * 3  # each document gets its own item
    return [(f"f/{doc // 7}/{doc}", {"doc": doc, "text": "页岩气" * doc}), (f"same/{doc}", {"same": True})]


ITEMS = range(0, 120, 3)  # 40 documents


def _staged(root: Path, previous: dict[str, str], parallel_from: int) -> tuple[Staging, list[search_aside.Made]]:
    staging = Staging(root, previous)
    aside = search_aside.Aside(staging, ITEMS, _make, search_index.script, "data/", parallel_from=parallel_from)
    return staging, aside.finish()


def test_a_spawned_worker_writes_what_the_parent_would(tmp_path: Path) -> None:
    serial, made_serial = _staged(tmp_path / "serial", {}, parallel_from=10_000)
    forked, made_forked = _staged(tmp_path / "forked", {}, parallel_from=1)
    expected = {f"data/{name}.js": search_index.script(name, data)
                for doc, item in enumerate(ITEMS) for name, data in _make(doc, item)}
    assert tree(tmp_path / "forked") == tree(tmp_path / "serial") == expected
    assert made_forked == made_serial
    assert [url for url, *_ in made_forked] == list(expected)  # in document order
    assert forked.keys == serial.keys and forked.written == serial.written == 80
    by_hand = Staging(tmp_path / "by_hand", {})
    for url, data in expected.items():
        by_hand.write(url, data)
    assert forked.keys == by_hand.keys


def test_an_incremental_build_writes_only_the_changed_files(tmp_path: Path) -> None:
    first, _ = _staged(tmp_path / "first", {}, parallel_from=1)
    previous = dict(first.keys)
    previous["data/f/0/3.js"] = "another key"  # the output holds another version of this one
    again, made = _staged(tmp_path / "again", previous, parallel_from=1)
    assert set(tree(tmp_path / "again")) == {"data/f/0/3.js"}
    assert again.written == 1 and again.keys == first.keys
    assert [url for url, _, _, written in made if written] == ["data/f/0/3.js"]


def _broken(doc: int, item: int) -> list[tuple[str, object]]:
    if doc == 33:
        raise ValueError("document 33 cannot be made")
    return _make(doc, item)


@pytest.mark.parametrize("parallel_from", [1, 10_000])
def test_a_failure_in_the_worker_reaches_the_caller(tmp_path: Path, parallel_from: int) -> None:
    aside = search_aside.Aside(Staging(tmp_path, {}), ITEMS, _broken, search_index.script, "data/",
                               parallel_from=parallel_from)
    with pytest.raises(ValueError, match="document 33"):
        aside.finish()
    assert aside.pool is None and not search_aside._STATE


def test_the_writer_thread_writes_what_staging_would(tmp_path: Path) -> None:
    files = {f"k/{n % 5}/{n}.js": f"__xinyuSearch({n});\n".encode() * (n + 1) for n in range(1000)}
    by_hand = Staging(tmp_path / "by_hand", {})
    threaded = Staging(tmp_path / "threaded", {})
    writer = search_aside.Files(threaded, held=8)
    for url, data in files.items():
        by_hand.write(url, data)
        writer.write(url, data)
    writer.close()
    assert tree(tmp_path / "threaded") == tree(tmp_path / "by_hand")
    assert threaded.keys == by_hand.keys and threaded.written == by_hand.written == 1000
    incremental = Staging(tmp_path / "incremental", {**by_hand.keys, "k/0/0.js": "changed"})
    writer = search_aside.Files(incremental)
    for url, data in files.items():
        writer.write(url, data)
    writer.close()
    assert set(tree(tmp_path / "incremental")) == {"k/0/0.js"} and incremental.written == 1


def test_the_writer_thread_reports_a_file_it_could_not_write(tmp_path: Path) -> None:
    (tmp_path / "k").write_text("a file where a folder should be")
    writer = search_aside.Files(Staging(tmp_path, {}))
    writer.write("k/0/1.js", b"x")
    with pytest.raises(OSError):
        writer.close()


def test_the_index_is_the_same_with_fragments_made_aside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A whole index, its fragments by a spawned worker (the build's path from PARALLEL_FROM
    documents) and in the parent: the same files, keys and stats."""
    site = tmp_path / "site"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_corpus.py"), "--articles", "60",
                    "--out", str(site), "--seed", "5"], check=True, capture_output=True)
    corpus = load(site)
    results = {}
    for name, parallel_from in (("parent", 10_000), ("aside", 1)):
        monkeypatch.setattr(search_aside, "PARALLEL_FROM", parallel_from)
        monkeypatch.setattr(search_aside, "STEP", 8)  # several runs
        staging = Staging(tmp_path / name, {})
        stats = search_index.write(corpus, staging)
        results[name] = (tree(tmp_path / name), list(staging.keys.items()), staging.written, stats)
    assert results["aside"] == results["parent"]
    files = results["aside"][0]
    assert sum(url.startswith("search/data/f/") for url in files) >= 60
