"""A step drawing from a global random generator nothing in the flow seeds is warned about at check
(issue 24): the notebook differs from itself run twice, so parity must fail; check says so first."""

from __future__ import annotations

import subprocess

from .conftest import PYTHON, make_notebook

IMPORTS = (
    "import numpy as np\nfrom sklearn.model_selection import KFold, train_test_split\nimport sklearn.ensemble as ens",
    ["imports"],
)
STEPS = [
    ("Xtr, Xte, ytr, yte = train_test_split(X, y)\nm = ens.RandomForestClassifier(n_estimators=5)", ["transform"]),
    ("k = KFold(3)\nkept = train_test_split(X, y, random_state=0)[0]", ["transform"]),
    ("np.save('o.npy', Xtr)", ["load"]),
]


def check(tmp_path, cells) -> subprocess.CompletedProcess:
    notebook = tmp_path / "draws.ipynb"
    notebook.write_text(make_notebook(cells))
    return subprocess.run([PYTHON, "-m", "etlnb", "check", str(notebook)], capture_output=True, text=True)


def test_an_unseeded_split_is_warned_once_at_its_line(tmp_path):
    extract = ("X = np.arange(20).reshape(10, 2)\ny = np.arange(10) % 2", ["extract"])
    done = check(tmp_path, [IMPORTS, extract, *STEPS])
    assert done.returncode == 0, done.stderr
    warned = [line for line in done.stderr.splitlines() if "no cell the flow runs seeds" in line]
    assert len(warned) == 1 and "cell 3 (id=c2): line 1: warning: `train_test_split(X, y)`" in warned[0]
    assert "random_state=0" in done.stderr


def test_a_seed_in_an_earlier_step_or_random_state_silences_it(tmp_path):
    extract = ("np.random.seed(1)\nX = np.arange(20).reshape(10, 2)\ny = np.arange(10) % 2", ["extract"])
    done = check(tmp_path, [IMPORTS, extract, *STEPS])
    assert done.returncode == 0 and "seeds" not in done.stderr, done.stderr


def test_a_seed_only_exploration_runs_does_not_count(tmp_path):
    extract = ("X = np.arange(20).reshape(10, 2)\ny = np.arange(10) % 2", ["extract"])
    done = check(tmp_path, [IMPORTS, ("np.random.seed(1)", []), extract, *STEPS])
    assert done.returncode == 1  # the exploration seed itself is refused: the flow leaves it out
    first = done.stderr.splitlines()[0]
    assert "cell 2 (id=c1): line 1: error: seeds numpy's global random generator" in first, first
    assert "cell 4 (id=c3): line 1: warning: `train_test_split(X, y)`" in done.stderr
