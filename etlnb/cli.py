"""Command line: `etlnb compile | check | graph | run | server`.

argparse, not typer: `etlnb compile` runs on every save and must start fast.
Heavy modules (prefect, nbformat, Jupyter) are imported only by the
commands that need them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from etlnb.diagnostics import CompileError, Diagnostic


def format_diagnostics(diagnostics: list[Diagnostic]) -> str:
    """Errors first (stable), then a count line."""
    ordered = sorted(diagnostics, key=lambda d: d.severity != "error")
    lines = [d.format() for d in ordered]
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = len(diagnostics) - errors
    if errors or warnings:
        lines.append(f"{errors} error(s), {warnings} warning(s)")
    return "\n".join(lines)


def _print_diagnostics(diagnostics: list[Diagnostic]) -> None:
    if diagnostics:
        print(format_diagnostics(diagnostics), file=sys.stderr)


def cmd_compile(args: argparse.Namespace) -> int:
    from etlnb.pipeline import compile_file, write

    status = 0
    for notebook in args.notebooks:
        try:
            compiled = compile_file(notebook, args.output)
        except CompileError as exc:
            _print_diagnostics(exc.diagnostics)
            status = 1
            continue
        _print_diagnostics(compiled.diagnostics)
        path = write(compiled)
        graph = compiled.analysis.graph
        assert graph is not None
        mapped = sum(s.map is not None for s in graph.segments)
        print(f"wrote {path} ({len(graph.segments)} tasks, {mapped} mapped)")
    return status


def cmd_check(args: argparse.Namespace) -> int:
    from etlnb.pipeline import analyse_file

    status = 0
    for notebook in args.notebooks:
        try:
            analysis = analyse_file(notebook)
        except CompileError as exc:
            _print_diagnostics(exc.diagnostics)
            status = 1
            continue
        _print_diagnostics(analysis.diagnostics)
        if analysis.ok:
            assert analysis.graph is not None
            print(f"{notebook}: ok ({len(analysis.graph.segments)} tasks)")
        else:
            status = 1
    return status


def cmd_graph(args: argparse.Namespace) -> int:
    from etlnb.mermaid import mermaid
    from etlnb.pipeline import analyse_file

    try:
        analysis = analyse_file(args.notebook)
    except CompileError as exc:
        _print_diagnostics(exc.diagnostics)
        return 1
    if not analysis.ok:
        _print_diagnostics(analysis.diagnostics)
        return 1
    assert analysis.graph is not None
    print(mermaid(analysis.graph))
    return 0


def cmd_where(args: argparse.Namespace) -> int:
    from etlnb.where import origin

    path, _, number = args.location.rpartition(":")
    if not path or not number.isdigit():
        print(f"etlnb where: expected SCRIPT:LINE, got {args.location!r}", file=sys.stderr)
        return 2
    try:
        script = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        print(f"etlnb where: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 1
    found = origin(script, int(number))
    if found is None:
        print(f"{args.location}: generated code (not from a notebook cell)")
        return 1
    print(f"{args.location}: {found}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from etlnb.runner import main as run

    mode = "parity" if args.parity else "sample" if args.sample else "flow"
    return run(args.notebook, args.output, mode, args.param)


def cmd_server(args: argparse.Namespace) -> int:
    from etlnb import server

    return server.command(args.action)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="etlnb", description="Compile tagged Jupyter notebooks into Prefect 3 flows.")
    parser.add_argument("--version", action="version", version=f"etlnb {__import__('etlnb').__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("compile", help="write DIR/<project>/<flow>.py for each notebook")
    p.add_argument("notebooks", nargs="+", type=Path)
    p.add_argument("-o", "--output", type=Path, default=Path("build"), help="output folder (default: build)")
    p.set_defaults(func=cmd_compile)

    p = sub.add_parser("check", help="print diagnostics; write nothing")
    p.add_argument("notebooks", nargs="+", type=Path)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("graph", help="print the step graph as Mermaid text")
    p.add_argument("notebook", type=Path)
    p.set_defaults(func=cmd_graph)

    p = sub.add_parser("where", help="map a flow script line (from a traceback) to its notebook cell and line")
    p.add_argument("location", help="SCRIPT:LINE")
    p.set_defaults(func=cmd_where)

    p = sub.add_parser("run", help="run the notebook on samples, the compiled flow, or both and compare")
    p.add_argument("notebook", type=Path)
    what = p.add_mutually_exclusive_group()
    what.add_argument("--sample", action="store_true", help="run the notebook top to bottom with papermill")
    what.add_argument("--flow", action="store_true", help="run the compiled flow on the local Prefect server (default)")
    what.add_argument("--parity", action="store_true", help="run both and compare every step's outputs")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="override a parameter (--flow)")
    p.add_argument("-o", "--output", type=Path, default=Path("build"))
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("server", help="the local Prefect server (SQLite, under .etlnb/)")
    p.add_argument("action", choices=["start", "stop", "status"])
    p.set_defaults(func=cmd_server)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except CompileError as exc:
        _print_diagnostics(exc.diagnostics)
        return 1
