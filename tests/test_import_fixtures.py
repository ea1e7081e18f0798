"""Dumps in the styles of other papers (our own fixtures): titles, bylines, datelines, kinds, pages, joins."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from import_support import FIXTURES, assert_lossless, make_site, prepare_in, write

from generator.byline import parse_byline
from generator.import_command import Prepared

DATE = dt.date(2023, 3, 10)


def imported(tmp_path: Path, name: str) -> Prepared:
    prepared = prepare_in(make_site(tmp_path), (FIXTURES / name).read_bytes(), DATE)
    write(prepared)
    assert_lossless(prepared)
    return prepared


def people(byline: str) -> list[tuple[str, str]]:
    return [(person.name, person.role) for person in parse_byline(byline).people]


def test_people_s_daily_style_datelines_padded_names_and_trailing_name_lists(tmp_path: Path) -> None:
    split = imported(tmp_path, "renmin_style.txt").split
    first, market, spring, opinion, brief = split.articles
    assert (first.kicker, first.title, first.subtitle) == (
        "坚持生态优先　走好绿色发展路", "山区小县念活“林果经”", "——西南一山区县推进乡村产业振兴见闻")
    assert first.dateline == "本报成都3月4日电"
    assert first.paragraphs[0].startswith("早春时节，川南山区的清溪县")
    # "金　歆" is one person; the trailing name list joins the byline printed above the text
    assert people(first.byline) == [("金歆", "记者"), ("周晓林", "记者"), ("李明", "记者"), ("赵海燕", "记者")]
    assert "比五年前增长了近三倍。" in first.paragraphs[-1]
    assert [(j.first, j.second) for j in first.joins] == [(11, 13)]
    assert (market.title, market.dateline, market.byline) == (
        "全国统一大市场建设取得新进展", "本报北京3月4日电", "（记者吴凡、孙悦）")
    assert people(market.byline) == [("吴凡", "记者"), ("孙悦", "记者")]
    assert "一线观察" in market.paragraphs and any("一线观察" in note for note in market.unsure)
    assert spring.title == "多地春耕备耕有序展开"
    assert people(spring.byline) == [("刘洋", "记者"), ("陈静", "记者"), ("韩冰", "记者")]
    assert (opinion.kind, people(opinion.byline)) == ("opinion", [("林知远", "作者")])
    assert (brief.title, brief.kind, brief.dateline, brief.byline) == ("春季植树活动启动", "brief", "本报讯", "")
    assert [a.kind for a in split.articles] == ["news", "news", "news", "opinion", "brief"]
    assert split.skipped == ()


def test_city_daily_bracketed_datelines_slash_bylines_bom_and_crlf(tmp_path: Path) -> None:
    prepared = imported(tmp_path, "city_daily_bom_crlf.txt")
    assert (prepared.decoded.encoding, prepared.decoded.newline) == ("UTF-8 with BOM", "CRLF")
    alleys, service, rainbow, library = prepared.split.articles
    assert alleys.title == "城区12条背街小巷完成改造"
    assert alleys.dateline == "【山城晚报讯】"
    assert people(alleys.byline) == [("周明远", "记者"), ("唐诗雨", "实习生"), ("郑国庆", "通讯员")]
    # cut by the page change A05 -> A06, joined across the skipped page header
    assert alleys.paragraphs[-1].endswith("道路两侧的绿化带也已全部完成补种。")
    assert [(j.first, j.second) for j in alleys.joins] == [(11, 15)]
    assert (alleys.page, alleys.order) == (5, 1)
    assert (service.kicker, service.title, people(service.byline)) == (
        "家门口就能办事", "社区便民服务站月底全覆盖", [("韩雪", "记者")])
    assert (service.page, service.order) == (6, 1)
    assert (rainbow.kind, people(rainbow.byline), rainbow.order) == ("photo", [("魏东", "摄影")], 2)
    assert (library.kind, library.dateline, library.byline) == ("brief", "【山城晚报讯】", "")
    assert [(s.line, s.reason) for s in prepared.split.skipped] == [
        (1, "page header"), (13, "page header"), (36, "editors' line")]


def test_gbk_county_paper_with_indented_paragraphs_and_wrapped_lines(tmp_path: Path) -> None:
    data = (FIXTURES / "county_gbk_crlf.txt").read_bytes()
    data.decode("gbk")  # the fixture really is GBK
    prepared = imported(tmp_path, "county_gbk_crlf.txt")
    assert (prepared.decoded.encoding, prepared.decoded.newline) == ("GB18030", "CRLF")
    fair, blossom, points = prepared.split.articles
    assert fair.title == "大足区春季招聘会提供岗位三千余个"
    assert people(fair.byline) == [("王莉", "记者"), ("陈永镕", "通讯员")]  # 镕 is GBK, not GB2312
    assert fair.paragraphs[0] == (
        "3月2日，2023年大足区春风行动暨春季招聘会在区人力资源市场举行，60余家企业提供就业岗位3000余个。")
    assert len(fair.paragraphs) == 3
    assert (blossom.title, blossom.kind, people(blossom.byline)) == ("宝顶山下樱花开", "photo", [("张弛", "摄影")])
    assert blossom.paragraphs == ("连日来，宝顶山景区的樱花竞相绽放，吸引众多游客前来赏花踏青。",)
    assert (points.title, people(points.byline), len(points.paragraphs)) == (
        "“小积分”兑出文明新风", [("周静", "通讯员")], 2)
    assert all("line wrap" in j.reason for a in prepared.split.articles for j in a.joins)


def test_page_headers_editors_lines_and_sections_named_by_the_page(tmp_path: Path) -> None:
    prepared = imported(tmp_path, "editors_pages.txt")
    split = prepared.split
    assert [(a.title, a.kind, a.page, a.order) for a in split.articles] == [
        ("春耕时节备耕忙", "news", 1, 1),
        ("老旧小区加装电梯签约率过半", "news", 2, 1),
        ("社区食堂受欢迎", "brief", 2, 2),
        ("油菜花开金灿灿", "photo", 3, 1),
        ("关于加强农村养老服务的建议", "opinion", 4, 1),
    ]
    assert prepared.sections == ("要闻", "民生", "民生", "图片新闻", "建言")
    assert [people(a.byline) for a in split.articles] == [
        [("唐晓峰", "记者")], [("罗一鸣", "记者"), ("杜小娟", "通讯员")], [], [("黄舒", "摄影")], [("冉光明", "作者")]]
    assert split.articles[4].subtitle == "——区政协委员提案摘登"
    reasons = {s.line: s.reason for s in split.skipped}
    assert reasons == {1: "page header", 13: "editors' line", 15: "page number", 17: "page header", 26: "rule",
                       32: "editors' line", 34: "page number", 36: "page header", 44: "page header",
                       55: "editors' line"}
    assert any("ends without punctuation" in note for note in split.articles[0].unsure)
    files = {action.path.name: action.text for action in prepared.actions}
    assert "section: 图片新闻\npage: 3\norder: 1\n" in files["you-cai-hua-kai-jin-can-can.md"]


def test_a_title_after_an_unfinished_paragraph_is_never_swallowed(tmp_path: Path) -> None:
    dump = ("第一条新闻\n\n本报讯（记者 张三）今天上午，全区召开会议，部署春季安全生产工作，要求各单位\n\n"
            "第二条新闻\n\n记者 李四\n\n正文第一段。\n")
    split = prepare_in(make_site(tmp_path), dump.encode()).split
    assert [a.title for a in split.articles] == ["第一条新闻", "第二条新闻"]
    assert split.articles[0].joins == ()
    assert any("ends without punctuation" in note for note in split.articles[0].unsure)


def test_an_empty_item_is_skipped_and_reported(tmp_path: Path) -> None:
    dump = "只有标题的图片\n\n新渝报记者 黄舒 摄\n\n真正的新闻\n\n本报讯 正文。\n"
    split = prepare_in(make_site(tmp_path), dump.encode()).split
    assert [a.title for a in split.articles] == ["真正的新闻"]
    assert [(s.line, s.reason) for s in split.skipped] == [(1, "empty item: a heading with no text"),
                                                             (3, "empty item: a heading with no text")]
