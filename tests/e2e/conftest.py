"""End-to-end harness: one serve.py process and one Chromium for the whole session.

Playwright cannot download browsers here, so we drive a system Chromium (Debian's `chromium`, or any Chrome named
by CHARLM_CHROMIUM). Every page a test opens records the requests it makes, so a test can prove that nothing left
the local server.
"""

import pytest

from harness import find_chromium, open_page, start_server, stop_server


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


@pytest.fixture(scope="session")
def server_url():
    proc, url = start_server()
    yield url
    stop_server(proc)


@pytest.fixture(scope="module")
def lesson(browser, server_url):
    """One ready lesson page shared by the tests of a module (booting the worker costs seconds)."""
    page = open_page(browser, server_url + "/")
    yield page
    page.context.close()
