"""Prefect flow `outside_environ_set_then_read` of project `outside_environ_set_then_read`, compiled by etlnb from "outside_environ_set_then_read.ipynb".

Generated code: change the notebook and run `etlnb compile` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
"""

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

# isort: split


# cell 1 [imports] id=c0, lines 1-3
import json
import os
import time


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_rows():
    # cell 2 [extract] id=c1, line 1
    rows = [1, 2, 3]
    return rows


@task(cache_policy=NO_CACHE, persist_result=False)
def transform():
    # cell 3 [transform] id=c2, lines 1-2
    time.sleep(0.3)
    os.environ["ETLNB_FAITHFUL_REGION"] = "eu"


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_label(rows):
    # cell 4 [transform] id=c3, line 1
    label = f"{os.environ.get('ETLNB_FAITHFUL_REGION', 'us')}-{len(rows)}"
    return label


@task(cache_policy=NO_CACHE, persist_result=False)
def load(label):
    # cell 5 [load] id=c4, lines 1-2
    with open("label.json", "w") as f:
        json.dump(label, f)


@flow(name="outside_environ_set_then_read", log_prints=True, task_runner=ThreadPoolTaskRunner())
def outside_environ_set_then_read_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    rows = extract_rows()
    transform()
    label = transform_label(rows)
    load(label)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/outside_environ_set_then_read"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    outside_environ_set_then_read_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
