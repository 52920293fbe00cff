"""Fuzz the generated artifacts with arbitrary notebook data (issue 14's "must be true"):
cell ids, file names, tags, deployment and pool names, metadata and config strings.

Whatever the data, either compile refuses it with one clear line, or the script parses,
has exactly the code of the same notebook with harmless data (no statement, call or
name more), and prefect.yaml loads with yaml.safe_load to exactly the values given.
"""

from __future__ import annotations

import ast
import json
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from etlnb.analyse.diagnostics import CompileError
from etlnb.pipeline import compile_file

CELLS = [
    ("import json", ["imports"]),
    ("sources = ['a', 'b']\nlimit = 2", ["parameters"]),
    ("raw = [s.upper() for s in sources][:limit]", ["extract"]),
    ("print(json.dumps(raw))", ["load"]),
]

# the hard cases first: quotes, escapes, newlines, template braces, YAML indicators,
# controls (C0, DEL, C1, NEL), surrogates, bidi, compatibility characters
HOSTILE = st.sampled_from(
    [
        '"""',
        "'''",
        "\\N",
        "\\x",
        "\\u",
        "\n",
        "\r",
        "#",
        "{{ ",
        " }}",
        ": ",
        "- ",
        "*",
        "&",
        "!",
        "?",
        "%",
        "\x7f",
        "\x85",
        "\x9b",
        "\ud800",
        "\u202e",
        "\u2028",
        "½",
        "ﬁ",
        "é",
        "/",
        "\\",
        "`",
        "$",
        "\t",
        " ",
    ]
)
TEXT = st.lists(st.one_of(HOSTILE, st.text(min_size=1, max_size=4)), max_size=6).map("".join)
# what Prefect accepts in names, still with quotes, braces, YAML indicators and non-ASCII
SAFE = st.lists(
    st.sampled_from(['"', "'", "{{", "}}", ": ", "#", "*", "!", "?", "-", "½", "é", "a", "Z", "9", " x"]),
    min_size=1,
    max_size=6,
).map(lambda p: "x" + "".join(p) + "x")


def _mostly(usual, hostile):
    """`usual` three times in four, so most examples get through to the script and prefect.yaml."""
    return st.integers(0, 3).flatmap(lambda k: hostile if k == 0 else usual)


VALID_IDS = st.lists(st.from_regex(r"[a-zA-Z0-9_-]{1,64}", fullmatch=True), min_size=4, max_size=4, unique=True)
NAME_CHARS = st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",))
FILE_STEM = (
    st.lists(
        st.one_of(
            HOSTILE.filter(lambda s: "/" not in s and "\ud800" not in s), st.text(NAME_CHARS, min_size=1, max_size=4)
        ),
        min_size=1,
        max_size=5,
    )
    .map("".join)
    .filter(lambda s: s not in (".", "..") and len(s.encode("utf-8", "surrogatepass")) < 120)
)


def _notebook(ids: list[str], metadata: dict) -> str:
    cells = [
        {
            "cell_type": "code",
            "id": ids[i],
            "metadata": {"tags": tags},
            "source": src,
            "outputs": [],
            "execution_count": None,
        }
        for i, (src, tags) in enumerate(CELLS)
    ]
    meta = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}, "etlnb": metadata}
    return json.dumps({"cells": cells, "metadata": meta, "nbformat": 4, "nbformat_minor": 5})


def _shape(script: str) -> str:
    """The script's code with every identifier and string blanked: what runs, not what it is called."""
    tree = ast.parse(script)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            node.value = ""
        for field in ("id", "name", "arg", "attr", "asname", "module"):
            if isinstance(getattr(node, field, None), str):
                setattr(node, field, "_")
    return ast.dump(tree)


def _compile(stem: str, ids: list[str], metadata: dict):
    folder = Path(tempfile.mkdtemp(prefix="etlnb-fuzz-"))
    path = folder / f"{stem}.ipynb"
    path.write_text(_notebook(ids, metadata), encoding="utf-8", errors="surrogatepass")
    try:
        return compile_file(path, folder / "build"), None
    except CompileError as exc:
        return None, exc


BASELINE = None


def _baseline_shape() -> str:
    global BASELINE
    if BASELINE is None:
        compiled, err = _compile("base", ["c0", "c1", "c2", "c3"], {})
        assert err is None
        BASELINE = _shape(compiled.script)
    return BASELINE


@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    stem=FILE_STEM,
    ids=_mostly(VALID_IDS, st.lists(TEXT, min_size=4, max_size=4)),
    tags=st.lists(_mostly(SAFE, TEXT), max_size=3),
    name=_mostly(SAFE, TEXT),
    pool=_mostly(SAFE, TEXT),
    project=_mostly(SAFE, TEXT),
)
def test_notebook_data_never_becomes_code(stem, ids, tags, name, pool, project):
    metadata = {"tags": tags, "deployment": name, "work_pool": pool, "project": project}
    compiled, err = _compile(stem, ids, metadata)
    if err is not None:
        first = err.diagnostics[0].format().splitlines()[0]
        assert "error" in first and "Traceback" not in first
        event("refused")
        return
    event("compiled")
    script = compiled.script
    assert _shape(script) == _baseline_shape(), "the script has code the notebook does not"
    document = yaml.safe_load(compiled.prefect_yaml)
    (deployment,) = document["deployments"]
    assert deployment["tags"] == tags
    assert deployment["name"] == compiled.settings.deployment_name(compiled.analysis.project)
    if name:
        assert deployment["name"] == name
    assert deployment["work_pool"]["name"] == pool
