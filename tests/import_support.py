"""Shared helpers of the import tests: a throwaway site, reading article files back, the lossless check."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import yaml

from generator import article_file, dump
from generator.config import load_config
from generator.errors import Problem
from generator.import_command import Prepared, prepare

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "import"
SEED = FIXTURES / "xinyubao_2022-12-10.txt"  # the sample issue, ../shared/seed/000_bd1d1f2835588c3b.txt


def make_site(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "site.yaml", folder / "site.yaml")
    return folder


def read_article(path: Path) -> tuple[dict[str, str], str]:
    """(front matter as strings, body) of an article file."""
    text = path.read_text(encoding="utf-8")
    match = re.fullmatch(r"---\n(.*?)\n---\n(.*)", text, re.DOTALL)
    assert match, f"{path} has no front matter"
    meta = yaml.load(match.group(1), Loader=yaml.BaseLoader)
    return meta, match.group(2)


def prepare_in(site: Path, data: bytes, date: dt.date = dt.date(2022, 12, 10), force: bool = False) -> Prepared:
    config = load_config(site)
    prepared = prepare(data, "dump.txt", date, site, config, config.sections[0].name, force)
    assert not isinstance(prepared, Problem), prepared
    return prepared


def nonspace(text: str) -> str:
    return "".join(char for char in text if not char.isspace())


def assert_lossless(prepared: Prepared) -> None:
    """Every non-space character of the dump is, in order, in exactly one written file or in the skipped lines.

    Reads the written files back; the importer's own account is trusted only for which lines it skipped,
    and each of those is checked against the dump itself.
    """
    lines = dump.LINE_END.split(prepared.decoded.text)
    skipped = {item.line for item in prepared.split.skipped}
    for item in prepared.split.skipped:
        assert nonspace(item.text) == nonspace(lines[item.line - 1]), f"skipped line {item.line} misquoted"
    stream = nonspace("".join(line for number, line in enumerate(lines, start=1) if number not in skipped))
    written = [action.path for action in prepared.actions]
    assert len(set(written)) == len(prepared.split.articles)
    position = 0
    for path in written:
        meta, body = read_article(path)
        heading = nonspace(meta.get("kicker", "") + meta["title"] + meta.get("subtitle", ""))
        byline, dateline, text = nonspace(meta.get("byline", "")), nonspace(meta.get("dateline", "")), nonspace(body)
        size = len(heading) + len(byline) + len(dateline) + len(text)
        piece = stream[position:position + size]
        assert _printed_as(piece, heading, byline, dateline, text), f"{path.name} is not the text at {position}"
        position += size
    assert position == len(stream), f"{len(stream) - position} characters of the dump are in no file"


def _printed_as(piece: str, heading: str, byline: str, dateline: str, text: str) -> bool:
    """piece == heading + byline[:i] + dateline + byline[i:j] + text + byline[j:] for some i <= j.

    A byline may be printed above the text, in brackets after the dateline, or under the text.
    """
    if not piece.startswith(heading):
        return False
    rest = piece[len(heading):]
    for i in range(len(byline) + 1):
        if not rest.startswith(byline[:i] + dateline):
            continue
        after = rest[i + len(dateline):]
        for j in range(i, len(byline) + 1):
            if after == byline[i:j] + text + byline[j:]:
                return True
    return False


def write(prepared: Prepared) -> None:
    article_file.write(list(prepared.actions))
