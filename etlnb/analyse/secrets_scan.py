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
  both are copied into the script), e.g. `ghp_...`, `AKIA...`, `user:pw@host`;
- names that say "secret" bound to a literal, from the syntax tree where the
  cell parses (assignments, annotations, keywords, dict keys, defaults,
  comparisons, getenv fallbacks), from line patterns where it does not;
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
        len(set(text)) <= 2  # "", "xxx", "****"
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
    return not placeholder(password) and len(password) >= 3


def _url_token_ok(m: re.Match[str], _text: str) -> bool:
    user = m.group("user")
    return _token_body_ok(user) and re.search(r"\d", user) is not None and re.search(r"[A-Za-z]", user) is not None


def _connection_string_ok(m: re.Match[str], text: str) -> bool:
    """`Password=` counts inside a `;`-separated connection string only (not `connect(pwd=pwd)`)."""
    before = text[: m.start()].rstrip()
    after = text[m.end() :]
    in_string = before.endswith(";") or after.startswith(";")
    return in_string and not placeholder(m.group("pw"))


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


def token_findings(text: str) -> Iterator[tuple[int, str]]:
    """(offset, what) of every credential shape in `text`."""
    for m, what in _token_matches(text):
        yield m.start(), what


def _token_matches(text: str) -> Iterator[tuple[re.Match[str], str]]:
    low = text.lower()
    for what, needles, pattern, ok in TOKEN_RULES:
        if not any(n in low for n in needles):
            continue
        for m in pattern.finditer(text):
            if ok(m, text):
                yield m, what
    if "service_account" in low and _SERVICE_ACCOUNT.search(text):
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

_PASSWORD_WORDS = {"password", "passwd", "pwd", "passphrase", "passwort", "pw"}
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
    if last in _PASSWORD_WORDS or (last == "pass" and len(words) >= 2 and words[-2] in _PASS_QUALIFIERS):
        return "password"
    if last == "key" and len(words) >= 2 and words[-2] in _KEY_QUALIFIERS:
        return "aws" if "aws" in words and "secret" in words else "secret"
    if last in _SECRET_WORDS:
        return "secret"
    return None


def literal_what(name: str, value: str) -> str | None:
    """What a literal bound to `name` is, if it looks like a real credential."""
    kind = secret_kind(name)
    text = value.strip()
    if kind is None or placeholder(text) or _PATH.match(text) or _ENV_NAME.fullmatch(text):
        return None
    if re.match(r"[A-Za-z][\w+.-]*://", text) or text.lower() == name.lower():  # a location; pass 1 sees user:pw@
        return None
    if kind == "password":
        return LITERAL if len(text) >= 4 else None
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
# a secret-looking name holds one of these (lowercased): `password`, `pwd`, `apiKey`, `creds`, ...
_NAME_NEEDLES = ("pass", "pw", "secret", "token", "key", "cred")


def ast_findings(nodes: list[ast.stmt], source: str) -> Iterator[tuple[int, int, str]]:
    """(line, last line, what): secret names bound to literals, credential shapes in multi-line strings."""
    low = source.lower()
    names = any(n in low for n in _NAME_NEEDLES)
    shapes = "service_account" in low or any(n in low for _, needles, _, _ in TOKEN_RULES for n in needles)
    if not (names or shapes):  # nothing to find: skip the walk (large data cells)
        return
    for top in nodes:
        for node in ast.walk(top):
            if names and isinstance(node, _BINDING_NODES):
                for target, value, line in _bindings(node):
                    name, literal = _target_name(target), _str(value)
                    if name is not None and literal is not None and (what := literal_what(name, literal)):
                        yield line, line, _named(what, name)
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


def line_findings(lines: list[str], only_comments: bool) -> Iterator[tuple[int, str]]:
    """Pass 2 by line patterns: cells that do not parse, and commented-out code."""
    for number, line in enumerate(lines, start=1):
        if only_comments and not line.lstrip().startswith("#"):
            continue
        for m in _LINE_BINDING.finditer(line):
            name = m.group("name").strip("\"'")
            if what := literal_what(name, m.group("value")):
                yield number, _named(what, name)
                break


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
