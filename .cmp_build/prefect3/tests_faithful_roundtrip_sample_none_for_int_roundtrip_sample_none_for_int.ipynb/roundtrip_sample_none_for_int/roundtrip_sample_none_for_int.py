"""Prefect flow `roundtrip_sample_none_for_int` of project `roundtrip_sample_none_for_int`, compiled by etlnb from "roundtrip_sample_none_for_int.ipynb".

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
def extract_rows(limit):
    # cell 4 [extract] id=c3, lines 1-2
    data = list(range(25))
    rows = data if limit is None else data[:limit]
    return rows


@task(cache_policy=NO_CACHE, persist_result=False)
def load(rows):
    # cell 5 [load] id=c4, lines 1-2
    with open("n.json", "w") as f:
        json.dump(len(rows), f)


@flow(name="roundtrip_sample_none_for_int", log_prints=True, task_runner=ThreadPoolTaskRunner())
def roundtrip_sample_none_for_int_flow(
    limit: int | None = 10,
) -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    rows = extract_rows(limit)
    load(rows)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"limit": None}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/roundtrip_sample_none_for_int"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    roundtrip_sample_none_for_int_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
