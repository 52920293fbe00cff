"""Prefect 1 flow `extra_map_before_and_after_rebind` of project `extra_map_before_and_after_rebind`, compiled by etlnb from "extra_map_before_and_after_rebind.ipynb".

Generated code: change the notebook and run `etlnb compile --target prefect1` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
Register it with Prefect 1's CLI: `prefect register -p THIS_FILE --project PROJECT`.
"""

import os
from datetime import timedelta

from prefect import Flow, Parameter, task, unmapped
from prefect.executors import LocalDaskExecutor
from prefect.run_configs import LocalRun
from prefect.storage import Local

# isort: split


# cell 2 [imports] id=c1, line 1
import json


# cell 3 [functions] id=c2, lines 1-2
def f(x):
    return x * rate


# Notebook values that helper functions read as module globals; the flow sets
# them from its parameters before the first step (steps run one at a time).
rate = None


@task(checkpoint=False)
def set_module_globals(rate):
    """Set the notebook values helper functions read as module globals."""
    globals().update(rate=rate)


@task(checkpoint=False)
def as_list(values):
    """A mapped line iterates its value, as the notebook's comprehension did."""
    return list(values)


@task(checkpoint=False, log_stdout=True)
def extract_xs():
    # cell 4 [extract] id=c3, line 1
    xs = [1, 2, 3]
    return xs


# cell 4 [extract] id=c3, line 2: ys = [f(x) for x in xs]
@task(max_retries=2, retry_delay=timedelta(seconds=10), checkpoint=False, log_stdout=True)
def extract_ys(x, rate):
    """`f` on one item. The notebook values its helpers read as globals come in as
    arguments, with a copy of those helpers, so each run sees them in any process."""
    # cell 3 [functions] id=c2, lines 1-2
    def f(x):
        return x * rate
    return f(x)


@task(checkpoint=False, log_stdout=True)
def transform_rate():
    global rate  # module globals, as in the notebook
    # cell 5 [transform] id=c4, line 1
    rate = 10
    return rate


# cell 6 [load] id=c5, line 1: zs = [f(x) for x in xs]
@task(checkpoint=False, log_stdout=True)
def load_zs(x, rate):
    """`f` on one item. The notebook values its helpers read as globals come in as
    arguments, with a copy of those helpers, so each run sees them in any process."""
    # cell 3 [functions] id=c2, lines 1-2
    def f(x):
        return x * rate
    return f(x)


@task(checkpoint=False, log_stdout=True)
def load(ys, zs):
    # cell 6 [load] id=c5, lines 2-3
    with open("r.json", "w") as f_:
        json.dump([ys, zs], f_)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "extra_map_before_and_after_rebind",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalDaskExecutor(scheduler="threads"),
    ) as flow:
        rate = Parameter("rate", default=2)
        module_globals = set_module_globals(rate)
        xs = extract_xs(upstream_tasks=[module_globals])
        ys = extract_ys.map(as_list(xs), rate=unmapped(rate), upstream_tasks=[unmapped(xs)])
        rate = transform_rate(upstream_tasks=[ys])
        zs = load_zs.map(as_list(xs), rate=unmapped(rate), upstream_tasks=[unmapped(rate)])
        load(ys, zs)
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"rate": 2}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/extra_map_before_and_after_rebind"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
