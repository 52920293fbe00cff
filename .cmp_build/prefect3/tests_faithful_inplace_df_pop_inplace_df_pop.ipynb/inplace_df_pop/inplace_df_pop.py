"""Prefect flow `inplace_df_pop` of project `inplace_df_pop`, compiled by etlnb from "inplace_df_pop.ipynb".

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
    df = pd.read_csv("train.csv")
    return df


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_labels(df):
    # cell 3 [transform] id=c2, line 1
    labels = df.pop("label")
    return labels, df


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_n_features(df):
    # cell 4 [transform] id=c3, line 1
    n_features = df.shape[1]
    return n_features


@task(cache_policy=NO_CACHE, persist_result=False)
def load(df, n_features):
    # cell 5 [load] id=c4, lines 1-3
    df.to_csv("features.csv", index=False)
    with open("n_features.txt", "w") as f:
        f.write(str(n_features))


@task(cache_policy=NO_CACHE, persist_result=False)
def load_2(labels):
    # cell 6 [load] id=c5, line 1
    labels.to_csv("labels.csv", index=False)


@flow(name="inplace_df_pop", log_prints=True, task_runner=ThreadPoolTaskRunner())
def inplace_df_pop_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    df = extract_df()
    labels, df = transform_labels(df)
    n_features = transform_n_features(df)
    load(df, n_features)
    load_2(labels)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/inplace_df_pop"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    inplace_df_pop_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
