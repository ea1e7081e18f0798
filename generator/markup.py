"""Article bodies: Markdown to safe HTML and plain text.

Raw HTML in a body is shown as text, and links may only use safe schemes, so content can never
inject markup or script. One converter is reused (reset() between files): building a new one per
file costs more than the conversion itself.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree

import markdown
from markdown.treeprocessors import Treeprocessor

SAFE_URL = re.compile(r"^(https?:|mailto:|#|[^:]*$)", re.IGNORECASE)
TAG_RE = re.compile(r"<[^>]+>")


class _SafeLinks(Treeprocessor):
    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value is not None and not SAFE_URL.match(value.strip()):
                    element.set(attribute, "#")


def _converter() -> markdown.Markdown:
    md = markdown.Markdown(extensions=["tables", "sane_lists"], output_format="html")
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    md.treeprocessors.register(_SafeLinks(md), "safe_links", 0)
    return md


_MD = _converter()


def to_html(source: str) -> str:
    _MD.reset()
    return _MD.convert(source)


def to_text(fragment: str) -> str:
    """Plain text of an HTML fragment, one paragraph a line."""
    text = re.sub(r"</(p|h\d|li|tr|blockquote)>", "\n", fragment)
    text = html.unescape(TAG_RE.sub("", text))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())
