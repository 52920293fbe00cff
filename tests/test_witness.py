"""The witness: real kernels record what each step and untagged cell really did."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from etlnb.verify.notebook_run import run_notebook, without_etl_magics
from etlnb.verify.runner import compile_to, parity_check
from etlnb.verify.witness import fingerprint, name_line

from .conftest import PYTHON, make_notebook


def _write(tmp_path, cells, name="wit", metadata=None):
    path = tmp_path / "proj" / f"{name}.ipynb"
    path.parent.mkdir(exist_ok=True)
    path.write_text(make_notebook(cells, metadata))
    return path


def _sample(tmp_path, cells, name="wit"):
    """Compile and run on samples with the witness; (run, record cells by index)."""
    path = _write(tmp_path, cells, name)
    compiled = compile_to(path, tmp_path / "build")
    executed = tmp_path / "build" / f"{name}.executed.ipynb"
    run = run_notebook(path, compiled.analysis.graph, executed, tmp_path / "build" / ".cap", progress=False)
    assert run.ok, run.error
    assert run.witness is not None
    record = json.loads(run.witness.path.read_text())
    assert record["version"] == 1 and record["complete"] and not record["internal_errors"], record
    return run, {c["index"]: c for c in record["cells"]}


def _changed(cell):
    return {c["name"]: c["how"] for c in cell["changed"]}


@pytest.mark.integration
def test_in_place_changes_through_helper_loop_alias_and_pop_are_seen(tmp_path):
    cells = [
        ("import pandas as pd", ["imports"]),
        ("def add_total(rows):\n    rows.append(sum(rows))", ["functions"]),
        (
            "xs = [1, 2, 3]\nrecs = [{'a': 1}, {'a': 2}]\ndf = pd.DataFrame({'x': [1, 2], 'label': [0, 1]})",
            ["extract"],
        ),
        ("add_total(xs)", ["transform"]),
        ("for d in recs:\n    d['b'] = d['a'] * 2", ["transform"]),
        ("y = df.pop('label')", ["transform"]),
        ("print(xs, recs, df.columns.tolist(), y.tolist())", ["load"]),
    ]
    run, record = _sample(tmp_path, cells)
    assert _changed(record[3])["xs"] == "in place"
    assert _changed(record[4])["recs"] == "in place"
    assert _changed(record[5])["df"] == "in place" and _changed(record[5])["y"] == "bound"
    assert "xs" not in _changed(record[4]) and "recs" not in _changed(record[3])
    assert "df" not in _changed(record[6])  # the load only reads
    # whatever the compiler predicted: an error exactly where a change was not predicted, naming the cell
    for index in (3, 4, 5):
        cell = record[index]
        missed = {n for n in _changed(cell) if n not in cell["predicted"]}
        errors = {e.name for e in run.witness.errors if e.cell == index}
        assert errors == missed, (index, cell, run.witness.errors)
        for error in run.witness.errors:
            if error.cell == index:
                assert f"cell {index + 1} [transform] id=c{index}: line " in error.message


@pytest.mark.integration
def test_unpredicted_change_fails_sample_run_with_one_line_naming_the_cell(tmp_path):
    """A change no static analysis can see (through globals()), in a step and in an untagged cell."""
    cells = [
        ("xs = [1, 2, 3]", ["extract"]),
        ("globals()['xs'].append(4)\nn = 1", ["transform"]),
        ("globals()['xs'].append(5)", []),
        ("total = sum(xs)", ["load"]),
    ]
    path = _write(tmp_path, cells)
    done = subprocess.run(
        [PYTHON, "-m", "etlnb", "run", str(path), "--sample", "-o", str(tmp_path / "build")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    errors = [ln for ln in done.stderr.splitlines() if "changed `xs`" in ln]
    assert errors[0].startswith(
        f"etlnb run: {path}: cell 2 [transform] id=c1: changed `xs` in place, which etlnb's analysis did not see"
    ), done.stderr
    assert f"{path}: cell 3 [untagged] id=c2: changed `xs` in place, which a later step reads" in errors[1]
    assert "Traceback" not in done.stderr
    assert "witness: 3 step cells, 1 untagged cells observed; 2 unpredicted change(s)" in done.stdout
    assert (tmp_path / "build" / "proj" / "wit.executed.witness.json").exists()


@pytest.mark.integration
def test_files_tables_environ_and_random_are_recorded_per_cell(tmp_path):
    cells = [
        ("import os\nimport random\nimport sqlite3", ["imports"]),
        ("rows = [(1, 'a'), (2, 'b')]", ["extract"]),
        (
            "os.makedirs('out', exist_ok=True)\nwith open('out/stage.txt', 'w') as f:\n    f.write(str(rows))",
            ["transform"],
        ),
        ("with open('out/stage.txt') as f:\n    staged = f.read()", ["transform"]),
        (
            "db = sqlite3.connect('out/x.db')\ndb.execute('CREATE TABLE t (n, s)')\n"
            "db.executemany('INSERT INTO t VALUES (?, ?)', rows)\ndb.commit()\ndb.close()",
            ["load"],
        ),
        (
            "db = sqlite3.connect('out/x.db')\ndb.executemany('INSERT INTO t VALUES (?, ?)', rows)\ndb.commit()",
            ["load"],
        ),
        ("os.environ['ETLNB_WITNESS_TEST'] = '1'\nrandom.seed(3)", ["load"]),
        ("print(len(staged))", []),
    ]
    run, record = _sample(tmp_path, cells)
    assert record[2]["files"]["written"] == ["out/stage.txt"]
    assert record[3]["files"]["read"] == ["out/stage.txt"] and not record[3]["files"]["written"]
    assert record[4]["sqlite"] == [{"database": "out/x.db", "tables_written": ["t"], "rows": {"t": [None, 2]}}]
    assert record[5]["sqlite"] == [{"database": "out/x.db", "tables_written": ["t"], "rows": {"t": [2, 4]}}]
    assert record[6]["environ"] == {"set": ["ETLNB_WITNESS_TEST"]} and record[6]["random"] == ["random"]
    assert set(record[6]["outside"]) == {"os.environ", "random state"}
    assert not record[7]["outside"] and not record[7]["changed"]
    notes = "\n".join(run.witness.notes)
    assert "cell 4 [transform] id=c3 reads out/stage.txt, written by cell 3 [transform] id=c2" in notes
    assert "table `t` in out/x.db is written by cell 5 [load] id=c4, cell 6 [load] id=c5" in notes
    assert "cell 7 [load] id=c6 changed outside state: os.environ, random state" in notes
    assert not run.witness.errors, run.witness.errors


@pytest.mark.integration
def test_skip_cells_and_saved_etl_magics_do_not_run_and_odd_objects_do_not_break_capture(tmp_path):
    cells = [
        ("from sklearn.ensemble import RandomForestClassifier", ["imports"]),
        (
            "class Odd:\n    @property\n    def shape(self):\n        raise ValueError('no shape')\n"
            "    def __len__(self):\n        raise RuntimeError('no len')",
            ["functions"],
        ),
        ("model = RandomForestClassifier(n_estimators=3)\nodd = Odd()\ngen = (i for i in range(3))", ["extract"]),
        ("raise SystemExit('a skip cell ran')", ["skip"]),
        ("%load_ext etlnb\n%etl_run --parity", []),
        ("%%etl_deploy --now\nanything", []),
        ("print('done')", ["load"]),
    ]
    _, record = _sample(tmp_path, cells)
    assert 3 not in record  # skip cells are not observed, and did not run
    executed = json.loads((tmp_path / "build" / "wit.executed.ipynb").read_text())
    sources = ["".join(c["source"]) for c in executed["cells"]]
    assert sources[3] == "raise SystemExit('a skip cell ran')" and sources[4].endswith("%etl_run --parity")
    assert not executed["cells"][3]["outputs"]
    assert executed["cells"][4]["metadata"]["etlnb"] == {"not_run_by_sample_runs": True}
    assert "gen" in record[2]["unfingerprintable"] or "gen" in _changed(record[2])


def test_fingerprints_follow_content_without_copying():
    pd = pytest.importorskip("pandas")
    np = pytest.importorskip("numpy")
    df = pd.DataFrame({"x": np.arange(5), "s": list("abcde"), "t": pd.date_range("2020", periods=5)})
    before = fingerprint(df)
    assert fingerprint(df.copy()) == before
    df.loc[2, "s"] = "z"
    assert fingerprint(df) != before
    assert fingerprint([1.0, float("nan")]) == fingerprint([1.0, float("nan")])
    assert fingerprint(np.arange(12).reshape(3, 4)[:, ::2]) == fingerprint(np.arange(12).reshape(3, 4)[:, ::2].copy())
    assert fingerprint(x for x in []) is None  # generators: unknown, never "changed"


def test_name_line_points_at_the_changing_line():
    source = "a = 1\nprint(xs)\nfor d in [xs, ys]:\n    d['c'] = 1"
    assert name_line(source, "xs") == 3
    assert name_line("n = 1\ny = df.pop('label')", "df") == 2
    assert name_line("n = 1\nadd_total(rows)", "rows") == 2
    assert name_line("globals()['xs'].append(1)", "xs") is None


def test_saved_magics_are_made_inert_keeping_indentation():
    assert without_etl_magics("x = 1") is None
    assert without_etl_magics("%etl_check\nx = 1").splitlines()[0].startswith("pass  # etlnb")
    assert without_etl_magics("if True:\n    %etl_deploy --now").splitlines()[1].startswith("    pass")
    assert without_etl_magics("%%etl_run\nanything").startswith("#")


@pytest.mark.integration
def test_parity_fails_first_with_the_witness_error(tmp_path, prefect_server):
    cells = [("xs = [1, 2]", ["extract"]), ("globals()['xs'].append(3)\nn = 1", ["transform"]), ("print(xs)", ["load"])]
    outcome = parity_check(_write(tmp_path, cells), tmp_path / "build", prefect_server)
    assert not outcome.ok
    assert outcome.text.splitlines()[0].endswith(
        "cell 2 [transform] id=c1: changed `xs` in place, which etlnb's analysis did not see, so the compiled flow "
        "would not pass the change on: make it visible by assigning the result (`xs = ...`); please also report this "
        "to etlnb"
    ), outcome.text
    assert not (tmp_path / "proj" / "out").exists()
    # parity ran in scratch copies: beside the notebook only its verification record (a failed one)
    assert sorted(os.listdir(tmp_path / "proj")) == [".etlnb", "wit.ipynb"]
    [record] = (tmp_path / "proj" / ".etlnb" / "verified").glob("*.json")
    assert json.loads(record.read_text())["ok"] is False


@pytest.mark.integration
def test_an_unpredicted_in_place_change_the_flow_passes_on_is_a_warning_kept_in_the_record(tmp_path, prefect_server):
    """The step's task gets the very object (it reads the name) and the thread runner shares it with
    later steps: the flow passes the change on, so it is a miss of the analysis, not an error."""
    cells = [
        ("xs = [3, 1, 2]", ["extract"]),
        ("getattr(xs, 'sort')()\nn = len(xs)", ["transform"]),  # a call the analysis cannot read as a change
        ("first = xs[0]", ["load"]),
    ]
    outcome = parity_check(_write(tmp_path, cells), tmp_path / "build", prefect_server)
    assert outcome.ok, outcome.text
    [record] = (tmp_path / "build" / "proj").glob("*.witness.json")
    data = json.loads(record.read_text())
    assert not data["errors"]
    [miss] = data["misses"]
    assert "cell 2 [transform] id=c1: line 1: warning: changed `xs` in place, which etlnb's analysis did not" in miss
