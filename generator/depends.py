"""Which pages an edit reaches: the dependency record that lets a rebuild key only those pages.

A page's key (pipeline.py) is made from the site, its template and the signature of its context
(cache.signature), in which an article stands in by its digest, date and slug. Everything else in a
context (issues, sections, pagers, people and their credits, calendars, counts) follows from the
articles' front matter and paths, the configuration and the byline slugs. So when an edit leaves
all of that as it was (its outline, below) and changes only article bodies, the pages whose key can
change are exactly those whose context reaches an edited article, or whose 相关报道 moved: every
other page keeps the key the last build recorded for it.

Which pages those are is recorded when every page is keyed (Reach, kept in the build's manifest), so
an edit neither plans nor walks the pages it does not reach: it makes only the groups of pages
(routes.groups) that hold the edited articles.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

import numpy as np
import numpy.typing as npt

from generator.cache import key
from generator.corpus import Article, Corpus
from generator.routes import Page

# everything an article is apart from its body (and the digest that stands for the body)
_OUTLINE = attrgetter(*(f.name for f in dataclasses.fields(Article) if f.name not in ("body", "digest")))

# the source, digest and outline of every article, as columns in the corpus's order
Record = tuple[list[str], list[str], list[str]]


def outline(article: Article) -> str:
    return key(_OUTLINE(article))


def changed(now: list[str], then: list[str]) -> list[int]:
    """The places where two columns of the same files (digests, in the corpus's order) differ:
    compared at once, not an article at a time."""
    return [n for n, (value, was) in enumerate(zip(now, then, strict=True)) if value != was]


def record(corpus: Corpus, previous: Record) -> Record:
    """The Record of the corpus; outlines of unchanged files are taken from `previous`."""
    sources, digests = corpus.sources, corpus.digests
    if previous[0] == sources:  # the same files
        outlines = list(previous[2])
        edits = changed(digests, previous[1])
    else:
        known = dict(zip(previous[0], zip(*previous[1:], strict=True), strict=True))
        outlines = [entry[1] if (entry := known.get(source)) and entry[0] == digest else ""
                    for source, digest in zip(sources, digests, strict=True)]
        edits = [number for number, made in enumerate(outlines) if not made]
    for number in edits:
        outlines[number] = outline(corpus.articles[number])
    return sources, digests, outlines


def edited(corpus: Corpus, now: Record, before: Record) -> set[int] | None:
    """The places (in corpus.articles) of the articles whose body alone changed since `before`; None
    if anything else did (an article added, removed, or changed in its front matter or path, which
    its place follows)."""
    if now[0] != before[0]:
        return None
    edits = changed(now[1], before[1])
    if any(now[2][number] != before[2][number] for number in edits):
        return None
    return set(edits)


_SCALARS = frozenset({str, int, float, bool, type(None), dt.date, range})
_FIELDS: dict[type, Any] = {}
_FREE: dict[type, bool] = {}  # per dataclass: whether its declared fields can hold no article at all


def _free(kind: type) -> bool:
    """Whether a dataclass's fields are declared as scalars or collections of them (a byline's Person,
    a Pager, a Section): its values are then never looked into. The declarations are mypy-checked."""
    if kind not in _FREE:
        try:
            hints = typing.get_type_hints(kind)
        except (NameError, TypeError):
            hints = {"?": object}
        _FREE[kind] = all(_free_hint(hint) for name, hint in hints.items()
                          if name in {f.name for f in dataclasses.fields(kind)})
    return _FREE[kind]


def _free_hint(hint: Any) -> bool:
    if hint in _SCALARS:
        return True
    origin = typing.get_origin(hint)
    if origin in (tuple, list, typing.Union, types.UnionType):
        return all(arg is Ellipsis or _free_hint(arg) for arg in typing.get_args(hint))
    return False


EVERY = -1  # in a page's held articles: it holds something the walk does not know, so every edit reaches it
_NONE: frozenset[int] = frozenset()


def held(value: Any, numbers: dict[int, int], memo: dict[int, frozenset[int]]) -> frozenset[int]:
    """The articles `value` (a page's context) holds at any depth, by their number in `numbers` (keyed
    by id); EVERY for anything it does not know, or an article that is not numbered.

    Walks at least all that cache.signature does. Shared objects are visited once, through `memo`
    (by id: they live as long as the pages do).
    """
    kind = type(value)
    if kind is Article:
        return frozenset((numbers.get(id(value), EVERY),))
    if kind in _SCALARS:
        return _NONE
    if kind is dict:
        return _union(value.values(), numbers, memo)
    shared = kind is not tuple and kind is not list or len(value) > 4
    if shared:
        found = memo.get(id(value))
        if found is not None:
            return found
    if kind is tuple or kind is list:
        found = _union(value, numbers, memo)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        if _free(kind):
            return _NONE
        if kind not in _FIELDS:
            _FIELDS[kind] = attrgetter(*[f.name for f in dataclasses.fields(kind)] * 2)  # a tuple even for one
        found = _union(_FIELDS[kind](value), numbers, memo)
    else:
        return _NONE if isinstance(value, str | int | float | bool) else frozenset((EVERY,))  # e.g. an enum's member
    if shared:
        memo[id(value)] = found
    return found


def _union(items: Any, numbers: dict[int, int], memo: dict[int, frozenset[int]]) -> frozenset[int]:
    found: set[int] = set()
    for item in items:
        kind = type(item)
        if kind is Article:
            found.add(numbers.get(id(item), EVERY))
        elif kind not in _SCALARS:
            found.update(held(item, numbers, memo))
    return frozenset(found)


Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Reach:
    """Which pages hold which articles: per page of the plan (in its order), the group of routes.groups
    that makes it, and the numbers of the articles (in the corpus's order) its context holds.

    Recorded with the pages, so that an edit to articles' bodies finds the pages it reaches, and makes
    only their groups, without walking every page's context. It stays true while the articles' outlines
    and the pages' frame stay the same (edited() tells), but for the pages whose 相关报道 moved,
    which are walked again (updated()).
    """

    groups: Ints  # per page
    offsets: Ints  # per page and one: its articles are articles[offsets[i]:offsets[i + 1]]
    articles: Ints

    @classmethod
    def of(cls, pages: list[Page], groups: list[int], articles: tuple[Article, ...]) -> Reach:
        numbers = {id(article): number for number, article in enumerate(articles)}
        memo: dict[int, frozenset[int]] = {}
        rows = [sorted(held(page.context, numbers, memo)) for page in pages]
        return cls(np.array(groups, dtype=np.int64), _offsets(rows),
                   np.fromiter((n for row in rows for n in row), dtype=np.int64))

    def holding(self, numbers: list[int]) -> list[int]:
        """The pages that hold any of these articles, or something unknown (EVERY)."""
        places = np.flatnonzero(np.isin(self.articles, np.array([*numbers, EVERY], dtype=np.int64)))
        return sorted(set((np.searchsorted(self.offsets, places, side="right") - 1).tolist()))

    def first(self, group: int) -> int:
        """The number of the group's first page (the groups run in the plan's order)."""
        return int(np.searchsorted(self.groups, group, side="left"))

    def updated(self, pages: dict[int, Page], articles: tuple[Article, ...]) -> Reach:
        """The record with the pages numbered in `pages` walked again (their 相关报道 moved)."""
        if not pages:
            return self
        numbers = {id(article): number for number, article in enumerate(articles)}
        memo: dict[int, frozenset[int]] = {}
        rows = [self.articles[self.offsets[i]:self.offsets[i + 1]] for i in range(len(self.groups))]
        for index, page in pages.items():
            rows[index] = np.array(sorted(held(page.context, numbers, memo)), dtype=np.int64)
        return Reach(self.groups, _offsets(rows), np.concatenate(rows) if rows else self.articles)


def _offsets(rows: Any) -> Ints:
    offsets = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(row) for row in rows], out=offsets[1:])
    return offsets
