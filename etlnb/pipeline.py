"""The compile pipeline: load -> classify -> parse -> graph -> emit.

Every step is a pure function of data; reading the notebook, running the
sample cells and writing the script happen only here, at the ends.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from etlnb.analyse.cells import ParsedCell, parse_cells
from etlnb.analyse.diagnostics import CompileError, Diagnostic, has_errors
from etlnb.analyse.graph import FlowGraph, build_graph, identifier
from etlnb.analyse.notebook import Notebook, read_notebook
from etlnb.analyse.roles import classify


@dataclass
class Analysis:
    notebook: Notebook
    project: str
    flow_name: str
    graph: FlowGraph | None
    parsed: list[ParsedCell]
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.graph is not None and not has_errors(self.diagnostics)


@dataclass
class Compiled:
    analysis: Analysis
    script: str
    sample: dict[str, Any]
    path: Path  # where the script belongs
    settings: Any = None  # etlnb.analyse.config.Settings
    prefect_yaml: str = ""
    sha: str = ""  # the version: content address of the script and its prefect.yaml
    # sample values computed by sample cells (may be read from the environment): never sent anywhere
    computed: frozenset[str] = frozenset()
    verification: str = ""  # deploy's verdict, shown in the deployment's description

    @property
    def entrypoint(self) -> str:
        return f"{self.path.name}:{self.analysis.flow_name}_flow"

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.analysis.diagnostics


def names_for(notebook: Notebook) -> tuple[str, str]:
    """Project and flow name: notebook metadata first, else folder and file name."""
    meta = notebook.etlnb_metadata
    path = Path(notebook.path)
    folder = path.resolve().parent.name
    project = meta.get("project") if isinstance(meta.get("project"), str) else folder
    flow = meta.get("flow") if isinstance(meta.get("flow"), str) else path.stem
    return identifier(project), identifier(flow)


def _generated_by_etlnb(origin: str) -> bool:
    """A flow script we wrote earlier (its folder can linger on sys.path after Prefect loads it)."""
    try:
        with open(origin, encoding="utf-8") as f:
            return "compiled by etlnb" in f.readline()
    except OSError:
        return False


def _shadowing(flow_name: str) -> Diagnostic | None:
    """`python build/p/json.py` would import itself instead of json."""
    import importlib.machinery
    import sys

    # installed modules only: the folder you run from is not on the script's path
    paths = [p for p in sys.path if p not in ("", os.getcwd())]
    spec = importlib.machinery.PathFinder.find_spec(flow_name, paths)
    installed = spec is not None and spec.origin not in (None, "namespace") and not _generated_by_etlnb(spec.origin)
    if flow_name in sys.stdlib_module_names or installed:
        return Diagnostic(
            "error",
            f"flow name `{flow_name}` is also the name of an importable module"
            f" ({spec.origin if installed and spec else 'standard library'}); the script {flow_name}.py would shadow it",
            "",
            hint='rename the notebook, or set the flow name in its metadata: "etlnb": {"flow": "..."}',
        )
    return None


LOCAL_MODULE = "a deployed flow gets only its own script, so this import would fail there"


def _local_modules(path: str, parsed: list[ParsedCell]) -> list[Diagnostic]:
    """Imports that only work because a module sits in the notebook's folder (Jupyter puts that
    folder on sys.path): a deployed flow gets its script alone, so it would fail there."""
    import ast
    import importlib.machinery
    import sys

    folder = Path(path).resolve().parent
    installed = [p for p in sys.path if p not in ("", os.getcwd(), str(folder))]
    out: list[Diagnostic] = []
    seen: set[str] = set()
    for pc in parsed:
        if not pc.rc.compiled:
            continue
        for st in pc.statements:
            for node in ast.walk(st.node):
                if isinstance(node, ast.Import):
                    tops = [a.name.split(".")[0] for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    tops = [node.module.split(".")[0]]
                else:
                    continue
                for top in tops:
                    if top in seen or top in sys.builtin_module_names or top in sys.stdlib_module_names:
                        continue
                    seen.add(top)
                    local = [
                        c
                        for c in (folder / f"{top}.py", folder / top, *folder.glob(f"*/{top}.py"))
                        if c.exists() and not c.is_relative_to(folder / "build")
                    ]
                    if not local or importlib.machinery.PathFinder.find_spec(top, installed) is not None:
                        continue
                    out.append(
                        Diagnostic(
                            "warning",
                            f"`{top}` is imported from the notebook's folder ({local[0].relative_to(folder)});"
                            f" {LOCAL_MODULE}: local runs work, `etlnb deploy` refuses",
                            path,
                            pc.rc.cell.index,
                            pc.rc.cell.id,
                            node.lineno + 0,
                            hint="install it as a package (list it in the project's base image requirements),"
                            " or move the functions you need into a functions cell",
                        )
                    )
    return out


def analyse(notebook: Notebook, settings: Any = None, strict: bool = False) -> Analysis:
    project, flow_name = names_for(notebook)
    if settings is not None:
        project = identifier(settings.project) if settings.project else project
        flow_name = identifier(settings.flow) if settings.flow else flow_name
    cells, diagnostics = classify(notebook)
    shadow = _shadowing(flow_name)
    if shadow is not None:
        diagnostics.append(replace(shadow, notebook=notebook.path))
    parsed, parse_diags = parse_cells(notebook.path, cells)
    diagnostics += parse_diags
    from etlnb.analyse.samples import sample_syntax_errors

    diagnostics += sample_syntax_errors(notebook.path, parsed)
    diagnostics += _local_modules(notebook.path, parsed)
    from etlnb.analyse.processes import fork_pools

    diagnostics += fork_pools(notebook.path, parsed)
    graph, graph_diags = build_graph(notebook.path, parsed, flow_name)
    diagnostics += graph_diags
    from etlnb.analyse.secrets_scan import scan

    diagnostics += scan(notebook.path, parsed, strict)
    return Analysis(notebook, project, flow_name, graph, parsed, diagnostics)


def analyse_file(path: str | Path, strict: bool = False) -> Analysis:
    return analyse(read_notebook(path), strict=strict)


def compile_file(
    path: str | Path, out_dir: str | Path = "build", flags: dict[str, Any] | None = None, strict: bool = False
) -> Compiled:
    """Analyse, evaluate the sample cells and emit; raises CompileError on errors."""
    from etlnb.analyse.config import load_settings
    from etlnb.analyse.samples import sample_parameters
    from etlnb.targets import target
    from etlnb.targets.common import EmitOptions, dask_options

    notebook = read_notebook(path)
    settings = load_settings(Path(path), notebook.etlnb_metadata, flags)
    analysis = analyse(notebook, settings, strict)
    if not analysis.ok:
        raise CompileError(analysis.diagnostics)
    assert analysis.graph is not None
    notebook_dir = Path(path).resolve().parent
    sample, sample_diags, sample_code = sample_parameters(
        str(path), analysis.parsed, analysis.graph.params, notebook_dir
    )
    analysis.diagnostics += sample_diags
    if has_errors(sample_diags):
        raise CompileError(analysis.diagnostics)
    script_path = Path(out_dir) / analysis.project / f"{analysis.flow_name}.py"
    rel = os.path.relpath(notebook_dir, Path(script_path).resolve().parent)
    options = EmitOptions(
        notebook_name=Path(path).name,
        project=analysis.project,
        notebook_dir=Path(rel).as_posix(),
        extract_retries=settings.retries,
        local_modules=any(LOCAL_MODULE in d.message for d in analysis.diagnostics),
        sample_code=sample_code,
        dask=dask_options(settings),
    )
    from etlnb.targets.lint import silence_analyst_findings

    # the front half above is the same for every target; only the emitter differs
    tgt = target(settings.target)
    emit_options = tgt.emit_options(options, settings)

    standing: list[tuple[int, str, str]] = []

    def emit(options: Any) -> str:
        script, found = silence_analyst_findings(tgt.emit(analysis.graph, sample, options))
        standing[:] = found
        return script

    script = emit(emit_options)
    _check_script(script, str(path), analysis)
    computed = sample_code.computed if sample_code else frozenset()
    compiled = Compiled(analysis, script, sample, script_path, settings, computed=computed)
    # the version: the content address of what gets stored (a target may carry it in the script)
    tgt.seal(compiled, notebook_dir, lambda version: emit(replace(emit_options, version=version)))
    if compiled.script != script:
        _check_script(compiled.script, str(path), analysis)
    analysis.diagnostics += _lint_warnings(compiled.script, standing, str(path))
    return compiled


def _lint_warnings(script: str, standing: list[tuple[int, str, str]], path: str) -> list[Diagnostic]:
    """ruff findings the script keeps (never silenced: undefined names, redefinitions), named at
    the notebook cell and line they were copied from."""
    from etlnb.analyse.where import origin

    out = []
    for row, code, message in standing:
        found = origin(script, row)
        where = (found.cell, found.cell_id, found.line) if found else (None, None, None)
        out.append(
            Diagnostic(
                "warning",
                f"ruff {code} in the flow script: {message}" + ("" if found else f" (script line {row})"),
                path,
                *where,
                hint="the notebook's own code has this defect: fix it in the cell"
                if found
                else "etlnb generated this line: please report it with the notebook",
            )
        )
    return out


def _check_script(script: str, path: str, analysis: Analysis) -> None:
    """A notebook etlnb accepted never yields a broken script: compile it before anyone writes it."""
    try:
        compile(script, f"<flow script of {path}>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        where = f" (script line {exc.lineno}: {exc.msg})" if isinstance(exc, SyntaxError) else f" ({exc})"
        analysis.diagnostics.append(
            Diagnostic(
                "error",
                f"internal error: etlnb generated a flow script that does not compile{where}; nothing was written",
                path,
                hint="this is a bug in etlnb: please report it with the notebook",
            )
        )
        raise CompileError(analysis.diagnostics) from None


def write(compiled: Compiled) -> Path:
    compiled.path.parent.mkdir(parents=True, exist_ok=True)
    files = {compiled.path: compiled.script}
    if compiled.prefect_yaml:
        files[compiled.path.parent / "prefect.yaml"] = compiled.prefect_yaml
    staged: dict[Path, Path] = {}
    try:
        # every file is written in full first, then all are renamed: a full disk leaves the
        # earlier script and prefect.yaml as they were, and no temporary files behind
        for target, text in files.items():
            staged[target] = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            staged[target].write_text(text, encoding="utf-8")
        for target, tmp in staged.items():
            tmp.replace(target)
    finally:
        for tmp in staged.values():
            tmp.unlink(missing_ok=True)
    return compiled.path
