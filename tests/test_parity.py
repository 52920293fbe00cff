"""Parity: the notebook's step outputs against the compiled flow's, on real runs."""

from __future__ import annotations

import json

import pytest

from etlnb.verify import capture
from etlnb.verify.parity import DIFFERENT, NOT_COMPARED, compare, difference_between
from etlnb.verify.runner import parity_check

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
    assert "parity ok (3 values equal; exact)" in outcome.text


@pytest.mark.integration
def test_step_depending_on_notebook_only_state_is_named(tmp_path, prefect_server):
    """An untagged cell sets an environment variable that a step reads. Written in the cell, check
    refuses it; through a notebook helper it is invisible to the analysis, and parity names the step."""
    cells = list(GOOD)
    cells.insert(2, ("os.environ['ETLNB_TEST_OFFSET'] = '10'", []))
    cells[4] = ("scaled = [v * rate + float(os.environ.get('ETLNB_TEST_OFFSET', '0')) for v in values]", ["transform"])
    refused = parity_check(_write(tmp_path, cells, "direct"), tmp_path / "build", prefect_server)
    first = refused.text.splitlines()[0]
    assert not refused.ok and "cell 3 (id=c2): line 1: error: changes the environment" in first, first
    cells.insert(1, ("def set_offset():\n    os.environ['ETLNB_TEST_OFFSET'] = '10'", ["functions"]))
    cells[3] = ("set_offset()", [])
    outcome = parity_check(_write(tmp_path, cells), tmp_path / "build", prefect_server)
    assert not outcome.ok
    first = outcome.text.splitlines()[0]
    assert "cell 6 [transform] id=c5" in first and "`scaled`" in first, outcome.text
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
    assert "cell 6 [transform] id=c5" in first and "`total`" in first, outcome.text
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
    assert "not compared: cell 2 [extract] id=c1 `lock`: notebook value could not be pickled" in outcome.text, (
        outcome.text
    )


def test_dataframe_rules_dtype_order_and_exact_floats():
    pd = pytest.importorskip("pandas")
    a = pd.DataFrame({"x": [1, 2], "y": [0.1, 0.2]})
    assert difference_between(a, a.copy()) is None
    assert difference_between(a, a.assign(y=a["y"] + 1e-9)) is not None  # exact unless asked
    assert "dtype" in difference_between(a, a.astype({"x": "float64"}))
    assert difference_between(a, a.iloc[::-1]) is not None  # row order matters
    assert difference_between(a, a[["y", "x"]]) is not None  # column order matters
    assert "notebook has DataFrame, flow has list" == difference_between(a, [1])


def test_plain_values_nested_containers_and_types():
    assert difference_between({"a": [1, 2]}, {"a": [1, 2]}) is None
    assert difference_between({"a": [1, 2]}, {"a": [1, 3]}) == "key 'a': item 1: " + difference_between(2, 3)
    assert difference_between(1, 1.0) is not None  # int vs float is a difference
    assert "2 items" in difference_between([1, 2], [1])


IN_KERNEL = "in_kernel = 'ipykernel' in sys.modules"


@pytest.mark.integration
def test_file_and_table_differences_are_all_reported_and_the_folder_is_untouched(tmp_path, prefect_server):
    """The flow writes another file and 0 rows instead of 2 rows: both named, with the cell that wrote them."""
    cells = [
        ("import os\nimport sqlite3\nimport sys", ["imports"]),
        ("rows = [(1, 'a'), (2, 'b')]", ["extract"]),
        (
            f"{IN_KERNEL}\nos.makedirs('out', exist_ok=True)\n"
            "with open('out/report.txt', 'w') as f:\n    f.write('header\\n' + ('kernel' if in_kernel else 'flow'))",
            ["load"],
        ),
        (
            f"{IN_KERNEL}\ndb = sqlite3.connect('out/x.db')\ndb.execute('CREATE TABLE t (n, s)')\n"
            "db.executemany('INSERT INTO t VALUES (?, ?)', rows if in_kernel else [])\ndb.commit()\ndb.close()",
            ["load"],
        ),
    ]
    path = _write(tmp_path, cells)
    outcome = parity_check(path, tmp_path / "build", prefect_server)
    assert not outcome.ok
    text = outcome.text
    assert f"{path}: cell 3 [load] id=c2: parity mismatch in file out/report.txt: line 2 differs" in text, text
    assert "notebook: 'kernel'" in text and "flow:     'flow'" in text
    assert (
        f"{path}: cell 4 [load] id=c3: parity mismatch in table `t` in out/x.db: notebook has 2 rows, flow has 0"
        in text
    )
    assert not (path.parent / "out").exists()  # both runs used scratch copies


@pytest.mark.integration
def test_parity_passes_with_model_dataclass_nan_csv_and_ignored_timing(tmp_path, prefect_server):
    cells = [
        (
            "import os\nimport time\nfrom dataclasses import dataclass\n\nimport numpy as np\nimport pandas as pd\n"
            "from sklearn.ensemble import RandomForestClassifier",
            ["imports"],
        ),
        (
            "@dataclass\nclass Point:\n    x: int\n    y: float\n\n\nclass Box:\n    def __init__(self, v):\n        self.v = v",
            ["functions"],
        ),
        (
            "t_start = time.time()\nvalues = [1.0, float('nan'), 3.0]\nframe = pd.DataFrame({'a': [1.0, np.nan], 'b': [1, 2]})",
            ["extract"],
        ),
        (
            "X = np.arange(40).reshape(20, 2)\ny = (X[:, 0] > 20).astype(int)\n"
            "model = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)\n"
            "point = Point(1, 2.5)\nbox = Box({'k': [float('nan')]})\nt_end = time.time()",
            ["transform"],
        ),
        ("os.makedirs('out', exist_ok=True)\nframe.to_csv('out/frame.csv', index=False)", ["load"]),
    ]
    path = _write(tmp_path, cells)
    nb = json.loads(path.read_text())
    nb["metadata"]["etlnb"] = {"parity_ignore": ["t_start", "t_end"]}
    path.write_text(json.dumps(nb))
    outcome = parity_check(path, tmp_path / "build", prefect_server)
    assert outcome.ok, outcome.text
    assert outcome.text.splitlines()[0].endswith("parity ok (7 values equal, 1 written files equal; exact)"), (
        outcome.text
    )
    assert "ignored: cell 3 [extract] id=c2 `t_start` (metadata.etlnb.parity_ignore)" in outcome.text
    assert "ignored: cell 4 [transform] id=c3 `t_end`" in outcome.text
    assert "not compared" not in outcome.text


def test_nan_equals_nan_in_the_same_place_also_nested():
    nan = float("nan")
    assert difference_between([1.0, nan], [1.0, nan]) is None
    assert difference_between({"a": (nan, 2)}, {"a": (nan, 2)}) is None
    assert difference_between([nan, 1.0], [1.0, nan]) == "item 0: notebook nan, flow 1.0 (2 of 2 items differ)"


def test_identity_equality_is_never_a_verdict():
    class Opaque:
        pass

    status, detail = compare(Opaque(), Opaque())
    assert status == NOT_COMPARED and "no value equality (its == is identity)" in detail
    status, detail = compare([1, Opaque()], [1, Opaque()])
    assert status == NOT_COMPARED and detail.startswith("item 1: ")
    assert compare([2, Opaque()], [1, Opaque()])[0] == DIFFERENT  # a real difference still counts


def test_lists_name_the_first_differing_index_and_both_values():
    assert difference_between([1, 2, 3, 4], [1, 2, 5, 4]) == "item 2: notebook 3, flow 5"
    assert (
        difference_between([1, 2, 3], [1, 9])
        == "notebook list has 3 items, flow list has 2; first difference at item 1"
    )
    assert difference_between({"a": 1}, {"b": 1}) == "keys only in the notebook: ['a']; keys only in the flow: ['b']"


def test_notebook_objects_compare_by_fields():
    a = capture.NotebookObject("Point", "dataclass", {"x": 1, "y": float("nan")})
    assert difference_between(a, capture.NotebookObject("Point", "dataclass", {"x": 1, "y": float("nan")})) is None
    b = capture.NotebookObject("Point", "dataclass", {"x": 2, "y": float("nan")})
    assert difference_between(a, b) == "field `x`: notebook 1, flow 2"


def test_sklearn_estimators_by_params_and_fitted_attributes():
    np = pytest.importorskip("numpy")
    ensemble = pytest.importorskip("sklearn.ensemble")
    X = np.arange(40).reshape(20, 2)
    y = (X[:, 0] > 20).astype(int)

    def fit(seed):
        return ensemble.RandomForestClassifier(n_estimators=3, random_state=seed).fit(X, y)

    assert difference_between(fit(0), fit(0)) is None
    assert difference_between(ensemble.RandomForestClassifier(), ensemble.RandomForestClassifier()) is None  # unfitted
    assert difference_between(fit(0), fit(1)).startswith("parameter `random_state`: notebook 0, flow 1")


@pytest.mark.integration
def test_flow_failing_where_the_notebook_ran_is_a_mismatch(tmp_path, prefect_server):
    cells = [
        ("import sys", ["imports"]),
        ("xs = [1, 2]", ["extract"]),
        (
            "ys = [x + 1 for x in xs]\nif 'ipykernel' not in sys.modules:\n    raise RuntimeError('only in the flow')",
            ["transform"],
        ),
        ("print(ys)", ["load"]),
    ]
    path = _write(tmp_path, cells)
    outcome = parity_check(path, tmp_path / "build", prefect_server)
    assert not outcome.ok
    first = outcome.text.splitlines()[0]
    assert first == f"{path}: the compiled flow failed (cell 3 (id=c2) [transform] line 3) but the notebook ran"
    assert (
        "not compared: cell 3 [transform] id=c2 `ys`: flow value was not captured (the flow's task raised)"
        in outcome.text
    )
