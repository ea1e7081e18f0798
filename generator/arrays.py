"""Array helpers shared by the search index and 相关报道 (numpy)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def distinct(values: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """np.unique(values), by sorting: numpy 2's np.unique imports numpy.ma on first use (some 40 ms of
    a one-article edit, which calls it on a handful of values)."""
    ordered = np.sort(values)
    keep = np.ones(len(ordered), dtype=bool)
    keep[1:] = ordered[1:] != ordered[:-1]
    return ordered[keep]
