"""Shared fixtures: one real local Prefect server and one JupyterLab for the whole test session."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from etlnb.local.server import free_port  # noqa: F401 - tests import it from here

from .jupyterlab_fixtures import browser, session_lab  # noqa: F401 - fixtures: one JupyterLab per session

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
DEMOS = sorted(NOTEBOOKS.glob("*/*.ipynb"))


@pytest.fixture(scope="session")
def prefect_server(request):
    """A real `prefect server start` (SQLite), shared with the etlnb pytest plugin's
    parity items: started once per session, stopped when the session ends."""
    from etlnb.verify.pytest_plugin import session_server

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


# -- Prefect 1 (--target prefect1): its venv and a GraphQL stub to register against ------------------


@pytest.fixture(scope="session")
def p1_python() -> Path:
    """The Prefect 1.4.1 venv's python (created once, ~1 minute; a no-op when up to date). Under a lock:
    two test workers (pytest-xdist) must not build the one venv at the same time."""
    import fcntl

    with open(REPO / ".venv-prefect1.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = subprocess.run([str(REPO / "scripts" / "setup-prefect1")], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    return REPO / ".venv-prefect1" / "bin" / "python"


class GraphQLStub:
    """Answers what Prefect 1's registration and KV store ask (hand-written: a Prefect 1 server
    needs Hasura, Postgres and Apollo); records every request."""

    def __init__(self):
        self.requests: list[dict] = []
        self.key_values: dict[str, str] = {}
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stub.requests.append(body)
                out = json.dumps({"data": stub.answer(body["query"], json.loads(body.get("variables") or "null"))})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out.encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, query: str, variables) -> dict:
        if "create_flow_from_compressed_string" in query:
            return {"create_flow_from_compressed_string": {"id": "flow-1"}}
        if "key_value" in query:
            key = query.split('_eq: "')[1].split('"')[0]
            return {"key_value": [{"value": self.key_values[key]}] if key in self.key_values else []}
        first = query.removeprefix("query {").lstrip()
        if first.startswith("project"):
            return {"project": [{"id": "project-1"}] if '"weather"' in query else []}
        if first.startswith("flow"):
            return {"flow": []}
        return {}

    def queries(self, word: str) -> list[dict]:
        return [r for r in self.requests if word in r["query"]]


@pytest.fixture
def prefect1_graphql():
    """A minimal Prefect 1 GraphQL API (GraphQLStub): set PREFECT__BACKEND=server and
    PREFECT__SERVER__ENDPOINT to its url; `prefect register` registers flow-1 in project "weather"."""
    server = GraphQLStub()
    yield server
    server.server.shutdown()


@pytest.fixture
def prefect1_home(monkeypatch, tmp_path) -> Path:
    """This process (and its children) without a Prefect 1 backend or user config: a test that wants
    one sets PREFECT__BACKEND=server and PREFECT__SERVER__ENDPOINT (prefect1_graphql's url)."""
    for key in [k for k in os.environ if k.startswith("PREFECT__") or k == "ETLNB_PREFECT1_PYTHON"]:
        monkeypatch.delenv(key)
    home = tmp_path / "prefect1-home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("PREFECT__HOME_DIR", str(home))
    monkeypatch.setenv("PREFECT__USER_CONFIG_PATH", str(home / "config.toml"))
    return home
