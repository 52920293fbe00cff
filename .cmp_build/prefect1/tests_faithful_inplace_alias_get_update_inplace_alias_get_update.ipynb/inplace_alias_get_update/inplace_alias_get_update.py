"""Prefect 1 flow `inplace_alias_get_update` of project `inplace_alias_get_update`, compiled by etlnb from "inplace_alias_get_update.ipynb".

Generated code: change the notebook and run `etlnb compile --target prefect1` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
Register it with Prefect 1's CLI: `prefect register -p THIS_FILE --project PROJECT`.
"""

import os

from prefect import Flow, Parameter, task
from prefect.executors import LocalExecutor
from prefect.run_configs import LocalRun
from prefect.storage import Local

# isort: split


# cell 1 [imports] id=c0, lines 1-2
import json
import time


@task(checkpoint=False, log_stdout=True)
def extract_settings():
    # cell 3 [extract] id=c2, line 1
    settings = {"limits": {"max": 100, "min": 0}, "name": "daily"}
    return settings


@task(checkpoint=False, log_stdout=True)
def transform_settings(settings, overrides):
    # cell 4 [transform] id=c3, lines 1-3
    limits = settings.get("limits")
    time.sleep(0.3)
    limits.update(overrides)
    return settings


@task(checkpoint=False, log_stdout=True)
def transform_cap(settings):
    # cell 5 [transform] id=c4, line 1
    cap = settings["limits"]["max"]
    return cap


@task(checkpoint=False, log_stdout=True)
def load(settings, cap):
    # cell 6 [load] id=c5, lines 1-2
    with open("settings.json", "w") as f:
        json.dump({"settings": settings, "cap": cap}, f)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "inplace_alias_get_update",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalExecutor(),
    ) as flow:
        overrides = Parameter("overrides", default={"max": 5})
        settings = extract_settings()
        settings = transform_settings(settings, overrides)
        cap = transform_cap(settings)
        load(settings, cap)
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"overrides": {"max": 5}}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/inplace_alias_get_update"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
