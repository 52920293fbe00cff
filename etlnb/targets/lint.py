"""The analyst's own style findings in a generated script, silenced per block.

A notebook's code is copied verbatim, so ruff's default rules can flag it in
the flow script: a bare `df` that Jupyter displays (B018), an import only
exploration used (F401), a step local nothing reads (F841), the analyst's
`except: pass`. etlnb does not rewrite analyst code; it wraps each copied
block that has findings in a targeted range suppression naming exactly the
rules ruff reported there (`# ruff: disable[B018]` ... `# ruff: enable[B018]`).
Findings in lines etlnb generated are never silenced: those are etlnb bugs.

This is an edge of the pipeline: it runs ruff (pinned, `--isolated`, so the
result depends on neither the user's config nor the machine). Without a ruff
executable the script is left as it is.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

_MARKER = re.compile(r"^(\s*)# cell \d+ \[\w+\](?: id=\S+?)?, lines? ([\d, -]+?)(:.*)?$")


def _ruff() -> str | None:
    here = os.path.join(os.path.dirname(sys.executable), "ruff")
    return here if os.path.exists(here) else shutil.which("ruff")


def _blocks(lines: list[str]) -> list[tuple[int, int, int, str]]:
    """(marker index, first, last copied line index, indent) of every verbatim block."""
    out = []
    for i, line in enumerate(lines):
        m = _MARKER.match(line)
        if m is None or m.group(3):  # a mapped wrapper's marker copies no lines
            continue
        count = 0
        for part in m.group(2).split(","):
            a, _, b = part.strip().partition("-")
            count += int(b or a) - int(a) + 1
        out.append((i, i + 1, i + count, m.group(1)))
    return out


def findings(script: str) -> list[tuple[int, str]] | None:
    """(1-based row, rule code) of ruff's default-rule findings; None when ruff is unavailable."""
    ruff = _ruff()
    if ruff is None:
        return None
    try:
        done = subprocess.run(
            [ruff, "check", "--isolated", "--no-cache", "--output-format", "json", "--stdin-filename", "flow.py", "-"],
            input=script,
            capture_output=True,
            text=True,
            timeout=60,
        )
        found = json.loads(done.stdout or "[]")
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    return [(f["location"]["row"], f["code"]) for f in found if f.get("code")]


def silence_analyst_findings(script: str) -> str:
    """The script with each copied block's own findings suppressed by a targeted range comment."""
    found = findings(script)
    if not found:
        return script
    lines = script.split("\n")
    blocks = _blocks(lines)
    codes: dict[int, set[str]] = {}
    for row, code in found:
        index = row - 1
        for n, (_, first, last, _) in enumerate(blocks):
            if first <= index <= last:
                codes.setdefault(n, set()).add(code)
                break
    for n in sorted(codes, reverse=True):
        marker, _, last, indent = blocks[n]
        rules = ", ".join(sorted(codes[n]))
        lines.insert(last + 1, f"{indent}# ruff: enable[{rules}]")
        lines.insert(marker, f"{indent}# ruff: disable[{rules}]  # the notebook's own code, copied verbatim")
    return "\n".join(lines)
