"""The offline search index and its query logic (static/search.js, run in node).

The central property: for any query, the page finds exactly the articles whose folded title or body
contains every term, as a contiguous phrase; checked against a plain substring scan.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from search_sites import ROOT, Story, query, write_index, write_site

from generator import search_analysis, search_index, search_parts, search_phrases, search_reference, segment
from generator import search_text as search_text
from generator.pipeline import load
from generator.search_text import CJK_RE, fold, spellings, t2s_table, unfolded, units

# ---- folding and units ------------------------------------------------------------------------


def test_traditional_folds_to_simplified_from_opencc_table() -> None:
    table = t2s_table()
    assert len(table) > 2500  # the real OpenCC table, not a list of a few characters
    assert fold("頁岩氣") == "页岩气"
    assert fold("張龍貴") == "张龙贵"


def test_folding_keeps_length_so_offsets_stay_valid() -> None:
    text = "ＬＮＧ項目２０２１年，頁岩氣　3000"
    assert fold(text) == "lng项目2021年,页岩气 3000"
    assert len(fold(text)) == len(text)


def test_long_texts_fold_as_short_ones_do() -> None:
    """Long texts are mapped as arrays of code points (search_text.ARRAY_FROM): the same result as
    the character table, for every kind of character the table changes and for those beyond it."""
    rng = random.Random(7)
    changed = list(t2s_table()) + ["Ａ", "ｚ", "，", "\u3000", "Q"]
    kept = ["页", "岩", "a", "3", " ", "\n", "𠀀", "𪚥", "é"]
    for length in (search_text.ARRAY_FROM - 1, search_text.ARRAY_FROM, 5000):
        text = "".join(rng.choice(changed if rng.random() < 0.3 else kept) for _ in range(length))
        assert fold(text) == text.translate(search_text._translation())
        assert search_text.t2s_only(text) == text.translate(search_text._t2s_translation())
    alone = "頁\ud800" * search_text.ARRAY_FROM  # a lone surrogate cannot be an array of code points
    assert fold(alone) == "页\ud800" * search_text.ARRAY_FROM


def test_units_are_cjk_characters_and_latin_digit_runs() -> None:
    assert [u.text for u in units(fold("引进LNG的2021年项目"))] == ["引", "进", "lng", "的", "2021", "年", "项", "目"]


# ---- encodings --------------------------------------------------------------------------------


def decode_varints(text: str) -> list[int]:
    values, value, scale = [], 0, 1
    for ch in text:
        c = search_index.ALPHABET.index(ch)
        value += (c & 31) * scale
        if c & 32:
            scale *= 32
        else:
            values.append(value)
            value, scale = 0, 1
    return values


@pytest.mark.parametrize("value", [0, 1, 31, 32, 1023, 1024, 32767, 32768, 10**9])
def test_varint_round_trip(value: int) -> None:
    assert decode_varints(search_analysis.varint(value).decode()) == [value]


def test_the_table_of_small_varints_is_varint_of_each_value() -> None:
    assert [search_analysis.varint(value) for value in range(1 << 15)] == search_analysis.SMALL


def test_key_hash_is_the_same_in_python_and_javascript() -> None:
    keys = ["页岩", "lng", "2021年", "\x01s要闻", "𠀋𠀌"]
    script = (
        f"const e=require({json.dumps(str(ROOT / 'static' / 'search.js'))});"
        f"console.log(JSON.stringify({json.dumps(keys, ensure_ascii=False)}.map(e.keyHash)))"
    )
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == [search_index.key_hash(k) for k in keys]


def test_folding_is_the_same_in_python_and_javascript() -> None:
    text = "ＬＮＧ項目２０２１年，Ａb　页岩"
    table = {k: v for k, v in t2s_table().items() if k in text}
    script = (
        f"const e=require({json.dumps(str(ROOT / 'static' / 'search.js'))});"
        f"console.log(JSON.stringify(e.fold({json.dumps(text)}, {json.dumps(table)})))"
    )
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == fold(text)


def test_a_long_term_is_covered_by_triples_that_end_where_it_ends() -> None:
    script = (
        f"const e=require({json.dumps(str(ROOT / 'static' / 'search.js'))});"
        "console.log(JSON.stringify(['页岩气开','页岩气开发','页岩气开发利','页岩气开发利用'].map(t => "
        "[e.coverKeys(Array.from(t)), e.innerTriples(Array.from(t))])))"
    )
    out = json.loads(subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True).stdout)
    covers = [[(k["key"], k["at"]) for k in cover] for cover, _ in out]
    assert covers == [[("页岩气", 0), ("岩气开", 1)], [("页岩气", 0), ("气开发", 2)],
                      [("页岩气", 0), ("开发利", 3)], [("页岩气", 0), ("开发利", 3), ("发利用", 4)]]
    assert [inner for _, inner in out] == [[], ["岩气开"], ["岩气开", "气开发"], ["岩气开", "气开发"]]


def test_phrases_are_runs_of_frequent_triples_with_word_boundaries() -> None:
    frequent = {"总结前", "结前期", "前期经", "期经验"}
    found, whole = search_phrases.phrases("要总结前期经验", {0, 1, 3, 5, 7}, frequent)  # 要|总结|前期|经验
    assert found == {"总结前期": [1 * 4 + 2 + 1], "总结前期经": [1 * 4 + 2], "总结前期经验": [1 * 4 + 2 + 1],
                     "结前期经": [2 * 4], "结前期经验": [2 * 4 + 1], "前期经验": [3 * 4 + 2 + 1]}
    assert whole == {"总结前期", "总结前期经验", "前期经验"}
    assert search_phrases.phrases("要总结前期经验", {0, 1, 3, 5, 7}, frequent - {"前期经"})[0] == {"总结前期": [7]}


def test_edges_are_frequent_runs_with_one_character_more() -> None:
    """An edge key is a run of frequent triples and the character after it (or before it), whose
    triple is not frequent: 4-9 characters, with word boundaries as phrase keys have them."""
    frequent = {"总结前", "结前期", "前期经", "期经验"}
    found, whole = search_phrases.edges("要总结前期经验做", {0, 1, 3, 5, 7, 8}, frequent)  # 要|总结|前期|经验|做
    assert found == {"要总结前": [0 * 4 + 2], "要总结前期": [0 * 4 + 2 + 1], "要总结前期经": [0 * 4 + 2],
                     "要总结前期经验": [0 * 4 + 2 + 1], "期经验做": [4 * 4 + 1], "前期经验做": [3 * 4 + 2 + 1],
                     "结前期经验做": [2 * 4 + 1], "总结前期经验做": [1 * 4 + 2 + 1]}
    assert whole == {"要总结前期", "要总结前期经验", "前期经验做", "总结前期经验做"}
    phrases = search_phrases.phrases("要总结前期经验做", {0, 1, 3, 5, 7, 8}, frequent)[0]
    assert phrases and not set(phrases) & set(found)  # no key is both
    # a run broken by a triple that is not frequent: the edges stop at it
    assert set(search_phrases.edges("要总结前期经验", set(), frequent - {"前期经"})[0]) == {
        "要总结前", "要总结前期", "总结前期经", "结前期经", "前期经验"}


# ---- what the writer writes -------------------------------------------------------------------


def test_occurrences_record_pairs_with_word_boundaries() -> None:
    text = fold("科长张龙贵谈到")
    assert segment.words(text) == ["科长", "张龙贵", "谈到"]  # the premise: 张龙贵 is one word
    starts = search_phrases.starts(search_phrases.lengths(segment.words(text)))
    found, triples, whole = search_reference.occurrences(text, starts)
    # 龙贵 sits at offset 3, inside the word 张龙贵: no word starts there, the word ends with it.
    assert found["龙贵"] == [3 * 4 + 0 * 2 + 1]
    assert found["张龙"] == [2 * 4 + 1 * 2 + 0]
    assert "科长" in whole and "龙贵" not in whole
    assert triples["张龙贵"] == [2 * 4 + 1 * 2 + 1] and "张龙贵" in whole


@pytest.fixture(scope="module")
def sample_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_index(ROOT, tmp_path_factory.mktemp("sample"))


def read_script(path: Path) -> tuple[str, object]:
    match = re.fullmatch(r'__xinyuSearch\("([^"]+)",(.*)\);\n', path.read_text(encoding="utf-8"), re.S)
    assert match, path
    return match.group(1), json.loads(match.group(2))


def test_every_data_file_registers_itself_under_its_own_name(sample_data: Path) -> None:
    files = sorted(p for p in sample_data.rglob("*.js"))
    assert len(files) > 20
    for path in files:
        name, _ = read_script(path)
        assert name == path.relative_to(sample_data).as_posix()[:-3]


def test_meta_lists_documents_sections_and_months(sample_data: Path) -> None:
    _, meta = read_script(sample_data / "meta.js")
    assert isinstance(meta, dict)
    assert meta["documents"] == 7
    assert meta["months"] == [["2022-12", 0, 7]]
    assert ["要闻", "yaowen"] in meta["sections"]


def test_keys_land_in_the_shard_their_hash_names(sample_data: Path) -> None:
    _, meta = read_script(sample_data / "meta.js")
    assert isinstance(meta, dict)
    for key in ("页岩", "龙贵", "lng", "3000", "2021年" if False else "12月"):
        bucket = search_index.key_hash(key) % meta["buckets"]
        _, shard = read_script(sample_data / (search_index.shard_name("k", bucket) + ".js"))
        assert isinstance(shard, dict) and key in shard, key


def test_t2s_shards_hold_only_characters_whose_simplified_form_occurs(sample_data: Path) -> None:
    shipped: dict[str, str] = {}
    for path in (sample_data / "s").glob("*.js"):
        shipped.update(read_script(path)[1])  # type: ignore[arg-type]
    assert shipped["頁"] == "页" and shipped["氣"] == "气"
    corpus_chars = set(CJK_RE.findall("".join(fold(a.title + search_index.body_text(a))
                                               for a in load(ROOT).articles)))
    assert set(shipped.values()) <= corpus_chars
    assert len(shipped) < len(t2s_table())


def test_fragments_carry_the_article_for_display(sample_data: Path) -> None:
    articles = search_index.document_order(load(ROOT))
    doc = next(i for i, a in enumerate(articles) if "页岩气" in a.title)
    _, fragment = read_script(sample_data / (search_index.fragment_name(doc, 0) + ".js"))
    assert isinstance(fragment, dict)
    assert fragment["t"] == "加快推进大足页岩气开发和就地转化利用"
    assert fragment["d"] == "2022-12-10" and fragment["s"] == "建言" and fragment["b"] == ["罗庆伟"]
    assert fragment["u"] == "2022/12/10/jia-kuai-tui-jin-da-zu-ye-yan-qi-kai-fa-he-jiu-di-zhuan-hua.html"
    assert fragment["x"].startswith("页岩气作为一种非常规油气资源")


def test_two_writes_are_byte_identical(tmp_path: Path) -> None:
    first, second = write_index(ROOT, tmp_path / "a"), write_index(ROOT, tmp_path / "b")
    files = sorted(p.relative_to(first) for p in first.rglob("*.js"))
    assert files == sorted(p.relative_to(second) for p in second.rglob("*.js"))
    assert all((first / f).read_bytes() == (second / f).read_bytes() for f in files)


# ---- queries on the sample --------------------------------------------------------------------


def titles(data: Path, result: dict) -> list[str]:  # type: ignore[type-arg]
    return [read_script(data / (search_index.fragment_name(doc, 0) + ".js"))[1]["t"] for doc in result["docs"]]  # type: ignore[index]


def test_sample_queries(sample_data: Path) -> None:
    shale = "加快推进大足页岩气开发和就地转化利用"
    results = query(sample_data, ["页岩气", "页岩", "頁岩氣", "龙贵", "張龍貴", "外卖骑手", "骑手", "LNG", "3000",
                                  "页岩气开发", "地铁", "大足 中医", "中医 地铁", "气"])
    found = {r["terms"][0] if len(r["terms"]) == 1 else " ".join(r["terms"]): r for r in results}
    assert titles(sample_data, found["页岩气"]) == [shale]
    assert titles(sample_data, found["页岩"]) == [shale]
    assert titles(sample_data, found["页岩气开发"]) == [shale]
    assert found["页岩气"]["docs"] == found["页岩"]["docs"]
    assert results[2]["docs"] == found["页岩气"]["docs"]  # 頁岩氣
    assert titles(sample_data, found["龙贵"]) == ["“标准化+”让机关事务创新发展"]
    assert results[4]["docs"] == found["龙贵"]["docs"]  # 張龍貴
    assert titles(sample_data, found["外卖骑手"]) == ["40名外卖“小哥”获赠暖心礼包"]
    assert titles(sample_data, found["骑手"]) == ["40名外卖“小哥”获赠暖心礼包"]
    assert titles(sample_data, found["lng"]) == [shale]
    assert titles(sample_data, found["3000"]) == ["“标准化+”让机关事务创新发展"]
    assert found["地铁"]["total"] == 0 and found["地铁"]["docs"] == []
    assert titles(sample_data, found["大足 中医"]) == ["大足两人跻身市名中医"]
    assert found["中医 地铁"]["total"] == 0  # AND: one absent term means no result, not a partial one
    assert found["气"]["total"] == 0 and "两个字" in found["气"]["message"]


# ---- the property: exactly the articles that contain the phrase ------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory, monkeypatch_module: pytest.MonkeyPatch) -> tuple[Path, list]:
    """A generated archive with the size limits lowered, so heavy keys take their own files, and in
    parts of 25 documents, so phrase keys are chosen part by part and joined."""
    site = tmp_path_factory.mktemp("generated") / "site"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_corpus.py"), "--articles", "120",
                    "--out", str(site), "--seed", "7"], check=True, capture_output=True)
    monkeypatch_module.setattr(search_index, "HEAVY", 150)
    monkeypatch_module.setattr(search_index, "SHARD_TARGET", 2000)
    monkeypatch_module.setattr(search_parts, "PART_DOCS", 25)
    data = write_index(site, tmp_path_factory.mktemp("generated-out"))
    return data, search_index.document_order(load(site))


@pytest.fixture(scope="module")
def monkeypatch_module():  # type: ignore[no-untyped-def]
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def unit_string(text: str) -> str:
    """Text as |unit|unit| runs, so that a substring check matches whole Latin/digit runs only."""
    runs: list[list[str]] = []
    end = -1
    for unit in units(fold(text)):
        if unit.start != end:
            runs.append([])
        runs[-1].append(unit.text)
        end = unit.end
    return " ".join("|" + "|".join(run) + "|" for run in runs)


_TEXTS: dict[int, list[tuple[str, str]]] = {}


def expected(articles: list, terms: list[str]) -> set[int]:  # type: ignore[type-arg]
    """A plain scan: the articles whose title or body holds every term as adjacent units."""
    if id(articles) not in _TEXTS:
        _TEXTS[id(articles)] = [(unit_string(a.title), unit_string(search_index.body_text(a))) for a in articles]
    texts = _TEXTS[id(articles)]
    wanted = [unit_string(term).strip() for term in terms]
    return {i for i, (t, b) in enumerate(texts) if all(w in t or w in b for w in wanted)}


def sample_queries(articles: list, count: int, seed: int, longest: int = 6) -> list[str]:  # type: ignore[type-arg]
    """Windows of 2-`longest` adjacent units (or one Latin/digit run) cut from the articles' text."""
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < count:
        article = rng.choice(articles)
        found = units(fold(rng.choice([article.title, search_index.body_text(article)])))
        runs: list[list[str]] = [[]]
        for before, unit in zip([None, *found], found, strict=False):
            if before is not None and before.end != unit.start:
                runs.append([])
            runs[-1].append(unit.text)
        run = rng.choice(runs)
        if len(run) == 1 and CJK_RE.match(run[0]) or not run:
            continue
        length = 1 if len(run) == 1 else rng.randint(2, min(longest, len(run)))
        start = rng.randint(0, len(run) - length)
        out.append("".join(run[start:start + length]))
    return out


def test_results_are_exactly_the_articles_containing_the_phrase(generated: tuple[Path, list]) -> None:  # type: ignore[type-arg]
    data, articles = generated
    phrases = sample_queries(articles, 150, seed=1) + sample_queries(articles, 40, seed=4, longest=12)
    rng = random.Random(2)
    pairs = [f"{a} {b}" for a, b in zip(rng.sample(phrases, 40), rng.sample(phrases, 40), strict=True)]
    # phrases that almost occur: an occurring phrase with its last character changed
    near = [p[:-1] + ("发" if p[-1] != "发" else "展") for p in phrases[:40] if CJK_RE.match(p[-1])]
    queries = phrases + pairs + near
    results = query(data, list(queries))
    for q, result in zip(queries, results, strict=True):
        want = expected(articles, q.split())
        assert set(result["docs"]) == want, q
        assert result["total"] == len(want), q
    assert any(len(r["docs"]) > 10 for r in results)  # common phrases were part of the test


def test_heavy_keys_were_exercised(generated: tuple[Path, list]) -> None:  # type: ignore[type-arg]
    data, _ = generated
    assert list((data / "kx").rglob("*.js")) and list((data / "px").rglob("*.js"))


def test_frequent_phrases_are_keys_and_the_others_are_proven(generated: tuple[Path, list]) -> None:  # type: ignore[type-arg]
    """A phrase of 4-6 characters is answered by its own postings when the index holds it (it was
    frequent in every part where it may occur), else by the positions of its triples; the results
    are those of a substring scan either way (the test above), and both ways were taken."""
    data, articles = generated
    held: set[str] = set()
    for path in (data / "k").rglob("*.js"):
        shard = read_script(path)[1]
        assert isinstance(shard, dict)
        held.update(k for k in shard if re.fullmatch(f"[{CJK_RE.pattern[1:-1]}]{{4,6}}", k))
    phrases = [p for p in sample_queries(articles, 300, seed=3) if re.fullmatch(f"[{CJK_RE.pattern[1:-1]}]{{4,6}}", p)]
    as_keys = [p for p in phrases if p in held]
    assert as_keys and len(as_keys) < len(phrases)
    results = query(data, phrases)
    for phrase, result in zip(phrases, results, strict=True):
        assert set(result["docs"]) == expected(articles, [phrase]), phrase
        if phrase in held:  # no positions were needed
            assert not any(f.startswith(("p/", "px/")) for f in result["files"]), phrase


def test_filters_by_section_person_and_month(generated: tuple[Path, list]) -> None:  # type: ignore[type-arg]
    data, articles = generated
    section = articles[5].section
    person = articles[5].people[0].name
    month = f"{articles[-1].date.year:04d}-{articles[-1].date.month:02d}"
    term = "大足"
    results = query(data, [(term, {"section": section.slug}), (term, {"person": person}),
                           (term, {"month": month}), (term, {"month": month[:4]})])
    base = expected(articles, [term])
    assert set(results[0]["docs"]) == {i for i in base if articles[i].section == section}
    assert set(results[1]["docs"]) == {i for i in base if person in [p.name for p in articles[i].people]}
    assert set(results[2]["docs"]) == {i for i in base if articles[i].date.strftime("%Y-%m") == month}
    assert set(results[3]["docs"]) == {i for i in base if articles[i].date.year == int(month[:4])}
    assert all(0 < len(r["docs"]) < len(base) for r in results[:2])


# ---- ranking ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ranking_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:  # type: ignore[type-arg]
    filler = "今天天气晴朗,街上行人很多。"
    stories = [
        Story("2022-01-05", "title-old", "页岩气开发提速", filler * 3),
        Story("2022-03-01", "body-new", "冬季农业见闻", filler + "附近正在开发页岩气。" + filler),
        Story("2022-02-01", "mid-word", "医院新楼启用", filler + "中医院的医生很忙。" + filler, "民生"),
        Story("2022-01-20", "whole-word", "义诊活动", filler + "他是中医,经验丰富。" + filler, "民生"),
        Story("2022-01-10", "twin-old", "同题报道", filler + "石刻修复完成。"),
        Story("2022-01-11", "twin-new", "同题报道", filler + "石刻修复完成。"),
        # one issue: printed a-front then z-back (no 版次 given: by slug)
        Story("2022-01-15", "z-back", "同日报道", filler + "湿地公园开放。"),
        Story("2022-01-15", "a-front", "同日报道", filler + "湿地公园开放。"),
    ]
    site = write_site(tmp_path_factory.mktemp("ranking") / "site", stories)
    return write_index(site, tmp_path_factory.mktemp("ranking-out")), search_index.document_order(load(site))


def slugs(articles: list, result: dict) -> list[str]:  # type: ignore[type-arg]
    return [articles[d].slug for d in result["docs"]]


def test_title_match_ranks_above_body_match(ranking_data: tuple[Path, list]) -> None:  # type: ignore[type-arg]
    data, articles = ranking_data
    [result] = query(data, ["页岩气"])
    assert slugs(articles, result) == ["title-old", "body-new"]


def test_whole_word_ranks_above_mid_word(ranking_data: tuple[Path, list]) -> None:  # type: ignore[type-arg]
    data, articles = ranking_data
    assert "中医院" in segment.words("中医院的医生很忙") and "中医" in segment.words("他是中医,经验丰富")
    [result] = query(data, ["中医"])
    assert slugs(articles, result) == ["whole-word", "mid-word"]  # although mid-word is newer


def test_newer_first_on_ties_and_sort_by_date(ranking_data: tuple[Path, list]) -> None:  # type: ignore[type-arg]
    data, articles = ranking_data
    tie, by_date = query(data, ["石刻修复", ("页岩气", {"sort": "date"})])
    assert slugs(articles, tie) == ["twin-new", "twin-old"]
    assert tie["scores"][0] == tie["scores"][1]
    assert slugs(articles, by_date) == ["body-new", "title-old"]


def test_within_one_issue_newer_first_is_the_printed_order(ranking_data: tuple[Path, list]) -> None:  # type: ignore[type-arg]
    """Ids follow the printed order within an issue (an article added last takes the next id), and
    the page puts a later issue first, then the printed order, from meta.issues."""
    data, articles = ranking_data
    ids = {a.slug: doc for doc, a in enumerate(articles)}
    assert ids["a-front"] + 1 == ids["z-back"] and ids["twin-new"] < ids["a-front"]
    tie, by_date = query(data, ["湿地公园", ("湿地公园 报道", {"sort": "date"})])
    assert tie["scores"][0] == tie["scores"][1]
    assert slugs(articles, tie) == ["a-front", "z-back"]
    assert slugs(articles, by_date) == ["a-front", "z-back"]
    meta = json.loads((data / "meta.js").read_text(encoding="utf-8").split(",", 1)[1][:-3])
    assert meta["issues"] == "BBBCBBB"  # 1, 1, 1, 2, 1, 1, 1 articles, oldest issue first


def test_the_frequent_line_moves_only_when_the_archive_doubles() -> None:
    """A new issue must not move it (that makes the whole index again): a power of two."""
    assert search_phrases.PHRASE_SHARE == 16
    assert [search_phrases.least(n) for n in (0, 40, 10_000, 100_000)] == [2, 2, 512, 4096]
    for low in (16 * 16, 16 * 64, 16 * 512):
        assert {search_phrases.least(n) for n in range(low, 2 * low)} == {low // 16}
        assert search_phrases.least(2 * low) == 2 * (low // 16)


@pytest.fixture(scope="module")
def edge_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:  # type: ignore[type-arg]
    """A frequent run (我们要总结前期经验, in most articles) joined to rare text in a few, next to it
    elsewhere in others, cut short in one; triples are frequent from 8 articles."""
    template = "我们要总结前期经验,持续推进工作。"
    stories = [Story(f"2022-01-{day:02d}", f"t{day}", f"工作简报{day}", template + "今天天气晴朗。" * (day % 3 + 1))
               for day in range(1, 15)]
    stories += [
        Story("2022-02-01", "joined", "残联工作", template + "我们要总结前期经验残联建设取得成效。"),
        Story("2022-02-02", "joined-twice", "残联工作", "总结前期经验残联建设好。总结前期经验残联建设"),
        Story("2022-02-03", "apart", "残联建设", template + "残联建设取得成效。"),
        Story("2022-02-04", "cut-short", "残联帮扶", template + "总结前期经验残联帮扶。残联建设"),
        Story("2022-02-05", "in-title", "前期经验残联建设", template),
    ]
    site = write_site(tmp_path_factory.mktemp("edges") / "site", stories)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search_phrases, "least", lambda documents: 8)
        data = write_index(site, tmp_path_factory.mktemp("edges-out"))
    return data, search_index.document_order(load(site))


def test_a_long_term_over_a_frequent_run_finds_exactly_the_articles_that_hold_it(
        edge_data: tuple[Path, list]) -> None:  # type: ignore[type-arg]
    """Terms that join the frequent run to rare text are proven by edge keys (the run and one
    character more, with positions), not by the run's triples' positions: the same articles as a
    substring scan, the title match first."""
    data, articles = edge_data
    meta = json.loads((data / "meta.js").read_text(encoding="utf-8").split(",", 1)[1][:-3])
    assert meta["least"] == 8
    terms = ["前期经验残联建", "总结前期经验残联建设", "经验残联建设", "要总结前期经验残", "前期经验残联帮扶",
             "经验残联", "期经验残联建设取得成效", "我们要总结前期经验残联建设取得成效"]
    results = query(data, terms)
    for term, result in zip(terms, results, strict=True):
        assert set(result["docs"]) == expected(articles, [term]), term
    by_term = dict(zip(terms, results, strict=True))
    assert [articles[d].slug for d in by_term["前期经验残联建"]["docs"]] == ["in-title", "joined-twice", "joined"]
    assert {articles[d].slug for d in by_term["前期经验残联帮扶"]["docs"]} == {"cut-short"}

    def shard(kind: str, key: str) -> str:
        number = search_index.key_hash(key) % meta["buckets"]
        return f"{kind}/{number // meta['folder']}/{number}"
    loaded = set(by_term["前期经验残联建"]["files"])
    assert shard("p", "前期经验残") in loaded and shard("k", "前期经验残") in loaded  # the edge key proves it
    frequent = {shard("p", t) for t in ("前期经", "期经验")} - {shard("p", k) for k in ("前期经验残", "残联建")}
    assert frequent and frequent.isdisjoint(loaded)  # the run's triples' positions were not needed


def test_the_spellings_of_a_folded_word_are_every_text_that_folds_to_it() -> None:
    """What an edit looks for, as plain strings, where a new dictionary word may be written."""
    found = spellings("页岩气")
    assert found is not None and {"页岩气", "頁岩氣"} <= set(found)
    assert all(fold(text) == "页岩气" for text in found)
    pattern = unfolded("页岩气")
    assert pattern is not None and all(pattern.fullmatch(text) for text in found)
    assert len(found) == len(set(found))
    assert spellings("页") and spellings("页" * 12, most=256) is None  # too many to list
    assert spellings("LNG") == [] and unfolded("LNG") is None  # folded text has no upper case
