"""What `serve.py --build` and `--scorm` make, served the way authors will serve it: the static site from a plain
static file server, the SCORM package unzipped behind a file server that sends the content types an LMS sends.
Both must boot, train and run the quiz with no request leaving their server."""

import functools
import http.server
import shutil
import threading
import zipfile
from pathlib import Path

import pytest
from test_lms_reporting import (
    COMMIT,
    FINISH,
    SCORM_AGAIN,
    SET,
    answer_and_check,
    assert_clean_session,
    calls,
    method,
    player_html,
)

import serve
from app import quiz as quiz_mod
from harness import open_page, wait_until

ROOT = Path(__file__).resolve().parents[2]
QUIZ = quiz_mod.parse((ROOT / "quiz.json").read_text(encoding="utf-8"))


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class LmsFileServer(Quiet):
    """Content types as Moodle's file server sends them once the README's one step is done (the file type wasm
    added as application/wasm; Pyodide cannot start without it): .js as application/x-javascript, and files it has
    no type for (.whl, .py, .mjs) as application/octet-stream."""

    TYPES = {".html": "text/html", ".js": "application/x-javascript", ".css": "text/css",
             ".json": "application/json", ".zip": "application/zip", ".xml": "application/xml",
             ".wasm": "application/wasm"}

    def guess_type(self, path):
        return self.TYPES.get(Path(path).suffix, "application/octet-stream")


def serve_folder(folder, handler=Quiet):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


def all_correct():
    out = {}
    for q in QUIZ["questions"]:
        if q["type"] == "number":
            out[q["id"]] = str(q["answer"])
        else:
            right = [c["id"] for c in q["choices"] if c["correct"]]
            out[q["id"]] = right[0] if q["type"] == "single" else right
    return out


def test_static_site_trains_and_runs_the_quiz_from_a_plain_file_server(browser, tmp_path):
    site = tmp_path / "site"
    serve.build_site(site)
    httpd, url = serve_folder(site)
    page = open_page(browser, url + "/index.html")
    try:
        page.click("#step")
        page.wait_for_selector("#loss-plot[data-step='1']", timeout=60_000)
        page.wait_for_selector("#quiz[data-state=ready]")
        answer_and_check(page, all_correct())
        assert page.get_attribute("#quiz-score", "data-passed") == "true"
        assert page.requests and page.requests.foreign(url) == []
        assert page.errors == []
    finally:
        page.context.close()
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_scorm_package_runs_in_an_lms_frame_and_reports_to_scorm_again(browser, tmp_path, version):
    package = tmp_path / "module.zip"
    serve.make_scorm(package, version)
    unpacked = tmp_path / "lms"
    with zipfile.ZipFile(package) as z:
        z.extractall(unpacked)
    # the LMS's player page and its runtime (scorm-again) beside the package, as an LMS serves them: same origin
    (unpacked / "player.html").write_text(player_html(version, "index.html"), encoding="utf-8")
    runtime = "scorm12.min.js" if version == "1.2" else "scorm2004.min.js"
    if not (SCORM_AGAIN / runtime).exists():
        pytest.skip("needs the scorm-again test package: npm install")
    (unpacked / "scorm-again").mkdir()
    shutil.copyfile(SCORM_AGAIN / runtime, unpacked / "scorm-again" / runtime)
    httpd, url = serve_folder(unpacked, LmsFileServer)
    page = open_page(browser, url + "/player.html", wait_ready=False)
    try:
        frame = page.frame_locator("#sco")
        frame.locator("body[data-trainer=ready]").wait_for(timeout=90_000)
        frame.locator("#step").click()
        frame.locator("#loss-plot[data-step='1']").wait_for(timeout=60_000)
        answer_and_check(frame, all_correct())
        status = "cmi.core.lesson_status" if version == "1.2" else "cmi.success_status"
        wait_until(lambda: (method(version, SET), status, "passed", "true", "0") in calls(page)
                   and calls(page)[-1][0] == method(version, COMMIT), 10,
                   message="the package's quiz reporting to the LMS")
        cmi = page.evaluate("cmi()")
        if version == "1.2":
            assert cmi["core"]["score"]["raw"] == "100" and cmi["core"]["lesson_status"] == "passed"
        else:
            assert cmi["score"]["scaled"] == "1" and cmi["completion_status"] == "completed"
        page.evaluate("document.getElementById('sco').src = 'about:blank'")
        wait_until(lambda: calls(page)[-1][0] == method(version, FINISH), 10, message="Terminate on leaving")
        assert_clean_session(page, version)
        assert page.requests.foreign(url) == []
        assert page.errors == []
    finally:
        page.context.close()
        httpd.shutdown()
        httpd.server_close()
