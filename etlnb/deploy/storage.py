"""Flow code storage: content-addressed versions in a local folder or S3.

Layout: {prefix}/{project}/{flow}/{sha}/{flow}.py + prefect.yaml (Prefect 3), or
{flow}.py alone (Prefect 1 with storage_key = "versioned": the script names its own
S3 key). A version is written once and never changed, so a running flow never sees
its code change and any earlier version can be registered again (rollback).

What a version is, decided here only: the 16-hex-digit content hash of its
files (Prefect 3: the script and its prefect.yaml; Prefect 1: the script), where
the version's own name is written as VERSION_PLACEHOLDER when hashing (`seal`).
A folder counts as a stored version only when it holds exactly the files of its
target and they hash to its name: an empty, partial or edited folder is not
deployable.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import uuid
from collections.abc import Callable
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
    tampered: str = ""  # why a folder named like a version is not that version (edited, added to)


# a deployment's pull step names its folder through this variable, which the deployment
# sets and each flow run keeps (see deploy.pin_pending_runs): a run executes the version it records
VERSION_ENV = "ETLNB_CODE_VERSION"
VERSION_PLACEHOLDER = "0" * 16
_VERSION = re.compile(r"[0-9a-f]{16}")


def is_version(text: str) -> bool:
    return bool(_VERSION.fullmatch(text))


def version_sha(files: dict[str, bytes]) -> str:
    """The content address of a version's files (each file's name and bytes, in name order)."""
    digest = hashlib.sha256()
    for name in sorted(files):
        data = files[name]
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()[:16]


def seal(render: Callable[[str], dict[str, bytes]]) -> tuple[str, dict[str, bytes]]:
    """(version, files) of the files `render(version)` gives: hashed as rendered with
    VERSION_PLACEHOLDER, then rendered again with their own version written in."""
    sha = version_sha(render(VERSION_PLACEHOLDER))
    return sha, render(sha)


def _complete(files: dict[str, bytes], target: str) -> bool:
    """The files a version of `target` holds: Prefect 3's script and prefect.yaml, or
    Prefect 1's script alone (a Prefect 3 version is never taken for a Prefect 1 one)."""
    scripts = [n for n in files if n.endswith(".py")]
    if target == "prefect1":
        return len(files) == 1 and len(scripts) == 1
    return "prefect.yaml" in files and bool(scripts)


def verify(sha: str, files: dict[str, bytes], target: str = "prefect3") -> bool:
    """True when `files` are exactly version `sha` of `target` (its name stands for the placeholder when hashing)."""
    if not is_version(sha) or not _complete(files, target):
        return False
    unsealed = {n: d.replace(sha.encode(), VERSION_PLACEHOLDER.encode()) for n, d in files.items()}
    return version_sha(unsealed) == sha


def folder_state(folder: Path, sha: str, target: str = "prefect3") -> str:
    """ "intact" when FOLDER holds exactly version SHA's files and nothing else; else what is wrong.
    Code storage is read-only for runs: anything added (an output a run wrote, a subfolder) counts."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return "missing"
    extra = sorted(e.name for e in entries if not e.is_file() or e.name.startswith("."))
    if extra:
        return f"altered (holds {', '.join(extra[:3])}{', ...' if len(extra) > 3 else ''} beside its own files)"
    files = {e.name: e.read_bytes() for e in entries}
    if not verify(sha, files, target):
        return "altered (its files do not hash to its name)"
    return "intact"


class LocalStorage:
    def __init__(self, root: Path):
        self.root = root

    @property
    def url(self) -> str:
        return str(self.root)

    def folder(self, project: str, flow: str, sha: str) -> str:
        return str(self.root / project / flow / sha)

    def _files(self, folder: Path) -> dict[str, bytes]:
        try:
            return {f.name: f.read_bytes() for f in folder.iterdir() if f.is_file()}
        except OSError:
            return {}

    def upload(self, project: str, flow: str, sha: str, files: dict[str, bytes]) -> str:
        target = self.root / project / flow / sha
        if verify(sha, self._files(target)):
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
            if target.exists():  # not a stored version (empty, partial or edited): set it aside
                shutil.rmtree(target, ignore_errors=True)
            try:
                os.replace(staging, target)  # the version appears whole or not at all
            except OSError:
                if not verify(sha, self._files(target)):
                    raise
                shutil.rmtree(staging, ignore_errors=True)  # a concurrent deploy stored the same version first
        except OSError as exc:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
            raise StorageError(f"cannot write {target}: {exc.strerror or exc}") from None
        return str(target)

    def verified(self, project: str, flow: str, sha: str, target: str = "prefect3") -> dict[str, bytes]:
        """The files of stored version `sha`; StorageError unless they are complete and hash to it."""
        folder = self.root / project / flow / sha
        files = self._files(folder) if is_version(sha) else {}
        if not is_version(sha) or folder_state(folder, sha, target) != "intact":
            raise StorageError(_not_stored(sha, project, flow, self.url, bool(files)))
        return files

    def versions(self, project: str, flow: str, target: str = "prefect3") -> list[Version]:
        """Every folder named like a version, oldest first; one that is not intact says so."""
        folder = self.root / project / flow
        if not folder.is_dir():
            return []
        out = []
        for child in folder.iterdir():
            if child.is_dir() and is_version(child.name):
                state = folder_state(child, child.name, target)
                if state == "missing" or (state != "intact" and not self._files(child)):
                    continue  # an empty folder: nothing was stored there
                other = "prefect1" if target == "prefect3" else "prefect3"
                if state != "intact" and folder_state(child, child.name, other) == "intact":
                    continue  # the other target's version (one storage may hold both): not this one's
                created = datetime.fromtimestamp(child.stat().st_mtime, UTC)
                out.append(Version(child.name, created, str(child), "" if state == "intact" else state))
        return sorted(out, key=lambda v: (v.created, v.sha))

    def pull_steps(self, project: str, flow: str, etlnb_on_worker: bool = True) -> list[dict]:
        """Run in the version's folder (the entrypoint is relative to it), after checking that the
        folder is exactly that version: an edit to stored code never runs. A process worker beside
        local storage runs etlnb's own check (nothing added to the folder either); elsewhere (a
        Kubernetes pod has no etlnb) the standard-library check S3 uses."""
        folder = str(self.root / project / flow / ("{{ $" + VERSION_ENV + " }}"))
        version = "{{ $" + VERSION_ENV + " }}"
        check = (
            {"etlnb.deploy.pull.verify_stored_code": {"directory": folder, "version": version}}
            if etlnb_on_worker
            else {
                "prefect.deployments.steps.run_shell_script": {"script": check_command([f"{flow}.py", "prefect.yaml"])}
            }
        )
        return [{"prefect.deployments.steps.set_working_directory": {"directory": folder}}, check]


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

    def verified(self, project: str, flow: str, sha: str, target: str = "prefect3") -> dict[str, bytes]:
        """The files of stored version `sha`; StorageError unless they are complete and hash to it."""
        if not is_version(sha):
            raise StorageError(_not_stored(sha, project, flow, self.url, False))
        prefix = self.key(project, flow, sha) + "/"
        files: dict[str, bytes] = {}

        def fetch():
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                for obj in page.get("Contents", []):
                    name = obj["Key"][len(prefix) :]
                    if name and "/" not in name:
                        files[name] = self.client.get_object(Bucket=self.bucket, Key=obj["Key"])["Body"].read()

        self._call(f"read {prefix}", fetch)
        if not verify(sha, files, target):
            raise StorageError(_not_stored(sha, project, flow, self.url, bool(files)))
        return files

    def versions(self, project: str, flow: str, target: str = "prefect3") -> list[Version]:
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
        complete = []
        other = "prefect1" if target == "prefect3" else "prefect3"
        for sha, created in found.items():
            tampered = ""
            try:
                self.verified(project, flow, sha, target)
            except StorageError:
                if not is_version(sha):
                    continue
                try:
                    self.verified(project, flow, sha, other)
                    continue  # the other target's version (one prefix may hold both): not this one's
                except StorageError:
                    tampered = "altered (its files do not hash to its name)"  # listed, never silently gone
            complete.append(Version(sha, created, self.folder(project, flow, sha), tampered))
        return sorted(complete, key=lambda v: (v.created, v.sha))

    def pull_steps(self, project: str, flow: str, etlnb_on_worker: bool = False) -> list[dict]:
        """Pull the version's files from S3, then check them there, before any is loaded: a worker's
        image has prefect and prefect-aws but not etlnb, so the check is a few lines of Python run by
        Prefect's own shell step (standard library only, the same hash as `version_sha`)."""
        folder = self.key(project, flow, "{{ $" + VERSION_ENV + " }}")
        step: dict = {"requires": "prefect-aws", "bucket": self.bucket, "folder": folder}
        if self.endpoint_url:
            step["client_parameters"] = {"endpoint_url": self.endpoint_url}
        return [
            {"prefect_aws.deployments.steps.pull_from_s3": step},
            {"prefect.deployments.steps.run_shell_script": {"script": check_command([f"{flow}.py", "prefect.yaml"])}},
        ]


def check_command(names: list[str]) -> str:
    """`python3 -c '...'`: exit 0 when the files NAMES in the working folder are exactly the version
    the run records (VERSION_ENV), else one `etlnb: ...` line and exit 1. One shell line (Prefect
    splits the script by lines and each with shlex), no backslashes, no single quotes inside."""
    code = (
        "import hashlib,os,sys;"
        f'v=os.environ.get("{VERSION_ENV}","");'
        "h=hashlib.sha256();"
        'fs=sorted((n,open(n,"rb").read().replace(v.encode(),b"0"*16)) for n in '
        + repr(sorted(names)).replace("'", '"')
        + " if os.path.isfile(n));"
        '[h.update(b"%s%c%d%c"%(n.encode(),0,len(d),0)+d) for n,d in fs];'
        f"ok=len(fs)=={len(names)} and len(v)==16 and h.hexdigest()[:16]==v;"
        'sys.exit(0 if ok else "etlnb: stored code pulled for version "+v+" is altered (its files do not hash'
        ' to its name), not the version deployed; the run stops before loading it")'
    )
    assert "'" not in code and "\\" not in code
    return f"python3 -c '{code}'"


def _not_stored(sha: str, project: str, flow: str, where: str, partial: bool) -> str:
    if not is_version(sha):
        return f"{sha!r} is not a version: a version is the 16-hex-digit hash `etlnb versions` lists"
    state = "is incomplete or altered (its files do not hash to its name)" if partial else "is not stored"
    return f"version {sha} of {project}/{flow} {state} in {where}; `etlnb versions` lists the deployable ones"


def open_storage(url: str, endpoint_url: str | None = None) -> LocalStorage | S3Storage:
    from etlnb.analyse.urls import refuse_credentials

    for value, what in ((url, "storage"), (endpoint_url, "S3 endpoint")):
        reason = value and refuse_credentials(
            value, what, "let boto3 find credentials (AWS_* variables, a profile, an instance role)"
        )
        if reason:
            raise StorageError(reason)
    parsed = urlparse(url)
    if parsed.scheme == "s3":
        if not parsed.netloc:
            raise StorageError(f"storage URL {url!r} has no bucket")
        return S3Storage(parsed.netloc, parsed.path, endpoint_url)
    if parsed.scheme in ("", "file"):
        return LocalStorage(Path(parsed.path if parsed.scheme == "file" else url).expanduser().resolve())
    raise StorageError(f"unsupported storage {url!r}: use s3://bucket/prefix or a local folder")
