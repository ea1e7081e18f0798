"""A plain-text issue dump as numbered lines: bytes decoded, line ends and layout spaces normalised.

Dumps come as UTF-8 (with or without a BOM), UTF-16 with a BOM, or GB18030/GBK from older systems,
with LF, CRLF or CR line ends. The encoding is detected from the bytes, never from the file name:
a GB18030 reading is accepted only when it is plausible Chinese text, because UTF-8 bytes that fail
to decode often still "decode" as GB18030 into nonsense.
"""

from __future__ import annotations

import codecs
import re
from collections import Counter
from dataclasses import dataclass

BOMS = (
    (codecs.BOM_UTF8, "utf-8", "UTF-8 with BOM"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16LE with BOM"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16BE with BOM"),
)
LINE_END = re.compile(r"\r\n|\r|\n")
# Most characters of real GBK text are in GB2312; mis-decoded UTF-8 lands mostly outside it.
PLAUSIBLE_GB2312_SHARE = 0.9


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # as shown in the report: "UTF-8", "GB18030", "UTF-8 with BOM" ...
    newline: str  # "LF", "CRLF", "CR", "mixed" or "no"


@dataclass(frozen=True)
class Undecodable:
    """Bytes that are neither UTF-8 nor GB18030: where, so an editor can look at the file."""

    offset: int  # byte offset of the first bad byte
    line: int  # 1-based line holding it
    message: str


@dataclass(frozen=True)
class Line:
    """One non-blank line of the dump, layout spaces normalised."""

    number: int  # 1-based line number in the dump
    text: str
    indented: bool = False  # began with layout spaces (a paragraph indent, 段首缩进)
    gap: int = 0  # blank lines just above it


def decode(data: bytes) -> Decoded | Undecodable:
    for bom, codec, label in BOMS:
        if data.startswith(bom):
            try:
                return _decoded(data[len(bom):].decode(codec), label)
            except UnicodeDecodeError as error:
                return _undecodable(data, len(bom) + error.start, label)
    try:
        return _decoded(data.decode("utf-8"), "UTF-8")
    except UnicodeDecodeError as utf8_error:
        utf8_offset = utf8_error.start
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as gb_error:
        # Valid UTF-8 before the bad byte that is not plain ASCII means a UTF-8 file with a bad byte.
        is_utf8 = any(byte >= 0x80 for byte in data[:utf8_offset])
        return _undecodable(data, utf8_offset if is_utf8 else gb_error.start, "UTF-8" if is_utf8 else "GB18030")
    if _plausible_chinese(text):
        return _decoded(text, "GB18030")
    return _undecodable(data, utf8_offset, "UTF-8")


def lines(text: str) -> list[Line]:
    """The non-blank lines, numbered as in the file, each with the blank lines above it."""
    result: list[Line] = []
    gap = 0
    for number, raw in enumerate(LINE_END.split(text), start=1):
        cleaned = normalise_spaces(raw)
        if not cleaned:
            gap += 1
            continue
        indented = raw[:1] in ("\u3000", "\t") or raw.startswith("  ")
        result.append(Line(number, cleaned, indented, gap if result else 0))
        gap = 0
    return result


def normalise_spaces(raw: str) -> str:
    """Layout spaces go, text spaces stay: no indent or trailing space; an inner run becomes one space.

    An inner run holding an ideographic space (全角空格) keeps one, as in "金　歆" or "短　评", where
    the space is part of the printed text; any other run (tabs, no-break spaces, several spaces)
    becomes one ASCII space. Every character that is not a space is kept as it is.
    """
    return re.sub(r"\s+", lambda run: "\u3000" if "\u3000" in run.group() else " ", raw.strip())


def _decoded(text: str, encoding: str) -> Decoded:
    ends = Counter(match.group() for match in LINE_END.finditer(text))
    names = {"\n": "LF", "\r\n": "CRLF", "\r": "CR"}
    newline = "no" if not ends else names[next(iter(ends))] if len(ends) == 1 else "mixed"
    return Decoded(text, encoding, newline)


def _undecodable(data: bytes, offset: int, tried: str) -> Undecodable:
    line = data.count(b"\n", 0, offset) + 1
    byte = data[offset] if offset < len(data) else None
    shown = f"byte 0x{byte:02X}" if byte is not None else "truncated character"
    return Undecodable(
        offset, line, f"cannot decode the dump: {shown} at byte offset {offset} is not valid {tried} "
        "(tried UTF-8, UTF-16 with BOM and GB18030/GBK)"
    )


def _plausible_chinese(text: str) -> bool:
    wide = [char for char in text if ord(char) >= 0x80]
    if not wide:
        return True
    common = sum(1 for char in wide if _in_gb2312(char))
    return common / len(wide) >= PLAUSIBLE_GB2312_SHARE


def _in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True
