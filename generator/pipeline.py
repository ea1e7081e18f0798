"""The build, stage by stage: files -> typed corpus -> pages -> output written atomically.

Every output file has a key (cache.key) made from what it depends on; a file whose key is unchanged
since the last build into the same folder is neither rendered nor written, so an incremental build
gives exactly what a cold build gives, only faster. When nothing the pages and feeds are made from
has changed (the code, configuration, templates, articles and bylines), they are not even planned or
keyed: the record of the last build vouches for them. Pages are rendered by forked workers on every
core when there are enough of them.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

from generator import depends, feeds, prefetch, related, search_analysis, search_index, search_patch, segment
from generator.cache import Cache, Manifest, key, signature, site_cache, text_key
from generator.config import load_config
from generator.corpus import Corpus
from generator.errors import ContentError
from generator.output import Folders, Staging, Writer, staged
from generator.reader import ContentFiles, read_content, scan
from generator.render import PROJECT, compiled_folder, environment, render_page, template_keys
from generator.routes import Group, Page, groups
from generator.search_files import SearchFiles
from generator.slugs import person_slug, unique_slugs

PARALLEL_FROM = 400  # below this many pages, starting workers costs more than it saves
# chunks of pages a render worker takes before a fresh one is forked: a worker copies each page of
# the parent's memory whose objects it touches (reference counts), so one that lives through the
# whole build ends up holding its own copy of most of the corpus (at 100,000 articles the render
# stage's peak grew by some 700 MB over two workers)
RECYCLE = 20

Progress = Callable[[str, int, int], None]

# what a build asked to `leave` holds on to: a process that ends with the build (cli.py) ends without
# freeing it, where dropping a large archive's corpus and build records object by object took over
# half a second of a one-article edit at 100,000 articles
LEFT: list[object] = []


@dataclass
class Report:
    pages: int = 0
    written: int = 0
    reused: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def timed(self, stage: str, started: float) -> float:
        now = time.perf_counter()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - started
        return now


def load(site: Path, cache: Cache | None = None, scanned: Callable[[], ContentFiles | None] = lambda: None
         ) -> Corpus:
    """Read and validate everything; raises ContentError with every problem found. `scanned`: content/
    scanned meanwhile (by the build's helper, prefetch.py), None if it was not."""
    config = load_config(site)
    cached = cache.articles() if cache else {}
    files = scanned() or scan(site / "content")
    articles, problems, entries = read_content(site, config, cached, files)
    problems += segment.read_dictionary(site)[1]
    if problems:
        raise ContentError(problems)
    if cache:
        cache.save_articles(entries, cached)

    def slugs(names: list[str]) -> dict[str, str]:
        known = cache.names() if cache else {}
        if cache and not known.keys() >= set(names):
            known = {**known, **{name: person_slug(name) for name in names if name not in known}}
            cache.save_names(known)
        return unique_slugs(names, known)
    return Corpus.build(config, articles, slugs, tuple(files.others))


def build(site: Path, output: Path, progress: Progress | None = None, leave: bool = False) -> Report:
    """Build the site into `output`; `leave`: keep what it made in LEFT (for a process that ends)."""
    with prefetch.helping(*prefetch.build_jobs(site, output)) as helper:
        return helped(site, output, helper, progress, leave)


def helped(site: Path, output: Path, helper: prefetch.Helper | None, progress: Progress | None = None,
           leave: bool = False) -> Report:
    """build(), given its helper (prefetch.build_jobs), or None to do without one."""
    report = Report()
    started = time.perf_counter()
    cache = site_cache(site)
    with search_analysis.no_gc():  # many lasting objects, no cycles: collections took most of reading
        corpus = load(site, cache, lambda: helper.result(0) if helper else None)
        # the corpus lives as long as the build: leave it out of every later collection (and out of the
        # forked workers' copied pages, which a collection's visit would otherwise dirty). Frozen before
        # the collector is enabled again: the first allocation after it would otherwise start a full
        # collection over every object the reading made (a second at 100,000 articles)
        gc.freeze()
    _give_back()
    try:
        segment.configure(site, [person.name for person in corpus.contributors])
        if helper:
            helper.prepare(segment.current().dictionary)  # its engine made while this one goes on
        times = helper.result(1) if helper else None
        if helper:
            helper.result(2)  # 相关报道 then finds idf.sqlite made (a cold build made it meanwhile)
        return _build(site, output, cache, corpus, report, started, progress, leave, times, helper)
    finally:
        gc.unfreeze()


def _build(site: Path, output: Path, cache: Cache, corpus: Corpus, report: Report, started: float,
           progress: Progress | None, leave: bool, times: Folders | None, helper: prefetch.Helper | None) -> Report:
    """`times`: the output's folder times, if the build's helper found them (prefetch.build_jobs)."""
    site_key = cache.salt
    started = report.timed("read", started)
    compiled = compiled_folder(cache.folder, site_key)
    templates = template_keys(environment(site, compiled), compiled)
    manifest = cache.manifest(output)
    people = [(c.name, c.slug) for c in corpus.contributors]
    # everything the pages, feeds and sitemap are made from (相关报道 follow from the articles' text)
    pages_from = key(site_key, sorted(templates.items()), segment.current().engine_name,
                     text_key(chain(corpus.sources, corpus.digests)), people)
    # (the stack waits for the helper's work in the staging folder before the folder goes)
    with staged(output, manifest.files, manifest.folders, times) as staging, contextlib.ExitStack() as stack:
        for directory in dict.fromkeys([(PROJECT / "static").resolve(), (site / "static").resolve()]):
            staging.copy_tree(directory, prefix="static")
        staging.copy_files(site / "content", corpus.files)
        started = report.timed("copy", started)
        previous = staging.previous
        # the pages' context apart from the articles' bodies: when it is the last build's, an edit
        # keys only the pages it reaches (depends.py)
        frame = key(site_key, sorted(templates.items()), segment.current().engine_name, people)
        searching = settled = False
        if manifest.pages_from == pages_from and all(url in previous for url in manifest.pages):
            # nothing they are made from changed and the output still holds them all
            staging.keys.update({url: previous[url] for url in manifest.pages})  # staging.fresh() for each
            made, articles, related_name, reach = manifest.pages, manifest.articles, manifest.related, manifest.reach
            report.pages = sum(url.endswith(".html") for url in made)
            report.timed("render", started)
        else:
            articles = depends.record(corpus, manifest.articles)
            edited = depends.edited(corpus, articles, manifest.articles) if frame == manifest.frame else None
            if helper and edited is not None and _search_record_holds(staging, manifest):
                searching = _search_by_helper(helper, site, site_key, corpus, people, edited, staging, output,
                                              manifest)
                # on failure: the helper's work waited for, and what it saved aside removed
                stack.callback(search_patch.settle, cache, output, False)
                stack.callback(helper.finish)
            made, related_name, reach = _pages_and_feeds(site, corpus, templates, site_key, cache, staging, report,
                                                  progress, manifest, edited, compiled)
        started = time.perf_counter()
        staging.write("robots.txt", feeds.robots(corpus.config))
        before_search = len(staging.keys)
        _give_back()
        done = helper.finish() if helper and searching else None
        if done is None:
            search_inputs, searched = _search_index(corpus, people, staging, cache, output, manifest)
            search_digest = manifest.searched_digest if searched is None else searched.digest
        else:  # by the helper, which saved the index's state and record aside
            search_inputs, digest, put, gone, aside = done
            staging.absorb(put, gone, aside)
            searched, search_digest = None, digest or manifest.searched_digest
            stack.pop_all()  # the state and record are settled once the output holds the index
            settled = digest is not None
        started = report.timed("search", started)
        report.written, report.reused = staging.written, staging.reused
    segment.flush()
    # the search index's files are recorded apart (search_files.py); a whole index was keyed in the staging
    files = staging.keys if len(staging.keys) == before_search else {
        url: k for url, k in staging.keys.items() if not url.startswith(search_index.DATA)}
    if searched is not None:
        cache.save_search_files(output, searched)
    elif settled:
        search_patch.settle(cache, output, True)
    record = Manifest(str(output.resolve()), files, manifest.folders if staging.folders is None
                      else staging.folders, pages_from, made, frame, articles, related_name, reach, search_digest)
    if (staging.folders is not None or pages_from != manifest.pages_from or record.output != manifest.output
            or files != manifest.files or related_name != manifest.related or reach is not manifest.reach
            or search_digest != manifest.searched_digest):
        cache.save_manifest(output, record)
    cache.save_search_key(search_inputs)  # only once the output holds that index
    report.timed("write", started)
    if leave:
        LEFT.extend((corpus, manifest, staging, files, record))
    return report


def _pages_and_feeds(site: Path, corpus: Corpus, templates: dict[str, str], site_key: str, cache: Cache,
                     staging: Staging, report: Report, progress: Progress | None, manifest: Manifest,
                     edited: set[int] | None, compiled: Path) -> tuple[list[str], str, depends.Reach]:
    """Plan every page and feed and key them (of the pages, only those an edit reaches when `edited`
    holds the places of the articles whose body alone changed); render and write those whose key changed.

    Returns their URLs, the name of the 相关报道 result they were made from and the record of which
    pages hold which articles.
    """
    started = time.perf_counter()
    try:
        related_articles, moved, related_name = related.related_changes(corpus, cache.folder, manifest.related)
    finally:
        segment.flush()
    started = report.timed("related", started)
    # keyed here, not in the workers: a worker that walks every page's context touches (and so copies)
    # most of the parent's memory; most pages of an incremental build are never rendered
    memo: dict[int, object] = {}
    previous = staging.previous
    stale: list[Page] = []
    with search_analysis.no_gc():
        made_groups = groups(corpus, related_articles)
        picked = None
        if edited is not None and moved is not None and manifest.reach is not None:
            picked = _reached(made_groups, manifest.reach, edited, moved, manifest.pages, previous)
        if picked is not None and manifest.reach is not None and moved is not None:
            # an edit: the pages it reaches; the others keep their keys
            chosen = picked
            urls = manifest.pages[:len(manifest.reach.groups)]
            for url in urls:
                if url in previous:  # the others are reached: made again
                    staging.keys[url] = previous[url]
            walked = {number: page for number, page in chosen.items() if page.url in moved}
            reach = manifest.reach.updated(walked, corpus.articles)
        else:  # every page planned and keyed
            pages: list[Page] = []
            numbers: list[int] = []
            for group, make in enumerate(made_groups):
                group_pages = make()
                pages += group_pages
                numbers += [group] * len(group_pages)
            urls = [page.url for page in pages]
            chosen = dict(enumerate(pages))
            reach = depends.Reach.of(pages, numbers, corpus.articles)
        for page in chosen.values():
            page_key = key(site_key, templates.get(page.template), page.feed, signature(page.context, memo))
            staging.keys[page.url] = page_key
            if previous.get(page.url) != page_key:
                stale.append(page)
    report.pages = len(urls)
    _give_back()
    _render_all(site, compiled, stale, corpus, staging, progress, len(urls))
    started = report.timed("render", started)
    made = list(urls)
    for feed in feeds.feeds(corpus):
        feed_key = key(site_key, "feed", signature(feed, memo))
        made.append(feed.url)
        if not staging.fresh(feed.url, feed_key):
            staging.put(feed.url, feeds.rss(feed, corpus.config))
    for name, index, listed in feeds.sitemaps(urls):
        made.append(name)
        if not staging.fresh(name, key(site_key, "sitemap", index, listed)):
            staging.put(name, feeds.sitemap(listed, corpus.config, index))
    report.timed("feeds", started)
    return made, related_name, reach


def _reached(made_groups: list[Group], reach: depends.Reach, edited: set[int], moved: set[str],
             recorded: list[str], previous: dict[str, str]) -> dict[int, Page] | None:
    """The pages an edit of the articles in `edited` (by place in corpus.articles) reaches, by their
    number in the plan: those whose context holds one of them, whose 相关报道 moved, or that are
    missing from the output. Only their groups are made. None when the record does not fit this plan
    (then every page is keyed)."""
    count = len(reach.groups)
    if count > len(recorded) or (count and int(reach.groups[-1]) + 1 != len(made_groups)):
        return None
    urls = recorded[:count]
    wanted = set(reach.holding(sorted(edited)))
    wanted.update(index for index, url in enumerate(urls) if url in moved or url not in previous)
    chosen: dict[int, Page] = {}
    for group in sorted({int(reach.groups[index]) for index in wanted}):
        first = reach.first(group)
        pages = made_groups[group]()
        if [page.url for page in pages] != urls[first:first + len(pages)]:
            return None
        chosen.update((first + n, page) for n, page in enumerate(pages) if first + n in wanted)
    return chosen


def _search_index(corpus: Corpus, people: list[tuple[str, str]], staging: Staging, cache: Cache, output: Path,
                  manifest: Manifest) -> tuple[str, SearchFiles | None]:
    """The offline search index, unless nothing it is made from has changed since the last build.

    Articles edited in place are patched into the last build's index (search_patch); anything else
    makes it again whole. Only the shards that come out different are written. Returns what the
    index is made from and the record of its files (None: the last build's, unchanged).
    """
    docs = search_patch.describe(corpus)  # described once, for this key and for the patch
    inputs = search_patch.inputs_key(cache.salt, docs, people)
    record = cache.search_files(output, manifest.searched_digest) if _search_record_holds(staging, manifest) else None
    if record is not None and cache.search_key() == inputs:
        staging.aside += len(record)  # the output keeps them all (Staging.aside)
        return inputs, None
    # the segmenter is still configured: site words, token cache
    return inputs, search_patch.update(corpus, staging, output.resolve(), cache.folder, cache.salt, record, docs)


def _search_record_holds(staging: Staging, manifest: Manifest) -> bool:
    """Whether the record of the last build's index can hold: while no folder of it moved (no file
    removed by hand), in an output that keeps the last build's files."""
    data = search_index.DATA
    return staging.incremental and staging.moved is not None and not any(
        folder.startswith(data) or folder == data.rstrip("/") for folder in staging.moved)


def _search_by_helper(helper: prefetch.Helper, site: Path, site_key: str, corpus: Corpus,
                      people: list[tuple[str, str]], edited: set[int], staging: Staging, output: Path,
                      manifest: Manifest) -> bool:
    """Give an edit's search stage to the build's helper (search_patch.by_helper), which does it while
    this process makes 相关报道 and the pages; it reads the edited articles alone. First the edited
    texts are cut for 相关报道, so that this process need not ask the helper meanwhile. False if the
    helper cannot take it."""
    if segment.current().engine_name != "rjieba":  # (the helper's engine)
        return False
    changed = {number: corpus.articles[number] for number in sorted(edited)}  # (ids are the corpus's places)
    related.precut(changed.values())
    subject = search_patch.Subject.of(corpus, ([], [], []), search_patch.Known(len(corpus.articles), changed))
    job = search_patch.Job(subject, search_patch.Edits.of(corpus, changed), people, site, site_key, staging.root,
                           output.resolve(), manifest.searched_digest)
    return helper.start(segment.current().dictionary, search_patch.by_helper, job)


def _give_back() -> None:
    """Hand the C heap's free pages back to the system (glibc's malloc_trim) before workers fork.

    Reading a cold archive frees its parsed texts in pieces among objects that stay, and glibc keeps
    such pages: at 100,000 articles the parent held some 950 MB after reading. Every forked worker
    shares them, and as the parent writes over them each is held twice."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL(None).malloc_trim(0)


# Forked workers inherit the build's state instead of receiving it pickled.
_STATE: dict[str, object] = {}


def _render_all(site: Path, compiled: Path, stale: list[Page], corpus: Corpus, staging: Staging,
                progress: Progress | None, total: int) -> None:
    """Render and write the `stale` pages, on every core when there are enough of them."""
    _STATE.update(site=site, compiled=compiled, pages=stale, corpus=corpus, root=staging.root)
    workers = min(os.cpu_count() or 1, 8)
    chunks = [range(start, min(start + 200, len(stale))) for start in range(0, len(stale), 200)]
    done = total - len(stale)
    try:
        if workers > 1 and len(stale) >= PARALLEL_FROM:
            import multiprocessing  # on use: an edit renders its few pages in this process

            with multiprocessing.get_context("fork").Pool(workers, maxtasksperchild=RECYCLE) as pool:
                for written in pool.imap(_render_chunk, chunks):
                    done = _collect(staging, written, done, total, progress)
        else:
            for chunk in chunks:
                done = _collect(staging, _render_chunk(chunk), done, total, progress)
    finally:
        _STATE.clear()


def _collect(staging: Staging, written: int, done: int, total: int, progress: Progress | None) -> int:
    staging.written += written
    done += written
    if progress:
        progress("render", done, total)
    return done


def _render_chunk(indices: range) -> int:
    pages: list[Page] = _STATE["pages"]  # type: ignore[assignment]
    corpus: Corpus = _STATE["corpus"]  # type: ignore[assignment]
    root: Path = _STATE["root"]  # type: ignore[assignment]
    env = _STATE.get("env") or environment(_STATE["site"], _STATE["compiled"])  # type: ignore[arg-type]
    _STATE["env"] = env
    put = Writer(root)
    try:
        for index in indices:
            page = pages[index]
            put(page.url, render_page(env, page, corpus))  # type: ignore[arg-type]
    finally:
        put.close()
    return len(indices)
