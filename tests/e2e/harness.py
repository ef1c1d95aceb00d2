"""Helpers for the end-to-end tests: find Chromium, start serve.py, open recorded pages, wait for conditions.

Fixtures live in conftest.py; tests import these plain functions from here (a module name of its own, so it can
never be confused with another conftest).
"""

import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from site_tools import browser
from site_tools.browser import CHROMIUM_ARGS, find_chromium, stop_server  # noqa: F401  (the fixtures' imports)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
BOOT_TIMEOUT_MS = 90_000  # worker start: Pyodide + numpy + charlm; ~4 s here, slack for slow CI


def start_server(*extra):
    """Start `serve.py` on a free port; return (process, base URL). A server that does not start fails the test."""
    try:
        return browser.start_server(*extra)
    except browser.ServerDidNotStart as e:
        pytest.fail(str(e), pytrace=False)


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


def wait_until(predicate, timeout=30.0, interval=0.1, message="condition", detail=None):
    """Poll a Python predicate (for checks that need more than one selector). `detail()`, if given, says what the
    page showed instead when time runs out."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    shown = f" ({detail()})" if detail else ""
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {message}{shown}")


def answer_quiz(target, quiz, answers):
    """Answer through the quiz's own inputs, as a learner would, in a page or a frame: `answers` maps question
    ids to a choice id, a list of choice ids, or the text to type into a number question."""
    for q in quiz["questions"]:
        if q["id"] not in answers:
            continue
        box = target.locator(f'fieldset[data-question-id="{q["id"]}"]')
        value = answers[q["id"]]
        if q["type"] == "number":
            box.locator("input").fill(value)
        else:
            for choice in [value] if isinstance(value, str) else value:
                box.locator(f'input[value="{choice}"]').check()
