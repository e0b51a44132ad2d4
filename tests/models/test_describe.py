"""Effect sizes that profiles rank features by, computed by hand."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from kenal.models.describe import StandardisedMeanDifference


def test_effect_size_leaves_missing_values_out_and_is_zero_where_nothing_varies_or_is_known():
    values = pd.DataFrame({"a": [1.0, 2.0, 3.0, np.nan], "b": [5.0] * 4, "c": [np.nan, np.nan, 1.0, 3.0],
                           "d": [np.nan] * 4})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no NumPy warning reaches the user
        effect = StandardisedMeanDifference(values)
        z = effect(np.array([True, True, False, False]))
    # a: everyone's mean 2 and population deviation sqrt(2/3) over the three known values; members' mean 1.5
    assert z["a"] == pytest.approx(-0.5 / np.sqrt(2 / 3))
    assert (z["b"], z["c"], z["d"]) == (0.0, 0.0, 0.0)  # b does not vary; no member has c; no one has d
    assert effect(np.array([False, False, False, True]))["c"] == pytest.approx(1.0)  # (3 - 2) / 1
