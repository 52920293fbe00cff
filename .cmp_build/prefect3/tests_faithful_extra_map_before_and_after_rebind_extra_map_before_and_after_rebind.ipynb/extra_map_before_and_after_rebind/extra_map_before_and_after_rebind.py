"""Prefect flow `extra_map_before_and_after_rebind` of project `extra_map_before_and_after_rebind`, compiled by etlnb from "extra_map_before_and_after_rebind.ipynb".

Generated code: change the notebook and run `etlnb compile` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
"""

import os

from prefect import flow, task, unmapped
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

# isort: split


# cell 2 [imports] id=c1, line 1
import json


# cell 3 [functions] id=c2, lines 1-2
def f(x):
    return x * rate


# Notebook values that helper functions read as module globals; the flow sets
# them from its parameters before the first step (steps run one at a time).
rate = None


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_xs():
    # cell 4 [extract] id=c3, line 1
    xs = [1, 2, 3]
    return xs


# cell 4 [extract] id=c3, line 2: ys = [f(x) for x in xs]
@task(retries=2, retry_delay_seconds=10, cache_policy=NO_CACHE, persist_result=False)
def extract_ys(x, rate):
    """`f` on one item. The notebook values its helpers read as globals come in as
    arguments, with a copy of those helpers, so each run sees them in any process."""
    # cell 3 [functions] id=c2, lines 1-2
    def f(x):
        return x * rate
    return f(x)


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_rate():
    global rate  # module globals, as in the notebook
    # cell 5 [transform] id=c4, line 1
    rate = 10
    return rate


# cell 6 [load] id=c5, line 1: zs = [f(x) for x in xs]
@task(cache_policy=NO_CACHE, persist_result=False)
def load_zs(x, rate):
    """`f` on one item. The notebook values its helpers read as globals come in as
    arguments, with a copy of those helpers, so each run sees them in any process."""
    # cell 3 [functions] id=c2, lines 1-2
    def f(x):
        return x * rate
    return f(x)


@task(cache_policy=NO_CACHE, persist_result=False)
def load(ys, zs):
    # cell 6 [load] id=c5, lines 2-3
    with open("r.json", "w") as f_:
        json.dump([ys, zs], f_)


@flow(name="extra_map_before_and_after_rebind", log_prints=True, task_runner=ThreadPoolTaskRunner())
def extra_map_before_and_after_rebind_flow(
    rate: int = 2,
) -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    globals().update(rate=rate)  # helper functions read these as module globals
    xs = extract_xs()
    ys = extract_ys.map(list(xs), rate=unmapped(rate)).result()
    rate = transform_rate()
    zs = load_zs.map(list(xs), rate=unmapped(rate)).result()
    load(ys, zs)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"rate": 2}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/extra_map_before_and_after_rebind"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    extra_map_before_and_after_rebind_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
