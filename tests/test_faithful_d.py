"""The faithful-execution corpus, quarter 4 of 4 (tests/test_faithful.py holds the cases' rules)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_faithful import CASES, QUARTERS, faithful_case


@pytest.mark.integration
@pytest.mark.parametrize("notebook", CASES[3::QUARTERS], ids=lambda p: p.stem)
def test_faithful(notebook: Path, tmp_path: Path, request) -> None:
    faithful_case(notebook, tmp_path, request)
