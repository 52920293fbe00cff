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
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from etlnb.diagnostics import CompileError, Diagnostic

POOL_TYPES = ("process", "kubernetes")
_SECRET_HINTS = ("secret", "password", "token", "access_key", "credential")


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
        expected = {"retries": int, "tags": (list, tuple), "parity_ignore": (list, tuple), "schedule": (str, int)}.get(
            key, str
        )
        if not isinstance(value, expected) or isinstance(value, bool):
            raise CompileError(
                [
                    Diagnostic(
                        "error", f"setting `{raw_key}` in {source} has the wrong type ({type(value).__name__})", source
                    )
                ]
            )
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
        updates[key] = tuple(str(t) for t in value) if key in ("tags", "parity_ignore") else value
    merged = replace(settings, **updates, source=source if updates else settings.source)
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


def find_config(start: Path) -> Path | None:
    """The nearest etlnb.toml, or pyproject.toml with a [tool.etlnb] table, at or above `start`."""
    for folder in (start.resolve(), *start.resolve().parents):
        if (folder / "etlnb.toml").exists():
            return folder / "etlnb.toml"
        pyproject = folder / "pyproject.toml"
        if pyproject.exists():
            try:
                if "etlnb" in tomllib.loads(pyproject.read_text()).get("tool", {}):
                    return pyproject
            except (tomllib.TOMLDecodeError, OSError):
                continue
    return None


def load_settings(notebook: Path, metadata: dict[str, Any], flags: dict[str, Any] | None = None) -> Settings:
    """Config file, then notebook metadata, then flags; env for the S3 endpoint."""
    settings = Settings()
    path = find_config(notebook.parent)
    if path is not None:
        try:
            data = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise CompileError([Diagnostic("error", f"invalid TOML: {exc}", str(path))]) from None
        table = data if path.name == "etlnb.toml" else data["tool"]["etlnb"]
        settings = settings.with_overrides(table, str(path))
    if metadata:
        settings = settings.with_overrides(metadata, f"{notebook} metadata.etlnb")
    env_endpoint = os.environ.get("ETLNB_S3_ENDPOINT_URL")
    if env_endpoint and not settings.s3_endpoint_url:
        settings = replace(settings, s3_endpoint_url=env_endpoint)
    if flags:
        settings = settings.with_overrides({k: v for k, v in flags.items() if v not in (None, [], ())}, "command line")
    return settings
