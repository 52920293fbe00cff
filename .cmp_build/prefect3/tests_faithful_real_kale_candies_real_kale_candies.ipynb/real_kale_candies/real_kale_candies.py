"""Prefect flow `real_kale_candies` of project `real_kale_candies`, compiled by etlnb from "real_kale_candies.ipynb".

Generated code: change the notebook and run `etlnb compile` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
"""

import os

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

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


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_candies(CANDIES):
    # ruff: disable[UP031]  # the notebook's own code, copied verbatim
    # cell 5 [extract] id=c4, lines 1-2
    random.seed(CANDIES)
    print("Let's put in a bag %s candies and have three kids get a handful of them each" % CANDIES)
    # ruff: enable[UP031]
    return CANDIES


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_kid1(CANDIES):
    # cell 6 [transform] id=c5, lines 1-2
    # kid1 gets a handful, without looking in the bad!
    kid1 = get_handful(CANDIES)
    return kid1, CANDIES


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_kid2(CANDIES, kid1):
    # cell 7 [transform] id=c6, lines 1-2
    kid2 = get_handful(CANDIES - kid1)
    kid3 = get_handful(CANDIES - kid1 - kid2)
    return kid2, kid3, kid1


@task(cache_policy=NO_CACHE, persist_result=False)
def load(kid1, kid2, kid3):
    # cell 8 [load] id=c7, lines 1-2
    with open("handfuls.json", "w") as f:
        json.dump([kid1, kid2, kid3], f)


@flow(name="real_kale_candies", log_prints=True, task_runner=ThreadPoolTaskRunner())
def real_kale_candies_flow(
    CANDIES: int = 20,
) -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    CANDIES = extract_candies(CANDIES)
    kid1, CANDIES = transform_kid1(CANDIES)
    kid2, kid3, kid1 = transform_kid2(CANDIES, kid1)
    load(kid1, kid2, kid3)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"CANDIES": 20}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/real_kale_candies"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    real_kale_candies_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
