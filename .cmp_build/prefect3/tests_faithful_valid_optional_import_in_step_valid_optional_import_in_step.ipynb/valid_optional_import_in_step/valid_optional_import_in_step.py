"""Prefect flow `valid_optional_import_in_step` of project `valid_optional_import_in_step`, compiled by etlnb from "valid_optional_import_in_step.ipynb".

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


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_fastjson():
    # cell 2 [extract] id=c1, lines 1-5
    try:
        import ujson as fastjson
    except ImportError:
        fastjson = None
    rows = [{"a": 1}]
    return fastjson, rows


@task(cache_policy=NO_CACHE, persist_result=False)
def load(fastjson, rows):
    # cell 3 [load] id=c2, lines 1-3
    dumps = fastjson.dumps if fastjson else json.dumps
    with open("rows.json", "w") as f:
        f.write(dumps(rows))


@flow(name="valid_optional_import_in_step", log_prints=True, task_runner=ThreadPoolTaskRunner())
def valid_optional_import_in_step_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    fastjson, rows = extract_fastjson()
    load(fastjson, rows)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/valid_optional_import_in_step"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    valid_optional_import_in_step_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
