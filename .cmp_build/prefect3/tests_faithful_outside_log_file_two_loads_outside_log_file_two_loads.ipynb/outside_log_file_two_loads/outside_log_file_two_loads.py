"""Prefect flow `outside_log_file_two_loads` of project `outside_log_file_two_loads`, compiled by etlnb from "outside_log_file_two_loads.ipynb".

Generated code: change the notebook and run `etlnb compile` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
"""

import os

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

# isort: split


# cell 1 [imports] id=c0, lines 1-6
import logging
import time

log = logging.getLogger("etl.faithful")
log.setLevel(logging.INFO)
log.propagate = False


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_handler():
    # cell 2 [extract] id=c1, lines 1-4
    handler = logging.FileHandler("run.log")
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    rows = [1, 2, 3]
    return handler, rows


@task(cache_policy=NO_CACHE, persist_result=False)
def load(rows):
    # cell 3 [load] id=c2, lines 1-2
    time.sleep(0.3)
    log.info("loaded %d rows", len(rows))


@task(cache_policy=NO_CACHE, persist_result=False)
def load_2(handler):
    # cell 4 [load] id=c3, lines 1-2
    log.info("done")
    handler.close()


@flow(name="outside_log_file_two_loads", log_prints=True, task_runner=ThreadPoolTaskRunner())
def outside_log_file_two_loads_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    handler, rows = extract_handler()
    load(rows)
    load_2(handler)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/outside_log_file_two_loads"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    outside_log_file_two_loads_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
