"""Compare what each step produced in the notebook with what its flow task produced.

Rules (also in the README): DataFrames and Series are compared with pandas'
own testing helpers: same columns in the same order, same dtypes, same index
and row order; floats within pandas' default tolerance (rtol 1e-5). numpy
arrays by shape, dtype and values. Everything else by `==` (lists and dicts
element-wise through the same rules). A value that cannot be pickled on
either side is reported as not compared, never as equal.
"""

from __future__ import annotations

import difflib
import pprint
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from etlnb import capture
from etlnb.notebook_run import StepOutputs


@dataclass
class Finding:
    step: StepOutputs
    name: str
    detail: str


@dataclass
class ParityReport:
    compared: int = 0
    mismatch: Finding | None = None  # the first diverging step, in notebook order
    not_compared: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.mismatch is None


def compare_runs(steps: list[StepOutputs], notebook_dir: Path, flow_dir: Path) -> ParityReport:
    report = ParityReport()
    for step in steps:
        for name in step.names:
            ok_nb, in_notebook = capture.load(notebook_dir, step.key, name)
            ok_flow, in_flow = capture.load(flow_dir, step.key, name)
            if not ok_nb or not ok_flow:
                why = f"notebook value {in_notebook}" if not ok_nb else f"flow value {in_flow}"
                report.not_compared.append(Finding(step, name, why))
                continue
            report.compared += 1
            difference = difference_between(in_notebook, in_flow)
            if difference is not None:
                report.mismatch = Finding(step, name, difference)
                return report
    return report


def difference_between(expected: Any, actual: Any) -> str | None:
    """None when equal under the parity rules, else a short description of the difference."""
    import pandas as pd

    if isinstance(expected, pd.DataFrame) or isinstance(actual, pd.DataFrame):
        if not (isinstance(expected, pd.DataFrame) and isinstance(actual, pd.DataFrame)):
            return f"notebook has {type(expected).__name__}, flow has {type(actual).__name__}"
        try:
            pd.testing.assert_frame_equal(expected, actual, obj="DataFrame")
        except AssertionError as exc:
            return _short(str(exc))
        return None
    if isinstance(expected, pd.Series) or isinstance(actual, pd.Series):
        try:
            pd.testing.assert_series_equal(expected, actual, obj="Series")
        except (AssertionError, TypeError) as exc:
            return _short(str(exc))
        return None
    if type(expected).__module__ == "numpy" or type(actual).__module__ == "numpy":
        import numpy as np

        try:
            np.testing.assert_array_equal(expected, actual, strict=True)
        except AssertionError as exc:
            return _short(str(exc))
        return None
    if isinstance(expected, (list, tuple)) and isinstance(actual, (list, tuple)) and type(expected) is type(actual):
        if len(expected) != len(actual):
            return f"notebook has {len(expected)} items, flow has {len(actual)}"
        for i, (a, b) in enumerate(zip(expected, actual, strict=True)):
            inner = difference_between(a, b)
            if inner is not None:
                return f"item {i}: {inner}"
        return None
    if isinstance(expected, dict) and isinstance(actual, dict):
        if list(expected) != list(actual):
            return _diff(list(expected), list(actual), "keys")
        for key in expected:
            inner = difference_between(expected[key], actual[key])
            if inner is not None:
                return f"key {key!r}: {inner}"
        return None
    try:
        equal = bool(expected == actual)
    except Exception as exc:  # some objects refuse comparison
        return f"could not compare ({type(exc).__name__}: {exc})"
    return None if equal and type(expected) is type(actual) else _diff(expected, actual, "value")


def _diff(expected: Any, actual: Any, what: str) -> str:
    left = pprint.pformat(expected, width=80).splitlines()
    right = pprint.pformat(actual, width=80).splitlines()
    lines = list(difflib.unified_diff(left, right, "notebook", "flow", lineterm="", n=1))
    if not lines:
        return f"{what}: notebook {type(expected).__name__}, flow {type(actual).__name__}"
    return _short("\n".join(lines))


def _short(text: str, limit: int = 12) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return "\n".join(lines[:limit] + (["..."] if len(lines) > limit else []))


def format_report(report: ParityReport, notebook: str) -> str:
    lines = []
    if report.mismatch is not None:
        m = report.mismatch
        lines.append(
            f"{notebook}: {m.step.label}: parity mismatch in `{m.name}`: the flow's value differs from the notebook's"
        )
        lines += ["    " + ln for ln in m.detail.splitlines()]
    else:
        lines.append(f"{notebook}: parity ok ({report.compared} values equal)")
    for f in report.not_compared:
        lines.append(f"    not compared: {f.step.label} `{f.name}`: {f.detail}")
    return "\n".join(lines)
