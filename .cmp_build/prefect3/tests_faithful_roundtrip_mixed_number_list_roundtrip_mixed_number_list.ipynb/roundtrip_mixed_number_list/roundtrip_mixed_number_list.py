"""Prefect flow `roundtrip_mixed_number_list` of project `roundtrip_mixed_number_list`, compiled by etlnb from "roundtrip_mixed_number_list.ipynb".

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
def extract_labels(weights):
    # cell 3 [extract] id=c2, line 1
    labels = ["x" * w if isinstance(w, int) else "half" for w in weights]
    return labels


@task(cache_policy=NO_CACHE, persist_result=False)
def load(labels, weights):
    # cell 4 [load] id=c3, lines 1-2
    with open("labels.json", "w") as f:
        json.dump({"labels": labels, "repr": repr(weights)}, f)


@flow(name="roundtrip_mixed_number_list", log_prints=True, task_runner=ThreadPoolTaskRunner())
def roundtrip_mixed_number_list_flow(
    weights: list[int | float] = [2, 0.5],  # noqa: B006
) -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    labels = extract_labels(weights)
    load(labels, weights)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"weights": [2, 0.5]}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/roundtrip_mixed_number_list"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    roundtrip_mixed_number_list_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
