"""Segmentation: jieba with the site's words, rjieba giving the same tokens, and the token cache."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest

from generator import pipeline, segment
from generator.errors import ContentError
from generator.segment import Segmenter, UserDictionary, user_dictionary

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_TEXTS = [path.read_text(encoding="utf-8") for path in sorted((ROOT / "content").rglob("*.md"))]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玲红建国文辉力明永健世广志义兴良海山仁波宁贵福生龙元全"
EXTRAS = ["LNG", "5G", "3000", "2021年", "12月9日", "1/4", "200—300万立方米", "GDP增长6.5%", "頁岩氣", "張龍貴",
          "（记者 王小明）", "　", "……", "“十四五”", "A股", "COVID-19", "e-mail", "No.1"]


def generated_corpus(count: int, seed: int = 7) -> tuple[list[str], list[str]]:
    """Articles made by recombining the sample's sentences with new names, numbers and Latin words.

    Returns (texts, byline names). Deterministic for a seed.
    """
    rng = random.Random(seed)
    sentences = [s for text in SAMPLE_TEXTS for s in re.split(r"(?<=[。！？])", text.split("---")[-1]) if s.strip()]
    names = sorted({rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
                    for _ in range(300)})
    texts = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(8, 30)):
            sentence = rng.choice(sentences)
            if rng.random() < 0.4:
                cut = rng.randrange(len(sentence))
                sentence = sentence[:cut] + rng.choice(names + EXTRAS) + sentence[cut:]
            parts.append(sentence)
            if rng.random() < 0.2:
                parts.append("\n\n")
        texts.append("".join(parts))
    return texts, rng.sample(names, 120)


@pytest.fixture(scope="module")
def sample_dictionary() -> UserDictionary:
    corpus = pipeline.load(ROOT)
    return user_dictionary(ROOT, [c.name for c in corpus.contributors])


def test_the_user_dictionary_keeps_local_names_whole(sample_dictionary: UserDictionary) -> None:
    cut = Segmenter(sample_dictionary).words
    assert "页岩气" in cut("实现大足页岩气的合理、有效开发")
    assert "南山公园" in cut("12月9日,大足区南山公园,市民正在彩林中散步。")
    assert "大足区" in cut("大足区拥有丰富的页岩气资源")
    # without the site's words jieba splits them
    plain = Segmenter(UserDictionary()).words
    assert "页岩气" not in plain("实现大足页岩气的合理、有效开发")
    assert "南山公园" not in plain("大足区南山公园,市民正在彩林中散步。")


def test_byline_names_are_added_automatically(sample_dictionary: UserDictionary) -> None:
    words = dict(sample_dictionary.words)
    for name in ("黄舒", "何美林", "彭茜", "罗庆伟", "邓小强"):
        assert name in words
    cut = Segmenter(sample_dictionary).words
    assert "何美林" in cut("新渝报记者 何美林 见习记者 彭茜")
    assert "邓小强" in cut("（记者 邓小强）")
    assert "罗婷婷" in cut("见习记者 罗婷婷 赵元元")
    # a name that is in the body but not in a byline is added by the caller like any other name
    assert "张龙贵" in Segmenter(user_dictionary(ROOT, ["张龙贵"])).words("食堂管理科科长张龙贵谈到")
    assert "张龙贵" in Segmenter(user_dictionary(ROOT, ["张龙贵"])).words("张龙贵介绍")


def test_the_sample_site_segments_as_configured() -> None:
    site = pipeline.load(ROOT)
    segmenter = segment.configure(ROOT, [c.name for c in site.contributors])
    try:
        tokens = segment.words("新渝报讯（记者 邓小强）12月9日,大足区南山公园")
        assert tokens[:4] == ["新渝报", "讯", "（", "记者"]
        assert "邓小强" in tokens and "南山公园" in tokens
        assert "".join(tokens) == "新渝报讯（记者 邓小强）12月9日,大足区南山公园"
        assert segmenter.dictionary == user_dictionary(ROOT, [c.name for c in site.contributors])
    finally:
        segment.reset()


def test_a_site_without_a_dictionary_still_works(tmp_path: Path) -> None:
    dictionary = user_dictionary(tmp_path, ["黄舒"])
    assert dictionary.words == (("黄舒", segment.DEFAULT_FREQ),)
    assert Segmenter(dictionary).words("页岩气") == ["页岩", "气"]


def test_a_bad_dictionary_line_is_reported_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "dictionary.txt").write_text("# 注释\n页岩气\n南山 公园 x y\n企业吹哨·部门报道\n大足区 0\n",
                                             encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        user_dictionary(tmp_path)
    assert [(p.line, p.path.endswith("dictionary.txt")) for p in caught.value.problems] == [
        (3, True), (4, True), (5, True)]


def test_dictionary_lines_may_give_a_frequency(tmp_path: Path) -> None:
    (tmp_path / "dictionary.txt").write_text("外卖骑手 200 n\n页岩气  # 本地能源\n", encoding="utf-8")
    assert user_dictionary(tmp_path).words == (("外卖骑手", 200), ("页岩气", segment.DEFAULT_FREQ))


def test_rjieba_gives_jiebas_tokens_on_the_sample(sample_dictionary: UserDictionary) -> None:
    jieba_cut = segment.make_engine(sample_dictionary, "jieba").cut
    rjieba_cut = segment.make_engine(sample_dictionary, "rjieba").cut
    seed = (ROOT.parent / "shared" / "seed" / "000_bd1d1f2835588c3b.txt")
    texts = SAMPLE_TEXTS + ([seed.read_text(encoding="utf-8")] if seed.is_file() else [])
    for text in texts:
        assert rjieba_cut(text) == jieba_cut(text)
    assert "页岩气" in rjieba_cut(SAMPLE_TEXTS[-1])


def test_rjieba_gives_jiebas_tokens_on_a_generated_corpus() -> None:
    texts, names = generated_corpus(300)
    dictionary = user_dictionary(ROOT, names)
    jieba_cut = segment.make_engine(dictionary, "jieba").cut
    rjieba_cut = segment.make_engine(dictionary, "rjieba").cut
    assert sum(len(text) for text in texts) > 300_000
    differing = [text for text in texts if rjieba_cut(text) != jieba_cut(text)]
    assert differing == []
    # the names really took part: some are kept whole in both
    assert any(name in rjieba_cut(text) for text in texts[:20] for name in names)


@pytest.mark.skipif("rjieba" not in segment.available_engines(), reason="rjieba not installed")
def test_rjieba_engines_do_not_share_a_tokenizer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first engine takes the tokenizer rjieba made on import; no later one may get it too."""
    import rjieba

    monkeypatch.setattr(rjieba, "_DEFAULT_JIEBA", rjieba.Jieba())  # as just imported
    monkeypatch.setattr(segment, "_CLAIMED", [])
    text = "欧阳梓萱在南山公园"
    plain = rjieba.Jieba().cut(text, True)
    assert "欧阳梓萱" not in plain
    engines = [segment.make_engine(UserDictionary.of([("欧阳梓萱", 500)]), "rjieba"),
               segment.make_engine(UserDictionary(), "rjieba")]
    assert engines[0].tokenizer is rjieba._DEFAULT_JIEBA
    assert engines[1].tokenizer is not engines[0].tokenizer
    assert "欧阳梓萱" in engines[0].cut(text)
    assert engines[1].cut(text) == plain


def test_the_cache_spares_a_second_run(tmp_path: Path) -> None:
    texts, names = generated_corpus(20, seed=3)
    dictionary = user_dictionary(ROOT, names)
    first = Segmenter(dictionary, cache_path=tmp_path / "tokens.sqlite")
    expected = [first.words(text) for text in texts]
    first.close()
    assert first.segmented == len(set(texts))

    second = Segmenter(dictionary, cache_path=tmp_path / "tokens.sqlite")
    second._engine = _Refusing()  # any call to the segmenter fails the test
    assert [second.words(text) for text in texts] == expected
    assert (second.segmented, second.cached) == (0, len(texts))


def test_a_new_name_resegments_only_the_texts_that_contain_it(tmp_path: Path) -> None:
    texts = ["慰问组由记者邓小强带队,走访外卖骑手。", "彩林已进入最佳观赏期。"]
    old = Segmenter(user_dictionary(ROOT), cache_path=tmp_path / "t.sqlite")
    assert "邓小强" not in old.words(texts[0])
    old.words(texts[1])
    old.close()

    new = Segmenter(user_dictionary(ROOT, ["邓小强"]), cache_path=tmp_path / "t.sqlite")
    assert "邓小强" in new.words(texts[0])
    assert new.words(texts[1]) == ["彩林", "已", "进入", "最佳", "观赏", "期", "。"]
    assert (new.segmented, new.cached) == (1, 1)


def test_cached_tokens_equal_fresh_ones_for_long_tokens(tmp_path: Path) -> None:
    text = "编号" + "x" * 700 + "的文件,页岩气" + " " * 300 + "结束"
    fresh = Segmenter(user_dictionary(ROOT)).words(text)
    cached = Segmenter(user_dictionary(ROOT), cache_path=tmp_path / "t.sqlite")
    cached.words(text)
    cached.close()
    again = Segmenter(user_dictionary(ROOT), cache_path=tmp_path / "t.sqlite")
    assert again.words(text) == fresh and again.cached == 1


def test_words_keeps_every_character_in_order() -> None:
    text = "“吹哨”平台  助企纾困\n\nLNG 3000吨"
    assert "".join(segment.words(text)) == text
    assert segment.words("") == []


class _Refusing:
    name = "refusing"

    def cut(self, text: str) -> list[str]:
        raise AssertionError(f"segmented again: {text[:20]}")


def test_the_cache_lives_in_the_site_cache_folder(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(ROOT, site, ignore=shutil.ignore_patterns(".*", "public", "benchmarks", "node_modules"))
    segment.configure(site, ["黄舒"])
    segment.words("彩林掩映南山公园")
    segment.flush()
    assert (site / ".cache" / "tokens.sqlite").is_file()
    segment.reset()


@pytest.mark.parametrize("token", ["COVID-19", "e-mail", "No.1", "a_b", "9.a", "2.5", "3.5%", "12", "LNG", "5G",
                                   "v1.2.3", "x-", "2.5.6", "1.5%x", "页岩", "-a", "a", "A.5"])
def test_only_tokens_the_latin_repair_would_change_are_looked_at(token: str) -> None:
    """rjieba's tokens are checked by one search of them joined (segment.TO_REPAIR) instead of a
    match each: it must find exactly the tokens that jieba's own pattern would split again."""
    pieces = [piece for piece in segment.LATIN_RUN.split(token) if piece]
    would_change = bool(segment.JOINED_LATIN.match(token)) and pieces != [token]
    assert bool(segment.TO_REPAIR.search("\n".join(["大足", token, "。"]))) == would_change
