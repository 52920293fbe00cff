"""Prefect flow `outside_csv_header_then_append` of project `outside_csv_header_then_append`, compiled by etlnb from "outside_csv_header_then_append.ipynb".

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
def extract_rows():
    # cell 2 [extract] id=c1, line 1
    rows = [["a", 1], ["b", 2]]
    return rows


@task(cache_policy=NO_CACHE, persist_result=False)
def load():
    # cell 3 [load] id=c2, lines 1-3
    time.sleep(0.3)  # the header comes from a slow schema lookup
    with open("report.csv", "w", newline="") as f:
        csv.writer(f).writerow(["name", "n"])


@task(cache_policy=NO_CACHE, persist_result=False)
def load_2(rows):
    # cell 4 [load] id=c3, lines 1-2
    with open("report.csv", "a", newline="") as f:
        csv.writer(f).writerows(rows)


@flow(name="outside_csv_header_then_append", log_prints=True, task_runner=ThreadPoolTaskRunner())
def outside_csv_header_then_append_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    rows = extract_rows()
    load()
    load_2(rows)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/outside_csv_header_then_append"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    outside_csv_header_then_append_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
