"""The URL scheme, pagination, relative links and slugs."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from generator import pipeline
from generator.config import Section
from generator.routes import Urls, paged, paginate, plan, relative
from generator.slugs import person_slug, slugify, unique_slugs
from tests.conftest import SITE_YAML, article, write_site


def test_url_scheme() -> None:
    assert Urls.issue(dt.date(2022, 12, 10)) == "2022/12/10/index.html"
    assert Urls.month(2022, 3) == "2022/03/index.html"
    assert Urls.year(2022) == "2022/index.html"
    assert Urls.section(Section("要闻", "yaowen")) == "section/yaowen/index.html"
    assert Urls.person("huangshu") == "people/huangshu/index.html"
    assert Urls.person_feed("huangshu") == "people/huangshu/feed.xml"


def test_pages_have_stable_urls() -> None:
    assert paged("section/yaowen/index.html", 1) == "section/yaowen/index.html"
    assert paged("section/yaowen/index.html", 3) == "section/yaowen/page/3/index.html"
    pages = paginate("people/x/index.html", list(range(5)), 2)
    assert [url for url, _, _ in pages] == [
        "people/x/index.html", "people/x/page/2/index.html", "people/x/page/3/index.html"]
    assert [list(items) for _, items, _ in pages] == [[0, 1], [2, 3], [4]]
    first, middle, last = (pager for _, _, pager in pages)
    assert (first.previous, first.next) == (None, "people/x/page/2/index.html")
    assert (middle.previous, middle.next) == ("people/x/index.html", "people/x/page/3/index.html")
    assert (last.number, last.count, last.next) == (3, 3, None)
    assert [url for url, _, _ in paginate("a/index.html", [], 2)] == ["a/index.html"]


def test_relative_links_work_from_any_depth() -> None:
    assert relative("index.html", "2022/12/10/a.html") == "2022/12/10/a.html"
    assert relative("2022/12/10/a.html", "people/x/index.html") == "../../../people/x/index.html"
    assert relative("people/x/page/2/index.html", "static/style.css") == "../../../../static/style.css"
    assert relative("2022/12/10/a.html", "2022/12/10/b.html") == "b.html"


def test_slugs_in_pinyin() -> None:
    assert slugify("彩林掩映南山公园") == "cai-lin-yan-ying-nan-shan-gong-yuan"
    assert slugify("40名外卖“小哥”获赠暖心礼包").startswith("40-ming-wai-mai")
    assert slugify("LNG 项目") == "lng-xiang-mu"
    assert person_slug("何美林") == "hemeilin"


def test_person_slugs_never_collide() -> None:
    slugs = unique_slugs(["黄舒", "黄姝", "黄舒", "何美林"])
    assert len(set(slugs.values())) == 3
    assert slugs["黄舒"] != slugs["黄姝"]
    assert {slugs["黄舒"], slugs["黄姝"]} & {"huangshu"}
    # a name's slug does not depend on which other names exist, except for the bare one
    assert unique_slugs(["黄姝", "黄舒", "黄书"])["黄舒"] in (slugs["黄舒"], "huangshu")


@given(st.lists(st.text(min_size=1, max_size=4), max_size=20))
def test_unique_slugs_property(names: list[str]) -> None:
    slugs = unique_slugs(names)
    assert len(set(slugs.values())) == len(set(names))
    assert all(slug and slug == slug.lower() for slug in slugs.values())


def test_a_pager_links_the_ends_and_the_neighbours_not_every_page() -> None:
    """A section of 700 pages shows 1 … 348-352 … 700 on page 350, not 700 links."""
    def shown(count: int, number: int) -> list[int]:
        pager = paginate("a/index.html", list(range(count)), 1)[number - 1][2]
        window = pager.window()
        assert all(url == pager.urls[n - 1] for n, url in window if url is not None)
        return [n for n, _ in window]

    assert shown(1, 1) == [1]
    assert shown(700, 350) == [1, 0, 348, 349, 350, 351, 352, 0, 700]
    assert shown(700, 1) == [1, 2, 3, 0, 700]
    assert shown(700, 700) == [1, 0, 698, 699, 700]
    assert shown(8, 4) == [1, 2, 3, 4, 5, 6, 7, 8]  # a gap of one page shows that page
    assert shown(9, 5) == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert shown(10, 5) == [1, 2, 3, 4, 5, 6, 7, 0, 10]


def test_a_long_list_renders_a_short_pager(tmp_path: Path) -> None:
    files = {f"content/2022/12/{day:02d}/a{day}.md": article(f"第{day}篇") for day in range(1, 21)}
    site = write_site(tmp_path / "site", files, SITE_YAML.replace("per_page: 2", "per_page: 1"))
    pipeline.build(site, tmp_path / "out")
    page = (tmp_path / "out/section/yaowen/page/10/index.html").read_text()
    nav = page[page.index('<nav class="pager"'):]
    nav = nav[:nav.index("</nav>")]
    assert re.findall(r">(\d+)</(?:a|span)>", nav) == ["1", "8", "9", "10", "11", "12", "20"]
    assert '<span aria-current="page">10</span>' in nav and nav.count('<span class="gap">…</span>') == 2
    assert 'rel="prev" href="../9/index.html"' in nav and 'rel="next" href="../11/index.html"' in nav
    assert '<a href="../../index.html">1</a>' in nav and '<a href="../20/index.html">20</a>' in nav


def test_every_list_is_paginated(tmp_path: Path) -> None:
    files = {f"content/2022/12/{day:02d}/a{day}.md": article(f"第{day}篇", byline="本报记者 王海燕")
             for day in range(1, 6)}
    corpus = pipeline.load(write_site(tmp_path, files))
    urls = {page.url for page in plan(corpus)}
    assert {"section/yaowen/index.html", "section/yaowen/page/2/index.html",
            "section/yaowen/page/3/index.html"} <= urls
    assert "section/yaowen/page/4/index.html" not in urls
    assert "people/wanghaiyan/page/3/index.html" in urls
    assert "2022/12/05/index.html" in urls and "index.html" in urls
    assert len(urls) == len(plan(corpus)), "two pages share a URL"


_part = st.sampled_from(["a", "b", "2022", "12", "people", "x"])


@given(st.lists(_part, max_size=4), st.lists(_part, max_size=4), st.sampled_from(["index.html", "c.html"]))
def test_relative_agrees_with_posixpath(here: list[str], there: list[str], name: str) -> None:
    import posixpath

    from_url, to_url = "/".join([*here, "page.html"]), "/".join([*there, name])
    assert relative(from_url, to_url) == posixpath.relpath(to_url, posixpath.dirname(from_url) or ".")


def test_the_newest_articles_run_across_issues_in_printed_order(tmp_path: Path) -> None:
    """The site's feed takes the newest `per_page` articles: across issues, newest issue first,
    版次 and order within one; and each article's issue day, in the corpus's order."""
    files = {f"content/2023/01/0{day}/a{n}.md": article(f"第{day}期第{n}篇", page=3 - n, order=1)
             for day in (1, 2, 3) for n in (1, 2)}
    corpus = pipeline.load(write_site(tmp_path / "site", files))
    titles = [a.title for a in corpus.newest_first()]
    assert titles == ["第3期第2篇", "第3期第1篇", "第2期第2篇", "第2期第1篇", "第1期第2篇", "第1期第1篇"]
    for limit in range(8):
        assert corpus.newest_first(limit) == corpus.newest_first()[:limit]
    assert corpus.days == [a.date.toordinal() for a in corpus.articles]
