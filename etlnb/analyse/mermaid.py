"""The step graph as Mermaid flowchart text (JupyterLab renders it natively)."""

from __future__ import annotations

from etlnb.analyse.diagnostics import cell_number
from etlnb.analyse.graph import FlowGraph


def mermaid(graph: FlowGraph) -> str:
    lines = ["flowchart TD"]
    if graph.params:
        names = ", ".join(p.name for p in graph.params)
        lines.append(f'    params[/"parameters: {names}"/]')
    for seg in graph.segments:
        label = f"{seg.key}<br/>cell {cell_number(seg.cell.cell.index)} [{seg.role}]"
        if seg.map is not None:
            label += f"<br/>map {seg.map.func}() over {seg.map.iterable}"
            lines.append(f'    {seg.key}[["{label}"]]')
        else:
            lines.append(f'    {seg.key}["{label}"]')
    for seg in graph.segments:
        by_source: dict[str, list[str]] = {}
        for name in seg.inputs:
            by_source.setdefault(seg.sources[name], []).append(name)
        for source, names in by_source.items():
            node = "params" if source == "param" else source
            lines.append(f'    {node} -->|"{", ".join(names)}"| {seg.key}')
        for key in seg.after:  # steps run in notebook order; drawn where no data edge shows it
            if key not in by_source:
                lines.append(f"    {key} -.->|then| {seg.key}")
    return "\n".join(lines)
