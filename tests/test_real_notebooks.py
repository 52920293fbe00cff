"""Real public notebooks (issue 24), tagged as an analyst would with the fewest edits: each must pass
`etlnb check`, parity, and the notebook alone vs the flow alone in fresh copies (same files, same
exit status). Each notebook's metadata names its source and the edits made (etlnb_test.why)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_faithful import expectation, faithful_case

REAL = sorted(p for p in (Path(__file__).resolve().parent / "real").glob("*/*.ipynb") if p.stem == p.parent.name)


def test_real_notebooks_are_ten_or_more_and_name_their_source() -> None:
    assert len(REAL) >= 10
    for notebook in REAL:
        exp = expectation(notebook)
        assert exp["expect"] == "parity" and ":" in exp["why"] and "edits:" in exp["why"], notebook


@pytest.mark.integration
@pytest.mark.parametrize("notebook", REAL, ids=lambda p: p.stem)
def test_real_notebook_is_faithful(notebook: Path, tmp_path: Path, request) -> None:
    faithful_case(notebook, tmp_path, request)
