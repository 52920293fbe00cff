"""Prefect flow `outside_validate_reads_written_file` of project `outside_validate_reads_written_file`, compiled by etlnb from "outside_validate_reads_written_file.ipynb".

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
import pandas as pd


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_df():
    # cell 2 [extract] id=c1, line 1
    df = pd.read_csv("orders.csv")
    return df


@task(cache_policy=NO_CACHE, persist_result=False)
def load(df):
    # cell 3 [load] id=c2, line 1
    df[df["qty"] > 1].to_csv("big_orders.csv", index=False)


@task(cache_policy=NO_CACHE, persist_result=False)
def validate():
    # cell 4 [validate] id=c3, lines 1-2
    check = pd.read_csv("big_orders.csv")
    assert len(check) == 3, len(check)


@flow(name="outside_validate_reads_written_file", log_prints=True, task_runner=ThreadPoolTaskRunner())
def outside_validate_reads_written_file_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    df = extract_df()
    load(df)
    validate()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/outside_validate_reads_written_file"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    outside_validate_reads_written_file_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
