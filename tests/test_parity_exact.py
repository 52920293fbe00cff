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


def test_missing_values_inside_object_cells_and_as_dict_keys_are_equal():
    """pandas' own check calls `[nan]` in an object cell unequal to itself, and each run's NaN key
    is another object: neither is a difference."""
    import pickle

    frame = pd.DataFrame({"o": [None, [float("nan")], (pd.NaT, 1)]})
    assert difference_between(frame, pickle.loads(pickle.dumps(frame))) is None
    keyed = {float("nan"): [1], "a": 2}
    assert difference_between(keyed, pickle.loads(pickle.dumps(keyed))) is None
    assert "key nan" in difference_between({float("nan"): 1}, {float("nan"): 2})
    assert difference_between(pd.DataFrame({"o": [[float("nan")], [1]]}), pd.DataFrame({"o": [[float("nan")], [2]]}))


def test_signed_zero_is_a_difference_in_exact_mode():
    """The same code gives the same bits: -0.0 prints (and divides) otherwise than 0.0."""
    assert difference_between(-0.0, 0.0) == "notebook -0.0, flow 0.0"
    assert difference_between(0.0, 0.0) is None and difference_between(-0.0, -0.0) is None
    assert "signed zero" in difference_between(np.array([1.0, -0.0]), np.array([1.0, 0.0]))
    found = difference_between(pd.DataFrame({"z": [1.0, -0.0]}), pd.DataFrame({"z": [1.0, 0.0]}))
    assert "row 1 column 'z': notebook -0.0, flow 0.0" in found, found
    assert difference_between(pd.Series([-0.0]), pd.Series([0.0])) is not None
    with tolerance(1e-9):
        assert difference_between(-0.0, 0.0) is None
    # pandas' own dtypes next to float columns: compared, never "comparison failed"
    strings = pd.DataFrame({"s": pd.array(["a", None], dtype="string"), "n": pd.array([1.5, None], dtype="Float64")})
    strings["f"] = [0.0, 1.0]
    assert difference_between(strings, strings.copy()) is None
    other = strings.copy()
    other.loc[0, "s"] = "b"
    assert "row 0 column 's'" in difference_between(strings, other)


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


def _gzip(data: bytes, mtime: int) -> bytes:
    import gzip
    import io

    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=mtime, filename="report.csv") as f:
        f.write(data)
    return out.getvalue()


def _zip(members: dict[str, bytes], year: int) -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in members.items():
            z.writestr(zipfile.ZipInfo(name, date_time=(year, 1, 1, 0, 0, 0)), data)
    return out.getvalue()


def test_archives_whose_bytes_differ_only_in_embedded_timestamps_are_equal(tmp_path):
    from etlnb.verify.parity import compare_files

    def findings(left: bytes, right: bytes, name: str) -> list[str]:
        (tmp_path / "nb").mkdir(exist_ok=True)
        (tmp_path / "flow").mkdir(exist_ok=True)
        (tmp_path / "nb" / name).write_bytes(left)
        (tmp_path / "flow" / name).write_bytes(right)
        return [f.detail for f in compare_files(name, tmp_path / "nb" / name, tmp_path / "flow" / name, "cell 3", {})]

    rows = b"city,temp\noslo,3.5\n"
    assert _gzip(rows, 1) != _gzip(rows, 2)
    assert findings(_gzip(rows, 1), _gzip(rows, 2), "out.csv.gz") == []
    [detail] = findings(_gzip(rows, 1), _gzip(b"city,temp\noslo,3.6\n", 1), "out.csv.gz")
    assert detail.startswith("contents differ (decompressed): line 2 differs"), detail
    sheet = {"xl/worksheets/sheet1.xml": b"<row>1</row>", "docProps/core.xml": b"<created>2026-01-01</created>"}
    later = dict(sheet, **{"docProps/core.xml": b"<created>2026-01-02</created>"})
    assert findings(_zip(sheet, 2020), _zip(later, 2024), "out.xlsx") == []
    [detail] = findings(
        _zip(sheet, 2020), _zip(dict(sheet, **{"xl/worksheets/sheet1.xml": b"<row>2</row>"}), 2020), "o.xlsx"
    )
    assert detail.startswith("archive member xl/worksheets/sheet1.xml differs"), detail
    # an archive inside an archive (a .json.gz in a zip): its timestamps are set aside too
    inner = {"x.json.gz": _gzip(b'{"a": 1}', 1)}
    assert findings(_zip(inner, 2020), _zip({"x.json.gz": _gzip(b'{"a": 1}', 2)}, 2020), "nested.zip") == []
    [detail] = findings(_zip(inner, 2020), _zip({"x.json.gz": _gzip(b'{"a": 2}', 1)}, 2020), "nested2.zip")
    assert detail.startswith("archive member x.json.gz differs: contents differ (decompressed)"), detail


def test_paths_that_differ_only_by_each_runs_folder_are_equal(tmp_path):
    from pathlib import PurePosixPath

    from etlnb.verify.parity import scratch_roots

    nb, flow = tmp_path / "parity" / "notebook", tmp_path / "parity" / "flow"
    left, right = f"{nb.resolve()}/proj/data.csv", f"{flow.resolve()}/proj/data.csv"
    assert difference_between(left, right) is not None  # outside parity: different strings
    with scratch_roots(nb, flow):
        assert difference_between(left, right) is None
        assert difference_between({"src": PurePosixPath(left)}, {"src": PurePosixPath(right)}) is None
        assert difference_between(left, f"{flow.resolve()}/proj/other.csv") is not None
    # a temporary folder's random name (tempfile) differs in every run
    assert difference_between("/tmp/tmpab3_x9yz/v.txt", "/tmp/tmp0q1w2e3r/v.txt") is None
    assert difference_between("/tmp/tmpab3_x9yz/v.txt", "/tmp/tmp0q1w2e3r/w.txt") is not None


def test_a_fitted_search_is_compared_without_its_timings():
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV

    x = np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]])
    y = np.array([0, 0, 0, 1, 1, 1])
    first = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=2).fit(x, y)
    second = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=2).fit(x, y)
    second.refit_time_ = first.refit_time_ + 1.0  # timings differ run to run
    second.cv_results_["mean_fit_time"] = first.cv_results_["mean_fit_time"] + 1.0
    assert difference_between(first, second) is None
    third = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=2).fit(x, 1 - y)
    assert difference_between(first, third) is not None


SEED = "random_state=0"


@pytest.mark.parametrize(
    ("source", "cause", "advice"),
    [
        ("model = RandomForestClassifier(n_estimators=10)\nmodel.fit(x, y)", "without `random_state`", SEED),
        ("X_res, y_res = SMOTE().fit_resample(X, y)", "without `random_state`", SEED),
        ("noise = np.random.randint(0, 10, size=5)", "numpy's global random generator", SEED),
        ("picked = df.sample(frac=0.5)", "`.sample()` without `random_state`", SEED),
        ("stamp = datetime.now()", "the clock", "pass the time in as a parameter"),
        ("run_id = str(uuid.uuid4())", "a random `uuid`", "uuid5"),
        ("names = list(set(words))", "the order of a set", "sorted(...)"),
        ("token = os.urandom(4).hex()", "random bytes", "derive them from the data"),
    ],
)
def test_a_difference_from_unseeded_randomness_or_the_clock_says_why_and_what_to_do(source, cause, advice):
    from etlnb.verify.parity import Finding, explain

    found = explain(Finding("cell 4 [transform] id=c3", "`model`", "notebook 1, flow 2"), source, [])
    first, why = found.detail.splitlines()
    assert first == "notebook 1, flow 2"
    assert why.startswith("why: cell 4 [transform] id=c3 reads ") and cause in why, why
    assert advice in why and "parity_ignore" in why, why
    if advice != SEED:
        assert SEED not in why, why  # no advice that cannot help


def test_a_cause_inside_a_notebook_helper_explains_the_step_that_calls_it(tmp_path):
    from etlnb.analyse.cells import parse_cells
    from etlnb.analyse.notebook import read_notebook
    from etlnb.analyse.roles import classify
    from etlnb.verify.parity import explanation_sources

    text = make_notebook(
        [
            ("import random as rnd\nfrom datetime import datetime", ["imports"]),
            ("def pick(xs):\n    return rnd.choice(xs)\n\n\ndef stamp():\n    return helper_time()", ["functions"]),
            ("def helper_time():\n    return datetime.now()", ["functions"]),
            ("chosen = pick([1, 2, 3])\nwhen = stamp()", ["transform"]),
        ]
    )
    (tmp_path / "x.ipynb").write_text(text)
    cells, _ = classify(read_notebook(tmp_path / "x.ipynb"))
    parsed, _ = parse_cells("x.ipynb", cells)
    sources = explanation_sources(parsed)
    step = next(label for label in sources if "[transform]" in label)
    from etlnb.verify.parity import Finding, explain

    why = explain(Finding(step, "`chosen`", "notebook 1, flow 2"), sources[step], []).detail
    assert "the global `random` generator" in why and "the clock" in why, why


def test_seeded_code_gets_no_explanation_but_the_witness_can_add_one():
    from etlnb.verify.parity import Finding, explain

    plain = Finding("cell 2 [extract] id=c1", "`x`", "notebook 1, flow 2")
    seeded = "model = RandomForestClassifier(random_state=0)\nsampled = df.sample(3, random_state=1)"
    assert explain(plain, seeded, []).detail == "notebook 1, flow 2"
    assert "the witness saw its state change" in explain(plain, "x = helper()", ["random state"]).detail
