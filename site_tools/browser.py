"""Chromium and a serve.py process, for the end-to-end tests (tests/e2e/harness.py) and the benchmarks (bench/).

Playwright cannot download browsers here, so both drive a system Chromium: Debian's `chromium`, or any Chrome
named by the CHARLM_CHROMIUM environment variable.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from .paths import ROOT

# No sandbox (containers have no user namespaces), no GPU, and none of Chrome's own traffic: every request a page
# makes must be one the test or benchmark can account for.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def find_chromium():
    """The path of a Chromium/Chrome binary (CHARLM_CHROMIUM, else the first found on PATH), or None."""
    named = os.environ.get("CHARLM_CHROMIUM")
    if named:
        return named if Path(named).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class ServerDidNotStart(Exception):
    """serve.py exited or printed something other than its URL; the message holds what it printed."""


def start_server(*extra):
    """Start `serve.py --port 0 --quiet` (a free port on 127.0.0.1); return (process, base URL without a slash)."""
    proc = subprocess.Popen([sys.executable, str(ROOT / "serve.py"), "--port", "0", "--quiet", *extra],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if "http://" not in line:
        proc.kill()
        proc.wait()
        raise ServerDidNotStart(f"serve.py did not start (it printed {line!r}); "
                                "run `python3 serve.py --setup` to see why")
    return proc, "http://" + line.split("http://", 1)[1].split()[0].rstrip("/")


def stop_server(proc):
    """Stop a server from start_server: politely, then firmly."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
