"""The secret scan on tests/secrets_corpus: every credential reported, no template or placeholder, never echoed."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest

from etlnb.pipeline import analyse_file

from .conftest import PYTHON, make_notebook

CORPUS = Path(__file__).parent / "secrets_corpus"
FOUND = re.compile(r"cell (\d+) \(id=c\d+\): line (\d+): (error|warning): this line looks like it holds ([^;]+);")


def load_corpus(label: str) -> list[tuple[str, str]]:
    """(case name, cell source): `label`.txt one cell a line (`## ` notes), `label`/*.py one cell a file."""
    cases = [
        (f"{label}.txt:{number}", line)
        for number, line in enumerate((CORPUS / f"{label}.txt").read_text().splitlines(), start=1)
        if line.strip() and not line.startswith("## ")
    ]
    cases += [(f"{label}/{p.name}", p.read_text()) for p in sorted((CORPUS / label).glob("*.py"))]
    return cases


def check_strict(tmp_path: Path, sources: list[str], name: str = "corpus") -> subprocess.CompletedProcess[str]:
    """`etlnb check --strict` on a notebook: an imports cell, then one extract cell per source."""
    nb = tmp_path / "proj" / f"{name}.ipynb"
    nb.parent.mkdir(exist_ok=True)
    nb.write_text(make_notebook([("import os", ["imports"])] + [(s, ["extract"]) for s in sources]))
    return subprocess.run([PYTHON, "-m", "etlnb", "check", "--strict", str(nb)], capture_output=True, text=True)


def secret_texts(source: str) -> list[str]:
    """The values in a case that must never be printed: literals that are not plain names, long tokens."""
    try:
        texts = [n.value for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Constant)]
    except SyntaxError:
        texts = []
    texts += re.findall(r"[\w-]{20,}", source)  # also in comments and IPython lines
    # names (`aws_secret_access_key`, `"password"`) may be printed; values hold a digit or a symbol
    return [t for t in texts if isinstance(t, str) and len(t) >= 6 and not re.fullmatch(r"[A-Za-z_.:/]+", t)]


def test_the_corpus_is_big_enough_to_mean_something():
    assert len(load_corpus("true")) >= 40 and len(load_corpus("false")) >= 40


def test_every_credential_in_the_corpus_fails_check_strict_without_being_echoed(tmp_path):
    cases = load_corpus("true")
    done = check_strict(tmp_path, [source for _, source in cases])
    assert done.returncode == 1
    found = {int(m.group(1)) for m in FOUND.finditer(done.stderr)}
    missed = [name for i, (name, _) in enumerate(cases, start=2) if i not in found]  # cell 1 imports
    assert missed == [], done.stderr
    output = done.stdout + done.stderr
    echoed = [(name, t) for name, source in cases for t in secret_texts(source) if t in output]
    assert echoed == []


def test_no_template_placeholder_or_example_in_the_corpus_is_reported(tmp_path):
    cases = load_corpus("false")
    done = check_strict(tmp_path, [source for _, source in cases])
    flagged = [cases[int(m.group(1)) - 2][0] for m in FOUND.finditer(done.stderr)]
    assert flagged == [], done.stderr


def test_the_readme_connection_pattern_and_the_aws_example_key_pass_check_strict(tmp_path):
    """The issue's false positives, in a notebook that is otherwise clean: exit 0, no warning."""
    extract = "\n".join(
        [
            'user = os.environ["DB_USER"]',
            'password = os.environ["DB_PASSWORD"]',
            'host = "db.internal"',
            'url = f"postgresql://{user}:{password}@{host}/warehouse"',
            'shell_style = "postgresql://etl:${DB_PASSWORD}@db/x"',
            'pwd = "/home/etl"',
            'token = "next"',
            'key_id = "AKIAIOSFODNN7EXAMPLE"',
            'aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
            'config = {"password": "<password>", "api_key": "changeme"}',
        ]
    )
    done = check_strict(tmp_path, [extract, "print(url, shell_style, pwd, token, key_id, config)"], "cleannb")
    assert done.returncode == 0, done.stderr
    assert "warning" not in done.stderr and "error" not in done.stderr


@pytest.mark.parametrize(
    "source, line, what",
    [
        ('token = "ghp_gNSWPH8prVqsUeQCtDR3zzX6hqo35uwZqxZO"', 1, "a GitHub token"),
        ('hook = "https://hooks.slack.com/services/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"', 1, "a Slack"),
        ('n = 1\nsk = "sk_live_TxDSmygMxEnWRwvFI1tdlNOD"', 2, "a Stripe live key"),
        ('class S:\n    host: str = "db"\n    password: str = "Cl4ssPa55!"', 3, "a password, token or secret literal"),
        ('x = connect(\n    user="etl",\n    client_secret="q8Zp2LrV7mWx4Kd9",\n)', 3, "(`client_secret`)"),
        ((CORPUS / "true" / "pgp_block.py").read_text(), 2, "a private key"),
        ((CORPUS / "true" / "gcp_service_account_json.py").read_text(), 7, "a Google service-account key"),
        ((CORPUS / "true" / "split_token.py").read_text(), 1, "(`token`)"),
        # does not parse: the line patterns still see it, and the syntax error is reported too
        ('db_password = "Tr0ub4dor&3"\nif x', 1, "(`db_password`)"),
        # issue 26 class 9: the line of the password itself, the call or name that takes it
        ((CORPUS / "true" / "auth_tuple_multiline.py").read_text(), 5, "(`auth`)"),
        ((CORPUS / "true" / "smtp_login.py").read_text(), 5, "(argument 2 of `server.login`)"),
        ((CORPUS / "true" / "connect_positional_multiline.py").read_text(), 4, "(argument 3 of `pymysql.connect`)"),
        ((CORPUS / "true" / "comment_block.py").read_text(), 3, "(`password`)"),
        ('n = 1\nauth = HTTPBasicAuth("etl", "Hb4@nQ8sLm")', 2, "(argument 2 of `HTTPBasicAuth`)"),
        ('n = 1\nheaders = {"Authorization": "Basic ZXRsOkJhNWljUHchN3E="}', 2, "a Basic auth header"),
        ('n = 1\nheaders = {"Authorization": "Token 9944b09199c62bcf"}', 2, "(`Authorization`)"),
        ('engine = create_engine(\n    "postgresql://etl:Cc8#nPw4Lz" "@db/x",\n)', 2, "credentials in a URL"),
        ("conn = connect(host, user, pw)  # pw: Tr41l!ngPw", 1, "(`pw`)"),
        ('n = 1\n# ftp.login("etl", "C0mm3nt!Pw")', 2, "(argument 2 of `ftp.login`)"),
        ('n = 1\nconfig = {"user": "etl", "pass": "D1ctP4ss!x"}', 2, "(`pass`)"),
        ('conn = psycopg2.connect("host=db user=etl password=Lp9q!Dsn4w")', 1, "a password in a connection string"),
        # does not parse: each line holding a call is parsed on its own
        ('if x\nconn = pymysql.connect("db", "etl", "My5ql!Pw8r", "wh")', 2, "(argument 3 of `pymysql.connect`)"),
    ],
)
def test_the_diagnostic_names_cell_line_and_kind(tmp_path, source, line, what):
    nb = tmp_path / "proj" / "onenb.ipynb"
    nb.parent.mkdir()
    nb.write_text(make_notebook([("import os", ["imports"]), (source, ["transform"])]))
    found = [d for d in analyse_file(nb, strict=False).diagnostics if "looks like it holds" in d.message]
    assert [(d.severity, d.cell, d.line) for d in found][:1] == [("warning", 1, line)]
    assert what in found[0].message


def test_compile_strict_refuses_a_service_account_dict_before_writing_anything(tmp_path):
    nb = tmp_path / "proj" / "gcpnb.ipynb"
    nb.parent.mkdir()
    source = (CORPUS / "true" / "gcp_service_account.py").read_text()
    nb.write_text(make_notebook([(source, ["extract"]), ("print(credentials_info)", ["load"])]))
    out = tmp_path / "out"
    done = subprocess.run(
        [PYTHON, "-m", "etlnb", "compile", "--strict", str(nb), "-o", str(out)], capture_output=True, text=True
    )
    assert done.returncode == 1
    first = done.stderr.splitlines()[0]
    assert first.startswith(f"{nb}: cell 1 (id=c0): line 4: error: this line looks like it holds a Google service")
    assert not out.exists()
    assert "MIIEvQIBADAN" not in done.stderr and "5f0c5c785edb83f3a16dbac6ae0913bc32592f20" not in done.stderr


@pytest.mark.parametrize(
    "source",
    [
        # a `#` in a string starts no comment; a word, a name or a call after `password:` is no password
        'url = "https://example.com/#password=Reset2024"',
        "x = 1  # password: from the environment",
        "# pw: see the vault, password = getpass()",
        "# conn = connect(host, user, password=db_password)",
        # anonymous FTP, a port (not a user) before the user, drivers whose third argument is no password
        'ftp.login("anonymous", "guest@")',
        'ssh.connect("bastion", 22, "deploy")',
        'conn = sqlite3.connect("f.db", 5, 0, "DEFERRED")',
        'conn = duckdb.connect("f.duckdb", False, {"threads": 4})',
        # pairs and headers that are names, not credentials
        'fields = {"aws-credentials": ["aws_access_key_id", "aws_secret_access_key"]}',
        'pipe = {"pass": "passthrough"}',
        'AUTH_HEADER = "X-Auth-Token"',
        'types = {"AWS::Redshift::EndpointAuthorization": "e72be424d109da1d"}',
        # documentation examples (RFC 7617's Aladdin) and stand-ins
        'headers = {"Authorization": "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="}',
        "!mysql --user=etl --password=$MYSQL_PWD warehouse",
        # keyword arguments are no space-separated connection string
        "conn = connect(user=user, password=password, database=database)",
        'password = enforce_bytes(auth[1], name="auth")',
        # joining happens between literals only: not `sep=" "`, `" ".join`
        'sep = " "; url = "https://api.example.com/" + path',
    ],
)
def test_issue_26_lookalikes_are_quiet(source):
    from etlnb.analyse.secrets_scan import scan_cell

    try:
        nodes = ast.parse(source).body
    except SyntaxError:
        nodes = None
    assert scan_cell(source, nodes) == []


def test_the_comment_call_and_joining_rules_stay_linear_on_long_lines():
    """Each rule added for issue 26 runs once a line or once a call: 100k-item lines take well under a second."""
    import time

    from etlnb.analyse.secrets_scan import scan_cell

    calls = "\n".join('c = pymysql.connect("h", "u", pw, "db")  # auth: none' for _ in range(10_000))
    sources = [
        "# " + "pw=x " * 100_000,  # name=value pairs, none a password
        "# password: " + "a " * 100_000,  # prose after a secret name
        'x = ("https://e.com/" ' + '"a" ' * 100_000 + ")",  # adjacent literals on one line
        '"' + "a=b " * 100_000 + 'password=x"',  # a long connection string
        calls,
    ]
    for source in sources:
        try:
            nodes = ast.parse(source).body
        except (SyntaxError, RecursionError):
            nodes = None
        started = time.perf_counter()
        assert scan_cell(source, nodes) == []
        took = time.perf_counter() - started
        assert took < 5, f"{took:.1f}s on {source[:40]!r}"
