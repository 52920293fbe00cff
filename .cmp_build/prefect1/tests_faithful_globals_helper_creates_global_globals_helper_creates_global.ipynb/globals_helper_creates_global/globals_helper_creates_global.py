"""Prefect 1 flow `globals_helper_creates_global` of project `globals_helper_creates_global`, compiled by etlnb from "globals_helper_creates_global.ipynb".

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


# cell 3 [functions] id=c2, lines 1-3
def configure(path):
    global conn_str
    conn_str = f"sqlite:///{path}"


@task(checkpoint=False, log_stdout=True)
def extract(db_file):
    global conn_str  # module globals, as in the notebook
    # cell 4 [extract] id=c3, line 1
    configure(db_file)


@task(checkpoint=False, log_stdout=True)
def transform_settings():
    # cell 5 [transform] id=c4, line 1
    settings = {"url": conn_str}
    return settings


@task(checkpoint=False, log_stdout=True)
def load(settings):
    # cell 6 [load] id=c5, lines 1-2
    with open("settings.json", "w") as f:
        json.dump(settings, f)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "globals_helper_creates_global",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalExecutor(),
    ) as flow:
        db_file = Parameter("db_file", default="app.db")
        extract_done = extract(db_file)
        settings = transform_settings(upstream_tasks=[extract_done])
        load(settings)
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"db_file": "app.db"}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/globals_helper_creates_global"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
