"""Prefect 1 flow `extra_stored_lambda_reads_rebound_param` of project `extra_stored_lambda_reads_rebound_param`, compiled by etlnb from "extra_stored_lambda_reads_rebound_param.ipynb".

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


# ruff: disable[I001]  # the notebook's own code, copied verbatim
# cell 2 [imports] id=c1, line 1
import json
# ruff: enable[I001]


# Notebook values that helper functions read as module globals; the flow sets
# them from its parameters before the first step (steps run one at a time).
col = None


@task(checkpoint=False)
def set_module_globals(col):
    """Set the notebook values helper functions read as module globals."""
    globals().update(col=col)


@task(nout=2, checkpoint=False, log_stdout=True)
def extract_rows():
    # cell 3 [extract] id=c2, lines 1-2
    rows = [{"a": 2, "b": 1}, {"a": 1, "b": 2}]
    key = lambda r: r[col]
    return rows, key


@task(checkpoint=False, log_stdout=True)
def transform():
    global col  # module globals, as in the notebook
    # cell 4 [transform] id=c3, line 1
    col = "b"


@task(checkpoint=False, log_stdout=True)
def load(rows, key):
    # cell 5 [load] id=c4, lines 1-3
    ordered = sorted(rows, key=key)
    with open("o.json", "w") as f:
        json.dump(ordered, f)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "extra_stored_lambda_reads_rebound_param",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalExecutor(),
    ) as flow:
        col = Parameter("col", default="a")
        module_globals = set_module_globals(col)
        rows, key = extract_rows(upstream_tasks=[module_globals])
        transform_done = transform(upstream_tasks=[rows])
        load(rows, key, upstream_tasks=[transform_done])
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"col": "a"}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/extra_stored_lambda_reads_rebound_param"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
