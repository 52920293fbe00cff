"""Prefect flow `outside_sqlite_ddl_then_insert` of project `outside_sqlite_ddl_then_insert`, compiled by etlnb from "outside_sqlite_ddl_then_insert.ipynb".

Generated code: change the notebook and run `etlnb compile` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
"""

import os

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

# isort: split


# cell 1 [imports] id=c0, lines 1-2
import sqlite3
import time


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_pairs():
    # cell 2 [extract] id=c1, line 1
    pairs = [("k1", 1), ("k2", 2)]
    return pairs


@task(cache_policy=NO_CACHE, persist_result=False)
def load():
    # cell 3 [load] id=c2, lines 1-6
    time.sleep(0.3)
    con = sqlite3.connect("kv.db")
    con.execute("DROP TABLE IF EXISTS kv")
    con.execute("CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER)")
    con.commit()
    con.close()


@task(cache_policy=NO_CACHE, persist_result=False)
def load_2(pairs):
    # cell 4 [load] id=c3, lines 1-4
    con = sqlite3.connect("kv.db")
    con.executemany("INSERT INTO kv VALUES (?, ?)", pairs)
    con.commit()
    con.close()


@flow(name="outside_sqlite_ddl_then_insert", log_prints=True, task_runner=ThreadPoolTaskRunner())
def outside_sqlite_ddl_then_insert_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    pairs = extract_pairs()
    load()
    load_2(pairs)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/outside_sqlite_ddl_then_insert"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    outside_sqlite_ddl_then_insert_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
