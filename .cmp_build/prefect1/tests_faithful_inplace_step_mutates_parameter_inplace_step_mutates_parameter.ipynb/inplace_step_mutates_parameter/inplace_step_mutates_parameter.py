"""Prefect 1 flow `inplace_step_mutates_parameter` of project `inplace_step_mutates_parameter`, compiled by etlnb from "inplace_step_mutates_parameter.ipynb".

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


# cell 1 [imports] id=c0, line 1
import json


@task(nout=2, checkpoint=False, log_stdout=True)
def extract_raw(regions):
    # cell 3 [extract] id=c2, lines 1-2
    regions.append("apac")
    raw = {r: len(r) for r in regions}
    return raw, regions


@task(checkpoint=False, log_stdout=True)
def transform_n_regions(regions):
    # cell 4 [transform] id=c3, line 1
    n_regions = len(regions)
    return n_regions


@task(checkpoint=False, log_stdout=True)
def load(raw, n_regions):
    # cell 5 [load] id=c4, lines 1-2
    with open("regions.json", "w") as f:
        json.dump({"raw": raw, "n": n_regions}, f)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "inplace_step_mutates_parameter",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalExecutor(),
    ) as flow:
        regions = Parameter("regions", default=["eu", "us"])
        raw, regions = extract_raw(regions)
        n_regions = transform_n_regions(regions, upstream_tasks=[raw])
        load(raw, n_regions)
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"regions": ["eu", "us"]}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/inplace_step_mutates_parameter"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
