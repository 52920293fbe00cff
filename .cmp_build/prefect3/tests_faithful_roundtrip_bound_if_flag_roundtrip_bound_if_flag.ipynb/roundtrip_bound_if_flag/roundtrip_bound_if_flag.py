"""Prefect flow `roundtrip_bound_if_flag` of project `roundtrip_bound_if_flag`, compiled by etlnb from "roundtrip_bound_if_flag.ipynb".

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
def extract_amounts():
    # cell 3 [extract] id=c2, line 1
    amounts = [10, 20]
    return amounts


@task(cache_policy=NO_CACHE, persist_result=False)
def transform(use_rates):
    global rates  # module globals, as in the notebook
    # cell 4 [transform] id=c3, lines 1-2
    if use_rates:
        rates = {"eur": 1.1}


@task(cache_policy=NO_CACHE, persist_result=False)
def load(use_rates, amounts):
    # cell 5 [load] id=c4, lines 1-3
    total = sum(a * rates["eur"] for a in amounts) if use_rates else sum(amounts)
    with open("total.json", "w") as f:
        json.dump(total, f)


@flow(name="roundtrip_bound_if_flag", log_prints=True, task_runner=ThreadPoolTaskRunner())
def roundtrip_bound_if_flag_flow(
    use_rates: bool = False,
) -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    amounts = extract_amounts()
    transform(use_rates)
    load(use_rates, amounts)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"use_rates": False}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/roundtrip_bound_if_flag"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    roundtrip_bound_if_flag_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
