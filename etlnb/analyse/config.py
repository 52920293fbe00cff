"""Configuration: [tool.etlnb] in pyproject.toml (or etlnb.toml), then the
notebook's `metadata.etlnb`, then command-line flags; endpoints may come from
the environment. Credentials never come from here: boto3's own chain and
Prefect's settings provide them.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
import unicodedata
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from etlnb.analyse.diagnostics import CompileError, Diagnostic

POOL_TYPES = ("process", "kubernetes")
TARGETS = ("prefect3", "prefect1")  # etlnb.targets.TARGETS: the emitters (not imported: compile must start fast)
_SECRET_HINTS = ("secret", "password", "token", "access_key", "credential")
# Prefect's own prefect.types.BANNED_CHARACTERS, copied: `etlnb compile` must not import prefect
# (tests/test_badinput.py checks the two lists agree)
PREFECT_BANNED = ("/", "%", "&", ">", "<")
# Unicode categories refused in names: controls (C0, DEL, C1 with NEL), format characters
# (bidi overrides), lone surrogates, private use, unassigned, line/paragraph separators.
# They make prefect.yaml unloadable, are rewritten by YAML (NEL) or hide what a name says.
_REFUSED_CATEGORIES = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")
MAX_INTERVAL = 366 * 24 * 3600  # seconds: a yearly interval is the longest one Prefect can mean usefully
MAX_RETRIES = 100
STORAGE_SCHEMES = ("", "file", "s3")
STORAGE_KEYS = ("fixed", "versioned")  # a Prefect 1 script's S3 key (etlnb.targets.prefect1.emit.versioned_key)
TASK_RUNNERS = ("threads", "dask")
# Dask's own address forms (distributed.comm): tcp://, tls://, ws://, wss://, ucx://, inproc://, or host:port
_DASK_ADDRESS = re.compile(r"((tcp|tls|ws|wss|ucx|inproc)://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(:\d{1,5})?/?")
_QUALIFIED_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+")


def shown(value: Any) -> str:
    """A value as it is safe to print: quoted, escaped (controls, surrogates), cut at 80 characters."""
    text = json.dumps(value, ensure_ascii=True) if isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def name_problem(kind: str, value: Any, banned: tuple[str, ...] = PREFECT_BANNED) -> str | None:
    """Why `value` cannot be a deployment name, work pool name or tag; None when it can.

    The one check every name goes through, whether it came from a flag, a config file
    or notebook metadata: names reach Prefect's API, prefect.yaml and the terminal.
    """
    if not isinstance(value, str):
        return f"{kind} must be a string, not {type(value).__name__} ({shown(value)})"
    if not value.strip():
        return f"{kind} must not be empty"
    if value != value.strip():
        return f"{kind} {shown(value)} starts or ends with white space"
    if len(value) > 200:
        return f"{kind} {shown(value)} is longer than 200 characters"
    for char in value:
        if unicodedata.category(char) == "Cs":
            return f"{kind} {shown(value)} is not valid text (an undecodable byte or lone surrogate, U+{ord(char):04X})"
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            return f"{kind} {shown(value)} contains the control or invisible character U+{ord(char):04X}"
    if any(c in value for c in banned):
        return f"{kind} {shown(value)} contains one of {' '.join(banned)} (Prefect refuses them in names)"
    return None


_FLAGS = {
    "deployment": "name",
    "tags": "tag",
    "work_pool": "work-pool",
    "s3_endpoint_url": "s3-endpoint-url",
    "task_runner": "task-runner",
}
_JSON_SCALARS = (str, int, float, bool, type(None))


def _kwargs_problem(value: Any, where: str) -> str | None:
    """Why `dask_cluster_kwargs` cannot be written into the script as a literal or holds a
    credential; None when it is fine. Values are data (JSON-like), never code."""
    from etlnb.analyse.secrets_scan import token_findings

    if isinstance(value, dict):
        pairs = list(value.items())
        if isinstance(value.get("name"), str) and "value" in value:
            pairs.append((value["name"], value["value"]))  # a Kubernetes env entry {name: X, value: Y}
        for key, item in pairs:
            if not isinstance(key, str):
                return f"{where} has a key that is not a string ({shown(key)})"
            # a key holding a structure (`secretKeyRef: {...}`) refers to a secret; one holding a value is one
            if isinstance(item, _JSON_SCALARS) and any(h in key.lower().replace("-", "_") for h in _SECRET_HINTS):
                return f"{where}.{key} looks like a credential; etlnb never stores credentials"
        for key, item in value.items():
            if (problem := _kwargs_problem(item, f"{where}.{key}")) is not None:
                return problem
        return None
    if isinstance(value, list):
        for i, item in enumerate(value):
            if (problem := _kwargs_problem(item, f"{where}[{i}]")) is not None:
                return problem
        return None
    if not isinstance(value, _JSON_SCALARS) or (isinstance(value, float) and value != value):
        return f"{where} must hold strings, numbers, booleans, lists and tables, not {type(value).__name__}"
    if isinstance(value, str) and (found := next(token_findings(value), None)) is not None:
        return f"{where} holds {found[1]}; etlnb never stores credentials"
    return None


_TEMPLATE_MARKS = ("{{", "}}", "{%", "%}")
MAX_NESTING = 20


def _template_problem(key: str, value: Any) -> str | None:
    """Settings reach Prefect (deployment, tags, job variables, pull steps, prefect.yaml), which
    resolves `{{ ... }}` there: `{{ prefect.blocks.secret.x }}` would be stored or logged as the
    secret. Settings are plain text, so template marks and control characters are refused."""
    texts: list[str] = []
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_NESTING:  # written into the script as a literal: Python's parser has limits
            return f"{key} is nested deeper than {MAX_NESTING} levels"
        if isinstance(item, str):
            texts.append(item)
        elif isinstance(item, (list, tuple)):
            stack += [(v, depth + 1) for v in item]
        elif isinstance(item, dict):
            stack += [(v, depth + 1) for v in (*item.keys(), *item.values())]
    for text in texts:
        mark = next((m for m in _TEMPLATE_MARKS if m in text), None)
        if mark is not None:
            return (
                f"{key} {shown(text)} contains `{mark}`: Prefect would read it as a template (a secret block or"
                " variable resolved into the value); settings are plain text"
            )
        for char in text:
            if unicodedata.category(char) == "Cs":
                return (
                    f"{key} {shown(text)} is not valid text (an undecodable byte or lone surrogate, U+{ord(char):04X})"
                )
            if unicodedata.category(char) in _REFUSED_CATEGORIES or char in "\n\r":
                return f"{key} {shown(text)} contains the control or invisible character U+{ord(char):04X}"
    return None


def _address_problem(key: str, value: str) -> str | None:
    """A storage URL or endpoint: parseable, and never with credentials in it (they would be written
    into the deployment, the Prefect 1 script and logs)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        return f"{key} {shown(value)} is not a valid address ({exc})"
    if "@" in parts.netloc:
        masked = parts._replace(netloc="***@" + parts.netloc.rpartition("@")[2]).geturl()  # never echoed back
        return f"{key} {shown(masked)} has credentials in it; etlnb never stores credentials"
    return None


def _name_setting_problem(key: str, value: Any) -> str | None:
    if key in ("deployment", "work_pool"):
        return name_problem("work pool name" if key == "work_pool" else "deployment name", value)
    for tag in value:
        if (problem := name_problem("tag", tag, banned=())) is not None:
            return problem
    return None


def _setting_problem(key: str, value: Any) -> str | None:
    """Why a setting's value is unusable (after its type was checked); None when it is fine."""
    if key in ("deployment", "work_pool", "tags"):  # names: their own check first, then templates
        return _name_setting_problem(key, value) or _template_problem(key, value)
    if key != "image_variable" and (problem := _template_problem(key, value)) is not None:
        return problem  # image_variable has its own, stricter check: a Prefect Variable name
    if key in ("storage", "s3_endpoint_url") and (problem := _address_problem(key, value)) is not None:
        return problem + (
            ": S3 access uses boto3's standard chain (environment, profile, role)" if "credentials" in problem else ""
        )
    if key == "retries" and not 0 <= value <= MAX_RETRIES:
        return f"retries must be between 0 and {MAX_RETRIES}, not {value}"
    if key == "schedule":
        if isinstance(value, str) and value.isascii() and value.isdigit():
            value = int(value)
        if isinstance(value, int) and not 1 <= value <= MAX_INTERVAL:
            return f"schedule interval must be between 1 and {MAX_INTERVAL} seconds, not {shown(value)}"
        if isinstance(value, str) and value and (problem := name_problem("schedule", value, banned=())):
            return problem + "; expected a cron expression like '0 6 * * *' or an interval in seconds"
        if isinstance(value, str) and value and not (value.startswith("@") or 5 <= len(value.split()) <= 6):
            # the full check is Prefect's (at deploy); this one needs no server and no import
            return f"schedule {shown(value)} is neither a cron expression like '0 6 * * *' nor an interval in seconds"
    if key == "storage_key" and value not in STORAGE_KEYS:
        return f"storage_key must be one of {', '.join(STORAGE_KEYS)}, not {shown(value)}"
    if key == "task_runner" and value not in TASK_RUNNERS:
        return f"task_runner must be one of {', '.join(TASK_RUNNERS)}, not {shown(value)}"
    if key == "dask_address" and ("@" in value or not _DASK_ADDRESS.fullmatch(value)):
        return f"dask_address {shown(value)} is not a Dask scheduler address like tcp://scheduler:8786" + (
            "; credentials never go into an address" if "@" in value else ""
        )
    if key == "dask_cluster_class" and not _QUALIFIED_NAME.fullmatch(value):
        return (
            f"dask_cluster_class {shown(value)} is not a qualified class name"
            " like distributed.LocalCluster or dask_kubernetes.operator.KubeCluster"
        )
    if key == "dask_cluster_kwargs":
        if "asynchronous" in value:
            return "dask_cluster_kwargs must not set `asynchronous`: prefect-dask manages it"
        return _kwargs_problem(value, "dask_cluster_kwargs")
    if key in ("dask_adapt_min", "dask_adapt_max") and not 0 <= value <= 10_000:
        return f"{key} must be between 0 and 10000 workers, not {value}"
    if key == "storage":
        from urllib.parse import urlparse

        scheme = urlparse(value).scheme
        if scheme not in STORAGE_SCHEMES and not re.fullmatch(r"[a-zA-Z]", scheme):
            return f"unsupported storage {shown(value)}: use s3://bucket/prefix or a local folder"
    return None


def flag_problem(flags: dict[str, Any]) -> str | None:
    """Why command-line settings are unusable, checked before any step runs; None when they are fine."""
    try:
        Settings().with_overrides({k: v for k, v in flags.items() if v not in (None, [], ())}, "command line")
    except CompileError as exc:
        return exc.diagnostics[0].message
    return None


def check_environment() -> str | None:
    """Why ETLNB_SERVER_PORT or ETLNB_HOME cannot be used; None when they can (or are unset)."""
    port = os.environ.get("ETLNB_SERVER_PORT")
    if port is not None and not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
        return f"ETLNB_SERVER_PORT={shown(port)} is not a TCP port number (1-65535); set it to a free port or unset it"
    home = os.environ.get("ETLNB_HOME")
    if home:
        try:
            path = Path(home).expanduser()
            for folder in (path, *path.parents):
                if folder.exists():
                    if not folder.is_dir():
                        return f"ETLNB_HOME={shown(home)} is not usable: {folder} is not a folder"
                    break
        except RuntimeError:  # `~nouser/x`: no such user's home
            return f"ETLNB_HOME={shown(home)} names the home folder of a user this machine does not know"
        except (OSError, ValueError) as exc:  # a name too long for the file system, a NUL
            return f"ETLNB_HOME={shown(home)} is not usable: {getattr(exc, 'strerror', None) or exc}"
    return None


@dataclass(frozen=True)
class Settings:
    project: str | None = None
    flow: str | None = None
    storage: str | None = None  # s3://bucket/prefix or a local folder; default: .etlnb/storage
    s3_endpoint_url: str | None = None  # MinIO and other S3-compatible stores
    work_pool: str = "etlnb-local"
    work_pool_type: str = "process"
    image: str | None = None  # Kubernetes: the base image; else the Prefect Variable below
    image_variable: str | None = None  # default: {project}_base_image
    namespace: str | None = None  # Kubernetes namespace (job variable)
    schedule: str | int | None = None  # cron text, or an interval in seconds
    retries: int = 2  # for mapped extract tasks
    tags: tuple[str, ...] = ()
    deployment: str | None = None  # deployment name; default: the flow name
    parity_ignore: tuple[str, ...] = ()  # names parity skips (timings, unseeded draws)
    parity_rtol: float | None = None  # parity compares exactly unless the notebook asks for a tolerance
    # Where mapped tasks run: "threads" (Prefect's ThreadPoolTaskRunner) or "dask" (prefect-dask's
    # DaskTaskRunner): on an existing scheduler (`dask_address`, the production shape) or on a cluster
    # made per flow run (`dask_cluster_class` + `dask_cluster_kwargs`, default a LocalCluster)
    task_runner: str = "threads"
    dask_address: str | None = None  # e.g. tcp://dask-scheduler:8786
    dask_cluster_class: str | None = None  # e.g. dask_kubernetes.operator.KubeCluster
    dask_cluster_kwargs: dict[str, Any] | None = None  # JSON-like values, passed to the cluster class
    dask_adapt_min: int | None = None  # adaptive scaling of a per-run cluster: cluster.adapt(minimum=, maximum=)
    dask_adapt_max: int | None = None
    target: str = "prefect3"  # what `etlnb compile` writes: a Prefect 3 flow, or a Prefect 1 `with Flow(...)` script
    # Prefect 1 with S3 storage: "fixed" keeps the script at {prefix}/{project}/{flow}.py, which every
    # registration overwrites under runs of older flow versions; "versioned" at {prefix}/{project}/{flow}/
    # {version}/{flow}.py, one immutable script per registered version (and rollback). Prefect 3 always versions.
    storage_key: str = "fixed"
    source: str = ""  # where the settings came from, for messages

    def with_overrides(self, values: dict[str, Any], source: str) -> Settings:
        return _merge(self, values, source)

    def storage_url(self, root: Path) -> str:
        return self.storage or str(root / ".etlnb" / "storage")

    def deployment_name(self, project: str) -> str:
        """Default: the project, so equal flow names in two projects never share a deployment."""
        return self.deployment or project

    def image_variable_name(self, project: str) -> str:
        return self.image_variable or f"{project}_base_image"


KEYS = {f.name for f in fields(Settings)} - {"source"}
_TYPES: dict[str, type | tuple[type, ...]] = {
    "retries": int,
    "tags": (list, tuple),
    "parity_ignore": (list, tuple),
    "parity_rtol": (int, float),
    "schedule": (str, int),
    "dask_cluster_kwargs": dict,
    "dask_adapt_min": int,
    "dask_adapt_max": int,
}


def _merge(settings: Settings, values: dict[str, Any], source: str) -> Settings:
    updates: dict[str, Any] = {}
    for raw_key, value in values.items():
        key = raw_key.replace("-", "_")
        if any(h in key for h in _SECRET_HINTS):
            raise CompileError(
                [
                    Diagnostic(
                        "error",
                        f"`{raw_key}` in {source} looks like a credential; etlnb never stores credentials",
                        source,
                        hint="remove it: S3 access uses boto3's standard chain (environment, profile, role)",
                    )
                ]
            )
        if key not in KEYS:
            raise CompileError(
                [
                    Diagnostic(
                        "error",
                        f"unknown etlnb setting `{raw_key}` in {source}",
                        source,
                        hint=f"known settings: {', '.join(sorted(KEYS))}",
                    )
                ]
            )
        if value is None:
            continue
        expected = _TYPES.get(key, str)
        if not isinstance(value, expected) or isinstance(value, bool):
            raise CompileError(
                [
                    Diagnostic(
                        "error", f"setting `{raw_key}` in {source} has the wrong type ({type(value).__name__})", source
                    )
                ]
            )
        if (problem := _setting_problem(key, value)) is not None:
            origin = f"--{_FLAGS.get(key, raw_key)}" if source == "command line" else f"setting `{raw_key}`"
            raise CompileError([Diagnostic("error", f"{problem} (from {origin})", source)])
        if key == "namespace" and not re.fullmatch(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", value):
            raise CompileError(
                [
                    Diagnostic(
                        "error",
                        f"namespace {value!r} in {source} is not a Kubernetes namespace name",
                        source,
                        hint="lowercase letters, digits and '-', at most 63 characters",
                    )
                ]
            )
        if key == "image_variable" and not re.fullmatch(r"[a-z0-9_-]{1,255}", value):
            # the name is pasted into a `{{ prefect.variables.NAME }}` template: only Prefect's own charset
            raise CompileError(
                [
                    Diagnostic(
                        "error",
                        f"image_variable {json.dumps(value)[:80]} in {source} is not a Prefect Variable name",
                        source,
                        hint="lowercase letters, digits, '-' and '_' (what `prefect variable set` accepts)",
                    )
                ]
            )
        if key == "parity_ignore" and not all(isinstance(n, str) for n in value):
            raise CompileError(
                [Diagnostic("error", f"setting `{raw_key}` in {source} must be a list of names", source)]
            )
        if key == "parity_rtol" and (isinstance(value, bool) or not 0 <= value < 1 or value != value):
            raise CompileError(
                [
                    Diagnostic(
                        "error",
                        f"setting `{raw_key}` in {source} must be a relative tolerance in [0, 1), not {value!r}",
                        source,
                        hint="e.g. parity_rtol = 1e-9; leave it out and parity compares exactly",
                    )
                ]
            )
        if key == "schedule" and isinstance(value, str) and value.isascii() and value.isdigit():
            value = int(value)  # an interval in seconds, as the flag's text
        updates[key] = tuple(value) if key in ("tags", "parity_ignore") else value
    merged = replace(settings, **updates, source=source if updates else settings.source)
    if (problem := _dask_problem(merged)) is not None:
        raise CompileError([Diagnostic("error", f"{problem} (settings from {source})", source)])
    if merged.target not in TARGETS:
        raise CompileError(
            [Diagnostic("error", f"target must be one of {', '.join(TARGETS)}, not {shown(merged.target)}", source)]
        )
    if merged.work_pool_type not in POOL_TYPES:
        raise CompileError(
            [
                Diagnostic(
                    "error",
                    f"work_pool_type must be one of {', '.join(POOL_TYPES)}, not {merged.work_pool_type!r}",
                    source,
                )
            ]
        )
    return merged


def _dask_problem(settings: Settings) -> str | None:
    """Dask settings that contradict each other (prefect-dask's DaskTaskRunner refuses them too)."""
    per_run = [
        k
        for k in ("dask_cluster_class", "dask_cluster_kwargs", "dask_adapt_min", "dask_adapt_max")
        if getattr(settings, k) is not None
    ]
    if settings.dask_address and per_run:
        return (
            f"dask_address (an existing scheduler) cannot be combined with {', '.join(per_run)} (a cluster made"
            " per flow run): set one or the other"
        )
    low, high = settings.dask_adapt_min, settings.dask_adapt_max
    if low is not None and high is not None and low > high:
        return f"dask_adapt_min ({low}) is larger than dask_adapt_max ({high})"
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    """A TOML file's content; a file that cannot be read or parsed is an error naming it and the line."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11's TOMLDecodeError has no lineno: it is only in the message
        found = re.search(r"\(at line (\d+), column (\d+)\)$", str(exc))
        message = re.sub(r" \(at line \d+, column \d+\)$", "", str(exc))
        line, where = (int(found[1]), f" (column {found[2]})") if found else (None, "")
        diagnostic = Diagnostic(
            "error",
            f"invalid TOML: {message}{where}",
            str(path),
            line=line,
            hint="fix the file: etlnb never skips a broken config file for another one further up",
        )
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8"
        diagnostic = Diagnostic("error", f"cannot read config file: {reason}", str(path))
    raise CompileError([diagnostic])


def _etlnb_table(path: Path, data: dict[str, Any]) -> dict[str, Any] | None:
    """The etlnb settings in a parsed config file (None: a pyproject.toml without [tool.etlnb])."""
    if path.name == "etlnb.toml":
        return data
    tool = data.get("tool")
    if tool is None:
        return None
    if not isinstance(tool, dict):
        problem = f"`tool` must be a table, not {type(tool).__name__}"
    elif "etlnb" not in tool:
        return None
    elif not isinstance(tool["etlnb"], dict):
        problem = f"`tool.etlnb` must be a table, not {type(tool['etlnb']).__name__}"
    else:
        return tool["etlnb"]
    raise CompileError(
        [Diagnostic("error", f"{problem}", str(path), hint="write the settings as a [tool.etlnb] table of key = value")]
    )


def find_config(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest etlnb.toml, or pyproject.toml with a [tool.etlnb] table, at or above `start`,
    with its settings. A config file that is broken is an error, never skipped for one further up."""
    for folder in (start.resolve(), *start.resolve().parents):
        for path in (folder / "etlnb.toml", folder / "pyproject.toml"):
            if path.exists():
                table = _etlnb_table(path, _read_toml(path))
                if table is not None:
                    return path, table
    return None


def load_settings(notebook: Path, metadata: dict[str, Any], flags: dict[str, Any] | None = None) -> Settings:
    """Config file, then notebook metadata, then flags; env for the S3 endpoint."""
    settings = Settings()
    found = find_config(notebook.parent)
    if found is not None:
        path, table = found
        settings = settings.with_overrides(table, str(path))
    if metadata:
        settings = settings.with_overrides(metadata, f"{notebook} metadata.etlnb")
    env_endpoint = os.environ.get("ETLNB_S3_ENDPOINT_URL")
    if env_endpoint and not settings.s3_endpoint_url:  # checked like any setting
        settings = settings.with_overrides({"s3_endpoint_url": env_endpoint}, "ETLNB_S3_ENDPOINT_URL")
    if flags:
        settings = settings.with_overrides({k: v for k, v in flags.items() if v not in (None, [], ())}, "command line")
    return settings


def deploy_flags(args: Any) -> dict[str, Any]:
    """Deploy settings from parsed flags (the CLI's and %etl_deploy's share their names)."""
    return {
        "storage": args.storage,
        "s3_endpoint_url": args.s3_endpoint_url,
        "work_pool": args.work_pool,
        "work_pool_type": args.pool_type,
        "image": args.image,
        "schedule": args.schedule,  # text; config turns digits into an interval and checks it
        "retries": args.retries,
        "tags": args.tag or None,
        "deployment": args.name,
        "task_runner": getattr(args, "task_runner", None),  # %etl_deploy has no such flag
        "target": getattr(args, "target", None),  # deploy and versions (%etl_deploy has no --target)
    }
