"""End to end: the bundled sample issue built into a complete archive site."""

from __future__ import annotations

import datetime as dt
import html.parser
import json
import posixpath
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

import feedparser
import pytest

from generator import feeds, pipeline
from generator.config import load_config
from tests.conftest import ROOT, article, write_site

DAY = "2022/12/10"
TITLES = [  # printed order: 版次 1, then 2, then 3
    "“标准化+”让机关事务创新发展", "彩林掩映南山公园", "“吹哨”平台助企纾困", "40名外卖“小哥”获赠暖心礼包",
    "大足两人跻身市名中医", "纪检监察护航乡村振兴", "加快推进大足页岩气开发和就地转化利用",
]
PHOTOS = ["彩林掩映南山公园", "纪检监察护航乡村振兴"]


class Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._script: dict[str, str | None] | None = None
        self.text: list[str] = []
        self.html_lang: str | None = None
        self.alternates: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.html_lang = values.get("lang")
        if tag == "link" and values.get("type") == "application/rss+xml":
            self.alternates.append(values.get("href") or "")
        for name in ("href", "src"):
            if values.get(name):
                self.links.append(values[name] or "")
        if tag == "script":
            self._script = values

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self.scripts.append((self._script, data))
            self._script = None
        self.text.append(data)


def parse(path: Path) -> Links:
    parser = Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def html_pages(public: Path) -> list[Path]:
    return sorted(public.rglob("*.html"))


def test_seven_article_pages(sample_public: Path) -> None:
    articles = [p for p in (sample_public / DAY).glob("*.html") if p.name != "index.html"]
    assert len(articles) == 7
    titles = {re.search(r"<h1>(.*?)</h1>", p.read_text()).group(1) for p in articles}  # type: ignore[union-attr]
    assert titles == set(TITLES)


def test_home_is_the_latest_issue_in_printed_order(sample_public: Path) -> None:
    for page in ("index.html", f"{DAY}/index.html"):
        text = (sample_public / page).read_text()
        positions = [text.index(title) for title in TITLES]
        assert positions == sorted(positions)
        assert "第01版" in text and "第03版" in text
    assert "高举中国特色社会主义伟大旗帜" not in (sample_public / "index.html").read_text()


def test_words_split_by_page_breaks_are_whole(sample_public: Path) -> None:
    text = "".join((sample_public / DAY).joinpath(p.name).read_text() for p in (sample_public / DAY).glob("*.html"))
    for word in ("阶段性成效", "管理服务保障", "内心特别温暖"):
        assert word in text


def test_article_page(sample_public: Path) -> None:
    page = sample_public / DAY / "chui-shao-ping-tai-zhu-qi-shu-kun.html"
    text = page.read_text()
    links = parse(page).links
    for slug in ("xiongminxiu", "luotingting", "zhaoyuanyuan"):
        assert f"../../../people/{slug}/index.html" in links
    assert "新渝报讯(记者 熊敏秀 见习记者 罗婷婷 赵元元)" in text
    assert "../../../section/jingji/index.html" in links
    assert "40-ming-wai-mai-xiao-ge-huo-zeng-nuan-xin-li-bao.html" in links  # next in the issue
    assert "ji-jian-jian-cha-hu-hang-xiang-cun-zhen-xing.html" not in links
    assert "cai-lin-yan-ying-nan-shan-gong-yuan.html" in links  # previous in the issue
    photo = (sample_public / DAY / "cai-lin-yan-ying-nan-shan-gong-yuan.html").read_text()
    assert "<figcaption>" in photo and "新渝报记者 黄舒 摄" in photo


def test_byline_pages(sample_public: Path) -> None:
    expected = {
        "hemeilin": "记者", "pengqian": "见习记者", "xiongminxiu": "记者", "luotingting": "见习记者",
        "zhaoyuanyuan": "见习记者", "dengxiaoqiang": "记者", "cuixiaoling": "记者", "huangshu": "摄影",
        "luoqingwei": "作者",
    }
    people = sample_public / "people"
    assert {p.name for p in people.iterdir() if p.is_dir()} == set(expected)
    for slug, role in expected.items():
        assert role in (people / slug / "index.html").read_text()
    huangshu = (people / "huangshu" / "index.html").read_text()
    assert all(title in huangshu for title in PHOTOS)
    assert "页岩气" not in huangshu


def test_every_page_has_lang_and_feed_and_no_broken_links(sample_public: Path) -> None:
    pages = html_pages(sample_public)
    assert len(pages) >= 30
    for page in pages:
        parsed = parse(page)
        assert parsed.html_lang == "zh-CN", page
        assert parsed.alternates, page
        for link in parsed.links + parsed.alternates:
            parts = urlsplit(link)
            assert not parts.scheme and not link.startswith("/"), f"{page}: non-relative link {link}"
            if not parts.path:
                continue
            target = Path(posixpath.normpath(posixpath.join(page.parent.as_posix(), unquote(parts.path))))
            assert target.is_file(), f"{page}: broken link {link}"
            assert sample_public in target.parents


def test_feeds_parse_with_the_right_entries(sample_public: Path) -> None:
    site = feedparser.parse((sample_public / "feed.xml").read_bytes())
    assert site.bozo == 0
    assert {entry.title for entry in site.entries} == set(TITLES)
    first = site.entries[0]
    assert first.link.startswith("https://example.org/2022/12/10/")
    assert first.published == "Sat, 10 Dec 2022 00:00:00 +0800"
    assert "阶段性成效" in "".join(e.description for e in site.entries)
    photographer = feedparser.parse((sample_public / "people/huangshu/feed.xml").read_bytes())
    assert photographer.bozo == 0
    assert sorted(e.title for e in photographer.entries) == sorted(PHOTOS)
    feeds = list(sample_public.rglob("feed.xml"))
    assert len(feeds) == 1 + 6 + 9  # the site, six sections, nine people
    for path in feeds:
        assert feedparser.parse(path.read_bytes()).bozo == 0, path
    opinion = feedparser.parse((sample_public / "section/jianyan/feed.xml").read_bytes())
    assert [e.title for e in opinion.entries] == [TITLES[-1]]


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC", "America/St_Johns", "Asia/Kolkata", "Pacific/Chatham"])
def test_feed_dates_are_written_as_the_email_library_writes_them(zone: str) -> None:
    from email.utils import format_datetime

    for day in (dt.date(1949, 10, 1), dt.date(2008, 2, 29), dt.date(2022, 12, 10), dt.date(2024, 7, 14)):
        moment = feeds.published(day, replace(load_config(ROOT), timezone=zone))
        assert feeds.format_datetime(moment) == format_datetime(moment)


def test_json_ld_on_every_article_page(sample_public: Path) -> None:
    for page in (sample_public / DAY).glob("*.html"):
        if page.name == "index.html":
            continue
        blocks = [data for attrs, data in parse(page).scripts if attrs.get("type") == "application/ld+json"]
        assert len(blocks) == 1, page
        data = json.loads(blocks[0])
        assert data["@type"] == "NewsArticle"
        assert data["headline"] in TITLES
        assert data["datePublished"] == "2022-12-10T00:00:00+08:00"
        assert data["url"] == f"https://example.org/{DAY}/{page.name}"
        assert data["articleSection"]
        for author in data["author"]:
            assert author["@type"] == "Person"
            slug = author["url"].removeprefix("https://example.org/")
            assert (sample_public / slug).is_file()
    data = json.loads(parse(sample_public / DAY / "biao-zhun-hua-rang-ji-guan-shi-wu-chuang-xin-fa-zhan.html")
                      .scripts[0][1])
    assert [a["name"] for a in data["author"]] == ["何美林", "彭茜"]
    assert data["articleSection"] == "要闻"


def test_sitemap_and_robots(sample_public: Path) -> None:
    sitemap = (sample_public / "sitemap.xml").read_text()
    locations = set(re.findall(r"<loc>https://example.org/(.*?)</loc>", sitemap))
    assert locations == {p.relative_to(sample_public).as_posix() for p in html_pages(sample_public)}
    assert "Sitemap: https://example.org/sitemap.xml" in (sample_public / "robots.txt").read_text()


def _sitemapped(out: Path) -> list[str]:
    """The pages sitemap.xml lists through the sitemaps it indexes, checking that it is an index
    and that each of them lists 1-5 pages."""
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    index = ET.parse(out / "sitemap.xml").getroot()
    assert index.tag == ns + "sitemapindex"
    parts = [(loc.text or "").removeprefix("https://example.org/") for loc in index.iter(ns + "loc")]
    assert parts == [f"sitemap-{n}.xml" for n in range(1, len(parts) + 1)]
    assert sorted(parts) == sorted(p.name for p in out.glob("sitemap-*.xml"))
    listed: list[str] = []
    for part in parts:
        urlset = ET.parse(out / part).getroot()
        assert urlset.tag == ns + "urlset"
        locations = [(loc.text or "").removeprefix("https://example.org/") for loc in urlset.iter(ns + "loc")]
        assert 0 < len(locations) <= 5
        listed += locations
    return listed


def test_a_site_past_the_sitemap_limit_gets_a_sitemap_index(sample_site: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A sitemap may list 50,000 URLs at most (sitemaps.org); 100,000 articles make some 120,000
    pages. Here the limit is 5: sitemap.xml indexes sitemap-N.xml files that list every page once.
    When articles go, the parts no longer needed go too, as a cold build would have it."""
    monkeypatch.setattr(feeds, "SITEMAP_LIMIT", 5)
    site, out = tmp_path / "site", tmp_path / "out"
    shutil.copytree(sample_site, site, ignore=shutil.ignore_patterns(".cache"))
    pipeline.build(site, out)
    listed = _sitemapped(out)
    assert sorted(listed) == sorted(p.relative_to(out).as_posix() for p in html_pages(out))
    before = len(list(out.glob("sitemap-*.xml")))
    for path in sorted((site / "content").rglob("*.md"))[:4]:
        path.unlink()
    pipeline.build(site, out)
    listed = _sitemapped(out)
    assert sorted(listed) == sorted(p.relative_to(out).as_posix() for p in html_pages(out))
    assert len(list(out.glob("sitemap-*.xml"))) < before
    shutil.rmtree(site / ".cache")
    pipeline.build(site, tmp_path / "cold")
    for name in ["sitemap.xml", *(p.name for p in out.glob("sitemap-*.xml"))]:
        assert (out / name).read_bytes() == (tmp_path / "cold" / name).read_bytes()


def test_month_calendar_marks_the_issue_day(sample_public: Path) -> None:
    month = (sample_public / "2022/12/index.html").read_text()
    assert '<a href="10/index.html">10</a>' in month
    assert (sample_public / "2022/index.html").is_file() and (sample_public / "archive/index.html").is_file()


def test_two_builds_are_byte_identical(sample_site: Path, sample_public: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    pipeline.build(sample_site, again)
    first = {p.relative_to(sample_public): p.read_bytes() for p in sample_public.rglob("*") if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert first == second


def test_content_can_never_inject_markup(tmp_path: Path) -> None:
    evil = "<script>alert(1)</script>"
    site = write_site(tmp_path / "site", {
        "content/2022/12/10/evil.md": article(
            f"'{evil}'", kicker=f"'{evil}'", byline=f"'本报记者 王五 {evil}'",
            body=f"正文 {evil} <img src=x onerror=alert(2)> [点我](javascript:alert(3))",
            tags=f"['{evil}']",
        ),
    })
    output = tmp_path / "out"
    pipeline.build(site, output)
    for path in output.rglob("*"):
        if path.suffix in (".html", ".xml"):
            text = path.read_text()
            assert "<script>alert" not in text, path
            assert "<img src=x" not in text and "javascript:" not in text, path
    page = output / "2022/12/10/evil.html"
    parsed = parse(page)
    assert evil in "".join(parsed.text)  # shown as text
    assert json.loads(parsed.scripts[0][1])["headline"] == evil
    assert feedparser.parse((output / "feed.xml").read_bytes()).entries[0].title == evil


VNU = ROOT / "node_modules/vnu-jar/build/dist/vnu.jar"


def test_every_page_is_valid_html(sample_public: Path) -> None:
    """The Nu Html Checker (installed by install.sh with npm) reports no errors and no warnings."""
    java = shutil.which("java")
    assert java and VNU.is_file(), "run install.sh: the Nu Html Checker (npm vnu-jar) and Java are needed"
    result = subprocess.run([java, "-jar", str(VNU), "--skip-non-html", "--format", "text", str(sample_public)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("per_page", [1, 3])
def test_pagination_of_the_sample(sample_site: Path, tmp_path: Path, per_page: int) -> None:
    site = tmp_path / "site"
    shutil.copytree(sample_site / "content", site / "content")
    yaml = (ROOT / "site.yaml").read_text().replace("per_page: 20", f"per_page: {per_page}")
    (site / "site.yaml").write_text(yaml)
    pipeline.build(site, tmp_path / "out")
    pages = -(-7 // per_page)
    assert (tmp_path / "out" / f"{DAY}/page/{pages}/index.html").is_file() == (pages > 1)
    assert not (tmp_path / "out" / f"{DAY}/page/{pages + 1}/index.html").exists()
    assert (tmp_path / "out/people/huangshu/page/2/index.html").is_file() == (per_page == 1)


def test_an_archive_with_no_article_yet_has_a_front_page_that_says_so(tmp_path: Path) -> None:
    """A paper starting its archive: the build succeeds, and every page it links to is there."""
    site = write_site(tmp_path / "site", {"content/.keep": ""})
    pipeline.build(site, site / "public")
    public = site / "public"
    front = (public / "index.html").read_text(encoding="utf-8")
    assert "还没有刊出的报纸" in front and "<title>测试报 · 测试用的小报</title>" in front
    sitemap = (public / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://news.example.org/archive/index.html</loc>" in sitemap
    feed = feedparser.parse((public / "feed.xml").read_bytes())
    assert feed.bozo == 0 and feed.entries == []
    for page in public.rglob("*.html"):
        for target in re.findall(r'href="([^"#?]+)"', page.read_text(encoding="utf-8")):
            if not target.startswith(("http:", "https:", "file:")):
                assert (page.parent / unquote(target)).exists(), (page, target)
