"""Prefect 1 flow `outside_log_file_two_loads` of project `outside_log_file_two_loads`, compiled by etlnb from "outside_log_file_two_loads.ipynb".

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


# cell 1 [imports] id=c0, lines 1-6
import logging
import time

log = logging.getLogger("etl.faithful")
log.setLevel(logging.INFO)
log.propagate = False


@task(nout=2, checkpoint=False, log_stdout=True)
def extract_handler():
    # cell 2 [extract] id=c1, lines 1-4
    handler = logging.FileHandler("run.log")
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    rows = [1, 2, 3]
    return handler, rows


@task(checkpoint=False, log_stdout=True)
def load(rows):
    # cell 3 [load] id=c2, lines 1-2
    time.sleep(0.3)
    log.info("loaded %d rows", len(rows))


@task(checkpoint=False, log_stdout=True)
def load_2(handler):
    # cell 4 [load] id=c3, lines 1-2
    log.info("done")
    handler.close()


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "outside_log_file_two_loads",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalExecutor(),
    ) as flow:
        handler, rows = extract_handler()
        load_done = load(rows, upstream_tasks=[handler])
        load_2(handler, upstream_tasks=[load_done])
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/outside_log_file_two_loads"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
