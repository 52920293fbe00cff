"""Prefect flow `inplace_df_inplace_true` of project `inplace_df_inplace_true`, compiled by etlnb from "inplace_df_inplace_true.ipynb".

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
    # cell 2 [extract] id=c1, lines 1-2
    df = pd.read_csv("orders.csv")
    df["tmp"] = 0
    return df


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_df(df):
    # cell 3 [transform] id=c2, lines 1-3
    df.drop(columns=["tmp"], inplace=True)
    df.sort_values("net", inplace=True)
    df.reset_index(drop=True, inplace=True)
    return df


@task(cache_policy=NO_CACHE, persist_result=False)
def load(df):
    # cell 4 [load] id=c3, line 1
    df.to_csv("sorted.csv", index=False)


@flow(name="inplace_df_inplace_true", log_prints=True, task_runner=ThreadPoolTaskRunner())
def inplace_df_inplace_true_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    df = extract_df()
    df = transform_df(df)
    load(df)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/inplace_df_inplace_true"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    inplace_df_inplace_true_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
