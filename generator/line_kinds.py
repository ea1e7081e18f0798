"""What one line of a dump is, seen on its own: page furniture, a byline, a credit, a heading or text.

The importer decides from these kinds and from the lines around them where articles begin and end;
this module only looks at one line at a time, so each rule can be read and tested by itself.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from generator.byline import BULLETS, DATELINE_RE, join_padded, normalize
from generator.dump import Line

# Line kinds. The first five are page furniture: skipped, never part of an article.
PAGE, EDITORS, FOLIO, JUMP, RULE = "page header", "editors' line", "page number", "jump line", "rule"
SKIPPED = (PAGE, EDITORS, FOLIO, JUMP, RULE)
BYLINE, CREDIT, SIGNATURE, HEADING, TEXT = "byline", "credit", "signature", "heading", "text"
SIGNED = (BYLINE, CREDIT, SIGNATURE)

MAX_HEADING = 40  # characters; a longer line is text
SENTENCE_END = "。！？!?…；;：:．.—)）》】〕]］"
CLOSING_QUOTES = "”’」』\"'"
CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")}

PAGE_NUMBER = re.compile(r"第\s*([0-9]+|[〇一二三四五六七八九十]+)\s*版")
PAGE_CODE = re.compile(r"^(?:[A-H]\s*([0-9]{1,2})\s*版?|([0-9]{1,2})\s*版)(?=\s|$|[·:：|])")
WEEKDAY_DATE = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*[，,]?\s*(星期|周|礼拜)[一二三四五六日天]")
EDITOR_LABELS = (
    "本版责编", "本版编辑", "责任编辑", "责任校对", "美术编辑", "版式设计", "值班编委", "值班主任", "责编", "编辑",
    "美编", "版式", "校对", "审校", "审读", "审核", "终审", "组版", "排版", "监制", "制图", "主编", "签发",
)
EDITOR_LINE = re.compile(rf"^(?:{'|'.join(EDITOR_LABELS)})(?:[:：/／|\s]|[\u4e00-\u9fff]{{2,3}}(?:\s|$))")
FOLIO_LINE = re.compile(r"^[-—–－~～=\s]*(?:第\s*)?[0-9]{1,3}\s*页?[-—–－~～=\s]*$")
JUMP_LINE = re.compile(r"^[(（]\s*(?:下转|上接|转|接|续)\s*第?\s*[A-Za-z]?[0-9一二三四五六七八九十]+\s*[版页]\s*[)）]$")

NAME = r"(?:[\u4e00-\u9fff]{2,4}|[\u4e00-\u9fff]{1,4}·[\u4e00-\u9fff]{1,6}|[A-Za-z][A-Za-z.\-]{1,20})"
ROLE = r"(?:见习记者|摄影记者|特约记者|首席记者|融媒体记者|记者|实习生|通讯员|摄影|撰稿|编译)"
ORG = r"(?:本报|[\u4e00-\u9fff]{1,12}?(?:日报|晚报|报|社|台|网|融媒体中心|中心))"
ROLE_TOKEN = re.compile(rf"(?:{ORG})?(?:驻[\u4e00-\u9fff]{{1,6}})?{ROLE}(?:[:/]?{NAME})?")
LABELS = "(?:文|图|摄影|图片|摄|视频|作者)"
LABEL_TOKEN = re.compile(rf"{LABELS}[:/](?:{NAME})?")
ORG_TOKEN = re.compile(
    r"[\u4e00-\u9fff]{3,20}(?:委|局|办|室|部|处|科|会|院|校|所|站|队|厅|中心|公司|集团|银行|报社|街道|镇|乡|村)")
NAME_TOKEN = re.compile(NAME)
ENUMERATED = re.compile(
    r"^(?:[一二三四五六七八九十]+、|[(（][一二三四五六七八九十0-9]+[)）]|[0-9]+[.、．]|[■◆●▲★◎□◇○☆△])")


@dataclass(frozen=True)
class Unit:
    """A line with its kind; for a page header, the page number it names."""

    line: Line
    kind: str
    page: int | None = None

    @property
    def text(self) -> str:
        return self.line.text


def classify(line: Line) -> Unit:
    text = line.text
    if JUMP_LINE.match(text):
        return Unit(line, JUMP)
    if is_page_header(text):
        return Unit(line, PAGE, page_number(text))
    for kind, test in ((EDITORS, is_editors_line), (FOLIO, FOLIO_LINE.match),
                       (RULE, is_rule), (CREDIT, is_credit), (SIGNATURE, is_signature), (BYLINE, is_byline)):
        if test(text):
            return Unit(line, kind)
    if is_heading(text):
        return Unit(line, HEADING)
    return Unit(line, TEXT)


def is_page_header(text: str) -> bool:
    """"第2版 民生" "A3版·要闻" "新渝报 2022年12月10日 星期六 第1版 责编 王一"."""
    if len(text) > 80 or "。" in text:
        return False
    plain = unicodedata.normalize("NFKC", text)
    return bool(PAGE_NUMBER.search(plain) or WEEKDAY_DATE.search(plain) or PAGE_CODE.match(plain)
                and len(plain) <= 20 and not ends_sentence(plain))


def page_number(text: str) -> int | None:
    plain = unicodedata.normalize("NFKC", text)
    found = PAGE_NUMBER.search(plain)
    if found:
        return _number(found.group(1))
    code = PAGE_CODE.match(plain)
    return int(code.group(1) or code.group(2)) if code else None


def is_editors_line(text: str) -> bool:
    """"责编 王一 版式 李二 校对 赵三": labels and names only."""
    if not EDITOR_LINE.match(text) or len(text) > 80:
        return False
    rest = re.sub("|".join(EDITOR_LABELS), " ", normalize(text))
    tokens = [t for t in re.split(r"[\s:/|,、，;；]+", rest) if t]
    return all(NAME_TOKEN.fullmatch(t) or len(t) == 1 for t in tokens)


def is_rule(text: str) -> bool:
    """A line with no letter, digit or ideograph: '＊＊＊', '———', '□□□'."""
    return not any(unicodedata.category(char)[0] in "LN" for char in text)


def is_credit(text: str) -> bool:
    """"新渝报记者 黄舒 摄", "本报记者 王五摄", "（图/李四）", "图/本报记者 李四"."""
    inner = _unwrapped(text)
    if len(inner) > 40:
        return False
    if inner.endswith("摄") and not inner.endswith("拍摄"):
        tokens = _tokens(inner[:-1])
        return bool(tokens) and all(_signed_token(t) for t in tokens) and any(_has_name(t) for t in tokens)
    tokens = _tokens(inner)
    return bool(tokens) and re.match(r"(图|摄影|图片)/", tokens[0]) is not None and all(map(_signed_token, tokens))


def is_signature(text: str) -> bool:
    """A whole line in brackets naming people: "(大足区经济信息委 罗庆伟)", "（本报记者 张三、李四）"."""
    plain = normalize(text)
    if not (plain.startswith("(") and plain.endswith(")")) or len(plain) > 60:
        return False
    tokens = _tokens(plain[1:-1])
    if not tokens or not any(_has_name(t) for t in tokens):
        return False
    return all(_signed_token(t) or ORG_TOKEN.fullmatch(t) for t in tokens)


def is_byline(text: str) -> bool:
    """"□ 新渝报记者 何美林 见习记者 彭茜", "本报记者　金　歆", "记者／王五 实习生／赵六", "新渝报讯(记者 X)"."""
    dateline, _, rest = split_opening(text)
    if dateline:
        return not rest  # "本报讯（记者 张三）" or "【大足讯】" alone on its line
    inner = _unwrapped(text)
    tokens = _tokens(inner)
    if len(inner) > 60 or not tokens:
        return False
    return all(_signed_token(t) for t in tokens) and any(
        ROLE_TOKEN.fullmatch(t) or LABEL_TOKEN.fullmatch(t) for t in tokens) and any(_has_name(t) for t in tokens)


def is_heading(text: str) -> bool:
    """Short, no full stop, not ending like a clause: a title, kicker, subtitle, subhead or banner."""
    size = len(re.sub(r"\s", "", text))
    if not 2 <= size <= MAX_HEADING or re.search(r"[。；;]", text):
        return False
    if text[-1] in "，,、：:" or DATELINE_RE.match(normalize(text)):
        return False
    commas = len(re.findall("[，,]", text))
    return not (commas > 1 or commas and size > 25)  # else a clause of running text, cut by a break


def is_enumerated(text: str) -> bool:
    """Subheads inside an article: "一、…", "（二）…", "3.…", "■ …"."""
    return bool(ENUMERATED.match(text))


def ends_sentence(text: str) -> bool:
    """Does a paragraph end here? A word in quotes (…叫“吹哨”) does not end one; 。” does."""
    bare = text.rstrip(CLOSING_QUOTES)
    return not bare or bare[-1] in SENTENCE_END


def split_opening(text: str) -> tuple[str, str, str]:
    """'新渝报讯(记者 熊敏秀)12月7日…' -> ('新渝报讯', '(记者 熊敏秀)', '12月7日…'), raw text kept.

    The dateline (电头) and the bracketed byline that may follow it are cut from the printed text
    itself, so not one character is changed or lost.
    """
    match = DATELINE_RE.match(text)
    if not match:
        return "", "", text
    dateline = match.group(1).strip()
    rest = text[match.end():].lstrip()
    bracket = re.match(r"[(（][^()（）]{1,60}[)）]", rest)
    if bracket and _names_people(bracket.group()):
        return dateline, bracket.group(), rest[bracket.end():].lstrip()
    return dateline, "", rest


def _names_people(bracketed: str) -> bool:
    tokens = _tokens(normalize(bracketed)[1:-1])
    return bool(tokens) and all(_signed_token(t) for t in tokens) and any(_has_name(t) for t in tokens)


def _unwrapped(text: str) -> str:
    plain = normalize(text).lstrip(BULLETS).strip()
    if plain.startswith("(") and plain.endswith(")"):
        plain = plain[1:-1].strip()
    return plain


def _tokens(text: str) -> list[str]:
    """Split a byline into tokens; names padded with spaces ("金 歆") are one token again."""
    text = re.sub(r"\s*([/:])\s*", r"\1", normalize(text))
    return join_padded(re.split(r"[\s,、，;；]+", text))


def _signed_token(token: str) -> bool:
    return bool(ROLE_TOKEN.fullmatch(token) or LABEL_TOKEN.fullmatch(token) or NAME_TOKEN.fullmatch(token))


def _has_name(token: str) -> bool:
    if NAME_TOKEN.fullmatch(token) and not ROLE_TOKEN.fullmatch(token):
        return True
    tail = re.sub(rf"^(?:{ORG})?(?:驻[\u4e00-\u9fff]{{1,6}})?{ROLE}[:/]?|^{LABELS}[:/]", "", token)
    return tail != token and bool(NAME_TOKEN.fullmatch(tail))


def _number(text: str) -> int | None:
    if text.isdigit():
        return int(text) or None
    if text == "十":
        return 10
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (CN_DIGITS.get(ones, 0) if ones else 0)
    value = 0
    for char in text:
        value = value * 10 + CN_DIGITS.get(char, 0)
    return value or None
