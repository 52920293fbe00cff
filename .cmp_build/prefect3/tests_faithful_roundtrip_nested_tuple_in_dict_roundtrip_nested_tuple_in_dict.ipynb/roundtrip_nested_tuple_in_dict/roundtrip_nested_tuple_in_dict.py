"""Prefect flow `roundtrip_nested_tuple_in_dict` of project `roundtrip_nested_tuple_in_dict`, compiled by etlnb from "roundtrip_nested_tuple_in_dict.ipynb".

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
def extract_kinds(bounds):
    # cell 3 [extract] id=c2, lines 1-2
    kinds = {k: type(v).__name__ for k, v in bounds.items()}
    span = list(range(bounds["lo"], 2))
    return kinds, span


@task(cache_policy=NO_CACHE, persist_result=False)
def load(kinds, span):
    # cell 4 [load] id=c3, lines 1-2
    with open("kinds.json", "w") as f:
        json.dump({"kinds": kinds, "span": span}, f, sort_keys=True)


@flow(name="roundtrip_nested_tuple_in_dict", log_prints=True, task_runner=ThreadPoolTaskRunner())
def roundtrip_nested_tuple_in_dict_flow(
    bounds: dict[str, int | tuple[str, str] | None] = {"lo": -1, "hi": None, "tags": ("a", "b")},  # noqa: B006
) -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    kinds, span = extract_kinds(bounds)
    load(kinds, span)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"bounds": {"lo": -1, "hi": None, "tags": ("a", "b")}}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/roundtrip_nested_tuple_in_dict"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    roundtrip_nested_tuple_in_dict_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
