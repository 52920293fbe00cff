"""Prefect 1 flow `roundtrip_bound_if_flag` of project `roundtrip_bound_if_flag`, compiled by etlnb from "roundtrip_bound_if_flag.ipynb".

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


@task(checkpoint=False, log_stdout=True)
def extract_amounts():
    # cell 3 [extract] id=c2, line 1
    amounts = [10, 20]
    return amounts


@task(checkpoint=False, log_stdout=True)
def transform(use_rates):
    global rates  # module globals, as in the notebook
    # cell 4 [transform] id=c3, lines 1-2
    if use_rates:
        rates = {"eur": 1.1}


@task(checkpoint=False, log_stdout=True)
def load(use_rates, amounts):
    # cell 5 [load] id=c4, lines 1-3
    total = sum(a * rates["eur"] for a in amounts) if use_rates else sum(amounts)
    with open("total.json", "w") as f:
        json.dump(total, f)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "roundtrip_bound_if_flag",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalExecutor(),
    ) as flow:
        use_rates = Parameter("use_rates", default=False)
        amounts = extract_amounts()
        transform_done = transform(use_rates, upstream_tasks=[amounts])
        load(use_rates, amounts, upstream_tasks=[transform_done])
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"use_rates": False}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/roundtrip_bound_if_flag"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
