"""The build's helper process (prefetch.py): it scans content/ and cuts texts for the build, gives
exactly what the build would have made itself, and the build does without it when it fails."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from generator import idf, pipeline, prefetch, search_patch, segment
from generator.cache import text_key
from generator.reader import scan
from generator.search_postings import Mismatch
from tests.conftest import ROOT, article, write_site

TEXTS = ["大足区页岩气开发持续推进，LNG项目建设进展顺利。", "记者张龙贵报道：COVID-19疫情防控常态化。", "大大大小小"]
needs_rjieba = pytest.mark.skipif("rjieba" not in segment.available_engines(), reason="rjieba not installed")


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    return write_site(tmp_path / "site", {
        "content/2021/12/09/shale.md": article("页岩气开发", body=TEXTS[0], page=1, byline="记者 张龙贵"),
        "content/2021/12/09/covid.md": article("疫情防控", body=TEXTS[1], page=2),
        "content/2021/12/10/brief.md": article("简讯", body=TEXTS[2]),
    })


def test_the_helper_does_the_builds_jobs_in_its_own_process(site: Path) -> None:
    (site / "content" / "2021" / "12" / "09" / "photo.jpg").write_bytes(b"\xff\xd8")

    def failing() -> object:
        raise OSError("the build does this one itself")
    with prefetch.helping(lambda: scan(site / "content"), failing, os.getpid) as helper:
        assert helper is not None
        listing, failed, pid = helper.result(0), helper.result(1), helper.result(2)
    assert listing == scan(site / "content")
    assert len(listing.articles) == 3 and [path for path, _ in listing.others] == ["2021/12/09/photo.jpg"]
    assert failed is None
    assert pid == helper.pid != os.getpid()


def test_the_helper_goes_on_to_its_next_job_before_the_build_asks_for_a_result(tmp_path: Path) -> None:
    marker = tmp_path / "second job done"
    large = "大足" * 500_000  # far more than a pipe holds unread

    def second() -> object:
        return marker.write_text("done")
    with prefetch.helping(lambda: large, second) as helper:
        assert helper is not None
        waited = 0.0
        while not marker.exists() and waited < 20:  # no result asked for yet
            time.sleep(0.05)
            waited += 0.05
        assert marker.exists()
        assert helper.result(0) == large and helper.result(1) == 4


def _refuse() -> object:
    raise LookupError("made in the helper, not to be read in the build")


class _Unreadable:
    def __reduce__(self) -> tuple[Callable[[], object], tuple[()]]:
        return _refuse, ()


def test_a_result_the_build_cannot_read_leaves_the_jobs_to_the_build(site: Path) -> None:
    with prefetch.helping(lambda: scan(site / "content"), _Unreadable, os.getpid) as helper:
        assert helper is not None
        assert helper.result(0) == scan(site / "content")
        assert helper.result(1) is None and helper.result(2) is None  # (what follows on the pipe is not read)
        assert not helper.alive and helper.cut(segment.UserDictionary.of([]), "大足") is None


@needs_rjieba
def test_texts_cut_by_the_helper_are_the_engines_own_words(site: Path) -> None:
    dictionary = segment.UserDictionary.of([("张龙贵", 500), ("页岩气", 500)])
    own = segment.make_engine(dictionary, "rjieba", ask=False)
    with prefetch.helping(lambda: scan(site / "content")) as helper:
        assert helper is not None
        engine = segment.make_engine(dictionary, "rjieba")
        assert isinstance(engine, segment._Asking)
        assert [engine.cut(text) for text in TEXTS] == [own.cut(text) for text in TEXTS]
        assert helper.asked == len(TEXTS)  # every one cut by the helper
        assert engine.own is None  # and no engine of its own made
    assert "页岩气" in engine.cut(TEXTS[0]) and engine.own is not None  # the helper gone: by itself


@needs_rjieba
def test_an_engine_prepared_ahead_cuts_as_the_engines_own(site: Path) -> None:
    """Helper.prepare sends the dictionary ahead and waits for nothing; the texts then sent are cut
    as ever. One too large for the pipe is not sent (the helper reads it only after its jobs)."""
    dictionary = segment.UserDictionary.of([("张龙贵", 500), ("页岩气", 500)])
    huge = segment.UserDictionary.of([(f"词{n:05d}", 3) for n in range(8000)])
    own = segment.make_engine(dictionary, "rjieba", ask=False)
    with prefetch.helping(lambda: scan(site / "content"), lambda: time.sleep(3)) as helper:
        assert helper is not None
        started = time.perf_counter()
        helper.prepare(huge)  # skipped: it would wait for the sleeping helper
        helper.prepare(dictionary)
        assert time.perf_counter() - started < 2.5  # not blocked until the job is done
        assert [helper.cut(dictionary, text) for text in TEXTS] == [own.cut(text) for text in TEXTS]
        assert helper.cut(huge, TEXTS[0]) == segment.make_engine(huge, "rjieba", ask=False).cut(TEXTS[0])


@needs_rjieba
def test_a_forked_worker_cuts_with_an_engine_made_before_the_fork(site: Path) -> None:
    dictionary = segment.UserDictionary.of([("张龙贵", 500)])
    with prefetch.helping(lambda: scan(site / "content")) as helper:
        assert helper is not None
        engine = segment.make_engine(dictionary, "rjieba")
        engine.cut(TEXTS[1])
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.write(write, b"|".join(word.encode() for word in engine.cut(TEXTS[1])))
            os._exit(0)
        os.close(write)
        os.waitpid(pid, 0)
        words = os.read(read, 4096).decode().split("|")
        os.close(read)
        assert isinstance(engine, segment._Asking) and engine.own is not None  # settled before the fork
        assert helper.asked == 1  # the worker never asked its parent's helper
    assert words == segment.make_engine(dictionary, "rjieba", ask=False).cut(TEXTS[1])
    assert "张龙贵" in words


@needs_rjieba
def test_the_helper_stops_cutting_after_enough_texts(site: Path) -> None:
    with prefetch.helping(lambda: scan(site / "content")) as helper:
        assert helper is not None
        engine = segment.make_engine(segment.UserDictionary(), "rjieba")
        for _ in range(prefetch.ASKED + 3):
            engine.cut(TEXTS[0])
        assert helper.asked == prefetch.ASKED
        assert isinstance(engine, segment._Asking) and engine.own is not None


def test_a_build_whose_helper_died_makes_the_same_site(site: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    pipeline.build(site, tmp_path / "with")
    shutil.rmtree(site / ".cache")
    started = prefetch.Helper.__init__

    def killed(self: prefetch.Helper, jobs: Sequence[Callable[[], object]], cutting: bool) -> None:
        started(self, jobs, cutting)
        os.kill(self.pid, 9)
    monkeypatch.setattr(prefetch.Helper, "__init__", killed)
    pipeline.build(site, tmp_path / "without")
    assert _files(tmp_path / "with") == _files(tmp_path / "without")


def test_the_helper_makes_the_weights_table_for_the_edits_to_come(site: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """idf.sqlite, which 相关报道 weighs an edit's words with, is made by the helper while the build
    reads; with no helper, by the build itself."""
    fillers = tmp_path / "fillers"
    fill = idf.Lookup._fill

    def noted(self: idf.Lookup, stamp: str) -> float:
        with fillers.open("a") as handle:
            handle.write(f"{os.getpid()}\n")
        return fill(self, stamp)
    monkeypatch.setattr(idf.Lookup, "_fill", noted)
    pipeline.build(site, tmp_path / "public")
    assert [int(pid) for pid in fillers.read_text().split()] != [os.getpid()]
    assert len(fillers.read_text().split()) == 1
    lookup = idf.Lookup(site / ".cache")
    try:
        assert lookup.get("页岩") == idf.table().freq.get("页岩") > 0
    finally:
        lookup.close()
    assert len(fillers.read_text().split()) == 1  # made once: the build and a later edit find it made

    shutil.rmtree(site / ".cache")
    fillers.unlink()
    monkeypatch.setattr(prefetch.Helper, "__init__", _fails)
    pipeline.build(site, tmp_path / "public")
    assert [int(pid) for pid in fillers.read_text().split()] == [os.getpid()]


def test_the_command_line_forks_the_helper_before_it_imports_the_build(site: Path, tmp_path: Path) -> None:
    """`build.py build` forks its helper first, so the helper scans content/ while the build's own
    modules are imported; the site it builds is the one pipeline.build makes."""
    spy = (
        "import os, sys\n"
        "fork, seen = os.fork, []\n"
        "def noted():\n"
        "    seen.append('generator.pipeline' in sys.modules)\n"
        "    return fork()\n"
        "os.fork = noted\n"
        "from generator import cli\n"
        f"code = cli.main(['build', '--site', {str(site)!r}, '--output', {str(tmp_path / 'cli')!r}])\n"
        "print('pipeline imported at the first fork:', seen[0], file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run([sys.executable, "-c", spy], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "pipeline imported at the first fork: False" in done.stderr
    pipeline.build(site, tmp_path / "library")
    assert _files(tmp_path / "cli") == _files(tmp_path / "library")


@needs_rjieba
def test_work_given_to_the_helper_comes_back_after_the_texts_asked_meanwhile(site: Path) -> None:
    """Helper.start: the helper does the work while the build goes on; a text the build asks to be cut
    meanwhile waits for it, and finish() still returns the work's result. Work that fails returns
    None (the build then does it itself)."""
    dictionary = segment.UserDictionary.of([("张龙贵", 500)])
    with prefetch.helping(lambda: scan(site / "content")) as helper:
        assert helper is not None
        engine = segment.make_engine(dictionary, "rjieba")
        assert helper.start(dictionary, os.getpid)
        assert not helper.start(dictionary, os.getpid)  # one at a time
        assert engine.cut(TEXTS[1]) == segment.make_engine(dictionary, "rjieba", ask=False).cut(TEXTS[1])
        assert helper.finish() == helper.pid
        assert helper.finish() is None  # nothing more given
        assert helper.start(dictionary, os.stat, str(site / "missing"))
        assert helper.finish() is None
        assert helper.asked == 1 and helper.alive


def _in_place_noted(monkeypatch: pytest.MonkeyPatch, notes: Path) -> None:
    """search_patch.in_place, noting the process it ran in and whether it patched."""
    in_place = search_patch.in_place

    def noted(*args, **kwargs):  # type: ignore[no-untyped-def]
        record = in_place(*args, **kwargs)
        with notes.open("a") as handle:
            handle.write(f"{os.getpid()} {record is not None}\n")
        return record
    monkeypatch.setattr(search_patch, "in_place", noted)


@needs_rjieba
@pytest.mark.parametrize("change", ["a word", "the last 龙 of a text"])
def test_the_helper_patches_an_edits_search_index_as_the_build_would(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    """An edit's search stage is given to the helper (pipeline._search_by_helper), which reads the
    edited articles alone. The site is a cold build's. An edit that takes a 繁→简 character from a
    text makes the patch look for it in every other article: the helper cannot, and the build
    patches the index itself."""
    (site / "content/2021/12/10/lake.md").write_text(article("湖区", body="龙水湖景区游客增多。"), encoding="utf-8")
    pipeline.build(site, tmp_path / "public")
    # (no triple of the archive's is taken from or added to a second text: the frequent ones stay)
    edited, old, new = ("covid", "常态化", "常态化管理") if change == "a word" else ("lake", "龙水湖", "玉水湖")
    path = site / f"content/2021/12/{'09' if edited == 'covid' else '10'}/{edited}.md"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    notes = tmp_path / "notes"
    _in_place_noted(monkeypatch, notes)
    report = pipeline.build(site, tmp_path / "public")
    noted = [line.split() for line in notes.read_text().splitlines()]
    if change == "a word":
        assert len(noted) == 1 and noted[0][1] == "True" and noted[0][0] != str(os.getpid())
    else:
        assert noted[0][0] != str(os.getpid()) and noted[0][1] == "False"  # the helper could not
        assert noted[1:] == [[str(os.getpid()), "True"]]  # so the build patched it
    assert report.written > 2
    assert not list((site / ".cache").glob("*.pending"))  # settled
    shutil.copytree(site, tmp_path / "fresh", ignore=shutil.ignore_patterns(".cache"))
    pipeline.build(tmp_path / "fresh", tmp_path / "cold")
    assert _files(tmp_path / "public") == _files(tmp_path / "cold")


@needs_rjieba
def test_a_build_that_fails_after_the_helper_patched_leaves_the_index_and_its_record(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The helper saves the patched index's state and record aside: a build that fails later leaves
    the output and the cache's record of its index as they were, so the next edit is patched too."""
    pipeline.build(site, tmp_path / "public")
    covid = site / "content/2021/12/09/covid.md"
    covid.write_text(covid.read_text(encoding="utf-8").replace("常态化", "常态化管理"), encoding="utf-8")
    before, kept = _files(tmp_path / "public"), _files(site / ".cache")

    def failing(*args: object) -> None:
        raise RuntimeError("a page failed")
    with monkeypatch.context() as failed:
        failed.setattr(pipeline, "_render_all", failing)
        with pytest.raises(RuntimeError):
            pipeline.build(site, tmp_path / "public")
    assert _files(tmp_path / "public") == before
    after = _files(site / ".cache")
    for name in (search_patch.STATE, *(p.name for p in (site / ".cache").glob("search-files-*.pickle"))):
        assert after[name] == kept[name]
    assert not [name for name in after if name.endswith(".pending")]
    notes = tmp_path / "notes"
    _in_place_noted(monkeypatch, notes)
    pipeline.build(site, tmp_path / "public")
    assert [line.split()[1] for line in notes.read_text().splitlines()] == ["True"]  # patched, by the helper
    shutil.copytree(site, tmp_path / "fresh", ignore=shutil.ignore_patterns(".cache"))
    pipeline.build(tmp_path / "fresh", tmp_path / "cold")
    assert _files(tmp_path / "public") == _files(tmp_path / "cold")


def test_the_patch_reads_only_the_articles_it_is_given() -> None:
    known = search_patch.Known(3, {1: "an article"})  # type: ignore[dict-item]
    assert len(known) == 3 and known[1] == "an article"
    with pytest.raises(Mismatch):
        known[0]  # noqa: B018
    with pytest.raises(Mismatch):
        known[0:2]  # noqa: B018
    with pytest.raises(Mismatch):
        list(known)
    with pytest.raises(IndexError):
        known[3]  # noqa: B018


def _fails(self: prefetch.Helper, jobs: Sequence[Callable[[], object]], cutting: bool) -> None:
    raise OSError("no fork")


def _files(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def test_an_edits_documents_are_the_last_index_s_with_the_edited_ones_put_in() -> None:
    """What the helper makes of an edit's hand-over (search_patch.Edits), and when it declines."""
    last = (["d0", "d1", "d2"], ["s0", "s1", "s2"], ["2023-01-01", "2023-01-01", "2023-01-02"])
    edits = search_patch.Edits(3, {1: ("d1'", "s1", "2023-01-01")}, text_key(["d0", "d1'", "d2"]))
    assert edits.docs(last) == (["d0", "d1'", "d2"], ["s0", "s1", "s2"], ["2023-01-01", "2023-01-01", "2023-01-02"])
    assert last[0] == ["d0", "d1", "d2"]  # (the last index's own are left as they were)
    assert edits.docs((last[0][:2], last[1][:2], last[2][:2])) is None  # another count
    assert edits.docs((["dx", "d1", "d2"], *last[1:])) is None  # another digest elsewhere: not that index's
