"""Prefect flow `extra_helper_creates_frame_global` of project `extra_helper_creates_frame_global`, compiled by etlnb from "extra_helper_creates_frame_global.ipynb".

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


# cell 2 [functions] id=c1, lines 1-3
def build():
    global frame
    frame = pd.DataFrame({"a": [1, 2]})


@task(cache_policy=NO_CACHE, persist_result=False)
def extract():
    global frame  # module globals, as in the notebook
    # cell 3 [extract] id=c2, line 1
    build()


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_out():
    # cell 4 [transform] id=c3, lines 1-2
    frame["b"] = frame["a"] * 2
    out = frame.copy()
    return out


@task(cache_policy=NO_CACHE, persist_result=False)
def load(out):
    # cell 5 [load] id=c4, line 1
    out.to_csv("out.csv", index=False)


@flow(name="extra_helper_creates_frame_global", log_prints=True, task_runner=ThreadPoolTaskRunner())
def extra_helper_creates_frame_global_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    extract()
    out = transform_out()
    load(out)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/extra_helper_creates_frame_global"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    extra_helper_creates_frame_global_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
