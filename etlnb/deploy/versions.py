"""`etlnb versions`: what is stored for a notebook's flow, and which version is live."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from etlnb.analyse.diagnostics import CompileError
from etlnb.deploy.storage import StorageError, open_storage
from etlnb.local import server as local_server


def main(notebook: Path, flags: dict[str, Any]) -> int:
    from etlnb.analyse.config import load_settings
    from etlnb.analyse.notebook import read_notebook
    from etlnb.pipeline import analyse
    from etlnb.targets.prefect3.api import api_target, live_version

    try:
        nb = read_notebook(notebook)
        settings = load_settings(notebook, nb.etlnb_metadata, flags)
        analysis = analyse(nb, settings)
    except CompileError as exc:
        print(exc.diagnostics[0].format(), file=sys.stderr)
        return 1
    project, flow = analysis.project, analysis.flow_name
    root = local_server.project_root(notebook.parent)
    prefect1 = settings.target == "prefect1"
    if prefect1:  # Prefect 1 keeps versions only with versioned S3 keys: {prefix}/{project}/{flow}/{version}/{flow}.py
        from etlnb.targets.prefect1.deploy import versions_problem

        if (problem := versions_problem(settings, "listing Prefect 1 versions")) is not None:
            print(f"etlnb versions: {problem}", file=sys.stderr)
            return 1
    try:
        storage = open_storage(settings.storage_url(root), settings.s3_endpoint_url)
        versions = storage.versions(project, flow, settings.target)
    except StorageError as exc:
        print(f"etlnb versions: {exc}", file=sys.stderr)
        return 1
    live = None
    try:
        if not prefect1:  # the live Prefect 1 flow version is in its own backend, not read here
            api_target()
            live = live_version(flow, settings.deployment_name(project))
    except Exception as exc:  # the listing is still useful without the API
        print(f"etlnb versions: cannot read the live deployment ({type(exc).__name__}: {exc})", file=sys.stderr)
    if not versions:
        print(f"no versions of {project}/{flow} in {storage.url}")
        return 0
    print(f"versions of {project}/{flow} in {storage.url} (oldest first):")
    for v in versions:
        mark = "  <- live" if v.sha == live else ""
        if v.tampered:
            mark += f"  TAMPERED: {v.tampered}; runs of it fail, rollback refuses it"
        print(f"  {v.sha}  {v.created:%Y-%m-%d %H:%M:%S} UTC  {v.location}{mark}")
    for v in versions:
        if v.tampered:
            print(
                f"etlnb versions: stored version {v.sha} is {v.tampered}: deploy again to store it anew",
                file=sys.stderr,
            )
    return 1 if any(v.tampered for v in versions) else 0
