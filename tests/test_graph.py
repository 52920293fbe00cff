"""The graph stage, through small notebooks: inputs, outputs, edges, mapping and diagnostics."""

from __future__ import annotations

from etlnb.diagnostics import Diagnostic
from etlnb.graph import FlowGraph, Segment
from etlnb.notebook import parse_notebook
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


def keys(g: FlowGraph) -> list[str]:
    return [s.key for s in g.segments]


def seg(g: FlowGraph, key: str) -> Segment:
    return g.segment(key)


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
    assert tr.sources == {"raw": "cell0_extract"}
    assert tr.outputs == ["clean"]
    assert load.inputs == ["clean"]
    assert load.sources == {"clean": "cell1_transform"}
    assert load.outputs == []


def test_later_rebinding_is_the_one_a_later_step_reads():
    g = graph_of(
        ("x = 1", ["extract"]),
        ("x = x + 1", ["transform"]),
        ("print(x)", ["load"]),
    )
    assert seg(g, "cell1_transform").sources == {"x": "cell0_extract"}
    assert seg(g, "cell2_load").sources == {"x": "cell1_transform"}
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
    assert tr.sources == {"reset": "param", "counts": "cell1_extract"}
    assert seg(g, "cell3_load").sources == {"counts": "cell2_transform"}


def test_parameters_become_inputs_from_param():
    g = graph_of(
        ("sources = ['a.json', 'b.json']\nlimit: int = 10", ["parameters"]),
        ("raw = sources[:limit]", ["extract"]),
    )
    assert [(p.name, p.value, p.annotation, p.line) for p in g.params] == [
        ("sources", ["a.json", "b.json"], "list[str]", 1),
        ("limit", 10, "int", 2),
    ]
    step = seg(g, "cell1_extract")
    assert step.inputs == ["sources", "limit"]
    assert step.sources == {"sources": "param", "limit": "param"}


def test_sample_override_of_a_parameter_keeps_it_a_parameter():
    g = graph_of(
        ("sources = []", ["parameters"]),
        ("sources = ['samples/a.json']", ["sample"]),
        ("n = len(sources)", ["extract"]),
    )
    assert [p.value for p in g.params] == [[]]
    assert seg(g, "cell2_extract").sources == {"sources": "param"}


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


def test_independent_extract_steps_have_no_edge():
    g = graph_of(
        ("a = [1]", ["extract"]),
        ("b = [2]", ["extract"]),
        ("print(a, b)", ["load"]),
    )
    a, b, load = g.segments
    assert a.inputs == b.inputs == []
    assert a.after == b.after == []
    assert load.sources == {"a": "cell0_extract", "b": "cell1_extract"}
    assert load.after == []


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
    assert "cell 1 [untagged]" in d.message
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
    assert "cell 1 [sample]" in d.message
    assert "parameters cell" in d.hint


def test_step_reading_a_name_only_a_skip_cell_defines_is_an_error():
    a = run(
        ("w = 5", ["skip"]),
        ("n = w", ["extract"]),
    )
    d = the_error(a)
    assert d.cell == 1
    assert "`w`" in d.message
    assert "cell 0 [skip]" in d.message


def test_untagged_cell_redefining_a_step_output_hides_it():
    a = run(
        ("df = [3, 1]", ["extract"]),
        ("df = sorted(df)", []),
        ("print(df)", ["load"]),
    )
    d = the_error(a)
    assert d.cell == 2
    assert "cell 1 [untagged]" in d.message


def test_untagged_cell_showing_a_frame_on_its_last_line_does_not_hide_it():
    g = graph_of(
        ("df = {'a': 1}", ["extract"]),
        ("df.keys()", []),
        ("n = len(df)", ["load"]),
    )
    assert seg(g, "cell2_load").sources == {"df": "cell0_extract"}


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
    assert "deleted by cell 1 [transform]" in d.message


def test_step_that_only_deletes_an_earlier_output_receives_it():
    # `del raw` in the task body needs `raw` there, or the flow fails with NameError
    g = graph_of(
        ("raw = [1, 2]\nn = len(raw)", ["extract"]),
        ("del raw", ["transform"]),
        ("print(n)", ["load"]),
    )
    tr = seg(g, "cell1_transform")
    assert tr.inputs == ["raw"]
    assert tr.sources == {"raw": "cell0_extract"}


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


def test_helper_function_reading_a_parameter_makes_it_an_input_and_published():
    g = graph_of(
        ("rate = 0.5", ["parameters"]),
        ("def scale(v):\n    return v * rate", ["functions"]),
        ("out = scale(10)", ["transform"]),
    )
    step = seg(g, "cell2_transform")
    assert step.inputs == ["rate"]
    assert step.sources == {"rate": "param"}
    assert step.publish == ["rate"]


def test_function_reads_are_carried_through_two_functions():
    g = graph_of(
        ("n = 3", ["parameters"]),
        ("def inner(v):\n    return v * n", ["functions"]),
        ("def outer(v):\n    return inner(v) + 1", ["functions"]),
        ("y = outer(2)", ["extract"]),
    )
    step = seg(g, "cell3_extract")
    assert step.inputs == ["n"]
    assert step.publish == ["n"]
    assert step.function_reads == {"n": "inner"}


def test_function_reading_a_step_output_gets_it_from_that_step():
    g = graph_of(
        ("lookup = {'a': 1}", ["extract"]),
        ("def code_of(k):\n    return lookup[k]", ["functions"]),
        ("codes = [code_of(k) for k in ['a']]\nprint(codes)", ["transform"]),
    )
    step = seg(g, "cell2_transform")
    assert step.inputs == ["lookup"]
    assert step.sources == {"lookup": "cell0_extract"}
    assert step.publish == ["lookup"]
    assert seg(g, "cell0_extract").outputs == ["lookup"]


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
    assert "cell 0 [untagged]" in d.message


def test_function_reading_a_sample_only_name_is_an_error():
    a = run(
        ("n = 3", ["sample"]),
        ("def helper(v):\n    return v * n", ["functions"]),
        ("y = helper(2)", ["extract"]),
    )
    d = the_error(a)
    assert d.cell == 2
    assert "helper()" in d.message
    assert "cell 0 [sample]" in d.message


def test_function_defined_only_in_an_untagged_cell_is_hidden_state():
    a = run(
        ("def helper(v):\n    return v", []),
        ("y = helper(2)", ["extract"]),
    )
    d = the_error(a)
    assert d.cell == 1
    assert "`helper`" in d.message
    assert "cell 0 [untagged]" in d.message


# -- mutation and ordering ----------------------------------------------------


def test_later_step_mutating_an_object_an_earlier_concurrent_step_reads_waits_for_it():
    g = graph_of(
        ("df = {}", ["extract"]),
        ("total = len(df)", ["transform"]),
        ("df['a'] = 1", ["transform"]),
        ("print(df, total)", ["load"]),
    )
    reader, writer = seg(g, "cell1_transform"), seg(g, "cell2_transform")
    assert reader.after == []
    assert writer.after == ["cell1_transform"]
    assert writer.inputs == ["df"]
    assert seg(g, "cell0_extract").outputs == ["df"]
    assert writer.outputs == ["df"]
    assert seg(g, "cell3_load").sources == {"df": "cell2_transform", "total": "cell1_transform"}


def test_inplace_method_call_is_a_write_that_orders_after_readers():
    g = graph_of(
        ("import pandas as pd", ["imports"]),
        ("df = pd.DataFrame({'a': [1, None]})", ["extract"]),
        ("n = len(df)", ["transform"]),
        ("df.dropna(inplace=True)", ["transform"]),
        ("print(df, n)", ["load"]),
    )
    assert seg(g, "cell3_transform").after == ["cell2_transform"]
    assert seg(g, "cell4_load").sources == {"df": "cell3_transform", "n": "cell2_transform"}


def test_mutating_a_parameter_orders_after_its_readers():
    g = graph_of(
        ("sources = ['a']", ["parameters"]),
        ("n = len(sources)", ["extract"]),
        ("sources.append('b')", ["extract"]),
        ("print(sources, n)", ["load"]),
    )
    assert seg(g, "cell2_extract").after == ["cell1_extract"]
    assert seg(g, "cell3_load").sources == {"sources": "cell2_extract", "n": "cell1_extract"}


def test_mutation_through_a_called_function_orders_after_readers():
    g = graph_of(
        ("cache = {}", ["extract"]),
        ("n = len(cache)", ["transform"]),
        ("def remember(v):\n    cache[v] = 1", ["functions"]),
        ("remember(3)", ["transform"]),
        ("print(cache, n)", ["load"]),
    )
    writer = seg(g, "cell3_transform")
    assert writer.after == ["cell1_transform"]
    assert writer.inputs == ["cache"]
    assert seg(g, "cell4_load").sources == {"cache": "cell3_transform", "n": "cell1_transform"}


def test_rebinding_is_not_a_mutation_and_adds_no_edge():
    g = graph_of(
        ("df = [3, 1]", ["extract"]),
        ("n = len(df)", ["transform"]),
        ("df = sorted(df)", ["transform"]),
    )
    assert seg(g, "cell2_transform").after == []


def test_calling_a_module_function_as_a_statement_in_a_step_does_not_make_the_module_data():
    g = graph_of(
        ("import pandas as pd", ["imports"]),
        ("a = pd.DataFrame()", ["extract"]),
        ("pd.concat([a])\nb = 1", ["transform"]),
        ("pd.concat([a])\nc = 2", ["transform"]),
        ("d = pd.DataFrame([b, c])", ["load"]),
    )
    t1, t2, load = seg(g, "cell2_transform"), seg(g, "cell3_transform"), seg(g, "cell4_load")
    assert "pd" not in t1.inputs + t1.outputs + t2.inputs + t2.outputs + load.inputs
    assert t2.after == []
    assert load.sources == {"b": "cell2_transform", "c": "cell3_transform"}


def test_calling_a_module_function_in_an_untagged_cell_does_not_hide_the_module():
    # `pd.set_option(...)` does not write `pd`: pd stays the imports cell's code
    g = graph_of(
        ("import pandas as pd", ["imports"]),
        ("pd.set_option('display.max_rows', 10)\nx = 1", []),
        ("df = pd.DataFrame()", ["extract"]),
    )
    assert seg(g, "cell2_extract").inputs == []


def test_load_waits_for_earlier_validate_steps():
    g = graph_of(
        ("df = [1]", ["extract"]),
        ("assert len(df) > 0", ["validate"]),
        ("assert all(df)", ["validate"]),
        ("print(df)", ["load"]),
    )
    load = seg(g, "cell3_load")
    assert load.after == ["cell1_validate", "cell2_validate"]
    assert load.sources == {"df": "cell0_extract"}
    assert seg(g, "cell1_validate").after == []


def test_load_before_a_validate_does_not_wait_for_it():
    g = graph_of(
        ("df = [1]", ["extract"]),
        ("print(df)", ["load"]),
        ("assert df", ["validate"]),
    )
    assert seg(g, "cell1_load").after == []


# -- mapping -------------------------------------------------------------------

MAP_BASE = [
    ("sources = ['a', 'b']", ["parameters"]),
    ("def extract(s):\n    return s", ["functions"]),
]


def test_mapped_comprehension_becomes_a_map_segment():
    g = graph_of(*MAP_BASE, ("raw = [extract(s) for s in sources]", ["extract"]), ("print(raw)", ["load"]))
    m = seg(g, "cell2_map_extract")
    assert m.map is not None
    assert (m.map.target, m.map.func, m.map.item, m.map.iterable, m.map.line) == ("raw", "extract", "s", "sources", 1)
    assert m.inputs == ["sources"]
    assert m.sources == {"sources": "param"}
    assert m.outputs == ["raw"]
    assert m.publish == []  # the iterable is passed item by item, not published
    assert seg(g, "cell3_load").sources == {"raw": "cell2_map_extract"}


def test_step_cell_is_split_into_code_before_the_map_and_code_after():
    source = (
        "def fetch(url):\n"  # 1
        "    return url\n"  # 2
        "\n"  # 3
        "urls = [s + '/' for s in sources]\n"  # 4
        "\n"  # 5
        "raw = [fetch(u) for u in urls]\n"  # 6
        "\n"  # 7
        "n = len(raw)\n"  # 8
        "print(n)\n"  # 9
    )
    g = graph_of(
        ("sources = ['a']", ["parameters"]),
        (source, ["extract"]),
        ("print(n, urls)", ["load"]),
    )
    assert keys(g) == ["cell1_extract_1", "cell1_map_fetch", "cell1_extract_2", "cell2_load"]
    before, mapped, after, load = g.segments
    assert (before.block.start, before.block.end) == (4, 4)
    assert before.block.text == "urls = [s + '/' for s in sources]"
    assert before.map is None
    assert before.inputs == ["sources"]
    assert before.outputs == ["urls"]

    assert (mapped.block.start, mapped.block.end) == (6, 6)
    assert mapped.map is not None and mapped.map.line == 6
    assert mapped.inputs == ["urls"]
    assert mapped.sources == {"urls": "cell1_extract_1"}
    assert mapped.outputs == ["raw"]

    assert (after.block.start, after.block.end) == (8, 9)
    assert after.map is None
    assert after.inputs == ["raw"]
    assert after.sources == {"raw": "cell1_map_fetch"}
    assert after.outputs == ["n"]

    assert load.sources == {"n": "cell1_extract_2", "urls": "cell1_extract_1"}
    # the def is module code, not part of any task
    assert any(b.text.startswith("def fetch(url):") for b in g.module_blocks)
    assert "fetch" in g.functions


def test_mapped_function_reading_a_step_output_gets_it_published():
    g = graph_of(
        ("sources = [1, 2]", ["parameters"]),
        ("factor = 2", ["extract"]),
        ("def scale(r):\n    return r * factor", ["functions"]),
        ("out = [scale(r) for r in sources]", ["transform"]),
    )
    m = seg(g, "cell3_map_scale")
    assert m.inputs == ["sources", "factor"]
    assert m.sources == {"sources": "param", "factor": "cell1_extract"}
    assert m.publish == ["factor"]


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
    assert "cell 1 [untagged]" in the_error(a).message


def test_mapped_function_writing_a_global_is_an_error():
    a = run(
        ("sources = ['a']\ncount = 0", ["parameters"]),
        ("def extract(s):\n    global count\n    count += 1\n    return s", ["functions"]),
        ("x = 1\nraw = [extract(s) for s in sources]", ["extract"]),
    )
    d = the_error(a)
    assert d.cell == 2
    assert d.line == 2
    assert "`extract`" in d.message
    assert "`count`" in d.message


def test_mapped_function_mutating_a_global_is_an_error():
    a = run(
        ("sources = ['a']", ["parameters"]),
        ("seen = []", ["extract"]),
        ("def extract(s):\n    seen.append(s)\n    return s", ["functions"]),
        ("raw = [extract(s) for s in sources]", ["extract"]),
    )
    d = the_error(a)
    assert d.cell == 3
    assert "`seen`" in d.message


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


def test_import_inside_a_step_is_hoisted_not_an_input():
    g = graph_of(
        ("import json\nx = json.dumps(1)", ["extract"]),
        ("y = json.loads(x)", ["load"]),
    )
    ext, load = g.segments
    assert ext.inputs == []
    assert (ext.block.start, ext.block.end) == (2, 2)
    assert load.inputs == ["x"]
    assert [(b.cell.cell.index, b.text, b.is_import) for b in g.module_blocks] == [(0, "import json", True)]


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


def test_harmless_magics_are_dropped_with_warnings_only():
    a = run(("%matplotlib inline\n%pip install x\na = 1", ["extract"]), ("print(a)", ["load"]))
    assert errors(a) == []
    warns = warnings(a)
    assert [(d.cell, d.line) for d in warns] == [(0, 1), (0, 2)]
    assert "%matplotlib inline" in warns[0].message
    assert "%pip install x" in warns[1].message
    assert a.graph is not None
    assert seg(a.graph, "cell1_load").sources == {"a": "cell0_extract"}


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
