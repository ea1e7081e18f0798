"""arrays.distinct: np.unique's values, without the import of numpy.ma that np.unique makes."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from generator.arrays import distinct


@given(st.lists(st.integers(min_value=-(2**62), max_value=2**62), max_size=60))
def test_distinct_is_numpys_unique(values: list[int]) -> None:
    array = np.array(values, dtype=np.int64)
    found = distinct(array)
    assert found.dtype == np.int64 and found.tolist() == np.unique(array).tolist()
    assert array.tolist() == values  # the input is left as it was
