"""pytest plugin: `pytest --etlnb notebooks/` checks each ETL notebook's parity.

Each notebook with step cells becomes one test item: the notebook runs on its
samples (papermill), the compiled flow runs on a local Prefect server, and
every step's outputs must match. One server serves the whole session (started
on first need, stopped at the end). Registered through the `pytest11` entry
point; it imports nothing heavy until a parity item runs.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

STEP_TAGS = {"extract", "transform", "load", "validate"}
_SERVER_KEY = pytest.StashKey[object]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("etlnb")
    group.addoption(
        "--etlnb",
        action="store_true",
        default=False,
        help="check that each ETL notebook's compiled flow produces the same step outputs as the notebook",
    )


def session_server(config: pytest.Config):
    """The session's local Prefect server: a private SQLite home and a free port."""
    from etlnb.local import server

    srv = config.stash.get(_SERVER_KEY, None)
    if srv is None:
        srv = server.Server(Path(tempfile.mkdtemp(prefix="etlnb-pytest-")), server.free_port())
        config.stash[_SERVER_KEY] = srv
        server.start(srv, quiet=True)
    return srv


def pytest_unconfigure(config: pytest.Config) -> None:
    srv = config.stash.get(_SERVER_KEY, None)
    if srv is not None:
        from etlnb.local import server

        server.stop(srv)


def _is_etl_notebook(path: Path) -> bool:
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError, AttributeError):
        return True  # let the item report what is wrong with it
    return any(
        STEP_TAGS & {t.lower() for t in (c.get("metadata") or {}).get("tags", []) if isinstance(t, str)} for c in cells
    )


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if not parent.config.getoption("etlnb") or file_path.suffix != ".ipynb":
        return None
    if ".ipynb_checkpoints" in file_path.parts or not _is_etl_notebook(file_path):
        return None
    return EtlnbNotebook.from_parent(parent, path=file_path)


class EtlnbNotebook(pytest.File):
    def collect(self):
        yield ParityItem.from_parent(self, name="etlnb-parity")


class ParityFailure(Exception):
    pass


class ParityItem(pytest.Item):
    def runtest(self) -> None:
        from etlnb.verify.runner import parity_check

        out_dir = Path(tempfile.mkdtemp(prefix="etlnb-parity-"))
        outcome = parity_check(self.path, out_dir, session_server(self.config))
        if not outcome.ok:
            raise ParityFailure(outcome.text)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ParityFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"etlnb parity: {self.path}"
