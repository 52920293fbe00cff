"""Prefect flow `globals_helper_creates_global` of project `globals_helper_creates_global`, compiled by etlnb from "globals_helper_creates_global.ipynb".

Generated code: change the notebook and run `etlnb compile` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
"""

import os

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

# isort: split


# cell 1 [imports] id=c0, line 1
import json


# cell 3 [functions] id=c2, lines 1-3
def configure(path):
    global conn_str
    conn_str = f"sqlite:///{path}"


@task(cache_policy=NO_CACHE, persist_result=False)
def extract(db_file):
    global conn_str  # module globals, as in the notebook
    # cell 4 [extract] id=c3, line 1
    configure(db_file)


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_settings():
    # cell 5 [transform] id=c4, line 1
    settings = {"url": conn_str}
    return settings


@task(cache_policy=NO_CACHE, persist_result=False)
def load(settings):
    # cell 6 [load] id=c5, lines 1-2
    with open("settings.json", "w") as f:
        json.dump(settings, f)


@flow(name="globals_helper_creates_global", log_prints=True, task_runner=ThreadPoolTaskRunner())
def globals_helper_creates_global_flow(
    db_file: str = "app.db",
) -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    extract(db_file)
    settings = transform_settings()
    load(settings)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"db_file": "app.db"}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/globals_helper_creates_global"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    globals_helper_creates_global_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
