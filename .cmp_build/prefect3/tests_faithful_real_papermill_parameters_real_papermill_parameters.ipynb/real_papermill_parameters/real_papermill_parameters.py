"""Prefect flow `real_papermill_parameters` of project `real_papermill_parameters`, compiled by etlnb from "real_papermill_parameters.ipynb".

Generated code: change the notebook and run `etlnb compile` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
"""

import os

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

# isort: split


# cell 3 [imports] id=c2, line 1
import json


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_greeting(msg, b, a):
    # cell 5 [extract] id=c4, lines 1-2
    greeting = f"{msg}: {' '.join(b)} x{a}"
    print(greeting)
    return greeting


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_payload(greeting, a, c, msg, b):
    # cell 6 [transform] id=c5, lines 1-2
    payload = {"greeting": greeting, "a": a, "c": c,
               "types": [type(v).__name__ for v in (msg, a, b, c)]}
    return payload


@task(cache_policy=NO_CACHE, persist_result=False)
def load(payload):
    # cell 7 [load] id=c6, lines 1-2
    with open("payload.json", "w") as f:
        json.dump(payload, f)


@flow(name="real_papermill_parameters", log_prints=True, task_runner=ThreadPoolTaskRunner())
def real_papermill_parameters_flow(
    msg: str | None = None,
    a: float = 2.25,
    b: list[str] = ["Hello", "World"],  # noqa: B006
    c=None,
) -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    greeting = extract_greeting(msg, b, a)
    payload = transform_payload(greeting, a, c, msg, b)
    load(payload)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"msg": "sample run", "a": 2.25, "b": ["Hello", "World"], "c": None}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/real_papermill_parameters"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    real_papermill_parameters_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
