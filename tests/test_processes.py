"""A process pool started by fork inside the flow is warned about at check (issue 24): the flow's
process runs Prefect's threads, and a fork can copy a lock one of them holds (a hang)."""

from __future__ import annotations

import subprocess

from .conftest import PYTHON, make_notebook

CELLS = [
    ("import multiprocessing as mp\nfrom concurrent.futures import ProcessPoolExecutor\nimport json", ["imports"]),
    (
        "def sq(x):\n    return x * x\n\ndef run_all(xs):\n    with ProcessPoolExecutor(2) as ex:\n"
        "        return list(ex.map(sq, xs))",
        ["functions"],
    ),
    ("with mp.Pool(2) as pool:\n    a = pool.map(sq, [1, 2, 3])\nb = run_all([4, 5])", ["transform"]),
    (
        "ctx = mp.get_context('spawn')\nwith ctx.Pool(2) as p:\n    c = p.map(abs, [1])\n"
        "with ProcessPoolExecutor(2, mp_context=ctx) as ex:\n    d = list(ex.map(abs, [2]))",
        ["transform"],
    ),
    ("with mp.Pool(2) as pool:\n    pool.map(sq, [1])", []),  # exploration: not in the flow
    ("with open('o.json', 'w') as f:\n    json.dump([a, b, c, d], f)", ["load"]),
]


def check(tmp_path, cells):
    notebook = tmp_path / "pools.ipynb"
    notebook.write_text(make_notebook(cells))
    done = subprocess.run([PYTHON, "-m", "etlnb", "check", str(notebook)], capture_output=True, text=True)
    return done


def test_fork_pools_in_steps_and_helpers_are_warned_at_their_line(tmp_path):
    done = check(tmp_path, CELLS)
    assert done.returncode == 0, done.stderr  # a warning: the notebook may still be right
    warnings = [line for line in done.stderr.splitlines() if "starts processes by fork" in line]
    assert [w.split(": warning")[0].split("ipynb: ")[1] for w in warnings] == [
        "cell 2 (id=c1): line 5",  # ProcessPoolExecutor in a helper
        "cell 3 (id=c2): line 1",  # mp.Pool in a step
    ]
    assert "mapped line" in done.stderr and "Traceback" not in done.stderr


def test_a_spawn_start_method_set_once_silences_the_warning(tmp_path):
    cells = [(CELLS[0][0] + "\nmp.set_start_method('spawn', force=True)", ["imports"]), *CELLS[1:]]
    done = check(tmp_path, cells)
    assert done.returncode == 0 and "starts processes by fork" not in done.stderr, done.stderr
