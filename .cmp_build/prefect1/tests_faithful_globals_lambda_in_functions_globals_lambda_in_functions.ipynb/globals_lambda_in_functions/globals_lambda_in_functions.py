"""Prefect 1 flow `globals_lambda_in_functions` of project `globals_lambda_in_functions`, compiled by etlnb from "globals_lambda_in_functions.ipynb".

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


# ruff: disable[F401, I001]  # the notebook's own code, copied verbatim
# cell 1 [imports] id=c0, line 1
import json
# ruff: enable[F401, I001]


# ruff: disable[RUF100]  # the notebook's own code, copied verbatim
# cell 3 [functions] id=c2, line 1
join_row = lambda row: sep.join(str(v) for v in row)  # noqa: E731
# ruff: enable[RUF100]


# Notebook values that helper functions read as module globals; the flow sets
# them from its parameters before the first step (steps run one at a time).
sep = None


@task(checkpoint=False)
def set_module_globals(sep):
    """Set the notebook values helper functions read as module globals."""
    globals().update(sep=sep)


@task(checkpoint=False, log_stdout=True)
def extract_rows():
    # cell 4 [extract] id=c3, line 1
    rows = [[1, "a"], [2, "b"]]
    return rows


@task(checkpoint=False, log_stdout=True)
def transform_lines(rows):
    # cell 5 [transform] id=c4, line 1
    lines = [join_row(r) for r in rows]
    return lines


@task(checkpoint=False, log_stdout=True)
def load(lines):
    # cell 6 [load] id=c5, lines 1-2
    with open("lines.txt", "w") as f:
        f.write("\n".join(lines))


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "globals_lambda_in_functions",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalExecutor(),
    ) as flow:
        sep = Parameter("sep", default="|")
        module_globals = set_module_globals(sep)
        rows = extract_rows(upstream_tasks=[module_globals])
        lines = transform_lines(rows)
        load(lines)
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"sep": "|"}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/globals_lambda_in_functions"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
