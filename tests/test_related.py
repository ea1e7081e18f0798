"""相关报道: related articles from jieba's TF-IDF keywords, computed at build time."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import jieba.analyse
import pytest

from generator import pipeline, related, segment
from generator.routes import Urls

ROOT = Path(__file__).resolve().parent.parent

# A small archive written for this test: three stories on shale gas, two on the park, one on couriers.
STORIES = {
    ("2022/11/02", "ye-yan-qi-kan-tan"): ("要闻", "大足页岩气勘探取得新进展",
        "记者从区经济信息委获悉,重庆页岩气勘探开发公司在万古镇完成两口页岩气探井,日产气量稳定。"
        "页岩气勘探开发是大足能源结构调整的重点,区里将配套建设输气管网。"),
    ("2022/11/20", "ye-yan-qi-guan-wang"): ("经济", "页岩气输气管网开工建设",
        "大足页岩气输气管网项目在石马镇开工,管网建成后,万古、石马的页岩气将就地转化利用。"
        "项目由重庆页岩气勘探开发公司与区属企业共同投资。"),
    ("2022/12/05", "ye-yan-qi-zhuan-hua"): ("经济", "页岩气就地转化项目签约",
        "一批以页岩气为原料的就地转化项目集中签约,涉及LNG生产和化工新材料,页岩气勘探开发带动下游产业。"),
    ("2022/11/15", "nan-shan-gong-yuan-hong-ye"): ("图片新闻", "南山公园红叶正浓",
        "南山公园的红叶进入最佳观赏期,市民登山赏红叶、拍照打卡,南山公园步道上游人如织。"),
    ("2022/12/01", "nan-shan-gong-yuan-bu-dao"): ("民生", "南山公园步道完成提档升级",
        "南山公园登山步道完成提档升级,新增观景平台和休息座椅,市民登山赏景更加方便。"),
    ("2022/12/08", "wai-mai-qi-shou"): ("民生", "快递员和外卖骑手有了暖心驿站",
        "城区新建十个暖心驿站,为快递员、外卖骑手提供热水、充电和休息的地方。"),
}
SHALE = {"ye-yan-qi-kan-tan", "ye-yan-qi-guan-wang", "ye-yan-qi-zhuan-hua"}
PARK = {"nan-shan-gong-yuan-hong-ye", "nan-shan-gong-yuan-bu-dao"}


def write_site(target: Path) -> Path:
    shutil.copy(ROOT / "site.yaml", target / "site.yaml")
    shutil.copy(ROOT / "dictionary.txt", target / "dictionary.txt")
    for (day, slug), (section, title, body) in STORIES.items():
        folder = target / "content" / day
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{slug}.md").write_text(
            f"---\ntitle: {title}\nsection: {section}\nbyline: 新渝报记者 何美林\n---\n\n{body}\n", encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_site(tmp_path_factory.mktemp("related"))


def related_slugs(site: Path) -> dict[str, list[str]]:
    corpus = pipeline.load(site)
    segment.configure(site, [c.name for c in corpus.contributors])
    try:
        found = related.related(corpus)
    finally:
        segment.reset()
    return {article.slug: [other.slug for other in found[Urls.article(article)]] for article in corpus.articles}


def test_stories_on_the_same_subject_are_related(site: Path) -> None:
    found = related_slugs(site)
    for slug in SHALE:
        assert set(found[slug]) == SHALE - {slug}
    for slug in PARK:
        assert found[slug] == sorted(PARK - {slug})
    assert found["wai-mai-qi-shou"] == []  # the same reporter on every story relates nothing


def test_related_articles_are_deterministic_and_bounded(site: Path) -> None:
    first = related_slugs(site)
    assert related_slugs(site) == first
    corpus = pipeline.load(site)
    assert all(len(items) <= related.RELATED for items in related.related(corpus, 1).values())
    assert all(slug not in items for slug, items in first.items())


def test_the_sample_issue_links_no_unrelated_story() -> None:
    # seven stories on seven subjects: sharing 大足区 or 重庆市 does not make them related
    assert all(items == [] for items in related_slugs(ROOT).values())


def test_keywords_are_jiebas_tfidf_keywords() -> None:
    corpus = pipeline.load(ROOT)
    segmenter = segment.Segmenter(segment.user_dictionary(ROOT, [c.name for c in corpus.contributors]))
    extractor = jieba.analyse.TFIDF()
    extractor.tokenizer = segmenter.engine  # jieba's extractor, cutting as the site does
    for article in corpus.articles:
        ours = related.keywords(article.text, top=10, cut=segmenter.words)
        theirs = [(word, weight) for word, weight in extractor.extract_tags(article.text, topK=40, withWeight=True)
                  if not re.fullmatch(r"[\d.%]+", word)][:10]
        assert [word for word, _ in ours] == [word for word, _ in theirs]
        assert [round(weight, 9) for _, weight in ours] == [round(weight, 9) for _, weight in theirs]
    shale = related.keywords(corpus.articles[-1].text, cut=segmenter.words)
    assert shale[0][0] == "页岩气"


def assert_cached_equals_fresh(site: Path, cache: Path) -> related.Related:
    """The cached (and, above PARALLEL_FROM, worker-cut) related lists equal one process's fresh ones."""
    corpus = pipeline.load(site)
    segment.configure(site, [c.name for c in corpus.contributors])
    try:
        found = related.related_cached(corpus, cache)
        assert found == related.related(corpus)
        return found
    finally:
        segment.reset()


def test_article_pages_list_related_stories(site: Path, tmp_path: Path) -> None:
    pipeline.build(site, tmp_path / "public")
    page = (tmp_path / "public" / "2022" / "11" / "15" / "nan-shan-gong-yuan-hong-ye.html").read_text(encoding="utf-8")
    block = page[page.index('<aside class="related"'):page.index("</aside>")]
    assert "相关报道" in block
    assert re.findall(r'href="([^"]+)"', block) == ["../../12/01/nan-shan-gong-yuan-bu-dao.html"]
    assert "南山公园步道完成提档升级" in block
    lonely = (tmp_path / "public" / "2022" / "12" / "08" / "wai-mai-qi-shou.html").read_text(encoding="utf-8")
    assert "相关报道" not in lonely
    segment.reset()


def test_incremental_related_equals_a_fresh_computation(tmp_path: Path) -> None:
    """Above COMMON articles only the articles sharing a changed keyword are paired again."""
    from benchmarks.make_corpus import write_corpus

    site = tmp_path / "site"
    write_corpus(related.COMMON + 60, site, seed=3)
    shutil.copy(ROOT / "dictionary.txt", site / "dictionary.txt")
    files = sorted((site / "content").rglob("*.md"))

    def check() -> None:
        assert_cached_equals_fresh(site, site / ".cache")

    check()
    text = files[10].read_text(encoding="utf-8")
    files[10].write_text(text + "\n页岩气开发带动南山公园周边产业。\n", encoding="utf-8")
    files[-1].unlink()
    files[20].write_text(files[30].read_text(encoding="utf-8"), encoding="utf-8")
    check()
    files[40].rename(files[40].with_name("renamed.md"))
    check()
    # a new person in a byline is a new dictionary word: only the articles holding it are cut again
    text = files[50].read_text(encoding="utf-8")
    files[50].write_text(re.sub(r"^byline: .*$", "byline: 新渝报记者 欧阳梓萱", text, count=1, flags=re.M)
                         + "\n欧阳梓萱参与了页岩气开发的报道。\n", encoding="utf-8")
    corpus = pipeline.load(site)
    segment.configure(site, [c.name for c in corpus.contributors])
    cut: list[str] = []
    original = related.article_keywords
    related.article_keywords = lambda article: cut.append(article.title) or original(article)  # type: ignore[assignment]
    try:
        found = related.related_cached(corpus, site / ".cache")
    finally:
        related.article_keywords = original  # type: ignore[assignment]
    try:
        assert found == related.related(corpus)
    finally:
        segment.reset()
    assert len(cut) == 1


def test_keywords_cut_by_workers_give_the_same_related_articles(site: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A cold build cuts on every core; the workers must find exactly what one process finds."""
    monkeypatch.setattr(related, "PARALLEL_FROM", 1)
    assert any(assert_cached_equals_fresh(site, tmp_path / "cache").values())


def test_workers_share_the_engine_made_before_they_fork(site: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Made in every (recycled) worker, jieba's engine cost a third of a second and tens of MB each."""
    import os

    monkeypatch.setattr(related, "PARALLEL_FROM", 1)
    monkeypatch.setattr(related, "CHUNK", 1)
    monkeypatch.setattr(related, "RECYCLE", 1)  # a fresh worker for every article
    made = tmp_path / "made"
    original = segment.make_engine

    def counted(*args: object, **kwargs: object) -> object:
        with open(made, "a") as log:
            log.write(f"{os.getpid()}\n")
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(segment, "make_engine", counted)
    assert_cached_equals_fresh(site, tmp_path / "cache")
    assert made.read_text().split() == [str(os.getpid())]


def test_article_urls_made_once_per_issue_are_the_routes_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    from generator import routes

    corpus = pipeline.load(ROOT)  # the sample issue: many articles of one date
    assert len({a.date for a in corpus.articles}) < len(corpus.articles)
    assert related._urls(corpus.articles) == [Urls.article(a) for a in corpus.articles]
    # a pattern that does not put the slug in as it is: every URL formatted, still the routes' own
    monkeypatch.setitem(routes.URLS, "article", "{y:04d}/{m:02d}/{d:02d}/{slug:_>30}.html")
    urls = related._urls(corpus.articles)
    assert urls == [Urls.article(a) for a in corpus.articles]
    assert urls[0].endswith(corpus.articles[0].slug.rjust(30, "_") + ".html")


def test_the_idf_table_holds_one_string_per_weight() -> None:
    """A forked worker's lookup takes a reference to the weight, copying the page that holds it:
    with one string per word, a worker copied most of the table."""
    from generator import idf

    idf.table.cache_clear()
    weights = list(dict.values(idf.table().freq))
    assert len(weights) > 100_000
    assert len({id(weight) for weight in weights}) == len(set(weights)) < len(weights) / 10
    assert idf.table().freq.get("页岩气", -1.0) == float(dict.get(idf.table().freq, "页岩气", -1.0))
