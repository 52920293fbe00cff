"""Write the faithful-execution corpus: small notebooks written to break etlnb's analysis.

Issue 11 ("Faithful compilation"): every notebook is either compiled to a flow whose step values,
written files and tables and success or failure equal the notebook's, or refused by `etlnb check`
naming the cell and the line. Each notebook here says which, in its metadata:

    "etlnb_test": {"expect": "parity" | "refuse", "class": "1-inplace", "why": "one line"}

and optionally "or": "parity" / "refuse" where DESIGN.md allows either (a redefinition may be
emitted per step or refused; a generator step output may be handled or refused), and "cell": N,
the cell a refusal should name.

Classes (issue 11): 1-inplace (in-place changes the analysis must see), 1-outside (files, tables,
os.environ, random, module/class state, iterators, connections), 2-hoist (code moved to module
level changing meaning), 3-globals (helpers reading/writing globals), 4-roundtrip (values Prefect
or the parameter types would change), 5-etlnb (scripts etlnb itself broke), 6-valid (ordinary
idioms that must not be refused), 7-hidden (notebook-only state that must be refused), real
(adapted from public notebooks).

One folder per notebook (tests/faithful/<name>/<name>.ipynb): it is the notebook's working
directory, as in Jupyter; sample files live beside it. Deterministic output; run from anywhere:

    python tests/faithful/make_corpus.py

tests/test_faithful.py runs the corpus; tests/faithful/conftest.py keeps `pytest --nbval --etlnb`
from collecting these notebooks directly.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent

ROLES = {
    "P": ["parameters"],
    "I": ["imports"],
    "F": ["functions"],
    "E": ["extract"],
    "T": ["transform"],
    "L": ["load"],
    "V": ["validate"],
    "S": ["sample"],
    "U": [],
    "skip": ["skip"],
}


@dataclass
class Case:
    name: str
    cls: str
    expect: str
    why: str
    cells: list[tuple[str, str]]  # (role letter or "md", source)
    files: dict[str, str] = field(default_factory=dict)  # path relative to the folder -> text
    alt: str | None = None  # the other outcome DESIGN.md allows
    cell: int | None = None  # refuse: the cell the first error line should name
    says: str | None = None  # parity's text must contain this ("differ": its first line)
    left_out: list[str] = field(default_factory=list)  # files only exploration cells write


def notebook_json(case: Case) -> str:
    cells = []
    for i, (role, source) in enumerate(case.cells):
        lines = source.splitlines(keepends=True)
        if role == "md":
            cells.append({"cell_type": "markdown", "id": f"c{i}", "metadata": {}, "source": lines})
            continue
        cells.append(
            {
                "cell_type": "code",
                "execution_count": None,
                "id": f"c{i}",
                "metadata": {"tags": ROLES[role]},
                "outputs": [],
                "source": lines,
            }
        )
    test = {"expect": case.expect, "class": case.cls, "why": case.why}
    if case.alt:
        test["or"] = case.alt
    if case.cell is not None:
        test["cell"] = case.cell
    if case.says is not None:
        test["says"] = case.says
    if case.left_out:
        test["left_out"] = case.left_out
    metadata = {
        "etlnb_test": test,
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    return json.dumps({"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


ORDERS_CSV = "order_id,sku,qty,net\n1,apple,3,2.50\n2,pear,1,4.00\n3,apple,2,2.50\n4,fig,5,1.20\n"
TRAIN_CSV = "x1,x2,label\n1.0,2.0,0\n2.0,1.5,1\n3.5,0.5,1\n0.5,3.0,0\n"

CASES: list[Case] = []


def case(*args, **kwargs) -> None:
    CASES.append(Case(*args, **kwargs))


# --- 1-inplace: in-place changes the analysis must see ------------------------------------------

case("inplace_fit_last_line", "1-inplace", "parity",
     "a model-like object's .fit() as the cell's last line changes the object in place",
     [("I", "import json\nimport time"),
      ("F", "class RunningMean:\n    def __init__(self):\n        self.mean_ = None\n\n"
            "    def fit(self, xs):\n        time.sleep(0.3)  # stands in for real training\n"
            "        self.mean_ = sum(xs) / len(xs)\n        return self"),
      ("E", "xs = [3.0, 4.0, 8.0]\nmodel = RunningMean()"),
      ("T", "model.fit(xs)"),
      ("L", "with open(\"model.json\", \"w\") as f:\n    json.dump({\"mean\": model.mean_}, f)")])

case("inplace_sklearn_fit", "1-inplace", "parity",
     "scaler.fit(X) as the last line of a transform; the load uses the fitted scaler",
     [("I", "import numpy as np\nfrom sklearn.preprocessing import StandardScaler"),
      ("E", "X = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 10.0]])\nscaler = StandardScaler()"),
      ("T", "scaler.fit(X)"),
      ("L", "np.savetxt(\"scaled.csv\", scaler.transform(X), delimiter=\",\", fmt=\"%.6f\")")])

case("inplace_deque_appendleft", "1-inplace", "parity",
     "deque.appendleft as the last line of a cell",
     [("I", "import json\nfrom collections import deque"),
      ("P", "window = 4"),
      ("E", "recent = deque([5, 6, 7], maxlen=window)"),
      ("T", "recent.appendleft(4)"),
      ("L", "with open(\"recent.json\", \"w\") as f:\n    json.dump(list(recent), f)")])

case("inplace_df_pop", "1-inplace", "parity",
     "labels = df.pop(...) changes df; a later step reading only df must come after",
     [("I", "import pandas as pd"),
      ("E", "df = pd.read_csv(\"train.csv\")"),
      ("T", "labels = df.pop(\"label\")"),
      ("T", "n_features = df.shape[1]"),
      ("L", "df.to_csv(\"features.csv\", index=False)\nwith open(\"n_features.txt\", \"w\") as f:\n"
            "    f.write(str(n_features))"),
      ("L", "labels.to_csv(\"labels.csv\", index=False)")],
     files={"train.csv": TRAIN_CSV})

case("inplace_loop_enumerate", "1-inplace", "parity",
     "for i, o in enumerate(orders): o[...] = ... changes the dicts inside orders",
     [("I", "import csv\nimport time"),
      ("E", "with open(\"orders.csv\", newline=\"\") as f:\n    orders = list(csv.DictReader(f))"),
      ("T", "for i, o in enumerate(orders):\n    time.sleep(0.05)  # a slow per-row lookup\n"
            "    o[\"line\"] = str(i + 1)\n    o[\"qty\"] = str(int(o[\"qty\"]) * 2)"),
      ("L", "with open(\"orders_out.csv\", \"w\", newline=\"\") as f:\n"
            "    w = csv.DictWriter(f, fieldnames=list(orders[0]))\n    w.writeheader()\n    w.writerows(orders)")],
     files={"orders.csv": ORDERS_CSV})

case("inplace_loop_over_tuple_of_lists", "1-inplace", "parity",
     "for region, tag in ((north, 'N'), (south, 'S')): for rec in region: rec[...] = tag",
     [("I", "import json\nimport time"),
      ("E", "north = [{\"v\": 1}, {\"v\": 2}]"),
      ("E", "south = [{\"v\": 3}]"),
      ("T", "time.sleep(0.3)\nfor region, tag in ((north, \"N\"), (south, \"S\")):\n    for rec in region:\n"
            "        rec[\"region\"] = tag"),
      ("L", "with open(\"north.json\", \"w\") as f:\n    json.dump(north, f)"),
      ("L", "with open(\"south.json\", \"w\") as f:\n    json.dump(south, f)")])

case("inplace_alias_get_update", "1-inplace", "parity",
     "limits = settings.get('limits'); limits.update(...) changes settings",
     [("I", "import json\nimport time"),
      ("P", "overrides = {\"max\": 5}"),
      ("E", "settings = {\"limits\": {\"max\": 100, \"min\": 0}, \"name\": \"daily\"}"),
      ("T", "limits = settings.get(\"limits\")\ntime.sleep(0.3)\nlimits.update(overrides)"),
      ("T", "cap = settings[\"limits\"][\"max\"]"),
      ("L", "with open(\"settings.json\", \"w\") as f:\n    json.dump({\"settings\": settings, \"cap\": cap}, f)")])

case("inplace_alias_unpack", "1-inplace", "parity",
     "head, tail = batches; head.extend(tail) changes batches[0]",
     [("I", "import json\nimport time"),
      ("E", "batches = [[1, 2], [3]]"),
      ("T", "head, tail = batches\ntime.sleep(0.3)\nhead.extend(tail)"),
      ("T", "first_size = len(batches[0])"),
      ("L", "with open(\"batches.json\", \"w\") as f:\n    json.dump({\"batches\": batches, \"first\": first_size}, f)")])

case("inplace_alias_plain_and_index", "1-inplace", "parity",
     "b = a then b[0] = ...; c = a[1]; c.append(...): both change a",
     [("I", "import json\nimport time"),
      ("E", "grid = [[0, 0], [0, 0]]"),
      ("T", "view = grid\ntime.sleep(0.2)\nview[0] = [1, 1]\nrow = grid[1]\nrow.append(9)"),
      ("T", "width = [len(r) for r in grid]"),
      ("L", "with open(\"grid.json\", \"w\") as f:\n    json.dump({\"grid\": grid, \"width\": width}, f)")])

case("inplace_with_as", "1-inplace", "parity",
     "with nullcontext(state) as s: s[...] += 1 changes state through the with target",
     [("I", "import json\nimport time\nfrom contextlib import nullcontext"),
      ("E", "state = {\"runs\": 0, \"items\": []}"),
      ("T", "with nullcontext(state) as s:\n    time.sleep(0.3)\n    s[\"runs\"] += 1\n    s[\"items\"].append(\"a\")"),
      ("L", "with open(\"state.json\", \"w\") as f:\n    json.dump(state, f)")])

case("inplace_helper_direct", "1-inplace", "parity",
     "a helper that sets a key on each row of its argument, called as stamp(rows, day)",
     [("I", "import csv\nimport time"),
      ("P", "day = \"2024-05-01\""),
      ("F", "def stamp(rows, value):\n    time.sleep(0.3)\n    for r in rows:\n        r[\"day\"] = value"),
      ("E", "with open(\"orders.csv\", newline=\"\") as f:\n    rows = list(csv.DictReader(f))"),
      ("T", "stamp(rows, day)"),
      ("L", "with open(\"stamped.csv\", \"w\", newline=\"\") as f:\n"
            "    w = csv.DictWriter(f, fieldnames=list(rows[0]))\n    w.writeheader()\n    w.writerows(rows)")],
     files={"orders.csv": ORDERS_CSV})

case("inplace_helper_transitive", "1-inplace", "parity",
     "a helper changes its argument through another helper it calls",
     [("I", "import json\nimport time"),
      ("F", "def _bump(rec, by):\n    rec[\"n\"] += by\n\n\ndef bump_all(recs):\n    time.sleep(0.3)\n"
            "    for rec in recs:\n        _bump(rec, 10)"),
      ("E", "counters = [{\"n\": 1}, {\"n\": 2}]"),
      ("T", "bump_all(counters)"),
      ("T", "total = sum(c[\"n\"] for c in counters)"),
      ("L", "with open(\"counters.json\", \"w\") as f:\n    json.dump({\"counters\": counters, \"total\": total}, f)")])

case("inplace_helper_method_sort", "1-inplace", "parity",
     "a helper calling .sort() and .reverse() on its argument",
     [("I", "import time"),
      ("F", "def tidy(names):\n    time.sleep(0.3)\n    names.sort()\n    names.reverse()"),
      ("E", "names = [\"bo\", \"al\", \"cy\"]"),
      ("T", "tidy(names)"),
      ("L", "with open(\"names.txt\", \"w\") as f:\n    f.write(\"\\n\".join(names))")])

case("inplace_heappush", "1-inplace", "parity",
     "heapq.heapify / heappush on a step output in a later step",
     [("I", "import heapq\nimport json\nimport time"),
      ("E", "queue = [(3, \"low\"), (1, \"high\"), (2, \"mid\")]"),
      ("T", "time.sleep(0.3)\nheapq.heapify(queue)\nheapq.heappush(queue, (0, \"urgent\"))"),
      ("L", "order = []\nwhile queue:\n    order.append(heapq.heappop(queue)[1])\n"
            "with open(\"order.json\", \"w\") as f:\n    json.dump(order, f)")])

case("inplace_rng_shuffle", "1-inplace", "parity",
     "rng.shuffle(deck) changes both the deck and the generator",
     [("I", "import json\nimport random"),
      ("E", "rng = random.Random(7)\ndeck = list(range(8))"),
      ("T", "rng.shuffle(deck)"),
      ("T", "draw = rng.randint(0, 100)"),
      ("L", "with open(\"deck.json\", \"w\") as f:\n    json.dump({\"deck\": deck, \"draw\": draw}, f)")])

case("inplace_setdefault_append", "1-inplace", "parity",
     "by_city.setdefault(city, []).append(name) fills a dict a previous step made",
     [("I", "import json\nimport time"),
      ("E", "people = [(\"ann\", \"oslo\"), (\"bob\", \"rome\"), (\"cat\", \"oslo\")]\nby_city = {}"),
      ("T", "time.sleep(0.3)\nfor name, city in people:\n    by_city.setdefault(city, []).append(name)"),
      ("L", "with open(\"by_city.json\", \"w\") as f:\n    json.dump(by_city, f, sort_keys=True)")])

case("inplace_df_inplace_true", "1-inplace", "parity",
     "df.drop(..., inplace=True) and df.sort_values(..., inplace=True) in a transform",
     [("I", "import pandas as pd"),
      ("E", "df = pd.read_csv(\"orders.csv\")\ndf[\"tmp\"] = 0"),
      ("T", "df.drop(columns=[\"tmp\"], inplace=True)\ndf.sort_values(\"net\", inplace=True)\n"
            "df.reset_index(drop=True, inplace=True)"),
      ("L", "df.to_csv(\"sorted.csv\", index=False)")],
     files={"orders.csv": ORDERS_CSV})

case("inplace_mapped_mutates_item", "1-inplace", "parity",
     "a mapped function sets a key on its item; a later step writes the original list",
     [("I", "import json"),
      ("F", "def check(rec):\n    rec[\"checked\"] = rec[\"id\"] % 2 == 0\n    return rec[\"id\"]"),
      ("E", "records = [{\"id\": 1}, {\"id\": 2}, {\"id\": 3}]"),
      ("T", "ids = [check(r) for r in records]"),
      ("L", "with open(\"records.json\", \"w\") as f:\n    json.dump({\"records\": records, \"ids\": ids}, f)")])

case("inplace_augassign_list", "1-inplace", "parity",
     "tags += [...] extends the list object a previous step made (no rebinding)",
     [("I", "import json\nimport time"),
      ("E", "tags = [\"a\"]\nmeta = {\"tags\": tags}"),
      ("T", "time.sleep(0.3)\ntags += [\"b\", \"c\"]"),
      ("L", "with open(\"meta.json\", \"w\") as f:\n    json.dump(meta, f)")])

# --- 1-outside: state outside Python values -------------------------------------------------------

case("outside_csv_header_then_append", "1-outside", "parity",
     "one load writes a CSV header, a later load appends the rows to the same file",
     [("I", "import csv\nimport time"),
      ("E", "rows = [[\"a\", 1], [\"b\", 2]]"),
      ("L", "time.sleep(0.3)  # the header comes from a slow schema lookup\n"
            "with open(\"report.csv\", \"w\", newline=\"\") as f:\n    csv.writer(f).writerow([\"name\", \"n\"])"),
      ("L", "with open(\"report.csv\", \"a\", newline=\"\") as f:\n    csv.writer(f).writerows(rows)")])

case("outside_to_sql_replace_append", "1-outside", "parity",
     "df.head(0).to_sql(replace) creates the table, a later load appends into it",
     [("I", "import sqlite3\nimport time\n\nimport pandas as pd"),
      ("P", "db_path = \"warehouse.db\""),
      ("E", "sales = pd.DataFrame({\"sku\": [\"a\", \"b\", \"c\"], \"qty\": [1, 2, 3]})"),
      ("L", "time.sleep(0.3)\nwith sqlite3.connect(db_path) as con:\n"
            "    sales.head(0).to_sql(\"sales\", con, if_exists=\"replace\", index=False)"),
      ("L", "with sqlite3.connect(db_path) as con:\n    sales.to_sql(\"sales\", con, if_exists=\"append\", index=False)")])

case("outside_sqlite_ddl_then_insert", "1-outside", "parity",
     "a load recreates a table with plain sqlite3, another load inserts into it",
     [("I", "import sqlite3\nimport time"),
      ("E", "pairs = [(\"k1\", 1), (\"k2\", 2)]"),
      ("L", "time.sleep(0.3)\ncon = sqlite3.connect(\"kv.db\")\ncon.execute(\"DROP TABLE IF EXISTS kv\")\n"
            "con.execute(\"CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER)\")\ncon.commit()\ncon.close()"),
      ("L", "con = sqlite3.connect(\"kv.db\")\ncon.executemany(\"INSERT INTO kv VALUES (?, ?)\", pairs)\n"
            "con.commit()\ncon.close()")])

case("outside_validate_reads_written_file", "1-outside", "parity",
     "a validate cell reads back the file a load cell wrote",
     [("I", "import pandas as pd"),
      ("E", "df = pd.read_csv(\"orders.csv\")"),
      ("L", "df[df[\"qty\"] > 1].to_csv(\"big_orders.csv\", index=False)"),
      ("V", "check = pd.read_csv(\"big_orders.csv\")\nassert len(check) == 3, len(check)")],
     files={"orders.csv": ORDERS_CSV})

case("outside_environ_set_then_read", "1-outside", "parity",
     "one step sets os.environ, a later step reads it",
     [("I", "import json\nimport os\nimport time"),
      ("E", "rows = [1, 2, 3]"),
      ("T", "time.sleep(0.3)\nos.environ[\"ETLNB_FAITHFUL_REGION\"] = \"eu\""),
      ("T", "label = f\"{os.environ.get('ETLNB_FAITHFUL_REGION', 'us')}-{len(rows)}\""),
      ("L", "with open(\"label.json\", \"w\") as f:\n    json.dump(label, f)")])

case("outside_random_seed_then_draw", "1-outside", "parity",
     "random.seed in one step, draws from the global generator in a later one",
     [("I", "import json\nimport random\nimport time"),
      ("E", "time.sleep(0.3)\nrandom.seed(11)"),
      ("E", "ids = list(range(50))"),
      ("T", "picked = random.sample(ids, 4)"),
      ("L", "with open(\"picked.json\", \"w\") as f:\n    json.dump(picked, f)")])

case("outside_class_attribute", "1-outside", "parity",
     "a step changes a class attribute, a later step reads it",
     [("I", "import json\nimport time"),
      ("F", "class Stats:\n    rows_seen = 0"),
      ("E", "rows = [4, 5, 6]"),
      ("T", "time.sleep(0.3)\nStats.rows_seen += len(rows)"),
      ("T", "summary = {\"seen\": Stats.rows_seen, \"sum\": sum(rows)}"),
      ("L", "with open(\"summary.json\", \"w\") as f:\n    json.dump(summary, f)")])

case("outside_module_set", "1-outside", "parity",
     "a module-level set from the imports cell filled by one step, read by another",
     [("I", "import json\nimport time\n\nSKIPPED = set()"),
      ("E", "values = [3, -1, 4, -5]"),
      ("T", "time.sleep(0.3)\nfor v in values:\n    if v < 0:\n        SKIPPED.add(v)"),
      ("T", "kept = [v for v in values if v not in SKIPPED]"),
      ("L", "with open(\"kept.json\", \"w\") as f:\n    json.dump(kept, f)")])

case("outside_iterator_two_steps", "1-outside", "parity",
     "an iterator made in one step, advanced by next() in one step and drained in another",
     [("I", "import csv"),
      ("E", "lines = [\"id,v\", \"1,a\", \"2,b\"]\nstream = iter(lines)"),
      ("T", "header = next(stream).split(\",\")"),
      ("T", "body = [line.split(\",\") for line in stream]"),
      ("L", "with open(\"out.csv\", \"w\", newline=\"\") as f:\n    w = csv.writer(f)\n    w.writerow(header)\n"
            "    w.writerows(body)")])

case("outside_sqlite_connection_across_steps", "1-outside", "parity",
     "a sqlite3 connection opened in the extract is used by the load (thread-affine)",
     [("I", "import sqlite3"),
      ("E", "con = sqlite3.connect(\"shop.db\")\ncon.execute(\"CREATE TABLE IF NOT EXISTS items (name TEXT)\")"),
      ("T", "names = sorted([\"kiwi\", \"fig\", \"date\"])"),
      ("L", "con.executemany(\"INSERT INTO items VALUES (?)\", [(n,) for n in names])\ncon.commit()")])

case("outside_file_handoff", "1-outside", "parity",
     "an extract writes a staging file, a transform reads it (no name links them)",
     [("I", "import json\nimport time"),
      ("E", "time.sleep(0.3)\nwith open(\"staging.json\", \"w\") as f:\n    json.dump([1, 2, 3], f)"),
      ("T", "with open(\"staging.json\") as f:\n    staged = json.load(f)\ndoubled = [2 * v for v in staged]"),
      ("L", "with open(\"doubled.json\", \"w\") as f:\n    json.dump(doubled, f)")])

# --- 2-hoist: code moved to module level must keep its meaning ------------------------------------

case("hoist_helper_redefined_later", "2-hoist", "refuse",
     "a helper from the functions cell is redefined in a later transform cell",
     [("I", "import json"),
      ("F", "def label(x):\n    return f\"item-{x}\""),
      ("E", "first = list(map(label, range(3)))"),
      ("T", "def label(x):\n    return f\"ITEM {x:02d}\"\n\n\nsecond = list(map(label, range(3)))"),
      ("L", "with open(\"labels.json\", \"w\") as f:\n    json.dump([first, second], f)")],
     alt="parity", cell=3)

case("hoist_two_extracts_own_reader", "2-hoist", "refuse",
     "two extract cells each define their own read_row and map it",
     [("I", "import json"),
      ("E", "def read_row(line):\n    return line.split(\",\")\n\n\nleft = [read_row(x) for x in [\"a,1\", \"b,2\"]]"),
      ("E", "def read_row(line):\n    return line.split(\";\")\n\n\nright = [read_row(x) for x in [\"c;3\"]]"),
      ("L", "with open(\"rows.json\", \"w\") as f:\n    json.dump(left + right, f)")],
     alt="parity", cell=2)

case("hoist_constant_redefined", "2-hoist", "refuse",
     "a module constant is set again in a later imports cell",
     [("I", "import json\n\nVAT = 0.2"),
      ("E", "net = [10.0, 20.0]"),
      ("T", "gross_old = [round(n * (1 + VAT), 2) for n in net]"),
      ("I", "VAT = 0.25"),
      ("T", "gross_new = [round(n * (1 + VAT), 2) for n in net]"),
      ("L", "with open(\"gross.json\", \"w\") as f:\n    json.dump([gross_old, gross_new], f)")],
     alt="parity", cell=3)

case("hoist_from_datetime_in_step", "2-hoist", "parity",
     "a later step does `from datetime import datetime` after an earlier one used the module",
     [("I", "import datetime\nimport json"),
      ("E", "start = datetime.date(2024, 1, 30)\ndays = [start + datetime.timedelta(days=i) for i in range(3)]"),
      ("T", "from datetime import datetime\n\nstamps = [datetime.strptime(str(d), \"%Y-%m-%d\").strftime(\"%d/%m\") "
            "for d in days]"),
      ("L", "with open(\"stamps.json\", \"w\") as f:\n    json.dump(stamps, f)")])

case("hoist_syspath_local_module", "2-hoist", "parity",
     "sys.path.insert(0, 'lib') must run before `import tinyfmt` from the folder's lib/",
     [("I", "import json\nimport sys\n\nsys.path.insert(0, \"lib\")\nimport tinyfmt  # noqa: E402"),
      ("E", "amounts = [1234.5, 9.99]"),
      ("T", "shown = [tinyfmt.money(a) for a in amounts]"),
      ("L", "with open(\"shown.json\", \"w\") as f:\n    json.dump(shown, f)")],
     files={"lib/tinyfmt.py": "def money(x):\n    return f\"${x:,.2f}\"\n"})

case("hoist_local_module_beside_notebook", "2-hoist", "parity",
     "`import helpers_local` of a module beside the notebook (Jupyter has the folder on sys.path)",
     [("I", "import json\n\nimport helpers_local"),
      ("E", "words = [\"alpha\", \"beta\"]"),
      ("T", "codes = [helpers_local.code(w) for w in words]"),
      ("L", "with open(\"codes.json\", \"w\") as f:\n    json.dump(codes, f)")],
     files={"helpers_local.py": "def code(word):\n    return word[:2].upper() + str(len(word))\n"})

case("hoist_future_in_later_cell", "2-hoist", "parity",
     "`from __future__ import annotations` at the top of a functions cell after the imports cell",
     [("I", "import json"),
      ("F", "from __future__ import annotations\n\n\ndef area(box: Box) -> float:\n    return box[0] * box[1]"),
      ("E", "boxes = [(2, 3), (4, 5)]"),
      ("T", "areas = [area(b) for b in boxes]"),
      ("L", "with open(\"areas.json\", \"w\") as f:\n    json.dump(areas, f)")])

case("hoist_default_reads_parameter", "2-hoist", "parity",
     "def keep(v, limit=threshold) in a step: the default reads a parameter",
     [("I", "import json"),
      ("P", "threshold = 10"),
      ("E", "values = [4, 12, 10, 30]"),
      ("T", "def keep(v, limit=threshold):\n    return v >= limit\n\n\nkept = [v for v in values if keep(v)]"),
      ("L", "with open(\"kept.json\", \"w\") as f:\n    json.dump(kept, f)")])

case("hoist_functions_cell_reads_parameter", "2-hoist", "parity",
     "REPORT_PATH = out_name + '.csv' in a functions cell reads a parameter",
     [("I", "import csv"),
      ("P", "out_name = \"summary\""),
      ("F", "REPORT_PATH = out_name + \".csv\"\n\n\ndef write_report(rows):\n"
            "    with open(REPORT_PATH, \"w\", newline=\"\") as f:\n        csv.writer(f).writerows(rows)"),
      ("E", "rows = [[\"a\", 1], [\"b\", 2]]"),
      ("L", "write_report(rows)")])

case("hoist_constant_rebound_in_step", "2-hoist", "parity",
     "FIELDS = FIELDS + ['score'] in a step rebinds an imports constant",
     [("I", "import csv\n\nFIELDS = [\"id\", \"name\"]"),
      ("E", "raw = [(1, \"ann\", 0.5), (2, \"bob\", 0.7)]"),
      ("T", "FIELDS = FIELDS + [\"score\"]\nrecords = [dict(zip(FIELDS, r)) for r in raw]"),
      ("L", "with open(\"records.csv\", \"w\", newline=\"\") as f:\n"
            "    w = csv.DictWriter(f, fieldnames=FIELDS)\n    w.writeheader()\n    w.writerows(records)")])

case("hoist_constant_augassign_in_step", "2-hoist", "parity",
     "HEADERS += [...] in a step extends an imports constant in place; an earlier step read it",
     [("I", "import json\n\nHEADERS = [\"id\"]"),
      ("E", "width_before = len(HEADERS)"),
      ("T", "HEADERS += [\"total\"]\nwidth_after = len(HEADERS)"),
      ("L", "with open(\"widths.json\", \"w\") as f:\n    json.dump([width_before, width_after, HEADERS], f)")])

case("hoist_parameter_in_two_cells", "2-hoist", "refuse",
     "a parameter is assigned in two parameters cells",
     [("P", "region = \"eu\"\nlimit = 5"),
      ("I", "import json"),
      ("P", "limit = 50"),
      ("E", "rows = list(range(100))[:limit]"),
      ("L", "with open(\"rows.json\", \"w\") as f:\n    json.dump({\"region\": region, \"n\": len(rows)}, f)")],
     cell=2)

case("hoist_sample_after_step", "2-hoist", "refuse",
     "a sample cell overrides a parameter after a step already used it",
     [("P", "source = \"prod.csv\""),
      ("I", "import csv"),
      ("E", "path = source"),
      ("S", "source = \"orders.csv\""),
      ("T", "with open(source, newline=\"\") as f:\n    rows = list(csv.reader(f))"),
      ("L", "with open(\"n.txt\", \"w\") as f:\n    f.write(f\"{path} {len(rows)}\")")],
     files={"orders.csv": ORDERS_CSV}, cell=3)

case("hoist_step_helper_used_later", "2-hoist", "parity",
     "a helper first defined in a transform cell is used by a later load cell",
     [("I", "import json"),
      ("E", "scores = [0.2, 0.9, 0.5]"),
      ("T", "def grade(s):\n    return \"A\" if s > 0.8 else \"B\"\n\n\ngrades = [grade(s) for s in scores]"),
      ("L", "with open(\"grades.json\", \"w\") as f:\n    json.dump({\"grades\": grades, \"top\": grade(max(scores))}, f)")])

# --- 3-globals: helpers reading or writing globals ------------------------------------------------

case("globals_counter_in_helper", "3-globals", "parity",
     "a helper does `global calls; calls += 1` and is called twice",
     [("I", "import json"),
      ("F", "def fetch(key):\n    global calls\n    calls += 1\n    return key.upper()"),
      ("E", "calls = 0"),
      ("T", "a = fetch(\"x\")\nb = fetch(\"y\")"),
      ("L", "with open(\"calls.json\", \"w\") as f:\n    json.dump({\"calls\": calls, \"values\": [a, b]}, f)")])

case("globals_method_reads_rebound", "3-globals", "parity",
     "a method of an instance made earlier reads a global that a later step rebinds",
     [("I", "import json"),
      ("F", "class Scaler:\n    def apply(self, x):\n        return x * factor"),
      ("E", "factor = 2\nscaler = Scaler()"),
      ("T", "a = scaler.apply(10)"),
      ("T", "factor = 3"),
      ("T", "b = scaler.apply(10)"),
      ("L", "with open(\"scaled.json\", \"w\") as f:\n    json.dump([a, b], f)")])

case("globals_dict_of_functions", "3-globals", "parity",
     "helpers reached through a dict of functions read a parameter",
     [("I", "import json"),
      ("P", "suffix = \"!\""),
      ("F", "def shout(s):\n    return s.upper() + suffix\n\n\ndef whisper(s):\n    return s.lower() + suffix\n\n\n"
            "OPS = {\"shout\": shout, \"whisper\": whisper}"),
      ("E", "jobs = [(\"shout\", \"Hi\"), (\"whisper\", \"Bye\")]"),
      ("T", "said = [OPS[op](text) for op, text in jobs]"),
      ("L", "with open(\"said.json\", \"w\") as f:\n    json.dump(said, f)")])

case("globals_lambda_in_functions", "3-globals", "parity",
     "a lambda in the functions cell reads a parameter",
     [("I", "import json"),
      ("P", "sep = \"|\""),
      ("F", "join_row = lambda row: sep.join(str(v) for v in row)  # noqa: E731"),
      ("E", "rows = [[1, \"a\"], [2, \"b\"]]"),
      ("T", "lines = [join_row(r) for r in rows]"),
      ("L", "with open(\"lines.txt\", \"w\") as f:\n    f.write(\"\\n\".join(lines))")])

case("globals_builtin_named_parameter", "3-globals", "parity",
     "a parameter named `filter` (a builtin) is read by a helper",
     [("I", "import json"),
      ("P", "filter = \"fruit\""),
      ("F", "def pick(items):\n    return [name for name, kind in items if kind == filter]"),
      ("E", "items = [(\"apple\", \"fruit\"), (\"leek\", \"veg\"), (\"fig\", \"fruit\")]"),
      ("T", "picked = pick(items)"),
      ("L", "with open(\"picked.json\", \"w\") as f:\n    json.dump(picked, f)")])

case("globals_builtin_max_parameter", "3-globals", "parity",
     "a parameter named `max` read by a mapped helper",
     [("I", "import json"),
      ("P", "max = 3"),
      ("F", "def clip(v):\n    return v if v < max else max"),
      ("E", "values = [1, 5, 2, 9]"),
      ("T", "clipped = [clip(v) for v in values]"),
      ("L", "with open(\"clipped.json\", \"w\") as f:\n    json.dump(clipped, f)")])

case("globals_helper_creates_global", "3-globals", "parity",
     "a helper creates a new global with `global conn_str`; a later step reads it",
     [("I", "import json"),
      ("P", "db_file = \"app.db\""),
      ("F", "def configure(path):\n    global conn_str\n    conn_str = f\"sqlite:///{path}\""),
      ("E", "configure(db_file)"),
      ("T", "settings = {\"url\": conn_str}"),
      ("L", "with open(\"settings.json\", \"w\") as f:\n    json.dump(settings, f)")])

case("globals_mapped_reads_its_list", "3-globals", "parity",
     "a mapped function reads the list it is mapped over (a global)",
     [("I", "import json"),
      ("F", "def rank(v):\n    return sorted(scores, reverse=True).index(v) + 1"),
      ("E", "scores = [0.3, 0.9, 0.5]"),
      ("T", "ranks = [rank(s) for s in scores]"),
      ("L", "with open(\"ranks.json\", \"w\") as f:\n    json.dump(ranks, f)")])

case("globals_mapped_reads_rebound", "3-globals", "parity",
     "a mapped helper reads a global two steps bind differently before two maps",
     [("I", "import json"),
      ("F", "def shift(x):\n    return x + offset"),
      ("E", "xs = [1, 2, 3]\noffset = 10"),
      ("T", "low = [shift(x) for x in xs]"),
      ("T", "offset = 100"),
      ("T", "high = [shift(x) for x in xs]"),
      ("L", "with open(\"shifted.json\", \"w\") as f:\n    json.dump([low, high], f)")])

case("globals_default_arg_helper", "3-globals", "parity",
     "a helper reached through another helper's default argument reads a parameter",
     [("I", "import json"),
      ("P", "factor = 4"),
      ("F", "def scale(x):\n    return x * factor\n\n\ndef apply_all(xs, fn=scale):\n    return [fn(x) for x in xs]"),
      ("E", "xs = [1, 2]"),
      ("T", "ys = apply_all(xs)"),
      ("L", "with open(\"ys.json\", \"w\") as f:\n    json.dump(ys, f)")])

# --- 4-roundtrip: values that must survive parameters, samples and Prefect ------------------------

case("roundtrip_tuple_parameter", "4-roundtrip", "parity",
     "size = (4, 3): a tuple parameter stays a tuple of ints",
     [("I", "import json"),
      ("P", "size = (4, 3)"),
      ("E", "grid = [[0] * size[0] for _ in range(size[1])]"),
      ("L", "with open(\"grid.json\", \"w\") as f:\n    json.dump({\"size\": repr(size), \"cells\": sum(map(len, grid))}, f)")])

case("roundtrip_mixed_number_list", "4-roundtrip", "parity",
     "weights = [2, 0.5]: the int stays an int",
     [("I", "import json"),
      ("P", "weights = [2, 0.5]"),
      ("E", "labels = [\"x\" * w if isinstance(w, int) else \"half\" for w in weights]"),
      ("L", "with open(\"labels.json\", \"w\") as f:\n    json.dump({\"labels\": labels, \"repr\": repr(weights)}, f)")])

case("roundtrip_dict_int_and_float", "4-roundtrip", "parity",
     "opts = {'pages': 3, 'pause': 0.5}: range(opts['pages']) needs the int",
     [("I", "import json"),
      ("P", "opts = {\"pages\": 3, \"pause\": 0.5}"),
      ("E", "pages = [f\"page-{i}\" for i in range(opts[\"pages\"])]"),
      ("L", "with open(\"pages.json\", \"w\") as f:\n    json.dump(pages, f)")])

case("roundtrip_sample_none_for_int", "4-roundtrip", "parity",
     "limit = 10 as parameter, None in the sample cell",
     [("I", "import json"),
      ("P", "limit = 10"),
      ("S", "limit = None"),
      ("E", "data = list(range(25))\nrows = data if limit is None else data[:limit]"),
      ("L", "with open(\"n.json\", \"w\") as f:\n    json.dump(len(rows), f)")])

case("roundtrip_sample_float_for_int", "4-roundtrip", "parity",
     "fraction = 1 as parameter, 0.5 in the sample cell",
     [("I", "import json"),
      ("P", "fraction = 1"),
      ("S", "fraction = 0.5"),
      ("E", "data = list(range(10))\nrows = data[: int(len(data) * fraction)]"),
      ("L", "with open(\"n.json\", \"w\") as f:\n    json.dump(len(rows), f)")])

case("roundtrip_set_parameter", "4-roundtrip", "parity",
     "keep = {'a', 'c'}: a set literal parameter",
     [("I", "import json"),
      ("P", "keep = {\"a\", \"c\"}"),
      ("E", "kept = sorted(k for k in \"abcd\" if k in keep)"),
      ("L", "with open(\"kept.json\", \"w\") as f:\n    json.dump(kept, f)")])

case("roundtrip_generator_output", "4-roundtrip", "parity",
     "a generator step output consumed with next() in a later step",
     [("I", "import json"),
      ("E", "events = (e * 10 for e in range(4))"),
      ("T", "first = next(events)"),
      ("T", "rest = list(events)"),
      ("L", "with open(\"events.json\", \"w\") as f:\n    json.dump([first, rest], f)")],
     alt="refuse")

case("roundtrip_map_over_str", "4-roundtrip", "parity",
     "a mapped function over the characters of a str parameter",
     [("I", "import json"),
      ("P", "word = \"etl\""),
      ("F", "def code(ch):\n    return ord(ch) - 96"),
      ("T", "codes = [code(ch) for ch in word]"),
      ("L", "with open(\"codes.json\", \"w\") as f:\n    json.dump(codes, f)")])

case("roundtrip_bound_if_flag", "4-roundtrip", "parity",
     "rates is bound only when a flag is set; a later step reads it only then",
     [("I", "import json"),
      ("P", "use_rates = False"),
      ("E", "amounts = [10, 20]"),
      ("T", "if use_rates:\n    rates = {\"eur\": 1.1}"),
      ("L", "total = sum(a * rates[\"eur\"] for a in amounts) if use_rates else sum(amounts)\n"
            "with open(\"total.json\", \"w\") as f:\n    json.dump(total, f)")])

case("roundtrip_bound_try_except_pass", "4-roundtrip", "parity",
     "parsed is bound only when json.loads succeeds (try/except: pass)",
     [("I", "import json"),
      ("E", "raw = \"{not json\""),
      ("T", "ok = False\ntry:\n    parsed = json.loads(raw)\n    ok = True\nexcept ValueError:\n    pass"),
      ("L", "result = parsed if ok else {\"error\": \"unparseable\"}\nwith open(\"result.json\", \"w\") as f:\n"
            "    json.dump(result, f)")])

case("roundtrip_bound_for_empty", "4-roundtrip", "parity",
     "for last in batches: ... over an empty list leaves `last` unbound",
     [("I", "import json"),
      ("E", "batches = []"),
      ("T", "count = 0\nfor last in batches:\n    count += 1"),
      ("L", "tail = last if batches else None\nwith open(\"tail.json\", \"w\") as f:\n"
            "    json.dump({\"count\": count, \"tail\": tail}, f)")])

# --- 5-etlnb: scripts etlnb itself broke ----------------------------------------------------------

case("etlnb_map_item_named_like_global", "5-etlnb", "parity",
     "the map item is named like a parameter that the mapped function also reads",
     [("I", "import json"),
      ("P", "shift = 5"),
      ("F", "def move(shift_by):\n    return shift_by + shift"),
      ("E", "shifts = [1, 2, 3]"),
      ("T", "moved = [move(shift) for shift in shifts]"),
      ("L", "with open(\"moved.json\", \"w\") as f:\n    json.dump(moved, f)")])

case("etlnb_global_statement_in_step", "5-etlnb", "parity",
     "`global running` at the top of a step cell (a no-op in the notebook)",
     [("I", "import json"),
      ("E", "running = 1\nitems = [2, 3]"),
      ("T", "global running\nfor it in items:\n    running *= it"),
      ("L", "with open(\"running.json\", \"w\") as f:\n    json.dump(running, f)")])

case("etlnb_map_over_import_constant", "5-etlnb", "parity",
     "a mapped function over a list constant from the imports cell",
     [("I", "import json\n\nREGIONS = [\"north\", \"south\"]"),
      ("F", "def fetch(region):\n    return {\"region\": region, \"n\": len(region)}"),
      ("E", "raw = [fetch(r) for r in REGIONS]"),
      ("L", "with open(\"raw.json\", \"w\") as f:\n    json.dump(raw, f)")])

# --- 6-valid: ordinary idioms that must compile ---------------------------------------------------

case("valid_exploration_pandas", "6-valid", "parity",
     "df.info(), df.head() and df.describe() in untagged and skip cells between steps",
     [("I", "import pandas as pd"),
      ("E", "df = pd.read_csv(\"orders.csv\")"),
      ("U", "df.info()"),
      ("U", "df.head()"),
      ("T", "df[\"gross\"] = df[\"net\"] * df[\"qty\"]"),
      ("skip", "df.describe()"),
      ("L", "df.to_csv(\"gross.csv\", index=False)")],
     files={"orders.csv": ORDERS_CSV})

case("valid_exploration_keys_len", "6-valid", "parity",
     "raw[0].keys(), len(raw) and type(raw[0]) in untagged cells",
     [("I", "import json"),
      ("E", "raw = [{\"id\": 1, \"v\": 2}, {\"id\": 2, \"v\": 5}]"),
      ("U", "raw[0].keys()"),
      ("U", "len(raw), type(raw[0])"),
      ("T", "vs = [r[\"v\"] for r in raw]"),
      ("L", "with open(\"vs.json\", \"w\") as f:\n    json.dump(vs, f)")])

case("valid_walrus_filter", "6-valid", "parity",
     "[n for s in tokens if (n := int(s)) > 2]: walrus in a comprehension filter",
     [("I", "import json"),
      ("E", "tokens = [\"1\", \"5\", \" 3\", \"2\"]"),
      ("T", "big = [n for s in tokens if (n := int(s)) > 2]"),
      ("L", "with open(\"big.json\", \"w\") as f:\n    json.dump(big, f)")])

case("valid_try_nameerror_cache", "6-valid", "parity",
     "try: lookup except NameError: lookup = {} in a step",
     [("I", "import json"),
      ("E", "try:\n    lookup\nexcept NameError:\n    lookup = {}\nfor k in [\"a\", \"b\"]:\n    lookup[k] = len(lookup)"),
      ("L", "with open(\"lookup.json\", \"w\") as f:\n    json.dump(lookup, f)")])

case("valid_optional_import_in_step", "6-valid", "parity",
     "try: import ujson as fastjson except ImportError: fastjson = None, inside a step",
     [("I", "import json"),
      ("E", "try:\n    import ujson as fastjson\nexcept ImportError:\n    fastjson = None\nrows = [{\"a\": 1}]"),
      ("L", "dumps = fastjson.dumps if fastjson else json.dumps\nwith open(\"rows.json\", \"w\") as f:\n"
            "    f.write(dumps(rows))")])

case("valid_conditional_del", "6-valid", "parity",
     "if not keep_staging: del staging",
     [("I", "import json"),
      ("P", "keep_staging = False"),
      ("E", "staging = [3, 1, 2]"),
      ("T", "final = sorted(staging)\nif not keep_staging:\n    del staging"),
      ("L", "with open(\"final.json\", \"w\") as f:\n    json.dump(final, f)")])

case("valid_helper_sets_cache_global", "6-valid", "parity",
     "a helper sets a new global CACHE that a later helper call reads",
     [("I", "import json"),
      ("F", "def init_cache():\n    global CACHE\n    CACHE = {}\n\n\ndef remember(k, v):\n    CACHE[k] = v\n    return len(CACHE)"),
      ("E", "init_cache()\nsizes = [remember(k, k * 2) for k in range(3)]"),
      ("L", "with open(\"sizes.json\", \"w\") as f:\n    json.dump({\"sizes\": sizes, \"cache\": CACHE}, f)")])

case("valid_bare_display_in_step", "6-valid", "parity",
     "a step cell whose last line is a bare name (display only)",
     [("I", "import pandas as pd"),
      ("E", "df = pd.read_csv(\"orders.csv\")\ndf"),
      ("T", "per_sku = df.groupby(\"sku\", as_index=False)[\"qty\"].sum()\nper_sku"),
      ("L", "per_sku.to_csv(\"per_sku.csv\", index=False)")],
     files={"orders.csv": ORDERS_CSV})

case("valid_sample_computes_paths", "6-valid", "parity",
     "a sample cell computes its list of sources with glob from the notebook's folder",
     [("P", "sources = [\"s3://bucket/a.csv\"]"),
      ("I", "import csv\nimport glob"),
      ("S", "sources = sorted(glob.glob(\"samples/*.csv\"))"),
      ("E", "def read(path):\n    with open(path, newline=\"\") as f:\n        return list(csv.DictReader(f))\n\n\n"
            "parts = [read(s) for s in sources]"),
      ("L", "with open(\"count.txt\", \"w\") as f:\n    f.write(str(sum(len(p) for p in parts)))")],
     files={"samples/a.csv": "k,v\n1,2\n", "samples/b.csv": "k,v\n3,4\n5,6\n"})

case("valid_same_cell_rebind_in_imports", "6-valid", "parity",
     "an imports cell sets a constant then adjusts it (`ROOT = ...`, `if ...: ROOT = ...`): one cell, in order",
     [("I", "import json\nimport os\nROOT = \"data\"\nif not os.path.isdir(ROOT):\n    ROOT = \".\"\nOUT = os.path.join(ROOT, \"out.json\")"),
      ("E", "values = [1, 2, 3]"),
      ("L", "with open(OUT, \"w\") as f:\n    json.dump(values, f)")])

case("valid_exploration_reuses_executor_name", "6-valid", "parity",
     "exploration opens its own executor under the step's name (`ex`); the step's result is a plain list",
     [("I", "import json\nfrom concurrent.futures import ThreadPoolExecutor"),
      ("F", "def sq(x):\n    return x * x"),
      ("T", "with ThreadPoolExecutor(2) as ex:\n    out = list(ex.map(sq, [1, 2, 3]))"),
      ("U", "with ThreadPoolExecutor(2) as ex:\n    list(ex.map(sq, [9]))"),
      ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump(out, f)")])

# --- 7-hidden: notebook-only state reaching a step must be refused ---------------------------------

case("hidden_helper_reads_untagged", "7-hidden", "refuse",
     "a helper reads a name that only an untagged cell defines",
     [("I", "import json"),
      ("F", "def tax(x):\n    return x * rate"),
      ("U", "rate = 1.25"),
      ("E", "prices = [10, 20]"),
      ("T", "taxed = [tax(p) for p in prices]"),
      ("L", "with open(\"taxed.json\", \"w\") as f:\n    json.dump(taxed, f)")])

case("hidden_untagged_mutates_step_data", "7-hidden", "refuse",
     "an untagged cell appends to step data through an alias; the load sees the change",
     [("I", "import json"),
      ("E", "rows = [1, 2]"),
      ("U", "r = rows\nr.append(99)"),
      ("L", "with open(\"rows.json\", \"w\") as f:\n    json.dump(rows, f)")])

case("hidden_sample_only_name", "7-hidden", "refuse",
     "a step reads a non-parameter name that only the sample cell defines",
     [("P", "source = \"prod.csv\""),
      ("I", "import json"),
      ("S", "source = \"orders.csv\"\ndebug_rows = 2"),
      ("E", "with open(source) as f:\n    lines = f.read().splitlines()[:debug_rows]"),
      ("L", "with open(\"lines.json\", \"w\") as f:\n    json.dump(lines, f)")],
     files={"orders.csv": ORDERS_CSV}, cell=3)


# --- more variants: values shared between steps, names etlnb itself uses, IPython-only names --------

case("inplace_alias_across_steps", "1-inplace", "parity",
     "a list kept inside a dict by one step is appended to by a later step; the load writes the dict",
     [("I", "import json"),
      ("E", "batch = [1]\nenvelope = {\"batch\": batch, \"source\": \"api\"}"),
      ("T", "batch.append(2)"),
      ("L", "with open(\"envelope.json\", \"w\") as f:\n    json.dump(envelope, f)")])

case("inplace_step_mutates_parameter", "1-inplace", "parity",
     "a step appends to a list parameter; a later step reads the parameter",
     [("I", "import json"),
      ("P", "regions = [\"eu\", \"us\"]"),
      ("E", "regions.append(\"apac\")\nraw = {r: len(r) for r in regions}"),
      ("T", "n_regions = len(regions)"),
      ("L", "with open(\"regions.json\", \"w\") as f:\n    json.dump({\"raw\": raw, \"n\": n_regions}, f)")])

case("hoist_class_in_step_reads_step_value", "2-hoist", "parity",
     "a class defined in a transform cell whose method reads an extract output",
     [("I", "import json"),
      ("E", "cutoff = 5\nvalues = [3, 7, 9]"),
      ("T", "class Rule:\n    def ok(self, v):\n        return v > cutoff\n\n\nrule = Rule()\n"
            "passed = [v for v in values if rule.ok(v)]"),
      ("L", "with open(\"passed.json\", \"w\") as f:\n    json.dump(passed, f)")])

case("globals_step_def_reads_rebound", "3-globals", "parity",
     "a helper defined in a step reads a global that the next step rebinds before calling it again",
     [("I", "import json"),
      ("T", "unit = \"kg\"\n\n\ndef fmt(v):\n    return f\"{v} {unit}\"\n\n\na = fmt(1)"),
      ("T", "unit = \"g\"\nb = fmt(2)"),
      ("L", "with open(\"fmt.json\", \"w\") as f:\n    json.dump([a, b], f)")])

case("roundtrip_nested_tuple_in_dict", "4-roundtrip", "parity",
     "bounds = {'lo': -1, 'hi': None, 'tags': ('a', 'b')}: a tuple inside a dict parameter, a negative int",
     [("I", "import json"),
      ("P", "bounds = {\"lo\": -1, \"hi\": None, \"tags\": (\"a\", \"b\")}"),
      ("E", "kinds = {k: type(v).__name__ for k, v in bounds.items()}\nspan = list(range(bounds[\"lo\"], 2))"),
      ("L", "with open(\"kinds.json\", \"w\") as f:\n    json.dump({\"kinds\": kinds, \"span\": span}, f, sort_keys=True)")])

case("roundtrip_lambda_step_output", "4-roundtrip", "parity",
     "a lambda made by one step is used as a sort key by the next",
     [("I", "import json"),
      ("E", "rows = [{\"n\": 3}, {\"n\": 1}, {\"n\": 2}]\nby_n = lambda r: r[\"n\"]  # noqa: E731"),
      ("T", "ordered = sorted(rows, key=by_n)"),
      ("L", "with open(\"ordered.json\", \"w\") as f:\n    json.dump(ordered, f)")])

case("outside_makedirs_then_write", "1-outside", "parity",
     "one load creates a folder, a later load (no shared names) writes into it",
     [("I", "import json\nimport os\nimport time"),
      ("E", "totals = {\"a\": 1}"),
      ("L", "time.sleep(0.3)\nos.makedirs(\"out/daily\", exist_ok=True)"),
      ("L", "with open(\"out/daily/totals.json\", \"w\") as f:\n    json.dump(totals, f)")])

case("outside_log_file_two_loads", "1-outside", "parity",
     "a logger with a file handler from the imports cell; two loads log in notebook order",
     [("I", "import logging\nimport time\n\nlog = logging.getLogger(\"etl.faithful\")\nlog.setLevel(logging.INFO)\n"
            "log.propagate = False"),
      ("E", "handler = logging.FileHandler(\"run.log\")\nhandler.setFormatter(logging.Formatter(\"%(message)s\"))\n"
            "log.addHandler(handler)\nrows = [1, 2, 3]"),
      ("L", "time.sleep(0.3)\nlog.info(\"loaded %d rows\", len(rows))"),
      ("L", "log.info(\"done\")\nhandler.close()")])

case("outside_chdir_in_step", "1-outside", "parity",
     "an extract does os.chdir('data'); later steps use paths relative to it",
     [("I", "import json\nimport os"),
      ("E", "os.chdir(\"data\")\nwith open(\"in.json\") as f:\n    values = json.load(f)"),
      ("T", "doubled = [2 * v for v in values]"),
      ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump(doubled, f)")],
     files={"data/in.json": "[1, 2, 3]\n"})

case("etlnb_helper_named_task", "5-etlnb", "parity",
     "helpers named `task` and `flow` (the names the generated script imports from prefect)",
     [("I", "import json"),
      ("F", "def task(name):\n    return {\"task\": name}\n\n\ndef flow(items):\n    return [i[\"task\"] for i in items]"),
      ("E", "jobs = [task(\"a\"), task(\"b\")]"),
      ("T", "names = flow(jobs)"),
      ("L", "with open(\"names.json\", \"w\") as f:\n    json.dump(names, f)")])

case("etlnb_constant_named_like_generated", "5-etlnb", "parity",
     "imports-cell constants NOTEBOOK_DIR and SAMPLE_PARAMETERS (names the generated script defines)",
     [("I", "import json\nimport os\n\nNOTEBOOK_DIR = \"reports\"\nSAMPLE_PARAMETERS = {\"rows\": 2}"),
      ("E", "rows = list(range(SAMPLE_PARAMETERS[\"rows\"]))"),
      ("L", "os.makedirs(NOTEBOOK_DIR, exist_ok=True)\nwith open(os.path.join(NOTEBOOK_DIR, \"rows.json\"), \"w\") as f:\n"
            "    json.dump(rows, f)")],
     alt="refuse")

case("etlnb_dunder_name_main", "5-etlnb", "parity",
     "a load guarded by `if __name__ == '__main__':` (true in Jupyter)",
     [("I", "import json"),
      ("E", "rows = [1, 2]"),
      ("L", "if __name__ == \"__main__\":\n    with open(\"rows.json\", \"w\") as f:\n        json.dump(rows, f)")])

case("valid_display_call_in_step", "6-valid", "parity",
     "display(df.head()) inside a transform (IPython's display, a builtin in Jupyter)",
     [("I", "import pandas as pd"),
      ("E", "df = pd.read_csv(\"orders.csv\")"),
      ("T", "per_sku = df.groupby(\"sku\", as_index=False)[\"qty\"].sum()\ndisplay(per_sku.head())"),
      ("L", "per_sku.to_csv(\"per_sku.csv\", index=False)")],
     files={"orders.csv": ORDERS_CSV}, alt="refuse")


# --- real: adapted from public notebooks (tiny, offline; the first cell names the source) ----------

TITANIC_TRAIN = """PassengerId,Survived,Pclass,Name,Sex,Age,SibSp,Parch,Ticket,Fare,Cabin,Embarked
1,0,3,"Braund, Mr. Owen Harris",male,22,1,0,A/5 21171,7.25,,S
2,1,1,"Cumings, Mrs. John Bradley (Florence Briggs Thayer)",female,38,1,0,PC 17599,71.2833,C85,C
3,1,3,"Heikkinen, Miss. Laina",female,26,0,0,STON/O2. 3101282,7.925,,S
4,1,1,"Futrelle, Mrs. Jacques Heath (Lily May Peel)",female,35,1,0,113803,53.1,C123,S
5,0,3,"Allen, Mr. William Henry",male,35,0,0,373450,8.05,,S
6,0,3,"Moran, Mr. James",male,,0,0,330877,8.4583,,Q
7,0,1,"McCarthy, Mr. Timothy J",male,54,0,0,17463,51.8625,E46,S
8,0,3,"Palsson, Master. Gosta Leonard",male,2,3,1,349909,21.075,,S
"""
TITANIC_TEST = """PassengerId,Pclass,Name,Sex,Age,SibSp,Parch,Ticket,Fare,Cabin,Embarked
892,3,"Kelly, Mr. James",male,34.5,0,0,330911,7.8292,,Q
893,3,"Wilkes, Mrs. James (Ellen Needs)",female,47,1,0,363272,7,,S
894,2,"Myles, Mr. Thomas Francis",male,62,0,0,240276,9.6875,,Q
895,1,"Spencer, Mrs. William Augustus",female,,1,0,PC 17569,,B78,C
"""
JFK_WEATHER = """DATE,HOURLYVISIBILITY,HOURLYDRYBULBTEMPF,HOURLYWindDirection,HOURLYPressureTendency,HOURLYPrecip,HOURLYSKYCONDITIONS
2010-01-01 00:51,6.00,33,230,8,0.01,OVC:08 7
2010-01-01 01:51,5.00,33,240,*,T,OVC:08 6
2010-01-01 02:51,14.00,34,230,6,0.02s,BKN:07 9
2010-01-01 03:45,4.00,*,220,,,OVC:08 5
2010-01-01 03:51,5.00,35,220,5,0.01,OVC:08 5
2010-01-01 04:51,7.00,35,210,4,T,SCT:04 20
2010-01-01 05:51,10.00,36,200,3,0.00,CLR:00
"""

case("real_kale_titanic", "real", "parity",
     "kale titanic example: for dataset in [train_df, test_df]: dataset[...] = ..., then drops and a fit",
     [("md", "Adapted from kubeflow-kale/examples, titanic-ml-dataset/titanic_dataset_ml.ipynb (credit there: "
             "Niklas Donges): cut to a few cells and rows, Kale's block tags replaced by etlnb roles, the random "
             "age fill replaced by the median, one model instead of six."),
      ("I", "import re\n\nimport numpy as np\nimport pandas as pd\nfrom sklearn.naive_bayes import GaussianNB"),
      ("P", "PREDICTION_LABEL = 'Survived'"),
      ("E", "path = \"data/\"\n\ntest_df = pd.read_csv(path + \"test.csv\")\ntrain_df = pd.read_csv(path + \"train.csv\")"),
      ("T", "data = [train_df, test_df]\nfor dataset in data:\n"
            "    dataset['relatives'] = dataset['SibSp'] + dataset['Parch']\n"
            "    dataset.loc[dataset['relatives'] > 0, 'not_alone'] = 0\n"
            "    dataset.loc[dataset['relatives'] == 0, 'not_alone'] = 1\n"
            "    dataset['not_alone'] = dataset['not_alone'].astype(int)\n"
            "train_df['not_alone'].value_counts()"),
      ("T", "deck = {\"A\": 1, \"B\": 2, \"C\": 3, \"D\": 4, \"E\": 5, \"F\": 6, \"G\": 7, \"U\": 8}\n"
            "data = [train_df, test_df]\n\nfor dataset in data:\n"
            "    dataset['Cabin'] = dataset['Cabin'].fillna(\"U0\")\n"
            "    dataset['Deck'] = dataset['Cabin'].map(lambda x: re.compile(\"([a-zA-Z]+)\").search(x).group())\n"
            "    dataset['Deck'] = dataset['Deck'].map(deck)\n"
            "    dataset['Deck'] = dataset['Deck'].fillna(0)\n"
            "    dataset['Deck'] = dataset['Deck'].astype(int)\n"
            "# we can now drop the cabin feature\n"
            "train_df = train_df.drop(['PassengerId', 'Cabin', 'Name', 'Ticket'], axis=1)\n"
            "test_df = test_df.drop(['Cabin', 'Name', 'Ticket'], axis=1)\n"
            "genders = {\"male\": 0, \"female\": 1}\nports = {\"S\": 0, \"C\": 1, \"Q\": 2}\n"
            "for dataset in [train_df, test_df]:\n"
            "    dataset['Sex'] = dataset['Sex'].map(genders)\n"
            "    dataset['Embarked'] = dataset['Embarked'].fillna('S').map(ports)\n"
            "    dataset['Age'] = dataset['Age'].fillna(train_df['Age'].median()).astype(int)\n"
            "    dataset['Fare'] = dataset['Fare'].fillna(0).astype(int)"),
      ("T", "train_labels = train_df[PREDICTION_LABEL]\ntrain_df = train_df.drop(PREDICTION_LABEL, axis=1)\n"
            "gaussian = GaussianNB()\ngaussian.fit(train_df, train_labels)\n"
            "acc_gaussian = round(gaussian.score(train_df, train_labels) * 100, 2)"),
      ("L", "predicted = gaussian.predict(test_df.drop('PassengerId', axis=1))\n"
            "pd.DataFrame({'PassengerId': test_df['PassengerId'], 'Survived': predicted}).to_csv("
            "'predictions.csv', index=False)\nwith open('accuracy.txt', 'w') as f:\n    f.write(str(acc_gaussian))")],
     files={"data/train.csv": TITANIC_TRAIN, "data/test.csv": TITANIC_TEST})

case("real_kale_candies", "real", "parity",
     "kale base example: three steps draw from the global random generator the first step seeded",
     [("md", "Adapted from kubeflow-kale/examples, base/candies_sharing.ipynb: Kale's pipeline-parameters and "
             "block tags replaced by etlnb roles; a `random.seed` added so that sample runs repeat; a load added."),
      ("I", "import json\nimport random"),
      ("P", "CANDIES = 20"),
      ("F", "def get_handful(left):\n    if left == 0:\n        print(\"There are no candies left! I want to cry :(\")\n"
            "        return 0\n    c = random.randint(1, left)\n    print(\"I got %s candies!\" % c)\n    return c"),
      ("E", "random.seed(CANDIES)\n"
            "print(\"Let's put in a bag %s candies and have three kids get a handful of them each\" % CANDIES)"),
      ("T", "# kid1 gets a handful, without looking in the bad!\nkid1 = get_handful(CANDIES)"),
      ("T", "kid2 = get_handful(CANDIES - kid1)\nkid3 = get_handful(CANDIES - kid1 - kid2)"),
      ("L", "with open(\"handfuls.json\", \"w\") as f:\n    json.dump([kid1, kid2, kid3], f)")])

case("real_elyra_noaa_cleaning", "real", "parity",
     "elyra NOAA cleaning: drop/replace inplace=True, a column loop, resample, rename, to_csv",
     [("md", "Adapted from elyra-ai/examples, pipelines/introduction-to-generic-pipelines/Part 1 - Data "
             "Cleaning.ipynb (MIT, IBM CODAIT): seven rows instead of 114,546, fewer columns, exploration cells "
             "left out; `fillna(method='ffill')` written `.ffill()` (pandas 3)."),
      ("I", "import re\n\nimport numpy as np\nimport pandas as pd"),
      ("E", "raw_data = pd.read_csv('data/jfk_weather.csv',\n                       parse_dates=['DATE'])\n"
            "raw_data.head()"),
      ("T", "# Choose what columns to import from raw data\ncolumn_subset = [\n    'DATE',\n    'HOURLYVISIBILITY',\n"
            "    'HOURLYDRYBULBTEMPF',\n    'HOURLYWindDirection',\n    'HOURLYPressureTendency',\n"
            "    'HOURLYPrecip',\n]\n\n# Filter dataset to relevant columns\nhourly_data = raw_data[column_subset]\n"
            "# Set date index\nhourly_data = hourly_data.set_index(pd.DatetimeIndex(hourly_data['DATE']))\n"
            "hourly_data.drop(['DATE'], axis=1, inplace=True)\n"
            "hourly_data.replace(to_replace='*', value=np.nan, inplace=True)\n"
            "# Set of columns to convert\nmessy_columns = column_subset[1:]\n\n"
            "# Convert columns to float32 datatype\nfor i in messy_columns:\n"
            "    hourly_data[i] = hourly_data[i].apply(\n        lambda x: re.sub('[^0-9,.-]', '', x)\n"
            "        if type(x) == str else x).replace('', np.nan).astype(('float32'))"),
      ("T", "# Replace any hourly visibility figure outside these bounds with nan\n"
            "hourly_data.loc[hourly_data['HOURLYVISIBILITY'] > 10, 'HOURLYVISIBILITY'] = np.nan\n"
            "hourly_data = hourly_data.resample('60min').last().shift(periods=1)\n"
            "hourly_data['HOURLYPressureTendency'] =\\\n    hourly_data['HOURLYPressureTendency'].ffill()\n"
            "hourly_data = hourly_data.interpolate(method='linear')  # interpolate missing values\n"
            "hourly_data.drop(hourly_data.index[0], inplace=True)  # drop first row"),
      ("T", "hourly_data['HOURLYWindDirectionSin'] = np.sin(hourly_data['HOURLYWindDirection'] * (2. * np.pi / 360))\n"
            "hourly_data['HOURLYWindDirectionCos'] = np.cos(hourly_data['HOURLYWindDirection'] * (2. * np.pi / 360))\n"
            "hourly_data.drop(['HOURLYWindDirection'], axis=1, inplace=True)\n"
            "columns_new_name = ['visibility', 'dry_bulb_temp_f', 'pressure_tendency', 'precip',\n"
            "                    'wind_direction_sin', 'wind_direction_cos']\n"
            "columns_name_map =\\\n    {c: columns_new_name[i] for i, c in enumerate(hourly_data.columns)}\n"
            "hourly_data_renamed = hourly_data.rename(columns=columns_name_map)"),
      ("L", "hourly_data_renamed.to_csv(\n    \"data/jfk_weather_cleaned.csv\",\n    float_format='%g')")],
     files={"data/jfk_weather.csv": JFK_WEATHER})

case("real_papermill_parameters", "real", "parity",
     "papermill's own parameter-cell test: annotated parameters (a: float, c: 'NoneType' = None), comments in a list",
     [("md", "Adapted from nteract/papermill, papermill/tests/notebooks/complex_parameters.ipynb and "
             "binder/cli-simple/simple_input.ipynb: the parameters cell as papermill tests it (without its "
             "deliberately broken and non-literal lines), a sample cell and three small steps added."),
      ("P", "msg = None\na: float = 2.25  # Variable a\nb = [\n    'Hello',  # First element\n# Dummy comment\n"
            "    'World'\n]  # type: List[str] Nice list\n\n# Interesting c variable\nc: \"NoneType\" = None"),
      ("I", "import json"),
      ("S", "msg = \"sample run\""),
      ("E", "greeting = f\"{msg}: {' '.join(b)} x{a}\"\nprint(greeting)"),
      ("T", "payload = {\"greeting\": greeting, \"a\": a, \"c\": c,\n"
            "           \"types\": [type(v).__name__ for v in (msg, a, b, c)]}"),
      ("L", "with open(\"payload.json\", \"w\") as f:\n    json.dump(payload, f)")])


# --- more written to break it (added with the compiler fixes) -----------------------------------

case("extra_del_parameter", "1-inplace", "parity",
     "a step deletes a parameter after using it",
     [("P", "items = [3, 1, 2]"), ("I", "import json"),
      ("T", "ordered = sorted(items)\ndel items"),
      ("L", "with open(\"ordered.json\", \"w\") as f:\n    json.dump(ordered, f)")])

case("extra_instance_state_across_steps", "1-inplace", "parity",
     "an instance made in one step, changed by its own method in another, read in a third",
     [("I", "import json"),
      ("F", "class Counter:\n    def __init__(self):\n        self.n = 0\n\n    def inc(self):\n        self.n += 1"),
      ("E", "c = Counter()"), ("T", "c.inc()\nc.inc()"),
      ("L", "with open(\"n.json\", \"w\") as f:\n    json.dump(c.n, f)")])

case("extra_helper_creates_frame_global", "3-globals", "parity",
     "a helper creates a DataFrame global; later steps change and write it",
     [("I", "import pandas as pd"),
      ("F", "def build():\n    global frame\n    frame = pd.DataFrame({\"a\": [1, 2]})"),
      ("E", "build()"), ("T", "frame[\"b\"] = frame[\"a\"] * 2\nout = frame.copy()"),
      ("L", "out.to_csv(\"out.csv\", index=False)")])

case("extra_stored_lambda_reads_rebound_param", "3-globals", "parity",
     "a lambda stored in one step reads a parameter a later step rebinds",
     [("P", "col = \"a\""), ("I", "import json"),
      ("E", "rows = [{\"a\": 2, \"b\": 1}, {\"a\": 1, \"b\": 2}]\nkey = lambda r: r[col]"),
      ("T", "col = \"b\""),
      ("L", "ordered = sorted(rows, key=key)\nwith open(\"o.json\", \"w\") as f:\n    json.dump(ordered, f)")])

case("extra_map_before_and_after_rebind", "3-globals", "parity",
     "the same helper mapped before and after a step rebinds the global it reads",
     [("P", "rate = 2"), ("I", "import json"), ("F", "def f(x):\n    return x * rate"),
      ("E", "xs = [1, 2, 3]\nys = [f(x) for x in xs]"), ("T", "rate = 10"),
      ("L", "zs = [f(x) for x in xs]\nwith open(\"r.json\", \"w\") as f_:\n    json.dump([ys, zs], f_)")])

case("extra_unpacked_element_alias", "1-inplace", "parity",
     "unpacking a tuple of lists, then changing one element",
     [("I", "import json"), ("E", "pair = ([1], [2])"), ("T", "first, second = pair\nfirst.append(9)"),
      ("L", "with open(\"p.json\", \"w\") as f:\n    json.dump(pair, f)")])


# --- 8-verify: parity is complete, exact and free of false alarms (issue 23) ----------------------

case("verify_exploration_saves_figure", "8-verify", "parity",
     "an exploration cell saves a figure the flow never writes: left out, not a mismatch",
     [("I", "import json"), ("E", "values = [3, 1, 2]"),
      ("U", "with open(\"figure.txt\", \"w\") as f:\n    f.write(str(sorted(values)))"),
      ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump(values, f)")],
     says="left out: written by exploration cell 3", left_out=["figure.txt"])

case("verify_writes_beside_folder", "8-verify", "parity",
     "a load writes beside the notebook's folder (../): each run has its own copy, compared",
     [("I", "import json\nimport os"), ("E", "values = [1, 2, 3]"),
      ("L", "os.makedirs(\"../verify_beside_out\", exist_ok=True)\n"
            "with open(\"../verify_beside_out/values.json\", \"w\") as f:\n    json.dump(values, f)")],
     says="written files equal")

case("verify_tempfile_roundtrip", "8-verify", "parity",
     "a step writes and reads back a temporary file: per run, never a shared file",
     [("I", "import json\nimport os\nimport tempfile"), ("E", "values = [4, 5]"),
      ("T", "with tempfile.TemporaryDirectory() as work:\n    with open(os.path.join(work, \"v.txt\"), \"w\") as f:\n"
            "        f.write(\",\".join(map(str, values)))\n"
            "    with open(os.path.join(work, \"v.txt\")) as f:\n        total = sum(map(int, f.read().split(\",\")))"),
      ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump(total, f)")])

case("verify_missing_values", "8-verify", "parity",
     "NaT, pd.NA, None and NaN inside object arrays, tuples, dicts and frames are equal to themselves",
     [("I", "import json\nimport numpy as np\nimport pandas as pd"),
      ("E", "marks = np.array([pd.NaT, None, np.nan, \"x\"], dtype=object)\nrow = (pd.NA, float(\"nan\"), None)\n"
            "lookup = {\"a\": pd.NaT, \"b\": np.datetime64(\"NaT\")}\n"
            "frame = pd.DataFrame({\"when\": pd.Series([pd.NaT, pd.Timestamp(\"2024-01-01\")], dtype=object),"
            " \"v\": pd.array([pd.NA, 1], dtype=\"Int64\")})"),
      ("L", "with open(\"out.json\", \"w\") as f:\n"
            "    json.dump([len(marks), len(row), sorted(lookup), int(frame[\"v\"].isna().sum())], f)")])

case("verify_abspath_value", "8-verify", "parity",
     "a step keeps os.path.abspath of its input: equal but for each run's own folder",
     [("I", "import json\nimport os"), ("E", "source = os.path.abspath(\"data.txt\")\n"
            "with open(source) as f:\n    rows = f.read().split()"),
      ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump({\"rows\": rows, \"name\": os.path.basename(source)}, f)")],
     files={"data.txt": "a b c\n"})

case("verify_rebind_after_last_step", "8-verify", "parity",
     "a plot cell after the last step rebinds a step's name: no later step reads it, so not hidden state",
     [("I", "import json"), ("E", "prices = [3.0, 1.0, 2.0]"),
      ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump(prices, f)"),
      ("U", "prices = sorted(prices)  # for the plot\nprint(prices)")])

case("verify_writes_outside_folder", "8-verify", "differ",
     "a load writes a fixed absolute path: both runs would share one real file, so parity refuses to call it equal",
     [("I", "import json\nimport os"), ("E", "values = [1, 2]"),
      ("L", "os.makedirs(\"/tmp/etlnb-verify-shared\", exist_ok=True)\n"
            "with open(\"/tmp/etlnb-verify-shared/report.json\", \"w\") as f:\n    json.dump(values, f)")],
     says="file /tmp/etlnb-verify-shared/report.json: written outside the notebook's folder")

case("verify_sqlite_outside_folder", "8-verify", "differ",
     "a load writes an SQLite database at a fixed path outside the folder: one real file both runs share",
     [("I", "import sqlite3"), ("P", "db_path = \"/tmp/etlnb-verify-outside.db\""), ("E", "rows = [(1, \"a\"), (2, \"b\")]"),
      ("L", "con = sqlite3.connect(db_path)\ncon.execute(\"CREATE TABLE IF NOT EXISTS t (k INTEGER, v TEXT)\")\n"
            "con.executemany(\"INSERT INTO t VALUES (?, ?)\", rows)\ncon.commit()\ncon.close()")],
     says="database /tmp/etlnb-verify-outside.db: written outside the notebook's folder")

case("verify_parquet_parameter_outside_folder", "8-verify", "differ",
     "to_parquet (pyarrow writes natively, unseen by the witness) to a parameter's absolute path",
     [("I", "import pandas as pd"), ("P", "dest = \"/tmp/etlnb-verify-outside.parquet\""),
      ("E", "df = pd.DataFrame({\"v\": [1, 2, 3]})"), ("L", "df.to_parquet(dest)")],
     says="file /tmp/etlnb-verify-outside.parquet: written outside the notebook's folder")

case("verify_parquet_outside_through_helper", "8-verify", "differ",
     "a notebook helper writes parquet files outside the folder, names built in a loop (seen by the witness)",
     [("I", "import os\nimport pandas as pd"), ("P", "dest_dir = \"/tmp/etlnb-verify-helper\""),
      ("F", "def save(frame, name):\n    os.makedirs(dest_dir, exist_ok=True)\n    frame.to_parquet(os.path.join(dest_dir, name))"),
      ("E", "df = pd.DataFrame({\"v\": [1, 2]})"), ("L", "for part in [\"a\", \"b\"]:\n    save(df, part + \".parquet\")")],
     says="file /tmp/etlnb-verify-helper/a.parquet: written outside the notebook's folder")

case("verify_parquet_outside_through_alias", "8-verify", "differ",
     "to_parquet through other names for the frame and the path",
     [("I", "import pandas as pd"), ("P", "target = \"/tmp/etlnb-verify-alias.parquet\""),
      ("E", "df = pd.DataFrame({\"v\": [1, 2]})"), ("L", "where = target\nout = df\nout.to_parquet(where)")],
     says="file /tmp/etlnb-verify-alias.parquet: written outside the notebook's folder")

case("verify_signed_zero", "8-verify", "differ",
     "a value that is -0.0 in the notebook and 0.0 in the flow: exact parity tells them apart",
     [("I", "import sys\nimport pandas as pd"),
      ("E", "z = -0.0 if \"ipykernel\" in sys.modules else 0.0\nframe = pd.DataFrame({\"z\": [1.0, z]})"),
      ("L", "frame.to_csv(\"frame.csv\", index=False)")],
     says="notebook -0.0, flow 0.0")

case("verify_unseeded_random_explained", "8-verify", "differ",
     "an unseeded draw differs between notebook and flow: parity says why and what to do",
     [("I", "import json\nimport random"), ("E", "draws = [random.randint(0, 10**9) for _ in range(3)]"),
      ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump(draws, f)")],
     says="why: cell 2 [extract] id=c1 reads the global `random` generator")


# --- 9-prefect-owns: names and values Prefect or pydantic own -------------------------------------------------

case("prefect_param_wait_for", "9-prefect-owns", "refuse",
     "a parameter named like a keyword of Prefect's flow call (`wait_for`)",
     [("I", "import json"), ("P", "wait_for = 3"), ("E", "values = list(range(wait_for))"),
      ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump(values, f)")],
     cell=1, says="parameter `wait_for` cannot be a flow parameter")

case("prefect_param_underscore", "9-prefect-owns", "refuse",
     "a parameter whose name starts with `_` (pydantic refuses it as a field)",
     [("I", "import json"), ("P", "limit = 2\n_scale = 10"), ("E", "values = [i * _scale for i in range(limit)]"),
      ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump(values, f)")],
     cell=1, says="parameter `_scale` cannot be a flow parameter")

case("prefect_param_pydantic_attribute", "9-prefect-owns", "refuse",
     "a parameter named like a pydantic model attribute (`model_extra` would reach the flow as None)",
     [("I", "import json"), ("P", "model_extra = {\"depth\": 3}"), ("E", "depth = model_extra[\"depth\"] * 2"),
      ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump(depth, f)")],
     cell=1, says="parameter `model_extra` cannot be a flow parameter")

case("prefect_param_self", "9-prefect-owns", "refuse",
     "a parameter named `self` (Prefect's flow call takes it positionally)",
     [("I", "import json"), ("P", "self = \"me\""), ("E", "greeting = f\"hi {self}\""),
      ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump(greeting, f)")],
     cell=1, says="parameter `self` cannot be a flow parameter")

case("prefect_map_keyword_globals", "9-prefect-owns", "parity",
     "a mapped helper reads step values named like Task.map's own keywords (wait_for, deferred, return_state)",
     [("I", "import json"), ("P", "k = 2"),
      ("F", "def score(x):\n    return x * wait_for + deferred + len(return_state)"),
      ("E", "items = [1, 2, 3]\nwait_for = k\ndeferred = 10\nreturn_state = \"ab\""),
      ("T", "scores = [score(i) for i in items]"),
      ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump(scores, f)")])

case("prefect_step_values_named_like_keywords", "9-prefect-owns", "parity",
     "plain steps pass values named wait_for / return_state / self between them (positional task calls)",
     [("I", "import json"), ("P", "n = 3"),
      ("E", "wait_for = list(range(n))\nreturn_state = {\"ok\": True}\nself = \"runner\""),
      ("T", "summary = {\"total\": sum(wait_for), \"state\": return_state, \"who\": self}"),
      ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump(summary, f)")])

case("prefect_param_infinity", "9-prefect-owns", "refuse",
     "a parameter literal JSON cannot carry (1e999 is a float infinity)",
     [("I", "import json"), ("P", "ceiling = 1e999\nrows = 3"), ("E", "values = [min(i, ceiling) for i in range(rows)]"),
      ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump(values, f)")],
     cell=1, says="parameter `ceiling` holds a float infinity or NaN")



# --- 16-sorted-imports: one sorted import block must not change what imports do --------------------

case("imports_sorted_across_cells", "16-sorted-imports", "parity",
     "imports of three cells (one repeated, one after a functions cell) become one sorted block",
     [("I", "import pandas as pd\nimport os\nimport json, re"),
      ("F", "def norm(s):\n    return re.sub(r\"\\s+\", \" \", s).strip()"),
      ("I", "from collections import Counter\nimport json"),
      ("E", "words = pd.Series([norm(\" a  b \"), \"b\", \"a b\"])"),
      ("T", "counts = Counter(words)"),
      ("L", "with open(os.path.join(\".\", \"counts.json\"), \"w\") as f:\n    json.dump(sorted(counts.items()), f)")])

case("imports_after_warning_filter_stay", "16-sorted-imports", "parity",
     "an import after `warnings.simplefilter` in the imports cell stays after it (importing may warn)",
     [("I", "import warnings\nimport json\nwarnings.simplefilter(\"ignore\")\nimport fractions"),
      ("E", "x = fractions.Fraction(1, 3) + fractions.Fraction(1, 6)"),
      ("L", "with open(\"x.json\", \"w\") as f:\n    json.dump(str(x), f)")])

case("imports_only_exploration_uses_kept", "16-sorted-imports", "parity",
     "an import only an exploration cell uses is kept (its import may have effects) and marked",
     [("I", "import json\nimport statistics\nimport decimal"),
      ("E", "values = [1.5, 2.5, 4.0]"),
      ("U", "statistics.mean(values)"),
      ("L", "with open(\"v.json\", \"w\") as f:\n    json.dump(values, f)\nprint(decimal.Decimal(\"1.1\"))")])

# --- 10-unseen-names: names read where Python's scoping does not show them -------------------------

case("unseen_query_eval_at_names", "10-unseen-names", "parity",
     "df.query and df.eval read a parameter and a step value through `@name` in their strings",
     [("I", "import pandas as pd"), ("P", "min_temp = 10"),
      ("E", "df = pd.DataFrame({\"temp\": [5, 12, 20], \"qty\": [1, 2, 3]})"),
      ("T", "rate = 2.5\nhot = df.query(\"temp > @min_temp\")\ntotals = df.eval(\"total = qty * @rate\")"),
      ("L", "hot.to_csv(\"hot.csv\", index=False)\ntotals.to_csv(\"totals.csv\", index=False)")])

case("unseen_query_in_helper", "10-unseen-names", "parity",
     "a helper's df.query reads a parameter through `@name` (a module global of the flow)",
     [("I", "import pandas as pd"), ("P", "min_temp = 10"),
      ("F", "def hot(frame):\n    return frame.query(\"temp > @min_temp\")"),
      ("E", "df = pd.DataFrame({\"temp\": [5, 12, 20]})"), ("T", "h = hot(df)"),
      ("L", "h.to_csv(\"hot.csv\", index=False)")])

case("unseen_class_body_reads_step", "10-unseen-names", "parity",
     "a class body in a step reads step data (`cutoff = limit`), another attribute reads the first",
     [("I", "import json"), ("P", "threshold = 3"), ("E", "limit = threshold * 2"),
      ("T", "class Rule:\n    cutoff = limit\n    wide = cutoff + 1\n\n    def ok(self, v):\n"
            "        return v < self.wide\n\n\nkept = [v for v in range(10) if Rule().ok(v)]"),
      ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump(kept, f)")])

case("unseen_query_string_in_parameter", "10-unseen-names", "parity",
     "the query string is a parameter (`rule = 'temp > @min_temp'`): the step still gets `min_temp`",
     [("I", "import pandas as pd"), ("P", "min_temp = 10\nrule = \"temp > @min_temp\""),
      ("E", "df = pd.DataFrame({\"temp\": [5, 12, 20]})"), ("T", "hot = df.query(rule)"),
      ("L", "hot.to_csv(\"hot.csv\", index=False)")])

case("unseen_query_string_from_helper", "10-unseen-names", "parity",
     "a helper builds the query string (`col + ' < @limit'`): the step still gets `limit`",
     [("I", "import pandas as pd"), ("P", "limit = 3"),
      ("F", "def rule_for(col):\n    return col + \" < @limit\""),
      ("E", "df = pd.DataFrame({\"a\": [1, 5, 2]})"), ("T", "small = df.query(rule_for(\"a\"))"),
      ("L", "small.to_csv(\"small.csv\", index=False)")])

case("unseen_query_string_in_step_variable", "10-unseen-names", "parity",
     "a step keeps its query in a variable and reads an earlier step's value through it",
     [("I", "import pandas as pd"), ("E", "df = pd.DataFrame({\"a\": [1, 5, 2]})\ncut = df[\"a\"].median()"),
      ("T", "expr = \"a >= @cut\"\nq = df.query(expr)"), ("L", "q.to_csv(\"q.csv\", index=False)")])

case("unseen_builtin_eval", "10-unseen-names", "parity",
     "builtin eval of a literal string reads a parameter and a step value",
     [("I", "import json"), ("P", "a = 2"), ("E", "b = a * 10"), ("T", "total = eval(\"a + b\")"),
      ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump(total, f)")])

case("unseen_sql_at_parameter", "10-unseen-names", "parity",
     "an `@name` in another object's .query string (an SQL parameter) is not a notebook name: no refusal",
     [("I", "import json"), ("P", "n = 3"),
      ("F", "class Db:\n    def query(self, sql):\n        return sql.count(\"@\")"),
      ("E", "db = Db()\nhits = db.query(\"select * from t where a = @not_a_notebook_name\")"),
      ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump(hits + n, f)")])


# --- 11-later-cells: a later imports/functions cell's code runs after the steps above it -------------

case("later_imports_reseed", "11-later-cells", "parity",
     "a second imports cell reseeds random between two steps that draw",
     [("I", "import json\nimport random\nrandom.seed(0)"), ("E", "a = [random.randint(0, 999) for _ in range(3)]"),
      ("I", "random.seed(1)"), ("T", "b = [random.randint(0, 999) for _ in range(3)]"),
      ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump([a, b], f)")])

case("later_imports_decimal_precision", "11-later-cells", "parity",
     "a later imports cell sets the decimal context's precision after a step computed with the default",
     [("I", "import json\nfrom decimal import Decimal, getcontext"), ("E", "x = str(Decimal(1) / Decimal(7))"),
      ("I", "getcontext().prec = 8"), ("T", "y = str(Decimal(1) / Decimal(7))"),
      ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump([x, y], f)")])

case("later_functions_register_decorator", "11-later-cells", "parity",
     "a functions cell's decorator registers into a registry an earlier step created",
     [("I", "import json"), ("P", "n = 2"), ("E", "REGISTRY = {}"),
      ("F", "def register(fn):\n    REGISTRY[fn.__name__] = fn\n    return fn\n\n\n@register\ndef double(v):\n    return v * 2"),
      ("T", "out = {k: f(n) for k, f in REGISTRY.items()}"),
      ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump(out, f)")])

case("later_imports_reads_step_file", "11-later-cells", "parity",
     "a later imports cell reads a constant from a file an earlier step wrote",
     [("I", "import json"), ("P", "n = 2"),
      ("E", "with open(\"cfg.json\", \"w\") as f:\n    json.dump({\"k\": n * 5}, f)"),
      ("I", "with open(\"cfg.json\") as f:\n    K = json.load(f)[\"k\"]"), ("T", "val = K + 1"),
      ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump(val, f)")])

case("later_step_sys_path_then_import", "11-later-cells", "parity",
     "a step puts lib/ on sys.path, then imports a module from it: the import stays after the insert",
     [("I", "import json\nimport os\nimport sys"), ("P", "n = 2"),
      ("E", "sys.path.insert(0, os.path.abspath(\"lib\"))\nimport helper_mod\n\nv = helper_mod.times_seven(n)"),
      ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump(v, f)")],
     files={"lib/helper_mod.py": "def times_seven(n):\n    return n * 7\n"})

case("later_functions_inert_hoisted", "11-later-cells", "parity",
     "a later functions cell with only inert code (a def, a compiled pattern, a literal) still works",
     [("I", "import json\nimport re"), ("E", "words = [\"a1\", \"b22\", \"c\"]"),
      ("F", "PATTERN = re.compile(r\"\\d+\")\nLIMIT = 2 * 3\n\n\ndef digits(w, pattern=PATTERN):\n    return pattern.findall(w)"),
      ("T", "found = [digits(w) for w in words][:LIMIT]"),
      ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump(found, f)")])


# --- 12-exploration-state: exploration cells that change outside state a later step uses -------------

case("explore_display_option_rendered", "12-exploration-state", "refuse",
     "an exploration cell sets pandas' display precision; a later step renders the frame as text",
     [("I", "import pandas as pd"), ("E", "df = pd.DataFrame({\"v\": [1.123456789, 2.5]})"),
      ("U", "pd.set_option(\"display.precision\", 2)"), ("T", "text = df.to_string()"),
      ("L", "with open(\"out.txt\", \"w\") as f:\n    f.write(text)")],
     cell=2, says="changes pandas display options")

case("explore_logging_to_file", "12-exploration-state", "refuse",
     "an exploration cell sends logging to a file; a later step logs",
     [("I", "import logging"), ("P", "n = 3"),
      ("U", "logging.basicConfig(filename=\"run.log\", level=logging.INFO, force=True)"),
      ("T", "logging.info(\"rows %d\", n)\nv = n * 2"), ("L", "print(v)")],
     cell=2, says="changes logging's configuration")

case("explore_adds_to_module_set", "12-exploration-state", "refuse",
     "an exploration cell adds to a module-level set a later step reads",
     [("I", "import json\n\nSEEN = set()"), ("P", "n = 3"), ("U", "SEEN.add(\"explore\")"),
      ("T", "vals = sorted(SEEN) + [n]"), ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump(vals, f)")],
     cell=3, says="hidden state")

case("explore_peeks_step_iterator", "12-exploration-state", "refuse",
     "an exploration cell calls next() on a step's iterator; a later step consumes the rest",
     [("I", "import json"), ("E", "reader = iter([1, 2, 3, 4])"), ("U", "next(reader)"),
      ("T", "rows = list(reader)"), ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump(rows, f)")],
     cell=3, says="hidden state")

case("explore_draws_between_seeded_steps", "12-exploration-state", "refuse",
     "an exploration cell draws from the seeded global generator between two steps that draw",
     [("I", "import json\nimport random"), ("E", "random.seed(42)\na = random.random()"), ("U", "random.random()"),
      ("T", "b = random.random()"), ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump([a, b], f)")],
     cell=2, says="draws from the global `random` generator")

case("explore_writes_file_step_reads", "12-exploration-state", "refuse",
     "an exploration cell writes a file a later step reads",
     [("I", "import json"), ("P", "n = 3"),
      ("U", "with open(\"extra.json\", \"w\") as f:\n    json.dump([9], f)"),
      ("T", "with open(\"extra.json\") as f:\n    extra = json.load(f)\nvals = extra + [n]"),
      ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump(vals, f)")],
     cell=2, says="writes `extra.json`")

case("explore_harmless_state", "12-exploration-state", "parity",
     "exploration that changes nothing a step uses: display width, a log level, an unseeded peek, its own file",
     [("I", "import logging\nimport pandas as pd"), ("E", "df = pd.DataFrame({\"v\": [3, 1, 2]})"),
      ("U", "pd.set_option(\"display.max_columns\", None)\nlogging.basicConfig(level=logging.INFO)\n"
            "df.sample(2)\nwith open(\"peek.txt\", \"w\") as f:\n    f.write(str(len(df)))"),
      ("T", "ordered = df.sort_values(\"v\")"), ("L", "ordered.to_csv(\"out.csv\", index=False)")],
     left_out=["peek.txt"])


# --- 13-pickle: the notebook's own functions and classes pickle in the flow as in the notebook -----

case("pickle_notebook_function_by_reference", "13-pickle", "parity",
     "a step pickles a notebook-defined function (by reference, as a process pool would) and calls the copy",
     [("I", "import json\nimport pickle"), ("F", "def square(v):\n    return v * v"),
      ("E", "items = [1, 2, 3]"),
      ("T", "again = pickle.loads(pickle.dumps(square))\nsquares = [again(v) for v in items]"),
      ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump(squares, f)")])

case("pickle_notebook_class_roundtrip", "13-pickle", "parity",
     "a step pickles an instance of a notebook-defined class to a temporary file; a later step loads it",
     [("I", "import json\nimport os\nimport pickle\nimport tempfile"),
      ("F", "class Model:\n    def __init__(self, k):\n        self.k = k\n\n    def predict(self, v):\n"
            "        return v * self.k"),
      ("E", "store = os.path.join(tempfile.mkdtemp(), \"model.pkl\")\nwith open(store, \"wb\") as f:\n"
            "    pickle.dump(Model(3), f)"),
      ("T", "with open(store, \"rb\") as f:\n    model = pickle.load(f)\npredictions = [model.predict(v) for v in [1, 2]]"),
      ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump(predictions, f)")])

case("pickle_copy_deepcopy_notebook_class", "13-pickle", "parity",
     "copy.deepcopy and pickle.dumps/loads of a notebook dataclass inside one step",
     [("I", "import copy\nimport json\nimport pickle\nfrom dataclasses import dataclass"),
      ("F", "@dataclass\nclass Box:\n    items: list"),
      ("E", "box = Box([1, 2])\ntwin = pickle.loads(pickle.dumps(box))\nclone = copy.deepcopy(box)\nclone.items.append(3)"),
      ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump([box.items, twin.items, clone.items], f)")])


# --- 14-exploration-copies: exploration on copies is not hidden state; on the object itself it is --

case("explore_on_copies", "14-exploration-copies", "parity",
     "exploration stores into a copy, a mask-filtered frame and a .loc selection; steps read the original",
     [("I", "import pandas as pd"), ("E", "df = pd.DataFrame({\"a\": [1, 2, 3], \"b\": [4, 5, 6]})"),
      ("U", "preview = df.copy()\npreview[\"x\"] = 1\nbig = df[df.a > 1]\nbig[\"flag\"] = True\n"
            "sub = df.loc[df.a > 1, [\"a\"]]\nsub[\"c\"] = 0\nmask = df.a > 1\ndf[mask].fillna(0)"),
      ("T", "out = df.assign(t=df.a + df.b)"), ("L", "out.to_csv(\"out.csv\", index=False)")])

case("explore_reimports_numpy", "14-exploration-copies", "parity",
     "an exploration cell imports numpy as np again (the same module under the same name)",
     [("I", "import numpy as np\nimport pandas as pd"), ("E", "df = pd.DataFrame({\"a\": [1.0, 4.0, 9.0]})"),
      ("U", "import numpy as np\nnp.mean(df.a)"), ("T", "out = df.assign(r=np.sqrt(df.a))"),
      ("L", "out.to_csv(\"out.csv\", index=False)")])

case("explore_changes_element_through_copy", "14-exploration-copies", "refuse",
     "a shallow copy's element changed in exploration is the step's element too",
     [("I", "import json"), ("E", "rows = [[1], [2]]"), ("U", "peek = rows.copy()\npeek[0].append(99)"),
      ("T", "total = sum(len(r) for r in rows)"), ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump(total, f)")],
     cell=3, says="hidden state")

case("explore_stores_through_plain_alias", "14-exploration-copies", "refuse",
     "exploration stores a column through another name for the same frame",
     [("I", "import pandas as pd"), ("E", "df = pd.DataFrame({\"a\": [1, 2]})"), ("U", "view = df\nview[\"x\"] = 1"),
      ("T", "out = df.assign(b=df.a * 2)"), ("L", "out.to_csv(\"out.csv\", index=False)")],
     cell=3, says="hidden state")


# --- 15-mapped-order: mapped lines whose helper has effects run in order ---------------------------

case("mapped_helper_appends_module_log", "15-mapped-order", "parity",
     "a mapped helper appends to a module-level log; slower early items would land last if run at once",
     [("I", "import json\nimport time\n\nLOG = []"),
      ("F", "def work(x):\n    time.sleep(0.05 * (3 - x))\n    LOG.append(x)\n    return x * 2"),
      ("E", "items = [0, 1, 2]"), ("T", "doubled = [work(i) for i in items]"),
      ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump([doubled, LOG], f)")])

case("mapped_helper_counts_calls", "15-mapped-order", "parity",
     "a mapped extract helper counts its calls in a module dict (retries would count twice)",
     [("I", "import json\n\nCALLS = {\"n\": 0}"),
      ("F", "def fetch(x):\n    CALLS[\"n\"] += 1\n    return {\"x\": x, \"call\": CALLS[\"n\"]}"),
      ("E", "sources = [\"a\", \"b\", \"c\"]\nrows = [fetch(s) for s in sources]"),
      ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump(rows, f)")])

case("mapped_pure_helper_still_maps", "15-mapped-order", "parity",
     "a mapped helper with no effects still fans out (and its results keep item order)",
     [("I", "import json\nimport time"), ("F", "def slow_square(x):\n    time.sleep(0.05 * (3 - x))\n    return x * x"),
      ("E", "items = [0, 1, 2]"), ("T", "squares = [slow_square(i) for i in items]"),
      ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump(squares, f)")])


case("prefect_names_set_through_globals", "9-prefect-owns", "refuse",
     "a step sets names through globals()[...] in a loop; a later step reads them by name",
     [("I", "import json"), ("P", "n = 3"), ("E", "for k in [\"a\", \"b\"]:\n    globals()[k] = n"),
      ("T", "vals = [a, b]"), ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump(vals, f)")],
     cell=3, says="sets names through `globals()`")


case("explore_draws_from_step_generator", "12-exploration-state", "refuse",
     "exploration draws from a numpy Generator a step made; a later step draws from it too (real: PDSH 03.03)",
     [("I", "import json\nimport numpy as np"), ("E", "rng = np.random.default_rng(42)\nfirst = rng.integers(0, 10, 3).tolist()"),
      ("U", "rng.integers(0, 20, (2, 2))"), ("T", "second = rng.integers(0, 10, 3).tolist()"),
      ("L", "with open(\"out.json\", \"w\") as f:\n    json.dump([first, second], f)")],
     cell=3, says="hidden state")

case("step_changes_unread_name_through_shared_index", "14-exploration-copies", "parity",
     "a step renames index levels that another frame shares; no later step reads that frame (real: PDSH 03.05)",
     [("I", "import pandas as pd"),
      ("E", "pop = pd.Series([1, 2, 3, 4], index=pd.MultiIndex.from_product([[\"a\", \"b\"], [1, 2]]))\n"
            "pop_df = pd.DataFrame({\"total\": pop, \"under18\": [0, 1, 0, 1]})"),
      ("T", "pop.index.names = [\"state\", \"year\"]"), ("L", "pop.to_csv(\"pop.csv\")")])


def main() -> None:
    names = [c.name for c in CASES]
    assert len(names) == len(set(names)), "duplicate case names"
    for old in HERE.iterdir():
        if old.is_dir() and (old / f"{old.name}.ipynb").exists() and old.name not in names:
            shutil.rmtree(old)
    for c in CASES:
        folder = HERE / c.name
        folder.mkdir(exist_ok=True)
        (folder / f"{c.name}.ipynb").write_text(notebook_json(c), encoding="utf-8")
        for rel, text in c.files.items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    print(f"wrote {len(CASES)} notebooks under {HERE}")


if __name__ == "__main__":
    main()
