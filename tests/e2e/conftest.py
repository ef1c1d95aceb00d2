"""End-to-end harness: one serve.py process and one Chromium for the whole session.

Playwright cannot download browsers here, so we drive a system Chromium (Debian's `chromium`, or any Chrome named
by CHARLM_CHROMIUM). Every page a test opens records the requests it makes, so a test can prove that nothing left
the local server.
"""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
BOOT_TIMEOUT_MS = 90_000  # worker start: Pyodide + numpy + charlm; ~4 s here, slack for slow CI


def find_chromium():
    """The path of a Chromium/Chrome binary, or None."""
    named = os.environ.get("CHARLM_CHROMIUM")
    if named:
        return named if Path(named).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    exe = find_chromium()
    if exe is None:
        pytest.fail("No Chromium found for the end-to-end tests. Install one with `apt-get install chromium` "
                    "(what `make test` does) or set CHARLM_CHROMIUM to a Chrome/Chromium binary.", pytrace=False)
    return {
        **browser_type_launch_args,
        "executable_path": exe,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"],
    }


def start_server(*extra):
    """Start `serve.py` on a free port; return (process, base URL)."""
    proc = subprocess.Popen([sys.executable, str(ROOT / "serve.py"), "--port", "0", "--quiet", *extra],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if "http://" not in line:
        proc.kill()
        pytest.fail(f"serve.py did not start: {line!r}", pytrace=False)
    url = line.split("http://", 1)[1].split()[0].rstrip("/")
    return proc, "http://" + url


def stop_server(proc):
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def server_url():
    proc, url = start_server()
    yield url
    stop_server(proc)


class Requests(list):
    """URLs a browser context asked for (pages and their workers)."""

    def foreign(self, base_url):
        """Requests to any origin other than `base_url`'s (blob: and data: URLs never leave the browser)."""
        host = urlparse(base_url).netloc
        return [u for u in self if urlparse(u).scheme in ("http", "https", "ws", "wss") and urlparse(u).netloc != host]


def open_page(browser, url, *, wait_ready=True, viewport=None, **context_args):
    """A new context + page at `url`, recording requests and page errors; waits for the trainer to be ready."""
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900}, accept_downloads=True,
                                  **context_args)
    page = context.new_page()
    page.requests = Requests()
    page.errors = []
    context.on("request", lambda r: page.requests.append(r.url))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(url)
    if wait_ready:
        page.wait_for_selector("body[data-trainer=ready]", timeout=BOOT_TIMEOUT_MS)
    return page


@pytest.fixture(scope="module")
def lesson(browser, server_url):
    """One ready lesson page shared by the tests of a module (booting the worker costs seconds)."""
    page = open_page(browser, server_url + "/")
    yield page
    page.context.close()


def wait_until(predicate, timeout=30.0, interval=0.1, message="condition"):
    """Poll a Python predicate (for checks that need more than one selector)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {message}")
