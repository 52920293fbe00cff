"""Prefect 1 flow `hoist_syspath_local_module` of project `hoist_syspath_local_module`, compiled by etlnb from "hoist_syspath_local_module.ipynb".

Generated code: change the notebook and run `etlnb compile --target prefect1` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
Register it with Prefect 1's CLI: `prefect register -p THIS_FILE --project PROJECT`.
"""

import os
import sys

from prefect import Flow, Parameter, task
from prefect.executors import LocalExecutor
from prefect.run_configs import LocalRun
from prefect.storage import Local

# isort: split


# The notebook imports modules from its own folder: Jupyter runs it from there, with
# that folder on sys.path, and so does this script when run directly (local runs only:
# `etlnb deploy` refuses such imports, a deployed flow gets only this script).
if __name__ == "__main__":
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../../tests/faithful/hoist_syspath_local_module"))
    sys.path.insert(0, "")


# ruff: disable[RUF100]  # the notebook's own code, copied verbatim
# cell 1 [imports] id=c0, lines 1-5
import json
import sys

sys.path.insert(0, "lib")
import tinyfmt  # noqa: E402
# ruff: enable[RUF100]


@task(checkpoint=False, log_stdout=True)
def extract_amounts():
    # cell 2 [extract] id=c1, line 1
    amounts = [1234.5, 9.99]
    return amounts


@task(checkpoint=False, log_stdout=True)
def transform_shown(amounts):
    # cell 3 [transform] id=c2, line 1
    shown = [tinyfmt.money(a) for a in amounts]
    return shown


@task(checkpoint=False, log_stdout=True)
def load(shown):
    # cell 4 [load] id=c3, lines 1-2
    with open("shown.json", "w") as f:
        json.dump(shown, f)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "hoist_syspath_local_module",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalExecutor(),
    ) as flow:
        amounts = extract_amounts()
        shown = transform_shown(amounts)
        load(shown)
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/hoist_syspath_local_module"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
