"""Prefect flow `hoist_step_helper_used_later` of project `hoist_step_helper_used_later`, compiled by etlnb from "hoist_step_helper_used_later.ipynb".

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


# cell 3 [transform] id=c2, lines 1-2
def grade(s):
    return "A" if s > 0.8 else "B"


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_scores():
    # cell 2 [extract] id=c1, line 1
    scores = [0.2, 0.9, 0.5]
    return scores


# cell 3 [transform] id=c2, line 5: grades = [grade(s) for s in scores]
@task(cache_policy=NO_CACHE, persist_result=False)
def transform_grades(s):
    return grade(s)


@task(cache_policy=NO_CACHE, persist_result=False)
def load(grades, scores):
    # cell 4 [load] id=c3, lines 1-2
    with open("grades.json", "w") as f:
        json.dump({"grades": grades, "top": grade(max(scores))}, f)


@flow(name="hoist_step_helper_used_later", log_prints=True, task_runner=ThreadPoolTaskRunner())
def hoist_step_helper_used_later_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    scores = extract_scores()
    grades = transform_grades.map(list(scores)).result()
    load(grades, scores)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/hoist_step_helper_used_later"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    hoist_step_helper_used_later_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
