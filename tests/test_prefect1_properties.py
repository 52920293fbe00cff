"""Property test for `--target prefect1`, on real Prefect 1: the random notebooks of
tests/test_properties.py (aliases, in-place changes through loop targets and helpers, mapped
comprehensions, `del`, helpers reading globals, random.seed in one step and draws in later ones),
compiled for Prefect 1 and run with `flow.run()` in the Prefect 1 venv. Every step task must
return what the notebook holds right after the same lines.

One Prefect 1 process serves the whole module (importing Prefect 1 takes seconds; a flow.run of
these notebooks takes milliseconds): it reads a script path per line, runs the script's flow on
its sample parameters and writes each task's result as JSON.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from hypothesis import assume, given

from etlnb.analyse.diagnostics import CompileError
from etlnb.pipeline import compile_file, write

from .test_prefect1 import p1_env
from .test_properties import FLOW, SETTINGS, _note, _write, alias_limitation, notebooks, run_notebook

RUNNER = r"""
import copy, functools, json, sys
import prefect
from prefect import Flow, Parameter

def snapshot(fn, into):
    # each result as the task returns it: a later step may change it in place, as in the notebook
    @functools.wraps(fn)
    def run(*args, **kwargs):
        result = fn(*args, **kwargs)
        into[prefect.context.get("map_index")] = copy.deepcopy(result)
        return result
    return run

for line in sys.stdin:
    script, out = json.loads(line)
    namespace = {"__name__": "p1prop", "__file__": script}
    try:
        exec(compile(open(script).read(), script, "exec"), namespace)
        (flow,) = [v for v in namespace.values() if isinstance(v, Flow)]
        returned = {}
        for task in flow.tasks:
            if not isinstance(task, Parameter):
                task.run = snapshot(task.run, returned.setdefault(task.name, {}))
        params = namespace["SAMPLE_PARAMETERS"] if "SAMPLE_PARAMETERS" in namespace else namespace["sample_parameters"]()
        state = flow.run(parameters=params, run_on_schedule=False)
        results = {}
        for task in flow.tasks:
            if isinstance(task, Parameter):
                continue
            by_index = returned[task.name]
            if getattr(state.result.get(task), "map_states", None) is not None:  # mapped: items in order
                results[task.name] = {"value": [by_index[i] for i in sorted(by_index)]}
            else:
                results[task.name] = {"value": by_index.get(None)}
        report = {"ok": state.is_successful(), "tasks": results}
    except Exception as exc:
        report = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    with open(out, "w") as f:
        json.dump(report, f, default=repr)
    print("@@done", flush=True)
"""


class Prefect1Runner:
    def __init__(self, python: Path, env: dict[str, str], folder: Path):
        self.folder = folder
        self.process = subprocess.Popen(
            [str(python), "-c", RUNNER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
            cwd=folder,
        )

    def run(self, script: Path) -> dict:
        out = self.folder / "report.json"
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps([str(script), str(out)]) + "\n")
        self.process.stdin.flush()
        for line in self.process.stdout:  # the flow's own prints may come first
            if line.strip() == "@@done":
                return json.loads(out.read_text())
        raise AssertionError("the Prefect 1 runner exited")

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def p1_runner(p1_python, tmp_path_factory):
    folder = tmp_path_factory.mktemp("p1runner")
    runner = Prefect1Runner(p1_python, p1_env(folder), folder)
    yield runner
    runner.close()


@pytest.fixture(scope="module")
def nb_path(tmp_path_factory):
    folder = tmp_path_factory.mktemp("p1props") / "proj"
    folder.mkdir()
    return folder / f"{FLOW}.ipynb"


@SETTINGS
@given(cells=notebooks())
def test_prefect1_flow_run_returns_what_the_notebook_holds(nb_path, p1_runner, cells):
    assume(not alias_limitation(cells))
    _write(nb_path, cells)
    try:
        compiled = compile_file(nb_path, nb_path.parent / "build", {"target": "prefect1"})
    except CompileError:
        assume(False)
    after = run_notebook(cells)
    assume(after is not None)
    script = write(compiled)
    _note(compiled.script)
    report = p1_runner.run(script)
    assert report["ok"], report
    problems = []
    for seg in compiled.analysis.graph.segments:
        if not seg.outputs:
            continue
        got = report["tasks"][seg.key]["value"]
        values = [got] if (seg.map is not None or len(seg.outputs) == 1) else list(got)
        expected = after[(seg.cell.cell.index, seg.block.end)]
        for name, value in zip(seg.outputs, values, strict=True):
            want = expected.get(name)
            if isinstance(want, tuple):  # JSON has no tuples: compare as the list it came back as
                want = list(want)
            if name not in expected or value != want or type(value) is not type(want):
                problems.append(f"{seg.key}: `{name}` is {value!r} in the Prefect 1 flow, {want!r} in the notebook")
    assert problems == []
