"""Prefect flow `inplace_alias_across_steps` of project `inplace_alias_across_steps`, compiled by etlnb from "inplace_alias_across_steps.ipynb".

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
import json


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_batch():
    # cell 2 [extract] id=c1, lines 1-2
    batch = [1]
    envelope = {"batch": batch, "source": "api"}
    return batch, envelope


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_envelope(batch, envelope):
    # cell 3 [transform] id=c2, line 1
    batch.append(2)
    return envelope


@task(cache_policy=NO_CACHE, persist_result=False)
def load(envelope):
    # cell 4 [load] id=c3, lines 1-2
    with open("envelope.json", "w") as f:
        json.dump(envelope, f)


@flow(name="inplace_alias_across_steps", log_prints=True, task_runner=ThreadPoolTaskRunner())
def inplace_alias_across_steps_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    batch, envelope = extract_batch()
    envelope = transform_envelope(batch, envelope)
    load(envelope)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/inplace_alias_across_steps"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    inplace_alias_across_steps_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
