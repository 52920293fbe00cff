"""What the benchmark scripts share: the repo on sys.path and a notebook builder."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def notebook(cells: list[tuple[str, list[str]]]) -> dict[str, Any]:
    """nbformat-4 notebook; cells are (source, tags), all code cells."""
    return {
        "cells": [
            {
                "cell_type": "code",
                "id": f"c{i}",
                "metadata": {"tags": t},
                "source": s,
                "outputs": [],
                "execution_count": None,
            }
            for i, (s, t) in enumerate(cells)
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
