"""The jupyter_server extension `etlnb.labext`: its name stays what users' Jupyter config
enables (`jupyter server extension enable etlnb.labext`); the handlers it installs under
/etlnb/... live in etlnb.jupyter.handlers, beside the magics and the panel. The prebuilt
labextension (labextension/ in the repo, shipped in the wheel) calls them.

Every action reads the SAVED notebook and runs in the server process (analysis) or a child
process (compile, run, deploy, Prefect queries), never in the user's kernel.
"""

from __future__ import annotations

from typing import Any


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "etlnb.labext"}]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """`jupyter labextension develop` links this folder (built by `jupyter labextension build labextension`)."""
    return [{"src": "../labextension", "dest": "etlnb"}]


def _load_jupyter_server_extension(server_app: Any) -> None:
    from etlnb.jupyter.handlers import setup_handlers

    setup_handlers(server_app.web_app)
    server_app.log.info("etlnb server extension loaded: /etlnb/...")
