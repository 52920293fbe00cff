"""Prefect flow `outside_to_sql_replace_append` of project `outside_to_sql_replace_append`, compiled by etlnb from "outside_to_sql_replace_append.ipynb".

Generated code: change the notebook and run `etlnb compile` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
"""

import os

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

# isort: split


# cell 1 [imports] id=c0, lines 1-4
import sqlite3
import time

import pandas as pd


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_sales():
    # cell 3 [extract] id=c2, line 1
    sales = pd.DataFrame({"sku": ["a", "b", "c"], "qty": [1, 2, 3]})
    return sales


@task(cache_policy=NO_CACHE, persist_result=False)
def load(db_path, sales):
    # cell 4 [load] id=c3, lines 1-3
    time.sleep(0.3)
    with sqlite3.connect(db_path) as con:
        sales.head(0).to_sql("sales", con, if_exists="replace", index=False)


@task(cache_policy=NO_CACHE, persist_result=False)
def load_2(db_path, sales):
    # cell 5 [load] id=c4, lines 1-2
    with sqlite3.connect(db_path) as con:
        sales.to_sql("sales", con, if_exists="append", index=False)


@flow(name="outside_to_sql_replace_append", log_prints=True, task_runner=ThreadPoolTaskRunner())
def outside_to_sql_replace_append_flow(
    db_path: str = "warehouse.db",
) -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    sales = extract_sales()
    load(db_path, sales)
    load_2(db_path, sales)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"db_path": "warehouse.db"}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/outside_to_sql_replace_append"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    outside_to_sql_replace_append_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
