"""`etlnb image NOTEBOOK|PROJECT`: the base image a project's flows run in on Kubernetes.

Collects the imports of every compiled cell (imports, functions, parameters and
step cells) of the project's notebooks, maps each top-level module to the
installed distribution that provides it, and pins it to the installed version,
so the image runs the flows with the packages the notebooks were run with.
Writes images/<project>/requirements.txt and images/<project>/Dockerfile under
the project root and prints the build, push and Prefect Variable commands.
The image tag is a hash of the pins and the Dockerfile: the same requirements
give the same tag, changed ones a new tag (with imagePullPolicy IfNotPresent a
node never pulls a tag again that it already has).
"""

from __future__ import annotations

import ast
import hashlib
import importlib.metadata
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from etlnb.analyse.diagnostics import CompileError, Diagnostic, cell_number

TEMPLATE_NAME = "Dockerfile.template"
EXTRAS_NAME = "extra-requirements.txt"  # in images/<project>/: packages no import names (pyarrow for to_parquet)
# Also in images/Dockerfile.template; used when the project root has no such file.
DEFAULT_TEMPLATE = """\
# Base image of the etlnb project {{ project }}: Prefect plus every package its flows import.
# Written by `etlnb image {{ project }}` from images/Dockerfile.template; edit the template, not this file.
FROM prefecthq/prefect:{{ prefect_version }}-python{{ python_version }}

COPY requirements.txt /opt/etlnb/requirements.txt
RUN pip install --no-cache-dir -r /opt/etlnb/requirements.txt
"""
# What every flow run needs besides the notebooks' imports.
ALWAYS = {
    "prefect": "etlnb (runs the flow: prefect flow-run execute)",
    "prefect-aws": "etlnb (pulls the flow code from S3)",
}
# What a project whose flows run mapped tasks on Dask needs: the flow-run pod and the Dask
# workers must run the same versions (tasks travel between them by pickle).
DASK = {
    "prefect-dask": "task_runner = dask (the flow's DaskTaskRunner)",
    "distributed": "task_runner = dask (Dask client, scheduler and workers)",
    "dask": "task_runner = dask (Dask client, scheduler and workers)",
    "cloudpickle": "task_runner = dask (the flow's functions travel by value)",
}
_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


class ImageError(Exception):
    """A one-line reason no image files were written."""


@dataclass(frozen=True)
class Import:
    module: str  # as written: pandas, google.cloud.storage
    notebook: str
    cell: int
    cell_id: str | None
    line: int
    optional: bool  # inside `try: ... except ImportError`

    @property
    def top(self) -> str:
        return self.module.split(".")[0]

    @property
    def where(self) -> str:
        return f"{Path(self.notebook).name} cell {cell_number(self.cell)}"


def normalize(name: str) -> str:
    """PEP 503 name: what pip compares."""
    return re.sub(r"[-_.]+", "-", name).lower()


# -- which notebooks -------------------------------------------------------------------------------


def _project_of(notebook: Path) -> str:
    from etlnb.analyse.config import load_settings
    from etlnb.analyse.graph import identifier
    from etlnb.analyse.notebook import read_notebook
    from etlnb.pipeline import names_for

    nb = read_notebook(notebook)
    settings = load_settings(notebook, nb.etlnb_metadata)
    return identifier(settings.project) if settings.project else names_for(nb)[0]


def _shorter(path: Path) -> Path:
    """Relative to the current folder when under it: how messages name it."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _notebooks_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.ipynb") if p.is_file())


def resolve_target(target: str, cwd: Path | None = None) -> tuple[str, Path, list[Path]]:
    """(project, folder, notebooks) for a notebook path, a project folder or a project name."""
    from etlnb.local.server import project_root

    path = Path(target)
    if path.is_file():
        project = _project_of(path)
        mates = [p for p in _notebooks_in(path.parent) if p.resolve() != path.resolve()]
        notebooks = sorted([path, *[p for p in mates if _project_of(p) == project]])
        return project, path.parent, notebooks
    if path.suffix == ".ipynb":
        raise ImageError(f"{target}: no such notebook")
    folder = path if path.is_dir() else _shorter(project_root(cwd) / "notebooks" / target)
    if not folder.is_dir():
        raise ImageError(
            f"no notebook or project {target!r}: expected an .ipynb file or a folder under {folder.parent}"
        )
    notebooks = _notebooks_in(folder)
    if not notebooks:
        raise ImageError(f"{folder} holds no notebooks")
    projects = sorted({_project_of(p) for p in notebooks})
    if len(projects) > 1:
        raise ImageError(
            f"the notebooks in {folder} belong to several projects ({', '.join(projects)}): "
            "run etlnb image on a notebook of the one you want"
        )
    return projects[0], folder, notebooks


# -- what they import ------------------------------------------------------------------------------


def _is_optional(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Inside a `try` one of whose handlers catches ImportError (or ModuleNotFoundError)."""
    child, parent = node, parents.get(node)
    while parent is not None:
        if isinstance(parent, ast.Try) and child in parent.body:
            for handler in parent.handlers:
                caught = handler.type
                names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
                if caught is None or any(
                    isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError", "Exception")
                    for n in names
                ):
                    return True
        child, parent = parent, parents.get(parent)
    return False


def collect_imports(notebook: Path) -> list[Import] | None:
    """Absolute imports of the notebook's compiled cells, None if it has no step cell (nothing of it
    is deployed); raises CompileError if a compiled cell cannot be read."""
    from etlnb.analyse.cells import parse_cells
    from etlnb.analyse.diagnostics import has_errors
    from etlnb.analyse.notebook import read_notebook
    from etlnb.analyse.roles import classify

    nb = read_notebook(notebook)
    cells, diagnostics = classify(nb)
    if not any(rc.is_step for rc in cells):
        return None
    parsed, parse_diags = parse_cells(nb.path, cells)
    errors = [d for d in diagnostics + parse_diags if d.severity == "error"]
    if has_errors(errors):
        raise CompileError(errors)
    found: list[Import] = []
    for pc in parsed:
        if not pc.rc.compiled:
            continue  # exploration and sample cells never reach the flow
        for statement in pc.statements:
            parents = {child: node for node in ast.walk(statement.node) for child in ast.iter_child_nodes(node)}
            for node in ast.walk(statement.node):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                optional = _is_optional(node, parents)
                cell = pc.rc.cell
                for module in modules:
                    found.append(Import(module, nb.path, cell.index, cell.id, node.lineno, optional))
    return found


# -- which distributions ---------------------------------------------------------------------------


def _providers(module: str, candidates: list[str]) -> list[str]:
    """The distributions among `candidates` whose files hold `module` (namespace packages: google.*)."""
    if len(candidates) == 1:
        return candidates
    path = module.replace(".", "/")
    package, single = path + "/", path + ".py"
    holding = []
    for name in candidates:
        files = importlib.metadata.distribution(name).files or []
        if any(str(f).startswith(package) or str(f) == single for f in files):
            holding.append(name)
    return holding or candidates


def read_extras(path: Path) -> list[str]:
    """Distribution names, one a line (# comments); pinned like the imports."""
    if not path.is_file():
        return []
    names = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?", line):
            raise ImageError(
                f"{path}:{number}: expected a distribution name, got {line!r} (versions are pinned for you)"
            )
        names.append(line)
    return names


def requirements_for(
    imports: list[Import], extras: tuple[str, list[str]] = ("", [])
) -> tuple[dict[str, tuple[str, set[str]]], list[Import]]:
    """({normalized name: (version, {why})}, imports no installed distribution provides)."""
    providers = importlib.metadata.packages_distributions()
    pinned: dict[str, tuple[str, set[str]]] = {}
    missing: list[Import] = []

    def add(dist: str, why: str) -> None:
        version = importlib.metadata.version(dist)
        key = normalize(dist)
        pinned.setdefault(key, (version, set()))[1].add(why)

    for dist, why in ALWAYS.items():
        try:
            add(dist, why)
        except importlib.metadata.PackageNotFoundError:
            raise ImageError(f"{dist} is not installed here, so its version cannot be pinned") from None
    source, names = extras
    for dist in names:
        try:
            add(dist, source)
        except importlib.metadata.PackageNotFoundError:
            raise ImageError(f"{source}: {dist} is not installed here, so its version cannot be pinned") from None
    for imp in imports:
        if imp.top in sys.stdlib_module_names or imp.top == "__future__":
            continue
        candidates = providers.get(imp.top)
        if not candidates:
            if not imp.optional:
                missing.append(imp)
            continue
        for dist in _providers(imp.module, sorted(set(candidates))):
            add(dist, f"{imp.where} (import {imp.module})")
    return pinned, missing


def dask_requirements(notebooks: list[Path]) -> dict[str, str]:
    """{distribution: why} for the notebooks whose settings run mapped tasks on Dask: prefect-dask and
    Dask itself, plus the distribution of a `dask_cluster_class` (dask_kubernetes.operator.KubeCluster)."""
    from etlnb.analyse.config import load_settings
    from etlnb.analyse.notebook import read_notebook

    needed: dict[str, str] = {}
    providers = importlib.metadata.packages_distributions()
    for notebook in notebooks:
        settings = load_settings(notebook, read_notebook(notebook).etlnb_metadata)
        if settings.task_runner != "dask":
            continue
        needed.update(DASK)
        if settings.dask_cluster_class:
            top = settings.dask_cluster_class.split(".")[0]
            dists = providers.get(top)
            if not dists:
                raise ImageError(
                    f"dask_cluster_class {settings.dask_cluster_class} ({notebook.name}): module `{top}` is not"
                    " installed here, so its version cannot be pinned; install it"
                )
            for dist in _providers(settings.dask_cluster_class.rpartition(".")[0], sorted(set(dists))):
                needed.setdefault(dist, f"dask_cluster_class {settings.dask_cluster_class}")
    return needed


# -- the files -------------------------------------------------------------------------------------


def render_requirements(project: str, notebooks: list[str], pinned: dict[str, tuple[str, set[str]]]) -> str:
    lines = [
        f"# Base image requirements of the etlnb project {project} ({', '.join(notebooks)}):",
        "# every package its flows import, pinned to the version installed where",
        f"# `etlnb image {project}` ran. Generated: run it again after changing the imports.",
    ]
    for name in sorted(pinned):
        version, why = pinned[name]
        lines.append(f"{name}=={version}")
        lines += [f"    # via {reason}" for reason in sorted(why)]
    return "\n".join(lines) + "\n"


def render_dockerfile(template: str, values: dict[str, str], source: str) -> str:
    def value(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            known = ", ".join(sorted(values))
            raise ImageError(f"{source}: unknown placeholder {{{{ {key} }}}} (known: {known})")
        return values[key]

    return _PLACEHOLDER.sub(value, template)


def image_name(project: str) -> str:
    """Docker repository names allow no `_` next to `-`: etlnb-my-project."""
    return "etlnb-" + re.sub(r"[^a-z0-9]+", "-", project.lower()).strip("-")


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def build(target: str) -> tuple[str, Path, str, str]:
    """Write the image files; (project, folder written, image reference, variable name)."""
    from etlnb.analyse.config import load_settings
    from etlnb.analyse.notebook import read_notebook
    from etlnb.local.server import project_root

    project, folder, notebooks = resolve_target(target)
    found = {nb: collect_imports(nb) for nb in notebooks}
    imports = [imp for nb_imports in found.values() for imp in nb_imports or []]
    etl = [nb.name for nb, nb_imports in found.items() if nb_imports is not None]
    if not etl:
        raise ImageError(f"no ETL notebooks in project {project} ({folder}): no cell is tagged as a step")
    root = project_root(folder)
    out = root / "images" / project
    extras = read_extras(out / EXTRAS_NAME)
    pinned, missing = requirements_for(imports, (f"images/{project}/{EXTRAS_NAME}", extras))
    for dist, why in dask_requirements(notebooks).items():
        try:
            version = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            raise ImageError(
                f"{dist} is not installed here (task_runner = dask), so its version cannot be pinned"
            ) from None
        pinned.setdefault(normalize(dist), (version, set()))[1].add(why)
    if missing:
        raise CompileError(
            [
                Diagnostic(
                    "error",
                    f"module `{imp.module}` is not provided by any installed distribution: install it here, "
                    "so the image can pin its version (a local module is not shipped with the flow)",
                    imp.notebook,
                    cell=imp.cell,
                    cell_id=imp.cell_id,
                    line=imp.line,
                )
                for imp in missing
            ]
        )
    template_path = root / "images" / TEMPLATE_NAME
    template = template_path.read_text(encoding="utf-8") if template_path.is_file() else DEFAULT_TEMPLATE
    requirements = render_requirements(project, etl, pinned)
    dockerfile = render_dockerfile(
        template,
        {
            "project": project,
            "prefect_version": pinned["prefect"][0],
            "python_version": f"{sys.version_info.major}.{sys.version_info.minor}",
        },
        str(template_path),
    )
    _write(out / "requirements.txt", requirements)
    _write(out / "Dockerfile", dockerfile)
    # the pins and the Dockerfile decide the image; comments (which cell imports what) do not
    pins = "".join(f"{name}=={version}\n" for name, (version, _) in sorted(pinned.items()))
    tag = hashlib.sha256((pins + "\0" + dockerfile).encode()).hexdigest()[:12]
    first = notebooks[0]
    settings = load_settings(first, read_notebook(first).etlnb_metadata)
    return project, out, f"REGISTRY/{image_name(project)}:{tag}", settings.image_variable_name(project)


def main(target: str) -> int:
    try:
        _, out, image, variable = build(target)
    except ImageError as exc:
        print(f"etlnb image: {exc}", file=sys.stderr)
        return 1
    except CompileError as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic.format().splitlines()[0], file=sys.stderr)
        return 1
    folder = _display(out)
    print(f"wrote {_display(out / 'requirements.txt')} and {_display(out / 'Dockerfile')}")
    print("build and push the image (REGISTRY: your container registry):")
    print(f"  docker build -t {image} {folder} && docker push {image}")
    print(f"then let the project's Kubernetes deployments use it (etlnb deploy reads the variable {variable}):")
    print(f"  prefect variable set {variable} {image} --overwrite")
    return 0
