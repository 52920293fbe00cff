"""Prefect flow `roundtrip_set_parameter` of project `roundtrip_set_parameter`, compiled by etlnb from "roundtrip_set_parameter.ipynb".

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
def extract_kept(keep):
    # cell 3 [extract] id=c2, line 1
    kept = sorted(k for k in "abcd" if k in keep)
    return kept


@task(cache_policy=NO_CACHE, persist_result=False)
def load(kept):
    # cell 4 [load] id=c3, lines 1-2
    with open("kept.json", "w") as f:
        json.dump(kept, f)


@flow(name="roundtrip_set_parameter", log_prints=True, task_runner=ThreadPoolTaskRunner())
def roundtrip_set_parameter_flow(
    keep: set[str] = {"a", "c"},  # noqa: B006
) -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    kept = extract_kept(keep)
    load(kept)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"keep": {"a", "c"}}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/roundtrip_set_parameter"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    roundtrip_set_parameter_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
