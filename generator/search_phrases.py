"""Phrase keys: runs of 4-9 CJK characters made only of triples that are frequent in their part.

A phrase frequent across the archive (总结前期经验, in most of the generated articles) is proven
by the positions of its triples in every article that holds them, which costs far more bytes than
its own postings. So a part also indexes, as keys with postings only, the 4-9 character phrases of
its text whose every triple is in at least 1/PHRASE_SHARE of the part's documents.

That choice is made part by part, so a phrase can be indexed in one part and left out in another
where it also occurs. The join keeps a phrase only where that cannot have happened: in every part
that did not index it, one of its triples is absent (so the phrase is too). Kept phrases therefore
have their exact postings; the page looks a term of 4-9 characters up as a key first and proves it
by the positions of triples only when it is not one.

OFF FOR NOW (ENABLED = False): chosen part by part, a phrase key depends on the other articles of
the part and, through `incomplete`, on every part, so an edited article cannot be patched into the
index on its own (search_patch) and every edit would remake the whole index. The plan is to choose
phrases from triples frequent across the whole archive instead: then an article's phrase keys
depend on its own text and that one set, which an edit changes only when a triple's count crosses
the threshold (the patch can see that in the postings it reads, and fall back).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping, Sequence

from generator.search_text import CJK

ENABLED = False  # see above
SHORTEST, LONGEST = 4, 9
PHRASE_SHARE = 128  # a triple in at least 1/128 of a part's documents is frequent there
_CJK_RUN = re.compile(f"[{CJK}]{{{SHORTEST},}}")
_CJK_TRIPLE = re.compile(f"[{CJK}]{{3}}")


def frequent_triples(counts: Iterator[tuple[str, int]], documents: int) -> frozenset[str]:
    """Triples of CJK characters found in at least 1/PHRASE_SHARE of `documents` (and in two)."""
    least = max(2, documents // PHRASE_SHARE)
    return frozenset(key for key, count in counts
                     if count >= least and len(key) == 3 and _CJK_TRIPLE.fullmatch(key))


def phrases(folded: str, starts: Collection[int], frequent: Collection[str]) -> tuple[dict[str, list[int]], set[str]]:
    """Phrase -> [offset * 4 + (a word starts here) * 2 + (a word ends with it)], in text order, for
    the phrases whose every triple is frequent; and those seen at least once as whole words."""
    found: dict[str, list[int]] = {}
    whole: set[str] = set()
    for run in _CJK_RUN.finditer(folded):
        start, text = run.start(), run.group()
        ok = [text[i:i + 3] in frequent for i in range(len(text) - 2)]
        for i in range(len(text) - SHORTEST + 1):
            if not ok[i]:
                continue
            at_start = 2 if start + i in starts else 0
            for length in range(SHORTEST, LONGEST + 1):
                if i + length > len(text) or not ok[i + length - 3]:
                    break
                key = text[i:i + length]
                code = (start + i) * 4 + at_start + (1 if start + i + length in starts else 0)
                seen = found.get(key)
                if seen is None:
                    found[key] = [code]
                else:
                    seen.append(code)
                if code & 3 == 3:
                    whole.add(key)
    return found, whole


def incomplete(indexed: Sequence[Collection[str]], keys: Sequence[Mapping[str, object]]) -> set[str]:
    """Phrases some part may hold without having indexed them: all their triples are in that part.

    `indexed` and `keys` are, part by part, the phrases indexed and every key found.
    """
    everywhere: set[str] = set().union(*indexed) if indexed else set()
    out: set[str] = set()
    for phrase in everywhere:
        triples = [phrase[i:i + 3] for i in range(len(phrase) - 2)]
        for held, found in zip(indexed, keys, strict=True):
            if phrase not in held and all(t in found for t in triples):
                out.add(phrase)
                break
    return out
