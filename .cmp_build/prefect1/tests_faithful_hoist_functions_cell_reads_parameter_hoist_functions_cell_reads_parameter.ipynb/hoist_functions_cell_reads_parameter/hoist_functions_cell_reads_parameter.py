"""Prefect 1 flow `hoist_functions_cell_reads_parameter` of project `hoist_functions_cell_reads_parameter`, compiled by etlnb from "hoist_functions_cell_reads_parameter.ipynb".

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
import csv


# cell 3 [functions] id=c2, lines 4-6
def write_report(rows):
    with open(REPORT_PATH, "w", newline="") as f:
        csv.writer(f).writerows(rows)


@task(checkpoint=False, log_stdout=True)
def functions(out_name):
    global REPORT_PATH  # module globals, as in the notebook
    # cell 3 [functions] id=c2, line 1
    REPORT_PATH = out_name + ".csv"


@task(checkpoint=False, log_stdout=True)
def extract_rows():
    # cell 4 [extract] id=c3, line 1
    rows = [["a", 1], ["b", 2]]
    return rows


@task(checkpoint=False, log_stdout=True)
def load(rows):
    # cell 5 [load] id=c4, line 1
    write_report(rows)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "hoist_functions_cell_reads_parameter",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalExecutor(),
    ) as flow:
        out_name = Parameter("out_name", default="summary")
        functions_done = functions(out_name)
        rows = extract_rows(upstream_tasks=[functions_done])
        load(rows)
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"out_name": "summary"}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/hoist_functions_cell_reads_parameter"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
