"""The pull step that checks stored code where it runs (Prefect resolves it by name in the
flow run's process, after `set_working_directory`): the folder must hold exactly the version the
run records, else the run fails in one line before any of that code is loaded.

Prefect keeps a deployment's pull steps in its database, not in the storage folder, so an edit to
the stored script or prefect.yaml cannot switch this check off. Standard library only: it runs
before the flow is imported, in every run."""

from __future__ import annotations

from pathlib import Path

from etlnb.deploy.storage import folder_state


class StoredCodeAltered(RuntimeError):
    """The stored version a run is about to execute is not the version deployed."""


def verify_stored_code(directory: str, version: str) -> dict[str, str]:
    """Raise StoredCodeAltered unless DIRECTORY holds exactly VERSION's files."""
    state = folder_state(Path(directory), version)
    if state != "intact":
        raise StoredCodeAltered(
            f"etlnb: stored code {directory} is {state}, not version {version} as deployed; the run stops"
            " before loading it (`etlnb versions` lists it as tampered; deploy again to store it anew)"
        )
    return {"directory": directory}
