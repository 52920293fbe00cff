"""Prefect flow `valid_bare_display_in_step` of project `valid_bare_display_in_step`, compiled by etlnb from "valid_bare_display_in_step.ipynb".

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
    # ruff: disable[B018]  # the notebook's own code, copied verbatim
    # cell 2 [extract] id=c1, lines 1-2
    df = pd.read_csv("orders.csv")
    df
    # ruff: enable[B018]
    return df


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_per_sku(df):
    # ruff: disable[B018]  # the notebook's own code, copied verbatim
    # cell 3 [transform] id=c2, lines 1-2
    per_sku = df.groupby("sku", as_index=False)["qty"].sum()
    per_sku
    # ruff: enable[B018]
    return per_sku


@task(cache_policy=NO_CACHE, persist_result=False)
def load(per_sku):
    # cell 4 [load] id=c3, line 1
    per_sku.to_csv("per_sku.csv", index=False)


@flow(name="valid_bare_display_in_step", log_prints=True, task_runner=ThreadPoolTaskRunner())
def valid_bare_display_in_step_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    df = extract_df()
    per_sku = transform_per_sku(df)
    load(per_sku)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/valid_bare_display_in_step"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    valid_bare_display_in_step_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
