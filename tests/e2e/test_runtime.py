"""The stack itself: the page boots Pyodide with numpy and charlm in a worker, and everything comes from our server."""

import re

from conftest import open_page


def test_worker_reports_python_numpy_and_charlm_versions(lesson):
    footer = lesson.inner_text("#runtime")
    assert re.search(r"Pyodide 0\.27\.7", footer), footer
    assert re.search(r"numpy 2\.0\.2", footer), footer
    assert re.search(r"charlm \d+\.\d+\.\d+", footer), footer
    assert lesson.errors == []


def test_no_request_leaves_the_local_server(browser, server_url):
    page = open_page(browser, server_url + "/")
    try:
        page.click("#step")
        page.wait_for_selector("#loss-plot[data-step='1']")
        assert len(page.requests) > 10  # the page, PyScript, Pyodide, the numpy wheel, charlm ...
        assert any(u.endswith(".whl") for u in page.requests) and any("charlm.zip" in u for u in page.requests)
        assert page.requests.foreign(server_url) == []
    finally:
        page.context.close()
