"""Prefect flow `hoist_syspath_local_module` of project `hoist_syspath_local_module`, compiled by etlnb from "hoist_syspath_local_module.ipynb".

Generated code: change the notebook and run `etlnb compile` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
"""

import os
import sys

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

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


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_amounts():
    # cell 2 [extract] id=c1, line 1
    amounts = [1234.5, 9.99]
    return amounts


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_shown(amounts):
    # cell 3 [transform] id=c2, line 1
    shown = [tinyfmt.money(a) for a in amounts]
    return shown


@task(cache_policy=NO_CACHE, persist_result=False)
def load(shown):
    # cell 4 [load] id=c3, lines 1-2
    with open("shown.json", "w") as f:
        json.dump(shown, f)


@flow(name="hoist_syspath_local_module", log_prints=True, task_runner=ThreadPoolTaskRunner())
def hoist_syspath_local_module_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    amounts = extract_amounts()
    shown = transform_shown(amounts)
    load(shown)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/hoist_syspath_local_module"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    hoist_syspath_local_module_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
