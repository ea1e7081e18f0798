"""search/data/ fits a FAT32 USB stick: no folder holds more than search_index.FOLDER entries, and
the page finds its files in the subfolders. With FOLDER lowered a small generated archive spreads
over many subfolders, and the page's answers are still those of a plain scan."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from search_sites import HARNESS, ROOT, write_index
from test_search_index import expected, sample_queries

from benchmarks.folders import fullest
from generator import search_index, search_phrases
from generator.pipeline import load

FOLDER = 64  # the top folders hold (files / FOLDER) subfolders: 150 documents are 19


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="module")
def spread(tmp_path_factory: pytest.TempPathFactory, monkeypatch_module: pytest.MonkeyPatch) -> tuple[Path, list]:  # type: ignore[type-arg]
    site = tmp_path_factory.mktemp("spread") / "site"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_corpus.py"), "--articles", "150",
                    "--out", str(site), "--seed", "11"], check=True, capture_output=True)
    monkeypatch_module.setattr(search_index, "FOLDER", FOLDER)
    monkeypatch_module.setattr(search_index, "HEAVY", 300)  # heavy keys and positions cut into parts
    monkeypatch_module.setattr(search_index, "SHARD_TARGET", 300)  # many key shards
    # phrase keys as in a large archive (its least line of 2 would make every repeated phrase one,
    # and more shards than FOLDER subfolders hold)
    monkeypatch_module.setattr(search_phrases, "least", lambda documents: 12)
    data = write_index(site, tmp_path_factory.mktemp("spread-out"))
    return data, search_index.document_order(load(site))


def test_no_folder_holds_more_than_the_limit(spread: tuple[Path, list]) -> None:  # type: ignore[type-arg]
    data, articles = spread
    (entries, folder), *_ = fullest(data)
    assert entries <= FOLDER, folder
    # every kind of numbered file did spill over into a second subfolder
    for kind in ("f", "k", "p", "kx", "px"):
        assert len([p for p in (data / kind).iterdir() if p.is_dir()]) > 1, kind
    assert (data / (search_index.fragment_name(len(articles) - 1, 0) + ".js")).is_file()


def test_the_page_finds_its_files_in_the_subfolders(spread: tuple[Path, list]) -> None:  # type: ignore[type-arg]
    data, articles = spread
    queries = sample_queries(articles, 120, seed=4, longest=8)
    lines = "".join(json.dumps({"q": q, "fragments": True}, ensure_ascii=False) + "\n" for q in queries)
    done = subprocess.run(["node", str(HARNESS), str(data)], input=lines, capture_output=True, text=True,
                          check=True, timeout=120)
    results = [json.loads(line) for line in done.stdout.splitlines()]
    for q, result in zip(queries, results, strict=True):
        assert set(result["docs"]) == expected(articles, q.split()), q
        # the fragments shown are those of the hits, found in their subfolders
        assert result["titles"] == [articles[doc].title for doc in result["docs"][:10]], q
    # long terms were proven by positions, some from parts of their own
    assert any(f.startswith("px/") for r in results for f in r["files"])


def test_fullest_names_the_fullest_folder(tmp_path: Path) -> None:
    for name, count in (("a", 3), ("a/b", 5), ("c", 1)):
        (tmp_path / name).mkdir(parents=True)
        for i in range(count):
            (tmp_path / name / f"{i}.txt").write_text("x")
    assert fullest(tmp_path, 2) == [(5, "a/b"), (4, "a")]
