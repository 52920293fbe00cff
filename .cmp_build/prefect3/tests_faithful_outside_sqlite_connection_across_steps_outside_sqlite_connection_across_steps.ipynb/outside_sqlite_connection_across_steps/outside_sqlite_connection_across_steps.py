"""Prefect flow `outside_sqlite_connection_across_steps` of project `outside_sqlite_connection_across_steps`, compiled by etlnb from "outside_sqlite_connection_across_steps.ipynb".

Generated code: change the notebook and run `etlnb compile` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
"""

import os

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

# isort: split


# cell 1 [imports] id=c0, line 1
import sqlite3


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_con():
    # cell 2 [extract] id=c1, lines 1-2
    con = sqlite3.connect("shop.db")
    con.execute("CREATE TABLE IF NOT EXISTS items (name TEXT)")
    return con


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_names():
    # cell 3 [transform] id=c2, line 1
    names = sorted(["kiwi", "fig", "date"])
    return names


@task(cache_policy=NO_CACHE, persist_result=False)
def load(con, names):
    # cell 4 [load] id=c3, lines 1-2
    con.executemany("INSERT INTO items VALUES (?)", [(n,) for n in names])
    con.commit()


@flow(name="outside_sqlite_connection_across_steps", log_prints=True, task_runner=ThreadPoolTaskRunner())
def outside_sqlite_connection_across_steps_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    con = extract_con()
    names = transform_names()
    load(con, names)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/outside_sqlite_connection_across_steps"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    outside_sqlite_connection_across_steps_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
