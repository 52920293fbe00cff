"""Prefect flow `roundtrip_dict_int_and_float` of project `roundtrip_dict_int_and_float`, compiled by etlnb from "roundtrip_dict_int_and_float.ipynb".

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
def extract_pages(opts):
    # cell 3 [extract] id=c2, line 1
    pages = [f"page-{i}" for i in range(opts["pages"])]
    return pages


@task(cache_policy=NO_CACHE, persist_result=False)
def load(pages):
    # cell 4 [load] id=c3, lines 1-2
    with open("pages.json", "w") as f:
        json.dump(pages, f)


@flow(name="roundtrip_dict_int_and_float", log_prints=True, task_runner=ThreadPoolTaskRunner())
def roundtrip_dict_int_and_float_flow(
    opts: dict[str, int | float] = {"pages": 3, "pause": 0.5},  # noqa: B006
) -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    pages = extract_pages(opts)
    load(pages)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"opts": {"pages": 3, "pause": 0.5}}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/roundtrip_dict_int_and_float"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    roundtrip_dict_int_and_float_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
