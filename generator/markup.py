"""Article bodies: Markdown to safe HTML and plain text.

Raw HTML in a body is shown as text, and links may only use safe schemes, so content can never
inject markup or script. One converter is reused (reset() between files): building a new one per
file costs more than the conversion itself.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import markdown

SAFE_URL = re.compile(r"^(https?:|mailto:|#|[^:]*$)", re.IGNORECASE)
TAG_RE = re.compile(r"<[^>]+>")


def _safe_links(root: etree.Element) -> None:
    for element in root.iter():
        for attribute in ("href", "src"):
            value = element.get(attribute)
            if value is not None and not SAFE_URL.match(value.strip()):
                element.set(attribute, "#")


@cache
def converter() -> markdown.Markdown:
    """Made on first use: most bodies are plain paragraphs (to_html), and importing Markdown and
    loading its extensions took a tenth of the start-up of a build that reads one edited article."""
    import markdown
    from markdown.treeprocessors import Treeprocessor

    class SafeLinks(Treeprocessor):
        def run(self, root: etree.Element) -> None:
            _safe_links(root)

    md = markdown.Markdown(extensions=["tables", "sane_lists"], output_format="html")
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    md.treeprocessors.register(SafeLinks(md), "safe_links", 0)
    return md


# Text in which Markdown would find nothing to do: no markup characters, no line that could open a
# block (list, quote, heading, code, rule), no hard line breaks. Most newspaper bodies are like this.
_MARKUP_CHARS = re.compile(r"[\\`*_\[\]<>&#|=~!{}\t]| \n| $")
_BLOCK_START = re.compile(r"^(?:[ \-+]|\d+[.)])", re.MULTILINE)


def to_html(source: str) -> str:
    if not _MARKUP_CHARS.search(source) and not _BLOCK_START.search(source):
        return _plain(source)
    md = converter()
    md.reset()
    return md.convert(source)


def _plain(source: str) -> str:
    """What Markdown makes of plain paragraphs, without its cost (a test holds the two equal)."""
    paragraphs = (part.strip() for part in re.split(r"\n[ \t]*\n", source.strip()))
    return "\n".join(f"<p>{part}</p>" for part in paragraphs if part)


def to_text(fragment: str) -> str:
    """Plain text of an HTML fragment, one paragraph a line."""
    text = re.sub(r"</(p|h\d|li|tr|blockquote)>", "\n", fragment)
    text = html.unescape(TAG_RE.sub("", text))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())
