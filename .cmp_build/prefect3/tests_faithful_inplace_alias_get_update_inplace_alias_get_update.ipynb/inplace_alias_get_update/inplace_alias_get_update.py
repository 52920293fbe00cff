"""Prefect flow `inplace_alias_get_update` of project `inplace_alias_get_update`, compiled by etlnb from "inplace_alias_get_update.ipynb".

Generated code: change the notebook and run `etlnb compile` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
"""

import os

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

# isort: split


# cell 1 [imports] id=c0, lines 1-2
import json
import time


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_settings():
    # cell 3 [extract] id=c2, line 1
    settings = {"limits": {"max": 100, "min": 0}, "name": "daily"}
    return settings


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_settings(settings, overrides):
    # cell 4 [transform] id=c3, lines 1-3
    limits = settings.get("limits")
    time.sleep(0.3)
    limits.update(overrides)
    return settings


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_cap(settings):
    # cell 5 [transform] id=c4, line 1
    cap = settings["limits"]["max"]
    return cap


@task(cache_policy=NO_CACHE, persist_result=False)
def load(settings, cap):
    # cell 6 [load] id=c5, lines 1-2
    with open("settings.json", "w") as f:
        json.dump({"settings": settings, "cap": cap}, f)


@flow(name="inplace_alias_get_update", log_prints=True, task_runner=ThreadPoolTaskRunner())
def inplace_alias_get_update_flow(
    overrides: dict[str, int] = {"max": 5},  # noqa: B006
) -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    settings = extract_settings()
    settings = transform_settings(settings, overrides)
    cap = transform_cap(settings)
    load(settings, cap)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"overrides": {"max": 5}}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/inplace_alias_get_update"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    inplace_alias_get_update_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
