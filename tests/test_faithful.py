"""Faithful execution (issue 11): the compiled flow does what the notebook did, or etlnb refuses.

The corpus is tests/faithful/<name>/<name>.ipynb (written by tests/faithful/make_corpus.py), small
notebooks written to break the compiler's analysis: aliases, loops, helpers changing their
arguments, library in-place calls, mapped functions, outside state, hoisting, helper globals,
round-tripped values, valid idioms. Each declares its expectation in its metadata:

    "etlnb_test": {"expect": "parity" | "refuse" | "differ", "class": ..., "why": ..., ["or": ...], ["cell": N],
                   ["says": TEXT], ["left_out": [FILE, ...]]}

- refuse: `etlnb check NOTEBOOK` exits 1 and its first line names the notebook, the cell (index and
  id) and a line; "cell" (if given) is the index that line must name.
- parity: `etlnb check` accepts it and `etlnb.verify.runner.parity_check` finds the step values equal; and,
  independently of parity_check, what a user would notice is the same: the notebook (papermill) and
  the compiled flow script (`python build/<project>/<flow>.py`, on the sample parameters, against
  the session's Prefect server) each run in their own fresh copy of the notebook's folder, and must
  both succeed or both fail and leave the same files (bytes; CSV by content) and SQLite tables.
- differ: `etlnb check` accepts it and parity must report the difference, its text containing "says"
  (a file both runs would share, outside the notebook's folder: the alone runs cannot tell either).
- "says" on a parity case: text parity's report must contain; "left_out": files only exploration
  cells write (the notebook alone writes them, the flow alone does not; parity lists them as left out).
- "or": the other outcome DESIGN.md also allows (a redefinition emitted per step instead of refused;
  a generator output refused instead of handled); the test then accepts either.

Every notebook runs cleanly top to bottom in plain Jupyter (refusal cases included), so a failure
here is etlnb's. Cases run one at a time, but within a case the three runs (parity_check, notebook,
flow) run concurrently, each in its own folder.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parent / "faithful"
CASES = sorted(p for p in CORPUS.glob("*/*.ipynb") if p.stem == p.parent.name)
BIN = Path(sys.executable).parent
ETLNB = [str(BIN / "etlnb")] if (BIN / "etlnb").exists() else [sys.executable, "-m", "etlnb.cli"]
IGNORED = shutil.ignore_patterns("build", ".ipynb_checkpoints", "__pycache__", ".etlnb", "*.executed.ipynb")
NOT_OUTPUT = {"build", ".ipynb_checkpoints", "__pycache__", ".etlnb", ".capture"}
TIMEOUT = 300
FIRST_LINE = re.compile(r"^(?P<path>.+?): cell (?P<cell>\d+) \(id=(?P<id>[^)]*)\): line (?P<line>\d+): error")


def expectation(notebook: Path) -> dict:
    return json.loads(notebook.read_text(encoding="utf-8"))["metadata"]["etlnb_test"]


def cell_ids(notebook: Path) -> list[str | None]:
    return [c.get("id") for c in json.loads(notebook.read_text(encoding="utf-8"))["cells"]]


def run_check(notebook: Path) -> tuple[int, str, str]:
    proc = subprocess.run(
        [*ETLNB, "check", str(notebook)], capture_output=True, text=True, timeout=120, cwd=notebook.parent
    )
    lines = [line for line in proc.stderr.splitlines() if line.strip()] or [
        line for line in proc.stdout.splitlines() if line.strip()
    ]
    return proc.returncode, (lines[0] if lines else ""), proc.stdout + proc.stderr


def assert_refused(notebook: Path, code: int, first: str, output: str, exp: dict) -> None:
    if code != 1:
        pytest.fail(f"etlnb check exited {code}, expected a refusal (1): {first}\n{output[-2000:]}", pytrace=False)
    match = FIRST_LINE.match(first)
    if not match:
        pytest.fail(f"first line does not name notebook, cell (index, id) and line: {first!r}", pytrace=False)
    if Path(match["path"]).name != notebook.name:
        pytest.fail(f"first line names {match['path']!r}, not the notebook: {first}", pytrace=False)
    index = int(match["cell"]) - 1  # messages count cells 1-based, as JupyterLab does
    ids = cell_ids(notebook)
    if not (0 <= index < len(ids) and ids[index] == match["id"]):
        pytest.fail(f"cell {index} is not id={match['id']}: {first}", pytrace=False)
    if "cell" in exp and index != exp["cell"]:
        pytest.fail(f"refusal names cell {index}, expected cell {exp['cell']}: {first}", pytrace=False)
    if exp.get("says") and exp["says"] not in first:
        pytest.fail(f"refusal does not say {exp['says']!r}: {first}", pytrace=False)


def fresh_copy(notebook: Path, parent: Path) -> Path:
    """The notebook's folder, copied under `parent` with its own name (the project name)."""
    dest = parent / notebook.parent.name
    shutil.copytree(notebook.parent, dest, ignore=IGNORED)
    return dest / notebook.name


# -- what a user would notice: files, tables, exit status ---------------------------------------------


def _sqlite_tables(path: Path) -> dict:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = {}
        for name, sql in con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name"):
            rows = con.execute(f'SELECT * FROM "{name}"').fetchall()
            tables[name] = {"schema": sql, "rows": rows}
        return tables
    finally:
        con.close()


def snapshot(folder: Path) -> dict[str, object]:
    """Every file in the run's folder (not the notebook, not build output): comparable content."""
    files: dict[str, object] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if not path.is_file() or NOT_OUTPUT & set(rel.parts) or path.suffix == ".ipynb":
            continue
        data = path.read_bytes()
        if data.startswith(b"SQLite format 3\x00"):
            try:
                files[rel.as_posix()] = ("sqlite", _sqlite_tables(path))
                continue
            except sqlite3.Error as exc:
                files[rel.as_posix()] = ("sqlite-unreadable", str(exc))
                continue
        if path.suffix == ".csv":
            try:
                files[rel.as_posix()] = ("csv", list(csv.reader(io.StringIO(data.decode("utf-8")))))
                continue
            except (UnicodeDecodeError, csv.Error):
                pass
        files[rel.as_posix()] = ("bytes", data)
    return files


def _short(value: object, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def compare_folders(notebook_files: dict, flow_files: dict) -> list[str]:
    problems = []
    for name in sorted(set(notebook_files) | set(flow_files)):
        if name not in flow_files:
            problems.append(f"file {name}: written by the notebook, missing after the flow")
        elif name not in notebook_files:
            problems.append(f"file {name}: written by the flow, not by the notebook")
        elif notebook_files[name] != flow_files[name]:
            nb_kind, nb_value = notebook_files[name]
            fl_kind, fl_value = flow_files[name]
            if nb_kind == fl_kind == "sqlite":
                for table in sorted(set(nb_value) | set(fl_value)):
                    a, b = nb_value.get(table), fl_value.get(table)
                    if a != b:
                        problems.append(f"table {name}:{table}: notebook {_short(a)} != flow {_short(b)}")
            else:
                problems.append(f"file {name}: notebook {_short(nb_value)} != flow {_short(fl_value)}")
    return problems


class Background(threading.Thread):
    """Run `work()` in a thread; `.result` holds its return value or the exception it raised."""

    def __init__(self, work):
        super().__init__(daemon=True)
        self.work = work
        self.result = None

    def run(self) -> None:
        try:
            self.result = self.work()
        except Exception as exc:  # reported by the test
            self.result = exc


KERNEL_START_FAILURES = ("Kernel died before replying to kernel_info", "Kernel didn't respond in")


def run_notebook_copy(notebook: Path, out: Path) -> tuple[bool, str]:
    """papermill in the copy's folder; a kernel that dies while starting (a port race between the
    kernels two concurrent runs start on this machine, not the notebook's doing) is retried."""
    command = [sys.executable, "-m", "papermill", "--no-progress-bar", "--cwd", str(notebook.parent)]
    command += [str(notebook), str(out)]
    if any("skip" in (c.get("metadata") or {}).get("tags", []) for c in json.loads(notebook.read_text())["cells"]):
        # `skip` cells (a plot library not installed, an API pandas dropped) are the analyst's way to say
        # "not in any run": etlnb's own sample run leaves them out, as the ground-truth tool's does
        command = [*ETLNB, "run", notebook.name, "--sample", "-o", "build"]
    for _attempt in range(3):
        proc = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, cwd=notebook.parent)
        output = proc.stdout + proc.stderr
        if proc.returncode == 0 or not any(s in output for s in KERNEL_START_FAILURES):
            break
    return proc.returncode == 0, output


def run_flow_copy(notebook: Path, env: dict) -> tuple[bool, str]:
    folder = notebook.parent
    compiled = subprocess.run(
        [*ETLNB, "compile", notebook.name, "-o", "build"], capture_output=True, text=True, timeout=120, cwd=folder
    )
    found = re.search(r"wrote (\S+\.py)", compiled.stdout + compiled.stderr)
    if compiled.returncode != 0 or not found:
        return False, f"etlnb compile failed (exit {compiled.returncode}):\n{compiled.stdout}{compiled.stderr}"
    proc = subprocess.run(
        [sys.executable, found.group(1)], capture_output=True, text=True, timeout=TIMEOUT, cwd=folder, env=env
    )
    return proc.returncode == 0, proc.stdout + proc.stderr


def _tail(text: str, n: int = 12) -> str:
    return "\n".join("    " + line for line in text.strip().splitlines()[-n:])


def check_parity(notebook: Path, tmp_path: Path, request, exp: dict) -> None:
    from etlnb.verify.runner import parity_check

    server = request.getfixturevalue("prefect_server")
    env = request.getfixturevalue("flow_env")
    env = dict(env, PYTHONUNBUFFERED="1")
    for sub in ("parity", "nb", "flow"):
        (tmp_path / sub).mkdir()
    parity_nb = fresh_copy(notebook, tmp_path / "parity")
    nb_copy = fresh_copy(notebook, tmp_path / "nb")
    flow_copy = fresh_copy(notebook, tmp_path / "flow")

    nb_run = Background(lambda: run_notebook_copy(nb_copy, tmp_path / "executed.ipynb"))
    flow_run = Background(lambda: run_flow_copy(flow_copy, env))
    nb_run.start()
    flow_run.start()
    outcome, parity_error = None, ""
    for attempt in range(3):
        try:
            outcome = parity_check(parity_nb, tmp_path / f"parity-build{attempt}", server)
        except Exception as exc:  # an etlnb crash is a failure of this case, reported with the rest
            outcome, parity_error = None, f"parity_check raised {type(exc).__name__}: {exc}"
        if outcome is None or outcome.ok or not any(s in outcome.text for s in KERNEL_START_FAILURES):
            break
        (tmp_path / f"parity{attempt + 1}").mkdir()  # the kernel died starting: again, in a fresh copy
        parity_nb = fresh_copy(notebook, tmp_path / f"parity{attempt + 1}")
    nb_run.join(TIMEOUT + 30)
    flow_run.join(TIMEOUT + 150)

    problems: list[str] = []
    if outcome is None:
        problems.append(parity_error)
    elif outcome.ok and exp.get("says") and exp["says"] not in outcome.text:
        problems.append(f"parity's report does not say {exp['says']!r}:\n{outcome.text}")
    elif not outcome.ok:
        lines = outcome.text.strip().splitlines()
        problems.append(f"parity_check: {lines[0] if lines else '(no text)'}")
        problems.extend("    " + line for line in lines[1:][-12:])  # the tail: the exception, the diff
    for label, run in (("notebook", nb_run), ("flow", flow_run)):
        if isinstance(run.result, Exception) or run.result is None:
            problems.append(f"{label} run could not finish: {run.result!r}")
    if isinstance(nb_run.result, tuple) and isinstance(flow_run.result, tuple):
        (nb_ok, nb_out), (flow_ok, flow_out) = nb_run.result, flow_run.result
        if not nb_ok:
            problems.append(f"the notebook itself failed in plain papermill (corpus bug?):\n{_tail(nb_out)}")
        if nb_ok != flow_ok:
            state = "failed" if not flow_ok else "succeeded"
            problems.append(
                f"exit status: the notebook {'succeeded' if nb_ok else 'failed'}, the flow {state}:\n{_tail(flow_out)}"
            )
        nb_files, flow_files = snapshot(nb_copy.parent), snapshot(flow_copy.parent)
        for name in exp.get("left_out", []):  # exploration output: the notebook alone writes it, the flow never
            rel = name
            if rel not in nb_files or rel in flow_files:
                problems.append(f"file {rel}: expected from the notebook alone only (an exploration cell writes it)")
            nb_files.pop(rel, None)
        problems.extend(compare_folders(nb_files, flow_files))
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


# The suite runs on two workers that take whole files (pytest-xdist `--dist loadfile`, scripts/test): the
# corpus is split in four files (this one and test_faithful_{b,c,d}.py), each a quarter, so no one file
# holds a worker for the whole corpus.
QUARTERS = 4


@pytest.mark.integration
@pytest.mark.parametrize("notebook", CASES[0::QUARTERS], ids=lambda p: p.stem)
def test_faithful(notebook: Path, tmp_path: Path, request) -> None:
    faithful_case(notebook, tmp_path, request)


def faithful_case(notebook: Path, tmp_path: Path, request) -> None:
    exp = expectation(notebook)
    assert exp["expect"] in ("parity", "refuse", "differ"), exp
    code, first, output = run_check(notebook)
    if exp["expect"] == "differ":
        assert code == 0, f"etlnb check refused a notebook parity must judge: {first}\n{output[-2000:]}"
        from etlnb.verify.runner import parity_check

        outcome = parity_check(
            fresh_copy(notebook, tmp_path), tmp_path / "build", request.getfixturevalue("prefect_server")
        )
        assert not outcome.ok, f"parity passed a notebook whose runs differ:\n{outcome.text}"
        assert exp["says"] in outcome.text, outcome.text
        return
    if exp["expect"] == "refuse" and not (code == 0 and exp.get("or") == "parity"):
        assert_refused(notebook, code, first, output, exp)
        return
    if code == 1 and exp.get("or") == "refuse":
        assert_refused(notebook, code, first, output, exp)
        return
    if code != 0:
        pytest.fail(f"etlnb check refused a notebook that must compile: {first}\n{output[-2000:]}", pytrace=False)
    check_parity(notebook, tmp_path, request, exp)


def test_corpus_is_well_formed() -> None:
    """Every case declares its expectation; the corpus covers every class with several variants."""
    classes: dict[str, int] = {}
    for notebook in CASES:
        exp = expectation(notebook)
        assert exp["expect"] in ("parity", "refuse", "differ") and exp.get("why"), notebook
        assert exp.get("or") in (None, "parity", "refuse") and exp.get("or") != exp["expect"], notebook
        ids = cell_ids(notebook)
        assert ids == [f"c{i}" for i in range(len(ids))] and 3 <= len(ids) <= 8, notebook
        classes[exp["class"]] = classes.get(exp["class"], 0) + 1
    assert len(CASES) >= 45
    assert all(n >= 3 for n in classes.values()), classes
