"""Flow code storage: content-addressed versions in a local folder or S3.

Layout: {prefix}/{project}/{flow}/{sha}/{flow}.py (+ prefect.yaml). A version
is written once and never changed, so a running flow never sees its code
change and any earlier version can be registered again (rollback).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse


class StorageError(Exception):
    """A one-line reason the storage could not be used."""


@dataclass(frozen=True)
class Version:
    sha: str
    created: datetime
    location: str  # the folder URL of this version


def content_sha(script: str) -> str:
    return hashlib.sha256(script.encode("utf-8")).hexdigest()[:16]


class LocalStorage:
    def __init__(self, root: Path):
        self.root = root

    @property
    def url(self) -> str:
        return str(self.root)

    def folder(self, project: str, flow: str, sha: str) -> str:
        return str(self.root / project / flow / sha)

    def upload(self, project: str, flow: str, sha: str, files: dict[str, bytes]) -> str:
        target = self.root / project / flow / sha
        if target.exists():
            return str(target)  # content-addressed: already there, never rewritten
        staging: Path | None = None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            # mkdir follows the umask like any folder; mkdtemp's 0700 would keep out a worker
            # that runs as another user
            staging = target.parent / f".{sha}-{uuid.uuid4().hex[:12]}"
            staging.mkdir()
            for name, data in files.items():
                (staging / name).write_bytes(data)
            try:
                os.replace(staging, target)  # the version appears whole or not at all
            except OSError:
                if not target.exists():
                    raise
                shutil.rmtree(staging, ignore_errors=True)  # a concurrent deploy stored the same version first
        except OSError as exc:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
            raise StorageError(f"cannot write {target}: {exc.strerror or exc}") from None
        return str(target)

    def versions(self, project: str, flow: str) -> list[Version]:
        folder = self.root / project / flow
        if not folder.is_dir():
            return []
        out = []
        for child in folder.iterdir():
            if child.is_dir() and not child.name.startswith("."):
                created = datetime.fromtimestamp(child.stat().st_mtime, UTC)
                out.append(Version(child.name, created, str(child)))
        return sorted(out, key=lambda v: (v.created, v.sha))

    def read(self, project: str, flow: str, sha: str, name: str) -> bytes:
        path = self.root / project / flow / sha / name
        try:
            return path.read_bytes()
        except OSError:
            raise StorageError(f"version {sha} of {project}/{flow} is not in {self.root}") from None

    def pull_step(self, project: str, flow: str, sha: str) -> dict:
        return {"prefect.deployments.steps.set_working_directory": {"directory": self.folder(project, flow, sha)}}


class S3Storage:
    def __init__(self, bucket: str, prefix: str, endpoint_url: str | None):
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint_url = endpoint_url
        self._client = None

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")

    @property
    def client(self):
        if self._client is None:
            import boto3
            from botocore.config import Config

            # credentials: boto3's standard chain (env, profile, instance role); never from etlnb config
            config = Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 2})
            self._client = boto3.client("s3", endpoint_url=self.endpoint_url, config=config)
        return self._client

    def key(self, project: str, flow: str, sha: str, name: str = "") -> str:
        parts = [p for p in (self.prefix, project, flow, sha, name) if p]
        return "/".join(parts)

    def folder(self, project: str, flow: str, sha: str) -> str:
        return f"s3://{self.bucket}/{self.key(project, flow, sha)}/"

    def _call(self, what: str, fn, *args, **kwargs):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return fn(*args, **kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "?")
            if code == "NoSuchBucket":
                raise StorageError(f"bucket {self.bucket!r} does not exist ({what})") from None
            raise StorageError(
                f"S3 refused to {what}: {code}: {exc.response.get('Error', {}).get('Message', '')}"
            ) from None
        except BotoCoreError as exc:
            where = self.endpoint_url or "AWS S3"
            raise StorageError(f"cannot reach {where} to {what}: {exc}") from None

    def upload(self, project: str, flow: str, sha: str, files: dict[str, bytes]) -> str:
        # the flow script goes last: a version counts as present once its script is there
        names = sorted(files, key=lambda n: n.endswith(".py"))
        for name in names:
            key = self.key(project, flow, sha, name)
            self._call(f"upload {key}", self.client.put_object, Bucket=self.bucket, Key=key, Body=files[name])
        return self.folder(project, flow, sha)

    def versions(self, project: str, flow: str) -> list[Version]:
        prefix = self.key(project, flow, "") + "/"
        paginator = self.client.get_paginator("list_objects_v2")
        found: dict[str, datetime] = {}

        def scan():
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                for obj in page.get("Contents", []):
                    rest = obj["Key"][len(prefix) :]
                    sha, _, name = rest.partition("/")
                    if name.endswith(".py"):
                        found[sha] = obj["LastModified"]

        self._call(f"list {prefix}", scan)
        return sorted(
            (Version(s, d, self.folder(project, flow, s)) for s, d in found.items()), key=lambda v: (v.created, v.sha)
        )

    def read(self, project: str, flow: str, sha: str, name: str) -> bytes:
        key = self.key(project, flow, sha, name)
        response = self._call(f"read {key}", self.client.get_object, Bucket=self.bucket, Key=key)
        return response["Body"].read()

    def pull_step(self, project: str, flow: str, sha: str) -> dict:
        step: dict = {"requires": "prefect-aws", "bucket": self.bucket, "folder": self.key(project, flow, sha)}
        if self.endpoint_url:
            step["client_parameters"] = {"endpoint_url": self.endpoint_url}
        return {"prefect_aws.deployments.steps.pull_from_s3": step}


def open_storage(url: str, endpoint_url: str | None = None) -> LocalStorage | S3Storage:
    parsed = urlparse(url)
    if parsed.scheme == "s3":
        if not parsed.netloc:
            raise StorageError(f"storage URL {url!r} has no bucket")
        return S3Storage(parsed.netloc, parsed.path, endpoint_url)
    if parsed.scheme in ("", "file"):
        return LocalStorage(Path(parsed.path if parsed.scheme == "file" else url).expanduser().resolve())
    raise StorageError(f"unsupported storage {url!r}: use s3://bucket/prefix or a local folder")
