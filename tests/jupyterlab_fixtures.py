"""One real JupyterLab for the test session, driven with Debian's Chromium through Playwright.

`session_lab` (session scope) starts `jupyter lab` once, on a free port with a token, with etlnb's
JupyterLab extension (the build in etlnb/labextension) and its server extension installed in private
Jupyter dirs, as an installed wheel puts them in the environment's share/jupyter and etc/jupyter;
config, data, runtime dirs and HOME are private, and the venv's `python3` kernel is found through
sys.prefix/share/jupyter. Its kernels deploy to the session's Prefect server. It is stopped (kernels
included) when the session ends, and nothing it started may be left running.

Tests do not share notebooks: `session_lab.folder(name)` gives a folder of its own under the lab's root
holding a fresh copy of notebooks/weather, as a `Lab` whose `root` is that folder and whose `tree(path)`
is the lab URL of a path in it. The kernels of its notebooks are shut down with `close_folder`.

No browser is ever downloaded: a missing /usr/bin/chromium fails the test (it is never skipped).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from etlnb.local.server import free_port

# conftest.py imports this module for its fixtures, so this module takes nothing from conftest at import
REPO = Path(__file__).resolve().parent.parent

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BUILT = REPO / "etlnb" / "labextension"
WEATHER = REPO / "notebooks" / "weather" / "weather.ipynb"
LAB_START_TIMEOUT = 60.0


def assert_chromium() -> None:
    assert CHROMIUM.exists(), (
        f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium; ./scripts/test does as root)"
    )


@dataclass(frozen=True)
class Lab:
    url: str
    token: str
    root: Path  # the folder a test owns (the lab's own root for the session's Lab)
    process: subprocess.Popen
    log: Path
    marker: str  # JUPYTER_RUNTIME_DIR: every process the lab started has it in its environment
    prefix: str = ""  # root's path relative to the lab's root ("" for the lab's root)

    def api(self, path: str, method: str = "GET", timeout: float = 5.0):
        request = urllib.request.Request(
            f"{self.url}{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def path(self, relative: str) -> str:
        """RELATIVE (to root) as the lab names it (relative to the lab's root)."""
        return f"{self.prefix}/{relative}" if self.prefix else relative

    def tree(self, relative: str) -> str:
        """The page that opens RELATIVE in a fresh workspace (`reset`: no tabs of earlier tests)."""
        return f"{self.url}/lab/tree/{self.path(relative)}?reset&token={self.token}"

    def sessions(self) -> list[dict]:
        """The lab's sessions (notebooks with a kernel) on notebooks under root."""
        mine = f"{self.prefix}/" if self.prefix else ""
        return [s for s in self.api("/api/sessions") if s["path"].startswith(mine)]

    def folder(self, name: str) -> Lab:
        """A new folder NAME under the lab's root with a fresh copy of notebooks/weather in it."""
        from .conftest import copy_project

        root = self.root / name
        root.mkdir()
        copy_project(WEATHER, root / "weather")
        return replace(self, root=root, prefix=self.path(name))


def our_processes(marker: str) -> list:
    """Live processes started with JUPYTER_RUNTIME_DIR=marker: the server, its kernels and their children."""
    import psutil

    found = []
    for proc in psutil.process_iter(["pid"]):
        try:
            if proc.environ().get("JUPYTER_RUNTIME_DIR") == marker and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def describe(procs: list) -> str:
    lines = []
    for proc in procs:
        try:
            lines.append(f"{proc.pid}: {' '.join(proc.cmdline())}")
        except Exception:
            lines.append(str(proc.pid))
    return "\n".join(lines)


def kernel_processes(lab: Lab) -> list:
    """The kernel processes of the sessions on notebooks under the lab's root."""
    ids = {s["kernel"]["id"] for s in lab.sessions()}
    found = []
    for proc in our_processes(lab.marker):
        try:
            cmdline = proc.cmdline()
        except Exception:
            continue
        if "ipykernel_launcher" in cmdline and any(f"kernel-{i}.json" in arg for arg in cmdline for i in ids):
            found.append(proc)
    return found


def close_folder(lab: Lab) -> None:
    """Shut down the kernels of the notebooks under the lab's root (the lab keeps running)."""
    if lab.process.poll() is not None:
        return
    for session in lab.sessions():
        try:
            lab.api(f"/api/sessions/{session['id']}", method="DELETE", timeout=20)
        except (urllib.error.URLError, OSError):
            pass


def _start(base: Path, prefect_server) -> Lab:
    assert_chromium()
    assert (BUILT / "package.json").exists() and list((BUILT / "static").glob("remoteEntry.*.js")), (
        f"the JupyterLab extension is not built in {BUILT}: run ./scripts/setup (or ./scripts/labextension)"
    )
    root = base / "root"
    root.mkdir()
    home, config, data, runtime = (base / name for name in ("home", "jupyter-config", "jupyter-data", "runtime"))
    for folder in (home, config, data, runtime):
        folder.mkdir()
    (data / "labextensions").mkdir()
    (data / "labextensions" / "etlnb").symlink_to(BUILT, target_is_directory=True)
    (config / "jupyter_server_config.d").mkdir()
    shutil.copy(REPO / "labextension" / "jupyter-config" / "etlnb.json", config / "jupyter_server_config.d")
    # no "get official Jupyter news?" toast over the notebook, no requests to the internet
    settings = config / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    env = dict(
        os.environ,
        HOME=str(home),
        JUPYTER_CONFIG_DIR=str(config),
        JUPYTER_DATA_DIR=str(data),
        JUPYTER_RUNTIME_DIR=str(runtime),
        ETLNB_HOME=str(prefect_server.home),
        ETLNB_SERVER_PORT=str(prefect_server.port),
        PYTHONUNBUFFERED="1",
    )
    for name in ("PREFECT_API_URL", "JUPYTER_PATH", "JUPYTER_CONFIG_PATH"):
        env.pop(name, None)
    # the private dirs first: in a venv Jupyter looks in the venv's share/jupyter first, where
    # scripts/labextension links the checkout's own build (another worktree's, maybe), not BUILT
    env["JUPYTER_PREFER_ENV_PATH"] = "0"
    port, token = free_port(), secrets.token_hex(16)
    log = base / "jupyter.log"
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.open_browser=False",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if os.geteuid() == 0:  # containers and CI runners
        command.append("--allow-root")
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            command, cwd=root, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
    lab = Lab(f"http://127.0.0.1:{port}", token, root, process, log, str(runtime))
    try:
        deadline = time.monotonic() + LAB_START_TIMEOUT
        while True:
            assert process.poll() is None, f"jupyter lab exited ({process.returncode}):\n{log.read_text()}"
            try:
                lab.api("/api/status", timeout=2)
                break
            except (urllib.error.URLError, OSError):
                assert time.monotonic() < deadline, (
                    f"jupyter lab did not answer in {LAB_START_TIMEOUT}s:\n{log.read_text()}"
                )
                time.sleep(0.3)
    except BaseException:
        _stop(lab)
        raise
    return lab


def _stop(lab: Lab) -> None:
    """Shut down kernels and server through the API, then the process group; nothing may remain."""
    if lab.process.poll() is None:
        try:
            lab.api("/api/shutdown", method="POST", timeout=20)
        except (urllib.error.URLError, OSError):
            pass
        try:
            lab.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if lab.process.poll() is not None:
            break
        try:
            os.killpg(lab.process.pid, sig)
        except ProcessLookupError:
            break
        try:
            lab.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            continue
    deadline = time.monotonic() + 10  # kernels exit shortly after their shutdown request
    while (strays := our_processes(lab.marker)) and time.monotonic() < deadline:
        time.sleep(0.2)
    for proc in strays:  # clean up before failing, so no process outlives the session
        try:
            proc.kill()
        except Exception:
            pass
    assert not strays, f"processes left running after jupyter lab stopped:\n{describe(strays)}"


@pytest.fixture(scope="session")
def session_lab(tmp_path_factory, prefect_server):
    """The session's `jupyter lab` (see the module's docstring); tests take a folder of it with `folder`."""
    lab = _start(tmp_path_factory.mktemp("jupyterlab"), prefect_server)
    try:
        yield lab
    finally:
        _stop(lab)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, for the tests of one module."""
    from playwright import sync_api

    assert_chromium()
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
