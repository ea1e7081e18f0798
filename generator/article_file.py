"""Imported articles as article files (SPEC §2), and writing them without ever losing an editor's work.

A file that exists is never overwritten without --force; one that differs from the import only in the
keys an editor adds by hand (section, page, order, photos, tags) is simply kept; and all files are
written or none: each goes to a temporary file first, and a failure puts every file back as it was.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from generator.importer import ImportedArticle
from generator.slugs import RESERVED, slugify

KEY_ORDER = ("title", "kicker", "subtitle", "date", "section", "page", "order", "byline", "dateline", "kind",
             "photos", "tags", "draft", "slug")
HAND_KEYS = ("section", "page", "order", "photos", "tags", "draft", "slug")  # what a dump cannot carry
# Characters PyYAML accepts unescaped, minus those str.splitlines() would break a line at.
YAML_PLAIN = re.compile("[\t\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")

NEW, UNCHANGED, KEPT, OVERWRITE, CONFLICT = "new", "unchanged", "kept", "overwrite", "conflict"


@dataclass(frozen=True)
class Action:
    path: Path
    text: str  # the file as the import would write it
    status: str  # new | unchanged | kept | overwrite | conflict
    detail: str = ""


def render(article: ImportedArticle, date: dt.date, section: str) -> str:
    values: dict[str, str] = {
        "title": article.title, "kicker": article.kicker, "subtitle": article.subtitle,
        "date": date.isoformat(), "section": section,
        "page": str(article.page or ""), "order": str(article.order or ""),
        "byline": article.byline, "dateline": article.dateline, "kind": article.kind,
    }
    lines = ["---"]
    for key in KEY_ORDER:
        if values.get(key):
            plain = key in ("date", "page", "order")
            lines.append(f"{key}: {values[key] if plain else scalar(values[key])}")
    lines.append("---")
    return "\n".join(lines) + "\n\n" + "\n\n".join(article.paragraphs) + "\n"


def scalar(value: str) -> str:
    """A YAML scalar that reads back as exactly this text: plain where that is safe, else double-quoted."""
    if YAML_PLAIN.fullmatch(value) and value == value.strip():
        try:
            if yaml.load(f"k: {value}", Loader=yaml.BaseLoader) == {"k": value} and \
                    yaml.safe_load(f"k: {value}") == {"k": value}:
                return value
        except yaml.YAMLError:
            pass
    out = []
    for char in value:
        if char in '"\\':
            out.append("\\" + char)
        elif YAML_PLAIN.fullmatch(char) and char != "\t":
            out.append(char)
        elif ord(char) <= 0xFF:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return '"' + "".join(out) + '"'


def file_names(titles: list[str]) -> list[str]:
    """Stable names from the titles (slugs.slugify), numbered when two titles give the same slug."""
    names: list[str] = []
    seen: set[str] = set()
    for title in titles:
        base = slugify(title) or "article"
        base = f"{base}-article" if base in RESERVED else base
        name, number = base, 1
        while name in seen:
            number += 1
            name = f"{base}-{number}"
        seen.add(name)
        names.append(name + ".md")
    return names


def plan(files: list[tuple[Path, str]], force: bool) -> list[Action]:
    return [_action(path, text, force) for path, text in files]


def _action(path: Path, text: str, force: bool) -> Action:
    if not path.exists():
        return Action(path, text, NEW)
    try:
        existing = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        return Action(path, text, CONFLICT, f"exists and cannot be read ({error})")
    if existing == text:
        return Action(path, text, UNCHANGED)
    ours, theirs = _parts(text), _parts(existing)
    if theirs is not None and ours is not None:
        changed = sorted(k for k in set(ours[0]) | set(theirs[0]) if ours[0].get(k) != theirs[0].get(k))
        text_keys = [k for k in changed if k not in HAND_KEYS]
        if not text_keys and ours[1] == theirs[1]:
            return Action(path, existing, KEPT, "hand-edited: " + ", ".join(changed) if changed else "")
        if force:
            merged = _with_hand_keys(text, existing)
            kept_keys = [k for k in HAND_KEYS if k in theirs[0]]
            return Action(path, merged, OVERWRITE, "kept the editor's " + ", ".join(kept_keys) if kept_keys else "")
        what = ", ".join(text_keys + (["body"] if ours[1] != theirs[1] else []))
        return Action(path, text, CONFLICT, f"exists and differs from the import ({what})")
    if force:
        return Action(path, text, OVERWRITE, "the old file had no readable front matter")
    return Action(path, text, CONFLICT, "exists and has no readable front matter")


def _parts(text: str) -> tuple[dict[str, object], str] | None:
    """(front matter, body) of an article file, or None when it cannot be read."""
    match = re.match(r"---\n(.*?)\n---\n(.*)", text.replace("\r\n", "\n"), re.DOTALL)
    if not match:
        return None
    try:
        meta = yaml.load(match.group(1), Loader=yaml.BaseLoader)
    except yaml.YAMLError:
        return None
    return (meta, match.group(2).strip()) if isinstance(meta, dict) else None


def _blocks(text: str) -> dict[str, list[str]]:
    """Top-level front matter keys with their lines (a key line and its indented continuation)."""
    lines = text.replace("\r\n", "\n").split("\n")
    end = lines.index("---", 1) if "---" in lines[1:] else 1
    blocks: dict[str, list[str]] = {}
    key = ""
    for line in lines[1:end]:
        found = re.match(r"^([A-Za-z_]+):", line)
        if found:
            key = found.group(1)
            blocks[key] = [line]
        elif key:
            blocks[key].append(line)
    return blocks


def _with_hand_keys(text: str, existing: str) -> str:
    ours, theirs = _blocks(text), _blocks(existing)
    for key in HAND_KEYS:
        if key in theirs:
            ours[key] = theirs[key]
    body = text.split("\n---\n", 1)[1]
    lines = [line for key in KEY_ORDER if key in ours for line in ours[key]]
    return "---\n" + "\n".join(lines) + "\n---\n" + body


def write(actions: list[Action]) -> None:
    """Write the new and overwritten files, all or none; raises OSError after putting everything back."""
    pending = [action for action in actions if action.status in (NEW, OVERWRITE)]
    made: list[Path] = []
    temporary: list[tuple[Path, Action]] = []
    replaced: list[tuple[Path, bytes | None]] = []
    try:
        for action in pending:
            folder = action.path.parent
            missing = [p for p in (folder, *folder.parents) if not p.exists()]
            folder.mkdir(parents=True, exist_ok=True)
            made.extend(reversed(missing))
            temp = action.path.with_name(f".{action.path.name}.importing")
            with open(temp, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(action.text)
            temporary.append((temp, action))
        for temp, action in temporary:
            before = action.path.read_bytes() if action.path.exists() else None
            os.replace(temp, action.path)
            replaced.append((action.path, before))
    except OSError:
        for path, before in reversed(replaced):
            if before is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(before)
        for temp, _ in temporary:
            temp.unlink(missing_ok=True)
        for folder in reversed(made):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        raise
