"""Lose nothing (issue item 7): on any input, every non-space character of the dump ends up, in order,
in exactly one written article file or in the skipped lines; import never raises; a second import of
the same dump changes nothing; and what it writes is valid content for the build.
"""

from __future__ import annotations

import codecs
import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from import_support import SEED, assert_lossless, make_site, prepare_in, write

from generator import article_file
from generator.config import load_config
from generator.errors import Problem
from generator.import_command import prepare
from generator.reader import read_content

SEED_LINES = SEED.read_text(encoding="utf-8").split("\n")
# Pieces that steer arbitrary text into the importer's decisions: bylines, datelines, furniture, breaks.
PIECES = [
    "\n", "\n\n", "\n\n\n", "\r\n", "　　", " ", "。", "，", ",", "：", "”", "“", "（", "）", "(", ")", "摄", "记者",
    "本报讯", "新渝报讯(记者 张三)", "【大足讯】", "本报北京3月4日电", "□ 新渝报记者 何美林", "记者／王五 实习生／赵六",
    "新渝报记者 黄舒 摄", "(大足区经济信息委 罗庆伟)", "第2版 民生", "责编 王一 版式 李二", "—3—", "（下转第2版）",
    "＊＊＊", "——副题", "一、", "---", "title: x", "# ", "- ", "\ufeff", "\u2028", "\x85", "\x00", ": ", "'", '"',
    "大足区", "南山公园", "彩林", "null", "yes", "2022-12-10", "[1]", "{a}", "&x", "*y", "!z", "%", "@", "`",
]
chunk = st.one_of(st.text(max_size=30), st.sampled_from(PIECES), st.sampled_from(SEED_LINES))
dump_text = st.lists(chunk, max_size=40).map("".join)
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        site = make_site(Path(folder))
        config = load_config(site)
        prepared = prepare(data, "dump.txt", dt.date(2022, 12, 10), site, config, "要闻")
        if isinstance(prepared, Problem):
            assert "byte offset" in prepared.message
            return
        assert all(action.status == article_file.NEW for action in prepared.actions)
        write(prepared)
        assert_lossless(prepared)
        again = prepare_in(site, data)
        assert {action.status for action in again.actions} <= {article_file.UNCHANGED}
        articles, problems, _ = read_content(site, config)
        assert problems == [] and len(articles) == len(prepared.split.articles)


@PROPERTY
@given(dump_text)
def test_arbitrary_text_loses_nothing(text: str) -> None:
    check(text.encode("utf-8"))


@PROPERTY
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    check(data)


@st.composite
def mutated_sample(draw: st.DrawFn) -> bytes:
    """The sample issue with lines dropped, doubled, swapped, cut, spaced, or with furniture and noise added."""
    lines = list(SEED_LINES)
    for _ in range(draw(st.integers(0, 8))):
        at = draw(st.integers(0, len(lines) - 1))
        operation = draw(st.sampled_from(["drop", "double", "swap", "cut", "insert", "space", "blank"]))
        if operation == "drop" and len(lines) > 1:
            del lines[at]
        elif operation == "double":
            lines.insert(at, lines[at])
        elif operation == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif operation == "cut" and lines[at]:
            cut = draw(st.integers(0, len(lines[at])))
            lines[at:at + 1] = [lines[at][:cut], "", lines[at][cut:]]
        elif operation == "insert":
            lines.insert(at, draw(chunk))
        elif operation == "space":
            lines[at] = "\u3000\u3000" + lines[at].replace(" ", draw(st.sampled_from(["\u3000", "  ", "\t"])))
        elif operation == "blank":
            lines.insert(at, "")
    text = draw(st.sampled_from(["\n", "\r\n"])).join(lines)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
    data = text.encode(encoding, errors="replace") if encoding != "utf-8-sig" else codecs.BOM_UTF8 + text.encode()
    return data


@PROPERTY
@given(mutated_sample())
def test_mutated_samples_lose_nothing(data: bytes) -> None:
    check(data)
