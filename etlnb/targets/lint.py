"""The script's import block sorted, and the analyst's own style findings silenced per block.

The script's own imports and the notebook's form one block that ruff sorts (isort's rules), each
notebook line keeping a `# cell N [role], line L` comment `etlnb where` reads; an import only
exploration used stays (importing can have effects) with `# noqa: F401` on its line.

A notebook's code is copied verbatim, so ruff's default rules can flag it in
the flow script: a bare `df` that Jupyter displays (B018), a step local nothing
reads (F841), the analyst's `except: pass`. etlnb does not rewrite analyst code;
it wraps each copied block that has findings in a targeted range suppression
naming exactly the rules ruff reported there (`# ruff: disable[B018]` ...
`# ruff: enable[B018]`). Never silenced: undefined names and redefinitions
(F821, F811), which are defects whoever wrote them, and findings in lines etlnb
generated; compile reports what stands as a warning at the notebook's cell line.

This is an edge of the pipeline: it runs ruff (pinned, `--isolated`, from an
empty folder, so the result depends on neither the user's config nor the
machine), about 5 ms a run. Without a ruff executable the script is left unsorted.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from etlnb.targets.common import IMPORTS_BEGIN, IMPORTS_END

# Never silenced: an undefined name or a redefinition is a defect, whoever wrote it.
NEVER_SILENCED = frozenset({"F821", "F811", "F822", "F823"})

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


def _run_ruff(args: list[str], text: str) -> str | None:
    """ruff's stdout for `text` on stdin, run from an empty folder: with `--isolated` ruff takes the
    working folder as the project, and which imports count as first-party must not depend on it."""
    ruff = _ruff()
    if ruff is None:
        return None
    with tempfile.TemporaryDirectory(prefix="etlnb-ruff-") as empty:
        try:
            done = subprocess.run(
                [ruff, *args, "--isolated", "--no-cache", "--stdin-filename", "flow.py", "-"],
                input=text,
                capture_output=True,
                text=True,
                timeout=60,
                cwd=empty,
            )
        except (OSError, subprocess.SubprocessError):
            return None
    return done.stdout if done.returncode in (0, 1) else None


def findings(script: str) -> list[tuple[int, str, str]] | None:
    """(1-based row, rule code, message) of ruff's default-rule findings; None when ruff is unavailable."""
    out = _run_ruff(["check", "--output-format", "json"], script)
    try:
        found = json.loads(out or "[]") if out is not None else None
    except ValueError:
        return None
    if found is None:
        return None
    return [(f["location"]["row"], f["code"], f.get("message", "")) for f in found if f.get("code")]


def _sorted(lines: list[str]) -> list[str]:
    fixed = _run_ruff(["check", "--select", "I001", "--fix-only", "--exit-zero"], "\n".join(lines) + "\n")
    return fixed.rstrip("\n").split("\n") if fixed and fixed.strip() else lines


def sort_imports(script: str) -> tuple[str, range]:
    """The import lines between etlnb's sentinel comments sorted by ruff's isort rules (one block,
    sections, merged `from` imports) and the sentinels removed; also the rows (0-based) of the
    last such block. ruff keeps each line's trailing `# cell N [role], line L` with its import."""
    lines = script.split("\n")
    rows = range(0)
    while IMPORTS_BEGIN in lines:  # a second block: the notebook's, after the local-modules block
        begin = lines.index(IMPORTS_BEGIN)
        end = lines.index(IMPORTS_END, begin)
        body = _sorted(lines[begin + 1 : end])
        after = end + 1
        while after < len(lines) and not lines[after].strip():
            after += 1
        code = next((line for line in lines[after:] if line.strip() and not line.startswith("#")), "")
        # isort's spacing: two blank lines before a def or class, one before other code
        gap = [""] * (2 if code.startswith(("def ", "class ", "async def ", "@")) else 1) if code else []
        lines[begin:after] = body + gap
        rows = range(begin, begin + len(body))
    return "\n".join(lines), rows


def silence_analyst_findings(script: str) -> tuple[str, list[tuple[int, str, str]]]:
    """The script with its import block sorted, an import only exploration used marked
    `# noqa: F401` on its line, and each copied block's own findings suppressed by a targeted range
    comment; also the findings left standing (row, code, message): undefined names and
    redefinitions are never silenced, they are defects whether etlnb or the notebook made them."""
    script, imports = sort_imports(script)
    found = findings(script)
    unused = [row - 1 for row, code, _ in found or [] if code == "F401" and row - 1 in imports]
    if unused:
        # kept, not dropped: importing can have effects the notebook relied on; the comment may
        # make a line long enough that ruff wraps it, so the block is sorted once more
        lines = script.split("\n")
        for index in unused:
            lines[index] += "  # noqa: F401 (only exploration used it)"
        lines[imports.start : imports.stop] = _sorted(lines[imports.start : imports.stop])
        script = "\n".join(lines)
        found = findings(script)
    if not found:
        return script, []
    lines = script.split("\n")
    blocks = _blocks(lines)
    codes: dict[int, set[str]] = {}
    standing = []
    stale_noqa = False
    for row, code, message in found:
        index = row - 1
        if code == "RUF100":  # the notebook's own noqa comment (E731), for a rule ruff's defaults do not enable
            stale_noqa = True
            continue
        if code in NEVER_SILENCED:
            standing.append((row, code, message))
            continue
        for n, (_, first, last, _) in enumerate(blocks):
            if first <= index <= last:
                codes.setdefault(n, set()).add(code)
                break
        else:
            standing.append((row, code, message))
    for n in sorted(codes, reverse=True):
        marker, _, last, indent = blocks[n]
        rules = ", ".join(sorted(codes[n]))
        lines.insert(last + 1, f"{indent}# ruff: enable[{rules}]")
        lines.insert(marker, f"{indent}# ruff: disable[{rules}]  # the notebook's own code, copied verbatim")
    shift = _shifts(blocks, codes)
    standing = [(row + shift(row - 1), code, message) for row, code, message in standing]
    if stale_noqa:
        # a range suppression cannot cover RUF100 itself, and the notebook's comments stay as written
        end = next((i for i, line in enumerate(lines) if i > 0 and line.rstrip().endswith('"""')), 0)
        lines.insert(end + 1, "# ruff: noqa: RUF100 - the notebook's own noqa comments name rules ruff's defaults skip")
        standing = [(row + (row - 1 > end), code, message) for row, code, message in standing]
    return "\n".join(lines), standing


def _shifts(blocks: list[tuple[int, int, int, str]], codes: dict[int, set[str]]):
    """Row offset the inserted pragma lines add before each original 0-based row."""

    def shift(index: int) -> int:
        return sum((blocks[n][0] <= index) + (blocks[n][2] < index) for n in codes)

    return shift
