"""Prefect 1 flow `globals_mapped_reads_its_list` of project `globals_mapped_reads_its_list`, compiled by etlnb from "globals_mapped_reads_its_list.ipynb".

Generated code: change the notebook and run `etlnb compile --target prefect1` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
Register it with Prefect 1's CLI: `prefect register -p THIS_FILE --project PROJECT`.
"""

import os

from prefect import Flow, Parameter, task, unmapped
from prefect.executors import LocalDaskExecutor
from prefect.run_configs import LocalRun
from prefect.storage import Local

# isort: split


# cell 1 [imports] id=c0, line 1
import json


# cell 2 [functions] id=c1, lines 1-2
def rank(v):
    return sorted(scores, reverse=True).index(v) + 1


@task(checkpoint=False)
def as_list(values):
    """A mapped line iterates its value, as the notebook's comprehension did."""
    return list(values)


@task(checkpoint=False, log_stdout=True)
def extract_scores():
    global scores  # module globals, as in the notebook
    # cell 3 [extract] id=c2, line 1
    scores = [0.3, 0.9, 0.5]
    return scores


# cell 4 [transform] id=c3, line 1: ranks = [rank(s) for s in scores]
@task(checkpoint=False, log_stdout=True)
def transform_ranks(s, scores):
    """`rank` on one item. The notebook values its helpers read as globals come in as
    arguments, with a copy of those helpers, so each run sees them in any process."""
    # cell 2 [functions] id=c1, lines 1-2
    def rank(v):
        return sorted(scores, reverse=True).index(v) + 1
    return rank(s)


@task(checkpoint=False, log_stdout=True)
def load(ranks):
    # cell 5 [load] id=c4, lines 1-2
    with open("ranks.json", "w") as f:
        json.dump(ranks, f)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "globals_mapped_reads_its_list",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalDaskExecutor(scheduler="threads"),
    ) as flow:
        scores = extract_scores()
        ranks = transform_ranks.map(
            as_list(scores),
            scores=unmapped(scores),
            upstream_tasks=[unmapped(scores)],
        )
        load(ranks)
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/globals_mapped_reads_its_list"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
