"""Prefect flow `inplace_sklearn_fit` of project `inplace_sklearn_fit`, compiled by etlnb from "inplace_sklearn_fit.ipynb".

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
import numpy as np
from sklearn.preprocessing import StandardScaler


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_x():
    # cell 2 [extract] id=c1, lines 1-2
    X = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 10.0]])
    scaler = StandardScaler()
    return X, scaler


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_scaler(scaler, X):
    # cell 3 [transform] id=c2, line 1
    scaler.fit(X)
    return scaler


@task(cache_policy=NO_CACHE, persist_result=False)
def load(scaler, X):
    # cell 4 [load] id=c3, line 1
    np.savetxt("scaled.csv", scaler.transform(X), delimiter=",", fmt="%.6f")


@flow(name="inplace_sklearn_fit", log_prints=True, task_runner=ThreadPoolTaskRunner())
def inplace_sklearn_fit_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    X, scaler = extract_x()
    scaler = transform_scaler(scaler, X)
    load(scaler, X)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/inplace_sklearn_fit"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    inplace_sklearn_fit_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
