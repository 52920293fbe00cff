"""Prefect flow `valid_exploration_pandas` of project `valid_exploration_pandas`, compiled by etlnb from "valid_exploration_pandas.ipynb".

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
def transform_df(df):
    # cell 5 [transform] id=c4, line 1
    df["gross"] = df["net"] * df["qty"]
    return df


@task(cache_policy=NO_CACHE, persist_result=False)
def load(df):
    # cell 7 [load] id=c6, line 1
    df.to_csv("gross.csv", index=False)


@flow(name="valid_exploration_pandas", log_prints=True, task_runner=ThreadPoolTaskRunner())
def valid_exploration_pandas_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    df = extract_df()
    df = transform_df(df)
    load(df)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/valid_exploration_pandas"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    valid_exploration_pandas_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
