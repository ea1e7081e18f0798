"""The fullest folders of a built output: a FAT32 USB stick holds at most 65,534 entries a folder
(a long file name takes several), and search/data/ keeps every folder to search_index.FOLDER.

usage: python benchmarks/folders.py OUTPUT [--top N]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def fullest(output: Path, top: int = 10) -> list[tuple[int, str]]:
    """(entries, folder relative to output), the fullest first."""
    counts = []
    for folder, subfolders, files in os.walk(output):
        counts.append((len(subfolders) + len(files), Path(folder).relative_to(output).as_posix()))
    return sorted(counts, key=lambda c: (-c[0], c[1]))[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    for entries, folder in fullest(args.output, args.top):
        print(f"{entries:8d}  {folder}")


if __name__ == "__main__":
    main()
