"""Prefect flow `globals_mapped_reads_its_list` of project `globals_mapped_reads_its_list`, compiled by etlnb from "globals_mapped_reads_its_list.ipynb".

Generated code: change the notebook and run `etlnb compile` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
"""

import os

from prefect import flow, task, unmapped
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

# isort: split


# cell 1 [imports] id=c0, line 1
import json


# cell 2 [functions] id=c1, lines 1-2
def rank(v):
    return sorted(scores, reverse=True).index(v) + 1


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_scores():
    global scores  # module globals, as in the notebook
    # cell 3 [extract] id=c2, line 1
    scores = [0.3, 0.9, 0.5]
    return scores


# cell 4 [transform] id=c3, line 1: ranks = [rank(s) for s in scores]
@task(cache_policy=NO_CACHE, persist_result=False)
def transform_ranks(s, scores):
    """`rank` on one item. The notebook values its helpers read as globals come in as
    arguments, with a copy of those helpers, so each run sees them in any process."""
    # cell 2 [functions] id=c1, lines 1-2
    def rank(v):
        return sorted(scores, reverse=True).index(v) + 1
    return rank(s)


@task(cache_policy=NO_CACHE, persist_result=False)
def load(ranks):
    # cell 5 [load] id=c4, lines 1-2
    with open("ranks.json", "w") as f:
        json.dump(ranks, f)


@flow(name="globals_mapped_reads_its_list", log_prints=True, task_runner=ThreadPoolTaskRunner())
def globals_mapped_reads_its_list_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    scores = extract_scores()
    ranks = transform_ranks.map(list(scores), scores=unmapped(scores)).result()
    load(ranks)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/globals_mapped_reads_its_list"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    globals_mapped_reads_its_list_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
