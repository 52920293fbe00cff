"""The "Python 3 (etlnb)" kernel spec: installed with jupyter's machinery, and it preloads the magics."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from .conftest import PYTHON


@pytest.fixture
def jupyter_dirs(tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(data))
    monkeypatch.setenv("JUPYTER_PATH", str(data))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    return data


def test_kernel_install_user_writes_a_spec_that_loads_the_extension(jupyter_dirs):
    done = subprocess.run(
        [PYTHON, "-m", "etlnb", "kernel", "install", "--user"], capture_output=True, text=True, env=os.environ
    )
    assert done.returncode == 0, done.stderr
    spec = json.loads((jupyter_dirs / "kernels" / "etlnb" / "kernel.json").read_text())
    assert spec["display_name"] == "Python 3 (etlnb)"
    assert spec["argv"][0] == sys.executable and "--ext=etlnb" in spec["argv"]
    for size in (32, 64):  # the launcher shows the kernel's logo
        logo = (jupyter_dirs / "kernels" / "etlnb" / f"logo-{size}x{size}.png").read_bytes()
        assert logo.startswith(b"\x89PNG\r\n\x1a\n") and logo[16:24] == size.to_bytes(4, "big") * 2


def test_both_install_targets_at_once_is_a_usage_error():
    done = subprocess.run(
        [PYTHON, "-m", "etlnb", "kernel", "install", "--user", "--sys-prefix"], capture_output=True, text=True
    )
    assert done.returncode == 2 and "choose --user or --sys-prefix" in done.stderr


def test_the_installed_kernel_has_the_etl_magics_without_load_ext(jupyter_dirs):
    from jupyter_client.manager import start_new_kernel

    subprocess.run([PYTHON, "-m", "etlnb", "kernel", "install", "--user"], check=True, capture_output=True)
    manager, client = start_new_kernel(kernel_name="etlnb")
    try:
        output: list[str] = []

        def collect(message):
            if message["msg_type"] == "stream":
                output.append(message["content"]["text"])

        reply = client.execute_interactive(
            "print(sorted(m for m in get_ipython().magics_manager.magics['line'] if m.startswith('etl_')))",
            timeout=60,
            output_hook=collect,
        )
        assert reply["content"]["status"] == "ok"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    printed = "".join(output)
    assert "['etl_check', 'etl_compile', 'etl_deploy', 'etl_graph', 'etl_run']" in printed, printed
