"""Prefect 1 flow `inplace_mapped_mutates_item` of project `inplace_mapped_mutates_item`, compiled by etlnb from "inplace_mapped_mutates_item.ipynb".

Generated code: change the notebook and run `etlnb compile --target prefect1` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
Register it with Prefect 1's CLI: `prefect register -p THIS_FILE --project PROJECT`.
"""

import os

from prefect import Flow, Parameter, task, unmapped
from prefect.executors import LocalDaskExecutor
from prefect.run_configs import LocalRun
from prefect.storage import Local

# isort: split


# cell 1 [imports] id=c0, line 1
import json


# cell 2 [functions] id=c1, lines 1-3
def check(rec):
    rec["checked"] = rec["id"] % 2 == 0
    return rec["id"]


@task(checkpoint=False)
def as_list(values):
    """A mapped line iterates its value, as the notebook's comprehension did."""
    return list(values)


@task(checkpoint=False, log_stdout=True)
def extract_records():
    # cell 3 [extract] id=c2, line 1
    records = [{"id": 1}, {"id": 2}, {"id": 3}]
    return records


# cell 4 [transform] id=c3, line 1: ids = [check(r) for r in records]
@task(checkpoint=False, log_stdout=True)
def transform_ids(r):
    return check(r)


@task(checkpoint=False, log_stdout=True)
def load(records, ids):
    # cell 5 [load] id=c4, lines 1-2
    with open("records.json", "w") as f:
        json.dump({"records": records, "ids": ids}, f)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "inplace_mapped_mutates_item",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalDaskExecutor(scheduler="threads"),
    ) as flow:
        records = extract_records()
        ids = transform_ids.map(as_list(records), upstream_tasks=[unmapped(records)])
        load(records, ids)
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/inplace_mapped_mutates_item"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
