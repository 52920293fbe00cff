"""Prefect 1 flow `real_kale_candies` of project `real_kale_candies`, compiled by etlnb from "real_kale_candies.ipynb".

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


# cell 2 [imports] id=c1, lines 1-2
import json
import random


# ruff: disable[UP031]  # the notebook's own code, copied verbatim
# cell 4 [functions] id=c3, lines 1-7
def get_handful(left):
    if left == 0:
        print("There are no candies left! I want to cry :(")
        return 0
    c = random.randint(1, left)
    print("I got %s candies!" % c)
    return c
# ruff: enable[UP031]


@task(checkpoint=False, log_stdout=True)
def extract_candies(CANDIES):
    # ruff: disable[UP031]  # the notebook's own code, copied verbatim
    # cell 5 [extract] id=c4, lines 1-2
    random.seed(CANDIES)
    print("Let's put in a bag %s candies and have three kids get a handful of them each" % CANDIES)
    # ruff: enable[UP031]
    return CANDIES


@task(nout=2, checkpoint=False, log_stdout=True)
def transform_kid1(CANDIES):
    # cell 6 [transform] id=c5, lines 1-2
    # kid1 gets a handful, without looking in the bad!
    kid1 = get_handful(CANDIES)
    return kid1, CANDIES


@task(nout=3, checkpoint=False, log_stdout=True)
def transform_kid2(CANDIES, kid1):
    # cell 7 [transform] id=c6, lines 1-2
    kid2 = get_handful(CANDIES - kid1)
    kid3 = get_handful(CANDIES - kid1 - kid2)
    return kid2, kid3, kid1


@task(checkpoint=False, log_stdout=True)
def load(kid1, kid2, kid3):
    # cell 8 [load] id=c7, lines 1-2
    with open("handfuls.json", "w") as f:
        json.dump([kid1, kid2, kid3], f)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "real_kale_candies",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalExecutor(),
    ) as flow:
        CANDIES = Parameter("CANDIES", default=20)
        CANDIES = extract_candies(CANDIES)
        kid1, CANDIES = transform_kid1(CANDIES)
        kid2, kid3, kid1 = transform_kid2(CANDIES, kid1)
        load(kid1, kid2, kid3)
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"CANDIES": 20}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/real_kale_candies"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
