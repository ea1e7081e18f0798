"""The offline search page in Debian's Chromium, opened from file:// and from a local http server."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from search_sites import ROOT, Story, write_site

from generator.pipeline import build

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
SHALE = "加快推进大足页岩气开发和就地转化利用"
CANTEEN = "“标准化+”让机关事务创新发展"
RIDERS = "40名外卖“小哥”获赠暖心礼包"
DOCTORS = "大足两人跻身市名中医"
HOSTILE = '<script>window.pwned=1</script>石刻<img src=x onerror="window.pwned=2">'


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "public"
    build(ROOT, out)
    return out


@pytest.fixture(scope="module")
def dated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twelve stories about 石刻 over three months, one with a hostile title."""
    stories = [Story("2022-03-01", "hostile", HOSTILE, "石刻修复的新进展。")]
    for n in range(11):
        month, day = 1 + n % 2, 3 + n
        body = "宝顶石刻" * (n + 1) + "游客很多。"
        stories.append(Story(f"2022-{month:02d}-{day:02d}", f"story-{n}", f"第{n}篇报道", body,
                             "经济" if n % 2 else "民生", f"新渝报记者 {'黄舒' if n < 4 else '何美林'}"))
    site = write_site(tmp_path_factory.mktemp("dated") / "site", stories)
    out = tmp_path_factory.mktemp("dated-out") / "public"
    build(site, out)
    return out


@pytest.fixture(scope="module")
def server(sample: Path, dated: Path) -> Iterator[str]:
    root = sample.parent.parent
    handler = functools.partial(QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert not errors


def site_url(kind: str, public: Path, server: str) -> str:
    if kind == "file":
        return public.as_uri() + "/"
    return server + public.relative_to(public.parent.parent).as_posix() + "/"


def run(page: Page, base: str, **params: str) -> tuple[int, list[str]]:
    page.goto(base + "search/index.html?" + urlencode(params))
    return finished(page)


def finished(page: Page) -> tuple[int, list[str]]:
    page.wait_for_selector("#search-results[data-state=done]", timeout=10_000)
    total = int(page.get_attribute("#search-results", "data-total") or "-1")
    titles = page.locator("#search-results .result").evaluate_all(
        "items => items.map(item => item.querySelector('a').textContent)")
    return total, titles


KINDS = ["file", "http"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("q", "titles"), [
    ("页岩气", [SHALE]),
    ("页岩", [SHALE]),
    ("龙贵", [CANTEEN]),
    ("外卖骑手", [RIDERS]),
    ("頁岩氣", [SHALE]),
    ("LNG", [SHALE]),
    ("3000", [CANTEEN]),
    ("大足 中医", [DOCTORS]),
])
def test_query_finds_the_article(page: Page, sample: Path, server: str, kind: str, q: str,
                                 titles: list[str]) -> None:
    assert run(page, site_url(kind, sample, server), q=q) == (len(titles), titles)
    assert page.input_value("#q") == q


@pytest.mark.parametrize("kind", KINDS)
def test_absent_word_is_an_honest_no_result(page: Page, sample: Path, server: str, kind: str) -> None:
    assert run(page, site_url(kind, sample, server), q="地铁") == (0, [])
    assert "没有找到" in page.inner_text("#search-results")
    assert run(page, site_url(kind, sample, server), q="中医 地铁") == (0, [])


@pytest.mark.parametrize("kind", KINDS)
def test_result_links_to_the_article_and_highlights_the_match(page: Page, sample: Path, server: str,
                                                              kind: str) -> None:
    run(page, site_url(kind, sample, server), q="骑手")
    result = page.locator("#search-results .result").first
    assert result.locator("mark").first.text_content() == "骑手"
    assert "2022年12月10日" in result.inner_text() and "民生" in result.inner_text()
    result.locator("a").first.click()
    page.wait_for_load_state()
    assert page.locator("h1").first.text_content() == RIDERS


@pytest.mark.parametrize("kind", KINDS)
def test_section_filter(page: Page, sample: Path, server: str, kind: str) -> None:
    base = site_url(kind, sample, server)
    everything = run(page, base, q="大足")
    news = run(page, base, q="大足", section="yaowen")
    assert news == (1, [CANTEEN])
    assert everything[0] > news[0] and CANTEEN in everything[1]
    assert page.input_value("#section") == "yaowen"


@pytest.mark.parametrize("kind", KINDS)
def test_person_and_month_filters(page: Page, dated: Path, server: str, kind: str) -> None:
    base = site_url(kind, dated, server)
    total, _ = run(page, base, q="石刻", person="黄舒")
    assert total == 4
    total, titles = run(page, base, q="石刻", month="2022-03")
    assert (total, titles) == (1, [HOSTILE])
    total, _ = run(page, base, q="石刻", month="2022")
    assert total == 12


@pytest.mark.parametrize("kind", KINDS)
def test_sort_by_date_and_pagination(page: Page, dated: Path, server: str, kind: str) -> None:
    base = site_url(kind, dated, server)
    total, by_rank = run(page, base, q="宝顶石刻")
    assert total == 11 and len(by_rank) == 10  # data-total counts every hit, a page shows ten
    assert by_rank[0] == "第10篇报道"  # the most mentions
    page.get_by_role("link", name="按日期排序").click()
    total, by_date = finished(page)
    assert "sort=date" in page.url and total == 11
    # story n is dated 2022-(1 + n % 2)-(3 + n): the February ones, then January, newest first
    assert by_date[:5] == ["第9篇报道", "第7篇报道", "第5篇报道", "第3篇报道", "第1篇报道"]
    page.get_by_role("link", name="下一页 →").click()
    total, second = finished(page)
    assert total == 11 and len(second) == 1 and "page=2" in page.url
    assert set(second).isdisjoint(by_date)


@pytest.mark.parametrize("kind", KINDS)
def test_title_from_the_index_is_shown_as_text(page: Page, dated: Path, server: str, kind: str) -> None:
    total, titles = run(page, site_url(kind, dated, server), q="石刻修复")
    assert (total, titles) == (1, [HOSTILE])
    assert page.evaluate("window.pwned") is None
    assert page.locator("#search-results script, #search-results img").count() == 0


@pytest.mark.parametrize("kind", KINDS)
def test_keyboard_search(page: Page, sample: Path, server: str, kind: str) -> None:
    page.goto(site_url(kind, sample, server) + "search/index.html")
    assert page.get_attribute("#search-results", "data-state") == "idle"
    page.keyboard.press("/")
    page.keyboard.type("页岩")
    page.keyboard.press("Enter")
    assert finished(page) == (1, [SHALE])
    assert "q=%E9%A1%B5%E5%B2%A9" in page.url  # the query lives in the URL
    page.focus("#q")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.textContent") == SHALE
