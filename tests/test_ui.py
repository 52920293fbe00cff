"""The Prefect UI of the local server works in a real browser: a flow-run page shows the run
(the UI calls the API on the port in use, not Prefect's default 4200)."""

from __future__ import annotations

import subprocess

import pytest
from playwright import sync_api

from .conftest import PYTHON
from .jupyterlab_fixtures import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.integration

FLOW = """
from prefect import flow

@flow(name="ui-check")
def ui_check() -> int:
    return 42

if __name__ == "__main__":
    print(ui_check(return_state=True).state_details.flow_run_id)
"""


def test_flow_run_page_shows_the_run(tmp_path, prefect_server, flow_env):
    from prefect import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    script = tmp_path / "ui_check.py"
    script.write_text(FLOW)
    done = subprocess.run([PYTHON, str(script)], capture_output=True, text=True, env=flow_env, timeout=120)
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.strip().splitlines()[-1]
    with temporary_settings({PREFECT_API_URL: prefect_server.api_url}), get_client(sync_client=True) as client:
        name = client.read_flow_run(run_id).name

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{prefect_server.url}/runs/flow-run/{run_id}", timeout=60_000)
            try:
                page.get_by_text(name).first.wait_for(timeout=60_000)
                page.get_by_text("Completed").first.wait_for(timeout=30_000)
            finally:
                page.screenshot(path=str(tmp_path / "flow-run.png"))
            assert "Can't connect" not in page.content()
        finally:
            browser.close()
