"""The byline parser on every printed style of the sample and of other papers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.byline import normalize, parse_byline

R, T, N, C, P, A = "记者", "见习记者", "实习生", "通讯员", "摄影", "作者"


def people(printed: str) -> list[tuple[str, str]]:
    return [(p.name, p.role) for p in parse_byline(printed).people]


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        # 新渝报, as printed in the sample issue
        ("□ 新渝报记者 何美林 见习记者 彭茜", [("何美林", R), ("彭茜", T)]),
        ("新渝报讯(记者 熊敏秀 见习记者 罗婷婷 赵元元)", [("熊敏秀", R), ("罗婷婷", T), ("赵元元", T)]),
        ("(记者 熊敏秀 见习记者 罗婷婷 赵元元)", [("熊敏秀", R), ("罗婷婷", T), ("赵元元", T)]),
        ("新渝报讯(记者 邓小强)", [("邓小强", R)]),
        ("新渝报记者 黄舒 摄", [("黄舒", P)]),
        ("(大足区经济信息委 罗庆伟)", [("罗庆伟", A)]),
        # other papers
        ("本报记者 王海燕", [("王海燕", R)]),
        ("本报记者 金  歆", [("金歆", R)]),
        ("本报记者　金　歆　李  明", [("金歆", R), ("李明", R)]),
        ("大足讯（记者 王五 通讯员 赵六 钱七）", [("王五", R), ("赵六", C), ("钱七", C)]),
        ("【大足讯】记者／张三 实习生／李四 通讯员／王五", [("张三", R), ("李四", N), ("王五", C)]),
        ("本报北京3月4日电（记者 王小明 刘大伟）", [("王小明", R), ("刘大伟", R)]),
        ("记者张三 摄", [("张三", P)]),
        ("本报记者 王小明 摄影 李四", [("王小明", R), ("李四", P)]),
        ("文/张三 图/李四", [("张三", A), ("李四", P)]),
        ("（重庆市大足区人民医院 宾承国）", [("宾承国", A)]),
        ("(区残联 李明)", [("李明", A)]),  # a short organisation: 残联, 妇联, 文联
        ("【大足讯】", []),
    ],
)
def test_styles(printed: str, expected: list[tuple[str, str]]) -> None:
    assert people(printed) == expected


@pytest.mark.parametrize(
    ("printed", "dateline"),
    [
        ("新渝报讯(记者 邓小强)", "新渝报讯"),
        ("【大足讯】记者／张三", "【大足讯】"),
        ("本报北京3月4日电（记者 王小明）", "本报北京3月4日电"),
        ("本报讯 记者 王五", "本报讯"),
        ("□ 新渝报记者 何美林", ""),
    ],
)
def test_datelines(printed: str, dateline: str) -> None:
    assert parse_byline(printed).dateline == dateline


def test_organisations() -> None:
    signed = parse_byline("(大足区经济信息委 罗庆伟)").people[0]
    assert signed.org == "大足区经济信息委"
    reporter = parse_byline("□ 新渝报记者 何美林 见习记者 彭茜").people[0]
    assert reporter.org == "新渝报"
    assert parse_byline("本报记者 王海燕").people[0].org == "本报"


def test_printed_form_is_kept() -> None:
    assert parse_byline("  □ 新渝报记者 何美林 见习记者 彭茜 ").printed == "□ 新渝报记者 何美林 见习记者 彭茜"


def test_full_width_forms_are_layout() -> None:
    assert normalize("（记者　张三）") == "(记者 张三)"


@given(st.text(max_size=60))
def test_never_raises_and_names_come_from_the_text(text: str) -> None:
    squeezed = normalize(text).replace(" ", "")
    for person in parse_byline(text).people:
        assert person.name and person.name in squeezed
