"""Prefect 1 flow `outside_to_sql_replace_append` of project `outside_to_sql_replace_append`, compiled by etlnb from "outside_to_sql_replace_append.ipynb".

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


# cell 1 [imports] id=c0, lines 1-4
import sqlite3
import time

import pandas as pd


@task(checkpoint=False, log_stdout=True)
def extract_sales():
    # cell 3 [extract] id=c2, line 1
    sales = pd.DataFrame({"sku": ["a", "b", "c"], "qty": [1, 2, 3]})
    return sales


@task(checkpoint=False, log_stdout=True)
def load(db_path, sales):
    # cell 4 [load] id=c3, lines 1-3
    time.sleep(0.3)
    with sqlite3.connect(db_path) as con:
        sales.head(0).to_sql("sales", con, if_exists="replace", index=False)


@task(checkpoint=False, log_stdout=True)
def load_2(db_path, sales):
    # cell 5 [load] id=c4, lines 1-2
    with sqlite3.connect(db_path) as con:
        sales.to_sql("sales", con, if_exists="append", index=False)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "outside_to_sql_replace_append",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalExecutor(),
    ) as flow:
        db_path = Parameter("db_path", default="warehouse.db")
        sales = extract_sales()
        load_done = load(db_path, sales)
        load_2(db_path, sales, upstream_tasks=[load_done])
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"db_path": "warehouse.db"}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/outside_to_sql_replace_append"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
