"""A dump's lines split into articles: headings, bylines, datelines, body paragraphs and kind.

Every line ends up in exactly one article or in the skipped lines, in order, and nothing is changed
but layout spaces: titles, bylines and datelines are cut from the printed text, paragraphs cut in two
by a column or page break are joined, and each decision that could be wrong is noted for the editor.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from generator import line_kinds as lk
from generator.byline import AUTHOR, parse_byline
from generator.dump import Line

MAX_CAPTION = 300  # characters of a photo item's caption
MAX_BRIEF = 250  # characters of a one-paragraph brief (简讯)
MIN_PARAGRAPH = 20  # a shorter line without punctuation is a subhead, never joined to


@dataclass(frozen=True)
class Skipped:
    line: int
    text: str
    reason: str


@dataclass(frozen=True)
class Join:
    """Two pieces of one paragraph printed apart: '…取得阶' + '段性成效…'."""

    first: int  # line of the piece above
    second: int  # line of the continuation
    before: str  # the last characters above the break
    after: str  # the first characters after it
    reason: str


@dataclass(frozen=True)
class ImportedArticle:
    title: str
    kicker: str
    subtitle: str
    byline: str
    dateline: str
    kind: str
    paragraphs: tuple[str, ...]
    first_line: int
    last_line: int
    page: int | None = None
    order: int | None = None
    page_header: str = ""  # the page header it was printed under, to match a section name
    joins: tuple[Join, ...] = ()
    unsure: tuple[str, ...] = ()


@dataclass(frozen=True)
class Split:
    articles: tuple[ImportedArticle, ...]
    skipped: tuple[Skipped, ...]


def split_articles(lines: list[Line]) -> Split:
    return _Splitter([lk.classify(line) for line in lines]).run()


@dataclass
class _Draft:
    """An article being assembled; becomes an ImportedArticle when closed."""

    units: list[lk.Unit]  # every line it took, for its line range and for skipping it if empty
    kicker: str = ""
    title: str = ""
    subtitle: str = ""
    bylines: list[str] = field(default_factory=list)
    dateline: str = ""
    credit: bool = False
    paragraphs: list[str] = field(default_factory=list)
    paragraph_lines: list[int] = field(default_factory=list)  # last line of each paragraph
    subheads: set[int] = field(default_factory=set)  # indexes of paragraphs that are subheads
    joins: list[Join] = field(default_factory=list)
    unsure: list[str] = field(default_factory=list)
    closed: bool = False  # a trailing byline or credit was printed: nothing more belongs to it
    page: int | None = None
    page_header: str = ""

    @property
    def signed(self) -> bool:
        return bool(self.bylines or self.dateline)


class _Splitter:
    def __init__(self, units: list[lk.Unit]) -> None:
        self.units = units
        self.articles: list[ImportedArticle] = []
        self.skipped: list[Skipped] = []
        self.current: _Draft | None = None
        self.page: int | None = None
        self.page_header = ""
        self.skipped_since_text: list[int] = []  # furniture lines between two pieces of text
        self.last_text = -1  # index of the unit that ended the last paragraph
        gaps = Counter(unit.line.gap for unit in units[1:] if unit.kind == lk.TEXT)
        # Articles are often set apart by more blank lines than paragraphs are.
        self.article_gap = (gaps.most_common(1)[0][0] if gaps else 1) + 1
        self.indented = sum(unit.line.indented for unit in units) >= max(3, len(units) // 5)
        # Where paragraphs are indented (段首缩进), an indented line starts a paragraph, never a heading.
        self.headlike = [unit.kind == lk.HEADING and not (self.indented and unit.line.indented) for unit in units]

    def run(self) -> Split:
        index = 0
        while index < len(self.units):
            unit = self.units[index]
            if unit.kind in lk.SKIPPED:
                self._furniture(unit)
                index += 1
            elif self.headlike[index] and not self._wraps(index) and self._opens_article(index):
                index = self._open(index)
            elif self.current is None or self.current.closed:
                self._skip([unit], "text with no title above it")
                index += 1
            else:
                self._add(index)
                index += 1
        self._close()
        return Split(tuple(self.articles), tuple(sorted(self.skipped, key=lambda s: s.line)))

    # Where articles begin.

    def _heading_group(self, index: int) -> int:
        """End (exclusive) of the heading lines starting at index: kicker, title, subtitle."""
        end = index + 1
        while (end < len(self.units) and end - index < 3 and self.headlike[end]
               and self.units[end].line.gap < self.article_gap):
            end += 1
        return end

    def _opens_article(self, index: int) -> bool:
        current, unit = self.current, self.units[index]
        after = self._heading_group(index)
        following = self.units[after] if after < len(self.units) else None
        if current is None or current.closed or not current.paragraphs:
            return True
        if following is None or following.kind in lk.SKIPPED or self.headlike[after]:
            # A banner; but more short lines than a heading has, or the end of a cut paragraph, are text.
            return after - index < 3 and lk.ends_sentence(current.paragraphs[-1])
        if following.kind in lk.SIGNED or lk.split_opening(following.text)[0]:
            return True
        if unit.line.gap >= self.article_gap or self._photo_follows(after):
            return True
        if lk.is_enumerated(unit.text):
            return False
        if self._signed_below(after):
            return True
        if current.signed:
            current.unsure.append(f"line {unit.line.number}: '{unit.text}' taken as a subhead, not a new title")
            return False
        return True

    def _wraps(self, index: int) -> bool:
        """In a dump whose paragraphs are indented, an unindented line right under text continues it."""
        unit = self.units[index]
        if not (self.indented and unit.line.gap == 0 and not unit.line.indented and index - 1 == self.last_text):
            return False
        following = self.units[self._heading_group(index)] if self._heading_group(index) < len(self.units) else None
        return not (following and (following.kind in lk.SIGNED or lk.split_opening(following.text)[0]))

    def _photo_follows(self, index: int) -> bool:
        """One or two caption lines, then a photo credit."""
        for offset in (1, 2):
            if index + offset < len(self.units) and self.units[index + offset].kind == lk.CREDIT:
                return all(self.units[k].kind in (lk.TEXT, lk.HEADING) and not self.headlike[k]
                           for k in range(index, index + offset))
        return False

    def _signed_below(self, index: int) -> bool:
        """A byline or signature closes the text below before the next heading: it is an article of its own."""
        for probe in range(index, len(self.units)):
            kind = self.units[probe].kind
            if kind in lk.SIGNED:
                return self._trailing(probe)
            if self.headlike[probe] or kind in lk.SKIPPED:
                return False
        return False

    def _trailing(self, index: int) -> bool:
        """Is the byline at index the last line of its article?"""
        following = index + 1
        while following < len(self.units) and self.units[following].kind in lk.SIGNED:
            following += 1
        return following == len(self.units) or self.units[following].kind in lk.SKIPPED or self.headlike[following]

    def _open(self, index: int) -> int:
        self._close()
        end = self._heading_group(index)
        group = self.units[index:end]
        following = self.units[end] if end < len(self.units) else None
        if following is None or following.kind in lk.SKIPPED or self.headlike[end]:
            self._skip(group, "heading with no text under it (banner or slogan)")
            return end
        draft = _Draft(list(group), page=self.page, page_header=self.page_header)
        texts = [unit.text for unit in group]
        if len(texts) == 1:
            draft.title = texts[0]
        elif len(texts) == 2 and texts[1].startswith(("—", "－", "-")):
            draft.title, draft.subtitle = texts
        elif len(texts) == 2:
            draft.kicker, draft.title = texts
            draft.unsure.append(f"lines {group[0].line.number}-{group[1].line.number}: two heading lines, "
                                f"read as kicker (引题) '{texts[0]}' and title '{texts[1]}'")
        else:
            draft.kicker, draft.title, draft.subtitle = texts
        self.current = draft
        self.skipped_since_text = []
        while end < len(self.units) and self.units[end].kind in lk.SIGNED and not self._trailing(end):
            self._byline(draft, self.units[end])
            end += 1
        return end

    # What goes into an article.

    def _add(self, index: int) -> None:
        draft, unit = self.current, self.units[index]
        assert draft is not None
        draft.units.append(unit)
        if unit.kind in lk.SIGNED:
            if self._trailing(index):
                self._byline(draft, unit)
                draft.closed = True
                return
            draft.unsure.append(f"line {unit.line.number}: byline-like line inside the text kept as a paragraph")
        text = unit.text
        if not draft.paragraphs and not draft.dateline:
            dateline, bracketed, text = lk.split_opening(text)
            draft.dateline = dateline
            if bracketed:
                draft.bylines.append(bracketed)
            if not text:
                return
        self._paragraph(draft, unit, text, subhead=self.headlike[index] and not self._wraps(index))
        self.last_text = index

    def _byline(self, draft: _Draft, unit: lk.Unit) -> None:
        dateline, bracketed, rest = lk.split_opening(unit.text)
        if dateline and not draft.dateline and not rest and not draft.paragraphs:
            draft.dateline = dateline
            if bracketed:
                draft.bylines.append(bracketed)
        else:
            draft.bylines.append(unit.text)
        draft.credit = draft.credit or unit.kind == lk.CREDIT
        if unit not in draft.units:
            draft.units.append(unit)

    def _paragraph(self, draft: _Draft, unit: lk.Unit, text: str, subhead: bool) -> None:
        number = unit.line.number
        if draft.paragraphs:
            previous, index = draft.paragraphs[-1], len(draft.paragraphs) - 1
            joinable = index not in draft.subheads and (
                len(previous) > MIN_PARAGRAPH or any(c in previous for c in "，,、；;：:"))
            wrapped = self.indented and unit.line.gap == 0 and not unit.line.indented and not self.skipped_since_text
            unfinished = not lk.ends_sentence(previous)
            if joinable and (wrapped or unfinished):
                reason = "line wrap" if wrapped else "paragraph ended without punctuation"
                if subhead:
                    draft.unsure.append(f"line {number} looks like a subhead, but joined to the unfinished "
                                        f"paragraph above it")
                if self.skipped_since_text:
                    reason += f", across skipped line(s) {', '.join(map(str, self.skipped_since_text))}"
                draft.joins.append(Join(draft.paragraph_lines[-1], number, previous[-6:], text[:6], reason))
                draft.paragraphs[-1] = previous + text
                draft.paragraph_lines[-1] = number
                self.skipped_since_text = []
                return
        if subhead:
            draft.subheads.add(len(draft.paragraphs))
        draft.paragraphs.append(text)
        draft.paragraph_lines.append(number)
        self.skipped_since_text = []

    # Closing, skipping.

    def _close(self) -> None:
        draft, self.current = self.current, None
        if draft is None:
            return
        if not draft.paragraphs:
            self._skip(draft.units, "empty item: a heading with no text")
            return
        if not lk.ends_sentence(draft.paragraphs[-1]):
            draft.unsure.append(f"the text ends without punctuation at line {draft.paragraph_lines[-1]}: "
                                "is a piece missing or printed elsewhere?")
        byline = " ".join(draft.bylines)
        kind = _kind(draft, byline)
        if not draft.bylines:
            draft.unsure.append("no byline found")
        order = None
        if draft.page is not None:
            order = 1 + sum(1 for article in self.articles if article.page == draft.page)
        self.articles.append(ImportedArticle(
            title=draft.title, kicker=draft.kicker, subtitle=draft.subtitle, byline=byline,
            dateline=draft.dateline, kind=kind, paragraphs=tuple(draft.paragraphs),
            first_line=draft.units[0].line.number, last_line=max(u.line.number for u in draft.units),
            page=draft.page, order=order, page_header=draft.page_header,
            joins=tuple(draft.joins), unsure=tuple(draft.unsure),
        ))

    def _furniture(self, unit: lk.Unit) -> None:
        self._skip([unit], unit.kind)
        self.skipped_since_text.append(unit.line.number)
        if unit.kind == lk.PAGE:
            self.page = unit.page if unit.page is not None else self.page
            self.page_header = unit.text

    def _skip(self, units: list[lk.Unit], reason: str) -> None:
        self.skipped.extend(Skipped(unit.line.number, unit.text, reason) for unit in units)


def _kind(draft: _Draft, byline: str) -> str:
    """news | photo (a caption under a credit) | opinion (signed by its author) | brief (简讯)."""
    people = parse_byline(byline).people if byline else ()
    size = sum(len(paragraph) for paragraph in draft.paragraphs)
    if draft.credit and len(draft.paragraphs) <= 2 and size <= MAX_CAPTION:
        return "photo"
    if people and all(person.role == AUTHOR for person in people) and not draft.dateline:
        return "opinion"
    if len(draft.paragraphs) == 1 and size <= MAX_BRIEF:
        return "brief"
    return "news"
