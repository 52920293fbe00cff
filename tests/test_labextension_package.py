"""The JupyterLab extension is where JupyterLab looks for it: shipped prebuilt in the wheel (users need no
node), and linked and enabled by the README's setup (scripts/setup runs scripts/labextension).

Both need the extension built from labextension/ (scripts/setup does it; node 20+ and npm on CI).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile

from .conftest import REPO

BUILT = REPO / "etlnb" / "labextension"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _run(command: list[str], env: dict[str, str] | None = None, timeout: float = 180) -> str:
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout)
    out = ANSI.sub("", done.stdout + done.stderr)
    assert done.returncode == 0, f"{' '.join(command)} failed ({done.returncode}):\n{out[-3000:]}"
    return out


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER") and k != "PYTHONPATH"}
    return dict(env, **extra)


def test_the_wheel_ships_the_prebuilt_extension_and_enables_the_server_extension(tmp_path):
    assert (BUILT / "package.json").exists(), "build the extension first: ./scripts/setup"
    source = tmp_path / "src"  # a clean copy: the wheel build leaves build/ and *.egg-info behind
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "etlnb", source / "etlnb", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "labextension" / "jupyter-config", source / "labextension" / "jupyter-config")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(source)])
    (wheel,) = (tmp_path / "dist").glob("etlnb-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    data = "etlnb-0.1.0.data/data/"
    assert f"{data}share/jupyter/labextensions/etlnb/package.json" in names
    assert any(re.fullmatch(rf"{data}share/jupyter/labextensions/etlnb/static/remoteEntry\.\w+\.js", n) for n in names)
    assert f"{data}etc/jupyter/jupyter_server_config.d/etlnb.json" in names
    assert not [n for n in names if "node_modules" in n or n.endswith(".ts")]

    # installed into a prefix, as pip installs it into an environment
    prefix = tmp_path / "prefix"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--ignore-installed",
            "--prefix",
            str(prefix),
            str(wheel),
        ]
    )
    site = prefix / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    config = json.loads((prefix / "etc/jupyter/jupyter_server_config.d/etlnb.json").read_text())
    assert config == {"ServerApp": {"jpserver_extensions": {"etlnb.labext": True}}}
    (tmp_path / "user-data").mkdir()
    env = _clean_env(
        JUPYTER_PATH=str(prefix / "share/jupyter"),
        JUPYTER_DATA_DIR=str(tmp_path / "user-data"),
        JUPYTER_CONFIG_DIR=str(prefix / "etc/jupyter"),  # where the wheel's config is read from
        PYTHONPATH=str(site),  # the server extension imported from the installed wheel
    )
    listed = _run([sys.executable, "-m", "jupyterlab.labextensions", "list"], env)
    assert re.search(rf"{re.escape(str(prefix))}/share/jupyter/labextensions\n\s+etlnb v0\.1\.0 enabled OK", listed), (
        listed
    )
    server = _run(
        [sys.executable, "-c", "from jupyter_server.extension.serverextension import main; main()", "list"], env
    )
    assert re.search(r"etlnb\.labext enabled\n\s+- Validating etlnb\.labext\.\.\.\n\s+etlnb\.labext\s+OK", server), (
        server
    )


def test_the_readme_setup_links_and_enables_it(tmp_path):
    """scripts/setup ends with scripts/labextension: on an environment (here a fresh venv that sees the test
    environment's packages) it links the built extension and enables the server extension."""
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    site = venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    (site / "a_etlnb.pth").write_text(f"{REPO}\n")  # this checkout's etlnb
    (site / "b_shared.pth").write_text("\n".join(p for p in sys.path if p.endswith("site-packages")) + "\n")
    python = venv / "bin" / "python"
    _run([str(REPO / "scripts" / "labextension")], _clean_env(PYTHON=str(python)), timeout=600)
    link = venv / "share/jupyter/labextensions/etlnb"
    assert link.is_symlink() and link.resolve() == BUILT.resolve()
    env = _clean_env()
    listed = _run([str(python), "-m", "jupyterlab.labextensions", "list"], env)
    assert re.search(rf"{re.escape(str(venv))}/share/jupyter/labextensions\n\s+etlnb v0\.1\.0 enabled OK", listed), (
        listed
    )
    server = _run([str(python), "-c", "from jupyter_server.extension.serverextension import main; main()", "list"], env)
    assert "etlnb.labext enabled" in server and re.search(r"etlnb\.labext\s+OK", server), server
