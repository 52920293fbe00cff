"""etlnb's JupyterLab side: a jupyter_server extension (handlers under /etlnb/...) that the
prebuilt labextension (labextension/ in the repo, shipped in the wheel) calls.

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
    from etlnb.labext.handlers import setup_handlers

    setup_handlers(server_app.web_app)
    server_app.log.info("etlnb server extension loaded: /etlnb/...")
