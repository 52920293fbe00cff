"""Command line: `etlnb compile | check | graph | run | server`.

argparse, not typer: `etlnb compile` runs on every save and must start fast.
Heavy modules (prefect, nbformat, Jupyter) are imported only by the
commands that need them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from etlnb import events
from etlnb.analyse.diagnostics import CompileError, Diagnostic, format_diagnostics


def _print_diagnostics(diagnostics: list[Diagnostic]) -> None:
    if diagnostics:
        print(format_diagnostics(diagnostics), file=sys.stderr)


def cmd_compile(args: argparse.Namespace) -> int:
    from etlnb.pipeline import compile_file, write

    status = 0
    for notebook in args.notebooks:
        try:
            compiled = compile_file(notebook, args.output, _runner_flags(args), strict=args.strict)
        except CompileError as exc:
            _print_diagnostics(exc.diagnostics)
            status = 1
            continue
        _print_diagnostics(compiled.diagnostics)
        try:
            path = write(compiled)
        except OSError as exc:  # a full disk, a read-only or missing -o folder
            target = exc.filename or args.output
            print(f"{notebook}: error: cannot write {target}: {exc.strerror or exc}", file=sys.stderr)
            status = 1
            continue
        graph = compiled.analysis.graph
        assert graph is not None
        mapped = sum(s.map is not None for s in graph.segments)
        print(f"wrote {path} ({len(graph.segments)} tasks, {mapped} mapped)")
    return status


def _runner_flags(args: argparse.Namespace) -> dict:
    return {"task_runner": getattr(args, "task_runner", None), "target": getattr(args, "target", None)}


def cmd_check(args: argparse.Namespace) -> int:
    from etlnb.pipeline import analyse_file

    status = 0
    for notebook in args.notebooks:
        try:
            analysis = analyse_file(notebook, strict=args.strict)
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
    from etlnb.analyse.mermaid import mermaid
    from etlnb.pipeline import analyse_file

    try:
        analysis = analyse_file(args.notebook)
    except CompileError as exc:
        _print_diagnostics(exc.diagnostics)
        return 1
    except Exception as exc:  # an etlnb bug: one line, never a traceback
        target = " ".join(str(n) for n in getattr(args, "notebooks", None) or [getattr(args, "notebook", "")] if n)
        print(
            f"{target or 'etlnb'}: internal error in etlnb {args.command} ({type(exc).__name__}: {exc});"
            " this is a bug in etlnb, please report it with the notebook",
            file=sys.stderr,
        )
        return 2
    if not analysis.ok:
        _print_diagnostics(analysis.diagnostics)
        return 1
    assert analysis.graph is not None
    print(mermaid(analysis.graph))
    return 0


def cmd_where(args: argparse.Namespace) -> int:
    from etlnb.analyse.config import shown
    from etlnb.analyse.where import origin

    path, _, number = args.location.rpartition(":")
    if not path or not (number.isascii() and number.isdigit()):
        print(f"etlnb where: expected SCRIPT:LINE (LINE in digits 0-9), got {shown(args.location)}", file=sys.stderr)
        return 2
    try:
        script = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        print(f"etlnb where: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 1
    except (UnicodeDecodeError, ValueError):
        print(f"etlnb where: {path} is not a flow script (not UTF-8 text)", file=sys.stderr)
        return 1
    found = origin(script, int(number)) if len(number) < 10 else None  # no script has a billion lines
    if found is None:
        print(f"{args.location}: generated code (not from a notebook cell)")
        return 1
    print(f"{args.location}: {found}")
    return 0


def _witness_failed(nb_run) -> bool:
    """Print the witness summary; its errors (unpredicted changes) go to stderr, first line first."""
    from etlnb.verify.witness import format_summary

    report = nb_run.witness
    if report is None:
        return False
    print(format_summary(report))
    for error in report.errors:
        print(f"etlnb run: {error.message}" if error is report.errors[0] else f"  {error.message}", file=sys.stderr)
    return not report.ok


def run_locally(notebook: Path, out_dir: Path, mode: str, params: list[str], flags: dict | None = None) -> int:
    """`etlnb run`: mode is "sample", "flow" or "parity"; `flags` are settings from the command line."""
    from etlnb.local import server as local_server
    from etlnb.targets import RunError
    from etlnb.verify.notebook_run import run_notebook, step_outputs
    from etlnb.verify.runner import (
        code_cells,
        compile_to,
        format_flow_report,
        format_sample_summary,
        parse_params,
        run_compiled_flow,
        run_parity,
        target_of,
    )

    try:
        compiled = compile_to(notebook, out_dir, flags)
    except CompileError as exc:
        _print_diagnostics(exc.diagnostics)
        return 1
    _print_diagnostics(compiled.diagnostics)
    analysis = compiled.analysis
    build = compiled.path.parent
    capture_root = build / ".capture" / analysis.flow_name
    status = 0
    if mode == "sample":
        steps = step_outputs(analysis.graph)
        executed = build / f"{notebook.stem}.executed.ipynb"
        print(f"running {notebook} on its samples: {code_cells(notebook)} (papermill)...", file=sys.stderr)
        shared = getattr(compiled.settings, "task_runner", "threads") == "threads"  # as parity judges it
        nb_run = run_notebook(
            notebook, analysis.graph, executed, capture_root / "notebook", progress=False, shared=shared
        )
        if not nb_run.ok:
            print(f"etlnb run: the notebook failed: {nb_run.error}", file=sys.stderr)
            print(f"  executed copy: {executed}", file=sys.stderr)
            return 1
        print(f"sample run ok in {nb_run.seconds:.1f}s; executed copy: {executed}")
        print(format_sample_summary(steps, capture_root / "notebook"))
        if _witness_failed(nb_run):
            return 1
    if mode in ("flow", "parity"):
        try:
            known = [p.name for p in analysis.graph.params]
            values = parse_params(params, compiled.sample, known)
            tgt = target_of(compiled)
            server = local_server.ensure() if tgt.needs_server else None
            tgt.flow_process(compiled, notebook, server.api_url if server else None)  # said before anything runs
        except (RunError, local_server.ServerError) as exc:
            print(f"etlnb run: {exc}", file=sys.stderr)
            return 1
    if mode == "flow":
        run = run_compiled_flow(compiled, notebook, server, values)
        print(format_flow_report(run, server))
        _emit_tasks(run)
        if not run.ok:
            print(f"etlnb run: flow {analysis.flow_name} failed", file=sys.stderr)
            if run.origin:
                print(f"  the error was raised in {notebook}: {run.origin}", file=sys.stderr)
            if hint := tgt.failure_hint(compiled, notebook, run.output):
                print(f"  {hint}", file=sys.stderr)
            return 1
    if mode == "parity":
        try:
            outcome, nb_run, run = run_parity(compiled, notebook, server, values, echo=True)
        except Exception as exc:  # etlnb's own failure: say so, never blame a cell
            print(f"{notebook}: etlnb internal error during parity: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
        if not nb_run.ok:
            print(f"etlnb run: the notebook failed: {nb_run.error}", file=sys.stderr)
            return 1
        print(f"sample run ok in {nb_run.seconds:.1f}s; executed copy: {nb_run.executed}")
        print(format_sample_summary(step_outputs(analysis.graph), capture_root / "notebook"))
        if _witness_failed(nb_run):
            return 1
        if run is not None:
            print(format_flow_report(run, server))
            _emit_tasks(run)
        print(outcome.text)
        events.emit(parity=outcome.text)
        status = 0 if outcome.ok else 1
    return status


def _emit_tasks(run) -> None:
    """The flow's task runs as Prefect recorded them, to the Jupyter server's job (if a job): the
    steps' final states, out of band, whatever the flow printed (etlnb.events)."""
    if "tasks" in run.report and "report_error" not in run.report:
        events.emit(tasks=[{"task": t["task"], "state": t["state"]} for t in run.report["tasks"]])


def cmd_run(args: argparse.Namespace) -> int:
    if args.deployed:
        from etlnb.deploy.trigger import run_deployed

        if args.task_runner:
            print(
                "etlnb run: --task-runner does not apply to --deployed: the deployed script's runner is fixed"
                " at `etlnb deploy --task-runner ...`",
                file=sys.stderr,
            )
            return 2
        return run_deployed(args.notebook, args.param, args.output, _runner_flags(args))
    mode = "parity" if args.parity else "sample" if args.sample else "flow"
    if args.task_runner and mode == "sample":
        print("etlnb run: --task-runner applies to --flow and --parity, not --sample", file=sys.stderr)
        return 2
    return run_locally(args.notebook, args.output, mode, args.param, _runner_flags(args))


def cmd_deploy(args: argparse.Namespace) -> int:
    from etlnb.analyse.config import deploy_flags, flag_problem
    from etlnb.deploy.progress import DeployError
    from etlnb.deploy.steps import deploy

    if (problem := flag_problem(deploy_flags(args))) is not None:
        print(f"etlnb deploy: {problem}", file=sys.stderr)
        print("  nothing was registered; the previous deployment is unchanged", file=sys.stderr)
        return 2
    try:
        result = deploy(
            args.notebook,
            deploy_flags(args),
            args.output,
            version=args.version,
            strict=args.strict,
            unverified=args.unverified,
        )
    except DeployError as exc:
        print(f"etlnb deploy: {exc.step} failed: {exc}", file=sys.stderr)
        print(f"  {exc.left or 'nothing was registered; the previous deployment is unchanged'}", file=sys.stderr)
        return 1
    except CompileError as exc:
        _print_diagnostics(exc.diagnostics)
        return 1
    if hasattr(result, "report"):  # --target prefect1: registered, or the commands to do it
        print(result.report())
        return 0
    print(f"deployed {result.full_name} (id {result.deployment_id})")
    print(f"  version   {result.sha}")
    print(f"  code      {result.location}")
    print(f"  work pool {result.work_pool}")
    print(f"  UI        {result.ui_url}")
    from etlnb.deploy.trigger import worker_line  # whether a worker serves the pool, and how to start one

    print(f"  worker    {worker_line(result.work_pool)[1]}")
    return 0


def cmd_versions(args: argparse.Namespace) -> int:
    from etlnb.analyse.config import deploy_flags, flag_problem
    from etlnb.deploy.versions import main as versions

    if (problem := flag_problem(deploy_flags(args))) is not None:
        print(f"etlnb versions: {problem}", file=sys.stderr)
        return 2
    return versions(args.notebook, deploy_flags(args))


def cmd_image(args: argparse.Namespace) -> int:
    from etlnb.deploy.image import main as image

    return image(args.target)


def cmd_kernel(args: argparse.Namespace) -> int:
    from etlnb.local.kernel import main as kernel

    return kernel(args.user, args.sys_prefix)


def cmd_server(args: argparse.Namespace) -> int:
    from etlnb.local import server

    return server.command(args.action)


def cmd_worker(args: argparse.Namespace) -> int:
    from etlnb.analyse.config import name_problem
    from etlnb.local import server, worker

    if (problem := name_problem("work pool name", args.pool)) is not None:
        print(f"etlnb worker: {problem} (from --pool)", file=sys.stderr)
        return 2
    srv = server.default_server()
    if args.action == "start":
        try:
            server.ensure(srv)
        except server.ServerError as exc:
            print(f"etlnb worker: {exc}", file=sys.stderr)
            return 1
        pid = worker.ensure_worker(srv, args.pool)
        print(f"worker for pool {args.pool!r} running (pid {pid})")
    elif args.action == "stop":
        print("stopped" if worker.stop_worker(srv, args.pool) else "no worker was running")
    else:
        pid = worker.worker_pid(srv, args.pool)
        print(f"running (pid {pid})" if pid else "stopped")
    return 0


def task_runner_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--task-runner",
        choices=["threads", "dask"],
        help="where mapped steps run: threads, or Dask (prefect-dask; dask_address or a per-run cluster)",
    )


TARGET_CHOICES = ("prefect3", "prefect1")  # etlnb.analyse.config.TARGETS (not imported: compile must start fast)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="etlnb", description="Compile tagged Jupyter notebooks into Prefect 3 flows.")
    parser.add_argument("--version", action="version", version=f"etlnb {__import__('etlnb').__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("compile", help="write DIR/<project>/<flow>.py for each notebook")
    p.add_argument("notebooks", nargs="+", type=Path)
    p.add_argument("-o", "--output", type=Path, default=Path("build"), help="output folder (default: build)")
    p.add_argument("--strict", action="store_true", help="credential-looking literals are errors, not warnings")
    task_runner_option(p)
    p.add_argument(
        "--target", choices=TARGET_CHOICES, help="prefect3 (default) or prefect1 (a `with Flow(...)` script)"
    )
    p.set_defaults(func=cmd_compile)

    p = sub.add_parser("check", help="print diagnostics; write nothing")
    p.add_argument("notebooks", nargs="+", type=Path)
    p.add_argument("--strict", action="store_true", help="credential-looking literals are errors, not warnings")
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
    what.add_argument(
        "--deployed", action="store_true", help="run the registered deployment (sample parameters) and wait"
    )
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="override a parameter (--flow)")
    p.add_argument("-o", "--output", type=Path, default=Path("build"))
    task_runner_option(p)
    p.add_argument(
        "--target", choices=TARGET_CHOICES, help="prefect3 (default) or prefect1 (flow.run() in .venv-prefect1)"
    )
    p.set_defaults(func=cmd_run)

    def deploy_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--storage", help="s3://bucket/prefix or a local folder (default: .etlnb/storage)")
        p.add_argument("--s3-endpoint-url", help="S3-compatible endpoint (MinIO, ...)")
        p.add_argument("--work-pool", help="work pool name (default: etlnb-local)")
        p.add_argument("--pool-type", choices=["process", "kubernetes"], help="work pool type (default: process)")
        p.add_argument(
            "--image", help="base image for Kubernetes runs (default: Prefect Variable {project}_base_image)"
        )
        p.add_argument("--schedule", help="cron expression, or an interval in seconds")
        p.add_argument("--retries", type=int, help="retries of mapped extract tasks")
        p.add_argument("--tag", action="append", help="deployment tag (repeatable)")
        p.add_argument("--name", help="deployment name (default: the flow name)")
        task_runner_option(p)
        p.add_argument("-o", "--output", type=Path, default=Path("build"))

    p = sub.add_parser(
        "deploy", help="compile, verify (a passing parity on record), check, upload the code and register"
    )
    p.add_argument("notebook", type=Path)
    p.add_argument("--version", help="register an earlier uploaded version again (rollback)")
    p.add_argument("--strict", action="store_true", help="credential-looking literals are errors, not warnings")
    p.add_argument(
        "--unverified",
        action="store_true",
        help="deploy without a passing parity of this content; the deployment is tagged 'unverified'",
    )
    p.add_argument(
        "--target",
        choices=TARGET_CHOICES,
        help="prefect3 (default) or prefect1 (prefect build + register, or the commands)",
    )
    deploy_options(p)
    p.set_defaults(func=cmd_deploy)

    p = sub.add_parser("versions", help="list the uploaded versions of a notebook's flow and which one is live")
    p.add_argument("notebook", type=Path)
    p.add_argument(
        "--target", choices=TARGET_CHOICES, help='prefect3 (default) or prefect1 (with storage_key = "versioned")'
    )
    deploy_options(p)
    p.set_defaults(func=cmd_versions)

    p = sub.add_parser("image", help="write images/<project>/ (requirements + Dockerfile) for a project's base image")
    p.add_argument("target", help="a notebook, or a project name (folder under notebooks/)")
    p.set_defaults(func=cmd_image)

    p = sub.add_parser("kernel", help="install the 'Python 3 (etlnb)' Jupyter kernel spec")
    p.add_argument("action", choices=["install"])
    p.add_argument("--user", action="store_true", help="for this user only")
    p.add_argument("--sys-prefix", action="store_true", help="into this environment (sys.prefix)")
    p.set_defaults(func=cmd_kernel)

    p = sub.add_parser("server", help="the local Prefect server (SQLite, under .etlnb/)")
    p.add_argument("action", choices=["start", "stop", "status"])
    p.set_defaults(func=cmd_server)

    p = sub.add_parser("worker", help="a local process worker for the embedded default")
    p.add_argument("action", choices=["start", "stop", "status"])
    p.add_argument("--pool", default="etlnb-local")
    p.set_defaults(func=cmd_worker)
    return parser


def main(argv: list[str] | None = None) -> int:
    events.take()  # a job of etlnb's Jupyter server: its progress channel, kept from what this runs
    args = build_parser().parse_args(argv)
    if args.command in ("compile", "check", "graph"):
        import gc

        gc.disable()  # short-lived and allocation-heavy: the cyclic GC only costs time here
    if args.command in _USES_SERVER:
        from etlnb.analyse.config import check_environment

        if (problem := check_environment()) is not None:
            print(f"etlnb {args.command}: {problem}", file=sys.stderr)
            return 2
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except CompileError as exc:
        _print_diagnostics(exc.diagnostics)
        return 1
    except Exception as exc:  # the last line of defence: one line, never a traceback
        print(
            f"etlnb {args.command}: internal error ({type(exc).__name__}: {_first_line(exc)});"
            " this is a bug in etlnb, please report it",
            file=sys.stderr,
        )
        return 2


_USES_SERVER = ("run", "deploy", "versions", "server", "worker")  # read ETLNB_HOME / ETLNB_SERVER_PORT


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:200] if lines else ""
