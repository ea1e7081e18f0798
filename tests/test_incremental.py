"""An incremental build gives exactly what a cold build gives, and rebuilds only what changed."""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from generator import pipeline, related, search_index, search_patch
from generator.cache import Manifest
from generator.errors import ContentError
from generator.search_files import SearchFiles
from tests.conftest import ROOT, article, write_site

Change = Callable[[Path], None]
T = TypeVar("T")


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def cold(site: Path, tmp: Path) -> dict[str, bytes]:
    fresh = tmp / "cold-site"
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.copytree(site, fresh, ignore=shutil.ignore_patterns(".cache", "public"))
    pipeline.build(fresh, fresh / "public")
    return tree(fresh / "public")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    shutil.copytree(ROOT / "content", site / "content")
    shutil.copy(ROOT / "site.yaml", site / "site.yaml")
    shutil.copytree(ROOT / "templates", site / "templates")
    pipeline.build(site, site / "public")
    return site


DAY = "content/2022/12/10"
FIRST = f"{DAY}/biao-zhun-hua-rang-ji-guan-shi-wu-chuang-xin-fa-zhan.md"


def edit_body(site: Path) -> None:
    path = site / FIRST
    path.write_text(path.read_text().replace("阶段性成效", "显著成效"))


SHALE = f"{DAY}/jia-kuai-tui-jin-da-zu-ye-yan-qi-kai-fa-he-jiu-di-zhuan-hua.md"


def edit_body_to_other_topic(site: Path) -> None:
    """A body rewritten about another article's subject: the 相关报道 of other articles move."""
    path = site / FIRST
    head = path.read_text().split("\n---\n", 1)[0]
    path.write_text(head + "\n---\n" + (site / SHALE).read_text().split("\n---\n", 1)[1])


def edit_byline(site: Path) -> None:
    path = site / FIRST
    path.write_text(path.read_text().replace("见习记者 彭茜", "见习记者 彭茜 通讯员 李四"))


def add_article(site: Path) -> None:
    (site / f"{DAY}/xin-gao.md").write_text(article("新稿件", section="要闻", page=1, order=3,
                                                     byline="新渝报记者 何美林"))


def add_issue(site: Path) -> None:
    (site / "content/2023/01/05").mkdir(parents=True)
    (site / "content/2023/01/05/xin-nian.md").write_text(article("新年第一期", section="经济",
                                                                   byline="新渝报记者 黄舒 摄", kind="photo"))


def delete_article(site: Path) -> None:
    (site / f"{DAY}/cai-lin-yan-ying-nan-shan-gong-yuan.md").unlink()


def delete_every_article(site: Path) -> None:
    """The archive emptied (a paper starting over): its pages, feeds and search index go."""
    for path in (site / "content").rglob("*.md"):
        path.unlink()


def rename_article(site: Path) -> None:
    (site / FIRST).rename(site / f"{DAY}/biao-zhun-hua.md")


def move_to_other_issue(site: Path) -> None:
    (site / "content/2022/12/09").mkdir(parents=True)
    text = (site / FIRST).read_text().replace("date: 2022-12-10\n", "")
    (site / FIRST).unlink()
    (site / "content/2022/12/09/moved.md").write_text(text)


def edit_template(site: Path) -> None:
    path = site / "templates/article.html"
    path.write_text(path.read_text().replace("返回", "回到"))


def edit_base_template(site: Path) -> None:
    path = site / "templates/base.html"
    path.write_text(path.read_text().replace("跳到正文", "跳至正文"))


def edit_config(site: Path) -> None:
    path = site / "site.yaml"
    path.write_text(path.read_text().replace("per_page: 20", "per_page: 2").replace("新渝报", "新渝报档案"))


def add_static(site: Path) -> None:
    (site / "static").mkdir(exist_ok=True)
    (site / "static/extra.css").write_text("p { margin: 0; }\n")


@pytest.mark.parametrize("change", [
    edit_body, edit_body_to_other_topic, edit_byline, add_article, add_issue, delete_article, delete_every_article,
    rename_article,
    move_to_other_issue, edit_template, edit_base_template, edit_config, add_static,
])
def test_incremental_equals_cold(site: Path, tmp_path: Path, change: Change) -> None:
    change(site)
    pipeline.build(site, site / "public")
    assert tree(site / "public") == cold(site, tmp_path)


def test_nothing_changed_writes_nothing(site: Path) -> None:
    report = pipeline.build(site, site / "public")
    assert report.written == 0 and report.reused > 40


def test_an_edit_rebuilds_what_depends_on_it_and_nothing_else(site: Path) -> None:
    before = tree(site / "public")
    edit_body(site)
    report = pipeline.build(site, site / "public")
    after = tree(site / "public")
    changed = {url for url in after if before.get(url) != after[url]}
    assert "2022/12/10/biao-zhun-hua-rang-ji-guan-shi-wu-chuang-xin-fa-zhan.html" in changed
    assert {"feed.xml", "people/hemeilin/feed.xml", "section/yaowen/feed.xml"} <= changed
    assert "people/huangshu/index.html" not in changed and "section/jianyan/index.html" not in changed
    pages = {url for url in changed if not url.startswith("search/data/")}
    shards = {url for url in after if url.startswith("search/data/")}
    assert len(pages) < 20
    assert 0 < len(changed - pages) < len(shards)  # the search shards holding the edited words
    # pages that show the article but not the edited words (its neighbours, lists of summaries) are
    # rendered again, since they are keyed by the article's digest, and come out unchanged
    assert len(changed) <= report.written <= len(changed) + 12


def test_only_the_changed_template_is_rendered_again(site: Path) -> None:
    edit_template(site)
    report = pipeline.build(site, site / "public")
    assert report.written == 7  # the seven article pages


def test_deleting_the_cache_gives_a_cold_build_with_the_same_output(site: Path) -> None:
    before = tree(site / "public")
    shutil.rmtree(site / ".cache")
    report = pipeline.build(site, site / "public")
    assert report.reused == 0
    assert tree(site / "public") == before


def test_a_failed_incremental_build_changes_nothing(site: Path) -> None:
    before = tree(site / "public")
    edit_body(site)
    (site / f"{DAY}/broken.md").write_text(article("坏的", section="没有这个栏目"))
    with pytest.raises(ContentError):
        pipeline.build(site, site / "public")
    assert tree(site / "public") == before
    (site / f"{DAY}/broken.md").unlink()
    pipeline.build(site, site / "public")
    assert tree(site / "public") == cold(site, site.parent)


def test_a_file_deleted_from_the_output_is_made_again(site: Path) -> None:
    before = tree(site / "public")
    (site / "public/people/huangshu/index.html").unlink()
    (site / "public/static/style.css").unlink()
    report = pipeline.build(site, site / "public")
    assert report.written == 2
    assert tree(site / "public") == before


def add_photo(site: Path) -> None:
    (site / f"{DAY}/images").mkdir(exist_ok=True)
    (site / f"{DAY}/images/new.jpg").write_bytes(b"\xff\xd8 a new photo")


def test_photos_beside_articles_are_copied_added_replaced_and_removed(site: Path, tmp_path: Path) -> None:
    photo = site / f"{DAY}/images/new.jpg"
    for change in (add_photo, lambda s: photo.write_bytes(b"\xff\xd8 another, longer photo"), lambda s: photo.unlink()):
        change(site)
        pipeline.build(site, site / "public")
        assert tree(site / "public") == cold(site, tmp_path)
    assert not (site / "public/2022/12/10/images/new.jpg").exists()


def test_a_no_change_build_leaves_the_record_of_the_output_alone(site: Path) -> None:
    manifests = list((site / ".cache").glob("manifest-*"))
    assert len(manifests) == 1
    stamp = manifests[0].stat().st_mtime_ns
    report = pipeline.build(site, site / "public")
    assert report.written == 0
    assert manifests[0].stat().st_mtime_ns == stamp


def test_a_folder_deleted_from_the_output_is_made_again(site: Path) -> None:
    before = tree(site / "public")
    shutil.rmtree(site / "public/people")
    shutil.rmtree(site / "public/2022/12/10")
    pipeline.build(site, site / "public")
    assert tree(site / "public") == before


def test_a_file_deleted_after_an_incremental_build_is_made_again(site: Path) -> None:
    edit_body(site)
    pipeline.build(site, site / "public")
    before = tree(site / "public")
    # the folder the edit just wrote into: its time was recorded after the build, so this still shows
    (site / "public/2022/12/10/biao-zhun-hua-rang-ji-guan-shi-wu-chuang-xin-fa-zhan.html").unlink()
    (site / "public/feed.xml").unlink()
    report = pipeline.build(site, site / "public")
    assert report.written == 2
    assert tree(site / "public") == before


def related_by_url(site: Path) -> dict[str, list[str]]:
    corpus = pipeline.load(site)
    return {url: [a.slug for a in others] for url, others in related.related(corpus).items()}


def test_the_topic_edit_moves_other_articles_related(site: Path) -> None:
    # what test_incremental_equals_cold[edit_body_to_other_topic] relies on to mean anything
    before = related_by_url(site)
    edit_body_to_other_topic(site)
    after = related_by_url(site)
    first = "2022/12/10/biao-zhun-hua-rang-ji-guan-shi-wu-chuang-xin-fa-zhan.html"
    assert [url for url in before if url != first and before[url] != after[url]]


def test_a_body_edit_keys_only_the_pages_that_hold_the_article(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keyed: list[object] = []

    def counted(value: object, memo: dict[int, object] | None = None) -> object:
        keyed.append(value)
        return signature(value, memo)

    signature = pipeline.signature
    monkeypatch.setattr(pipeline, "signature", counted)
    pages = pipeline.build(site, site / "public").pages  # nothing changed: nothing keyed
    assert keyed == []
    edit_body(site)
    report = pipeline.build(site, site / "public")
    contexts = [value for value in keyed if isinstance(value, dict)]  # pages' contexts (feeds are dataclasses)
    assert 0 < len(contexts) < pages // 2
    assert not any(context.get("section", None) and context["section"].slug == "jianyan" for context in contexts)
    assert report.written > 0


def body_of(path: Path) -> str:
    return path.read_text().split("\n---\n", 1)[1]


def test_an_edit_after_a_build_that_failed_late_equals_cold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A build that fails after storing the new 相关报道 must not hide their changes from the next.

    x leaves p's 相关报道 in the failed build; p's page holds no edited article in the next one, so
    only the record of which 相关报道 its output was made from can tell that p's page must change.
    """
    park = f"{DAY}/cai-lin-yan-ying-nan-shan-gong-yuan.md"
    shale, office, park = (body_of(ROOT / path) for path in (SHALE, FIRST, park))
    site = write_site(tmp_path / "site", {
        "content/2022/01/10/x.md": article("页岩气开发", body=shale),
        "content/2022/03/10/p.md": article("页岩气利用", body=shale),
        "content/2022/05/10/z.md": article("南山公园", body=park),
    })
    pipeline.build(site, site / "public")
    before, related_before = tree(site / "public"), related_by_url(site)
    (site / "content/2022/01/10/x.md").write_text(article("页岩气开发", body=office))
    assert "x" in related_before["2022/03/10/p.html"] and "x" not in related_by_url(site)["2022/03/10/p.html"]

    def broken(*args: object) -> None:
        raise ContentError([])

    monkeypatch.setattr(pipeline, "_render_all", broken)
    with pytest.raises(ContentError):
        pipeline.build(site, site / "public")
    assert tree(site / "public") == before
    monkeypatch.undo()
    (site / "content/2022/05/10/z.md").write_text(article("南山公园", body=park + "\n(编者注:本文有一处文字更正。)\n"))
    pipeline.build(site, site / "public")
    assert tree(site / "public") == cold(site, tmp_path)


def test_a_same_size_rewrite_with_its_time_put_back_is_read_again(site: Path, tmp_path: Path) -> None:
    """The article cache trusts a file's stamp: size, modification time, inode and status-change time.
    A rewrite of the same size whose modification time is put back (touch -r, cp -p, rsync -t) still
    moves the status-change time, which no program can set back."""
    path = site / FIRST
    before = path.stat()
    text = path.read_text()
    assert "阶段性成效" in text
    path.write_text(text.replace("阶段性成效", "阶段性效果"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    pipeline.build(site, site / "public")
    page = (site / "public/2022/12/10/biao-zhun-hua-rang-ji-guan-shi-wu-chuang-xin-fa-zhan.html").read_text()
    assert "阶段性效果" in page and "阶段性成效" not in page
    assert tree(site / "public") == cold(site, tmp_path)


@pytest.mark.parametrize("damage", [b"", b"not a pickle at all", b"\x80\x05garbage"])
def test_a_damaged_build_cache_gives_what_a_cold_build_gives(site: Path, tmp_path: Path, damage: bytes) -> None:
    """Every record of the build cache that this stage keeps (the output's manifest, the parsed articles,
    the compiled templates and what each uses), emptied or overwritten, is read as missing."""
    cache = site / ".cache"
    damaged = [*cache.glob("manifest-*.pickle"), *cache.glob("search-files-*.pickle"),
               *(cache / "articles").glob("*.pickle"),
               *(path for path in (cache / "templates").rglob("*") if path.is_file())]
    assert any(path.name == "uses.pickle" for path in damaged) and len(damaged) > 3
    for path in damaged:
        path.write_bytes(damage)
    edit_body(site)
    pipeline.build(site, site / "public")
    assert tree(site / "public") == cold(site, tmp_path)
    edit_template(site)
    pipeline.build(site, site / "public")
    assert tree(site / "public") == cold(site, tmp_path)


def cached(site: Path, kind: str, expected: type[T]) -> T:
    """The one record of `kind` in the site's build cache."""
    [path] = (site / ".cache").glob(f"{kind}-*.pickle")
    found = pickle.loads(path.read_bytes())
    assert isinstance(found, expected)
    return found


def recorded(site: Path) -> Manifest:
    return cached(site, "manifest", Manifest)


def search_record(site: Path) -> SearchFiles:
    return cached(site, "search-files", SearchFiles)


@pytest.mark.parametrize("change", [edit_body, add_article, delete_article, edit_template])
def test_the_search_files_are_recorded_apart_as_a_look_through_them_would(site: Path, change: Change) -> None:
    """The search stage's files are recorded beside the build record, not in it: the record holds
    exactly the output's files under search/data/ with their hashes, and the build record and the
    patch's state name it by its digest."""
    for step in (change, lambda site: None):
        step(site)
        pipeline.build(site, site / "public")
        record, manifest = search_record(site), recorded(site)
        data = site / "public/search/data"
        looked = {p.relative_to(site / "public").as_posix(): hashlib.sha1(p.read_bytes()).hexdigest()
                  for p in data.rglob("*") if p.is_file()}
        assert len(looked) > 20 and dict(record.items()) == looked and len(record) == len(looked)
        assert not any(url.startswith("search/data/") for url in manifest.files)
        assert manifest.searched_digest == record.digest == SearchFiles.of(looked.items()).digest
        state = search_patch.load(site / ".cache")
        assert state is not None and state.files == record.digest


def test_a_wrong_search_digest_in_the_record_makes_the_index_whole(site: Path, tmp_path: Path) -> None:
    """The digest the build record keeps of the search files' record vouches for it: one that does not
    match is not trusted, and the build gives what a cold build gives."""
    [path] = (site / ".cache").glob("manifest-*.pickle")
    manifest = recorded(site)
    manifest.searched_digest = "0" * 40
    path.write_bytes(pickle.dumps(manifest))
    edit_body(site)
    pipeline.build(site, site / "public")
    assert tree(site / "public") == cold(site, tmp_path)
    assert recorded(site).searched_digest == search_record(site).digest


def other_build_record(path: Path) -> None:
    """A well-formed record of other files: one of them has another hash."""
    with open(path, "rb") as handle:
        record = pickle.load(handle)
    files = dict(record.items())
    files[next(iter(files))] = "0" * 40
    path.write_bytes(pickle.dumps(SearchFiles.of(files.items())))


@pytest.mark.parametrize("change", [edit_body, delete_article])
@pytest.mark.parametrize("damage", ["gone", "garbage", "another build's"])
def test_a_lost_search_record_makes_the_index_whole(site: Path, tmp_path: Path, change: Change, damage: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the record of the search files that the build record names, the index is made whole: the
    files the output has under search/data/ are kept or removed as a cold build would have them."""
    [path] = (site / ".cache").glob("search-files-*.pickle")
    if damage == "gone":
        path.unlink()
    elif damage == "garbage":
        path.write_bytes(b"\x80\x05garbage")
    else:
        other_build_record(path)
    whole = []
    write = search_index.write
    monkeypatch.setattr(search_index, "write", lambda *args: whole.append(1) or write(*args))
    change(site)
    pipeline.build(site, site / "public")
    assert whole == [1]
    assert tree(site / "public") == cold(site, tmp_path)
    assert recorded(site).searched_digest == search_record(site).digest
