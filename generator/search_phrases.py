"""Phrase keys: runs of 4-9 CJK characters made only of triples that are frequent in the archive.

A phrase frequent across the archive (总结前期经验, in most of the generated articles) is proven
by the positions of its triples in every article that holds them, which costs far more bytes than
its own postings. So the index also holds, as keys with postings only, the 4-9 character phrases
whose every triple is in at least `least(N)` of the archive's N documents (about 1/PHRASE_SHARE of
them, a power of two). The page looks a term of 4-9 CJK characters up as a key first, and proves it by the
positions of its triples only when it is not one.

The frequent triples are chosen over the whole archive (their document counts summed over the
parts), so every document that holds such a phrase indexes it: its postings are exact, and a
document's phrase keys depend only on its own text and that one set. That is what lets an edited
article be patched in (search_patch): the set changes only when a triple's count crosses `least`,
or `least` itself changes, and the patch sees both and makes the index whole then.

Hence two phases (search_analysis): a part's pairs and triples, which give the counts; then, given
the set, each part's phrase keys, from its texts and the word lengths kept in the part (cheaper
than cutting the texts with jieba again). A part's phrase keys depend only on its texts, its word
boundaries and the frequent triples it holds, so they are kept by a digest of those (`digest`).
"""

from __future__ import annotations

import hashlib
import re
from array import array
from collections.abc import Callable, Collection, Container, Iterable, Sequence
from itertools import accumulate

from generator.search_text import CJK

SHORTEST, LONGEST = 4, 9
# A triple in at least about 1/16 of the archive's documents is frequent. Measured on 10,000
# generated articles, one part of 512: from 1/128 (least 64), 123,837 phrase keys and 1.8 s; from
# 1/16 (least 512), 16,329 keys and 1.1 s; the phrases that cost a query most are made of triples in
# thousands of articles, which both lines catch.
PHRASE_SHARE = 16
_CJK_RUN = re.compile(f"[{CJK}]{{{SHORTEST},}}")
_CJK_TRIPLE = re.compile(f"[{CJK}]{{3}}")

# A text's jieba words as their lengths, in order: a byte each (an array where one is longer).
Lengths = bytes | array  # type: ignore[type-arg]
Found = dict[str, list[int]]  # phrase -> [offset * 4 + word boundary bits]


def least(documents: int) -> int:
    """The document count from which a triple is frequent in an archive of `documents`: the power
    of two (2 or more) at or below 1/PHRASE_SHARE of them. It moves only when the archive doubles,
    not with every new issue (when it moves, other documents' phrase keys change: search_patch
    makes the index whole)."""
    share = documents // PHRASE_SHARE
    return max(2, 1 << max(0, share.bit_length() - 1))


def is_triple(key: str) -> bool:
    """A key that can be part of a phrase: three CJK characters."""
    return len(key) == 3 and _CJK_TRIPLE.fullmatch(key) is not None


def frequent(counts: Iterable[tuple[str, int]], at_least: int) -> frozenset[str]:
    """The CJK triples among (key, document count) found in at least `at_least` documents."""
    return frozenset(key for key, count in counts if count >= at_least and is_triple(key))


def lengths(words: Sequence[str]) -> Lengths:
    sizes = [len(word) for word in words]
    try:
        return bytes(sizes)
    except ValueError:  # a word of 256 characters or more (a long Latin run)
        return array("I", sizes)


def starts(sizes: Lengths) -> set[int]:
    """Offsets where a word starts, and the end of the text."""
    return set(accumulate(sizes, initial=0))


def digest(held: Iterable[str], words: Iterable[tuple[Lengths, Lengths]]) -> str:
    """What a part's phrase keys are made from besides its texts (which name the part): the
    frequent triples it holds, in order, and its documents' word lengths."""
    hashed = hashlib.blake2b("\n".join(sorted(held)).encode(), digest_size=20)
    for title, body in words:
        for sizes in (title, body):
            data = bytes(sizes)
            hashed.update(len(data).to_bytes(8, "little"))
            hashed.update(data)
    return hashed.hexdigest()


def held(frequent_triples: Collection[str], keys: Container[str]) -> list[str]:
    """The frequent triples a part holds: only they decide its phrase keys."""
    return sorted(key for key in frequent_triples if key in keys)


def phrases(folded: str, starts: Collection[int], frequent: Collection[str]) -> tuple[Found, set[str]]:
    """Phrase -> [offset * 4 + (a word starts here) * 2 + (a word ends with it)], in text order, for
    the phrases whose every triple is frequent; and those seen at least once as whole words.

    The rule a text at a time: the build finds a whole part's phrases at once with numpy
    (search_phrase_vector), held equal to this (search_reference.phrase_keys, tests)."""
    return _walk(folded, starts, frequent, _all_frequent)


def edges(folded: str, starts: Collection[int], frequent: Collection[str]) -> tuple[Found, set[str]]:
    """Edge keys, as `phrases` gives phrase keys: the runs of 4-9 CJK characters whose triples are all
    frequent but the last (a run of frequent triples and the character after it) or all but the
    first (the character before it and the run). They are kept with positions, as triples are, so
    a term that joins a frequent run to rarer text is proven by them, rare as their rarer triple,
    instead of by the positions of the run's triples in most of the archive (大足区残联建: 大足区残
    and 残联建; 加快推进防汛抗旱: 加快推进防 and 进防汛抗旱). One of an edge key's triples is not
    frequent and all of a phrase key's are, so no key is both."""
    return _walk(folded, starts, frequent, _one_end_loose)


# A rule looks at whether each triple of a run is frequent (ok) and at the key of `length` characters
# starting at i: True keeps it, False passes it over, None ends the keys starting at i (longer ones
# would fail the rule too).
Rule = Callable[[list[bool], int, int], bool | None]


def _all_frequent(ok: list[bool], i: int, length: int) -> bool | None:
    return True if ok[i] and ok[i + length - 3] else None  # the triples between were checked when shorter


def _one_end_loose(ok: list[bool], i: int, length: int) -> bool | None:
    if not all(ok[i + 1:i + length - 3]):  # the triples between the first and the last
        return None
    return ok[i] != ok[i + length - 3]


def _walk(folded: str, starts: Collection[int], frequent: Collection[str], rule: Rule) -> tuple[Found, set[str]]:
    found: Found = {}
    whole: set[str] = set()
    for run in _CJK_RUN.finditer(folded):
        start, text = run.start(), run.group()
        ok = [text[i:i + 3] in frequent for i in range(len(text) - 2)]
        for i in range(len(text) - SHORTEST + 1):
            at_start = 2 if start + i in starts else 0
            for length in range(SHORTEST, min(LONGEST, len(text) - i) + 1):
                keep = rule(ok, i, length)
                if keep is None:
                    break
                if not keep:
                    continue
                key = text[i:i + length]
                code = (start + i) * 4 + at_start + (1 if start + i + length in starts else 0)
                found.setdefault(key, []).append(code)
                if code & 3 == 3:
                    whole.add(key)
    return found, whole
