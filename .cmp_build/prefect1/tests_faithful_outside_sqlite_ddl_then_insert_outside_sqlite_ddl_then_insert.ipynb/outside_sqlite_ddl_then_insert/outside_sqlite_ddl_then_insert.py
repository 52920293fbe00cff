"""Prefect 1 flow `outside_sqlite_ddl_then_insert` of project `outside_sqlite_ddl_then_insert`, compiled by etlnb from "outside_sqlite_ddl_then_insert.ipynb".

Generated code: change the notebook and run `etlnb compile --target prefect1` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
Register it with Prefect 1's CLI: `prefect register -p THIS_FILE --project PROJECT`.
"""

import os

from prefect import Flow, Parameter, task
from prefect.executors import LocalExecutor
from prefect.run_configs import LocalRun
from prefect.storage import Local

# isort: split


# cell 1 [imports] id=c0, lines 1-2
import sqlite3
import time


@task(checkpoint=False, log_stdout=True)
def extract_pairs():
    # cell 2 [extract] id=c1, line 1
    pairs = [("k1", 1), ("k2", 2)]
    return pairs


@task(checkpoint=False, log_stdout=True)
def load():
    # cell 3 [load] id=c2, lines 1-6
    time.sleep(0.3)
    con = sqlite3.connect("kv.db")
    con.execute("DROP TABLE IF EXISTS kv")
    con.execute("CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER)")
    con.commit()
    con.close()


@task(checkpoint=False, log_stdout=True)
def load_2(pairs):
    # cell 4 [load] id=c3, lines 1-4
    con = sqlite3.connect("kv.db")
    con.executemany("INSERT INTO kv VALUES (?, ?)", pairs)
    con.commit()
    con.close()


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "outside_sqlite_ddl_then_insert",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalExecutor(),
    ) as flow:
        pairs = extract_pairs()
        load_done = load(upstream_tasks=[pairs])
        load_2(pairs, upstream_tasks=[load_done])
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/outside_sqlite_ddl_then_insert"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
