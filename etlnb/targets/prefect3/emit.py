"""Emit step: flow graph -> Prefect 3 flow script (text). Pure: no I/O."""

from __future__ import annotations

import json
from typing import Any

from etlnb.analyse.graph import FlowGraph, Segment, identifier
from etlnb.targets.common import (
    INDENT,
    EmitOptions,
    flat_literal,
    flow_variable,
    import_section,
    indent_code,
    local_modules_block,
    mapped_task,
    marker,
    module_globals_block,
    rebind_arguments,
    renamed_argument,
    render_literal,
    sample_function,
    sorted_imports,
    step_preamble,
    without_globals,
)

# Prefect refuses a task function with these argument names; `Task.map` takes one more keyword.
# A step input or a mapped task's closure input of such a name becomes `NAME_arg`.
TASK_KEYWORDS = frozenset({"return_state", "wait_for"})
MAP_KEYWORDS = TASK_KEYWORDS | {"deferred"}
PREFECT_NAMES = ("flow", "task", "unmapped", "NO_CACHE", "ThreadPoolTaskRunner", "DaskTaskRunner")


def emit(graph: FlowGraph, sample: dict[str, Any], options: EmitOptions) -> str:
    return _Emitter(graph, sample, options).render()


def python_type(value: Any) -> str:
    """The exact type of a JSON-like literal, so Prefect's validation never changes the value
    (`[1, 0.5]` stays `[1, 0.5]`, `(640, 480)` stays a tuple of two ints)."""
    if value is None:
        return "None"
    if isinstance(value, (bool, int, float, str)):
        return type(value).__name__
    if isinstance(value, list):
        return f"list[{union(python_type(v) for v in value)}]" if value else "list"
    if isinstance(value, tuple):
        return f"tuple[{', '.join(python_type(v) for v in value)}]" if value else "tuple[()]"
    if isinstance(value, (set, frozenset)):
        name = type(value).__name__
        return f"{name}[{union(sorted(python_type(v) for v in value))}]" if value else name
    if isinstance(value, dict):
        if not value:
            return "dict"
        return f"dict[{union(python_type(k) for k in value)}, {union(python_type(v) for v in value.values())}]"
    return "Any"


def union(types: Any) -> str:
    out: list[str] = []
    for t in types:
        for part in _split_union(t):
            if part not in out:
                out.append(part)
    if "None" in out:  # `int | None` reads better than `None | int`
        out.remove("None")
        out.append("None")
    return " | ".join(out)


def _split_union(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += ch == "["
        depth -= ch == "]"
        if depth == 0 and text.startswith(" | ", i):
            parts.append(text[start:i])
            start = i + 3
    parts.append(text[start:])
    return parts


def annotation(default: Any, sample: Any = None, has_sample: bool = False) -> str | None:
    """Flow parameter type: the default's exact type, widened by the sample value's."""
    values = [default] + ([sample] if has_sample else [])
    if all(v is None for v in values):
        return None
    return union(python_type(v) for v in values)


RUN_DIR_ENV = "ETLNB_RUN_DIR"  # a deployed run's working folder (etlnb/targets/prefect3/__init__.py sets it)


class _Emitter:
    def __init__(self, graph: FlowGraph, sample: dict[str, Any], options: EmitOptions):
        self.g = graph
        self.sample = sample
        self.o = options
        self.flow_func = identifier(graph.flow_name) + "_flow"
        self.uses_unmapped = any(s.closure_inputs and s.nested for s in graph.segments)
        # Prefect names the notebook also defines (a helper called `task`) are imported under an alias
        self.alias = {n: f"prefect_{n}" for n in PREFECT_NAMES if n in graph.code_names or n in graph.shared}

    # -- sections ------------------------------------------------------
    def render(self) -> str:
        notebook_imports, module_blocks = import_section(self.g.module_blocks)
        future = "\n".join(self.g.future_imports) + "\n\n" if self.g.future_imports else ""
        if self.o.local_modules:  # the notebook's imports need the notebook's folder on sys.path first
            parts = [self.header() + "\n\n" + future + sorted_imports(self.imports())]
            parts += [
                self.pickle_by_value(),
                local_modules_block(self.o.notebook_dir),
                sorted_imports(notebook_imports),
            ]
        else:
            parts = [self.header() + "\n\n" + future + sorted_imports(self.imports() + notebook_imports)]
            parts.append(self.pickle_by_value())
        # module code in notebook order: a `sys.path` change stays before the import that needs it
        parts += [f"{marker(b)}\n{b.text}" for b in module_blocks]
        if self.g.shared_params:
            parts.append(module_globals_block(self.g.shared_params))
        parts += [self.task(seg) for seg in self.g.segments]
        parts += [self.flow(), self.sample_section()]
        return "\n\n\n".join(p for p in parts if p) + "\n"

    def header(self) -> str:
        return (
            f'"""Prefect flow `{self.g.flow_name}` of project `{self.o.project}`, '
            # the file name is data: escaped, so no quote or backslash in it can end the docstring
            f"compiled by etlnb from {json.dumps(self.o.notebook_name)}.\n\n"
            "Generated code: change the notebook and run `etlnb compile` again.\n"
            "Each block is marked with the notebook cell (index, role, id) and lines it\n"
            "comes from; a traceback line inside a block maps to that cell line.\n"
            '"""'
        )

    def _from_prefect(self, names: list[str]) -> list[str]:
        """isort's layout: plain names on one line, each aliased name on its own line, sorted."""
        plain = [n for n in names if n not in self.alias]
        lines = [f"from prefect import {n} as {self.alias[n]}" for n in names if n in self.alias]
        if plain:
            lines.append(f"from prefect import {', '.join(plain)}")
        return sorted(lines, key=lambda line: line.split(" import ")[1].lower())

    def _imported(self, name: str) -> str:
        return f"{name} as {self.alias[name]}" if name in self.alias else name

    def p(self, name: str) -> str:
        """How the script refers to a Prefect name."""
        return self.alias.get(name, name)

    def imports(self) -> list[str]:
        """The script's own imports; lint.py sorts them with the notebook's into one block."""
        names = ["flow", "task", *(["unmapped"] if self.uses_unmapped else [])]
        # the local-modules block runs before the notebook's own imports: it imports what it uses
        std = ["os", "sys"] if self.o.local_modules else ["os"] if "os" not in self.g.code_names else []
        if self.o.dask is not None and "sys" not in std and "sys" not in self.g.code_names:
            std.append("sys")
        lines = [f"import {m}" for m in std] + self._from_prefect(names)
        lines.append(f"from prefect.cache_policies import {self._imported('NO_CACHE')}")
        if self.o.dask is None:
            lines.append(f"from prefect.task_runners import {self._imported('ThreadPoolTaskRunner')}")
        else:
            if "cloudpickle" not in self.g.code_names:
                lines.append("import cloudpickle")
            lines.append(f"from prefect_dask import {self._imported('DaskTaskRunner')}")
        return lines

    def pickle_by_value(self) -> str:
        """Dask workers get each task's function by pickle. By reference they would import this
        script by module name (`weather`, or Prefect's `__prefect_loader_...__` for an entrypoint),
        which fails where the script is not on sys.path or runs a fresh copy of its globals."""
        if self.o.dask is None:
            return ""
        return (
            "# Dask workers run the mapped tasks. They cannot import this script (it is not installed\n"
            "# there, and Prefect loads it under a generated module name), so cloudpickle sends its\n"
            "# functions and classes by value with each task. The module is registered only when it\n"
            "# is in sys.modules (imported, run from an entrypoint or as __main__).\n"
            "if __name__ in sys.modules:\n"
            f"{INDENT}cloudpickle.register_pickle_by_value(sys.modules[__name__])"
        )

    def var(self, seg: Segment | None, name: str) -> str:
        return flow_variable(self.g, seg, name)

    def task(self, seg: Segment) -> str:
        options = []
        if seg.map is not None and seg.role == "extract" and self.o.extract_retries:
            options += [f"retries={self.o.extract_retries}", f"retry_delay_seconds={self.o.retry_delay_seconds}"]
        # Task results stay in memory: no input hashing, no result persistence.
        options += [f"cache_policy={self.p('NO_CACHE')}", "persist_result=False"]
        decorator = f"@{self.p('task')}({', '.join(options)})"
        if seg.map is not None:
            return mapped_task(
                seg,
                decorator,
                MAP_KEYWORDS,
                lambda n: renamed_argument(n, MAP_KEYWORDS),
                lambda names: rebind_arguments(names, MAP_KEYWORDS, "Prefect's `Task.map`"),
            )
        arguments = ", ".join(renamed_argument(n, TASK_KEYWORDS) for n in seg.inputs)
        lines = [decorator, f"def {seg.key}({arguments}):", *step_preamble(seg)]
        lines += rebind_arguments(seg.inputs, TASK_KEYWORDS, "Prefect's `task`")
        # the marker sits right above the copied lines: `etlnb where` counts from it
        lines += [INDENT + marker(seg.block), indent_code(without_globals(seg))]
        if seg.outputs:
            lines.append(f"{INDENT}return {', '.join(seg.outputs)}")
        return "\n".join(lines)

    def flow(self) -> str:
        params = []
        for p in self.g.params:
            default = render_literal(p.value, INDENT)
            hint = annotation(p.value, self.sample.get(p.name), p.name in self.sample)
            line = f"{INDENT}{p.name}: {hint} = {default}," if hint else f"{INDENT}{p.name}={default},"
            # Prefect shows a list default in its UI; it is passed per run, never mutated (B006).
            # `int | float`, not `float`: pydantic would turn a 1 into 1.0 (PYI041).
            noqa = ["B006"] if isinstance(p.value, (list, dict, set)) else []
            if hint and {"int", "float"} <= set(_split_union(hint)):
                noqa.append("PYI041")
            if noqa:
                first, nl, rest = line.partition("\n")
                line = first + f"  # noqa: {', '.join(noqa)}" + nl + rest
            params.append(line)
        signature = (
            f"def {self.flow_func}(\n" + "\n".join(params) + "\n) -> None:"
            if params
            else f"def {self.flow_func}() -> None:"
        )
        body = [f'{INDENT}"""Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""']
        # a deployed run starts in its stored code's folder: it works where the notebook does instead
        body += [
            f'{INDENT}if "{RUN_DIR_ENV}" in os.environ:  # set by the deployment: never write into stored code',
            f'{INDENT * 2}os.chdir(os.environ["{RUN_DIR_ENV}"])',
        ]
        shared = self.g.shared_params
        if shared:
            values = ", ".join(f"{n}={n}" for n in shared)
            body.append(f"{INDENT}globals().update({values})  # helper functions read these as module globals")
        for seg in self.g.segments:
            if seg.map is not None:
                it = seg.map.iterable  # a module constant is read as such
                iterable = self.var(seg, it) if it in seg.sources else it
                args = [iterable if seg.iterable_is_list else f"list({iterable})"]
                args += [
                    f"{renamed_argument(n, MAP_KEYWORDS)}={self.p('unmapped')}({self.var(seg, n)})"
                    for n in seg.closure_inputs
                ]
                call = f"{seg.key}.map({', '.join(args)}).result()"
            else:
                call = f"{seg.key}({', '.join(self.var(seg, n) for n in seg.inputs)})"
            if seg.outputs:
                body.append(f"{INDENT}{', '.join(self.var(None, n) for n in seg.outputs)} = {call}")
            else:
                body.append(f"{INDENT}{call}")
        if self.o.dask is None:
            decorator = (
                f'@{self.p("flow")}(name="{self.g.flow_name}", log_prints=True,'
                f" task_runner={self.p('ThreadPoolTaskRunner')}())"
            )
        else:
            args = [f"{k}={render_literal(v, INDENT * 2)}" for k, v in self.o.dask.arguments().items()]
            runner = f"{self.p('DaskTaskRunner')}({', '.join(args)})"
            if len(runner) > 90:
                runner = f"{self.p('DaskTaskRunner')}(\n" + "".join(f"{INDENT * 2}{a},\n" for a in args) + f"{INDENT})"
            decorator = (
                f'@{self.p("flow")}(\n{INDENT}name="{self.g.flow_name}",\n{INDENT}log_prints=True,\n'
                f"{INDENT}# mapped steps run on Dask (prefect-dask); the other steps run in the flow's process\n"
                f"{INDENT}task_runner={runner},\n)"
            )
        return decorator + "\n" + signature + "\n" + "\n".join(body)

    def sample_section(self) -> str:
        if self.o.sample_code is not None:
            return self._computed_samples()
        return (
            "# The notebook's sample parameters: its parameters and sample cells, run in order.\n"
            f"SAMPLE_PARAMETERS = {render_literal(self.sample)}\n"
            "# Sample paths are relative to the notebook's folder, as in Jupyter.\n"
            f"NOTEBOOK_DIR = {flat_literal(self.o.notebook_dir)}\n\n\n"
            + self._absolute_paths()
            + "def run_sample() -> None:\n"
            f'{INDENT}"""Run the flow on the sample parameters, from the notebook\'s folder."""\n'
            f"{INDENT}os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))\n"
            f"{INDENT}{self.flow_func}(**{self._sample_call('SAMPLE_PARAMETERS')})\n\n\n"
            'if __name__ == "__main__":\n'
            f"{INDENT}run_sample()"
        )

    def _computed_samples(self) -> str:
        """Sample cells that compute their values run again here: their values (a path, a
        variable read from the environment) are never written into the script."""
        return (
            "# Sample paths are relative to the notebook's folder, as in Jupyter.\n"
            f"NOTEBOOK_DIR = {flat_literal(self.o.notebook_dir)}\n\n\n"
            + sample_function(self.o.sample_code, self.sample)
            + "\n\n\n"
            + self._absolute_paths()
            + "def run_sample() -> None:\n"
            f'{INDENT}"""Run the flow on the sample parameters, from the notebook\'s folder."""\n'
            f"{INDENT}os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))\n"
            f"{INDENT}{self.flow_func}(**{self._sample_call('sample_parameters()')})\n\n\n"
            'if __name__ == "__main__":\n'
            f"{INDENT}run_sample()"
        )

    def _sample_call(self, values: str) -> str:
        return values if self.o.dask is None else f"absolute_sample_paths({values})"

    def _absolute_paths(self) -> str:
        """Dask workers do not run in this process's working directory: on Dask, relative sample
        paths become absolute (the same rule as `etlnb run`, etlnb.targets.flowrun.absolutize)."""
        if self.o.dask is None:
            return ""
        return (
            "def absolute_sample_paths(value):\n"
            f'{INDENT}"""Relative sample paths made absolute: Dask workers run in another working directory.\n'
            f'{INDENT}Paths that exist here, folders (`out/`) and files under a folder (`out/a.csv`)."""\n'
            f"{INDENT}if isinstance(value, list):\n"
            f"{INDENT * 2}return [absolute_sample_paths(v) for v in value]\n"
            f"{INDENT}if isinstance(value, dict):\n"
            f"{INDENT * 2}return {{k: absolute_sample_paths(v) for k, v in value.items()}}\n"
            f'{INDENT}if isinstance(value, str) and value and "://" not in value and not os.path.isabs(value):\n'
            f'{INDENT * 2}in_a_folder = "/" in value.rstrip("/") and bool(os.path.splitext(value)[1])\n'
            f'{INDENT * 2}if os.path.exists(value) or value.endswith("/") or in_a_folder:\n'
            f'{INDENT * 3}return os.path.abspath(value) + ("/" if value.endswith("/") else "")\n'
            f"{INDENT}return value\n\n\n"
        )
