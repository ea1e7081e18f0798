"""The search index's keys kept on disk in hash groups, so that a cold build holds one group at a time.

A key's shard is key_hash(key) % buckets, the shard count a power of two; so GROUPS (a power of two
as well) hash groups, key_hash(key) % GROUPS, either refine the shards (many shards: each shard lies
within one group) or group them (few shards). Each part's keys (search_analysis) are kept on disk
split into these groups, one pickle each after a header, and the whole index is joined, cut and
written one group at a time: at 100,000 articles joining every key at once held some 12 GB, a group
holds a GROUPS-th of that. The group a key falls in also orders the heavy keys' numbers
(search_index), so GROUPS is fixed: changing it renumbers them.
"""

from __future__ import annotations

import itertools
import os
import pickle
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

GROUPS = 64
_OFFSET, _PRIME, _MASK = 2166136261, 16777619, 0xFFFFFFFF


def key_hash(key: str) -> int:
    """FNV-1a over code points; static/search.js computes the same."""
    h = _OFFSET
    for ch in key:
        h = ((h ^ ord(ch)) * _PRIME) & _MASK
    return h


def key_hashes(keys: Sequence[str]) -> list[int]:
    """key_hash of many keys at once, a character position at a time over all of them (numpy):
    a part has hundreds of thousands of keys, most of two or three characters."""
    if not keys:
        return []
    lengths = np.fromiter(map(len, keys), dtype=np.int64, count=len(keys))
    codes = np.frombuffer("".join(keys).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    starts = np.zeros(len(keys), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    hashes = np.full(len(keys), _OFFSET, dtype=np.uint64)
    prime, mask = np.uint64(_PRIME), np.uint64(_MASK)
    for position in range(int(lengths.max())):
        live = np.flatnonzero(lengths > position)
        if len(live) == len(keys):
            hashes = ((hashes ^ codes[starts + position]) * prime) & mask
        else:
            hashes[live] = ((hashes[live] ^ codes[starts[live] + position]) * prime) & mask
    result: list[int] = hashes.tolist()
    return result


def grouped(keys: dict[str, Any]) -> list[dict[str, Any]]:
    """A dict of keys split into the GROUPS hash groups, each in the dict's order."""
    groups: list[dict[str, Any]] = [{} for _ in range(GROUPS)]
    names = list(keys)
    for name, value, h in zip(names, keys.values(), key_hashes(names), strict=True):
        groups[h & (GROUPS - 1)][name] = value
    return groups


_ERRORS = (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError, ValueError, IndexError)


def write(path: Path, about: tuple[Any, ...], groups: Iterable[object]) -> None:
    """A grouped file: `about` (whatever its writer keeps there) and one pickle per group, each
    written as it is made, then where each lies and, in the last 8 bytes, where that list starts.
    Written beside `path` and moved into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f"{path.name}.tmp{os.getpid()}")
    spans = []
    with open(temp, "wb") as handle:
        for section in itertools.chain([about], groups):
            data = pickle.dumps(section, protocol=pickle.HIGHEST_PROTOCOL)
            spans.append((handle.tell(), len(data)))
            handle.write(data)
            del data
        end = handle.tell()
        pickle.dump(tuple(spans), handle, protocol=pickle.HIGHEST_PROTOCOL)
        handle.write(end.to_bytes(8, "little"))
    os.replace(temp, path)


def _section(path: Path, number: int) -> Any:
    with open(path, "rb") as handle:
        handle.seek(-8, os.SEEK_END)
        handle.seek(int.from_bytes(handle.read(8), "little"))
        spans = pickle.load(handle)
        if not isinstance(spans, tuple) or len(spans) != GROUPS + 1:
            raise ValueError("not a grouped file")
        start, size = spans[number]
        handle.seek(start)
        return pickle.loads(handle.read(size))


def about(path: Path) -> tuple[Any, ...] | None:
    """What the writer kept beside the groups, or None if the file is missing or not one."""
    try:
        found = _section(path, 0)
    except _ERRORS:
        return None
    return found if isinstance(found, tuple) else None


def group(path: Path, number: int) -> Any:
    """One group of a grouped file (whose `about` was read and found good)."""
    return _section(path, number + 1)
