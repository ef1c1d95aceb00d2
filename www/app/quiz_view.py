"""The quiz on the page (MicroPython, main thread): loads quiz.json, draws it (quiz_form.py), keeps the answers in
browser storage and, inside an LMS, in its suspend data (scorm.py), and sends each result to the LMS and, as an
xAPI statement (xapi.py) and a charlm:quiz message, to an embedding page.

It shares one MicroPython with the trainer (main.py), so it is written to be unable to stop it:
- No asyncio. Everything here is an event listener or a promise callback. A JavaScript exception cannot be caught
  in this MicroPython, and one thrown inside an asyncio task ends the event loop the trainer runs on; thrown in a
  callback it ends only that callback.
- Calls that may throw for reasons outside our control (storage denied or full, an LMS's API) run through
  `guarded`, from a fresh promise callback: a throw there rejects the promise, with no Python frame beneath it.
- Every callback catches Python errors and shows them in #quiz-error instead of raising.
- It never reads the trainer's globals and adds none: main.py and quiz_main.py share one global namespace.

Hooks that tests and authors rely on: #quiz[data-state] is "loading", then "ready" or "error"; the form's own are
listed in quiz_form.py.
"""

import json

from pyscript import document, window
from pyscript.ffi import create_proxy, to_js

from app import quiz as quiz_mod
from app import quiz_score, quiz_state, scorm, xapi
from app.dom import el, guarded, on
from app.quiz_form import QuizForm, collect, fill

QUIZ_URL = "quiz.json"  # relative to the page, so the static build and the SCORM package find it too
# The browser's window object itself. pyscript.window is MicroPython's `js` module, which JavaScript receives as a
# Python object: Reflect.has on it reads the property (a throwing localStorage getter included) and Object.is never
# finds it equal to window.parent. scorm.py and the storage check need the real object.
JS_WINDOW = window.globalThis


class QuizView:
    """The quiz section: loading, answers, checking, storage and reporting."""

    def __init__(self):
        self.section = el("quiz")
        self.body = el("quiz-body")
        self.error_box = el("quiz-error")
        self.quiz = None
        self.key = None            # browser-storage key: quiz id + a hash of the file, so an edit starts fresh
        self.digest = None         # that hash, which also ties the LMS's suspend data to this version of the quiz
        self.attempt = 1           # seeds the choice order when a question shuffles
        self.result = None         # quiz_score.score(...) of the last check, None while answering
        self.solutions = False
        self.storage = window.Reflect.has(JS_WINDOW, "localStorage")  # never runs the getter, which may throw
        self.lms = None
        self.form = None

    # ---- start-up ------------------------------------------------------------------------------------------

    def start(self):
        self.section.dataset.state = "loading"
        guarded(self.start_lms)
        on(JS_WINDOW, "pagehide", self.shielded(self.page_hidden))
        on(document, "visibilitychange", self.shielded(self.visibility_changed))
        on(self.body, "change", self.shielded(self.answers_changed))
        on(self.body, "input", self.shielded(self.answers_changed))
        window.fetch(QUIZ_URL).then(self.callback(self.got_response), self.callback(self.fetch_failed))

    def shielded(self, fn):
        """fn, showing a Python error in #quiz-error instead of raising it (an event handler for dom.on)."""
        def call(*args):
            try:
                fn(*args)
            except Exception as e:
                self.fail("The quiz stopped unexpectedly (" + type(e).__name__ + ": " + str(e) + "). "
                          "Reload the page to try again; the trainer above is not affected.")
        return call

    def callback(self, fn):
        """shielded(fn) as a JavaScript callback, for a promise's then()."""
        return create_proxy(self.shielded(fn))

    def fail(self, message):
        self.error_box.textContent = message
        self.error_box.hidden = False
        self.section.dataset.state = "error"

    def fetch_failed(self, error):
        self.fail("The quiz could not be loaded (" + str(getattr(error, "message", error)) + "). "
                  "Check your connection and reload the page.")

    def got_response(self, response):
        if not response.ok:
            self.fail("The quiz could not be loaded: " + QUIZ_URL + " answered HTTP " + str(response.status) + ". "
                      "Course authors: put quiz.json next to index.html.")
            return
        # the bytes, not response.text(): text() would turn bytes that are not UTF-8 into U+FFFD and show them
        response.arrayBuffer().then(self.callback(self.got_bytes), self.callback(self.fetch_failed))

    def got_bytes(self, buffer):
        try:
            self.quiz, text = quiz_mod.read(bytes(window.Uint8Array.new(buffer)))
        except quiz_mod.QuizError as e:
            self.fail("The quiz is not available: its file, quiz.json, has " + quiz_score.plural(len(e.problems),
                      "problem") + ". Course authors can list them with: python3 serve.py --check quiz.json\n"
                      + "\n".join(["\u2022 " + p for p in e.problems]))
            return
        self.key = quiz_state.storage_key(self.quiz, text)
        self.digest = quiz_state.content_hash(text)
        title = el("quiz-title")
        if title is not None:
            title.textContent = self.quiz["title"]
        if not self.storage:
            self.restore(None)
            return
        key = self.key
        guarded(lambda: window.localStorage.getItem(key), self.callback(self.restore),
                self.callback(self.storage_failed_on_load))

    def storage_failed_on_load(self, error):
        self.storage_failed(error)
        self.restore(None)

    def restore(self, saved):
        """Draw the quiz with the saved answers: the LMS's suspend data if it has some for this quiz (it follows
        the learner between browsers), else this browser's; re-show the score if they had been checked."""
        state = None
        if self.lms is not None and self.lms.found:
            state = quiz_state.load_suspend(self.lms.resume_data, self.quiz, self.digest)
        if state is None:
            state = quiz_state.load_state(saved if type(saved) is str else None, self.quiz)
        self.attempt = state["attempt"]
        self.draw()
        fill(self.form.entries, state["answers"])
        if state["submitted"]:
            self.check(report=False)
        self.section.dataset.state = "ready"

    def draw(self):
        self.form = QuizForm(self.body, self.quiz, self.attempt, self.storage, self.shielded, self.clicked)

    # ---- answers and checking ------------------------------------------------------------------------------

    def answers_changed(self, event):
        if self.result is None and self.form is not None:
            self.form.message_line.textContent = ""
            self.save()

    def clicked(self, name, event):
        if name == "check":
            self.check_clicked()
        elif name == "solutions" and self.result is not None:
            self.solutions = not self.solutions
            self.check(report=False)
        elif name == "retry":
            self.retry()

    def check_clicked(self):
        if not collect(self.form.entries):
            self.form.message_line.textContent = "Answer at least one question, then check your answers."
            first = self.form.first_input()
            if first is not None:
                first.focus()
            return
        self.check(report=True)
        self.form.score_line.focus()

    def check(self, report):
        """Score the answers on the page and show the result; report=True also saves and sends it."""
        answers = collect(self.form.entries)
        self.result = quiz_score.score(self.quiz, answers)
        self.form.show_result(self.result, self.solutions)
        if report:
            self.save()
            self.report(self.result, answers)

    def retry(self):
        self.attempt += 1
        self.result = None
        self.solutions = False
        if [q for q in self.quiz["questions"] if q.get("shuffle")]:
            self.draw()  # a new attempt, a new order
        else:
            self.form.reset()
        self.form.message_line.textContent = "A fresh attempt: your earlier answers are cleared."
        self.save()
        first = self.form.first_input()
        if first is not None:
            first.focus()

    # ---- storage and reporting -----------------------------------------------------------------------------

    def save(self):
        answers = collect(self.form.entries)
        if self.lms is not None and self.lms.found:
            data = quiz_state.dump_suspend(self.quiz, self.digest, answers, self.result is not None, self.attempt)
            guarded(lambda: self.lms.keep(data))
        if not self.storage or self.key is None:
            return
        key, text = self.key, quiz_state.dump_state(answers, self.result, self.attempt)
        guarded(lambda: window.localStorage.setItem(key, text), None, self.callback(self.storage_failed))

    def storage_failed(self, error):
        self.storage = False
        self.section.dataset.storage = "off"
        note = el("quiz-storage-note")
        if note is not None:
            note.hidden = False

    def start_lms(self):
        self.lms = scorm.LMS(JS_WINDOW)
        self.lms.start(window.Date.now())

    def report(self, result, answers):
        score, top, passed = result["score"], result["max"], result["passed"]
        if self.lms is not None and self.lms.found:
            records = scorm.interactions(self.quiz, result)
            guarded(lambda: self.lms.report(score, top, passed, records))
        if scorm.embedded(JS_WINDOW):
            now = window.Date.new().toISOString()
            for statement in xapi.check_statements(self.quiz, result, answers, self.attempt, now):
                guarded(self.poster(statement))
        guarded(lambda: scorm.post_result(JS_WINDOW, score, top, passed, to_js))

    def poster(self, statement):
        # through JSON: a plain JavaScript object however deep the statement is nested
        text = json.dumps(statement)
        return lambda: JS_WINDOW.parent.postMessage(window.JSON.parse(text), "*")

    def page_hidden(self, event):
        if self.lms is not None and self.lms.found:
            guarded(self.lms.commit)
            now = window.Date.now()
            guarded(lambda: self.lms.finish(now))

    def visibility_changed(self, event):
        if document.visibilityState == "hidden" and self.lms is not None and self.lms.found:
            guarded(self.lms.commit)


def start():
    """Draw the quiz into #quiz-body and wire it to storage and the LMS. Never raises."""
    view = QuizView()
    try:
        view.start()
    except Exception as e:
        view.fail("The quiz could not start (" + type(e).__name__ + ": " + str(e) + "). "
                  "The trainer above is not affected.")
    return view
