"""Prefect 1 flow `roundtrip_nested_tuple_in_dict` of project `roundtrip_nested_tuple_in_dict`, compiled by etlnb from "roundtrip_nested_tuple_in_dict.ipynb".

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


# cell 1 [imports] id=c0, line 1
import json


def as_notebook_types(value, like):
    """Prefect 1 passes parameters as JSON: tuples and sets arrive as lists, dict keys as
    strings. This gives `value` back the types of the notebook's value `like`, as Prefect 3's
    typed parameters do."""
    if isinstance(like, (tuple, list, set, frozenset)) and isinstance(value, list):
        items = list(like) or [None]
        restored = [as_notebook_types(v, items[min(i, len(items) - 1)]) for i, v in enumerate(value)]
        return restored if isinstance(like, list) else type(like)(restored)
    if isinstance(like, dict) and isinstance(value, dict):
        keys = {str(k): k for k in like}
        return {keys.get(k, k): as_notebook_types(v, like.get(keys.get(k, k))) for k, v in value.items()}
    return value


restore_types = task(as_notebook_types, checkpoint=False, name="restore_types")


@task(nout=2, checkpoint=False, log_stdout=True)
def extract_kinds(bounds):
    # cell 3 [extract] id=c2, lines 1-2
    kinds = {k: type(v).__name__ for k, v in bounds.items()}
    span = list(range(bounds["lo"], 2))
    return kinds, span


@task(checkpoint=False, log_stdout=True)
def load(kinds, span):
    # cell 4 [load] id=c3, lines 1-2
    with open("kinds.json", "w") as f:
        json.dump({"kinds": kinds, "span": span}, f, sort_keys=True)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "roundtrip_nested_tuple_in_dict",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalExecutor(),
    ) as flow:
        bounds = Parameter("bounds", default={"lo": -1, "hi": None, "tags": ("a", "b")})
        bounds = restore_types(bounds, like=bounds.default)
        kinds, span = extract_kinds(bounds)
        load(kinds, span)
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"bounds": {"lo": -1, "hi": None, "tags": ("a", "b")}}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/roundtrip_nested_tuple_in_dict"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
