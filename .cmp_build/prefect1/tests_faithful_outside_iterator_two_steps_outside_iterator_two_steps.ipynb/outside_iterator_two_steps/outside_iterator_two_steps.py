"""Prefect 1 flow `outside_iterator_two_steps` of project `outside_iterator_two_steps`, compiled by etlnb from "outside_iterator_two_steps.ipynb".

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


@task(nout=2, checkpoint=False, log_stdout=True)
def extract_lines():
    # cell 2 [extract] id=c1, lines 1-2
    lines = ["id,v", "1,a", "2,b"]
    stream = iter(lines)
    return lines, stream


@task(nout=3, checkpoint=False, log_stdout=True)
def transform_header(stream, lines):
    # cell 3 [transform] id=c2, line 1
    header = next(stream).split(",")
    return header, lines, stream


@task(checkpoint=False, log_stdout=True)
def transform_body(stream, lines):
    # cell 4 [transform] id=c3, line 1
    body = [line.split(",") for line in stream]
    return body


@task(checkpoint=False, log_stdout=True)
def load(header, body):
    # cell 5 [load] id=c4, lines 1-4
    with open("out.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(body)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "outside_iterator_two_steps",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalExecutor(),
    ) as flow:
        lines, stream = extract_lines()
        header, lines, stream = transform_header(stream, lines)
        body = transform_body(stream, lines, upstream_tasks=[header])
        load(header, body)
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/outside_iterator_two_steps"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
