"""Prefect flow `outside_iterator_two_steps` of project `outside_iterator_two_steps`, compiled by etlnb from "outside_iterator_two_steps.ipynb".

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
import csv


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_lines():
    # cell 2 [extract] id=c1, lines 1-2
    lines = ["id,v", "1,a", "2,b"]
    stream = iter(lines)
    return lines, stream


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_header(stream, lines):
    # cell 3 [transform] id=c2, line 1
    header = next(stream).split(",")
    return header, lines, stream


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_body(stream, lines):
    # cell 4 [transform] id=c3, line 1
    body = [line.split(",") for line in stream]
    return body


@task(cache_policy=NO_CACHE, persist_result=False)
def load(header, body):
    # cell 5 [load] id=c4, lines 1-4
    with open("out.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(body)


@flow(name="outside_iterator_two_steps", log_prints=True, task_runner=ThreadPoolTaskRunner())
def outside_iterator_two_steps_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    lines, stream = extract_lines()
    header, lines, stream = transform_header(stream, lines)
    body = transform_body(stream, lines)
    load(header, body)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/outside_iterator_two_steps"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    outside_iterator_two_steps_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
