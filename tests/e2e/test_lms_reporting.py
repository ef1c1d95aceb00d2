"""The page inside an LMS, against a real, validating SCORM runtime (scorm-again, a test-only npm package): a parent
frame gives the page scorm-again's SCORM 1.2 (window.API) or 2004 (window.API_1484_11) API; the tests read back the
runtime's own state and the error code after every call, and require no errors, the right values, one Initialize,
a commit after each result, one Terminate and nothing after it; a relaunch with the runtime's suspend data
restores the answers. A plain embedding page receives xAPI statements and the result by postMessage.

A real LMS serves the package from its own origin, so the SCORM parents here are served same-origin (routed by
Playwright on the lesson's server); cross-origin parents are unreadable and only get the postMessage.
"""

import json
import re
from pathlib import Path

import pytest

from app import quiz as quiz_mod
from app import quiz_score, quiz_state, scorm, xapi
from harness import BOOT_TIMEOUT_MS, answer_quiz, wait_until

ROOT = Path(__file__).resolve().parents[2]
QUIZ = quiz_mod.parse((ROOT / "quiz.json").read_text(encoding="utf-8"))
SCORM_AGAIN = ROOT / "node_modules" / "scorm-again" / "dist"
METHODS = {"1.2": ["LMSInitialize", "LMSGetValue", "LMSSetValue", "LMSCommit", "LMSFinish"],
           "2004": ["Initialize", "GetValue", "SetValue", "Commit", "Terminate"]}
START, GET, SET, COMMIT, FINISH = range(5)

# Test scaffolding (JavaScript in a parent page the test writes): scorm-again's runtime with no LMS behind it. The
# page gets a thin wrapper that passes every call to the runtime and records [method, ...args, result, error code].
PLAYER = """<!doctype html><title>LMS</title>
<script src="/scorm-again/SCRIPT"></script>
<script>
const version = VERSION;
const settings = {logLevel: 5, autocommit: false, lmsCommitUrl: false};
const runtime = version === "2004" ? new Scorm2004API(settings) : new Scorm12API(settings);
const saved = SAVED;
if (saved) runtime.loadFromJSON(saved);  // a relaunch: what the LMS kept from the last session
window.runtime = runtime; window.calls = []; window.messages = [];
window.cmi = () => JSON.parse(JSON.stringify(runtime.cmi));
const lastError = () => String(version === "2004" ? runtime.GetLastError() : runtime.LMSGetLastError());
const api = {};
for (const name of METHODS) api[name] = (...args) => {
  const result = runtime[name](...args);
  calls.push([name, ...args.map(String), String(result), lastError()]);
  return result;
};
for (const name of ERRORS) api[name] = (...args) => runtime[name](...args);
window[version === "2004" ? "API_1484_11" : "API"] = api;
addEventListener("message", (e) => messages.push(e.data));
</script>
<iframe id="sco" src="SRC" width="1000" height="900" title="Lesson"></iframe>
"""


def player_html(version, src, saved=None):
    errors = (["GetLastError", "GetErrorString", "GetDiagnostic"] if version == "2004"
              else ["LMSGetLastError", "LMSGetErrorString", "LMSGetDiagnostic"])
    return (PLAYER.replace("SCRIPT", "scorm2004.min.js" if version == "2004" else "scorm12.min.js")
            .replace("VERSION", json.dumps(version)).replace("SAVED", json.dumps(saved))
            .replace("ERRORS", json.dumps(errors)).replace("METHODS", json.dumps(METHODS[version]))
            .replace("SRC", src))


def route_scorm_again(page):
    """scorm-again's files, from node_modules, at /scorm-again/ on the page's own server (no outside request)."""
    if not (SCORM_AGAIN / "scorm12.min.js").exists():
        pytest.skip("needs the scorm-again test package: npm install")
    page.route("**/scorm-again/*.js", lambda route: route.fulfill(
        status=200, content_type="text/javascript", body=(SCORM_AGAIN / route.request.url.rsplit("/", 1)[1])
        .read_bytes()))


def open_in_lms(browser, server_url, version, saved=None, block_trainer=False):
    context = browser.new_context(viewport={"width": 1100, "height": 950})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    route_scorm_again(page)
    html = player_html(version, "/?embed=1", saved)
    page.route("**/lms-player.html", lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    if block_trainer:  # the trainer cannot start: the quiz must still report
        page.route("**/worker.py", lambda route: route.abort())
    page.goto(server_url + "/lms-player.html")
    frame = page.frame_locator("#sco")
    frame.locator("#quiz[data-state=ready]").wait_for(timeout=BOOT_TIMEOUT_MS)
    return page, frame


def calls(page):
    return [tuple(c) for c in page.evaluate("window.calls")]


def method(version, which):
    return METHODS[version][which]


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


def all_right():
    out = some_answers()
    for q in QUIZ["questions"]:
        if q["type"] == "number":
            out[q["id"]] = str(q["answer"]).replace(".", ",")
    return out


def assert_clean_session(page, version):
    """No call failed; one Initialize first; one Terminate last; the runtime never reported an error."""
    seen = calls(page)
    assert [c for c in seen if c[-1] != "0"] == []
    assert [c[0] for c in seen].count(method(version, START)) == 1 and seen[0][0] == method(version, START)
    assert [c[0] for c in seen].count(method(version, FINISH)) == 1 and seen[-1][0] == method(version, FINISH)


def committed_after(seen, version, element):
    """True if every setting of `element` is followed by a commit before it is set again."""
    sets = [n for n, c in enumerate(seen) if c[0] == method(version, SET) and c[1] == element]
    commits = [n for n, c in enumerate(seen) if c[0] == method(version, COMMIT)]
    bounds = sets[1:] + [len(seen)]
    return bool(sets) and all(any(a < n < b for n in commits) for a, b in zip(sets, bounds))


def interactions_of(cmi, version):
    table = cmi["interactions"]
    rows = table.get("childArray", table) if isinstance(table, dict) else table
    return [rows[str(n)] if isinstance(rows, dict) else rows[n] for n in range(len(rows))]


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_scorm_session_against_scorm_again(browser, server_url, version):
    page, frame = open_in_lms(browser, server_url, version)
    try:
        wait_until(lambda: len(calls(page)) > 2, 10, message="Initialize and the first reads on load")
        first = some_answers()
        answer_and_check(frame, first)
        wait_until(lambda: calls(page)[-1][0] == method(version, COMMIT), 10, message="a commit after the result")
        expected = quiz_score.score(QUIZ, first)
        assert 0 < expected["score"] < expected["max"]
        status = "passed" if expected["passed"] else "failed"
        cmi = page.evaluate("cmi()")
        raw = scorm._decimal(100.0 * expected["score"] / expected["max"], 2)
        if version == "1.2":
            assert cmi["core"]["score"]["raw"] == raw and cmi["core"]["lesson_status"] == status
        else:
            assert cmi["score"]["raw"] == raw and cmi["score"]["scaled"] == scorm._decimal(
                expected["score"] / expected["max"], 4)
            assert cmi["completion_status"] == "completed" and cmi["success_status"] == status
        rows = interactions_of(cmi, version)
        assert [r["id"] for r in rows] == [q["id"] for q in QUIZ["questions"]]
        response = "student_response" if version == "1.2" else "learner_response"
        wrong = "wrong" if version == "1.2" else "incorrect"
        for q, row in zip(QUIZ["questions"], rows):
            assert row["type"] == ("numeric" if q["type"] == "number" else "choice")
            if q["type"] == "number":  # not answered this time
                assert row["result"] == wrong and row[response] == ""
            else:
                right = [c for c in q["choices"] if c["correct"]]
                want = (",".join("abcdefghijklmnopqrstuvwxyz"[q["choices"].index(c)] for c in right)
                        if version == "1.2" else "[,]".join(c["id"] for c in right))
                assert row["result"] == "correct" and row[response] == want
        # a second, better attempt: the same interactions overwritten, a new score, and a commit again
        frame.locator("#quiz-retry").click()
        answer_and_check(frame, all_right())
        score_element = "cmi.core.score.raw" if version == "1.2" else "cmi.score.raw"
        wait_until(lambda: [c for c in calls(page) if c[:3] == (method(version, SET), score_element, "100")]
                   and calls(page)[-1][0] == method(version, COMMIT), 10, message="the second result, committed")
        cmi = page.evaluate("cmi()")
        rows = interactions_of(cmi, version)
        assert len(rows) == len(QUIZ["questions"]) and all(r["result"] == "correct" for r in rows)
        numbers = [(q, r) for q, r in zip(QUIZ["questions"], rows) if q["type"] == "number"]
        assert all(float(r[response]) == q["answer"] for q, r in numbers)
        assert committed_after(calls(page), version, score_element)
        leave(page)
        wait_until(lambda: calls(page) and calls(page)[-1][0] == method(version, FINISH), 10,
                   message="Terminate on leaving")
        page.wait_for_timeout(500)  # anything after Terminate would have arrived by now
        assert_clean_session(page, version)
        cmi = page.evaluate("cmi()")
        element = "cmi.core.session_time" if version == "1.2" else "cmi.session_time"
        (sent,) = [c[2] for c in calls(page) if c[:2] == (method(version, SET), element)]
        if version == "1.2":
            assert cmi["core"]["lesson_status"] == "passed" and cmi["core"]["exit"] == ""
            h, m, sec = re.fullmatch(r"(\d{4}):(\d{2}):(\d{2}\.\d{2})", sent).groups()
            kept = [float(x) for x in cmi["core"]["session_time"].split(":")]  # the runtime's own rendering
            assert kept == [float(h), float(m), float(sec)]
        else:
            assert cmi["success_status"] == "passed" and cmi["exit"] == "normal"
            h, m, sec = re.fullmatch(r"PT(\d+)H(\d+)M(\d+(?:\.\d{1,2})?)S", sent).groups()
            assert cmi["session_time"] == sent
        assert 1 < 3600 * int(h) + 60 * int(m) + float(sec) < 600  # the seconds the lesson was open
        assert page.errors == []
    finally:
        page.context.close()


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_a_relaunch_restores_the_answers_from_suspend_data(browser, server_url, version):
    # the longest answers the shipped quiz can have in suspend data: every choice ticked, each number typed to the
    # kept limit; and one number question left blank
    answers = {}
    for q in QUIZ["questions"]:
        if q["type"] == "number":
            answers[q["id"]] = "-0," + "9" * (quiz_state.MAX_TYPED - 3)
        else:
            ids = [c["id"] for c in q["choices"]]
            answers[q["id"]] = ids[-1] if q["type"] == "single" else ids
    del answers[[q["id"] for q in QUIZ["questions"] if q["type"] == "number"][0]]
    page, frame = open_in_lms(browser, server_url, version)
    try:
        answer_quiz(frame, QUIZ, answers)  # answered, not checked
        wait_until(lambda: [c for c in calls(page) if c[1:2] == ("cmi.suspend_data",) and c[0] == method(version, SET)],
                   10, message="the answers kept in suspend data")
        leave(page)
        wait_until(lambda: calls(page)[-1][0] == method(version, FINISH), 10, message="Terminate on leaving")
        assert_clean_session(page, version)
        cmi = page.evaluate("cmi()")
        exit_ = cmi["core"]["exit"] if version == "1.2" else cmi["exit"]
        assert exit_ == "suspend"
        suspend = cmi["suspend_data"]
        assert 0 < len(suspend) <= 4096
    finally:
        page.context.close()
    # the LMS launches the lesson again with what it kept (a new browser context: nothing in local storage)
    saved = ({"suspend_data": suspend, "core": {"entry": "resume", "lesson_status": "incomplete"}} if version == "1.2"
             else {"suspend_data": suspend, "entry": "resume", "completion_status": "incomplete"})
    page, frame = open_in_lms(browser, server_url, version, saved=saved)
    try:
        for q in QUIZ["questions"]:
            box = frame.locator(f'fieldset[data-question-id="{q["id"]}"]')
            if q["type"] == "number":
                assert box.locator("input").input_value() == answers.get(q["id"], "")
            else:
                want = answers.get(q["id"])
                want = [want] if isinstance(want, str) else (want or [])
                checked = box.locator("input:checked").evaluate_all("els => els.map(e => e.value)")
                assert sorted(checked) == sorted(want), q["id"]
        assert frame.locator("#quiz-score[data-score]").count() == 0  # answered, not checked: still not checked
        assert [c for c in calls(page) if c[-1] != "0"] == []
        assert page.errors == []
    finally:
        page.context.close()


def test_scorm_2004_reports_even_when_the_trainer_cannot_start(browser, server_url):
    page, frame = open_in_lms(browser, server_url, "2004", block_trainer=True)
    try:
        answer_and_check(frame, all_right())
        wait_until(lambda: page.evaluate("cmi()")["success_status"] == "passed", 10, message="the result")
        assert page.evaluate("cmi()")["score"]["scaled"] == "1"
        assert frame.locator("body").get_attribute("data-trainer") != "ready"
        assert [c for c in calls(page) if c[-1] != "0"] == []
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
        expected = quiz_score.score(QUIZ, answers)
        message = {"type": "charlm:quiz", "score": expected["score"], "max": expected["max"],
                   "passed": expected["passed"]}
        n = len(QUIZ["questions"])
        wait_until(lambda: len(page.evaluate("window.messages")) == n + 3, 10, message="the statements and the result")
        got = page.evaluate("window.messages")
        assert got[-1] == message
        statements = got[:-1]
        want = xapi.check_statements(QUIZ, expected, answers, 1, statements[0]["timestamp"])
        assert statements == want  # answered per question, completed, passed: in order, with verbs and scores
        verdict = "passed" if expected["passed"] else "failed"
        assert [s["verb"]["id"].rsplit("/", 1)[1] for s in statements] == ["answered"] * n + ["completed", verdict]
        assert statements[-1]["result"]["score"]["raw"] == expected["score"]
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z", statements[0]["timestamp"])
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
