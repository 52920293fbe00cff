"""Prefect 1 flow `outside_chdir_in_step` of project `outside_chdir_in_step`, compiled by etlnb from "outside_chdir_in_step.ipynb".

Generated code: change the notebook and run `etlnb compile --target prefect1` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
Register it with Prefect 1's CLI: `prefect register -p THIS_FILE --project PROJECT`.
"""

from prefect import Flow, Parameter, task
from prefect.executors import LocalExecutor
from prefect.run_configs import LocalRun
from prefect.storage import Local

# isort: split


# cell 1 [imports] id=c0, lines 1-2
import json
import os


@task(checkpoint=False, log_stdout=True)
def extract_values():
    # cell 2 [extract] id=c1, lines 1-3
    os.chdir("data")
    with open("in.json") as f:
        values = json.load(f)
    return values


@task(checkpoint=False, log_stdout=True)
def transform_doubled(values):
    # cell 3 [transform] id=c2, line 1
    doubled = [2 * v for v in values]
    return doubled


@task(checkpoint=False, log_stdout=True)
def load(doubled):
    # cell 4 [load] id=c3, lines 1-2
    with open("out.json", "w") as f:
        json.dump(doubled, f)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "outside_chdir_in_step",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalExecutor(),
    ) as flow:
        values = extract_values()
        doubled = transform_doubled(values)
        load(doubled)
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/outside_chdir_in_step"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
