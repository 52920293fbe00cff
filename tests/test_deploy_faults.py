"""Deploys under faults: storage dying mid-upload, the Prefect API going away
before registration, a full disk, two deploys at once. Each ends with a clear
error or a consistent result, and the live deployment keeps working."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
from pathlib import Path

import pytest

from etlnb.deploy.progress import DeployError
from etlnb.deploy.steps import deploy
from etlnb.deploy.storage import S3Storage
from etlnb.local.worker import stop_worker

from .conftest import PYTHON, make_notebook
from .test_deploy_s3 import AWS_DUMMY, BUCKET, s3  # noqa: F401 - the moto server fixture

pytestmark = pytest.mark.integration


class Proxy:
    """A TCP forwarder on a fixed local port that a test can cut and restore."""

    def __init__(self, target_port: int):
        self.target = ("127.0.0.1", target_port)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.listener: socket.socket | None = None
        self.open_sockets: list[socket.socket] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(64)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def cut(self) -> None:
        """Stop listening and drop every open connection, as a dying server does."""
        if self.listener is not None:
            try:
                self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread (Linux)
            except OSError:
                pass
            self.listener.close()
            self.listener = None
        for sock in self.open_sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            except OSError:
                pass
        self.open_sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.open_sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.close()
                except OSError:
                    pass


def _notebook(folder: Path, name: str, factor: int) -> Path:
    nb = folder / "faults" / f"{name}.ipynb"
    nb.parent.mkdir(parents=True, exist_ok=True)
    nb.write_text(
        make_notebook(
            [
                ("import json\nimport os", ["imports"]),
                ("n = 4\ndestination = 'out/result.json'", ["parameters"]),
                (f"values = [i * {factor} for i in range(n)]", ["extract"]),
                (
                    "os.makedirs(os.path.dirname(destination), exist_ok=True)\n"
                    "with open(destination, 'w') as f:\n    json.dump(values, f)",
                    ["load"],
                ),
            ]
        )
    )
    return nb


def _live(api_url: str, name: str):
    from prefect import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    # explicit settings: an earlier test in this process may have left Prefect's on another server
    with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        return client.read_deployment_by_name(name)


@pytest.fixture
def api(prefect_server, monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", prefect_server.api_url)
    return prefect_server


def test_prefect_api_gone_before_registration_keeps_the_old_deployment_running(tmp_path, api, monkeypatch):
    store = tmp_path / "store"
    v1 = _notebook(tmp_path, "apigone", 1)
    first = deploy(v1, {"storage": str(store)}, tmp_path / "build", echo=False, unverified=True)
    proxy = Proxy(api.port)
    proxy.start()
    monkeypatch.setenv("PREFECT_API_URL", f"{proxy.url}/api")
    v2 = _notebook(tmp_path / "v2", "apigone", 2)

    def cut_after_upload(step: str, status: str) -> None:
        if step == "upload" and status == "ok":
            proxy.cut()  # the API server goes away between upload and register

    with pytest.raises(DeployError) as err:
        deploy(v2, {"storage": str(store)}, tmp_path / "build2", echo=False, unverified=True, listener=cut_after_upload)
    assert err.value.step == "register"
    assert "\n" not in str(err.value)
    live = _live(api.api_url, "apigone/faults")
    assert live.version == first.sha
    # the old code is intact and a worker still runs the live deployment
    assert (Path(first.location) / "apigone.py").exists()
    env = dict(os.environ, ETLNB_HOME=str(api.home), ETLNB_SERVER_PORT=str(api.port))
    env.pop("PREFECT_API_URL")
    try:
        done = subprocess.run(
            [PYTHON, "-m", "etlnb", "run", str(v1), "--deployed", "-o", str(tmp_path / "b3")],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
    finally:
        stop_worker(api, "etlnb-local")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (v1.parent / "out" / "result.json").read_text() == "[0, 1, 2, 3]"  # v1's factor


def test_s3_dying_mid_upload_leaves_no_visible_version_and_the_old_one_live(tmp_path, api, s3, monkeypatch):  # noqa: F811
    for key, value in AWS_DUMMY.items():
        monkeypatch.setenv(key, value)
    proxy = Proxy(int(s3.endpoint.rsplit(":", 1)[1]))
    proxy.start()
    flags = {"storage": f"s3://{BUCKET}/faults", "s3_endpoint_url": proxy.url}
    first = deploy(_notebook(tmp_path, "s3gone", 1), flags, tmp_path / "build", echo=False, unverified=True)
    original_client = S3Storage.client.fget

    def client_that_dies_after_one_put(self):
        client = original_client(self)
        if not getattr(client, "_fault_armed", False):
            client.meta.events.register("after-call.s3.PutObject", lambda **_: proxy.cut())
            client._fault_armed = True
        return client

    monkeypatch.setattr(S3Storage, "client", property(client_that_dies_after_one_put))
    with pytest.raises(DeployError) as err:
        deploy(_notebook(tmp_path / "v2", "s3gone", 2), flags, tmp_path / "build2", echo=False, unverified=True)
    assert err.value.step == "upload" and "cannot reach" in str(err.value)
    assert _live(api.api_url, "s3gone/faults").version == first.sha
    keys = s3.keys()
    scripts = {k for k in keys if k.startswith("faults/faults/s3gone/") and k.endswith(".py")}
    assert scripts == {f"faults/faults/s3gone/{first.sha}/s3gone.py"}  # the half-uploaded version has no script
    assert (
        s3.read(f"faults/faults/s3gone/{first.sha}/s3gone.py").decode()
        == (tmp_path / "build" / "faults" / "s3gone.py").read_text()
    )


def test_full_disk_is_a_clear_upload_error_with_nothing_half_written(tmp_path, api):
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], check=True)
    try:
        (disk / "filler").write_bytes(b"\0" * (60 * 1024))  # leave less room than the script needs
        store = tmp_path / "store"
        v1 = _notebook(tmp_path, "diskfull", 1)
        first = deploy(v1, {"storage": str(store)}, tmp_path / "build", echo=False, unverified=True)
        done = subprocess.run(
            [
                PYTHON,
                "-m",
                "etlnb",
                "deploy",
                str(_notebook(tmp_path / "v2", "diskfull", 2)),
                "--unverified",
                "--storage",
                str(disk / "store"),
                "-o",
                str(tmp_path / "b2"),
            ],
            capture_output=True,
            text=True,
            env=dict(os.environ, PREFECT_API_URL=api.api_url),
        )
        assert done.returncode == 1
        error = next(line for line in done.stderr.splitlines() if line.startswith("etlnb deploy:"))
        assert error.startswith("etlnb deploy: upload failed: cannot write"), done.stderr
        assert "[4/5] upload" in done.stderr and "FAILED" in done.stderr  # the progress shows where it stopped
        assert "No space left on device" in done.stderr and "Traceback" not in done.stderr
        leftovers = [p for p in (disk / "store").rglob("*") if p.is_file()] if (disk / "store").exists() else []
        assert leftovers == []
        assert _live(api.api_url, "diskfull/faults").version == first.sha
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_two_deploys_of_the_same_notebook_at_once_end_consistent(tmp_path, api):
    store = tmp_path / "store"
    nb = _notebook(tmp_path, "twice", 3)
    env = dict(os.environ, PREFECT_API_URL=api.api_url)
    command = [PYTHON, "-m", "etlnb", "deploy", str(nb), "--unverified", "--storage", str(store)]
    runs = [
        subprocess.Popen(
            [*command, "-o", str(tmp_path / f"b{i}")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for i in range(2)
    ]
    results = [(p.wait(timeout=300), p.stdout.read(), p.stderr.read()) for p in runs]
    assert [code for code, _, _ in results] == [0, 0], results
    versions = [p for p in (store / "faults" / "twice").iterdir()]
    assert len(versions) == 1 and (versions[0] / "twice.py").exists()
    assert _live(api.api_url, "twice/faults").version == versions[0].name
