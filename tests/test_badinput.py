"""Damaged, odd and IPython-heavy notebooks: etlnb never crashes, and always says where.

The corpus lives in tests/badinput/ (written by tests/badinput/make_corpus.py; files end in
`.nbjson`, never `.ipynb`, so `pytest --nbval` does not collect them). For every file both
`etlnb check FILE` and `etlnb compile FILE -o TMP` run as real subprocesses and must:

- exit 0 (the input is fine: see the reason in EXPECTED) or exit 1, never anything else;
- never print a Python traceback;
- on exit 1, start stderr with the file path, say `error`, and name `cell N` and `line L`
  where they apply (file-level problems name only the file).
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

CORPUS = Path(__file__).resolve().parent / "badinput"


def _load_generator():
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Expect(NamedTuple):
    code: int
    text: str  # a substring of the first stderr line (exit 1), or why the input is fine (exit 0)
    cell: int | None = None  # exit 1: the cell's index (shown as `cell index+1`); None: a file-level problem
    line: int | None = None  # exit 1: `line L` in the first line


def ok(reason: str) -> Expect:
    return Expect(0, reason)


def file_error(text: str) -> Expect:
    return Expect(1, text)


def error(text: str, cell: int, line: int | None = None) -> Expect:
    return Expect(1, text, cell, line)


EXPECTED: dict[str, Expect] = {
    # -- file level --------------------------------------------------------------------------------
    "broken_json": file_error("invalid JSON at line 1 column"),
    "truncated": file_error("invalid JSON at line"),
    "empty_file": file_error("invalid JSON at line 1 column 1"),
    "json_array": file_error("not a Jupyter notebook"),
    "json_null": file_error("not a Jupyter notebook"),
    "no_cells_key": file_error("not a Jupyter notebook"),
    "nbformat3": file_error("nbformat 3 is too old"),
    "nbformat5": file_error("unsupported nbformat 5"),
    "nbformat_string": file_error("unsupported nbformat '4'"),
    "non_utf8": file_error("not UTF-8"),
    "utf8_bom": file_error("byte-order mark"),
    "cells_not_list": file_error("'cells' is not a list"),
    "notebook_metadata_list": file_error("notebook metadata is not a JSON object"),
    "etlnb_metadata_list": file_error("metadata 'etlnb' is not a JSON object"),
    "no_step_cells": file_error("no step cells"),
    "flow_name_shadows_stdlib": file_error("flow name `json`"),
    # -- damaged cells (no line: the cell itself is wrong) ------------------------------------------
    "cell_not_object": error("cell is not a JSON object", 1),
    "cell_no_type": error("cell has no cell_type", 1),
    "source_number": error("neither a string nor a list of strings", 3),
    "source_list_mixed": error("neither a string nor a list of strings", 3),
    "cell_metadata_list": error("cell metadata is not a JSON object", 3),
    "tags_number": error("tags must be a list of strings", 3),
    "tags_null": error("tags must be a list of strings", 3),
    "tags_list_with_number": error("tags must be a list of strings", 3),
    "tags_conflicting": error("conflicting role tags transform, load", 3),
    # -- Python a task body cannot hold ------------------------------------------------------------
    "syntax_error": error("syntax error: invalid syntax", 3, 2),
    "tab_space_mix": error("inconsistent use of tabs and spaces", 3, 3),
    "null_byte": error("null bytes", 3, 2),
    "top_level_await": error("'await' outside function", 3, 3),
    "return_outside_function": error("'return' outside function", 3, 3),
    "yield_outside_function": error("'yield' outside function", 3, 3),
    "deep_nesting_parser": error("nested too deeply", 3),  # the parser gives up before any line
    "deep_nesting_analysis": error("nested too deeply", 3, 2),
    # -- IPython syntax in compiled cells -----------------------------------------------------------
    "magic_line": error("IPython magic `%time total = len(rows)` cannot run in a flow", 3, 2),
    "magic_cell_bash": error("IPython cell magic `%%bash` cannot run in a flow", 4, 1),
    "magic_cell_not_first": error("syntax error", 3, 2),  # `%%` below line 1 is not a cell magic
    "magic_assign": error("magic assignment `names = %who_ls`", 4, 2),
    "shell_escape": error("shell escape `!ls -l`", 4, 2),
    "shell_assign": error("magic assignment `files = !ls`", 4, 2),
    "magic_indented": error("shell escape `!echo {r}`", 3, 3),
    # -- names ---------------------------------------------------------------------------------------
    "star_import": error("star import from os.path", 0, 1),
    "name_only_untagged": error("hidden state: step reads `factor`", 4, 1),
    "name_only_sample": error("hidden state: step reads `factor`", 4, 1),
    "parameters_non_literal": error("parameter `limit` is not a literal", 1, 1),
    "tags_string": error('cell tags must be a list of strings (found "transform")', 3),
    # -- fine ------------------------------------------------------------------------------------------
    "source_list": ok("the baseline: a well-formed notebook"),
    "source_string": ok("nbformat allows source as one string or a list of lines"),
    "crlf_sources": ok("CRLF line ends are normalised to LF"),
    "missing_ids": ok("cell ids are optional before nbformat 4.5; messages use the cell index"),
    "duplicate_ids": ok("ids only decorate messages; cells are located by index"),
    "cell_id_number": ok("a non-string id is ignored like a missing one"),
    "no_source_key": ok("a cell without source is an empty cell"),
    "unknown_cell_type": ok("only code cells compile; other cell types are left out like markdown"),
    "raw_cells": ok("raw cells are left out, tags and all"),
    "markdown_tagged": ok("markdown cells are left out, tags and all"),
    "comment_only_cells": ok("a step of only comments is a no-op task"),
    "empty_step_cell": ok("an empty step is a no-op task"),
    "unicode_identifiers": ok("non-ASCII identifiers (größe, λ) are valid Python 3"),
    "rebinding_across_steps": ok("x = x + 1 in later steps reads the earlier step's value: no cycle"),
    "rebinding_parameter": ok("steps may rebind a parameter"),
    "untagged_broken_code": ok("untagged cells are exploration: never parsed into the flow"),
    "magics_untagged": ok("IPython syntax of every form is fine in untagged cells"),
    "magic_line_harmless": ok("%matplotlib is dropped with a warning"),
    "magic_cell_harmless": ok("%%time is dropped with a warning"),
    "shell_pip": ok("!pip install is dropped with a warning (it belongs in the image)"),
    "help_prefix": ok("?len is dropped with a warning"),
    "help_suffix": ok("rows? is dropped with a warning"),
    "flow_name_empty": ok('an empty flow name in metadata falls back to "flow"'),
}


def etlnb(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "etlnb", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def assert_outcome(result: subprocess.CompletedProcess[str], path: str, expect: Expect) -> None:
    output = result.stdout + result.stderr
    assert "Traceback (most recent call last)" not in output, output
    assert result.returncode in (0, 1), (result.returncode, output)
    assert result.returncode == expect.code, (expect, output)
    if expect.code == 0:
        return
    lines = result.stderr.splitlines()
    assert lines, f"exit 1 with nothing on stderr: {result.stdout!r}"
    head = lines[0]
    assert head.startswith(path + ": "), head
    assert ": error: " in head, head
    assert expect.text in head, (expect.text, head)
    where = head[len(path) : head.index(": error: ")]
    if expect.cell is None:
        assert where == "", f"a file-level problem names no cell or line: {head}"
    else:
        assert re.match(rf": cell {expect.cell + 1}\b", where), head  # shown 1-based, as JupyterLab counts
    if expect.line is not None:
        assert where.endswith(f": line {expect.line}"), head
    elif expect.cell is not None:
        assert "line" not in where, head


def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.nbjson"))


def test_corpus_is_written_by_the_generator():
    """Every case is on disk, byte for byte as make_corpus.py writes it, and has an expectation."""
    cases = _load_generator().CASES
    on_disk = {p.name.removesuffix(".nbjson"): p.read_bytes() for p in corpus_files()}
    assert on_disk == cases, "run: python tests/badinput/make_corpus.py"
    assert set(EXPECTED) == set(cases)
    assert len(cases) >= 40
    assert not list(CORPUS.glob("*.ipynb")), "nbval would collect these"


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("command", ["check", "compile"])
def test_bad_input(name: str, command: str, tmp_path: Path):
    path = str(CORPUS / f"{name}.nbjson")
    args = [command, path] + (["-o", str(tmp_path / "build")] if command == "compile" else [])
    result = etlnb(tmp_path, *args)
    assert_outcome(result, path, EXPECTED[name])
    if command == "compile":
        written = list((tmp_path / "build").rglob("*.py")) if (tmp_path / "build").exists() else []
        assert bool(written) == (EXPECTED[name].code == 0), (written, result.stdout, result.stderr)


@pytest.mark.parametrize("command", ["check", "compile"])
def test_huge_output(command: str, tmp_path: Path):
    """Tens of MB of output in an untagged cell: read, ignored, no crash (generated here, not in git)."""
    make_corpus = _load_generator()
    chunk = "x" * 1023 + "\n"
    text = [chunk] * (40 * 1024)  # 40 MB of stream output
    noisy = make_corpus.code(
        "for i in range(10**6):\n    print('x' * 1023)\n",
        outputs=[{"name": "stdout", "output_type": "stream", "text": text}],
    )
    cells = make_corpus.good(make_corpus.TRANSFORM, noisy)
    path = tmp_path / "huge_output.nbjson"
    path.write_bytes(make_corpus.dumps(make_corpus.notebook(cells)))
    assert path.stat().st_size > 40 * 1024 * 1024
    args = [command, str(path)] + (["-o", str(tmp_path / "build")] if command == "compile" else [])
    assert_outcome(etlnb(tmp_path, *args), str(path), ok("outputs are never read"))


# -- bad command lines, config files and environments (issue 14, classes 5 and 9) ---------------------
# Each case: a small project (pyproject.toml + notebooks/demo/flowa.ipynb), one etlnb command, and
# the text its first stderr line must hold. None of them may reach a Prefect server: the bad input
# is refused at the edge it enters (PREFECT_API_URL points nowhere, so a miss fails loudly).

PARAMS_CELLS = [("count = 2", ["parameters"]), ("xs = list(range(count))", ["extract"]), ("print(xs)", ["load"])]
NB = "notebooks/demo/flowa.ipynb"
DEL, NEL, C1, SURROGATE = "a\x7fb", "a\x85b", "a\x9fb", "a\udcedb"


class Case(NamedTuple):
    args: list[str]
    text: str  # in the first stderr line
    pyproject: str = '[project]\nname = "demo"\n'
    env: dict[str, str] | None = None
    cells: list | None = None


def _pyproject(etlnb_table: str) -> str:
    return f'[project]\nname = "demo"\n\n[tool.etlnb]\n{etlnb_table}'


CLI_CASES: dict[str, Case] = {
    # class 5: a broken config is an error naming the file (and line), never skipped for a parent's
    "toml_syntax_error": Case(
        ["compile", NB], "pyproject.toml: line 5: error: invalid TOML", _pyproject("work_pool = \n")
    ),
    "tool_not_table": Case(["compile", NB], "pyproject.toml: error: `tool` must be a table, not int", "tool = 1\n"),
    "tool_etlnb_not_table": Case(["compile", NB], "`tool.etlnb` must be a table, not int", "[tool]\netlnb = 5\n"),
    "tags_not_strings": Case(
        ["compile", NB], "tag must be a string, not list ([1])", _pyproject("tags = [[1], {a=1}]\n")
    ),
    "ftp_storage": Case(
        ["compile", NB], 'unsupported storage "ftp://host/x"', _pyproject('storage = "ftp://host/x"\n')
    ),
    "metadata_name_slash": Case(
        ["compile", NB], 'deployment name "a/b" contains one of /', cells=[{"deployment": "a/b"}]
    ),
    "metadata_tag_surrogate": Case(["compile", NB], "is not valid text", cells=[{"tags": [SURROGATE]}]),
    # class 9: flags, checked before any step runs
    "schedule_superscript": Case(["deploy", NB, "--schedule", "²"], 'schedule "\\u00b2" is neither a cron'),
    "schedule_zero": Case(["deploy", NB, "--schedule", "0"], "schedule interval must be between 1 and"),
    "schedule_huge": Case(["deploy", NB, "--schedule", "9" * 20], "schedule interval must be between 1 and"),
    "name_slash": Case(["deploy", NB, "--name", "a/b"], 'deployment name "a/b" contains one of /'),
    "name_surrogate": Case(["deploy", NB, "--name", SURROGATE], 'deployment name "a\\udcedb" is not valid text'),
    "pool_slash": Case(["deploy", NB, "--work-pool", "a/b"], 'work pool name "a/b" contains one of /'),
    "pool_empty": Case(["deploy", NB, "--work-pool", ""], "work pool name must not be empty (from --work-pool)"),
    "retries_negative": Case(["deploy", NB, "--retries", "-1"], "retries must be between 0 and 100, not -1"),
    "retries_huge": Case(["deploy", NB, "--retries", str(10**20)], "retries must be between 0 and 100"),
    "tag_del": Case(["deploy", NB, "--tag", DEL], "control or invisible character U+007F"),
    "tag_c1": Case(["deploy", NB, "--tag", C1], "control or invisible character U+009F"),
    "tag_nel": Case(["deploy", NB, "--tag", NEL], "control or invisible character U+0085"),
    "tag_surrogate": Case(["deploy", NB, "--tag", SURROGATE], "is not valid text"),
    "versions_pool_slash": Case(["versions", NB, "--work-pool", "a/b"], 'work pool name "a/b"'),
    "worker_pool_slash": Case(["worker", "start", "--pool", "a/b"], 'work pool name "a/b" contains one of /'),
    "param_wrong_type": Case(
        ["run", NB, "--deployed", "--param", "count=abc"], '--param count: "abc" is not a valid integer'
    ),
    "deployed_api_unreachable": Case(
        ["run", NB, "--deployed", "--param", "count=3"], "Prefect API at http://127.0.0.1:9/api is not reachable"
    ),
    "deployed_prefect1": Case(
        ["run", NB, "--deployed", "--target", "prefect1"], "--deployed runs Prefect 3 deployments; a target = prefect1"
    ),
    "prefect1_run_without_its_venv": Case(
        ["run", NB, "--parity", "--target", "prefect1"],
        "target = prefect1 runs the flow with Prefect 1, in its own venv: none found",
        env={"ETLNB_PREFECT1_PYTHON": "/nonexistent/bin/python"},
    ),
    # class 9: environment and files
    "server_port_text": Case(
        ["worker", "status"], 'ETLNB_SERVER_PORT="abc" is not a TCP port', env={"ETLNB_SERVER_PORT": "abc"}
    ),
    "home_under_a_file": Case(["server", "start"], "is not usable:", env={"ETLNB_HOME": "pyproject.toml/home"}),
    "where_binary": Case(["where", "blob.py:3"], "blob.py is not a flow script (not UTF-8 text)"),
    "where_superscript": Case(["where", "blob.py:²"], "expected SCRIPT:LINE"),
    "json_deeply_nested": Case(["check", "deep.ipynb"], "deep.ipynb: error: JSON nested too deeply"),
    "fifo_notebook": Case(["compile", "x.ipynb"], "x.ipynb: error: not a regular file"),
    "sample_syntax_error": Case(
        ["check", NB],
        "cell 2 (id=c1): line 1: error: syntax error: '(' was never closed",
        cells=[("count = 2", ["parameters"]), ("count = (3\nx = 1", ["sample"]), *PARAMS_CELLS[1:]],
    ),
}


def _cli_project(tmp_path: Path, case: Case) -> Path:
    import json
    import os

    from .conftest import make_notebook

    (tmp_path / "pyproject.toml").write_text(case.pyproject, encoding="utf-8")
    nb = tmp_path / NB
    nb.parent.mkdir(parents=True)
    cells, metadata = PARAMS_CELLS, None
    if case.cells and isinstance(case.cells[0], dict):
        metadata = {
            "kernelspec": {"name": "python3", "display_name": "P", "language": "python"},
            "etlnb": case.cells[0],
        }
    elif case.cells:
        cells = case.cells
    text = make_notebook(cells, metadata)
    nb.write_text(text, encoding="utf-8")  # json.dumps writes a lone surrogate as an escape: valid JSON
    (tmp_path / "blob.py").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "deep.ipynb").write_text("[" * 100_000 + "]" * 100_000)
    os.mkfifo(tmp_path / "x.ipynb")
    assert json.loads(nb.read_text())  # the notebook itself is fine JSON
    return tmp_path


@pytest.mark.parametrize("name", sorted(CLI_CASES))
def test_bad_invocation_is_one_clear_line(name: str, tmp_path: Path):
    import os

    case = CLI_CASES[name]
    project = _cli_project(tmp_path, case)
    env = {**os.environ, "PREFECT_API_URL": "http://127.0.0.1:9/api", **(case.env or {})}
    result = subprocess.run(
        [sys.executable, "-m", "etlnb", *case.args], cwd=project, capture_output=True, text=True, timeout=60, env=env
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode != 0, result.stdout + result.stderr
    first = result.stderr.splitlines()[0] if result.stderr else ""
    assert case.text in first, (case.text, result.stderr)
    assert not list(project.rglob("prefect.yaml")), "refused input must not write a deployment file"


@pytest.mark.parametrize(
    ("param", "text"),
    [
        ("count=abc", '--param count: "abc" is not a valid integer'),
        ("counts=3", "--param counts: the flow has no such parameter (it has: count)"),
        ("count", "--param expects name=value, got 'count'"),
        ("count=3", None),  # fine: the run goes on to ask the server
    ],
)
def test_deployed_run_param_check_uses_the_one_compile(param, text, tmp_path, monkeypatch, capsys):
    """`run --deployed --param` checks the values against the flow it compiled for the run
    (one compile, not one for the check and one for the run); a refused value is one line,
    said before any server is asked."""
    import etlnb.pipeline
    import etlnb.targets.prefect3.api
    from etlnb.cli import main

    project = _cli_project(tmp_path, Case([], ""))
    monkeypatch.chdir(project)
    compiles = []
    compile_file = etlnb.pipeline.compile_file

    def counted(*args, **kwargs):
        compiles.append(args[0])
        return compile_file(*args, **kwargs)

    asked = []

    def server(*args, **kwargs):
        asked.append(len(compiles))  # how many compiles happened before the server was asked
        raise ConnectionRefusedError("no server in this test")

    monkeypatch.setattr(etlnb.pipeline, "compile_file", counted)
    monkeypatch.setattr(etlnb.targets.prefect3.api, "api_target", server)
    monkeypatch.setattr(etlnb.targets.prefect3.api, "prefect_client", server)
    code = main(["run", NB, "--deployed", "--param", param])
    stderr = capsys.readouterr().err
    assert code != 0 and "Traceback" not in stderr, stderr
    if text is None:
        assert asked == [1], (asked, stderr)
    else:
        assert asked == [], stderr
        first = stderr.splitlines()[0]
        assert first.startswith(f"etlnb run: {text}") and first.endswith("; no run was created"), stderr
    assert len(compiles) == 1, compiles


def test_names_follow_prefects_own_banned_characters():
    from prefect.types import BANNED_CHARACTERS

    from etlnb.analyse.config import PREFECT_BANNED

    assert set(PREFECT_BANNED) == set(BANNED_CHARACTERS)


def test_compile_onto_a_full_disk_is_one_line_and_leaves_nothing_behind(tmp_path: Path):
    """A full disk under `compile -o`: one line naming the notebook and the reason, the earlier
    script and prefect.yaml unchanged, no temporary files (root: a real 64 kB tmpfs, as in CI;
    otherwise every write fails with ENOSPC in-process, which takes the same error path)."""
    import errno
    import os

    from etlnb.cli import main

    project = _cli_project(tmp_path, Case([], ""))
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = os.geteuid() == 0
    if mounted:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], check=True)
    try:
        before = etlnb(project, "compile", NB, "-o", str(disk))
        assert before.returncode == 0, before.stderr
        earlier = {p: p.read_bytes() for p in disk.rglob("*") if p.is_file()}
        (project / NB).write_text((project / NB).read_text().replace("count = 2", "count = 3  # " + "x" * 40_000))
        if mounted:
            (disk / "filler").write_bytes(b"\0" * (64 * 1024 - 8192))
            result = etlnb(project, "compile", NB, "-o", str(disk))
            code, stderr = result.returncode, result.stderr
        else:
            import contextlib
            import io
            from unittest import mock

            def full(self, *args, **kwargs):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))

            err = io.StringIO()
            cwd = os.getcwd()
            os.chdir(project)
            try:
                with mock.patch.object(Path, "write_text", full), contextlib.redirect_stderr(err):
                    code = main(["compile", NB, "-o", str(disk)])
            finally:
                os.chdir(cwd)
            stderr = err.getvalue()
        assert code == 1 and "Traceback" not in stderr, stderr
        first = stderr.splitlines()[0]
        assert first.startswith(f"{NB}: error: cannot write ") and "No space left on device" in first, first
        assert not [p for p in disk.rglob("*.tmp")], "temporary files were left behind"
        assert {p: p.read_bytes() for p in disk.rglob("*") if p.is_file() and p.name != "filler"} == earlier
    finally:
        if mounted:
            subprocess.run(["umount", str(disk)], check=False)


def test_a_5_mb_literal_cell_checks_in_seconds(tmp_path: Path):
    """A transform cell holding 5 MB of data (a list of records) checks in seconds: it took
    tens of seconds when every analysis pass walked each of its million syntax nodes."""
    import time

    from .conftest import make_notebook

    records = ", ".join(f"{{'id': {i}, 'name': 'n{i}'}}" for i in range(150_000))
    big = f"rows = [{records}]\ntotal = len(rows) + count\n"
    assert len(big) > 4_500_000
    cells = [("count = 2", ["parameters"]), (big, ["transform"]), ("print(total)", ["load"])]
    path = tmp_path / "big.nbjson"
    path.write_text(make_notebook(cells))
    started = time.perf_counter()
    result = etlnb(tmp_path, "check", str(path))
    took = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    assert "ok (2 tasks)" in result.stdout
    assert took < 12, f"check took {took:.1f}s"  # 18 s before, about 6 s now on a loaded 2-core machine
