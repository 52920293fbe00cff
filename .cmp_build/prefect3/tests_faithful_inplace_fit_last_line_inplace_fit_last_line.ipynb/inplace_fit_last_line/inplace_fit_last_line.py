"""Prefect flow `inplace_fit_last_line` of project `inplace_fit_last_line`, compiled by etlnb from "inplace_fit_last_line.ipynb".

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
import json
import time


# cell 2 [functions] id=c1, lines 1-8
class RunningMean:
    def __init__(self):
        self.mean_ = None

    def fit(self, xs):
        time.sleep(0.3)  # stands in for real training
        self.mean_ = sum(xs) / len(xs)
        return self


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_xs():
    # cell 3 [extract] id=c2, lines 1-2
    xs = [3.0, 4.0, 8.0]
    model = RunningMean()
    return xs, model


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_model(model, xs):
    # cell 4 [transform] id=c3, line 1
    model.fit(xs)
    return model


@task(cache_policy=NO_CACHE, persist_result=False)
def load(model):
    # cell 5 [load] id=c4, lines 1-2
    with open("model.json", "w") as f:
        json.dump({"mean": model.mean_}, f)


@flow(name="inplace_fit_last_line", log_prints=True, task_runner=ThreadPoolTaskRunner())
def inplace_fit_last_line_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    xs, model = extract_xs()
    model = transform_model(model, xs)
    load(model)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/inplace_fit_last_line"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    inplace_fit_last_line_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
