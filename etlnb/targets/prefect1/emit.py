"""Emit step for `--target prefect1`: flow graph -> Prefect 1 flow script (text). Pure: no I/O.

The script is what a Prefect 1 engineer writes by hand: `with Flow(...)`, `Parameter`s,
tasks with `.map`, S3 (or Local) script storage, `KubernetesRun` (or `LocalRun`), an executor.
The faithful-execution rules are the Prefect 3 emitter's: the same verbatim blocks and
markers, steps in notebook order (Prefect 1 builds a graph, so each step waits for the one
before it through `upstream_tasks`), mapped lines as `.map`, module globals helpers read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from etlnb.analyse.diagnostics import CompileError, Diagnostic
from etlnb.analyse.graph import FlowGraph, Segment
from etlnb.deploy.storage import VERSION_PLACEHOLDER, S3Storage
from etlnb.targets import common
from etlnb.targets.common import INDENT, EmitOptions, flat_literal, render_literal

# Names the script defines or imports at module level; a notebook name that is one of them
# makes the script use `etlnb_<name>` instead.
SCRIPT_NAMES = (
    "Flow", "Parameter", "task", "unmapped", "prefect", "timedelta", "S3", "Local", "KubernetesRun", "LocalRun",
    "LocalDaskExecutor", "LocalExecutor", "DaskExecutor", "Schedule", "CronClock", "IntervalClock", "SCRIPT_PATH", "base_image",
    "build_flow", "flow", "set_module_globals", "as_list", "as_notebook_types", "restore_types",
)  # fmt: skip


# Prefect 1 refuses tasks with these argument names (its `Task.__call__` keywords)
RESERVED_ARGS = frozenset({"upstream_tasks", "mapped", "task_args", "flow"})


def arg(name: str) -> str:
    return common.renamed_argument(name, RESERVED_ARGS)


def rebind(names: list[str], indent: str = INDENT) -> list[str]:
    return common.rebind_arguments(names, RESERVED_ARGS, "Prefect 1", indent)


@dataclass(frozen=True)
class Prefect1Options(EmitOptions):
    settings: Any = None  # etlnb.analyse.config.Settings: storage, image, pool type, executor, schedule
    # the script's own version, written into a versioned S3 key (etlnb.deploy.storage.seal: the
    # script is hashed with the placeholder, then emitted again with its version)
    version: str = VERSION_PLACEHOLDER


def emit(graph: FlowGraph, sample: dict[str, Any], options: EmitOptions) -> str:
    return _Emitter(graph, sample, options).render()


def s3_location(storage: str | None) -> tuple[str, str] | None:
    """(bucket, prefix) of an s3:// storage URL; None for a local folder."""
    if not storage or not storage.startswith("s3://"):
        return None
    bucket, _, prefix = storage[len("s3://") :].partition("/")
    return bucket, prefix.strip("/")


def versioned_key(settings: Any) -> bool:
    """Whether the script's S3 key names its version: {prefix}/{project}/{flow}/{version}/{flow}.py.

    With the fixed key {prefix}/{project}/{flow}.py, every `prefect build` overwrites the one
    object that runs of *all* registered flow versions load, so a run of an older version (a
    scheduled run, a retry, a rollback) executes the newest code. A versioned key gives each
    registered flow version its own immutable script (and makes rollback possible)."""
    return getattr(settings, "storage_key", "fixed") == "versioned" and s3_location(settings.storage) is not None


def s3_key(settings: Any, project: str, flow: str, version: str) -> str:
    """The S3 key of a Prefect 1 script: fixed, or under its version (etlnb.deploy.storage's layout)."""
    location = s3_location(settings.storage)
    assert location is not None
    bucket, prefix = location
    if versioned_key(settings):
        return S3Storage(bucket, prefix, None).key(project, flow, version, f"{flow}.py")
    return "/".join(p for p in (prefix, project, f"{flow}.py") if p)


def image_env_var(project: str) -> str:
    """`{PROJECT}_BASE_IMAGE`: the environment variable that names the project's base image."""
    return re.sub(r"[^A-Z0-9_]", "_", project.upper()) + "_BASE_IMAGE"


class _Emitter:
    def __init__(self, graph: FlowGraph, sample: dict[str, Any], options: EmitOptions):
        self.g = graph
        self.sample = sample
        self.o = options
        self.s = getattr(options, "settings", None)
        taken = set(graph.code_names) | set(graph.shared) | {p.name for p in graph.params}
        taken |= {s.key for s in graph.segments} | {n for s in graph.segments for n in s.outputs}
        self.alias = {n: f"etlnb_{n}" for n in SCRIPT_NAMES if n in taken}
        self.globals_arg = "module_globals"  # a step's argument carrying them (Dask: steps run in other processes)
        while any(self.globals_arg in s.inputs for s in graph.segments):
            self.globals_arg += "_"
        self.needs_list = any(s.map is not None and not s.iterable_is_list for s in graph.segments)
        self.typed = [p.name for p in graph.params if json_changes(p.value)]
        self.uses_unmapped = any(s.map is not None for s in graph.segments)

    def n(self, name: str) -> str:
        """How the script refers to one of its own names."""
        return self.alias.get(name, name)

    def setting(self, name: str, default: Any = None) -> Any:
        # task_runner and dask_* come with the Dask settings: read them whether or not they exist yet
        return getattr(self.s, name, default) if self.s is not None else default

    def _import(self, module: str, names: list[str]) -> str:
        return f"from {module} import " + ", ".join(f"{n} as {self.alias[n]}" if n in self.alias else n for n in names)

    # -- sections ------------------------------------------------------
    def _refuse_on_dask(self) -> None:
        """On Dask every Prefect 1 task may run in another process: a module global one step
        rebinds would not reach the helpers another step calls. Refused, never silently different."""
        if not self.dask:
            return
        for seg in self.g.segments:
            if seg.global_names:
                rc = seg.cell
                raise CompileError(
                    [
                        Diagnostic(
                            "error",
                            f"step rebinds the module global `{seg.global_names[0]}` that helper functions read;"
                            " with task_runner = dask every Prefect 1 task may run in another process, so later"
                            " steps would not see it",
                            self.g.notebook,
                            rc.cell.index,
                            rc.cell.id,
                            seg.block.start,
                            hint='use task_runner = "threads" for --target prefect1, or pass the value to the'
                            " function as an argument",
                        )
                    ]
                )

    def render(self) -> str:
        self._refuse_on_dask()
        notebook_imports, module_blocks = common.import_section(self.g.module_blocks)
        future = "\n".join(self.g.future_imports) + "\n\n" if self.g.future_imports else ""
        if self.o.local_modules:  # the notebook's imports need the notebook's folder on sys.path first
            parts = [self.header() + "\n\n" + future + common.sorted_imports(self.imports())]
            parts += [common.local_modules_block(self.o.notebook_dir), common.sorted_imports(notebook_imports)]
        else:
            parts = [self.header() + "\n\n" + future + common.sorted_imports(self.imports() + notebook_imports)]
        parts += [f"{common.marker(b)}\n{b.text}" for b in module_blocks]
        if self.g.shared_params:
            parts.append(common.module_globals_block(self.g.shared_params))
            values = ", ".join(f"{n}={arg(n)}" for n in self.g.shared_params)
            parts.append(
                f"@{self.n('task')}(checkpoint=False)\n"
                f"def {self.n('set_module_globals')}({', '.join(arg(n) for n in self.g.shared_params)}):\n"
                f'{INDENT}"""Set the notebook values helper functions read as module globals."""\n'
                f"{INDENT}globals().update({values})"
                + (
                    f"\n{INDENT}return {{{', '.join(f'{common.flat_literal(n)}: {arg(n)}' for n in self.g.shared_params)}}}"
                    "  # steps set them again where they run"
                    if self.dask
                    else ""
                )
            )
        if self.typed:
            parts.append(self.restore_types())
        if self.needs_list:
            parts.append(
                f"@{self.n('task')}(checkpoint=False)\n"
                f"def {self.n('as_list')}(values):\n"
                f'{INDENT}"""A mapped line iterates its value, as the notebook\'s comprehension did."""\n'
                f"{INDENT}return list(values)"
            )
        parts += [self.task(seg) for seg in self.g.segments]
        parts += [self.deployment(), self.flow(), self.sample_section()]
        return "\n\n\n".join(p for p in parts if p) + "\n"

    def restore_types(self) -> str:
        fn = self.n("as_notebook_types")
        return (
            f"def {fn}(value, like):\n"
            f'{INDENT}"""Prefect 1 passes parameters as JSON: tuples and sets arrive as lists, dict keys as\n'
            f"{INDENT}strings. This gives `value` back the types of the notebook's value `like`, as Prefect 3's\n"
            f'{INDENT}typed parameters do."""\n'
            f"{INDENT}if isinstance(like, (tuple, list, set, frozenset)) and isinstance(value, list):\n"
            f"{INDENT * 2}items = list(like) or [None]\n"
            f"{INDENT * 2}restored = [{fn}(v, items[min(i, len(items) - 1)]) for i, v in enumerate(value)]\n"
            f"{INDENT * 2}return restored if isinstance(like, list) else type(like)(restored)\n"
            f"{INDENT}if isinstance(like, dict) and isinstance(value, dict):\n"
            f"{INDENT * 2}keys = {{str(k): k for k in like}}\n"
            f"{INDENT * 2}return {{keys.get(k, k): {fn}(v, like.get(keys.get(k, k))) for k, v in value.items()}}\n"
            f"{INDENT}return value\n\n\n"
            f'{self.n("restore_types")} = {self.n("task")}({fn}, checkpoint=False, name="restore_types")'
        )

    def header(self) -> str:
        return (
            f'"""Prefect 1 flow `{self.g.flow_name}` of project `{self.o.project}`, '
            f"compiled by etlnb from {_doc_text(self.o.notebook_name)}.\n\n"
            "Generated code: change the notebook and run `etlnb compile --target prefect1` again.\n"
            "Each block is marked with the notebook cell (index, role, id) and lines it\n"
            "comes from; a traceback line inside a block maps to that cell line.\n"
            "Register it with Prefect 1's CLI: `prefect register -p THIS_FILE --project PROJECT`.\n"
            '"""'
        )

    def imports(self) -> list[str]:
        """The script's own imports; lint.py sorts them with the notebook's into one block."""
        lines = []
        # the local-modules block runs before the notebook's own imports: it imports what it uses
        std = ["os", "sys"] if self.o.local_modules else ["os"] if "os" not in self.g.code_names else []
        stdlib = [f"import {m}" for m in std]
        if self.uses_retries or self.schedule_clock == "IntervalClock":
            stdlib.append(self._import("datetime", ["timedelta"]))
        lines += stdlib
        if self.kubernetes:  # base_image() reads Prefect's context and config
            lines.append(
                "import prefect" if "prefect" not in self.alias else f"import prefect as {self.alias['prefect']}"
            )
        lines.append(
            self._import(
                "prefect",
                [
                    "Flow",
                    *(["Parameter"] if self.g.params else []),
                    "task",
                    *(["unmapped"] if self.uses_unmapped else []),
                ],
            )
        )
        lines.append(self._import("prefect.executors", [self.executor_class]))
        lines.append(self._import("prefect.run_configs", [self.run_config_class]))
        if self.schedule_clock:
            lines.append(self._import("prefect.schedules", ["Schedule"]))
            lines.append(self._import("prefect.schedules.clocks", [self.schedule_clock]))
        lines.append(self._import("prefect.storage", ["S3" if self.s3 else "Local"]))
        return lines

    @property
    def uses_retries(self) -> bool:
        return bool(self.o.extract_retries) and any(s.map is not None and s.role == "extract" for s in self.g.segments)

    @property
    def s3(self) -> tuple[str, str] | None:
        return s3_location(self.setting("storage"))

    @property
    def kubernetes(self) -> bool:
        return self.setting("work_pool_type") == "kubernetes"

    @property
    def run_config_class(self) -> str:
        return "KubernetesRun" if self.kubernetes else "LocalRun"

    @property
    def dask(self) -> bool:
        return self.setting("task_runner", "threads") == "dask"

    @property
    def executor_class(self) -> str:
        if self.dask:
            return "DaskExecutor"
        # Nothing fans out: every step runs in the flow's own thread, as in the notebook, so a
        # thread-bound value (a sqlite3 connection) one step makes works in the next. With
        # mapped steps, Dask's thread pool runs all tasks (README "Prefect 1").
        return "LocalDaskExecutor" if self.uses_unmapped else "LocalExecutor"

    @property
    def schedule_clock(self) -> str | None:
        schedule = self.setting("schedule")
        if schedule is None or schedule == "":
            return None
        return "IntervalClock" if isinstance(schedule, int) else "CronClock"

    def var(self, seg: Segment | None, name: str) -> str:
        return common.flow_variable(self.g, seg, name)

    def task(self, seg: Segment) -> str:
        options = []
        if seg.map is not None and seg.role == "extract" and self.o.extract_retries:
            options += [
                f"max_retries={self.o.extract_retries}",
                f"retry_delay={self.n('timedelta')}(seconds={self.o.retry_delay_seconds})",
            ]
        if seg.map is None and len(seg.outputs) > 1:
            options.append(f"nout={len(seg.outputs)}")
        # Results stay in memory (no checkpointing to the storage's bucket); prints go to the run's log.
        options += ["checkpoint=False", "log_stdout=True"]
        decorator = f"@{self.n('task')}({', '.join(options)})"
        if seg.map is not None:
            return common.mapped_task(seg, decorator, RESERVED_ARGS, arg, rebind)
        refresh = self.dask and bool(self.g.shared_params)
        params = [*(arg(n) for n in seg.inputs), *([self.globals_arg] if refresh else [])]
        lines = [decorator, f"def {seg.key}({', '.join(params)}):", *rebind(seg.inputs)]
        if refresh:
            lines.append(f"{INDENT}globals().update({self.globals_arg})  # this step may run in another process")
        lines += common.step_preamble(seg)
        lines += [INDENT + common.marker(seg.block), common.indent_code(common.without_globals(seg))]
        if seg.outputs:
            lines.append(f"{INDENT}return {', '.join(seg.outputs)}")
        return "\n".join(lines)

    # -- where the flow lives and runs ----------------------------------
    def deployment(self) -> str:
        project = self.o.project
        variable = self.s.image_variable_name(project) if self.s is not None else f"{project}_base_image"
        env = image_env_var(project)
        lines = [
            "# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it",
            "# again from storage without one (and needs no local path then).",
            f'{self.n("SCRIPT_PATH")} = globals().get("__file__")',
        ]
        if self.s is not None and versioned_key(self.s):
            lines[2:2] = [
                "# Its S3 key names this script's version (its content hash): each registered flow",
                "# version loads its own script, never one a later registration wrote.",
            ]
        if not self.kubernetes:  # LocalRun: the agent's own environment, no image
            return "\n".join(lines)
        configured = self.setting("image")
        lines += [
            "",
            "",
            f"def {self.n('base_image')}() -> str | None:",
            f'{INDENT}"""The project\'s base image, resolved when the flow is built or registered (never when a',
            f"{INDENT}run loads this script: its run config was registered with the image): ${env}, else",
            f"{INDENT}`image` in Prefect's context, else the KV store key `{variable}` (Prefect Cloud).",
            f'{INDENT}"""',
        ]
        if configured:
            lines.insert(-1, f"{INDENT}The project's config names it: {_doc_text(configured)[1:-1]}.")
        prefect = self.n("prefect")
        lines += [
            f'{INDENT}if not {prefect}.context.get("loading_flow") or {prefect}.context.get("flow_run_id"):',
            f"{INDENT * 2}return None",
        ]
        if configured:
            lines.append(f"{INDENT}return {flat_literal(configured)}")
        else:
            lines += [
                f'{INDENT}image = os.environ.get("{env}") or {prefect}.context.get("image")',
                f"{INDENT}if image:",
                f"{INDENT * 2}return image",
                f'{INDENT}if {prefect}.config.backend == "cloud":',
                f"{INDENT * 2}from prefect.backend import get_key_value",
                "",
                f"{INDENT * 2}return get_key_value({flat_literal(variable)})",
                f"{INDENT}return None",
            ]
        return "\n".join(lines)

    def storage(self) -> str:
        if self.s3:
            bucket, _ = self.s3
            key = s3_key(self.s, self.o.project, self.g.flow_name, getattr(self.o, "version", VERSION_PLACEHOLDER))
            args = [f"bucket={flat_literal(bucket)}", f"key={flat_literal(key)}", "stored_as_script=True"]
            args.append(f"local_script_path={self.n('SCRIPT_PATH')}")
            endpoint = self.setting("s3_endpoint_url")
            if endpoint:
                args.append(f"client_options={{{flat_literal('endpoint_url')}: {flat_literal(endpoint)}}}")
            return f"{self.n('S3')}({', '.join(args)})"
        return f"{self.n('Local')}(path={self.n('SCRIPT_PATH')}, stored_as_script=True)"

    def run_config(self) -> str:
        labels = list(self.setting("tags", ()) or ())
        args = [f"image={self.n('base_image')}()"] if self.kubernetes else []
        if labels:
            args.append(f"labels={flat_literal(labels)}")
        return f"{self.n(self.run_config_class)}({', '.join(args)})"

    def executor(self) -> str:
        if self.executor_class == "LocalExecutor":
            return f"{self.n('LocalExecutor')}()"
        if not self.dask:
            return f'{self.n("LocalDaskExecutor")}(scheduler="threads")'
        address = self.setting("dask_address")
        if address:
            return f"{self.n('DaskExecutor')}(address={flat_literal(address)})"
        args = []
        cluster = self.setting("dask_cluster_class")
        if cluster:
            args.append(f"cluster_class={flat_literal(cluster)}")
        kwargs = self.setting("dask_cluster_kwargs")
        if kwargs:
            args.append(f"cluster_kwargs={render_literal(dict(kwargs), INDENT * 2)}")
        adapt = {
            k: v
            for k, v in (("minimum", self.setting("dask_adapt_min")), ("maximum", self.setting("dask_adapt_max")))
            if v is not None
        }
        if adapt:
            args.append(f"adapt_kwargs={flat_literal(adapt)}")
        return f"{self.n('DaskExecutor')}({', '.join(args)})"

    def schedule(self) -> str | None:
        clock = self.schedule_clock
        if clock is None:
            return None
        value = self.setting("schedule")
        arg = f"{self.n('timedelta')}(seconds={value})" if clock == "IntervalClock" else flat_literal(value)
        return f"{self.n('Schedule')}(clocks=[{self.n(clock)}({arg})])"

    def flow(self) -> str:
        used = {p.name for p in self.g.params} | {self.var(None, n) for s in self.g.segments for n in s.outputs}
        name = "flow"
        while name in used or name in self.g.code_names:
            name += "_"
        args = [
            flat_literal(self.g.flow_name),
            f"storage={self.storage()}",
            f"run_config={self.run_config()}",
            f"executor={self.executor()}",
        ]
        if (schedule := self.schedule()) is not None:
            args.append(f"schedule={schedule}")
        head = (
            f"{INDENT}with {self.n('Flow')}(\n" + "".join(f"{INDENT * 2}{a},\n" for a in args) + f"{INDENT}) as {name}:"
        )
        body = []
        for p in self.g.params:
            default = f"default={render_literal(p.value, INDENT * 3)}"
            body.append(_assign(p.name, self.n("Parameter"), [flat_literal(p.name), default]))
            if p.name in self.typed:
                body.append(f"{INDENT * 2}{p.name} = {self.n('restore_types')}({p.name}, like={p.name}.default)")
        previous: str | None = None  # the step before: every step waits for it (notebook order)
        shared_values = ""
        # builder variables still holding a Parameter, and those a step is called with
        live, read = {p.name for p in self.g.params}, set(self.g.shared_params)
        if self.g.shared_params:
            previous = self.globals_arg
            while previous in used or previous in self.g.code_names:
                previous += "_"
            shared_values = previous
            body.append(f"{INDENT * 2}{previous} = {self.n('set_module_globals')}({', '.join(self.g.shared_params)})")
        for seg in self.g.segments:
            if seg.map is not None:
                it = seg.map.iterable
                iterable = self.var(seg, it) if it in seg.sources else it
                if not seg.iterable_is_list:
                    iterable = f"{self.n('as_list')}({iterable})"
                args = [iterable]
                args += [f"{arg(n)}={self.n('unmapped')}({self.var(seg, n)})" for n in seg.closure_inputs]
                read |= live & {it if it in seg.sources else "", *(self.var(seg, n) for n in seg.closure_inputs)}
                if previous is not None:  # all of the step before, not item by item
                    args.append(f"upstream_tasks=[{self.n('unmapped')}({previous})]")
                func = f"{seg.key}.map"
            else:
                inputs = [self.var(seg, n) for n in seg.inputs]
                read |= live & set(inputs)
                args = list(inputs)
                if self.dask and shared_values:
                    args.append(shared_values)
                    inputs.append(shared_values)
                if previous is not None and previous not in inputs:
                    args.append(f"upstream_tasks=[{previous}]")
                func = seg.key
            last = seg is self.g.segments[-1]
            if seg.outputs:
                names = [self.var(None, n) for n in seg.outputs]
                live -= set(names)
                previous = names[0]
                body.append(_assign(", ".join(names), func, args))
            else:  # the last step's handle is not needed (ruff would flag an unused name)
                previous = f"{seg.key}_done"
                body.append(_assign(None if last else previous, func, args))
        # Prefect 1 adds a task to the flow when a step is called with it: a parameter no step
        # reads must be added itself, or flow.run(parameters=...) and deployed runs refuse it
        # (restore_types(...) is called with its parameter, so that one is in the flow already)
        unread = [p.name for p in self.g.params if p.name not in read and p.name not in self.typed]
        at = len(self.g.params) + len(self.typed)  # right after the Parameters, before a step rebinds the name
        body[at:at] = [f"{INDENT * 2}{name}.add_task({n})" for n in unread]
        if not self.g.segments and not self.g.params:
            body.append(f"{INDENT * 2}pass")
        return (
            f"def {self.n('build_flow')}() -> {self.n('Flow')}:\n"
            f'{INDENT}"""Steps run one at a time, in notebook order (each waits for the one before it);\n'
            f'{INDENT}mapped steps fan out over the executor."""\n'
            + head
            + "\n"
            + "\n".join(body)
            + f"\n{INDENT}return {name}\n\n\n"
            + f"{self.n('flow')} = {self.n('build_flow')}()"
        )

    def sample_section(self) -> str:
        run = (
            "def run_sample() -> None:\n"
            f'{INDENT}"""Run the flow on the sample parameters, from the notebook\'s folder (no server needed)."""\n'
            f"{INDENT}os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))\n"
            f"{INDENT}state = {self.n('flow')}.run(parameters={{params}}, run_on_schedule=False)\n"
            f"{INDENT}raise SystemExit(0 if state.is_successful() else 1)\n\n\n"
            'if __name__ == "__main__":\n'
            f"{INDENT}run_sample()"
        )
        code = self.o.sample_code
        if code is None:
            return (
                "# The notebook's sample parameters: its parameters and sample cells, run in order.\n"
                f"SAMPLE_PARAMETERS = {render_literal(self.sample)}\n"
                "# Sample paths are relative to the notebook's folder, as in Jupyter.\n"
                f"NOTEBOOK_DIR = {flat_literal(self.o.notebook_dir)}\n\n\n"
                + run.replace("{params}", "SAMPLE_PARAMETERS")
            )
        return (
            "# Sample paths are relative to the notebook's folder, as in Jupyter.\n"
            f"NOTEBOOK_DIR = {flat_literal(self.o.notebook_dir)}\n\n\n"
            + common.sample_function(code, self.sample)
            + "\n\n\n"
            + run.replace("{params}", "sample_parameters()")
        )


def json_changes(value: Any) -> bool:
    """Whether JSON would change this value's types: a tuple or set, or a dict key that is no string."""
    if isinstance(value, (tuple, set, frozenset)):
        return True
    if isinstance(value, list):
        return any(json_changes(v) for v in value)
    if isinstance(value, dict):
        return any(not isinstance(k, str) or json_changes(v) for k, v in value.items())
    return False


def _assign(target: str | None, func: str, args: list[str]) -> str:
    """`target = func(args)` in the flow builder; one argument per line when it gets long."""
    lead = f"{INDENT * 2}{target} = " if target else INDENT * 2
    flat = f"{lead}{func}({', '.join(args)})"
    if len(flat) <= 100 and "\n" not in flat:
        return flat
    inner = "".join(f"{INDENT * 3}{a},\n" for a in args)
    return f"{lead}{func}(\n{inner}{INDENT * 2})"


def _doc_text(text: str) -> str:
    """Text inside the module docstring: JSON-escaped, so no quote or backslash can end it."""
    import json

    return json.dumps(text)
