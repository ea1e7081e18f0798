"""Chinese word segmentation (分词) with jieba, for search and related articles."""

from __future__ import annotations

import logging

import jieba

jieba.setLogLevel(logging.WARNING)


def words(text: str) -> list[str]:
    """jieba's words of a text, in order, spaces and punctuation included as tokens."""
    return jieba.lcut(text, HMM=True)
