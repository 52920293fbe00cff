"""Prefect flow `etlnb_map_over_import_constant` of project `etlnb_map_over_import_constant`, compiled by etlnb from "etlnb_map_over_import_constant.ipynb".

Generated code: change the notebook and run `etlnb compile` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
"""

import os

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

# isort: split


# cell 1 [imports] id=c0, lines 1-3
import json

REGIONS = ["north", "south"]


# cell 2 [functions] id=c1, lines 1-2
def fetch(region):
    return {"region": region, "n": len(region)}


# cell 3 [extract] id=c2, line 1: raw = [fetch(r) for r in REGIONS]
@task(retries=2, retry_delay_seconds=10, cache_policy=NO_CACHE, persist_result=False)
def extract_raw(r):
    return fetch(r)


@task(cache_policy=NO_CACHE, persist_result=False)
def load(raw):
    # cell 4 [load] id=c3, lines 1-2
    with open("raw.json", "w") as f:
        json.dump(raw, f)


@flow(name="etlnb_map_over_import_constant", log_prints=True, task_runner=ThreadPoolTaskRunner())
def etlnb_map_over_import_constant_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    raw = extract_raw.map(list(REGIONS)).result()
    load(raw)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/etlnb_map_over_import_constant"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    etlnb_map_over_import_constant_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
