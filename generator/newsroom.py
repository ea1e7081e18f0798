"""The newsroom search (编辑部检索): a whoosh index of the archive, tokenised by jieba.

The index lives in SITE/.cache/whoosh and is brought up to date before each search: only articles
added, changed or deleted since the last search are (re)indexed, each entry keyed by its URL and
remembering the digest of what it was made from. A change to the site's dictionary re-indexes only
the articles that contain a changed word.

Queries are whoosh's syntax (words ANDed, OR, NOT, "quoted phrases", field:value) over title, body
and byline names, plus the fields an editor uses: author:黄舒, section:要闻 (or its slug), kind:photo,
date:2022-12-10, date:2022-12, date:2022-12-01..2022-12-31, date:>=2022-12-01.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh import highlight, index, query, searching
from whoosh.analysis import LowercaseFilter, Token, Tokenizer
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.qparser import MultifieldParser

from generator import segment
from generator.corpus import Article, Corpus
from generator.routes import Urls

SCHEMA_VERSION = "3"  # bump when the schema or the way entries are made changes: rebuilds the index
FIELDS = ("title", "body", "author", "section", "kind", "date")
TITLE_BOOST = 3.0
CJK_WORD = re.compile(r"^[\u3400-\u9fff]+$")
WORDLIKE = re.compile(r"[\w\u3400-\u9fff]")
FIELD_RE = re.compile(r"(?<![\w:])([A-Za-z_]+):(?=\S)")
DATE_RE = re.compile(r"(?<![\w:])date:(\S+)")
DAY, MONTH, YEAR = r"\d{4}-\d{2}-\d{2}", r"\d{4}-\d{2}", r"\d{4}"


class QueryError(ValueError):
    """A query the newsroom search cannot run, with a message for the editor."""


class JiebaTokenizer(Tokenizer):
    """Words from generator.segment (jieba with the site's words, cached); spaces and punctuation dropped.

    When indexing (and highlighting), a Chinese word of three or more characters also yields its
    two-character parts at the same position, so 公园 finds 南山公园 and 龙贵 finds 张龙贵; a query
    itself is cut into whole words only.
    """

    def __call__(self, value: str, positions: bool = False, chars: bool = False, keeporiginal: bool = False,
                 removestops: bool = True, start_pos: int = 0, start_char: int = 0, tokenize: bool = True,
                 mode: str = "", **kwargs: Any) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        parts = mode != "query" or chars
        pos, char = start_pos, start_char
        for word in segment.words(value) if tokenize else [value]:
            if WORDLIKE.search(word):
                pieces = [(word, 0)]
                if parts and len(word) > 2 and CJK_WORD.match(word):
                    pieces += [(word[i:i + 2], i) for i in range(len(word) - 1)]
                for text, offset in pieces:
                    token.text = text
                    token.boost = 1.0
                    token.stopped = False
                    if keeporiginal:
                        token.original = text
                    if positions:
                        token.pos = pos
                    if chars:
                        token.startchar, token.endchar = char + offset, char + offset + len(text)
                    yield token
                pos += 1
            char += len(word)


def schema() -> Schema:
    analyzer = JiebaTokenizer() | LowercaseFilter()
    return Schema(
        # key and date are columns too (sortable): hits are ranked by them without loading each hit's
        # stored fields (the body): 88,000 hits at 100,000 articles took 29 s and 3.5 GB that way
        key=ID(unique=True, stored=True, sortable=True),  # the article's URL within the site
        title=TEXT(analyzer=analyzer, stored=True, field_boost=TITLE_BOOST),
        body=TEXT(analyzer=analyzer, stored=True),
        author=KEYWORD(commas=True, stored=True, scorable=True),  # byline names, searched by default too
        section=KEYWORD(lowercase=True, scorable=False),  # name and slug, so either finds it
        section_name=STORED,
        kind=ID(stored=True),
        date=ID(stored=True, sortable=True),  # YYYY-MM-DD: ranges are ranges of text
    )


@dataclass(frozen=True)
class Update:
    added: int = 0
    changed: int = 0
    removed: int = 0
    kept: int = 0

    def __str__(self) -> str:
        if not (self.added or self.changed or self.removed):
            return f"index up to date ({self.kept} articles)"
        return (f"index updated: {self.added} added, {self.changed} changed, {self.removed} removed, "
                f"{self.kept} unchanged")


@dataclass(frozen=True)
class Hit:
    url: str  # absolute, from base_url
    path: str  # within the site
    title: str
    date: str
    section: str
    authors: tuple[str, ...]
    kind: str
    score: float
    snippet: str

    def as_json(self) -> dict[str, Any]:
        return {"url": self.url, "path": self.path, "title": self.title, "date": self.date,
                "section": self.section, "authors": list(self.authors), "kind": self.kind,
                "score": round(self.score, 4), "snippet": self.snippet}


def index_dir(site: Path) -> Path:
    return site / ".cache" / "whoosh"


def entry_digest(article: Article) -> str:
    """What an index entry is made from: the article file, its section's names, the schema."""
    parts = [SCHEMA_VERSION, article.digest, article.section.name, article.section.slug, Urls.article(article)]
    return hashlib.sha1("\0".join(parts).encode("utf-8")).hexdigest()


def update_index(site: Path, corpus: Corpus) -> Update:
    """Bring SITE/.cache/whoosh up to date with the corpus, touching only what changed."""
    folder = index_dir(site)
    state_path = folder / "state.json"
    dictionary = segment.current().dictionary
    state = _read_state(state_path)
    if state is None or not index.exists_in(str(folder)):
        folder.mkdir(parents=True, exist_ok=True)
        index.create_in(str(folder), schema())
        state = {"schema": SCHEMA_VERSION, "dictionary": [], "entries": {}}
    ix = index.open_dir(str(folder))
    entries: dict[str, str] = state["entries"]
    old_dictionary = segment.UserDictionary(tuple((w, f) for w, f in state["dictionary"]))
    changed_words = old_dictionary.changed(dictionary)

    current = {Urls.article(a): (entry_digest(a), a) for a in corpus.articles}
    removed = [key for key in entries if key not in current]
    todo: list[tuple[str, str, Article]] = []
    counts = {"added": 0, "changed": 0, "kept": 0}
    for key, (digest, article) in current.items():
        if key not in entries:
            counts["added"] += 1
        elif entries[key] != digest or any(w in article.title or w in article.text for w in changed_words):
            counts["changed"] += 1
        else:
            counts["kept"] += 1
            continue
        todo.append((key, digest, article))
    if todo or removed or changed_words:
        writer = ix.writer(timeout=30.0, limitmb=400)  # whoosh spills postings to disk past this, one pickle each
        for key in removed:
            writer.delete_by_term("key", key)
        for key, _, article in todo:
            writer.update_document(**_document(key, article))
        writer.commit()
        for key in removed:
            del entries[key]
        entries.update({key: digest for key, digest, _ in todo})
        state["dictionary"] = [list(item) for item in dictionary.words]
        _write_state(state_path, state)
    return Update(counts["added"], counts["changed"], len(removed), counts["kept"])


def _document(key: str, article: Article) -> dict[str, str]:
    return {
        "key": key,
        "title": article.title,
        "body": "\n".join(part for part in (article.kicker, article.subtitle, article.text) if part),
        "author": ",".join(dict.fromkeys(person.name for person in article.people)),
        "section": f"{article.section.name} {article.section.slug}",
        "section_name": article.section.name,
        "kind": article.kind,
        "date": article.date.isoformat(),
    }


def _read_state(path: Path) -> dict[str, Any] | None:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict) or state.get("schema") != SCHEMA_VERSION:
        return None
    return state


def _write_state(path: Path, state: dict[str, Any]) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    temporary.replace(path)


def parse_query(text: str, corpus: Corpus) -> query.Query:
    """The editor's query as a whoosh query; QueryError names what is wrong."""
    text = _simplified(text).strip()
    if not text:
        raise QueryError("empty query")
    for name in FIELD_RE.findall(text):
        if name not in FIELDS:
            raise QueryError(f"unknown field '{name}:' (fields: {', '.join(FIELDS)})")
    for value in re.findall(r"(?<![\w:])section:(\S+)", text):
        if corpus.config.section(value.strip("\"'")) is None:
            names = "、".join(f"{s.name} ({s.slug})" for s in corpus.config.sections)
            raise QueryError(f"unknown section '{value}' (sections: {names})")
    filters: list[query.Query] = [_date_range(spec) for spec in DATE_RE.findall(text)]
    rest = DATE_RE.sub(" ", text).strip()
    parts = list(filters)
    if rest:
        parser = MultifieldParser(["title", "body", "author"], schema(), fieldboosts={"title": TITLE_BOOST})
        parsed = parser.parse(rest)
        if parsed is query.NullQuery:
            raise QueryError(f"nothing to search for in '{rest}'")
        parts.insert(0, parsed)
    return parts[0] if len(parts) == 1 else query.And(parts)


def _date_range(spec: str) -> query.Query:
    """date:D, date:YYYY-MM, date:YYYY, date:A..B (either end may be open), date:>=D, >D, <=D, <D."""
    compare = re.fullmatch(r"(>=|<=|>|<)(.+)", spec)
    if compare:
        operator, value = compare.groups()
        day = _day(value, spec)
        if operator.startswith(">"):
            return query.TermRange("date", day, None, startexcl=operator == ">")
        return query.TermRange("date", None, day, endexcl=operator == "<")
    if ".." in spec:
        start, _, end = spec.partition("..")
        if not start and not end:
            raise QueryError(f"date:{spec}: give at least one end of the range")
        low = _bounds(start, spec)[0] if start else None
        high = _bounds(end, spec)[1] if end else None
        if low and high and low > high:
            raise QueryError(f"date:{spec}: the range ends before it starts")
        return query.TermRange("date", low, high)
    low, high = _bounds(spec, spec)
    return query.Term("date", low) if low == high else query.TermRange("date", low, high)


def _bounds(value: str, spec: str) -> tuple[str, str]:
    """First and last day of a day, month or year."""
    if re.fullmatch(DAY, value):
        day = _day(value, spec)
        return day, day
    if re.fullmatch(MONTH, value):
        year, month = int(value[:4]), int(value[5:])
        if not 1 <= month <= 12:
            raise QueryError(f"date:{spec}: {value} is not a real month")
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        return f"{value}-01", (following - dt.timedelta(days=1)).isoformat()
    if re.fullmatch(YEAR, value):
        return f"{value}-01-01", f"{value}-12-31"
    raise QueryError(f"date:{spec}: expected YYYY-MM-DD, YYYY-MM or YYYY, a range A..B or >=, >, <=, <")


def _day(value: str, spec: str) -> str:
    if not re.fullmatch(DAY, value):
        raise QueryError(f"date:{spec}: '{value}' is not a date (YYYY-MM-DD)")
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise QueryError(f"date:{spec}: {value} is not a real date") from None


def _simplified(text: str) -> str:
    """Traditional characters fold to simplified, as the archive is printed in simplified."""
    try:
        from opencc import OpenCC
    except ImportError:
        return text
    return str(OpenCC("t2s").convert(text))


class _Marks(highlight.Formatter):
    between = "……"

    def format_token(self, text: str, token: Token, replace: bool = False) -> str:
        return f"【{highlight.get_text(text, token, replace)}】"


def run(site: Path, corpus: Corpus, text: str, limit: int = 10) -> tuple[list[Hit], int, Update]:
    """Segment as the site does, update the index, search it: (hits, number of all hits, update)."""
    segment.configure(site, [person.name for person in corpus.contributors])
    try:
        wanted = parse_query(text, corpus)  # a bad query fails before any indexing work
        update = update_index(site, corpus)
        hits, total = search(site, corpus, wanted, limit)
    finally:
        segment.flush()
    return hits, total, update


def search(site: Path, corpus: Corpus, text: str | query.Query, limit: int = 10) -> tuple[list[Hit], int]:
    """Ranked hits (best first, newer first on equal scores) and the number of all hits."""
    wanted = parse_query(text, corpus) if isinstance(text, str) else text
    ix = index.open_dir(str(index_dir(site)))
    with ix.searcher() as searcher:
        if not searcher.doc_count():  # an archive with no article yet (whoosh's empty reader has no columns)
            return [], 0
        results = searcher.search(wanted, limit=None)
        results.fragmenter = highlight.ContextFragmenter(maxchars=120, surround=36)
        results.formatter = _Marks()
        dates, keys = (searcher.reader().column_reader(name) for name in ("date", "key"))
        ranked = sorted(results.top_n, key=lambda hit: (-round(hit[0] or 0.0, 6), _negated(dates[hit[1]]),
                                                        keys[hit[1]]))
        hits = [_hit(searching.Hit(results, docnum, rank, score), corpus)
                for rank, (score, docnum) in enumerate(ranked[:limit])]
        return hits, len(ranked)


def _negated(date: str) -> tuple[int, ...]:
    return tuple(-int(part) for part in date.split("-"))


def _hit(hit: Any, corpus: Corpus) -> Hit:
    snippet = hit.highlights("body", top=2)
    if not snippet:
        body = hit["body"].replace("\n", " ")
        snippet = body[:80] + ("……" if len(body) > 80 else "")
    return Hit(
        url=corpus.config.base_url + hit["key"],
        path=hit["key"],
        title=hit["title"],
        date=hit["date"],
        section=hit["section_name"],
        authors=tuple(name for name in hit.get("author", "").split(",") if name),
        kind=hit["kind"],
        score=float(hit.score or 0.0),
        snippet=" ".join(snippet.split()),
    )


def as_lines(hits: list[Hit], total: int, as_json: bool = False) -> str:
    """The command line's output: JSON lines, or a numbered list an editor reads."""
    if as_json:
        return "\n".join(json.dumps(hit.as_json(), ensure_ascii=False) for hit in hits)
    if not hits:
        return "没有找到 (no hits)."
    lines = []
    for rank, hit in enumerate(hits, start=1):
        people = "、".join(hit.authors)
        lines.append(f"{rank}. {hit.title}  {hit.date}  {hit.section}{'  ' + people if people else ''}"
                     f"  [{hit.score:.2f}]")
        lines.append(f"   {hit.url}")
        lines.append(f"   {hit.snippet}")
    lines.append(f"{total} hit(s){f', showing {len(hits)}' if total > len(hits) else ''}.")
    return "\n".join(lines)
