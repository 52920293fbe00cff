"""Credential-looking text in the cells whose code or values go into the flow script.

A warning by default, an error with --strict. The message names the cell and
line and what was found, never the secret itself.

Hand-written on purpose: detect-secrets (the maintained alternative) costs
~150 ms to import plus ~45 ms to load its plugins on every `etlnb compile`,
which runs this scan; and on tests/secrets_corpus it finds fewer of the
credentials notebooks hold and flags more run-time templates
(benchmarks/secrets_scan.md has the numbers, benchmarks/secrets_scan.py
measures them again). The token shapes below follow the vendors' published
formats, as detect-secrets' and gitleaks' rules do.

Three passes, each finding reported once per line:
- token shapes over the cell's raw text (comments and IPython lines included:
  both are copied into the script), e.g. `ghp_...`, `AKIA...`, `user:pw@host`,
  `Basic <base64 of user:pw>`, `password=` in a connection string; and again
  with adjacent literals on a line joined (`"postgresql://u:pw" "@host"`);
- names that say "secret" bound to a literal, from the syntax tree where the
  cell parses (assignments, annotations, keywords, dict keys, defaults,
  comparisons, getenv fallbacks, `Authorization` headers, `auth=("u", "pw")`
  pairs), and a literal in the password position of a call that takes one
  (`ftp.login(u, "pw")`, `HTTPBasicAuth(u, "pw")`, `pymysql.connect(h, u, "pw")`);
  from line patterns where the cell does not parse and in comments (also
  `# password: hunter2` unquoted, and commented-out calls);
- constructs spanning lines: implicitly concatenated or triple-quoted strings,
  service-account JSON, private key blocks.
Run-time templates (`{password}`, `${DB_PASSWORD}`, `%(pw)s`, `{{ ... }}`),
placeholders (`changeme`, `<password>`, `xxx`, `YOUR_API_KEY`), paths and
the vendors' documentation examples are not credentials.
"""

from __future__ import annotations

import ast
import bisect
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from etlnb.analyse.diagnostics import Diagnostic

if TYPE_CHECKING:  # cells imports this module (redact); the type is only an annotation here
    from etlnb.analyse.cells import ParsedCell

# cells whose text ends up in generated code (sample values are written as SAMPLE_PARAMETERS)
SCANNED_ROLES = ("parameters", "imports", "functions", "extract", "transform", "load", "validate", "sample")

LITERAL = "a password, token or secret literal"
AWS_SECRET = "an AWS secret access key"

_TEMPLATE = re.compile(r"\{[^{}]*\}|\$\{|\$[A-Z_]|%\(\w*\)|%[sd]|<[^<>]*>|\{\{|\}\}")
_PLACEHOLDER_WORDS = (
    "example",
    "changeme",
    "change_me",
    "change-me",
    "changeit",
    "placeholder",
    "dummy",
    "redacted",
    "your",
    "replace",
    "insert",
    "todo",
    "tbd",
    "fixme",
    "notreal",
)
_BARE_WORDS = {"password", "passwd", "secret", "token", "none", "null", "pass", "test", "apikey", "api_key"}
_ENV_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
_PATH = re.compile(r"(?:/|~/|\./|\.\./|[A-Za-z]:\\)")


def placeholder(value: str) -> bool:
    """Text that stands for a credential rather than being one."""
    text = value.strip()
    low = text.lower()
    return (
        not text
        or (len(set(text)) <= 2 and len(text) > len(set(text)))  # "xxx", "****", "abab": repeated, not "pw"
        or _TEMPLATE.search(text) is not None
        or any(word in low for word in _PLACEHOLDER_WORDS)
        or low in _BARE_WORDS
        or re.fullmatch(r"[xX*.#_-]+", text) is not None
    )


def _token_body_ok(token: str) -> bool:
    """A shaped token that is not `sk_live_xxxx...` or a documentation example."""
    return not placeholder(token) and re.search(r"[xX*]{8}", token) is None


# --- pass 1: token shapes (no pattern crosses a newline) ------------------------------------------

_Check = Callable[[re.Match[str], str], bool]


def _group_ok(group: int | str) -> _Check:
    return lambda m, _text: _token_body_ok(m.group(group))


def _url_password_ok(m: re.Match[str], _text: str) -> bool:
    password = m.group("pw")
    return not placeholder(password) and len(password) >= 2  # only a password goes there


def _url_token_ok(m: re.Match[str], _text: str) -> bool:
    user = m.group("user")
    return _token_body_ok(user) and re.search(r"\d", user) is not None and re.search(r"[A-Za-z]", user) is not None


# The patterns added for issue 26 are strings: `re` compiles one on first use and caches it, so importing
# this module (every `etlnb compile` does) costs nothing for rules most notebooks never reach.

# `host=db user=etl ` just before `password=` (libpq's keyword/value form, `--user=etl --password=` options),
# on the same line
_DSN_BEFORE = r"(?:^|[\s\"'])-{0,2}[A-Za-z_][\w-]*=[^\s\"'=,;()]+[ \t]+-{0,2}$"
_DSN_AFTER = r"[^\s,;()\[\]{}]+[ \t]+[A-Za-z_]\w*=[^\s,;()\[\]{}]+(?:[ \t]|$)"  # ... dbname=x


def _connection_string_ok(m: re.Match[str], text: str) -> bool:
    """`Password=` counts inside a connection string only (not `connect(pwd=pwd)`): `;`-separated
    (ODBC, ADO) or space-separated `key=value` pairs (libpq: `"host=db user=etl password=..."`)."""
    before = text[max(0, m.start() - 256) : m.start()]
    after = text[m.end() :]
    password = m.group("pw")
    if before.rstrip().endswith(";") or after.startswith(";"):
        return not placeholder(password)
    if re.search(_DSN_BEFORE, before) or re.match(_DSN_AFTER, password):
        return not placeholder(password.split()[0])
    return False


def _basic_credentials_ok(token: str) -> bool:
    """`token` is base64 of `user:password` with a real password (the value of a Basic auth header)."""
    import binascii  # only when a Basic header is seen: compile imports nothing it does not need

    raw = token.rstrip("=")
    try:
        decoded = binascii.a2b_base64(raw + "=" * (-len(raw) % 4), strict_mode=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    _user, colon, password = decoded.partition(":")
    if decoded in _BASIC_EXAMPLES or not (colon and decoded.isprintable()):
        return False
    return not placeholder(password) and len(password) >= 2  # only a password goes there


# the examples of RFC 7617 (HTTP Basic) and RFC 6749 (OAuth 2 client authentication)
_BASIC_EXAMPLES = {"Aladdin:open sesame", "s6BhdRkqt3:gX1fBat3bV"}


def _rule(what: str, needles: str, pattern: str, check: _Check) -> tuple[str, tuple[str, ...], re.Pattern[str], _Check]:
    """`needles`: lowercase words one of which the text must hold before the pattern runs (5 MB cells stay fast)."""
    return what, tuple(needles.split()), re.compile(pattern, re.M), check


TOKEN_RULES = (
    _rule(
        "an AWS access key id",
        "akia asia abia acca",
        r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])",
        _group_ok(0),
    ),
    _rule("a private key", "private", r"-----BEGIN (?:[A-Z0-9]+ ){0,2}PRIVATE KEY(?: BLOCK)?-----", lambda m, t: True),
    _rule(
        "a GitHub token",
        "ghp_ gho_ ghu_ ghs_ ghr_ github_pat_",
        r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{50,})",
        _group_ok(0),
    ),
    _rule("a GitLab token", "glpat-", r"\bglpat-[A-Za-z0-9_-]{20,}", _group_ok(0)),
    _rule("a Slack token", "xox", r"\bxox[abposr]-[0-9A-Za-z-]{10,}", _group_ok(0)),
    _rule(
        "a Slack webhook URL",
        "hooks.slack.com",
        r"hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/-]{20,}",
        _group_ok(0),
    ),
    _rule(
        "a Discord webhook URL",
        "/api/webhooks/",
        r"discord(?:app)?\.com/api/webhooks/\d+/[A-Za-z0-9_-]{20,}",
        _group_ok(0),
    ),
    _rule("a Google API key", "aiza", r"\bAIza[0-9A-Za-z_-]{35}", _group_ok(0)),
    _rule("a Stripe live key", "k_live_", r"\b[rs]k_live_[0-9A-Za-z]{16,}", _group_ok(0)),
    _rule(
        "an OpenAI API key",
        "sk-",
        r"\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}|\bsk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}",
        _group_ok(0),
    ),
    _rule("an Anthropic API key", "sk-ant-", r"\bsk-ant-[a-z]+\d*-[A-Za-z0-9_-]{20,}", _group_ok(0)),
    _rule("an npm token", "npm_", r"\bnpm_[A-Za-z0-9]{36}\b", _group_ok(0)),
    _rule("a PyPI token", "pypi-", r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{20,}", _group_ok(0)),
    _rule("a Hugging Face token", "hf_", r"\bhf_[A-Za-z]{30,}\b", _group_ok(0)),
    _rule("a SendGrid key", "sg.", r"\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}", _group_ok(0)),
    _rule("a Databricks token", "dapi", r"\bdapi[0-9a-f]{32}\b", _group_ok(0)),
    _rule("a JWT", "eyj", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}", _group_ok(0)),
    _rule(
        "an Azure storage key",
        "accountkey sharedaccesskey",
        r"(?i)\b(?:AccountKey|SharedAccessKey)\s*=\s*(?P<key>[A-Za-z0-9+/]{30,}={0,2})",
        _group_ok("key"),
    ),
    _rule("an Azure SAS signature", "sig=", r"[?&]sig=(?P<sig>[A-Za-z0-9%+/]{20,})", _group_ok("sig")),
    _rule("a bearer token", "bearer", r"(?i)\bbearer\s+(?P<tok>[A-Za-z0-9._~+/-]{20,}=*)", _group_ok("tok")),
    _rule(
        "a Basic auth header",
        "basic",
        r"[Bb](?<=\b[Bb])(?:asic|ASIC)\s+(?P<tok>[A-Za-z0-9+/]{6,}={0,2})(?![\w+/=])",  # B first: fast
        lambda m, _text: _basic_credentials_ok(m.group("tok")),
    ),
    _rule(
        "credentials in a URL", "://", r"://(?P<user>[^\s/@:\"'`]{0,256}):(?P<pw>[^\s/@\"'`]{1,256})@", _url_password_ok
    ),
    _rule("a token in a URL", "://", r"\bhttps?://(?P<user>[A-Za-z0-9_-]{20,})@", _url_token_ok),
    _rule(
        "a password in a connection string",
        "password pwd",
        r"(?i)(?<![\w.])(?:password|pwd)\s*=\s*(?P<pw>[^;\"'\s{}$%<][^;\"'\n]*?)(?=\s*(?:;|[\"']|$))",
        _connection_string_ok,
    ),
)

_SERVICE_ACCOUNT = re.compile(r"[\"']type[\"']\s*:\s*[\"']service_account[\"']")
_SERVICE_ACCOUNT_KEY = re.compile(r"[\"']private_key(?:_id)?[\"']\s*:\s*[\"'](?P<key>[^\"'\n]{8,})")


# the boundary between two literals on one line that Python joins: `"postgresql://etl:pw" "@db/x"`
# (not `sep=" ",`, `" ".join`, `""`, `\"\"\"`: a character of each literal's text on either side)
_ADJACENT = r"[\"'](?<=[^\s\"'\\(\[{][\"'])[ \t]+[rRbBuUfF]{0,2}[\"'](?=[^\s\"'.,;:)\]}*+])"


def token_findings(text: str) -> Iterator[tuple[int, str]]:
    """(offset, what) of every credential shape in `text`; one split over adjacent literals on a
    line (`"postgresql://etl:pw" "@db/x"`) is reported at the start of its line."""
    low = text.lower()
    rules = [rule for rule in TOKEN_RULES if any(n in low for n in rule[1])]
    account = "service_account" in low
    for m, what in _token_matches(text, rules, account):
        yield m.start(), what
    # joining removes only quotes and blanks: the needles are the same (one split over a boundary aside)
    if not (rules or account):
        return
    done = -1
    for boundary in re.finditer(_ADJACENT, text):
        if boundary.start() < done:
            continue  # a line already joined
        start = text.rfind("\n", 0, boundary.start()) + 1
        done = text.find("\n", boundary.end())
        done = len(text) if done == -1 else done
        for _m, what in _token_matches(re.sub(_ADJACENT, "", text[start:done]), rules, account):
            yield start, what


_Rule = tuple[str, tuple[str, ...], re.Pattern[str], _Check]


def _token_matches(
    text: str, rules: list[_Rule] | None = None, account: bool | None = None
) -> Iterator[tuple[re.Match[str], str]]:
    """The matches of `rules` (default: those whose needles `text` holds) and of service-account keys."""
    if rules is None or account is None:
        low = text.lower()
        rules = [rule for rule in TOKEN_RULES if any(n in low for n in rule[1])]
        account = "service_account" in low
    for what, _needles, pattern, ok in rules:
        for m in pattern.finditer(text):
            if ok(m, text):
                yield m, what
    if account and _SERVICE_ACCOUNT.search(text):
        for m in _SERVICE_ACCOUNT_KEY.finditer(text):
            if not placeholder(m.group("key")):
                yield m, "a Google service-account key"


def redact(text: str) -> str:
    """`text` with each credential shape and each secret-named literal replaced, for messages that quote a line."""
    spans = []
    for m, _ in _token_matches(text):  # the password of a URL, the value after `AccountKey=`, or the whole token
        group = next((g for g in ("pw", "key", "sig", "tok", "user") if g in m.re.groupindex and m.group(g)), 0)
        spans.append(m.span(group))
    for m in _LINE_BINDING.finditer(text):
        if literal_what(m.group("name").strip("\"'"), m.group("value")):
            spans.append(m.span("value"))
    out, done = [], 0
    for start, end in sorted(spans):
        if end > done:
            out += [text[done : max(start, done)], "[redacted]"]
            done = end
    return "".join(out) + text[done:]


# --- pass 2: names that say "secret" -------------------------------------------------------------

_PASSWORD_WORDS = {"password", "passwd", "pwd", "passphrase", "passwort", "pw", "pswd", "passw"}
# `pass` alone is also a processing pass (`second_pass`): a password only after one of these
_PASS_QUALIFIERS = {"db", "smtp", "mail", "email", "user", "admin", "root", "ftp", "sftp", "ldap", "proxy", "redis"}
_PASS_QUALIFIERS |= {"pg", "mysql", "sql", "login", "http", "basic", "auth", "api", "account", "service"}
_SECRET_WORDS = {"secret", "token", "apikey", "credential", "credentials", "creds"}
_KEY_QUALIFIERS = {"api", "secret", "access", "private", "signing", "encryption", "master", "account", "auth"}
_KEY_QUALIFIERS |= {"app", "subscription", "consumer", "storage"}


def _words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def secret_kind(name: str) -> str | None:
    """'password', 'aws' or 'secret' when the name's last word says it holds one; `token_count` does not."""
    words = _words(name)
    if not words:
        return None
    last = words[-1]
    # `pass` alone cannot name a variable (a keyword): a dict key or a header, `{"user": u, "pass": p}`
    if last in _PASSWORD_WORDS or (last == "pass" and (len(words) == 1 or words[-2] in _PASS_QUALIFIERS)):
        return "password"
    # the header (`Authorization`, `Proxy-Authorization`, `auth_header`), not `EndpointAuthorization`
    if words[-2:] in (["authorization"], ["proxy", "authorization"], ["auth", "header"]):
        return "header"
    if last == "key" and len(words) >= 2 and words[-2] in _KEY_QUALIFIERS:
        return "aws" if "aws" in words and "secret" in words else "secret"
    if last in _SECRET_WORDS:
        return "secret"
    return None


# code, not a credential: `os.environ.get`, `db_password`, `dbPassword`; or a plain word, `required`
_CODE_WORD = r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+|[a-z]+(?:_[a-z0-9]+)+|[a-z]+(?:[A-Z][a-z0-9]*)+"
_PLAIN_WORD = r"[A-Za-z][a-z]*"


def _wordlike(value: str) -> bool:
    """A name or a word rather than a password: a password where this is ambiguous (a comment, a dict key
    `pass`) has a digit, a symbol or mixed case."""
    return re.fullmatch(_CODE_WORD, value) is not None or re.fullmatch(_PLAIN_WORD, value) is not None


def literal_what(name: str, value: str, min_password: int = 4) -> str | None:
    """What a literal bound to `name` is, if it looks like a real credential. `min_password`: the
    shortest password taken for one; a position that can only hold a password (the second of an
    `auth=` pair, a `login`/`connect` password argument, a Basic header) takes 2, since nothing else
    could be meant there (`auth=("u", "pw")`); a name alone (`password = "pw"`) keeps 4."""
    kind = secret_kind(name)
    text = value.strip()
    if kind is None or placeholder(text) or _PATH.match(text) or _ENV_NAME.fullmatch(text):
        return None
    if re.match(r"[A-Za-z][\w+.-]*://", text) or text.lower() == name.lower():  # a location; pass 1 sees user:pw@
        return None
    if kind == "password":
        if len(text) < min_password or (
            name.strip().lower() == "pass" and _wordlike(text)
        ):  # `{"pass": "passthrough"}`
            return None
        return LITERAL
    if kind == "header":  # `Bearer <token>`, `Token <token>`, `Basic <base64 of user:pw>`, or a bare token
        header = re.fullmatch(r"(?:(?P<scheme>[A-Za-z][\w-]*)\s+)?(?P<cred>\S+)", text)
        if header is None:
            return None
        scheme, cred = (header.group("scheme") or "").lower(), header.group("cred")
        if scheme == "basic":
            return LITERAL if _basic_credentials_ok(cred) else None
        if not scheme and re.search(r"\d", cred) is None:  # `AUTH_HEADER = "X-Auth-Token"`: a header's name
            return None
        return literal_what("token", cred)
    if kind == "aws" and re.fullmatch(r"[A-Za-z0-9/+=]{40}", text):
        return AWS_SECRET
    # tokens and keys: not a short word like "next" or "bearer", not a sentence
    classes = sum(bool(re.search(p, text)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9\s]"))
    if len(text) < 8 or re.search(r"\s", text) or (classes < 2 and len(text) < 20):
        return None
    if re.fullmatch(r"[a-z]+(?:[_.:-][a-z]+)*", text):  # `refresh_token`, `customer_id`: a name, not a token
        return None
    return LITERAL


def _target_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):
        return _str(node.slice)
    return _str(node)  # a dict key


def _str(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


_ENV_GETTERS = {"getenv", "get", "setdefault", "pop"}


def _bindings(node: ast.AST) -> Iterator[tuple[ast.AST, ast.AST, int]]:
    """(name node, value node, line) pairs where a value is bound to or compared with a name."""
    if isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                for t, v in zip(target.elts, node.value.elts, strict=False):
                    yield t, v, t.lineno
            else:
                yield target, node.value, node.lineno
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.NamedExpr)) and node.value is not None:
        yield node.target, node.value, node.lineno
    elif isinstance(node, ast.Call):
        for kw in node.keywords:
            if kw.arg is not None:
                yield ast.Constant(kw.arg), kw.value, kw.value.lineno
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in _ENV_GETTERS and len(node.args) >= 2:  # os.getenv("DB_PASSWORD", "fallback")
            yield node.args[0], node.args[1], node.args[1].lineno
    elif isinstance(node, ast.Dict):
        for k, v in zip(node.keys, node.values, strict=True):
            if k is not None:
                yield k, v, k.lineno
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        a = node.args
        positional = a.posonlyargs + a.args
        for arg, default in zip(positional[len(positional) - len(a.defaults) :], a.defaults, strict=True):
            yield ast.Name(arg.arg), default, default.lineno
        for arg, default in zip(a.kwonlyargs, a.kw_defaults, strict=True):
            if default is not None:
                yield ast.Name(arg.arg), default, default.lineno
    elif isinstance(node, ast.Compare) and len(node.comparators) == 1:
        if isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
            yield node.left, node.comparators[0], node.lineno


_BINDING_NODES = (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.NamedExpr, ast.Call, ast.Dict, ast.Compare)
_BINDING_NODES += (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
# a secret-looking name holds one of these (lowercased): `password`, `pwd`, `apiKey`, `creds`, `auth`, ...;
# a call taking a password has one of these in its name: `login`, `connect`, `HTTPBasicAuth`, `FTP`, ...
_NAME_NEEDLES = ("pass", "pw", "secret", "token", "key", "cred", "auth", "login", "connect", "bind", "ftp")
_NAME_NEEDLES += ("psw", "url.create")

# names whose (user, password) pair is a credential: `auth=("u", "pw")`, `session.auth = ...`, `creds = (...)`
_PAIR_WORDS = {"auth", "creds", "credential", "credentials"}

# calls with a password among their positional arguments: the argument's index
_PASSWORD_ARGUMENT = {
    "login": 1,  # ftplib, smtplib, imaplib, docker: login(user, password)
    "simple_bind_s": 1,  # python-ldap: simple_bind_s(who, cred)
    "simple_bind": 1,
    "bind_s": 1,
    "pass_": 0,  # poplib
    "add_password": 3,  # urllib.request: add_password(realm, uri, user, passwd)
    "set_password": 2,  # keyring: set_password(service, user, password)
    "HTTPBasicAuth": 1,  # requests
    "HTTPDigestAuth": 1,
    "HTTPProxyAuth": 1,
    "BasicAuth": 1,  # aiohttp, httpx
    "DigestAuth": 1,
    "HttpNtlmAuth": 1,  # requests_ntlm
    "FTP": 2,  # ftplib: FTP(host, user, passwd)
    "FTP_TLS": 2,
}
# DB-API connect(host, user, password, ...) (pymysql, MySQLdb, pymssql, psycopg2, ibm_db, ldap3's Connection),
# or (host, port, user, password, ...) when a port follows the host (paramiko, hdbcli); these differ:
_CONNECTS = {"connect", "Connect", "pconnect", "Connection"}
# (user, password, dsn); (user, host, db, port, password); (host, user, private_key, password); no password
_CONNECT_PASSWORD = {"cx_Oracle": 1, "oracledb": 1, "pg8000": 4, "pysftp": 3, "sqlite3": None, "duckdb": None}
_ORACLE_CONNECT = r"[^/@\s]+/(?P<pw>[^/@\s]+)@"  # "user/password@host/service"


def _dotted(node: ast.AST) -> str:
    """`pymysql`, `requests.auth` for a chain of names and attributes; "" for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return ".".join([node.id, *reversed(parts)]) if isinstance(node, ast.Name) else ""


def _pair_password(node: ast.AST) -> ast.Constant | None:
    """The password literal of a `("user", "password")` pair (not `["aws_access_key_id", "aws_secret_access_key"]`)."""
    if isinstance(node, (ast.Tuple, ast.List)) and len(node.elts) == 2:
        password = node.elts[1]
        text = _str(password)
        if text is not None and literal_what("password", text, 2) and not re.fullmatch(_CODE_WORD, text):
            return password
    return None


_CALLEES = frozenset(_PASSWORD_ARGUMENT) | _CONNECTS | {"create"}
# a line of a comment (or of a cell that does not parse) worth parsing: one of these calls, or a pair
_CODE_HINT = r"\b(?:" + "|".join(sorted(_CALLEES)) + r")\s*\(|(?i:auth|cred\w*)[\"']?\s*[=:]\s*[(\[]"


def _password_argument(call: ast.Call) -> tuple[int, str, str] | None:
    """(index, module, callee) for a call with a positional argument that takes a password."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if name not in _CALLEES or not call.args:
        return None
    receiver = _dotted(func.value) if isinstance(func, ast.Attribute) else ""
    module = receiver.rsplit(".", 1)[-1]
    if name in _CONNECTS:
        if module in _CONNECT_PASSWORD:
            if (index := _CONNECT_PASSWORD[module]) is None:
                return None
        else:
            port = len(call.args) > 1 and isinstance(call.args[1], ast.Constant) and type(call.args[1].value) is int
            index = 3 if port else 2
    elif name == "create" and module == "URL":  # sqlalchemy URL.create(driver, user, password, host, ...)
        index = 2
    elif name in _PASSWORD_ARGUMENT:
        index = _PASSWORD_ARGUMENT[name]
    else:
        return None
    callee = f"{receiver}.{name}" if receiver else name
    return index, module, callee if re.fullmatch(r"[\w.-]{1,40}", callee) else name


def _call_findings(call: ast.Call) -> Iterator[tuple[int, str]]:
    """(line, what) of a literal in a call's password position: `ftp.login(u, "pw")`, `connect(h, u, "pw")`."""
    found = _password_argument(call)
    if found is None:
        return
    index, module, callee = found
    args = call.args
    if any(isinstance(a, ast.Starred) for a in args[: index + 1]):
        return  # `connect(*params)`: positions unknown
    if module in ("cx_Oracle", "oracledb") and len(args) == 1:  # connect("user/password@host/service")
        text = _str(args[0])
        if text is not None and (m := re.match(_ORACLE_CONNECT, text)) and literal_what("password", m.group("pw")):
            yield args[0].lineno, f"{LITERAL} (`{callee}`)"
        return
    if index >= len(args) or (index >= 1 and _str(args[0]) == "anonymous"):  # anonymous FTP: an email, by custom
        return
    what = f"{LITERAL} (argument {index + 1} of `{callee}`)"
    value = args[index]
    if (text := _str(value)) is not None and literal_what("password", text, 2):
        yield value.lineno, what
    elif (pair := _pair_password(value)) is not None:  # jaydebeapi.connect(cls, url, ["user", "password"], jar)
        yield pair.lineno, what


def _binding_findings(node: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, what) of each secret-named literal, credential pair or password argument in `node` itself."""
    for target, value, line in _bindings(node):
        if (name := _target_name(target)) is None:
            continue
        if type(value) is ast.Constant:
            if isinstance(value.value, str) and (what := literal_what(name, value.value)):
                yield line, _named(what, name)
        elif type(value) in (ast.Tuple, ast.List) and (pair := _pair_password(value)) is not None:
            # requests, httpx and aiohttp take a tuple; a list is a pair only under an `auth` name
            words = _words(name)
            if words and (words[-1] == "auth" or (words[-1] in _PAIR_WORDS and type(value) is ast.Tuple)):
                yield pair.lineno, _named(LITERAL, name)
    if type(node) is ast.Call and node.args:
        yield from _call_findings(node)


def ast_findings(nodes: list[ast.stmt], source: str) -> Iterator[tuple[int, int, str]]:
    """(line, last line, what): secret names bound to literals, password arguments, credential shapes in
    multi-line strings."""
    low = source.lower()
    names = any(n in low for n in _NAME_NEEDLES)
    shapes = "service_account" in low or any(n in low for _, needles, _, _ in TOKEN_RULES for n in needles)
    if not (names or shapes):  # nothing to find: skip the walk (large data cells)
        return
    for top in nodes:
        for node in ast.walk(top):
            if names and isinstance(node, _BINDING_NODES):
                for line, what in _binding_findings(node):
                    yield line, line, what
            elif shapes and type(node) is ast.Constant and node.end_lineno != node.lineno:
                # single-line strings were seen by pass 1; these were split across lines
                if isinstance(text := node.value, str):
                    for _offset, what in token_findings(text):
                        yield node.lineno, node.end_lineno or node.lineno, what


_LINE_BINDING = re.compile(
    # the lookbehind starts a match only where a name starts: linear on a long line
    r"(?<![\w.\"'-])(?P<name>[\"']?[A-Za-z_][\w.-]*[\"']?)\]?\s*(?::[^=\n\"']{1,40}?=|:|==|!=|=)\s*"
    r"[rRbBuU]{0,2}(?P<q>[\"'])(?P<value>[^\"'\n]*)(?P=q)"
)
# in a comment, an unquoted value: `# password: hunter2`, `# user=etl pw=... host=db`, `# API key: ...`;
# the value ends the comment or is followed by a separator or the next `name:`, never by more prose
_COMMENT_BINDING = (
    r"(?<![\w.-])(?P<name>(?:[A-Za-z][A-Za-z0-9]*[ ])?[A-Za-z_][\w.-]*)[ \t]*[:=][ \t]*"
    r"(?P<value>[^\s\"'`#,;()\[\]{}<>]+)(?=[ \t]*(?:$|[,;)#])|[ \t]+(?:[(-]|[A-Za-z_][\w.-]*[ \t]*[:=]))"
)
# a `#` starts a comment at the start of a line or after a blank (not `example.com/cb#access_token=`)
_QUOTE_OR_HASH = r"\"\"\"|'''|[\"'\\]|(?:^|(?<=\s))#"


def _comment_of(line: str) -> str | None:
    """The text after the `#` that starts a comment on `line` (not one inside a string), or None."""
    if "#" not in line:
        return None
    quote, skip = "", -1
    for m in re.finditer(_QUOTE_OR_HASH, line):
        token = m.group()
        if m.start() < skip:
            continue
        if quote:
            if token == "\\":
                skip = m.end() + 1  # the escaped character
            elif token[0] == quote[0] and len(token) >= len(quote):
                quote = ""
        elif token == "#":
            return line[m.end() :]
        elif token != "\\":
            quote = token
    return None


def _comment_what(comment: str) -> str | None:
    """An unquoted credential in a comment's `name: value` notes (`# password: hunter2`)."""
    for m in re.finditer(_COMMENT_BINDING, comment):
        name, value = m.group("name"), m.group("value")
        what = literal_what(name, value)
        if what is not None and not _wordlike(value):  # `# password: required`, `# pw=pw_from_env`
            return _named(what, name)
    return None


def _code_what(text: str) -> str | None:
    """The syntax-tree findings on one line of commented-out code (or of a cell that does not parse)."""
    if re.search(_CODE_HINT, text) is None:
        return None
    try:
        tree = ast.parse(text.strip())
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, _BINDING_NODES):
            for _line, what in _binding_findings(node):
                return what
    return None


def _quoted_what(text: str) -> str | None:
    """A quoted literal bound to a secret name on one line: `password = "..."`, `"token": "..."`."""
    for m in _LINE_BINDING.finditer(text):
        name = m.group("name").strip("\"'")
        if what := literal_what(name, m.group("value")):
            return _named(what, name)
    return None


def line_findings(lines: list[str], only_comments: bool) -> Iterator[tuple[int, str]]:
    """Pass 2 by line patterns: every line of a cell that does not parse, the comments of one that does
    (comments are copied into the script)."""
    for number, line in enumerate(lines, start=1):
        if only_comments and "#" not in line:
            continue
        low = line.lower()
        if not any(n in low for n in _NAME_NEEDLES):  # no secret name, no call taking a password
            continue
        comment = _comment_of(line)
        if only_comments:
            if comment is None:
                continue
            what = _quoted_what(comment) or _comment_what(comment) or _code_what(comment)
        else:
            what = _quoted_what(line) or _code_what(line)
            if not what and comment is not None:
                what = _comment_what(comment) or _code_what(comment)
        if what:
            yield number, what


def _named(what: str, name: str) -> str:
    """Name the variable or key (never the value) when it prints cleanly."""
    return f"{what} (`{name}`)" if re.fullmatch(r"[\w.-]{1,40}", name) else what


# --- the diagnostics ------------------------------------------------------------------------------


def _syntax(pc: ParsedCell) -> list[ast.stmt] | None:
    if pc.statements:
        return [st.node for st in pc.statements]
    if not pc.source.strip():
        return []
    return None  # did not parse (or too deep to walk): line patterns only


def scan_cell(source: str, nodes: list[ast.stmt] | None) -> list[tuple[int, str]]:
    """(line, what) of each line holding a credential, first finding per line, in line order."""
    starts = [0] + [m.end() for m in re.finditer("\n", source)]
    found: dict[int, str] = {}
    for offset, what in token_findings(source):
        found.setdefault(bisect.bisect_right(starts, offset), what)
    for line, end, what in ast_findings(nodes, source) if nodes is not None else ():
        if not any(line <= seen <= end for seen in found):  # a key block is one finding
            found[line] = what
    for line, what in line_findings(source.split("\n"), only_comments=nodes is not None):
        found.setdefault(line, what)
    return sorted(found.items())


def scan(path: str, parsed: list[ParsedCell], strict: bool) -> list[Diagnostic]:
    """One diagnostic per line that holds a credential, in the cells that reach the flow script."""
    found: list[Diagnostic] = []
    severity = "error" if strict else "warning"
    for pc in parsed:
        if pc.rc.role not in SCANNED_ROLES:
            continue
        # the raw source: IPython lines and comments are copied into the script too
        for number, what in scan_cell(pc.rc.cell.source, _syntax(pc)):
            found.append(
                Diagnostic(
                    severity,  # type: ignore[arg-type]
                    f"this line looks like it holds {what}; it would be copied into the flow script",
                    path,
                    pc.rc.cell.index,
                    pc.rc.cell.id,
                    number,
                    "read it at run time instead (os.environ, a Prefect Secret block, boto3's credential chain)",
                )
            )
    return found
