"""Reading back the last build's search/data/ files for a patch (search_patch): each checked against
the hash the record of the index's files (search_files.py) holds, so that a file changed by hand
or gone makes the index whole."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

from generator import search_index
from generator.search_index import DATA, fragment_name
from generator.search_postings import Mismatch


class Reader:
    """Files of the current output's search/data/, checked against their recorded hashes."""

    def __init__(self, output: Path, files: Mapping[str, str]) -> None:
        self.output = output
        self.files = files
        self.shards: dict[str, dict[str, object]] = {}
        self.damaged: set[str] = set()

    def load(self, name: str) -> object:
        url = f"{DATA}{name}.js"
        expected = self.files.get(url)
        try:
            data = (self.output / url).read_bytes() if expected else b""
        except OSError:
            data = b""
        prefix = f'__xinyuSearch("{name}",'.encode()
        if (not expected or hashlib.sha1(data).hexdigest() != expected or not data.startswith(prefix)
                or not data.endswith(b");\n")):
            self.damaged.add(url)
            raise Mismatch(url)
        try:
            return json.loads(data[len(prefix):-3])
        except ValueError as error:
            raise Mismatch(url) from error

    def shard(self, name: str) -> dict[str, object]:
        if name not in self.shards:
            shard = self.load(name)
            if not isinstance(shard, dict):
                raise Mismatch(name)
            self.shards[name] = shard
        return self.shards[name]

    def text(self, name: str) -> str:
        text = self.load(name)
        if not isinstance(text, str):
            raise Mismatch(name)
        return text

    def document(self, doc: int) -> tuple[str, str]:
        """A document's (title, body) as the old fragments hold them: every chunk but the last is
        CHUNK characters and its overlap, the last runs to the end."""
        texts: list[str] = []
        title = None
        for chunk in range(search_index.MAX_CHUNKS):
            name = fragment_name(doc, chunk)
            if f"{DATA}{name}.js" in self.files:
                fragment = self.load(name)
                if not isinstance(fragment, dict) or not isinstance(fragment.get("x"), str):
                    raise Mismatch(f"fragments of {doc}")
                title = fragment.get("t")
                texts.append(fragment["x"])
        if not texts or not isinstance(title, str):
            raise Mismatch(f"fragments of {doc}")
        return title, "".join(text[:search_index.CHUNK] for text in texts[:-1]) + texts[-1]
