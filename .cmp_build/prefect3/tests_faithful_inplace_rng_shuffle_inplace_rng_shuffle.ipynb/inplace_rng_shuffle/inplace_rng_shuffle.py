"""Prefect flow `inplace_rng_shuffle` of project `inplace_rng_shuffle`, compiled by etlnb from "inplace_rng_shuffle.ipynb".

Generated code: change the notebook and run `etlnb compile` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
"""

import os

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

# isort: split


# cell 1 [imports] id=c0, lines 1-2
import json
import random


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_rng():
    # cell 2 [extract] id=c1, lines 1-2
    rng = random.Random(7)
    deck = list(range(8))
    return rng, deck


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_deck(rng, deck):
    # cell 3 [transform] id=c2, line 1
    rng.shuffle(deck)
    return deck, rng


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_draw(rng):
    # cell 4 [transform] id=c3, line 1
    draw = rng.randint(0, 100)
    return draw


@task(cache_policy=NO_CACHE, persist_result=False)
def load(deck, draw):
    # cell 5 [load] id=c4, lines 1-2
    with open("deck.json", "w") as f:
        json.dump({"deck": deck, "draw": draw}, f)


@flow(name="inplace_rng_shuffle", log_prints=True, task_runner=ThreadPoolTaskRunner())
def inplace_rng_shuffle_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    rng, deck = extract_rng()
    deck, rng = transform_deck(rng, deck)
    draw = transform_draw(rng)
    load(deck, draw)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/inplace_rng_shuffle"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    inplace_rng_shuffle_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
