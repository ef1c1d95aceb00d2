"""The quiz as a learner meets it: answering, checking, scores, solutions, retry, saved answers, broken and
replaced quiz files, and the keyboard. Expected scores come from quiz.json through quiz.py, never typed in.

The quiz does not wait for the trainer, so most pages here are used as soon as #quiz is ready.
"""

import json
from pathlib import Path

import pytest

from app import quiz as quiz_mod
from app import quiz_schema, quiz_score
from harness import BOOT_TIMEOUT_MS, answer_quiz, wait_until
from site_tools.app_pack import app_sources
from site_tools.zips import tar_gz

ROOT = Path(__file__).resolve().parents[2]
QUIZ_TEXT = (ROOT / "quiz.json").read_text(encoding="utf-8")
QUIZ = quiz_mod.parse(QUIZ_TEXT)


def open_quiz(browser, url, quiz_text=None, init_script=None, context=None):
    """A page at `url` (in a new context unless one is given) with the quiz ready; quiz_text replaces quiz.json."""
    context = context or browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    if quiz_text is not None:
        page.route("**/quiz.json", lambda route: route.fulfill(status=200, content_type="application/json",
                                                               body=quiz_text))
    if init_script:
        page.add_init_script(init_script)
    page.goto(url)
    page.wait_for_selector("#quiz[data-state=ready], #quiz[data-state=error]", timeout=BOOT_TIMEOUT_MS)
    return page


def correct_answer(q):
    if q["type"] == "number":
        return str(q["answer"])
    right = [c["id"] for c in q["choices"] if c["correct"]]
    return right[0] if q["type"] == "single" else right


def wrong_answer(q):
    if q["type"] == "number":
        return str(q["answer"] + 10 * q["tolerance"] + 1)
    wrong = [c["id"] for c in q["choices"] if not c["correct"]]
    return wrong[0] if q["type"] == "single" else wrong[:1]


def fill(page, quiz, answers):
    """Answer through the page's own inputs, as a learner would (by click and typing)."""
    answer_quiz(page, quiz, answers)


def shown_score(page):
    score = page.locator("#quiz-score")
    return float(score.get_attribute("data-score")), float(score.get_attribute("data-max")), \
        score.get_attribute("data-passed") == "true"


@pytest.fixture(scope="module")
def context(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    yield ctx
    ctx.close()


@pytest.fixture(scope="module")
def page(context, server_url):
    """One page for the answer-and-check tests: each starts with Try again (or a fresh page)."""
    p = open_quiz(None, server_url + "/", context=context)
    yield p


def start_over(page):
    if page.locator("#quiz-retry").is_visible():
        page.click("#quiz-retry")


@pytest.mark.parametrize("kind", ["all correct", "all wrong", "mixed"])
def test_score_and_pass_state_match_the_quiz_file(page, kind):
    start_over(page)
    questions = QUIZ["questions"]
    if kind == "all correct":
        answers = {q["id"]: correct_answer(q) for q in questions}
    elif kind == "all wrong":
        answers = {q["id"]: wrong_answer(q) for q in questions}
    else:  # alternate right and wrong, and leave the last question unanswered
        answers = {q["id"]: (correct_answer if n % 2 == 0 else wrong_answer)(q) for n, q in enumerate(questions[:-1])}
    expected = quiz_score.score(QUIZ, answers)
    assert kind != "mixed" or 0 < expected["score"] < expected["max"]
    fill(page, QUIZ, answers)
    page.click("#quiz-check")
    page.wait_for_selector("#quiz-score[data-score]")
    assert shown_score(page) == (expected["score"], expected["max"], expected["passed"])
    assert quiz_score.summary(expected) in page.inner_text("#quiz-score")
    for q in questions:
        verdict = page.get_attribute(f'fieldset[data-question-id="{q["id"]}"]', "data-correct")
        assert verdict == ("true" if expected["questions"][q["id"]]["correct"] else "false"), q["id"]
    assert page.errors == []


def test_feedback_explanation_solutions_and_retry(page):
    start_over(page)
    q = next(q for q in QUIZ["questions"] if q["type"] == "single")
    wrong = wrong_answer(q)
    right = correct_answer(q)
    assert not page.locator("#quiz-solutions").is_visible()  # solutions only after an attempt
    fill(page, QUIZ, {q["id"]: wrong})
    page.click("#quiz-check")
    box = page.locator(f'fieldset[data-question-id="{q["id"]}"]')
    chosen = {c["id"]: c for c in q["choices"]}[wrong]
    feedback = box.locator(f'#{box.locator(f"input[value={wrong}]").get_attribute("aria-describedby")}')
    assert chosen["feedback"] in feedback.inner_text()  # per-choice feedback, tied to its input
    assert q["explanation"] in box.locator(".explanation").inner_text()
    assert page.evaluate("document.activeElement.id") == "quiz-score"  # focus moves to the result
    assert page.get_attribute("#quiz-result", "aria-live") == "polite"
    right_item = box.locator(f'.choice[data-choice-id="{right}"]')
    assert "is-answer" not in right_item.get_attribute("class")  # no answer given away before asking
    page.click("#quiz-solutions")
    assert "is-answer" in right_item.get_attribute("class")
    assert "Solution" in right_item.locator(".feedback").inner_text()
    assert page.get_attribute("#quiz-solutions", "aria-pressed") == "true"
    page.click("#quiz-retry")
    assert page.get_attribute("#quiz-score", "data-score") is None
    assert page.locator("#quiz-body input:checked").count() == 0
    assert page.locator("#quiz-body .feedback:visible").count() == 0
    assert page.evaluate("document.activeElement.type") in ("radio", "checkbox", "text")


def test_checking_nothing_asks_for_an_answer_instead(page):
    start_over(page)
    page.click("#quiz-check")
    assert page.get_attribute("#quiz-score", "data-score") is None
    assert "Answer at least one question" in page.inner_text("#quiz-message")


def test_answers_and_score_survive_a_reload_and_an_edited_quiz_starts_fresh(browser, server_url):
    context = browser.new_context()
    try:
        page = open_quiz(browser, server_url + "/", context=context)
        answers = {q["id"]: correct_answer(q) for q in QUIZ["questions"][:3]}
        fill(page, QUIZ, answers)
        page.click("#quiz-check")
        expected = quiz_score.score(QUIZ, answers)
        page.reload()
        page.wait_for_selector("#quiz[data-state=ready]")
        assert shown_score(page) == (expected["score"], expected["max"], expected["passed"])
        first = QUIZ["questions"][0]
        assert page.locator(f'fieldset[data-question-id="{first["id"]}"] input:checked').get_attribute("value") \
            == answers[first["id"]]
        page.close()

        edited = json.loads(QUIZ_TEXT)
        edited["questions"][0]["prompt"] += " (reworded)"
        page = open_quiz(browser, server_url + "/", quiz_text=json.dumps(edited), context=context)
        assert page.locator("#quiz-body input:checked").count() == 0
        assert page.get_attribute("#quiz-score", "data-score") is None
        assert "(reworded)" in page.inner_text(f'fieldset[data-question-id="{first["id"]}"] legend')
        page.close()

        page = open_quiz(browser, server_url + "/", context=context)  # the original file again: its answers are back
        assert shown_score(page)[0] == expected["score"]
    finally:
        context.close()


def test_unchecked_answers_are_kept_too(browser, server_url):
    context = browser.new_context()
    try:
        page = open_quiz(browser, server_url + "/", context=context)
        number = next(q for q in QUIZ["questions"] if q["type"] == "number")
        page.fill(f'fieldset[data-question-id="{number["id"]}"] input', "1,5")
        page.reload()
        page.wait_for_selector("#quiz[data-state=ready]")
        assert page.input_value(f'fieldset[data-question-id="{number["id"]}"] input') == "1,5"
        assert page.get_attribute("#quiz-score", "data-score") is None
    finally:
        context.close()


def test_another_valid_quiz_needs_no_code_change(browser, server_url):
    other = {
        "schema": 1, "id": "other-quiz", "title": "A different quiz", "pass_percent": 50, "shuffle": True,
        "questions": [
            {"id": "n1", "type": "number", "prompt": "2 + 2?", "answer": 4, "points": 3},
            {"id": "m1", "type": "multiple", "prompt": "Even numbers?",
             "choices": [{"id": "two", "text": "2", "correct": True}, {"id": "three", "text": "3"},
                         {"id": "four", "text": "4", "correct": True}]},
            {"id": "s1", "type": "single", "prompt": "Capital of France?",
             "choices": [{"id": "p", "text": "Paris", "correct": True}, {"id": "l", "text": "Lyon"}]},
        ]}
    page = open_quiz(browser, server_url + "/", quiz_text=json.dumps(other))
    try:
        quiz = quiz_mod.parse(json.dumps(other))
        ids = page.eval_on_selector_all("fieldset[data-question-id]", "els => els.map(e => e.dataset.questionId)")
        assert ids == ["n1", "m1", "s1"]
        assert page.inner_text("#quiz-title") == "A different quiz"
        answers = {"n1": "4", "m1": ["two", "three"], "s1": "p"}
        fill(page, quiz, answers)
        page.click("#quiz-check")
        expected = quiz_score.score(quiz, answers)
        assert shown_score(page) == (expected["score"], expected["max"], expected["passed"])
        assert page.errors == []
    finally:
        page.context.close()


def test_author_text_is_shown_as_text_never_as_html(browser, server_url):
    sneaky = json.loads(QUIZ_TEXT)
    sneaky["questions"][0]["prompt"] = "Is <b>this</b> bold? <img src=x onerror=\"document.title='owned'\">"
    page = open_quiz(browser, server_url + "/", quiz_text=json.dumps(sneaky))
    try:
        legend = page.locator(f'fieldset[data-question-id="{sneaky["questions"][0]["id"]}"] legend')
        assert "<b>this</b>" in legend.inner_text()
        assert page.locator("#quiz-body b, #quiz-body img").count() == 0
        assert page.title() != "owned"
    finally:
        page.context.close()


def test_a_broken_quiz_shows_its_problems_while_the_trainer_still_trains(browser, server_url):
    broken = json.loads(QUIZ_TEXT)
    broken["pass_percent"] = 170
    broken["questions"][1]["type"] = "singel"
    problems = quiz_schema.validate(broken)
    page = open_quiz(browser, server_url + "/", quiz_text=json.dumps(broken))
    try:
        assert page.get_attribute("#quiz", "data-state") == "error"
        error = page.locator("#quiz-error")
        assert error.is_visible() and error.get_attribute("role") == "alert"
        for problem in problems:
            assert problem in error.inner_text()
        assert page.locator("fieldset[data-question-id]").count() == 0
        page.wait_for_selector("body[data-trainer=ready]", timeout=BOOT_TIMEOUT_MS)
        page.click("#step")
        page.wait_for_selector("#loss-plot[data-step='1']", timeout=60_000)
        assert page.errors == []
    finally:
        page.context.close()


def test_a_broken_trainer_script_leaves_the_quiz_working(browser, server_url):
    """main.py and quiz_main.py share one MicroPython: an exception in one must not stop the other."""
    context = browser.new_context()
    context.route("**/main.py", lambda route: route.fulfill(status=200, content_type="text/plain",
                                                            body="raise RuntimeError('the trainer is broken')\n"))
    try:
        page = open_quiz(browser, server_url + "/", context=context)
        assert page.get_attribute("#quiz", "data-state") == "ready"
        answers = {q["id"]: correct_answer(q) for q in QUIZ["questions"]}
        fill(page, QUIZ, answers)
        page.click("#quiz-check")
        assert shown_score(page)[2] is True
        assert page.get_attribute("body", "data-trainer") != "ready"
    finally:
        context.close()


def test_a_broken_quiz_module_says_so_and_the_trainer_still_trains(browser, server_url):
    context = browser.new_context()
    # The page's modules arrive as one archive (site_tools/app_pack.py): serve one whose quiz module raises.
    broken = tar_gz([(p.name, b"raise RuntimeError('the quiz module is broken')\n" if p.name == "quiz_view.py"
                      else p.read_bytes()) for p in app_sources()])
    context.route("**/vendor/app.tar.gz", lambda route: route.fulfill(
        status=200, content_type="application/gzip", body=broken))
    try:
        page = open_quiz(browser, server_url + "/", context=context)
        assert page.get_attribute("#quiz", "data-state") == "error"
        assert "the quiz module is broken" in page.inner_text("#quiz-error")
        page.wait_for_selector("body[data-trainer=ready]", timeout=BOOT_TIMEOUT_MS)
        page.click("#step")
        page.wait_for_selector("#loss-plot[data-step='1']", timeout=60_000)
    finally:
        context.close()


def test_blocked_storage_costs_only_the_saving(browser, server_url):
    """Browsers that block storage for a page (a third-party frame, strict privacy settings) throw on any use of
    localStorage. The quiz must still score, say that answers will not be kept, and leave the trainer alone."""
    deny = ("Object.defineProperty(window, 'localStorage', {get() { throw new DOMException("
            "'The operation is insecure.', 'SecurityError'); }});")
    page = open_quiz(browser, server_url + "/", init_script=deny)
    try:
        assert page.get_attribute("#quiz", "data-state") == "ready"
        assert page.locator("#quiz-storage-note").is_visible()
        answers = {q["id"]: correct_answer(q) for q in QUIZ["questions"]}
        fill(page, QUIZ, answers)
        page.click("#quiz-check")
        assert shown_score(page) == (quiz_score.score(QUIZ, answers)["score"], quiz_score.score(QUIZ, answers)["max"],
                                     True)
        page.wait_for_selector("body[data-trainer=ready]", timeout=BOOT_TIMEOUT_MS)
        page.click("#step")
        page.wait_for_selector("#loss-plot[data-step='1']", timeout=60_000)
    finally:
        page.context.close()


def test_keyboard_alone_answers_and_checks_with_visible_focus(browser, server_url):
    page = open_quiz(browser, server_url + "/")
    try:
        first = QUIZ["questions"][0]
        box = page.locator(f'fieldset[data-question-id="{first["id"]}"]')
        box.locator("input").first.focus()
        page.keyboard.press("Space")
        assert box.locator("input").first.is_checked()
        page.keyboard.press("ArrowDown")  # arrows move within a radio group
        assert box.locator("input").nth(1).is_checked()
        outline = page.evaluate("getComputedStyle(document.activeElement.closest('label')).outlineStyle")
        assert outline != "none"
        page.focus("#quiz-check")
        page.keyboard.press("Enter")
        page.wait_for_selector("#quiz-score[data-score]")
        assert page.evaluate("document.activeElement.id") == "quiz-score"
        wait_until(lambda: page.locator("#quiz-retry").is_visible(), 5, message="Try again button")
    finally:
        page.context.close()


def test_quiz_fits_a_phone_screen(browser, server_url):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    try:
        page = open_quiz(browser, server_url + "/", context=context)
        fill(page, QUIZ, {q["id"]: wrong_answer(q) for q in QUIZ["questions"]})
        page.click("#quiz-check")
        page.click("#quiz-solutions")
        assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
        box = page.locator("fieldset[data-question-id]").first.bounding_box()
        assert box["width"] <= 360
    finally:
        context.close()


def test_a_quiz_file_that_is_not_utf8_is_refused_naming_the_byte_as_check_does(browser, server_url):
    raw = QUIZ_TEXT.encode("utf-8").replace(b"Check your understanding", b"Check your \xff understanding")
    expected_ok, expected = quiz_mod.check(raw, "quiz.json")  # the verdict `serve.py --check` prints
    assert not expected_ok
    page = open_quiz(browser, server_url + "/", quiz_text=raw)
    try:
        assert page.get_attribute("#quiz", "data-state") == "error"
        shown = page.inner_text("#quiz-error")
        assert "not UTF-8 text: byte %d" % raw.index(b"\xff") in shown
        assert expected[0].split(": ", 1)[1] in shown
        assert "python3 serve.py --check" in shown
        assert "\ufffd" not in page.inner_text("#quiz") and page.locator("fieldset[data-question-id]").count() == 0
        assert page.errors == []
    finally:
        page.context.close()
