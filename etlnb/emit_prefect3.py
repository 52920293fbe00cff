"""Emit step: flow graph -> Prefect 3 flow script (text). Pure: no I/O."""

from __future__ import annotations

import io
import math
import tokenize
from dataclasses import dataclass
from typing import Any

from etlnb.graph import Block, FlowGraph, Segment, identifier

INDENT = "    "


@dataclass(frozen=True)
class EmitOptions:
    notebook_name: str  # file name, for the header
    project: str
    notebook_dir: str  # notebook folder relative to the script's folder
    extract_retries: int = 2
    retry_delay_seconds: int = 10


def emit(graph: FlowGraph, sample: dict[str, Any], options: EmitOptions) -> str:
    return _Emitter(graph, sample, options).render()


def render_literal(value: Any, indent: str = "") -> str:
    """A Python literal for JSON-like data; long values are spread over lines."""
    flat = _flat(value)
    if len(indent) + len(flat) <= 80 or not isinstance(value, (list, tuple, dict)) or not value:
        return flat
    inner = indent + INDENT
    if isinstance(value, dict):
        items = [f"{inner}{_flat(k)}: {render_literal(v, inner)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + f"\n{indent}}}"
    items = [f"{inner}{render_literal(v, inner)}," for v in value]
    open_, close = ("[", "]") if isinstance(value, list) else ("(", ")")
    return open_ + "\n" + "\n".join(items) + f"\n{indent}{close}"


def _flat(value: Any) -> str:
    if isinstance(value, str):
        text = repr(value)
        if text.startswith("'") and '"' not in value:
            text = '"' + text[1:-1] + '"'
        return text
    if isinstance(value, float) and not math.isfinite(value):
        return f'float("{value}")'
    if isinstance(value, (bool, int, float, bytes)) or value is None:
        return repr(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_flat(k)}: {_flat(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flat(v) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + ", ".join(_flat(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, (set, frozenset)):
        if not value:
            return "set()"
        return "{" + ", ".join(sorted(_flat(v) for v in value)) + "}"
    raise TypeError(f"cannot render {type(value).__name__} as a literal")


def indent_code(text: str, prefix: str = INDENT) -> str:
    """Indent code without touching lines inside multi-line strings."""
    lines = text.split("\n")
    inside: set[int] = set()  # 0-based lines that continue a string token
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text + "\n").readline):
            if tok.type == tokenize.STRING and tok.end[0] > tok.start[0]:
                inside.update(range(tok.start[0], tok.end[0]))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return "\n".join(line if (i in inside or not line.strip()) else prefix + line for i, line in enumerate(lines))


def param_name(seg: Segment, name: str) -> str:
    """A task input that is also a module global in the task (`global x`) needs another parameter name."""
    return f"{name}_in" if name in seg.declare_global else name


def marker(block: Block) -> str:
    rc = block.cell
    ident = f" id={rc.cell.id}" if rc.cell.id else ""
    ranges = block.ranges or ((block.start, block.end),)
    spans = [f"{a}" if a == b else f"{a}-{b}" for a, b in ranges]
    lines = ("line " if len(ranges) == 1 and ranges[0][0] == ranges[0][1] else "lines ") + ", ".join(spans)
    return f"# cell {rc.cell.index} [{rc.role}]{ident}, {lines}"


class _Emitter:
    def __init__(self, graph: FlowGraph, sample: dict[str, Any], options: EmitOptions):
        self.g = graph
        self.sample = sample
        self.o = options
        self.flow_func = identifier(graph.flow_name) + "_flow"
        self.var: dict[tuple[str, str], str] = {}  # (producer key, name) -> flow variable
        self._name_variables()
        self.uses_unmapped = any(s.map and s.publish for s in graph.segments)
        self.uses_any = any(p.annotation and "Any" in p.annotation for p in graph.params)

    def _name_variables(self) -> None:
        producers: dict[str, int] = {}
        params = {p.name for p in self.g.params}
        for seg in self.g.segments:
            for name in seg.outputs:
                producers[name] = producers.get(name, 0) + 1
        for seg in self.g.segments:
            for name in seg.outputs:
                unique = producers[name] == 1 and name not in params
                self.var[(seg.key, name)] = name if unique else f"{name}_{seg.key}"

    def input_var(self, seg: Segment, name: str) -> str:
        source = seg.sources[name]
        return name if source == "param" else self.var[(source, name)]

    def future_var(self, seg: Segment) -> str:
        if seg.map is not None or len(seg.outputs) == 1:
            return self.var[(seg.key, seg.outputs[0])] if seg.outputs else f"{seg.key}_run"
        return f"{seg.key}_out" if seg.outputs else f"{seg.key}_run"

    # -- sections ------------------------------------------------------
    def render(self) -> str:
        parts = [self.header() + "\n\n" + self.imports()]
        parts += [f"{marker(b)}\n{b.text}" for b in self.g.module_blocks if b.is_import]
        parts += [f"{marker(b)}\n{b.text}" for b in self.g.module_blocks if not b.is_import]
        parts.append(self.published_globals())
        parts += [self.task(seg) for seg in self.g.segments]
        parts += [self.flow(), self.sample_section()]
        return "\n\n\n".join(p for p in parts if p) + "\n"

    def published_globals(self) -> str:
        names = sorted({n for s in self.g.segments for n in s.publish + s.declare_global})
        if not names:
            return ""
        return (
            "# Notebook values that helper functions read as globals. Each task that\n"
            "# calls those functions sets them from its own inputs before running.\n"
            + "\n".join(f"{n} = None" for n in names)
        )

    def header(self) -> str:
        return (
            f'"""Prefect flow `{self.g.flow_name}` of project `{self.o.project}`, '
            f"compiled by etlnb from {self.o.notebook_name}.\n\n"
            "Generated code: change the notebook and run `etlnb compile` again.\n"
            "Each block is marked with the notebook cell (index, role, id) and lines it\n"
            "comes from; a traceback line inside a block maps to that cell line.\n"
            '"""'
        )

    def imports(self) -> str:
        names = ["flow", "task"] + (["unmapped"] if self.uses_unmapped else [])
        lines = []
        if self.uses_any:
            lines += ["from typing import Any", ""]
        lines += [
            f"from prefect import {', '.join(names)}",
            "from prefect.cache_policies import NO_CACHE",
            "from prefect.task_runners import ThreadPoolTaskRunner",
            "",
            "# isort: split",
        ]
        return "\n".join(lines)

    def task(self, seg: Segment) -> str:
        options = []
        if seg.map is not None and seg.role == "extract" and self.o.extract_retries:
            options += [f"retries={self.o.extract_retries}", f"retry_delay_seconds={self.o.retry_delay_seconds}"]
        # Task results stay in memory: no input hashing, no result persistence.
        options += ["cache_policy=NO_CACHE", "persist_result=False"]
        decorator = f"@task({', '.join(options)})"
        if seg.map is not None:
            m = seg.map
            args = [m.item, *seg.publish]
            body = []
            if seg.publish:
                body.append(self._publish(seg))
            body.append(f"return {m.func}({m.item})")
            source_line = seg.block.text.split("\n")[-1].strip()
            mark = marker(seg.block)
            # the ": ..." suffix tells `etlnb where` that this wrapper runs that one line
            head = (
                f"{mark}: {source_line}" if len(mark) + len(source_line) < 86 else f"{mark}: mapped over {m.iterable}"
            )
            return f"{head}\n{decorator}\ndef {seg.key}({', '.join(args)}):\n" + "\n".join(INDENT + b for b in body)
        lines = [decorator, f"def {seg.key}({', '.join(param_name(seg, n) for n in seg.inputs)}):"]
        if seg.declare_global:
            lines.append(f"{INDENT}global {', '.join(seg.declare_global)}  # read by helper functions")
        if seg.publish or any(n in seg.declare_global for n in seg.inputs):
            lines.append(INDENT + self._publish(seg))
        # the marker sits right above the copied lines: `etlnb where` counts from it
        lines += [INDENT + marker(seg.block), indent_code(seg.block.text)]
        if seg.outputs:
            lines.append(f"{INDENT}return {', '.join(seg.outputs)}")
        return "\n".join(lines)

    @staticmethod
    def _publish(seg: Segment) -> str:
        names = [n for n in seg.inputs if n in seg.declare_global] + [
            n for n in seg.publish if n not in seg.declare_global
        ]
        values = ", ".join(f"{n}={param_name(seg, n)}" for n in dict.fromkeys(names))
        return f"globals().update({values})  # helper functions read these as globals"

    def flow(self) -> str:
        params = []
        for p in self.g.params:
            default = render_literal(p.value, INDENT)
            line = f"{INDENT}{p.name}: {p.annotation} = {default}," if p.annotation else f"{INDENT}{p.name}={default},"
            if isinstance(p.value, (list, dict, set)):
                # Prefect shows the default in its UI; it is passed per run, never mutated.
                first, nl, rest = line.partition("\n")
                line = first + "  # noqa: B006" + nl + rest
            params.append(line)
        signature = (
            f"def {self.flow_func}(\n" + "\n".join(params) + "\n) -> None:"
            if params
            else f"def {self.flow_func}() -> None:"
        )
        body = [f'{INDENT}"""Steps start as soon as their inputs are ready; independent steps run concurrently."""']
        unpacked: set[str] = set()
        futures: list[str] = []
        for seg in self.g.segments:
            for name in seg.inputs:
                source = seg.sources[name]
                if source != "param" and source not in unpacked:
                    producer = self.g.segment(source)
                    if producer.map is None and len(producer.outputs) > 1:
                        targets = ", ".join(self.var[(source, n)] for n in producer.outputs)
                        body.append(f"{INDENT}{targets} = {self.future_var(producer)}.result()")
                        unpacked.add(source)
            wait = [self.future_var(self.g.segment(k)) for k in seg.after]
            wait_arg = f"wait_for=[{', '.join(wait)}]" if wait else ""
            target = self.future_var(seg)
            futures.append(target)
            if seg.map is not None:
                args = [self.input_var(seg, seg.map.iterable)]
                args += [f"{n}=unmapped({self.input_var(seg, n)})" for n in seg.publish]
            else:
                args = [f"{param_name(seg, n)}={self.input_var(seg, n)}" for n in seg.inputs]
            if wait_arg:
                args.append(wait_arg)
            method = "map" if seg.map is not None else "submit"
            body.append(f"{INDENT}{target} = {seg.key}.{method}({', '.join(args)})")
        body += [
            "",
            f"{INDENT}# A failed step fails the run: wait for every step, in notebook order.",
            f"{INDENT}for future in [{', '.join(futures)}]:",
            f"{INDENT * 2}future.result()",
        ]
        decorator = f'@flow(name="{self.g.flow_name}", log_prints=True, task_runner=ThreadPoolTaskRunner())'
        return decorator + "\n" + signature + "\n" + "\n".join(body)

    def sample_section(self) -> str:
        return (
            "# The notebook's sample parameters: its parameters and sample cells, run in order.\n"
            f"SAMPLE_PARAMETERS = {render_literal(self.sample)}\n"
            "# Sample paths are relative to the notebook's folder, as in Jupyter.\n"
            f"NOTEBOOK_DIR = {_flat(self.o.notebook_dir)}\n\n\n"
            "def run_sample() -> None:\n"
            f'{INDENT}"""Run the flow on the sample parameters, from the notebook\'s folder."""\n'
            f"{INDENT}import os\n\n"
            f"{INDENT}os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))\n"
            f"{INDENT}{self.flow_func}(**SAMPLE_PARAMETERS)\n\n\n"
            'if __name__ == "__main__":\n'
            f"{INDENT}run_sample()"
        )
