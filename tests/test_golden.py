"""Golden files: the generated script of each demo notebook, byte for byte.

Refresh after an intended change: ETLNB_UPDATE_GOLDEN=1 ./scripts/test tests/test_golden.py
"""

from __future__ import annotations

import os

import pytest

from etlnb.pipeline import compile_file

from .conftest import DEMOS, REPO

GOLDEN = REPO / "tests" / "golden"


@pytest.mark.parametrize("notebook", DEMOS, ids=lambda p: p.stem)
def test_generated_script_matches_golden(notebook):
    compiled = compile_file(notebook, REPO / "build")
    golden = GOLDEN / f"{compiled.analysis.project}.{compiled.analysis.flow_name}.py"
    if os.environ.get("ETLNB_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(compiled.script, encoding="utf-8")
    assert golden.exists(), f"no golden file {golden}; run with ETLNB_UPDATE_GOLDEN=1"
    assert compiled.script == golden.read_text(encoding="utf-8")
