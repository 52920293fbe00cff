"""Prefect 1 flow `hoist_step_helper_used_later` of project `hoist_step_helper_used_later`, compiled by etlnb from "hoist_step_helper_used_later.ipynb".

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


# cell 3 [transform] id=c2, lines 1-2
def grade(s):
    return "A" if s > 0.8 else "B"


@task(checkpoint=False)
def as_list(values):
    """A mapped line iterates its value, as the notebook's comprehension did."""
    return list(values)


@task(checkpoint=False, log_stdout=True)
def extract_scores():
    # cell 2 [extract] id=c1, line 1
    scores = [0.2, 0.9, 0.5]
    return scores


# cell 3 [transform] id=c2, line 5: grades = [grade(s) for s in scores]
@task(checkpoint=False, log_stdout=True)
def transform_grades(s):
    return grade(s)


@task(checkpoint=False, log_stdout=True)
def load(grades, scores):
    # cell 4 [load] id=c3, lines 1-2
    with open("grades.json", "w") as f:
        json.dump({"grades": grades, "top": grade(max(scores))}, f)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "hoist_step_helper_used_later",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalDaskExecutor(scheduler="threads"),
    ) as flow:
        scores = extract_scores()
        grades = transform_grades.map(as_list(scores), upstream_tasks=[unmapped(scores)])
        load(grades, scores)
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/hoist_step_helper_used_later"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
