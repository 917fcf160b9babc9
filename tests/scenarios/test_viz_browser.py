"""The live page (`genesis-prime viz`) in a real headless Chromium: it renders, and steps.

The browser is Debian's (/usr/bin/chromium, which .ci/run installs when missing), driven by
Playwright from PyPI. Outside CI a machine without it skips with a message saying how to
install it; in CI its absence fails.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("GENESIS_TEST_CHROMIUM", "/usr/bin/chromium"))
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
START_TIMEOUT_S = 240  # Solara's first start imports a great deal on a busy 2-core machine
CHARTS = 4  # traffic share, cumulative regret, agreement, network


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install -y chromium (see .ci/run)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    port = _free_port()
    log = tmp_path_factory.mktemp("viz") / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "scenarios.cli", "viz", "steady-state", "--seed", "3",
             "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, cwd=log.parent,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"the viz server exited ({process.returncode}):\n{log.read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the viz server did not answer in {START_TIMEOUT_S} s:\n"
                            f"{log.read_text()[-3000:]}")  # fmt: skip
            time.sleep(1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        assert "Could not load URL" not in log.read_text(), "the page reached for the internet"


def _charts(page) -> list[bytes]:
    """Each chart's pixels, as the browser shows them."""
    images = page.locator("img")
    return [images.nth(i).screenshot() for i in range(images.count())]


def test_the_page_renders_its_charts_and_a_step_advances_them(server: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1400})
            page.goto(server, timeout=120_000)
            page.get_by_text("Step: 0").wait_for(timeout=120_000)
            page.wait_for_function(
                f"Array.from(document.images).filter(i => i.complete && i.naturalWidth > 200)"
                f".length >= {CHARTS}",
                timeout=120_000,
            )
            assert page.get_by_text("Genesis Prime · steady-state").count() == 1
            before = _charts(page)
            assert len(before) == CHARTS

            page.get_by_role("button", name="Step").click()
            page.get_by_text("Step: 1").wait_for(timeout=120_000)
            after = _wait_for_change(page, before)
            assert all(a != b for a, b in zip(after, before, strict=True))

            page.get_by_role("button", name="Step").click()
            page.get_by_text("Step: 2").wait_for(timeout=120_000)
            later = _wait_for_change(page, after, charts=(0, 1, 3))
            for k in (0, 1, 3):  # traffic, regret and the network's title move on every step
                assert later[k] != after[k]
        finally:
            browser.close()


def _wait_for_change(page, old: list[bytes], charts=range(CHARTS), timeout_s=60.0) -> list[bytes]:
    """The charts once every one in ``charts`` differs from ``old`` (they redraw after a step)."""
    deadline = time.monotonic() + timeout_s
    while True:
        now = _charts(page)
        if len(now) == len(old) and all(now[k] != old[k] for k in charts):
            return now
        if time.monotonic() > deadline:
            return now
        page.wait_for_timeout(250)
