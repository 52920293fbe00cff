"""Output targets: one package per target, each behind the same small interface (as papermill's
engine registry): emit a script from the flow graph, run that script locally, deploy it.

The compiler's front half (notebook -> roles -> cells/names/effects -> graph) never depends on
the target; every target keeps the faithful-execution rules (DESIGN.md): steps in notebook
order, verbatim cell code under `# cell N [role] id=..., lines a-b` markers, mapped lines as
maps. Adding a target: a package `etlnb/targets/<name>/` whose `TARGET` is a `Target`, and its
name in `NAMES`.

This module imports nothing of its own: config, the command line and the Prefect 1 flow
process (which has no etlnb installed) read `NAMES` without loading any emitter.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

NAMES = ("prefect3", "prefect1")
DEFAULT = "prefect3"


class RunError(Exception):
    """A one-line reason a local run could not start."""


@dataclass(frozen=True)
class Target:
    name: str
    # graph, sample parameters, emit options -> script text (pure)
    emit: Callable[[Any, dict[str, Any], Any], str]
    # the common EmitOptions and the settings -> the options this target's emitter takes
    emit_options: Callable[[Any, Any], Any]
    # compiled, notebook folder, version -> the script emitted for that version: sets compiled.sha
    # (the content address of what gets stored) and what is stored beside the script
    seal: Callable[[Any, Path, Callable[[str], str]], None]
    # compiled, notebook, Prefect API URL (None when needs_server is False) -> (argv, environment)
    # of a child process that runs the written script on a manifest (RunError when it cannot)
    flow_process: Callable[[Any, Path, str | None], tuple[list[str], dict[str, str]]]
    # compiled, notebook, project root, deploy progress, version to roll back to -> its result
    deploy: Callable[[Any, Path, Path, Any, str | None], Any]
    needs_server: bool = True  # local runs report to etlnb's local Prefect server
    # (argv, environment) from flow_process -> the started child, as much of a text-mode
    # `subprocess.Popen` (stdout and stderr merged) as the runner uses
    spawn: Callable[[list[str], dict[str, str]], Any] = lambda command, env: spawn_process(command, env)
    # compiled, notebook, the failed run's output -> advice for the user, or ""
    failure_hint: Callable[[Any, Path, str], str] = lambda compiled, notebook, output: ""


def spawn_process(command: list[str], env: dict[str, str]) -> Any:
    import subprocess

    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def target(name: str) -> Target:
    """The target called `name` (one of NAMES; config has checked it)."""
    if name not in NAMES:
        raise ValueError(f"unknown target {name!r}: one of {', '.join(NAMES)}")
    return importlib.import_module(f"etlnb.targets.{name}").TARGET
