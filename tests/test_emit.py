"""The generated script: deterministic, ruff-clean, verbatim, and it imports."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from etlnb.analyse.notebook import read_notebook
from etlnb.pipeline import compile_file
from etlnb.targets.common import indent_code, render_literal

from .conftest import DEMOS, PYTHON, make_notebook

RICH = [
    ("import json", ["imports"]),
    ("factor = 3\nnames = ['a', 'b']\nlimits = {'a': 1, 'b': 2.5}", ["parameters"]),
    ("names = ['a']  # sample: fewer names", ["sample"]),
    ("def scale(x):\n    return x * factor\n", ["functions"]),
    (
        "QUERY = '''\nselect *\n  from t\n'''\nitems, count = list(names), len(names)\n"
        "def shout(s):\n    return s.upper() * factor\nloud = [shout(n) for n in items]\nscaled = [scale(c) for c in range(count)]\n"
        "# a comment that stays\nitems.append('z')",
        ["extract"],
    ),
    ("summary = json.dumps({'loud': loud, 'scaled': scaled, 'items': items, 'q': QUERY})", ["transform"]),
    ("print(summary)", ["load"]),
]


@pytest.fixture
def rich_notebook(tmp_path):
    path = tmp_path / "proj" / "richnb.ipynb"
    path.parent.mkdir()
    path.write_text(make_notebook(RICH))
    return path


def test_same_notebook_same_bytes_across_processes(rich_notebook, tmp_path):
    scripts = []
    for seed in ("1", "2"):
        out = tmp_path / f"out{seed}"
        env = dict(os.environ, PYTHONHASHSEED=seed)
        subprocess.run([PYTHON, "-m", "etlnb", "compile", str(rich_notebook), "-o", str(out)], check=True, env=env)
        scripts.append((out / "proj" / "richnb.py").read_bytes())
    assert scripts[0] == scripts[1]


def test_generated_scripts_pass_ruff_defaults(rich_notebook, tmp_path):
    out = tmp_path / "build"
    for notebook in [*DEMOS, rich_notebook]:
        subprocess.run([PYTHON, "-m", "etlnb", "compile", str(notebook), "-o", str(out)], check=True)
    scripts = sorted(out.glob("*/*.py"))
    assert len(scripts) == len(DEMOS) + 1
    ruff = os.path.join(os.path.dirname(PYTHON), "ruff")
    done = subprocess.run(
        [ruff, "check", "--isolated", "--no-cache", *map(str, scripts)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout


def test_analyst_code_and_comments_are_copied_verbatim(rich_notebook):
    script = compile_file(rich_notebook, rich_notebook.parent / "build").script
    nb = read_notebook(rich_notebook)
    for cell in nb.cells:
        if "parameters" in cell.tags or "sample" in cell.tags:
            continue
        for line in cell.source.splitlines():
            assert line.strip() in script, line
    # the multi-line string keeps its exact text (continuation lines not indented)
    assert "QUERY = '''\nselect *\n  from t\n'''" in script
    assert "# cell 5 [extract] id=c4" in script


def test_mapped_comprehension_becomes_map_and_helpers_get_their_values(rich_notebook):
    script = compile_file(rich_notebook, rich_notebook.parent / "build").script
    # steps are called in notebook order; the mapped line fans out and is collected before the next step
    assert "    loud = extract_loud.map(list(items), factor=unmapped(factor)).result()\n" in script
    # shout() reads the parameter `factor`: the mapped task gets it as an argument, with its own copy
    # of shout(), so each run is right in a thread, a process or on a Dask worker
    assert "def extract_loud(n, factor):" in script
    assert "    def shout(s):\n        return s.upper() * factor\n    return shout(n)" in script
    # steps (one at a time, in the flow's thread) see notebook values as module globals
    assert "    globals().update(factor=factor)" in script
    assert script.index("globals().update(factor=factor)") < script.index("extract_loud.map(")
    # a comprehension over an expression is not mapped; it stays in its task
    assert "    scaled = [scale(c) for c in range(count)]" in script


def test_script_imports_cleanly_and_exposes_the_flow(rich_notebook, tmp_path):
    compiled = compile_file(rich_notebook, tmp_path / "build")
    compiled.path.parent.mkdir(parents=True)
    compiled.path.write_text(compiled.script)
    probe = (
        "import importlib.util, json, sys\n"
        f"spec = importlib.util.spec_from_file_location('rich', {str(compiled.path)!r})\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        "print(json.dumps({'flow': m.richnb_flow.name, 'sample': m.SAMPLE_PARAMETERS,"
        " 'params': sorted(m.richnb_flow.parameters.properties)}))\n"
    )
    done = subprocess.run([PYTHON, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout.strip().splitlines()[-1])
    assert info["flow"] == "richnb"
    assert info["sample"] == {"factor": 3, "names": ["a"], "limits": {"a": 1, "b": 2.5}}
    assert info["params"] == ["factor", "limits", "names"]


def test_parameter_types_are_inferred_from_literals(rich_notebook):
    script = compile_file(rich_notebook, rich_notebook.parent / "build").script
    assert "factor: int = 3," in script
    assert "names: list[str] = ['a', 'b']," in script or 'names: list[str] = ["a", "b"],' in script
    # exact types: Prefect's validation must not turn 1 into 1.0
    assert "limits: dict[str, int | float] = " in script


def test_render_literal_round_trips_tricky_values():
    import ast

    values = [
        "it's",
        'say "hi"',
        "both ' and \"",
        "line\nbreak",
        "\\path",
        "ünï",
        1.5,
        -3,
        True,
        None,
        [1, {"k": "v"}],
        {"x": [1, 2]},
    ]
    for value in values:
        assert ast.literal_eval(render_literal(value)) == value
    long = [f"https://example.com/{i}" for i in range(20)]
    rendered = render_literal(long)
    assert "\n" in rendered and ast.literal_eval(rendered) == long


def test_indent_code_leaves_multiline_strings_alone():
    code = 's = """\nkeep\n  this\n"""\nif s:\n    x = 1'
    assert indent_code(code) == '    s = """\nkeep\n  this\n"""\n    if s:\n        x = 1'


COMPUTED = [
    ("import os", ["imports"]),
    ("names = ['a', 'b']\nopts = {'k': [1, 2]}", ["parameters"]),
    ("# one more name, computed\nnames = names + [os.path.basename(os.getcwd())[:0] + 'c']", ["sample"]),
    ("if names:\n    opts = {**opts, 'z': 1}", ["sample"]),
    ("rows = [len(names), len(opts)]", ["extract"]),
    ("print(rows)", ["load"]),
]


@pytest.mark.parametrize("task_runner", ["threads", "dask"])
def test_both_targets_write_the_one_sample_parameters_function(tmp_path, task_runner):
    """Computed samples: the Prefect 3 and Prefect 1 scripts carry the function sample_function
    renders (one implementation), with the sample cells' code and comments."""
    from etlnb.analyse.notebook import parse_notebook
    from etlnb.analyse.samples import sample_parameters
    from etlnb.pipeline import analyse
    from etlnb.targets.common import sample_function
    from etlnb.targets.lint import findings

    path = tmp_path / "proj" / "computednb.ipynb"
    path.parent.mkdir()
    path.write_text(make_notebook(COMPUTED))
    analysis = analyse(parse_notebook(path.read_text(), str(path)))
    sample, _, code = sample_parameters(str(path), analysis.parsed, analysis.graph.params, path.parent)
    assert code is not None and code.computed == {"names", "opts"}
    function = sample_function(code, sample)
    assert function.startswith("def sample_parameters() -> dict:\n")
    assert "    # one more name, computed\n" in function
    assert function.endswith('\n    return {"names": names, "opts": opts}')
    for target in ("prefect3", "prefect1"):
        compiled = compile_file(path, tmp_path / "build", {"target": target, "task_runner": task_runner})
        assert f"\n\n\n{function}\n\n\n" in compiled.script, target
        assert findings(compiled.script) == [], target
