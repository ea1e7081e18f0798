"""Reading a dump: encodings detected from the bytes, line ends, layout spaces; lines classified one by one."""

from __future__ import annotations

import codecs

import pytest

from generator import dump, line_kinds
from generator.dump import Decoded, Undecodable

TEXT = "“吹哨”平台助企纾困\n\n新渝报讯(记者 熊敏秀)12月7日，天气寒冷。\n"


@pytest.mark.parametrize(("data", "encoding"), [
    (TEXT.encode("utf-8"), "UTF-8"),
    (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "UTF-8 with BOM"),
    (TEXT.encode("gbk"), "GB18030"),
    (TEXT.encode("gb18030"), "GB18030"),
    (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "UTF-16LE with BOM"),
])
def test_encodings_are_detected_from_the_bytes(data: bytes, encoding: str) -> None:
    decoded = dump.decode(data)
    assert isinstance(decoded, Decoded)
    assert (decoded.text, decoded.encoding) == (TEXT, encoding)


@pytest.mark.parametrize(("newline", "name"), [("\n", "LF"), ("\r\n", "CRLF"), ("\r", "CR")])
def test_line_ends_of_every_kind_give_the_same_lines(newline: str, name: str) -> None:
    decoded = dump.decode(TEXT.replace("\n", newline).encode())
    assert isinstance(decoded, Decoded) and decoded.newline == name
    assert [(line.number, line.text, line.gap) for line in dump.lines(decoded.text)] == [
        (1, "“吹哨”平台助企纾困", 0), (3, "新渝报讯(记者 熊敏秀)12月7日，天气寒冷。", 1)]


def test_a_bad_byte_in_utf8_is_an_error_naming_its_offset_and_line() -> None:
    data = "第一行\n第二行\n".encode() + b"\xc3\x28" + "后文".encode()
    result = dump.decode(data)
    assert isinstance(result, Undecodable)
    assert (result.offset, result.line) == (20, 3)
    assert "byte 0xC3 at byte offset 20 is not valid UTF-8" in result.message


def test_a_bad_byte_in_gbk_is_an_error_naming_its_offset() -> None:
    data = "大足区新闻\r\n".encode("gbk") + b"\x81\x20" + "完".encode("gbk")
    result = dump.decode(data)
    assert isinstance(result, Undecodable)
    assert (result.offset, result.line, "GB18030" in result.message) == (12, 2, True)


def test_utf8_that_only_happens_to_decode_as_gb18030_is_not_taken_for_it() -> None:
    # Valid GB18030 byte pairs, but decoding them gives rare characters no Chinese text is made of.
    data = bytes([0x81, 0x40, 0x82, 0x41, 0x83, 0x42, 0x84, 0x43]) * 4
    data.decode("gb18030")
    assert isinstance(dump.decode(data), Undecodable)


def test_layout_spaces_go_and_text_spaces_stay() -> None:
    assert dump.normalise_spaces("\u3000\u3000本报讯　近日，  全区\t召开会议。  ") == "本报讯　近日， 全区 召开会议。"
    assert dump.normalise_spaces("本报记者　金　歆") == "本报记者　金　歆"
    lines = dump.lines("标题\n\u3000\u3000正文第一段，\n接续的一行。\n\n\n下一条")
    assert [(line.text, line.indented, line.gap) for line in lines] == [
        ("标题", False, 0), ("正文第一段，", True, 0), ("接续的一行。", False, 0), ("下一条", False, 2)]


@pytest.mark.parametrize(("text", "kind"), [
    ("新渝周报　2023年3月10日　星期五　第1版　要闻", line_kinds.PAGE),
    ("第二版　民生", line_kinds.PAGE),
    ("A05　城事", line_kinds.PAGE),
    ("责编　何静　版式　冯涛　校对　许丽", line_kinds.EDITORS),
    ("责编／蒋文　美编／高原　校对／余春", line_kinds.EDITORS),
    ("—2—", line_kinds.FOLIO),
    ("（下转第2版）", line_kinds.JUMP),
    ("＊＊＊", line_kinds.RULE),
    ("新渝报记者 黄舒 摄", line_kinds.CREDIT),
    ("记者／魏东　摄", line_kinds.CREDIT),
    ("(大足区经济信息委 罗庆伟)", line_kinds.SIGNATURE),
    ("（记者　刘　洋　陈　静　韩　冰）", line_kinds.SIGNATURE),
    ("□ 新渝报记者 何美林 见习记者 彭茜", line_kinds.BYLINE),
    ("本报记者　金　歆　周晓林", line_kinds.BYLINE),
    ("记者／周明远　实习生／唐诗雨　通讯员／郑国庆", line_kinds.BYLINE),
    ("本报讯（记者 张三）", line_kinds.BYLINE),
    ("“吹哨”平台助企纾困", line_kinds.HEADING),
    ("——区政协委员提案摘登", line_kinds.HEADING),
    ("编辑部的故事", line_kinds.HEADING),
    ("十名记者 走进乡村", line_kinds.HEADING),
    ("（完）", line_kinds.HEADING),
    ("新渝报讯(记者 邓小强)12月9日,大足区人力资源和社会保障局开展关怀活动。", line_kinds.TEXT),
    ("据介绍，改造中同步完成了雨污分流、电力线缆下地等工程，道路两侧的", line_kinds.TEXT),
    ("因此,就推进大足页岩气开发和就地转化利用提出三点建议:", line_kinds.TEXT),
])
def test_line_kinds(text: str, kind: str) -> None:
    assert line_kinds.classify(dump.Line(1, text)).kind == kind


def test_page_numbers_in_figures_and_in_chinese() -> None:
    assert [line_kinds.page_number(t) for t in ("第1版 要闻", "第十二版", "A05 城事", "第二十版")] == [1, 12, 5, 20]


def test_opening_datelines_are_cut_from_the_printed_text() -> None:
    assert line_kinds.split_opening("新渝报讯(记者 熊敏秀 见习记者 罗婷婷)12月7日，天气寒冷") == (
        "新渝报讯", "(记者 熊敏秀 见习记者 罗婷婷)", "12月7日，天气寒冷")
    assert line_kinds.split_opening("本报北京3月4日电（记者吴凡、孙悦）记者从有关部门获悉") == (
        "本报北京3月4日电", "（记者吴凡、孙悦）", "记者从有关部门获悉")
    assert line_kinds.split_opening("【山城晚报讯】记者从市图书馆获悉") == ("【山城晚报讯】", "", "记者从市图书馆获悉")
    assert line_kinds.split_opening("本报讯（大足区举行了会议）此后") == ("本报讯", "", "（大足区举行了会议）此后")
    assert line_kinds.split_opening("据悉，该活动") == ("", "", "据悉，该活动")


def test_where_a_paragraph_ends() -> None:
    assert line_kinds.ends_sentence("平稳可控。”")
    assert line_kinds.ends_sentence("提出三点建议:")
    assert not line_kinds.ends_sentence("推进标准化建设取得阶")
    assert not line_kinds.ends_sentence("上线了“吹哨”")
