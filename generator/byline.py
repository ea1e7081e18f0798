"""Bylines (署名) as printed, parsed into people with roles.

Handles the styles of 新渝报 and of other papers:
  "□ 新渝报记者 何美林 见习记者 彭茜", "本报记者 金  歆", "新渝报讯(记者 熊敏秀 通讯员 张三)",
  "【大足讯】", "记者／王五 实习生／赵六", "新渝报记者 黄舒 摄", "(大足区经济信息委 罗庆伟)".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

REPORTER = "记者"
TRAINEE = "见习记者"
INTERN = "实习生"
CORRESPONDENT = "通讯员"
PHOTOGRAPHER = "摄影"
AUTHOR = "作者"
ROLES = (REPORTER, TRAINEE, INTERN, CORRESPONDENT, PHOTOGRAPHER, AUTHOR)

# Printed role words, longest first, mapped to the role they mean.
ROLE_WORDS: tuple[tuple[str, str], ...] = (
    ("见习记者", TRAINEE),
    ("摄影记者", PHOTOGRAPHER),
    ("特约记者", REPORTER),
    ("首席记者", REPORTER),
    ("融媒体记者", REPORTER),
    ("记者", REPORTER),
    ("实习生", INTERN),
    ("通讯员", CORRESPONDENT),
    ("摄影", PHOTOGRAPHER),
    ("图", PHOTOGRAPHER),
    ("文", AUTHOR),
    ("作者", AUTHOR),
)
ORG_SUFFIXES = (
    "委", "局", "办", "室", "部", "处", "科", "会", "院", "校", "所", "站", "队", "厅", "联", "中心", "公司",
    "集团", "银行", "医院", "学校", "大学", "报社", "报", "社", "区", "县", "市", "镇", "乡", "街道", "村",
)
BULLETS = "□■◇◆●○★☆▲△▼※·•"
# "新渝报讯" "本报讯" "【大足讯】" "本报北京3月4日电" "新华社重庆12月9日电"
DATELINE_RE = re.compile(r"^\s*(【[^】]{1,20}】|[^\s()（）【】]{1,20}?(?:讯|电)(?=\s|\(|（|$))")
CJK_RE = re.compile(r"^[\u3400-\u9fff]+$")


@dataclass(frozen=True)
class Person:
    """One person named in a byline, with the role printed for them on one article."""

    name: str
    role: str
    org: str = ""


@dataclass(frozen=True)
class Byline:
    printed: str
    people: tuple[Person, ...]
    dateline: str = ""


def normalize(text: str) -> str:
    """Full-width ASCII and ideographic spaces to their plain forms; layout only, names are kept."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", " ", text).strip()


def split_dateline(text: str) -> tuple[str, str]:
    """'新渝报讯(记者 X)' -> ('新渝报讯', '(记者 X)')."""
    text = normalize(text)
    match = DATELINE_RE.match(text)
    if not match:
        return "", text
    return match.group(1), text[match.end():].strip()


def parse_byline(printed: str) -> Byline:
    dateline, rest = split_dateline(printed.strip().lstrip(BULLETS))
    rest = rest.strip().lstrip(BULLETS).strip()
    return Byline(printed=printed.strip(), people=parse_people(rest), dateline=dateline)


def parse_people(text: str) -> tuple[Person, ...]:
    text = normalize(text).strip(BULLETS + " ")
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    photo_credit = False
    if text.endswith("摄") and not text.endswith("摄影"):
        photo_credit, text = True, text[:-1].strip()
    tokens = _tokens(text)
    if not any(_role_of(token) for token in tokens):
        return _signature(tokens, photo_credit)

    people: list[Person] = []
    role, org = REPORTER, ""
    for token in tokens:
        found = _role_of(token)
        if found:
            org, role, name = found
            if name:
                people.append(Person(name, role, org))
        elif _is_name(token):
            people.append(Person(token, role, org))
    if photo_credit:
        # "新渝报记者 黄舒 摄": the people after the last role word took the photo.
        people = [Person(p.name, PHOTOGRAPHER, p.org) if p.role == role else p for p in people]
    return tuple(_dedupe(people))


def _tokens(text: str) -> list[str]:
    """Split on spaces and slashes, re-joining names padded with spaces ("金  歆" -> 金歆).

    A token ending in "/" is a role label ("记者/", "图/") and is never joined to a name.
    """
    text = re.sub(r"\s*/\s*", "/ ", text)
    return join_padded(token.strip("()") for token in re.split(r"[\s,、，;；]+", text))


def join_padded(raw: Iterable[str]) -> list[str]:
    """Tokens with names padded with spaces joined again: ["金", "歆", "李", "明"] -> ["金歆", "李明"]."""
    tokens: list[str] = []
    single = False  # the last token is one CJK character waiting for its other half
    for token in raw:
        if not token:
            continue
        is_single = len(token) == 1 and bool(CJK_RE.match(token))
        if single and is_single:
            tokens[-1] += token
            single = False
        else:
            tokens.append(token)
            single = is_single
    return tokens


def _role_of(token: str) -> tuple[str, str, str] | None:
    """'新渝报记者' -> ('新渝报', 记者, ''); '记者王五' -> ('', 记者, '王五'); '图/' -> ('', 摄影, '')."""
    if token.endswith("/"):
        label = token.rstrip("/")
        return next((("", role, "") for word, role in ROLE_WORDS if label.endswith(word)), ("", AUTHOR, ""))
    for word, role in ROLE_WORDS:
        index = token.find(word)
        if index < 0 or len(word) == 1:
            continue  # 文 and 图 are role words only as "文/" or "图/"
        org, name = token[:index], token[index + len(word):]
        if name and not _is_name(name):
            continue
        if org and not CJK_RE.match(org):
            continue
        return org, role, name
    return None


def _is_name(token: str) -> bool:
    return bool(CJK_RE.match(token)) and 2 <= len(token) <= 4 or bool(re.match(r"^[A-Za-z][A-Za-z.\- ]*$", token))


def _is_org(token: str) -> bool:
    return len(token) > 4 or token.endswith(ORG_SUFFIXES) and len(token) > 2


def _signature(tokens: list[str], photo_credit: bool) -> tuple[Person, ...]:
    """A byline without role words: '大足区经济信息委 罗庆伟' or just names."""
    role = PHOTOGRAPHER if photo_credit else AUTHOR
    org_parts = [token for token in tokens[:-1] if _is_org(token)] if len(tokens) > 1 else []
    names = [token for token in tokens if token not in org_parts and _is_name(token)]
    org = " ".join(org_parts)
    return tuple(_dedupe([Person(name, role, org) for name in names]))


def _dedupe(people: list[Person]) -> list[Person]:
    seen: set[tuple[str, str]] = set()
    unique: list[Person] = []
    for person in people:
        if (person.name, person.role) not in seen:
            seen.add((person.name, person.role))
            unique.append(person)
    return unique
