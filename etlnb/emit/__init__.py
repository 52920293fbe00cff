"""Emitters: one per target, all from the same flow graph.

The compiler's front half (notebook -> roles -> cells/names/effects -> graph) never
depends on the target; only the last step, graph -> script text, does. Every emitter
keeps the faithful-execution rules (DESIGN.md): steps in notebook order, verbatim
cell code under `# cell N [role] id=..., lines a-b` markers, mapped lines as `.map`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any

from etlnb import emit_prefect3
from etlnb.emit import prefect1
from etlnb.emit_prefect3 import EmitOptions
from etlnb.graph import FlowGraph

Emitter = Callable[[FlowGraph, dict[str, Any], EmitOptions], str]

TARGETS: dict[str, Emitter] = {
    "prefect3": emit_prefect3.emit,
    "prefect1": prefect1.emit,
}
DEFAULT_TARGET = "prefect3"


def options_for(target: str, options: EmitOptions, settings: Any) -> EmitOptions:
    """The options `target`'s emitter takes: Prefect 1 also needs the deploy settings
    (storage, run config, executor), which its script carries itself."""
    if target == "prefect1":
        values = {f.name: getattr(options, f.name) for f in fields(options)}
        return prefect1.Prefect1Options(**values, settings=settings)
    return options
