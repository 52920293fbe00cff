"""Prefect flow `roundtrip_map_over_str` of project `roundtrip_map_over_str`, compiled by etlnb from "roundtrip_map_over_str.ipynb".

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


# cell 3 [functions] id=c2, lines 1-2
def code(ch):
    return ord(ch) - 96


# cell 4 [transform] id=c3, line 1: codes = [code(ch) for ch in word]
@task(cache_policy=NO_CACHE, persist_result=False)
def transform_codes(ch):
    return code(ch)


@task(cache_policy=NO_CACHE, persist_result=False)
def load(codes):
    # cell 5 [load] id=c4, lines 1-2
    with open("codes.json", "w") as f:
        json.dump(codes, f)


@flow(name="roundtrip_map_over_str", log_prints=True, task_runner=ThreadPoolTaskRunner())
def roundtrip_map_over_str_flow(
    word: str = "etl",
) -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    codes = transform_codes.map(list(word)).result()
    load(codes)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"word": "etl"}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/roundtrip_map_over_str"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    roundtrip_map_over_str_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
