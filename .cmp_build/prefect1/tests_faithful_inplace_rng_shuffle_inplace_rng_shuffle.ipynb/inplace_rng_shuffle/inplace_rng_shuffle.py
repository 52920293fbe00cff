"""Prefect 1 flow `inplace_rng_shuffle` of project `inplace_rng_shuffle`, compiled by etlnb from "inplace_rng_shuffle.ipynb".

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


# cell 1 [imports] id=c0, lines 1-2
import json
import random


@task(nout=2, checkpoint=False, log_stdout=True)
def extract_rng():
    # cell 2 [extract] id=c1, lines 1-2
    rng = random.Random(7)
    deck = list(range(8))
    return rng, deck


@task(nout=2, checkpoint=False, log_stdout=True)
def transform_deck(rng, deck):
    # cell 3 [transform] id=c2, line 1
    rng.shuffle(deck)
    return deck, rng


@task(checkpoint=False, log_stdout=True)
def transform_draw(rng):
    # cell 4 [transform] id=c3, line 1
    draw = rng.randint(0, 100)
    return draw


@task(checkpoint=False, log_stdout=True)
def load(deck, draw):
    # cell 5 [load] id=c4, lines 1-2
    with open("deck.json", "w") as f:
        json.dump({"deck": deck, "draw": draw}, f)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "inplace_rng_shuffle",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalExecutor(),
    ) as flow:
        rng, deck = extract_rng()
        deck, rng = transform_deck(rng, deck)
        draw = transform_draw(rng, upstream_tasks=[deck])
        load(deck, draw)
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/inplace_rng_shuffle"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
