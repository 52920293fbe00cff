"""The verification record: a parity run's verdict on one exact content, the gate `etlnb deploy` checks.

A record is `<project>/.etlnb/verified/<key>.json`, keyed by the content hash of what reaches the
flow: every tagged cell (step, parameters, imports, functions) and sample cell with its role, the
settings that change what runs or what parity compares, and etlnb's version. Deploy settings (pool,
image, storage, schedule, tags, names) say where the flow goes, not what it does: they are outside
the key, so one parity covers every place the same flow is deployed to. Untagged cells never reach
the flow, so editing a plot does not unverify a notebook.

Stdlib only: deploy checks the gate before anything imports Prefect.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import etlnb
from etlnb.analyse.paths import project_root

FORMAT = 1
FOLDER = Path(".etlnb") / "verified"
# settings that change what the flow does or what parity compares (the rest only say where it goes)
RUN_SETTINGS = (
    "project",
    "flow",
    "target",
    "task_runner",
    "dask_address",
    "dask_cluster_class",
    "dask_cluster_kwargs",
    "dask_adapt_min",
    "dask_adapt_max",
    "retries",
    "parity_ignore",
    "parity_rtol",
)
RECORDED_ROLES = ("parameters", "imports", "functions", "extract", "transform", "load", "validate", "sample")


@dataclass(frozen=True)
class Verdict:
    verified: bool
    line: str  # one line: why the content is (not) verified, and what to run
    key: str


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content(compiled: Any) -> dict[str, Any]:
    """What the key is made of (kept in the record, so a refusal can say which cell changed)."""
    analysis = compiled.analysis
    cells = [
        {
            "cell": pc.rc.cell.index + 1,
            "id": pc.rc.cell.id,
            "role": pc.rc.role,
            "label": pc.rc.label,
            "sha": _sha(pc.rc.cell.source),
        }
        for pc in analysis.parsed
        if pc.rc.role in RECORDED_ROLES
    ]
    settings = {name: getattr(compiled.settings, name, None) for name in RUN_SETTINGS}
    meta = analysis.notebook.etlnb_metadata
    settings["parity_ignore_metadata"] = meta.get("parity_ignore")
    # as JSON has it (tuples become lists), so the content read back from a record compares equal
    return json.loads(json.dumps({"etlnb": etlnb.__version__, "cells": cells, "settings": settings}, default=repr))


def content_key(compiled: Any) -> str:
    blob = json.dumps(content(compiled), sort_keys=True, default=repr, separators=(",", ":"))
    return _sha(blob)


def short(key: str) -> str:
    return key[:12]


def folder(notebook: Path) -> Path:
    return project_root(notebook.resolve().parent) / FOLDER


def _notebook_id(notebook: Path) -> str:
    """The notebook as the project names it (the record of a copied project still applies)."""
    path = notebook.resolve()
    try:
        return path.relative_to(project_root(path.parent)).as_posix()
    except ValueError:
        return path.as_posix()


def write(notebook: Path, compiled: Any, ok: bool, summary: dict[str, Any]) -> Path:
    """Keep parity's verdict on this content (written whole, then renamed: never half a record)."""
    key = content_key(compiled)
    record = {
        "format": FORMAT,
        "key": key,
        "ok": ok,
        "notebook": _notebook_id(notebook),
        "written": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "content": content(compiled),
        **summary,
    }
    where = folder(notebook)
    where.mkdir(parents=True, exist_ok=True)
    path = where / f"{key}.json"
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(record, indent=1, sort_keys=True, default=repr), encoding="utf-8")
    os.replace(tmp, path)
    return path


def _read(path: Path) -> dict[str, Any] | str:
    """The record, or one phrase saying why it does not count."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    except ValueError:
        return "is not a verification record (not JSON)"
    if not isinstance(record, dict) or record.get("format") != FORMAT or not isinstance(record.get("content"), dict):
        return "is not a verification record of this etlnb"
    if record["content"].get("etlnb") != etlnb.__version__:
        return f"was made by etlnb {record['content'].get('etlnb')!s}, this is {etlnb.__version__}"
    if record.get("key") != path.stem:
        return "belongs to other content (its key does not match its name)"
    return record


def verdict(notebook: Path, compiled: Any) -> Verdict:
    """Whether a passing parity of exactly this content is on record, said in one line."""
    key = content_key(compiled)
    run = f"run `{shlex.join(['etlnb', 'run', str(notebook), '--parity'])}`"  # copied into a shell
    path = folder(notebook) / f"{key}.json"
    if not path.exists():
        changed = _changes_since_last(notebook, compiled)
        return Verdict(False, f"{notebook} is not verified: {changed}; {run} first (or deploy with --unverified)", key)
    record = _read(path)
    if isinstance(record, str):
        return Verdict(
            False, f"{notebook} is not verified: its record {path} {record}; {run} again (or --unverified)", key
        )
    if not record.get("ok"):
        why = str(record.get("failure") or "parity found differences").splitlines()[0]
        return Verdict(False, f"{notebook} is not verified: parity failed on this content: {why}; fix it, {run}", key)
    return Verdict(True, f"{notebook}: verified (parity {short(key)}, {record.get('written', '?')})", key)


def _changes_since_last(notebook: Path, compiled: Any) -> str:
    """Which cells or settings changed since the newest record of this notebook, if there is one."""
    mine = _notebook_id(notebook)
    newest: dict[str, Any] | None = None
    try:
        candidates = sorted(folder(notebook).glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        candidates = []
    for path in candidates[:200]:
        record = _read(path)
        if isinstance(record, dict) and record.get("notebook") == mine:
            newest = record
            break
    if newest is None:
        return "no parity has run on this content"
    now = content(compiled)
    before = {(c.get("id") or c.get("cell"), c.get("role")): c.get("sha") for c in newest["content"].get("cells", [])}
    changed = [c["label"] for c in now["cells"] if before.get((c["id"] or c["cell"], c["role"])) != c["sha"]]
    gone = len(before) - sum((c["id"] or c["cell"], c["role"]) in before for c in now["cells"])
    settings = [k for k, v in now["settings"].items() if newest["content"].get("settings", {}).get(k) != v]
    what = changed[:3] + ([f"{len(changed) - 3} more cells"] if len(changed) > 3 else [])
    what += [f"{gone} cell(s) removed or retagged"] if gone > 0 else []
    what += [f"setting {', '.join(settings)}"] if settings else []
    if not what:  # the same cells at other places: the flow script names each cell by its number
        position = {c.get("id"): c.get("cell") for c in newest["content"].get("cells", []) if c.get("id")}
        moved = [c["label"] for c in now["cells"] if c["id"] and position.get(c["id"], c["cell"]) != c["cell"]]
        if moved:
            return f"cells moved since the last parity ({moved[0]}{' and more' if len(moved) > 1 else ''} has a new number)"
        return "no parity has run on this content"
    return f"{', '.join(what)} changed since the last parity ({newest.get('written', '?')})"
