"""Prefect flow `valid_sample_computes_paths` of project `valid_sample_computes_paths`, compiled by etlnb from "valid_sample_computes_paths.ipynb".

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
import csv
import glob


# cell 4 [extract] id=c3, lines 1-3
def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


# cell 4 [extract] id=c3, line 6: parts = [read(s) for s in sources]
@task(retries=2, retry_delay_seconds=10, cache_policy=NO_CACHE, persist_result=False)
def extract_parts(s):
    return read(s)


@task(cache_policy=NO_CACHE, persist_result=False)
def load(parts):
    # cell 5 [load] id=c4, lines 1-2
    with open("count.txt", "w") as f:
        f.write(str(sum(len(p) for p in parts)))


@flow(name="valid_sample_computes_paths", log_prints=True, task_runner=ThreadPoolTaskRunner())
def valid_sample_computes_paths_flow(
    sources: list[str] = ["s3://bucket/a.csv"],  # noqa: B006
) -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    parts = extract_parts.map(sources).result()
    load(parts)


# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/valid_sample_computes_paths"


def sample_parameters() -> dict:
    """The notebook's sample parameters: its parameters and sample cells, run in order."""
    sources = ["s3://bucket/a.csv"]
    # cell 3 [sample] id=c2, line 1
    sources = sorted(glob.glob("samples/*.csv"))
    return {"sources": sources}


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    valid_sample_computes_paths_flow(**sample_parameters())


if __name__ == "__main__":
    run_sample()
