"""Parity is exact by default, tolerant only on request, and equal content is equal: missing values
(NaN, NaT, pd.NA, None) wherever they sit. A frame difference names the differing cells."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from etlnb.analyse.diagnostics import CompileError
from etlnb.verify.parity import ParityReport, difference_between, format_report, rule, tolerance

from .conftest import make_notebook

NINTH_DIGIT = (1234.56789012, 1234.56789013)  # differ in the 12th significant digit
NINTH = (0.123456789, 0.123456788)  # in the 9th


def test_floats_are_exact_unless_a_tolerance_is_asked_for():
    for left, right in (NINTH_DIGIT, NINTH):
        assert difference_between(left, right) == f"notebook {left!r}, flow {right!r}"
        assert difference_between(np.float64(left), np.float64(right)) is not None
        assert difference_between(np.array([left, 1.0]), np.array([right, 1.0])) is not None
        assert difference_between(pd.Series([left]), pd.Series([right])) is not None
        assert difference_between({"k": (left,)}, {"k": (right,)}) is not None
    with tolerance(1e-6):
        assert rule() == "floats within rtol 1e-06"
        assert difference_between(*NINTH) is None
        assert difference_between(np.array([NINTH[0]]), np.array([NINTH[1]])) is None
        assert difference_between(pd.DataFrame({"a": [NINTH[0]]}), pd.DataFrame({"a": [NINTH[1]]})) is None
        assert "beyond rtol 1e-06" in difference_between(0.1, 0.2)
    assert rule() == "exact"


MISSING = [float("nan"), np.nan, np.float32("nan"), pd.NaT, pd.NA, None, np.datetime64("NaT"), np.timedelta64("NaT")]


@pytest.mark.parametrize("value", MISSING, ids=repr)
def test_a_missing_value_equals_itself_wherever_it_sits(value):
    import pickle

    copy = pickle.loads(pickle.dumps(value))  # as capture brings it back from the other run
    assert difference_between(value, copy) is None
    assert difference_between([1, value], [1, copy]) is None
    assert difference_between((value, "x"), (copy, "x")) is None
    assert difference_between({"k": value}, {"k": copy}) is None
    objects = np.array([value, "x", 1], dtype=object)
    assert difference_between(objects, pickle.loads(pickle.dumps(objects))) is None
    frame = pd.DataFrame({"o": pd.Series([value, "x"], dtype=object), "f": [1.5, np.nan]})
    assert difference_between(frame, pickle.loads(pickle.dumps(frame))) is None


def test_missing_is_not_equal_to_a_value_or_to_another_kind_of_missing():
    assert difference_between(np.array([pd.NaT, 1], dtype=object), np.array([pd.NaT, 2], dtype=object)) is not None
    assert difference_between([None], [float("nan")]) is not None  # None and NaN are different values
    assert difference_between([pd.NaT], [1]) is not None


def test_a_frame_difference_names_the_cells_with_both_values_and_the_count():
    left = pd.DataFrame({"city": [f"c{i}" for i in range(200)], "temp": [float(i) for i in range(200)]})
    right = left.copy()
    right.loc[150, "temp"] = 150.0000001
    right.loc[180, "city"] = "elsewhere"
    detail = difference_between(left, right)
    first, *rest = detail.splitlines()
    assert first == "2 of 400 cells differ; first row 180 column 'city': notebook 'c180', flow 'elsewhere'", detail
    assert rest == ["row 150 column 'temp': notebook 150.0, flow 150.0000001"], detail
    assert "c0" not in detail  # the equal rows are not printed


def test_the_report_says_which_rule_it_used():
    assert format_report(ParityReport(compared=2), "nb.ipynb").endswith("parity ok (2 values equal; exact)")
    with tolerance(1e-9):
        assert format_report(ParityReport(compared=2), "nb.ipynb").endswith(
            "(2 values equal; floats within rtol 1e-09)"
        )


@pytest.mark.parametrize("bad", ["-1", "2", '"tight"', "true", "nan"])
def test_parity_rtol_must_be_a_tolerance(tmp_path, bad):
    from etlnb.pipeline import compile_file

    value = json.loads(bad) if bad != "nan" else math.nan
    notebook = tmp_path / "nb.ipynb"
    notebook.write_text(
        make_notebook([("x = 1", ["extract"])], metadata={"etlnb": {"parity_rtol": value}}), encoding="utf-8"
    )
    with pytest.raises(CompileError) as refused:
        compile_file(notebook, tmp_path / "build")
    message = refused.value.diagnostics[0].message
    assert "parity_rtol" in message and "metadata.etlnb" in message, message
