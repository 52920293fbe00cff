"""Prefect flow `inplace_loop_enumerate` of project `inplace_loop_enumerate`, compiled by etlnb from "inplace_loop_enumerate.ipynb".

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
import csv
import time


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_orders():
    # cell 2 [extract] id=c1, lines 1-2
    with open("orders.csv", newline="") as f:
        orders = list(csv.DictReader(f))
    return orders


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_orders(orders):
    # cell 3 [transform] id=c2, lines 1-4
    for i, o in enumerate(orders):
        time.sleep(0.05)  # a slow per-row lookup
        o["line"] = str(i + 1)
        o["qty"] = str(int(o["qty"]) * 2)
    return orders


@task(cache_policy=NO_CACHE, persist_result=False)
def load(orders):
    # cell 4 [load] id=c3, lines 1-4
    with open("orders_out.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(orders[0]))
        w.writeheader()
        w.writerows(orders)


@flow(name="inplace_loop_enumerate", log_prints=True, task_runner=ThreadPoolTaskRunner())
def inplace_loop_enumerate_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    orders = extract_orders()
    orders = transform_orders(orders)
    load(orders)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/inplace_loop_enumerate"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    inplace_loop_enumerate_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
