"""Prefect 1 flow `hoist_default_reads_parameter` of project `hoist_default_reads_parameter`, compiled by etlnb from "hoist_default_reads_parameter.ipynb".

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


@task(checkpoint=False, log_stdout=True)
def extract_values():
    # cell 3 [extract] id=c2, line 1
    values = [4, 12, 10, 30]
    return values


@task(checkpoint=False, log_stdout=True)
def transform_kept(threshold, values):
    # cell 4 [transform] id=c3, lines 1-5
    def keep(v, limit=threshold):
        return v >= limit


    kept = [v for v in values if keep(v)]
    return kept


@task(checkpoint=False, log_stdout=True)
def load(kept):
    # cell 5 [load] id=c4, lines 1-2
    with open("kept.json", "w") as f:
        json.dump(kept, f)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "hoist_default_reads_parameter",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalExecutor(),
    ) as flow:
        threshold = Parameter("threshold", default=10)
        values = extract_values()
        kept = transform_kept(threshold, values)
        load(kept)
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"threshold": 10}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/hoist_default_reads_parameter"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
