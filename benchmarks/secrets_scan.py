"""Precision and recall of the secret scan on tests/secrets_corpus, its import cost and its run time.

Runs every corpus case as a cell of a notebook through `etlnb check --strict`
(the path compile takes) and, when it is importable, through detect-secrets'
default plugins (the maintained alternative) for comparison; then times `scan()` on a real
notebook (benchmarks/real_notebook/titanic, the cells `compile` scans):

    python benchmarks/secrets_scan.py
    pip install --target /tmp/ds --no-deps detect-secrets==1.5.0
    PYTHONPATH=/tmp/ds:. python benchmarks/secrets_scan.py
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "secrets_corpus"
REAL_NOTEBOOK = REPO / "benchmarks" / "real_notebook" / "titanic" / "titanic.ipynb"


def load_corpus(label: str) -> list[tuple[str, str]]:
    """(case name, cell source) for label 'true' or 'false'."""
    cases = []
    for number, line in enumerate((CORPUS / f"{label}.txt").read_text().splitlines(), start=1):
        if line.strip() and not line.startswith("## "):
            cases.append((f"{label}.txt:{number}", line))
    for path in sorted((CORPUS / label).glob("*.py")):
        cases.append((f"{label}/{path.name}", path.read_text()))
    return cases


def notebook(sources: list[str]) -> str:
    """An `import os` cell, then one extract cell per source."""
    cells = [("import os", "imports")] + [(s, "extract") for s in sources]
    return json.dumps(
        {
            "cells": [
                {"cell_type": "code", "id": f"c{i}", "metadata": {"tags": [tag]}, "source": src, "outputs": []}
                | {"execution_count": None}
                for i, (src, tag) in enumerate(cells)
            ],
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


def etlnb_flags(sources: list[str], folder: Path) -> tuple[list[bool], str, int]:
    """Which sources `etlnb check --strict` reports; also its output and exit status."""
    nb = folder / "corpus.ipynb"
    nb.write_text(notebook(sources))
    done = subprocess.run(
        [sys.executable, "-m", "etlnb", "check", "--strict", str(nb)], capture_output=True, text=True, cwd=folder
    )
    hit = {
        int(m.group(1)) for m in re.finditer(r"cell \d+ \(id=c(\d+)\): line \d+: error: this line looks", done.stderr)
    }
    # case i is the cell with id c{i+1} (c0 is the imports cell), whatever the displayed numbering
    return [i + 1 in hit for i in range(len(sources))], done.stdout + done.stderr, done.returncode


def detect_secrets_flags(sources: list[str], folder: Path) -> list[bool]:
    from detect_secrets.core.secrets_collection import SecretsCollection
    from detect_secrets.settings import default_settings

    flags = []
    for i, source in enumerate(sources):
        path = folder / f"case{i}.py"
        path.write_text(source)
        with default_settings():
            found = SecretsCollection()
            found.scan_file(str(path))
        flags.append(bool(list(found)))
    return flags


def import_ms(statement: str, before: str = "pass") -> float:
    """Best of 5 fresh interpreters: time to run `statement` once `before` (what compile imports anyway) ran.

    Bytecode is cached under a temporary prefix (a first run writes it): with PYTHONDONTWRITEBYTECODE
    set, a module edited since its .pyc was written would otherwise be compiled from source every run."""
    code = f"{before}; import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {"PYTHONPYCACHEPREFIX": cache}
        subprocess.check_output([sys.executable, "-c", code], text=True, env=env)
        runs = [float(subprocess.check_output([sys.executable, "-c", code], text=True, env=env)) for _ in range(5)]
    return min(runs) * 1000


def scan_ms(path: Path, rounds: int = 300) -> tuple[int, int, float, float]:
    """(cells scanned, their characters, best ms, median ms) of `secrets_scan.scan` on a parsed notebook."""
    import time

    from etlnb.analyse.cells import parse_cells
    from etlnb.analyse.notebook import read_notebook
    from etlnb.analyse.roles import classify
    from etlnb.analyse.secrets_scan import SCANNED_ROLES, scan

    notebook = read_notebook(path)
    parsed, _ = parse_cells(notebook.path, classify(notebook)[0])
    scanned = [pc for pc in parsed if pc.rc.role in SCANNED_ROLES]
    runs = []
    for _ in range(rounds):
        started = time.perf_counter()
        scan(notebook.path, parsed, True)
        runs.append(time.perf_counter() - started)
    chars = sum(len(pc.rc.cell.source) for pc in scanned)
    return len(scanned), chars, min(runs) * 1000, statistics.median(runs) * 1000


def report(name: str, true_flags: list[bool], false_flags: list[bool], ms: float) -> str:
    tp, fn, fp = sum(true_flags), true_flags.count(False), sum(false_flags)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn)
    return f"| {name} | {tp}/{len(true_flags)} | {fp}/{len(false_flags)} | {precision:.2f} | {recall:.2f} | {ms:.0f} |"


def main() -> None:
    true_cases, false_cases = load_corpus("true"), load_corpus("false")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t_flags, _, _ = etlnb_flags([s for _, s in true_cases], folder)
        f_flags, _, _ = etlnb_flags([s for _, s in false_cases], folder)
        ms = import_ms("import etlnb.analyse.secrets_scan", before="import etlnb.analyse.cells")
        rows.append(report("etlnb.analyse.secrets_scan (hand-written)", t_flags, f_flags, ms))
        missed = [n for (n, _), f in zip(true_cases, t_flags, strict=True) if not f]
        wrong = [n for (n, _), f in zip(false_cases, f_flags, strict=True) if f]
        try:
            ds_t = detect_secrets_flags([s for _, s in true_cases], folder)
            ds_f = detect_secrets_flags([s for _, s in false_cases], folder)
            ds_ms = import_ms(
                "from detect_secrets.core.secrets_collection import SecretsCollection;"
                "from detect_secrets.settings import default_settings;"
                "from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class as m; m()"
            )
            rows.append(report("detect-secrets 1.5.0 (default plugins)", ds_t, ds_f, ds_ms))
            ds_missed = [n for (n, _), f in zip(true_cases, ds_t, strict=True) if not f]
            ds_wrong = [n for (n, _), f in zip(false_cases, ds_f, strict=True) if f]
        except ImportError:
            ds_missed = ds_wrong = None
    print("| scanner | true positives found | false positives flagged | precision | recall | import ms |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))
    print(f"\netlnb missed: {missed or 'none'}\netlnb flagged: {wrong or 'none'}")
    if ds_missed is not None:
        print(f"detect-secrets missed: {ds_missed}\ndetect-secrets flagged: {ds_wrong}")
    else:
        print("detect-secrets is not importable: see the module docstring to compare")
    cells, chars, best, median = scan_ms(REAL_NOTEBOOK)
    print(
        f"\nscan() on {REAL_NOTEBOOK.relative_to(REPO)} ({cells} cells scanned, {chars} characters):"
        f" best {best:.2f} ms, median {median:.2f} ms of 300 runs"
    )


if __name__ == "__main__":
    main()
