"""The index kept and written a hash group at a time (search_groups): the groups hash as the page
does, a grouped file gives back what was put in it, and the shards and heavy-key files written group
by group hold every key once, in the shard the page looks in, with its exact postings and positions."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from generator import search_analysis, search_groups, search_index, segment
from generator.output import Staging
from generator.search_analysis import Joined, analyse
from generator.search_groups import GROUPS, key_hash, key_hashes
from generator.search_reference import join

CHARACTERS = "大足石刻页岩气"


@pytest.fixture(autouse=True)
def plain_jieba() -> None:
    segment.reset()


def test_many_keys_hash_as_one_key_does() -> None:
    rng = random.Random(5)
    alphabet = ["大", "足", "a", "Z", "7", "-", "\x01", "𠀀", "é"]
    keys = ["".join(rng.choice(alphabet) for _ in range(rng.choice([1, 2, 3, 3, 4, 9, 40]))) for _ in range(3000)]
    assert key_hashes(keys) == [key_hash(key) for key in keys]
    assert key_hashes([]) == []


def test_a_grouped_file_gives_back_its_groups(tmp_path: Path) -> None:
    pairs = [a + b for a in "大足石刻页岩气田" for b in "石刻页岩气田大足"]
    keys = {pair: [i, bytearray(b"AB")] for i, pair in enumerate(pairs)}
    path = tmp_path / "part.pickle"
    search_groups.write(path, ("made with", 3), search_groups.grouped(keys))
    assert search_groups.about(path) == ("made with", 3)
    back: dict[str, object] = {}
    for number in range(GROUPS):
        group = search_groups.group(path, number)
        assert all(key_hash(key) % GROUPS == number for key in group)
        back.update(group)
    assert back == keys
    (tmp_path / "other.pickle").write_bytes(b"not a grouped file")
    assert search_groups.about(tmp_path / "other.pickle") is None
    assert search_groups.about(tmp_path / "missing.pickle") is None


def _joined(seed: int) -> Joined:
    rng = random.Random(seed)
    texts = [("".join(rng.choice(CHARACTERS) for _ in range(4)),
              "，".join("".join(rng.choice(CHARACTERS) for _ in range(rng.randint(3, 12))) for _ in range(6)))
             for _ in range(120)]
    cut = search_analysis._cut_with(segment.current())
    return join([analyse([text], cut) for text in texts], 40)


@pytest.mark.parametrize("target", [10**9, 8])
def test_every_key_is_written_once_in_its_shard_with_its_data(monkeypatch: pytest.MonkeyPatch,
                                                               target: int) -> None:
    monkeypatch.setattr(search_index, "HEAVY", 40)
    monkeypatch.setattr(search_index, "SHARD_TARGET", target)
    index = _joined(3)
    expected = {key: (state[1], state[2].decode(), state[3].decode(), state[4]) for key, state in index.keys.items()}
    files: dict[str, object] = {}
    written = search_index._write_keys(index, files.__setitem__)
    buckets = written["buckets"]
    assert buckets == 8 if target > 1000 else buckets >= 2 * GROUPS
    assert written["keys"] == len(expected)
    shards = [files.pop(search_index.shard_name("k", b)) for b in range(buckets)]
    positions = [files.pop(search_index.shard_name("p", b)) for b in range(buckets)]
    seen: dict[str, object] = {}
    for bucket, shard in enumerate(shards):
        assert isinstance(shard, dict) and all(key_hash(key) % buckets == bucket for key in shard)
        seen.update(shard)
    assert seen.keys() == expected.keys()
    numbers = set()
    for bucket, shard in enumerate(positions):
        assert isinstance(shard, dict)
        for key, value in shard.items():
            assert key_hash(key) % buckets == bucket
            if isinstance(value, str):
                assert value == expected[key][2]
            else:
                number, entries = value
                assert entries == [entry for entry, _ in expected[key][3]]
                parts = [files.pop(search_index.positions_name(number, part)) for part in range(len(entries))]
                assert "".join(parts) == expected[key][2]  # type: ignore[arg-type]
                numbers.add(number)
    for key, value in seen.items():
        count, postings, _, _ = expected[key]
        if isinstance(value, str):
            assert value == postings and len(postings) <= 40
        else:
            number, entries = value  # type: ignore[misc]
            assert entries == count and files.pop(search_index.shard_name("kx", number)) == postings
            numbers.add(number)
    assert files == {}  # nothing else was written
    # each group numbers its heavy keys: place * GROUPS + group, the places from 0 without a gap
    assert len(numbers) == written["heavy"] > 0
    for group in range(GROUPS):
        places = sorted(number // GROUPS for number in numbers if number % GROUPS == group)
        assert places == list(range(len(places)))
    assert written["light"] == sum(len(p) for _, p, _, _ in expected.values() if len(p) <= 40)


@pytest.mark.parametrize("target", [10**9, 8])
def test_forked_writers_write_what_one_process_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      target: int) -> None:
    """Groups shared among two forked processes, each writing its own files: the same files, bytes
    and manifest keys as one process writing every group, with few shards (each gathering groups,
    written by the parent) and with many (each within a group, written by its group's process)."""
    monkeypatch.setattr(search_index, "HEAVY", 40)
    monkeypatch.setattr(search_index, "SHARD_TARGET", target)
    made = {}
    for workers in (1, 2):
        index = _joined(3)
        index.workers = workers
        staging = Staging(tmp_path / str(workers), {})
        put = search_index._Writer(staging)
        written = search_index._write_keys(index, put)
        put.close()
        put.in_order()
        files = {path.relative_to(staging.root).as_posix(): path.read_bytes()
                 for path in staging.root.rglob("*") if path.is_file()}
        made[workers] = (written, files, list(staging.keys.items()), staging.written, put.bytes)
    assert made[1] == made[2]
    written, files, keys, count, size = made[2]
    assert written["heavy"] > 0 and (written["buckets"] < GROUPS if target > 1000 else written["buckets"] > GROUPS)
    assert [url for url, _ in keys] == sorted(files) and count == len(files) and size == sum(map(len, files.values()))
