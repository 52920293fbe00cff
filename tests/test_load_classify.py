"""Load and classify steps, and aliasing in the graph (`b = a` shares one object)."""

from __future__ import annotations

import json

import pytest

from etlnb.analyse.diagnostics import CompileError
from etlnb.analyse.notebook import parse_notebook
from etlnb.analyse.roles import classify
from etlnb.pipeline import analyse

from .conftest import make_notebook


def _nb(cells: list[dict], **top) -> str:
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5, **top})


def test_source_as_string_or_list_and_crlf_give_the_same_text():
    as_list = _nb([{"cell_type": "code", "id": "a", "metadata": {}, "source": ["x = 1\r\n", "y = 2"]}])
    as_str = _nb([{"cell_type": "code", "id": "a", "metadata": {}, "source": "x = 1\ny = 2"}])
    assert parse_notebook(as_list, "n.ipynb").cells[0].source == "x = 1\ny = 2"
    assert parse_notebook(as_str, "n.ipynb").cells == parse_notebook(as_list, "n.ipynb").cells


def test_notebook_without_cell_ids_still_loads_and_messages_name_the_index():
    text = _nb(
        [
            {"cell_type": "markdown", "metadata": {}, "source": "# t"},
            {"cell_type": "code", "metadata": {"tags": ["extract"]}, "source": "x = y"},
        ],
        nbformat_minor=4,
    )
    analysis = analyse(parse_notebook(text, "old.ipynb"))
    (diag,) = [d for d in analysis.diagnostics if d.severity == "error"]
    assert diag.format().startswith("old.ipynb: cell 2: line 1: error: `y`")


def test_tags_that_are_not_a_list_of_strings_are_an_error_naming_the_cell():
    text = _nb([{"cell_type": "code", "id": "k", "metadata": {"tags": [1, 2]}, "source": "x = 1"}])
    with pytest.raises(CompileError) as err:
        parse_notebook(text, "bad.ipynb")
    assert err.value.diagnostics[0].format().startswith("bad.ipynb: cell 1 (id=k): error: cell tags must be")


def test_role_tags_are_case_insensitive_and_other_tags_are_ignored():
    text = _nb(
        [
            {
                "cell_type": "code",
                "id": "a",
                "metadata": {"tags": ["Extract", "nbval-ignore-output"]},
                "source": "x = 1",
            },
            {"cell_type": "code", "id": "b", "metadata": {"tags": ["skip"]}, "source": "y = 1"},
            {"cell_type": "raw", "id": "c", "metadata": {"tags": ["load"]}, "source": "not code"},
        ]
    )
    cells, diagnostics = classify(parse_notebook(text, "n.ipynb"))
    assert diagnostics == []
    assert [(rc.cell.id, rc.role) for rc in cells] == [("a", "extract"), ("b", "skip")]


def _graph(cells):
    analysis = analyse(parse_notebook(make_notebook(cells), "alias_demo.ipynb"))
    assert [d for d in analysis.diagnostics if d.severity == "error"] == []
    return {s.key: s for s in analysis.graph.segments}


def test_mutating_an_alias_in_the_same_step_writes_the_original_name():
    segs = _graph(
        [("rows = [1]", ["extract"]), ("alias = rows\nalias.append(2)", ["transform"]), ("print(rows)", ["load"])]
    )
    transform = next(s for s in segs.values() if s.role == "transform")
    load = next(s for s in segs.values() if s.role == "load")
    assert transform.outputs == ["rows"]
    assert load.sources["rows"] == transform.key


def test_mutating_an_alias_made_in_an_earlier_step_is_a_change_of_the_original():
    segs = _graph(
        [
            ("rows = [1]\nalias = rows", ["extract"]),
            ("print(rows)", ["transform"]),
            ("alias.append(2)", ["transform"]),
            ("print(rows)", ["load"]),
        ]
    )
    changer = [s for s in segs.values() if s.role == "transform"][1]
    assert {"rows", "alias"} <= changer.mutates
