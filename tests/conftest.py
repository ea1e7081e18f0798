"""Shared fixtures: the bundled sample site built once, and small sites written by each test."""

from __future__ import annotations

import shutil
from pathlib import Path
from textwrap import dedent

import pytest

from generator import pipeline

ROOT = Path(__file__).resolve().parent.parent

SITE_YAML = """\
title: 测试报
description: 测试用的小报
base_url: https://news.example.org/archive/
language: zh-CN
timezone: Asia/Shanghai
per_page: 2
sections:
  - {name: 要闻, slug: yaowen}
  - {name: 图片新闻, slug: tupian}
"""


def article(title: str = "标题", section: str = "要闻", body: str = "正文。", **fields: object) -> str:
    lines = [f"title: {title}", f"section: {section}"] + [f"{key}: {value}" for key, value in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\n" + dedent(body).strip() + "\n"


def write_site(root: Path, files: dict[str, str], site_yaml: str = SITE_YAML) -> Path:
    """A site folder holding site.yaml and the given files (paths relative to the site)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "site.yaml").write_text(site_yaml, encoding="utf-8")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the bundled sample site (the repository root's site.yaml and content/)."""
    site = tmp_path_factory.mktemp("sample")
    shutil.copy(ROOT / "site.yaml", site / "site.yaml")
    shutil.copytree(ROOT / "content", site / "content")
    for extra in ("dictionary.txt",):
        if (ROOT / extra).exists():
            shutil.copy(ROOT / extra, site / extra)
    return site


@pytest.fixture(scope="session")
def sample_public(sample_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample site built once for every test that reads its output."""
    output = tmp_path_factory.mktemp("public") / "public"
    pipeline.build(sample_site, output)
    return output
