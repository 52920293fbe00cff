"""Prefect flow `roundtrip_bound_try_except_pass` of project `roundtrip_bound_try_except_pass`, compiled by etlnb from "roundtrip_bound_try_except_pass.ipynb".

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
def extract_raw():
    # cell 2 [extract] id=c1, line 1
    raw = "{not json"
    return raw


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_ok(raw):
    global parsed  # module globals, as in the notebook
    # cell 3 [transform] id=c2, lines 1-6
    ok = False
    try:
        parsed = json.loads(raw)
        ok = True
    except ValueError:
        pass
    return ok


@task(cache_policy=NO_CACHE, persist_result=False)
def load(ok):
    # cell 4 [load] id=c3, lines 1-3
    result = parsed if ok else {"error": "unparseable"}
    with open("result.json", "w") as f:
        json.dump(result, f)


@flow(name="roundtrip_bound_try_except_pass", log_prints=True, task_runner=ThreadPoolTaskRunner())
def roundtrip_bound_try_except_pass_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    raw = extract_raw()
    ok = transform_ok(raw)
    load(ok)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/roundtrip_bound_try_except_pass"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    roundtrip_bound_try_except_pass_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
