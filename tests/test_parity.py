"""Parity: the notebook's step outputs against the compiled flow's, on real runs."""

from __future__ import annotations

import pytest

from etlnb.parity import difference_between
from etlnb.runner import parity_check

from .conftest import make_notebook

GOOD = [
    ("import os", ["imports"]),
    ("rate = 2.0", ["parameters"]),
    ("values = [1.0, 2.0, 3.0]", ["extract"]),
    ("scaled = [v * rate for v in values]", ["transform"]),
    ("total = sum(scaled)", ["transform"]),
    ("print(total)", ["load"]),
]


def _write(tmp_path, cells, name="paritynb"):
    path = tmp_path / "proj" / f"{name}.ipynb"
    path.parent.mkdir(exist_ok=True)
    path.write_text(make_notebook(cells))
    return path


@pytest.mark.integration
def test_good_notebook_has_parity(tmp_path, prefect_server):
    outcome = parity_check(_write(tmp_path, GOOD), tmp_path / "build", prefect_server)
    assert outcome.ok, outcome.text
    assert "parity ok (3 values equal)" in outcome.text


@pytest.mark.integration
def test_step_depending_on_notebook_only_state_is_named(tmp_path, prefect_server):
    """An untagged cell sets an environment variable that a step reads: invisible to the name analysis."""
    cells = list(GOOD)
    cells.insert(2, ("os.environ['ETLNB_TEST_OFFSET'] = '10'", []))
    cells[4] = ("scaled = [v * rate + float(os.environ.get('ETLNB_TEST_OFFSET', '0')) for v in values]", ["transform"])
    outcome = parity_check(_write(tmp_path, cells), tmp_path / "build", prefect_server)
    assert not outcome.ok
    first = outcome.text.splitlines()[0]
    assert "cell 4 [transform] id=c4" in first and "`scaled`" in first, outcome.text
    assert "item 0" in outcome.text  # a short diff says where


@pytest.mark.integration
def test_step_whose_flow_version_differs_is_named(tmp_path, prefect_server):
    """A step that behaves differently outside the Jupyter kernel."""
    cells = list(GOOD)
    cells[0] = ("import os\nimport sys", ["imports"])
    cells[5] = ("total = sum(scaled) + (1 if 'ipykernel' in sys.modules else 0)", ["transform"])
    cells.insert(6, ("print(total)", []))
    outcome = parity_check(_write(tmp_path, cells), tmp_path / "build", prefect_server)
    assert not outcome.ok
    first = outcome.text.splitlines()[0]
    assert "cell 5 [transform] id=c5" in first and "`total`" in first, outcome.text
    assert "notebook 13.0, flow 12.0" in first


@pytest.mark.integration
def test_unpicklable_output_is_reported_as_not_compared(tmp_path, prefect_server):
    cells = [
        ("import threading", ["imports"]),
        ("lock = threading.Lock()\nn = 3", ["extract"]),
        ("with lock:\n    m = n + 1", ["transform"]),
        ("print(m)", ["load"]),
    ]
    outcome = parity_check(_write(tmp_path, cells), tmp_path / "build", prefect_server)
    assert outcome.ok, outcome.text
    assert "not compared: cell 1 [extract] id=c1 `lock`: notebook value could not be pickled" in outcome.text, (
        outcome.text
    )


def test_dataframe_rules_dtype_order_and_float_tolerance():
    pd = pytest.importorskip("pandas")
    a = pd.DataFrame({"x": [1, 2], "y": [0.1, 0.2]})
    assert difference_between(a, a.copy()) is None
    assert difference_between(a, a.assign(y=a["y"] + 1e-9)) is None  # within rtol 1e-5
    assert "dtype" in difference_between(a, a.astype({"x": "float64"}))
    assert difference_between(a, a.iloc[::-1]) is not None  # row order matters
    assert difference_between(a, a[["y", "x"]]) is not None  # column order matters
    assert "notebook has DataFrame, flow has list" == difference_between(a, [1])


def test_plain_values_nested_containers_and_types():
    assert difference_between({"a": [1, 2]}, {"a": [1, 2]}) is None
    assert difference_between({"a": [1, 2]}, {"a": [1, 3]}) == "key 'a': item 1: " + difference_between(2, 3)
    assert difference_between(1, 1.0) is not None  # int vs float is a difference
    assert "2 items" in difference_between([1, 2], [1])
