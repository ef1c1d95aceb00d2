"""The stack itself: the page boots Pyodide with numpy and charlm in a worker, and everything comes from our server."""

import json
import re
import urllib.request
import zipfile
from io import BytesIO

from harness import ROOT, open_page
from site_tools.charlm_pack import charlm_version, wheel_url

PYODIDE_PIN = json.loads((ROOT / "package.json").read_text())["dependencies"]["pyodide"]


def test_worker_reports_python_numpy_and_charlm_versions(lesson):
    footer = lesson.inner_text("#runtime")
    assert re.search(rf"Pyodide {re.escape(PYODIDE_PIN)}\b", footer), footer
    assert re.search(r"numpy 2\.0\.2", footer), footer
    assert re.search(r"charlm \d+\.\d+\.\d+", footer), footer
    assert lesson.errors == []


def test_no_request_leaves_the_local_server(browser, server_url):
    page = open_page(browser, server_url + "/")
    try:
        page.click("#step")
        page.wait_for_selector("#loss-plot[data-step='1']")
        assert len(page.requests) > 10  # the page, PyScript, Pyodide, numpy, charlm ...
        for archive in ("python_stdlib-bytecode.zip", "numpy-site.tar.gz", "charlm.zip", "app.tar.gz",
                        "openblas-0.3.26.zip"):
            assert any(u.endswith(archive) for u in page.requests), archive
        assert not any(u.endswith("/python_stdlib.zip") for u in page.requests)  # the worker boots from its own
        assert page.requests.foreign(server_url) == []
    finally:
        page.context.close()


def test_without_javascript_the_lesson_still_reads(browser, server_url):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(server_url + "/")
        assert page.locator("noscript p.note").count() == 1 or "need JavaScript" in page.content()
        assert page.locator("h1").inner_text() == "Training a Tiny Language Model"
        headings = page.locator("main h2").all_inner_texts()
        assert "What training a language model means" in headings
        assert "Reading the loss curve" in headings and "The training loop" in headings
        assert not page.locator(".trainer").is_visible()  # controls that cannot work are not shown
        assert page.locator("#lesson p").count() >= 3
        page.locator("#lesson details summary").first.click()  # the "More" notes open without JavaScript
        assert page.locator("#lesson details p").first.is_visible()
    finally:
        context.close()


def test_a_runtime_that_cannot_start_explains_itself(browser, server_url):
    """When the page's Python never starts (here: the server's .wasm is blocked), a note appears instead of an
    endless "Loading"; CSS shows it, since no Python is running to do so."""
    context = browser.new_context()
    try:
        context.route("**/*.wasm", lambda route: route.abort())
        page = context.new_page()
        page.goto(server_url + "/")
        note = page.locator(".load-note")
        assert not note.is_visible()
        page.evaluate("document.getAnimations().forEach(a => { a.currentTime = 31000; })")  # skip the 30 s wait
        note.wait_for(state="visible", timeout=5000)
        assert "application/wasm" in note.inner_text()
        assert page.get_attribute("body", "data-trainer") == "loading"
    finally:
        context.close()


def test_the_learners_charlm_download_is_served_as_a_wheel(server_url):
    with urllib.request.urlopen(f"{server_url}/{wheel_url()}", timeout=30) as resp:
        assert resp.headers["Content-Type"] == "application/zip"
        data = resp.read()
    with zipfile.ZipFile(BytesIO(data)) as z:
        assert "charlm/__init__.py" in z.namelist()
        assert f"Version: {charlm_version()}" in z.read(f"charlm_lesson-{charlm_version()}.dist-info/METADATA").decode()
