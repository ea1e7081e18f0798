"""Key states kept as columns (search_columns) are the dict states the rules make: a table gives back
the same states after being split into hash groups, cut, reordered and put together again, and
parts joined as columns give the joined index that joining their dict states gives, postings,
positions and the cuts of the positions files, on random texts over a small alphabet (keys shared
by many documents) with a tiny HEAVY (positions cut often), phrase keys included."""

from __future__ import annotations

import random

import numpy as np
import pytest

from generator import search_analysis, search_columns, search_groups, search_reference, segment
from generator.search_analysis import analyse
from generator.search_reference import join

CHARACTERS = "大足石刻页"
HEAVY = 12


@pytest.fixture(autouse=True)
def plain_jieba() -> None:
    segment.reset()


def texts(seed: int, count: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)

    def run(low: int, high: int) -> str:
        return "".join(rng.choice(CHARACTERS + "a1") for _ in range(rng.randint(low, high)))
    return [(run(0, 6), "，".join(run(3, 12) for _ in range(rng.randint(0, 6)))) for _ in range(count)]


def parts(seed: int) -> list[search_analysis.Part]:
    cut = search_analysis._cut_with(segment.current())
    rng = random.Random(seed)
    made, documents = [], texts(seed, 120)
    while documents:
        size = rng.randint(1, 30)
        made.append(analyse(documents[:size], cut))
        documents = documents[size:]
    return made


@pytest.mark.parametrize("seed", range(6))
def test_a_table_split_cut_and_put_together_keeps_its_states(seed: int) -> None:
    table = parts(seed)[0].columns
    states = table.states()
    assert states and any(state[4] for state in states.values()) and any(state[5] for state in states.values())
    groups = list(table.grouped())
    assert len(groups) == search_groups.GROUPS
    assert all(search_groups.key_hash(name) % search_groups.GROUPS == g
               for g, group in enumerate(groups) for name in group.names)
    assert search_columns.concat(groups).states() == states  # the same states, in group order
    rows = np.random.default_rng(seed).permutation(len(table))
    shuffled = table.take(rows)
    assert list(shuffled.states()) == [table.names[i] for i in rows]
    assert shuffled.states() == states
    middle = table.slice(len(table) // 3, 2 * len(table) // 3)
    assert middle.states() == {name: states[name] for name in table.names[len(table) // 3:2 * len(table) // 3]}


@pytest.mark.parametrize("seed", range(12))
def test_parts_joined_as_columns_are_parts_joined_as_states(seed: int) -> None:
    made = parts(seed)
    expected = join(made, HEAVY).keys
    bases = np.cumsum([0] + [part.documents for part in made]).tolist()
    joined = search_columns.join(list(zip([part.columns for part in made], bases, strict=False)), HEAVY)
    got = joined.states()
    assert list(got) == list(expected)  # keys in the order they first occur
    assert got == expected
    for key, state in got.items():  # of the same types: the writer and the filters append to them
        assert [type(v) for v in state] == [type(v) for v in expected[key]], key
    assert any(state[4] and len(state[4]) > 2 for state in got.values())  # positions cut, often
    assert sorted(joined.frequent(8)) == sorted(key for key, state in expected.items() if state[1] >= 8)
    by_group = {}
    for number in range(search_groups.GROUPS):
        by_group.update(search_columns.join([(list(part.columns.grouped())[number], base)
                                             for part, base in zip(made, bases, strict=False)], HEAVY).states())
    assert by_group == expected


@pytest.mark.parametrize("seed", range(6))
def test_phrase_keys_joined_as_columns_are_phrase_keys_joined_as_states(seed: int) -> None:
    made = parts(seed)
    documents = texts(seed, 120)
    frequent = join(made, HEAVY).keys
    triples = frozenset(key for key, state in frequent.items() if state[1] >= 8 and len(key) == 3 and key.isalpha())
    bounds = np.cumsum([0] + [part.documents for part in made]).tolist()
    phrases = [search_analysis.phrase_columns(documents[a:b], part, triples)
               for part, a, b in zip(made, bounds, bounds[1:], strict=False)]
    assert any(len(table) for table in phrases)
    expected = join(made, HEAVY)
    search_reference.join_phrases(expected, made, [table.states() for table in phrases], HEAVY)
    got = search_columns.join(list(zip([part.columns for part in made], bounds, strict=False)), HEAVY).states()
    got.update(search_columns.join(list(zip(phrases, bounds, strict=False)), HEAVY).states())
    assert got == expected.keys


def test_nothing_joins_to_nothing() -> None:
    empty = search_columns.empty()
    assert empty.states() == {} and search_columns.join([(empty, 0), (empty, 3)], HEAVY).states() == {}
    assert [len(group) for group in empty.grouped()] == [0] * search_groups.GROUPS


@pytest.mark.parametrize("chunk", [1, 7, 1 << 22])
def test_runs_are_copied_whole_whatever_the_chunk(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    monkeypatch.setattr(search_columns, "_CHUNK", chunk)
    rng = np.random.default_rng(chunk)
    source = rng.integers(0, 255, 1000).astype(np.uint8)
    for _ in range(100):
        count = int(rng.integers(0, 30))
        starts = rng.integers(0, 900, count)
        sizes = rng.integers(0, 40, count) * (rng.random(count) < 0.7)  # some empty
        got, at = search_columns._runs(source, starts, starts + sizes)
        assert got == b"".join(source[a:a + n].tobytes() for a, n in zip(starts, sizes, strict=True))
        assert at.tolist() == [0, *np.cumsum(sizes).tolist()]
