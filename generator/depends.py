"""Which pages an edit reaches: the dependency record that lets a rebuild key only those pages.

A page's key (pipeline.py) is made from the site, its template and the signature of its context
(cache.signature), in which an article stands in by its digest, date and slug. Everything else in a
context (issues, sections, pagers, people and their credits, calendars, counts) follows from the
articles' front matter and paths, the configuration and the byline slugs. So when an edit leaves
all of that as it was (its outline, below) and changes only article bodies, the pages whose key can
change are exactly those whose context reaches an edited article, or whose 相关报道 moved: every
other page keeps the key the last build recorded for it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from operator import attrgetter
from typing import Any

from generator.cache import key
from generator.corpus import Article

# everything an article is apart from its body (and the digest that stands for the body)
_OUTLINE = attrgetter(*(f.name for f in dataclasses.fields(Article) if f.name not in ("body", "digest")))

Record = dict[str, tuple[str, str]]  # (digest, outline) of every article, by source path


def outline(article: Article) -> str:
    return key(_OUTLINE(article))


def record(articles: tuple[Article, ...], previous: Record) -> Record:
    """The (digest, outline) of each article; outlines of unchanged files are taken from `previous`."""
    result: Record = {}
    for article in articles:
        known = previous.get(article.source)
        result[article.source] = known if known and known[0] == article.digest else (article.digest,
                                                                                      outline(article))
    return result


def edited(articles: tuple[Article, ...], now: Record, before: Record) -> set[int] | None:
    """ids of the articles whose body alone changed since `before`; None if anything else did
    (an article added, removed, or changed in its front matter or path)."""
    if now.keys() != before.keys():
        return None
    changed = set()
    for article in articles:
        entry, old = now[article.source], before[article.source]
        if entry[0] != old[0]:
            if entry[1] != old[1]:
                return None
            changed.add(id(article))
    return changed


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


def touches(value: Any, changed: set[int], memo: dict[int, bool]) -> bool:
    """Whether `value` (a page's context) holds, at any depth, one of the articles in `changed` (by id).

    Walks at least all that cache.signature does; anything it does not know counts as touched.
    Shared objects are visited once, through `memo` (by id: they live as long as the pages do).
    Every page is walked on every edit, so the leaves (articles, scalars) are checked in the loop.
    """
    kind = type(value)
    if kind is Article:
        return id(value) in changed
    if kind in _SCALARS:
        return False
    if kind is dict:
        return _any(value.values(), changed, memo)
    shared = kind is not tuple and kind is not list or len(value) > 4
    if shared:
        found = memo.get(id(value))
        if found is not None:
            return found
    if kind is tuple or kind is list:
        found = _any(value, changed, memo)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        if _free(kind):
            return False
        if kind not in _FIELDS:
            _FIELDS[kind] = attrgetter(*[f.name for f in dataclasses.fields(kind)] * 2)  # a tuple even for one
        found = _any(_FIELDS[kind](value), changed, memo)
    else:
        return not isinstance(value, str | int | float | bool)  # a subclass, such as an enum's member
    if shared:
        memo[id(value)] = found
    return found


def _any(items: Any, changed: set[int], memo: dict[int, bool]) -> bool:
    for item in items:
        kind = type(item)
        if kind is Article:
            if id(item) in changed:
                return True
        elif kind not in _SCALARS and touches(item, changed, memo):
            return True
    return False
