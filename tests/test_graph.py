"""The graph stage, through small notebooks: inputs, outputs, edges, mapping and diagnostics."""

from __future__ import annotations

import pytest

from etlnb.analyse.diagnostics import Diagnostic
from etlnb.analyse.graph import FlowGraph, Segment
from etlnb.analyse.notebook import parse_notebook
from etlnb.pipeline import Analysis, analyse

from .conftest import make_notebook

NOTEBOOK = "tagged_cells_demo.ipynb"  # flow name must not shadow an importable module


def notebook_json(cells: list[tuple[str, list[str]]]) -> str:
    """nbformat-4 JSON text; cells are (source, tags), all code cells, ids c0, c1, ..."""
    return make_notebook(cells)


def run(*cells: tuple[str, list[str]]) -> Analysis:
    return analyse(parse_notebook(notebook_json(list(cells)), NOTEBOOK))


def graph_of(*cells: tuple[str, list[str]]) -> FlowGraph:
    """The graph of a notebook that must analyse without errors."""
    a = run(*cells)
    assert errors(a) == [], [d.format() for d in errors(a)]
    assert a.graph is not None
    return a.graph


def errors(a: Analysis) -> list[Diagnostic]:
    return [d for d in a.diagnostics if d.severity == "error"]


def warnings(a: Analysis) -> list[Diagnostic]:
    return [d for d in a.diagnostics if d.severity == "warning"]


def the_error(a: Analysis) -> Diagnostic:
    errs = errors(a)
    assert len(errs) == 1, [d.format() for d in a.diagnostics]
    return errs[0]


def label(s: Segment) -> str:
    """A segment named by its cell and role (task names are chosen from the data, not the cell index)."""
    if s.map is not None:
        return f"cell{s.cell.cell.index}_map_{s.map.func}"
    return f"cell{s.cell.cell.index}_{s.role}"


def keys(g: FlowGraph) -> list[str]:
    return [label(s) for s in g.segments]


def seg(g: FlowGraph, key: str) -> Segment:
    found = [s for s in g.segments if label(s) == key]
    assert len(found) == 1, (key, keys(g))
    return found[0]


def sources(g: FlowGraph, s: Segment) -> dict[str, str]:
    by_key = {x.key: label(x) for x in g.segments}
    return {n: by_key.get(src, src) for n, src in s.sources.items()}


# -- dataflow between steps -------------------------------------------------


def test_outputs_of_one_step_are_inputs_of_the_next():
    g = graph_of(
        ("raw = [1, 2, 3]\nunused = 0", ["extract"]),
        ("clean = [r * 2 for r in raw]", ["transform"]),
        ("print(clean)", ["load"]),
    )
    assert keys(g) == ["cell0_extract", "cell1_transform", "cell2_load"]
    ext, tr, load = g.segments
    assert ext.inputs == []
    assert ext.outputs == ["raw"]  # `unused` is read by no later step
    assert tr.inputs == ["raw"]
    assert sources(g, tr) == {"raw": "cell0_extract"}
    assert tr.outputs == ["clean"]
    assert load.inputs == ["clean"]
    assert sources(g, load) == {"clean": "cell1_transform"}
    assert load.outputs == []


def test_later_rebinding_is_the_one_a_later_step_reads():
    g = graph_of(
        ("x = 1", ["extract"]),
        ("x = x + 1", ["transform"]),
        ("print(x)", ["load"]),
    )
    assert sources(g, seg(g, "cell1_transform")) == {"x": "cell0_extract"}
    assert sources(g, seg(g, "cell2_load")) == {"x": "cell1_transform"}
    assert seg(g, "cell0_extract").outputs == ["x"]
    assert seg(g, "cell1_transform").outputs == ["x"]


def test_name_read_in_a_branch_that_does_not_bind_it_is_an_input():
    g = graph_of(
        ("reset = False", ["parameters"]),
        ("counts = {'a': 1}", ["extract"]),
        ("if reset:\n    counts = {}\nelse:\n    counts = dict(counts)", ["transform"]),
        ("print(counts)", ["load"]),
    )
    tr = seg(g, "cell2_transform")
    assert tr.inputs == ["reset", "counts"]
    assert sources(g, tr) == {"reset": "param", "counts": "cell1_extract"}
    assert sources(g, seg(g, "cell3_load")) == {"counts": "cell2_transform"}


def test_sample_override_of_a_parameter_keeps_it_a_parameter():
    g = graph_of(
        ("sources = []", ["parameters"]),
        ("sources = ['samples/a.json']", ["sample"]),
        ("n = len(sources)", ["extract"]),
    )
    assert [p.value for p in g.params] == [[]]
    assert sources(g, seg(g, "cell2_extract")) == {"sources": "param"}


def test_builtins_need_no_definition():
    g = graph_of(("n = len(sorted(range(3)))\nprint(n, ValueError, __name__)", ["extract"]))
    assert seg(g, "cell0_extract").inputs == []


def test_imported_and_module_level_names_are_code_not_inputs():
    g = graph_of(
        ("import json\nSEP = ','", ["imports"]),
        ("def fmt(v):\n    return json.dumps(v)", ["functions"]),
        ("s = SEP.join([fmt(1)])", ["extract"]),
    )
    assert seg(g, "cell2_extract").inputs == []


# -- hidden notebook state -------------------------------------------------


def test_step_reading_a_name_only_an_untagged_cell_defines_is_an_error_naming_both_cells():
    a = run(
        ("x = 1", ["parameters"]),
        ("secret = 42", []),
        ("z = x * 2\ny = secret + x", ["extract"]),
    )
    d = the_error(a)
    assert d.cell == 2
    assert d.cell_id == "c2"
    assert d.line == 2
    assert "`secret`" in d.message
    assert "cell 2 [untagged]" in d.message
    assert "hidden state" in d.message


def test_step_reading_a_name_only_a_sample_cell_defines_is_an_error():
    a = run(
        ("sources = []", ["parameters"]),
        ("sources = ['s.json']\nout_dir = 'out/'", ["sample"]),
        ("dest = out_dir + 'x.csv'", ["load"]),
    )
    d = the_error(a)
    assert d.cell == 2
    assert "`out_dir`" in d.message
    assert "cell 2 [sample]" in d.message
    assert "parameters cell" in d.hint


@pytest.mark.parametrize(
    ("parameters", "sample", "name", "line", "example"),
    [
        ("files = ['a.csv']", "files.append('b.csv')", "files", 1, "`files = files + [...]`"),
        ("files = ['a.csv']", "f = files\nf.append('b.csv')", "files", 2, "`files = files + [...]`"),
        ("config = {'a': 1}", "config['k'] = 1", "config", 1, "`config = {**config, ...}`"),
    ],
    ids=["append", "through_an_alias", "dict_item"],
)
def test_sample_cell_changing_a_parameter_in_place_says_to_rebind_it(parameters, sample, name, line, example):
    a = run(
        (parameters, ["parameters"]),
        (sample, ["sample"]),
        (f"n = len({name})\nprint(n)", ["transform"]),
    )
    d = the_error(a)
    first = d.format().splitlines()[0]
    assert first.startswith(f"{NOTEBOOK}: cell 3 (id=c2): line 1: error: hidden state: step reads `{name}`"), first
    assert f"cell 2 [sample] id=c1 changes in place (at its line {line})" in first, first
    # `name` is in the parameters cell already: adding it there is no advice
    assert "add" not in d.hint and "parameters cell" not in d.hint, d.hint
    assert (
        d.hint == f"`{name}` is a parameter: rebind it in the sample cell ({example}) instead of changing it in place"
    )


def test_sample_cell_rebinding_a_parameter_as_the_hint_says_is_fine():
    graph_of(
        ("files = ['a.csv']\nconfig = {'a': 1}", ["parameters"]),
        ("files = files + ['b.csv']\nconfig = {**config, 'k': 1}", ["sample"]),
        ("n = len(files) + len(config)\nprint(n)", ["transform"]),
    )


def test_sample_cell_changing_a_name_that_is_no_parameter_says_to_add_it():
    a = run(
        ("files = ['a.csv']", ["parameters"]),
        ("other = [1]\nother.append(2)", ["sample"]),
        ("n = len(other)\nprint(n)", ["transform"]),
    )
    d = the_error(a)
    first = d.format().splitlines()[0]
    assert first.startswith(f"{NOTEBOOK}: cell 3 (id=c2): line 1: error: hidden state: step reads `other`"), first
    assert "cell 2 [sample] id=c1 defines or changes;" in first, first
    assert d.hint == "sample cells only override parameters: add `other` to the parameters cell"


def test_untagged_cell_redefining_a_step_output_hides_it():
    a = run(
        ("df = [3, 1]", ["extract"]),
        ("df = sorted(df)", []),
        ("print(df)", ["load"]),
    )
    d = the_error(a)
    assert d.cell == 2
    assert "cell 2 [untagged]" in d.message


@pytest.mark.parametrize(
    ("helpers", "call"),
    [
        ("def grow(items):\n    items.append(7)", "grow(xs)"),
        (
            "def grow(items):\n    items.append(7)\n\n\ndef grow_twice(items):\n    grow(items)\n    grow(items)",
            "grow_twice(xs)",
        ),
        ("def fill():\n    xs.append(7)", "fill()"),  # a global the helper changes
    ],
    ids=["argument", "transitively", "global"],
)
def test_untagged_cell_calling_a_helper_that_changes_step_data_hides_it(helpers, call):
    """Found by tests/test_prefect1_properties.py: `xs.append(7)` in an exploration cell was hidden
    state, `grow(xs)` (a notebook helper that appends) was not, and the flow loaded `[0]` where
    the notebook loaded `[7, 0]`."""
    a = run(
        (helpers, ["functions"]),
        ("xs = [1]", ["extract"]),
        (call, []),
        ("xs.append(0)", ["transform"]),
    )
    d = the_error(a)
    assert d.cell == 3 and "hidden state" in d.message and "cell 3 [untagged]" in d.message


def test_untagged_cell_calling_a_helper_that_only_reads_is_exploration():
    g = graph_of(
        ("def show(items):\n    print(len(items))", ["functions"]),
        ("xs = [1]", ["extract"]),
        ("show(xs)", []),
        ("xs.append(0)", ["transform"]),
    )
    assert [s.key for s in g.segments] == ["extract_xs", "transform"]


def test_untagged_cell_showing_a_frame_on_its_last_line_does_not_hide_it():
    g = graph_of(
        ("df = {'a': 1}", ["extract"]),
        ("df.keys()", []),
        ("n = len(df)", ["load"]),
    )
    assert sources(g, seg(g, "cell2_load")) == {"df": "cell0_extract"}


def test_name_nothing_defines_is_an_error_with_cell_and_line():
    a = run(
        ("a = 1", ["extract"]),
        ("b = a\nc = 2\nd = undefined_thing + b", ["transform"]),
    )
    d = the_error(a)
    assert d.cell == 1
    assert d.line == 3
    assert "`undefined_thing`" in d.message
    assert "no earlier tagged cell defines it" in d.message


def test_name_defined_only_by_a_later_step_is_an_error():
    a = run(
        ("y = x + 1", ["extract"]),
        ("x = 1", ["extract"]),
    )
    d = the_error(a)
    assert d.cell == 0
    assert "`x`" in d.message


def test_reading_a_name_a_previous_step_deleted_is_an_error():
    a = run(
        ("x = [1]\ny = 2", ["extract"]),
        ("n = len(x)\ndel x", ["transform"]),
        ("print(x, y)", ["load"]),
    )
    d = the_error(a)
    assert d.cell == 2
    assert "`x`" in d.message
    assert "deleted by cell 2 [transform]" in d.message


def test_step_that_only_deletes_an_earlier_output_receives_it():
    # `del raw` in the task body needs `raw` there, or the flow fails with NameError
    g = graph_of(
        ("raw = [1, 2]\nn = len(raw)", ["extract"]),
        ("del raw", ["transform"]),
        ("print(n)", ["load"]),
    )
    tr = seg(g, "cell1_transform")
    assert tr.inputs == ["raw"]
    assert sources(g, tr) == {"raw": "cell0_extract"}


def test_display_in_a_step_is_an_ipython_only_error():
    a = run(
        ("df = [1]", ["extract"]),
        ("n = len(df)\ndisplay(df)", ["transform"]),
    )
    d = the_error(a)
    assert (d.cell, d.line) == (1, 2)
    assert "`display`" in d.message
    assert "only exists inside IPython" in d.message


# -- functions carry their reads -------------------------------------------


def test_function_reading_hidden_state_is_an_error_naming_function_name_and_cells():
    a = run(
        ("n = 3", []),
        ("def helper(v):\n    return v * n", ["functions"]),
        ("x = 1\ny = helper(x)", ["extract"]),
    )
    d = the_error(a)
    assert (d.cell, d.line) == (2, 2)
    assert "helper()" in d.message
    assert "`n`" in d.message
    assert "cell 1 [untagged]" in d.message


def test_function_reading_a_sample_only_name_is_an_error():
    a = run(
        ("n = 3", ["sample"]),
        ("def helper(v):\n    return v * n", ["functions"]),
        ("y = helper(2)", ["extract"]),
    )
    d = the_error(a)
    assert d.cell == 2
    assert "helper()" in d.message
    assert "cell 1 [sample]" in d.message


def test_function_defined_only_in_an_untagged_cell_is_hidden_state():
    a = run(
        ("def helper(v):\n    return v", []),
        ("y = helper(2)", ["extract"]),
    )
    d = the_error(a)
    assert d.cell == 1
    assert "`helper`" in d.message
    assert "cell 1 [untagged]" in d.message


# -- mutation and ordering ----------------------------------------------------


def test_calling_a_module_function_in_an_untagged_cell_does_not_hide_the_module():
    # `pd.set_option(...)` does not write `pd`: pd stays the imports cell's code
    g = graph_of(
        ("import pandas as pd", ["imports"]),
        ("pd.set_option('display.max_rows', 10)\nx = 1", []),
        ("df = pd.DataFrame()", ["extract"]),
    )
    assert seg(g, "cell2_extract").inputs == []


# -- mapping -------------------------------------------------------------------

MAP_BASE = [
    ("sources = ['a', 'b']", ["parameters"]),
    ("def extract(s):\n    return s", ["functions"]),
]


def _not_mapped(line: str) -> FlowGraph:
    g = graph_of(*MAP_BASE, (line, ["extract"]))
    assert keys(g) == ["cell2_extract"]
    assert seg(g, "cell2_extract").map is None
    return g


def test_comprehension_with_if_is_not_mapped():
    _not_mapped("raw = [extract(s) for s in sources if s]")


def test_comprehension_with_two_fors_is_not_mapped():
    _not_mapped("raw = [extract(s) for s in sources for t in s]")


def test_comprehension_calling_a_builtin_is_not_mapped():
    _not_mapped("raw = [len(s) for s in sources]")


def test_comprehension_over_an_expression_is_not_mapped():
    _not_mapped("raw = [extract(s) for s in sources[1:]]")
    _not_mapped("raw = [extract(s) for s in list(sources)]")


def test_comprehension_with_extra_arguments_or_other_shape_is_not_mapped():
    _not_mapped("raw = [extract(s, 1) for s in sources]")
    _not_mapped("raw = {extract(s) for s in sources}")
    _not_mapped("raw = [extract(s.strip()) for s in sources]")


def test_comprehension_calling_an_untagged_function_is_not_mapped():
    a = run(
        ("sources = ['a']", ["parameters"]),
        ("def extract(s):\n    return s", []),
        ("raw = [extract(s) for s in sources]", ["extract"]),
    )
    assert a.graph is not None
    assert [s.map for s in a.graph.segments] == [None]
    assert "cell 2 [untagged]" in the_error(a).message


def test_a_comprehension_whose_helper_writes_a_global_runs_in_order():
    """Mapped calls would run at once (and a failed item again): the line runs in order instead."""
    g = graph_of(
        ("sources = ['a']\ncount = 0", ["parameters"]),
        ("def extract(s):\n    global count\n    count += 1\n    return s", ["functions"]),
        ("x = 1\nraw = [extract(s) for s in sources]", ["extract"]),
    )
    assert all(s.map is None for s in g.segments)


def test_a_comprehension_whose_helper_changes_step_data_runs_in_order():
    g = graph_of(
        ("sources = ['a']", ["parameters"]),
        ("seen = []", ["extract"]),
        ("def extract(s):\n    seen.append(s)\n    return s", ["functions"]),
        ("raw = [extract(s) for s in sources]", ["extract"]),
    )
    assert all(s.map is None for s in g.segments)


def test_mapped_function_calling_a_module_function_as_a_statement_is_fine():
    # time is code, not data: `time.sleep(...)` does not change a global
    g = graph_of(
        ("import time", ["imports"]),
        ("sources = ['a']", ["parameters"]),
        ("def extract(s):\n    time.sleep(0)\n    return s", ["functions"]),
        ("raw = [extract(s) for s in sources]", ["extract"]),
    )
    assert seg(g, "cell3_map_extract").map is not None


# -- hoisting ----------------------------------------------------------------


def test_definition_between_statements_is_hoisted_out_of_the_task():
    g = graph_of(
        ("a = 1\ndef f(v):\n    return v + 1\nb = f(a)", ["extract"]),
        ("print(b)", ["load"]),
    )
    step = seg(g, "cell0_extract")
    assert "def f" not in step.block.text
    assert "a = 1" in step.block.text
    assert "b = f(a)" in step.block.text
    assert [b.text for b in g.module_blocks] == ["def f(v):\n    return v + 1"]


def test_cell_with_only_definitions_makes_no_task():
    g = graph_of(
        ("def f(v):\n    return v", ["transform"]),
        ("x = f(1)", ["extract"]),
    )
    assert keys(g) == ["cell1_extract"]


# -- cell-level errors and warnings -----------------------------------------


def test_conflicting_role_tags_is_an_error():
    a = run(
        ("x = 1", ["extract", "load"]),
        ("y = 2", ["transform"]),
    )
    d = the_error(a)
    assert d.cell == 0
    assert "conflicting role tags" in d.message
    assert "extract" in d.message and "load" in d.message


def test_parameters_cell_with_non_literal_is_an_error_naming_the_line():
    a = run(
        ("a = 1\nx = f()\n", ["parameters"]),
        ("y = a", ["extract"]),
    )
    d = the_error(a)
    assert d.cell == 0
    assert d.line == 2
    assert "`x`" in d.message
    assert "not a literal" in d.message


def test_parameters_cell_with_other_code_is_an_error():
    a = run(
        ("a = 1\nprint(a)", ["parameters"]),
        ("y = a", ["extract"]),
    )
    d = the_error(a)
    assert (d.cell, d.line) == (0, 2)


def test_syntax_error_in_a_compiled_cell_names_the_line():
    a = run(("a = 1\nb = (\nc = 2", ["extract"]))
    d = the_error(a)
    assert d.cell == 0
    assert d.line == 2
    assert d.message.startswith("syntax error")


def test_syntax_error_in_an_untagged_cell_is_ignored():
    a = run(
        ("this is not python", []),
        ("a = 1", ["extract"]),
    )
    assert errors(a) == []


def test_shell_escape_and_magic_in_a_step_are_errors_with_lines():
    a = run(("a = 1\n!ls\n%timeit a + 1", ["extract"]))
    errs = errors(a)
    assert [(d.cell, d.line) for d in errs] == [(0, 2), (0, 3)]
    assert "`!ls`" in errs[0].message
    assert "`%timeit a + 1`" in errs[1].message
    assert all("cannot run in a flow" in d.message for d in errs)


def test_top_level_return_in_a_step_is_an_error():
    a = run(("a = 1\nreturn a", ["extract"]))
    d = the_error(a)
    assert (d.cell, d.line) == (0, 2)
    assert "return" in d.message


def test_star_import_in_a_step_is_an_error():
    a = run(("from os.path import *\na = join('x', 'y')", ["extract"]))
    d = the_error(a)
    assert (d.cell, d.line) == (0, 1)
    assert "star import" in d.message
    assert "os.path" in d.message


def test_star_import_in_an_untagged_cell_is_not_an_error():
    a = run(
        ("from os.path import *", []),
        ("a = 1", ["extract"]),
    )
    assert errors(a) == []


def test_notebook_without_step_cells_is_an_error():
    a = run(("x = 1", ["parameters"]), ("y = 2", []))
    d = the_error(a)
    assert "no step cells" in d.message


# -- faithful execution: order, effects, helper globals, hoisting ------------


def test_steps_run_one_after_another_in_notebook_order():
    g = graph_of(
        ("a = [1]", ["extract"]),
        ("b = [2]", ["extract"]),
        ("c = a + b", ["transform"]),
    )
    assert [s.after for s in g.segments] == [[], [g.segments[0].key], [g.segments[1].key]]


def test_task_names_come_from_role_and_data_not_the_cell_index():
    g = graph_of(
        ("raw = [1]", ["extract"]),
        ("total = sum(raw)", ["transform"]),
        ("print(total)", ["load"]),
        ("print(total)", ["load"]),
    )
    assert [s.key for s in g.segments] == ["extract_raw", "transform_total", "load", "load_2"]


def test_parameters_get_exact_types_later_in_emit_and_bytes_are_refused():
    g = graph_of(("sources = ['a.json']\nlimit: int = 10", ["parameters"]), ("raw = sources[:limit]", ["extract"]))
    assert [(p.name, p.value, p.line) for p in g.params] == [("sources", ["a.json"], 1), ("limit", 10, 2)]
    assert sources(g, g.segments[0]) == {"sources": "param", "limit": "param"}
    d = the_error(run(("blob = b'x'", ["parameters"]), ("x = blob", ["extract"])))
    assert "bytes" in d.message and d.line == 1
    graph_of(("names = {'a', 'b'}", ["parameters"]), ("x = names", ["extract"]))  # a JSON list, typed set[str]


def test_parameter_set_in_two_cells_is_refused():
    d = the_error(run(("n = 1", ["parameters"]), ("n = 2", ["parameters"]), ("x = n", ["extract"])))
    assert "already defined" in d.message and d.cell == 1


def test_sample_cell_after_a_step_changing_a_parameter_is_refused():
    a = run(("n = 1", ["parameters"]), ("x = n", ["extract"]), ("n = 2", ["sample"]), ("y = x + n", ["transform"]))
    d = the_error(a)
    assert d.cell == 2 and "after step cells" in d.message


def test_in_place_change_of_an_input_is_returned_to_later_readers():
    g = graph_of(
        ("rows = [{'a': 1}]", ["extract"]),
        ("for r in rows:\n    r['b'] = 2", ["transform"]),
        ("print(rows)", ["load"]),
    )
    tr = g.segments[1]
    assert tr.mutates == {"rows"} and tr.outputs == ["rows"]
    assert sources(g, g.segments[2]) == {"rows": "cell1_transform"}


def test_helper_that_changes_its_argument_changes_the_callers_data():
    g = graph_of(
        ("def add_total(rows):\n    for r in rows:\n        r['t'] = 1", ["functions"]),
        ("rows = [{'a': 1}]", ["extract"]),
        ("add_total(rows)", ["transform"]),
        ("print(rows)", ["load"]),
    )
    assert g.segments[1].mutates == {"rows"}


def test_alias_through_a_subscript_changes_the_container():
    g = graph_of(
        ("config = {'db': {'host': 'a'}}", ["extract"]),
        ("db = config['db']\ndb['host'] = 'x'", ["transform"]),
        ("print(config)", ["load"]),
    )
    assert "config" in g.segments[1].mutates


def test_names_helpers_read_are_module_globals_set_by_the_flow_or_the_steps():
    g = graph_of(
        ("threshold = 2", ["parameters"]),
        ("def keep(v):\n    return v > threshold", ["functions"]),
        ("rows = [1, 2, 3]", ["extract"]),
        ("threshold = 1\nkept = [v for v in rows if keep(v)]", ["transform"]),
    )
    assert g.shared == ["threshold"]
    assert g.shared_params == ["threshold"]
    assert g.segments[1].global_names == ["threshold"]
    assert "threshold" not in g.segments[1].inputs


def test_helper_global_counter_is_a_module_global():
    g = graph_of(
        ("counter = 0\ndef bump():\n    global counter\n    counter += 1", ["functions"]),
        ("bump()\nbump()\nn = counter", ["transform"]),
    )
    assert "counter" in g.shared


def test_def_whose_default_reads_a_parameter_stays_in_its_task():
    g = graph_of(
        ("threshold = 2", ["parameters"]),
        ("def keep(v, t=threshold):\n    return v > t\nout = [v for v in [1, 3] if keep(v)]", ["transform"]),
    )
    assert g.module_blocks == []
    assert "def keep" in g.segments[0].block.text


def test_constant_computed_from_a_parameter_in_a_functions_cell_runs_as_a_task():
    g = graph_of(
        ("base = 'http://x'", ["parameters"]),
        ("API = base + '/v1'\ndef url(p):\n    return API + p", ["functions"]),
        ("u = url('/a')", ["extract"]),
    )
    assert [s.role for s in g.segments] == ["functions", "extract"]
    assert "API" in g.shared


def test_helper_redefined_differently_is_refused_identical_repeat_is_fine():
    d = the_error(
        run(
            ("def parse(x):\n    return int(x)", ["functions"]),
            ("a = parse('1')", ["extract"]),
            ("def parse(x):\n    return float(x)\nb = parse('2')", ["extract"]),
        )
    )
    assert d.cell == 2 and "defined again" in d.message
    graph_of(("import json", ["imports"]), ("import json\na = json.dumps(1)", ["extract"]))


def test_module_constant_rebound_by_a_step_comes_in_as_an_input():
    g = graph_of(("COLUMNS = ['a']", ["imports"]), ("COLUMNS = COLUMNS + ['x']", ["transform"]))
    assert g.segments[0].inputs == ["COLUMNS"] and g.segments[0].sources == {"COLUMNS": "module"}


def test_exploration_that_only_looks_is_not_hidden_state():
    graph_of(
        ("import pandas as pd", ["imports"]),
        ("df = pd.DataFrame({'a': [1]})\nraw = [{'k': 1}]", ["extract"]),
        ("df.info()\nraw[0].keys()\ndf.head()", []),
        ("n = len(df) + len(raw)", ["transform"]),
    )


def test_probing_for_a_name_with_except_name_error_is_accepted():
    g = graph_of(("try:\n    cache\nexcept NameError:\n    cache = {}\ncache['a'] = 1", ["transform"]))
    assert "cache" in g.shared


def test_conditional_delete_is_not_a_delete_and_optional_import_is_fine():
    graph_of(
        ("drop_raw = False", ["parameters"]),
        ("raw = [1]", ["extract"]),
        ("if drop_raw:\n    del raw", ["transform"]),
        ("try:\n    import fastjson\nexcept ImportError:\n    fastjson = None\nprint(raw, fastjson)", ["load"]),
    )


def test_mapped_helper_drawing_random_numbers_or_appending_to_a_file_runs_in_order():
    g = graph_of(
        ("import random", ["imports"]),
        ("def jitter(x):\n    return x + random.random()", ["functions"]),
        ("def log(x):\n    with open('log.txt', 'a') as f:\n        f.write(str(x))\n    return x", ["functions"]),
        ("def double(x):\n    return 2 * x", ["functions"]),
        (
            "xs = [1, 2]\nys = [jitter(x) for x in xs]\nzs = [log(x) for x in xs]\nws = [double(x) for x in xs]",
            ["extract"],
        ),
    )
    assert [s.map.func for s in g.segments if s.map] == ["double"]


def test_chained_assignment_binds_one_object_to_both_names():
    g = graph_of(("a = b = []", ["extract"]), ("a.append(1)", ["transform"]), ("print(b)", ["load"]))
    assert "b" in g.segments[1].mutates


@pytest.mark.parametrize(
    ("helper", "mapped"),
    [
        ("def work(x):\n    time.sleep(0.01)\n    log.info('item %s', x)\n    return x * 2", True),
        ("def work(x):\n    LOG.append(x)\n    return x * 2", False),  # lands in completion order
        ("def work(x):\n    CALLS['n'] += 1\n    return x * 2", False),  # a retry would count twice
        ("def work(x):\n    x['seen'] = True\n    return 1", False),  # changes its item
        ("def work(x):\n    return helper(x)\n\n\ndef helper(x):\n    LOG.append(x)\n    return x", False),
    ],
)
def test_a_mapped_line_fans_out_only_when_its_helper_has_no_effects(helper, mapped):
    graph = graph_of(
        ("import logging\nimport time\n\nLOG = []\nCALLS = {'n': 0}\nlog = logging.getLogger('etl')", ["imports"]),
        (helper, ["functions"]),
        ("items = [{'a': 1}, {'a': 2}]", ["extract"]),
        ("out = [work(i) for i in items]", ["transform"]),
    )
    assert any(s.map is not None for s in graph.segments) is mapped
