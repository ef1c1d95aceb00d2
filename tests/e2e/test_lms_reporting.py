"""The page inside an LMS: a parent frame with a recording SCORM 1.2 or 2004 API receives the expected calls, in
order, and a plain embedding page receives the result by postMessage.

A real LMS serves the package from its own origin, so the SCORM parents here are served same-origin (routed by
Playwright on the lesson's server); cross-origin parents are unreadable and only get the postMessage.
"""

import json
from pathlib import Path

import pytest
from app import lms as lms_mod
from app import quiz as quiz_mod
from harness import BOOT_TIMEOUT_MS, answer_quiz, wait_until

ROOT = Path(__file__).resolve().parents[2]
QUIZ = quiz_mod.parse((ROOT / "quiz.json").read_text(encoding="utf-8"))

# Test scaffolding: a parent page whose SCORM API records every call (and keeps values, as an LMS would).
RECORDER = """<!doctype html><title>LMS</title>
<script>
window.calls = []; window.messages = [];
const data = {};
const record = (name, result) => (...args) => { calls.push([name, ...args.map(String)]); return result(...args); };
const get = (k) => data[k] === undefined ? "" : data[k];
const set = (k, v) => { data[k] = String(v); return "true"; };
const ok = () => "true";
const API = {
  "1.2": {LMSInitialize: ok, LMSGetValue: get, LMSSetValue: set, LMSCommit: ok, LMSFinish: ok,
          LMSGetLastError: () => "0", LMSGetErrorString: () => "", LMSGetDiagnostic: () => ""},
  "2004": {Initialize: ok, GetValue: get, SetValue: set, Commit: ok, Terminate: ok,
           GetLastError: () => "0", GetErrorString: () => "", GetDiagnostic: () => ""},
}[VERSION];
const api = {};
for (const [name, fn] of Object.entries(API)) api[name] = name.includes("Error") || name.includes("Diagnostic")
  ? fn : record(name, fn);
window[VERSION === "2004" ? "API_1484_11" : "API"] = api;
addEventListener("message", (e) => messages.push(e.data));
</script>
<iframe id="sco" src="SRC" width="1000" height="900" title="Lesson"></iframe>
"""


def open_in_lms(browser, server_url, version, block_trainer=False):
    context = browser.new_context(viewport={"width": 1100, "height": 950})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    html = RECORDER.replace("VERSION", json.dumps(version)).replace("SRC", "/?embed=1")
    page.route("**/lms-player.html", lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    if block_trainer:  # the trainer cannot start: the quiz must still report
        page.route("**/worker.py", lambda route: route.abort())
    page.goto(server_url + "/lms-player.html")
    frame = page.frame_locator("#sco")
    frame.locator("#quiz[data-state=ready]").wait_for(timeout=BOOT_TIMEOUT_MS)
    return page, frame


def calls(page):
    return [tuple(c) for c in page.evaluate("window.calls")]


def in_order(seen, expected):
    """True if `expected` appears in `seen` in this order (other calls may come between)."""
    it = iter(seen)
    return all(any(call == want for call in it) for want in expected)


def answer_and_check(frame, answers):
    answer_quiz(frame, QUIZ, answers)
    frame.locator("#quiz-check").click()
    frame.locator("#quiz-score[data-score]").wait_for()


def leave(page):
    """Navigate the lesson's frame away, as an LMS does when the learner moves on: the page gets pagehide."""
    page.evaluate("document.getElementById('sco').src = 'about:blank'")


def some_answers():
    """Right answers to the choice questions only: a score strictly between 0 and the maximum."""
    out = {}
    for q in QUIZ["questions"]:
        if q["type"] != "number":
            right = [c["id"] for c in q["choices"] if c["correct"]]
            out[q["id"]] = right[0] if q["type"] == "single" else right
    return out


def test_scorm_12_start_report_commit_and_finish_in_order(browser, server_url):
    page, frame = open_in_lms(browser, server_url, "1.2")
    try:
        wait_until(lambda: ("LMSSetValue", "cmi.core.lesson_status", "incomplete") in calls(page), 10,
                   message="LMSInitialize and an incomplete status on load")
        assert calls(page)[0] == ("LMSInitialize", "")
        answers = some_answers()
        expected = quiz_mod.score(QUIZ, answers)
        assert 0 < expected["score"] < expected["max"]
        answer_and_check(frame, answers)
        raw = lms_mod._decimal(100.0 * expected["score"] / expected["max"], 2)
        status = "passed" if expected["passed"] else "failed"
        report = [("LMSSetValue", "cmi.core.score.raw", raw), ("LMSSetValue", "cmi.core.score.min", "0"),
                  ("LMSSetValue", "cmi.core.score.max", "100"), ("LMSSetValue", "cmi.core.lesson_status", status),
                  ("LMSCommit", "")]
        wait_until(lambda: in_order(calls(page), report), 10, message="the score, the status and a commit")
        message = {"type": "charlm:quiz", "score": expected["score"], "max": expected["max"],
                   "passed": expected["passed"]}
        wait_until(lambda: message in page.evaluate("window.messages"), 10, message="the postMessage to the parent")
        commits = calls(page).count(("LMSCommit", ""))
        page.frames[1].evaluate("Object.defineProperty(document, 'visibilityState', {value: 'hidden'});"
                                "document.dispatchEvent(new Event('visibilitychange'))")  # the learner switches tab
        wait_until(lambda: calls(page).count(("LMSCommit", "")) == commits + 1, 10, message="a commit when hidden")
        leave(page)
        wait_until(lambda: ("LMSFinish", "") in calls(page), 10, message="LMSFinish on leaving")
        seen = calls(page)
        assert in_order(seen, report + [("LMSCommit", ""), ("LMSSetValue", "cmi.core.exit", ""), ("LMSFinish", "")])
        assert seen.count(("LMSInitialize", "")) == 1 and seen.count(("LMSFinish", "")) == 1
        assert seen[-1] == ("LMSFinish", "")
        assert page.errors == []
    finally:
        page.context.close()


def test_scorm_2004_reports_even_when_the_trainer_cannot_start(browser, server_url):
    page, frame = open_in_lms(browser, server_url, "2004", block_trainer=True)
    try:
        wait_until(lambda: ("SetValue", "cmi.completion_status", "incomplete") in calls(page), 10,
                   message="Initialize and an incomplete status on load")
        answers = {}
        for q in QUIZ["questions"]:
            if q["type"] == "number":
                answers[q["id"]] = str(q["answer"])
            else:
                right = [c["id"] for c in q["choices"] if c["correct"]]
                answers[q["id"]] = right[0] if q["type"] == "single" else right
        expected = quiz_mod.score(QUIZ, answers)
        assert expected["score"] == expected["max"] and expected["passed"]
        answer_and_check(frame, answers)
        report = [("SetValue", "cmi.score.raw", "100"), ("SetValue", "cmi.score.min", "0"),
                  ("SetValue", "cmi.score.max", "100"), ("SetValue", "cmi.score.scaled", "1"),
                  ("SetValue", "cmi.completion_status", "completed"), ("SetValue", "cmi.success_status", "passed"),
                  ("Commit", "")]
        wait_until(lambda: in_order(calls(page), report), 10, message="the scaled score, statuses and a commit")
        assert frame.locator("body").get_attribute("data-trainer") != "ready"
        leave(page)
        wait_until(lambda: ("Terminate", "") in calls(page), 10, message="Terminate on leaving")
        seen = calls(page)
        assert calls(page)[0] == ("Initialize", "")
        assert in_order(seen, report + [("SetValue", "cmi.exit", "normal"), ("Terminate", "")])
        assert seen.count(("Terminate", "")) == 1 and seen[-1] == ("Terminate", "")
    finally:
        page.context.close()


@pytest.fixture()
def cross_origin_course(server_url):
    """A course page on another origin ("localhost" rather than the lesson's 127.0.0.1) that listens for results."""
    port = server_url.rsplit(":", 1)[1]
    html = ("<!doctype html><title>Course</title><script>window.messages = [];"
            "addEventListener('message', (e) => messages.push(e.data));</script>"
            f"<iframe id='sco' src='{server_url}/?embed=1' width='1000' height='900' title='Lesson'></iframe>")
    return f"http://localhost:{port}/course.html", html


def test_an_embedding_page_on_another_origin_gets_the_result_by_postmessage(browser, cross_origin_course):
    url, html = cross_origin_course
    context = browser.new_context()
    page = context.new_page()
    page.route(url, lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    try:
        page.goto(url)
        frame = page.frame_locator("#sco")
        frame.locator("#quiz[data-state=ready]").wait_for(timeout=BOOT_TIMEOUT_MS)
        answers = some_answers()
        answer_and_check(frame, answers)
        expected = quiz_mod.score(QUIZ, answers)
        message = {"type": "charlm:quiz", "score": expected["score"], "max": expected["max"],
                   "passed": expected["passed"]}
        wait_until(lambda: page.evaluate("window.messages") == [message], 10, message="one postMessage")
    finally:
        context.close()


def test_without_an_lms_or_a_parent_nothing_is_posted_and_the_quiz_works(browser, server_url):
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script("window.messages = []; addEventListener('message', (e) => messages.push(e.data));")
    try:
        page.goto(server_url + "/")
        page.wait_for_selector("#quiz[data-state=ready]", timeout=BOOT_TIMEOUT_MS)
        answer_and_check(page, some_answers())
        page.wait_for_timeout(500)  # a message would have arrived by now
        assert page.evaluate("window.messages") == []
    finally:
        context.close()
