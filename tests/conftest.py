"""Shared fixtures: one real local Prefect server and one JupyterLab for the whole test session."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from etlnb.server import free_port  # noqa: F401 - tests import it from here

from .jupyterlab_fixtures import browser, session_lab  # noqa: F401 - fixtures: one JupyterLab per session

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
DEMOS = sorted(NOTEBOOKS.glob("*/*.ipynb"))


@pytest.fixture(scope="session")
def prefect_server(request):
    """A real `prefect server start` (SQLite), shared with the etlnb pytest plugin's
    parity items: started once per session, stopped when the session ends."""
    from etlnb.pytest_plugin import session_server

    return session_server(request.config)


@pytest.fixture
def flow_env(prefect_server):
    """Environment for a subprocess that runs a compiled flow against the server."""
    return dict(os.environ, PREFECT_API_URL=prefect_server.api_url)


def copy_project(notebook: Path, dest: Path) -> Path:
    """Copy a demo project folder (without earlier outputs); return the notebook's new path."""
    shutil.copytree(notebook.parent, dest, ignore=shutil.ignore_patterns("out", "build", ".ipynb_checkpoints"))
    return dest / notebook.name


def make_notebook(cells: list[tuple[str, list[str]]], metadata: dict | None = None) -> str:
    """nbformat-4 JSON text; cells are (source, tags), all code cells."""
    return json.dumps(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "id": f"c{i}",
                    "metadata": {"tags": tags},
                    "source": source,
                    "outputs": [],
                    "execution_count": None,
                }
                for i, (source, tags) in enumerate(cells)
            ],
            "metadata": metadata
            or {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


PYTHON = sys.executable
