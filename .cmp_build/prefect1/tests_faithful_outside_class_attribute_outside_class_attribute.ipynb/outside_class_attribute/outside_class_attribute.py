"""Prefect 1 flow `outside_class_attribute` of project `outside_class_attribute`, compiled by etlnb from "outside_class_attribute.ipynb".

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


# cell 2 [functions] id=c1, lines 1-2
class Stats:
    rows_seen = 0


@task(checkpoint=False, log_stdout=True)
def extract_rows():
    # cell 3 [extract] id=c2, line 1
    rows = [4, 5, 6]
    return rows


@task(checkpoint=False, log_stdout=True)
def transform(rows):
    # cell 4 [transform] id=c3, lines 1-2
    time.sleep(0.3)
    Stats.rows_seen += len(rows)


@task(checkpoint=False, log_stdout=True)
def transform_summary(rows):
    # cell 5 [transform] id=c4, line 1
    summary = {"seen": Stats.rows_seen, "sum": sum(rows)}
    return summary


@task(checkpoint=False, log_stdout=True)
def load(summary):
    # cell 6 [load] id=c5, lines 1-2
    with open("summary.json", "w") as f:
        json.dump(summary, f)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "outside_class_attribute",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalExecutor(),
    ) as flow:
        rows = extract_rows()
        transform_done = transform(rows)
        summary = transform_summary(rows, upstream_tasks=[transform_done])
        load(summary)
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/outside_class_attribute"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
