"""The quiz on the page (MicroPython, main thread): draws quiz.json as a form, scores it with quiz.py, keeps the
answers in browser storage and sends each result to an LMS (lms.py) and to an embedding page (postMessage).

It shares one MicroPython with the trainer (main.py), so it is written to be unable to stop it:
- No asyncio. Everything here is an event listener or a promise callback. A JavaScript exception cannot be caught
  in this MicroPython, and one thrown inside an asyncio task ends the event loop the trainer runs on; thrown in a
  callback it ends only that callback.
- Calls that may throw for reasons outside our control (storage denied or full, an LMS's API) run through
  `guarded`, from a fresh promise callback: a throw there rejects the promise, with no Python frame beneath it.
- Every callback catches Python errors and shows them in #quiz-error instead of raising.
- It never reads the trainer's globals and adds none: main.py and quiz_main.py share one global namespace.

Hooks that tests and authors rely on: #quiz[data-state] is "loading", then "ready" or "error"; each question is a
fieldset[data-question-id]; choice inputs carry value = the choice id; a number question has one input;
#quiz-check, #quiz-solutions, #quiz-retry; #quiz-score gets data-score, data-max, data-passed once checked.
"""

from pyscript import document, window
from pyscript.ffi import create_proxy, to_js

from app import lms as lms_mod
from app import quiz as quiz_mod

QUIZ_URL = "quiz.json"  # relative to the page, so the static build and the SCORM package find it too
# The browser's window object itself. pyscript.window is MicroPython's `js` module, which JavaScript receives as a
# Python object: Reflect.has on it reads the property (a throwing localStorage getter included) and Object.is never
# finds it equal to window.parent. lms.py and the storage check need the real object.
JS_WINDOW = window.globalThis


def el(id_):
    return document.getElementById(id_)


def make(tag, cls=None, text=None, **attrs):
    """A new element; text goes in as textContent (author text is never parsed as HTML)."""
    node = document.createElement(tag)
    if cls:
        node.className = cls
    if text is not None:
        node.textContent = text
    for name, value in attrs.items():
        node.setAttribute(name.replace("_", "-"), value)
    return node


def number_text(x):
    """5, 2.5, 0.693: a number as an author would write it."""
    return str(x) if type(x) is int else "%g" % x


def plural(n, word):
    return number_text(n) + " " + word + ("" if n == 1 else "s")


def guarded(fn, on_done=None, on_fail=None):
    """Run fn() from a fresh promise callback; on_done(value) or on_fail(error) follow.

    A JavaScript exception inside fn (localStorage denied in a third-party frame, a full quota, a faulty LMS API)
    becomes a rejected promise instead of aborting the Python code around it, which MicroPython could not catch.
    Calls run in the order they were made.
    """
    def run(*_):
        return fn()

    def done(*args):
        if on_done is not None:
            on_done(args[0] if args else None)

    def fail(*args):
        if on_fail is not None:
            on_fail(args[0] if args else None)

    window.Promise.resolve(None).then(create_proxy(run)).then(create_proxy(done), create_proxy(fail))


class QuizView:
    """The quiz section: rendering, answers, checking, storage and reporting."""

    def __init__(self):
        self.section = el("quiz")
        self.body = el("quiz-body")
        self.error_box = el("quiz-error")
        self.quiz = None
        self.key = None            # browser-storage key: quiz id + a hash of the file, so an edit starts fresh
        self.attempt = 1           # seeds the choice order when a question shuffles
        self.result = None         # quiz.score(...) of the last check, None while answering
        self.solutions = False
        self.storage = window.Reflect.has(JS_WINDOW, "localStorage")  # never runs the getter, which may throw
        self.lms = None
        self.questions = {}        # question id -> {"fieldset", "inputs": [(choice id, input, feedback)], ...}

    # ---- start-up ------------------------------------------------------------------------------------------

    def start(self):
        self.section.dataset.state = "loading"
        guarded(self.start_lms)
        window.addEventListener("pagehide", self.callback(self.page_hidden))
        document.addEventListener("visibilitychange", self.callback(self.visibility_changed))
        self.body.addEventListener("change", self.callback(self.answers_changed))
        self.body.addEventListener("input", self.callback(self.answers_changed))
        window.fetch(QUIZ_URL).then(self.callback(self.got_response), self.callback(self.fetch_failed))

    def callback(self, fn):
        """fn as a JS callback that shows a Python error in #quiz-error instead of raising it."""
        def call(*args):
            try:
                fn(*args)
            except Exception as e:
                self.fail("The quiz stopped unexpectedly (" + type(e).__name__ + ": " + str(e) + "). "
                          "Reload the page to try again; the trainer above is not affected.")
        return create_proxy(call)

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
        response.text().then(self.callback(self.got_text), self.callback(self.fetch_failed))

    def got_text(self, text):
        try:
            self.quiz = quiz_mod.parse(text)
        except quiz_mod.QuizError as e:
            self.fail("The quiz is not available: its file, quiz.json, has " + plural(len(e.problems), "problem")
                      + ". Course authors can list them with: python3 serve.py --check quiz.json\n"
                      + "\n".join(["\u2022 " + p for p in e.problems]))
            return
        self.key = quiz_mod.storage_key(self.quiz, text)
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
        """Draw the quiz with the saved answers (if any); re-show the score if they had been checked."""
        state = quiz_mod.load_state(saved if type(saved) is str else None, self.quiz)
        self.attempt = state["attempt"]
        self.render()
        self.fill(state["answers"])
        if state["submitted"]:
            self.check(report=False)
        self.section.dataset.state = "ready"

    # ---- drawing -------------------------------------------------------------------------------------------

    def render(self):
        quiz = self.quiz
        body = self.body
        body.textContent = ""
        self.questions = {}
        total = 0
        for q in quiz["questions"]:
            total += q["points"]
        if quiz["intro"]:
            body.append(make("p", "quiz-intro", quiz["intro"]))
        body.append(make("p", "quiz-meta", plural(len(quiz["questions"]), "question") + " \u00b7 "
                         + plural(total, "point") + " \u00b7 pass mark " + number_text(quiz["pass_percent"]) + "%"))
        self.storage_note = make("p", "quiz-note", "Your answers cannot be kept in this browser (it blocks storage "
                                 "for this page), so they will be gone when you leave.", id="quiz-storage-note")
        self.storage_note.hidden = self.storage
        body.append(self.storage_note)
        count = len(quiz["questions"])
        for n, q in enumerate(quiz["questions"]):
            body.append(self.render_question(q, n + 1, count))

        result = make("div", "quiz-result", id="quiz-result", role="status", aria_live="polite")
        self.score_line = make("p", None, None, id="quiz-score", tabindex="-1")
        self.message_line = make("p", "quiz-message", None, id="quiz-message")
        result.append(self.score_line)
        result.append(self.message_line)
        body.append(result)
        actions = make("div", "quiz-actions")
        self.check_button = make("button", "primary", "Check answers", type="button", id="quiz-check")
        self.solutions_button = make("button", None, "Show solutions", type="button", id="quiz-solutions",
                                     aria_pressed="false")
        self.retry_button = make("button", None, "Try again", type="button", id="quiz-retry")
        for button, handler in ((self.check_button, self.check_clicked),
                                (self.solutions_button, self.solutions_clicked),
                                (self.retry_button, self.retry_clicked)):
            button.addEventListener("click", self.callback(handler))
            actions.append(button)
        body.append(actions)

        self.show_buttons()

    def render_question(self, q, number, count):
        qid = q["id"]
        base = "quiz-q-" + qid
        box = make("fieldset", "question", None, id=base, data_question_id=qid, data_type=q["type"])
        legend = make("legend")
        legend.append(make("span", "q-kicker", "Question " + str(number) + " of " + str(count) + " \u00b7 "
                           + plural(q["points"], "point")))
        legend.append(make("span", "q-prompt", q["prompt"]))
        box.append(legend)
        entry = {"fieldset": box, "question": q, "inputs": []}
        if q["type"] == "number":
            row = make("div", "number-row")
            field = make("input", None, None, type="text", inputmode="decimal", autocomplete="off",
                         spellcheck="false", id=base + "-input", aria_describedby=base + "-hint " + base + "-feedback")
            label = make("label", "number-label", "Your answer" + (" (in " + q["unit"] + ")" if q["unit"] else ""),
                         **{"for": base + "-input"})
            row.append(field)
            if q["unit"]:
                row.append(make("span", "unit", q["unit"], aria_hidden="true"))
            box.append(label)
            box.append(row)
            box.append(make("p", "hint", "A decimal point or a decimal comma both work: 0.5 or 0,5.",
                            id=base + "-hint"))
            feedback = make("p", "feedback", None, id=base + "-feedback")
            box.append(feedback)
            entry["inputs"].append((None, field, feedback))
        else:
            kind = "radio" if q["type"] == "single" else "checkbox"
            choices = make("div", "choices")
            for c in quiz_mod.shuffled_choices(q, self.attempt):
                cid = base + "-" + c["id"]
                item = make("div", "choice", None, data_choice_id=c["id"])
                label = make("label", None, None, **{"for": cid})
                field = make("input", None, None, type=kind, name=base, value=c["id"], id=cid,
                             aria_describedby=cid + "-feedback")
                label.append(field)
                label.append(make("span", "choice-text", c["text"]))
                item.append(label)
                feedback = make("p", "feedback", None, id=cid + "-feedback")
                item.append(feedback)
                choices.append(item)
                entry["inputs"].append((c["id"], field, feedback))
            box.append(choices)
        entry["verdict"] = make("p", "verdict", None, id=base + "-verdict")
        entry["explanation"] = make("div", "explanation", None, id=base + "-explanation")
        box.append(entry["verdict"])
        box.append(entry["explanation"])
        self.clear_feedback(entry)
        self.questions[qid] = entry
        return box

    def clear_feedback(self, entry):
        for _, field, feedback in entry["inputs"]:
            feedback.textContent = ""
            feedback.hidden = True
            feedback.className = "feedback"
            field.disabled = False
            field.readOnly = False
        entry["verdict"].textContent = ""
        entry["verdict"].hidden = True
        entry["explanation"].textContent = ""
        entry["explanation"].hidden = True
        entry["fieldset"].removeAttribute("aria-describedby")
        entry["fieldset"].removeAttribute("data-correct")
        for item in entry["fieldset"].querySelectorAll(".choice"):
            item.classList.remove("is-chosen", "is-answer", "is-right", "is-wrong")

    # ---- answers -------------------------------------------------------------------------------------------

    def collect(self):
        """The answers on the page, as quiz.score wants them (unanswered questions left out)."""
        answers = {}
        for qid, entry in self.questions.items():
            kind = entry["question"]["type"]
            if kind == "number":
                typed = entry["inputs"][0][1].value
                if typed.strip():
                    answers[qid] = typed
            else:
                chosen = [cid for cid, field, _ in entry["inputs"] if field.checked]
                if chosen:
                    answers[qid] = chosen[0] if kind == "single" else chosen
        return answers

    def fill(self, answers):
        for qid, entry in self.questions.items():
            answer = answers.get(qid)
            if entry["question"]["type"] == "number":
                entry["inputs"][0][1].value = "" if answer is None else str(answer)
            else:
                chosen = [answer] if type(answer) is str else (answer or [])
                for cid, field, _ in entry["inputs"]:
                    field.checked = cid in chosen

    def answers_changed(self, event):
        if self.result is None:
            self.message_line.textContent = ""
            self.save()

    # ---- checking ------------------------------------------------------------------------------------------

    def check_clicked(self, event):
        answers = self.collect()
        if not answers:
            self.message_line.textContent = "Answer at least one question, then check your answers."
            first = self.first_input()
            if first is not None:
                first.focus()
            return
        self.check(report=True)
        self.score_line.focus()

    def check(self, report):
        """Score the answers on the page and show the result; report=True also saves and sends it."""
        answers = self.collect()
        result = quiz_mod.score(self.quiz, answers)
        self.result = result
        for qid, entry in self.questions.items():
            self.show_question(entry, result["questions"][qid])
        unanswered = len(self.quiz["questions"]) - result["answered"]
        verdict = ("Passed." if result["passed"]
                   else "Not passed yet: the pass mark is " + number_text(result["pass_percent"]) + "%.")
        self.score_line.textContent = "Your score: " + quiz_mod.summary(result) + ". " + verdict
        self.score_line.dataset.score = number_text(result["score"])
        self.score_line.dataset.max = number_text(result["max"])
        self.score_line.dataset.percent = str(result["percent"])
        self.score_line.dataset.passed = "true" if result["passed"] else "false"
        self.score_line.className = "passed" if result["passed"] else "failed"
        self.message_line.textContent = (
            (plural(unanswered, "question") + " left unanswered counted as wrong. " if unanswered else "")
            + "Read the feedback under each question, show the solutions, or try again.")
        self.show_buttons()
        if report:
            self.save()
            self.report(result)

    def show_question(self, entry, outcome):
        q = entry["question"]
        base = "quiz-q-" + q["id"]
        box = entry["fieldset"]
        box.dataset.correct = "true" if outcome["correct"] else "false"
        worth = plural(outcome["max"], "point")
        if not outcome["answered"]:
            text = "Not answered: 0 of " + worth + "."
        elif outcome["correct"]:
            text = "\u2713 Correct: " + number_text(outcome["points"]) + " of " + worth + "."
        elif q["type"] == "multiple" and not [c for c in outcome["choices"].values()
                                              if c["chosen"] and not c["correct"]]:
            text = "\u2717 Not quite: 0 of " + worth + ". All you chose is right, but a true one is missing."
        else:
            text = "\u2717 Not quite: 0 of " + worth + "."
        entry["verdict"].textContent = text
        entry["verdict"].className = "verdict " + ("right" if outcome["correct"] else "wrong")
        entry["verdict"].hidden = False
        if q["explanation"]:
            explanation = entry["explanation"]
            explanation.textContent = ""
            explanation.append(make("strong", None, "Why: "))
            explanation.append(document.createTextNode(q["explanation"]))
            explanation.hidden = False
            box.setAttribute("aria-describedby", base + "-verdict " + base + "-explanation")
        else:
            box.setAttribute("aria-describedby", base + "-verdict")
        if q["type"] == "number":
            _, field, feedback = entry["inputs"][0]
            field.readOnly = True
            if outcome["answered"] and outcome["value"] is None:
                note = "That is not a number we can read; write it like 0.69."
            elif outcome["answered"]:
                note = "You answered " + number_text(outcome["value"]) + ("." if outcome["correct"] else
                                                                           ": that is outside the accepted range.")
            else:
                note = ""
            if self.solutions:
                note += (" " if note else "") + self.number_solution(q)
            self.set_feedback(feedback, note, "right" if outcome["correct"] else "wrong")
            return
        many = q["type"] == "multiple"
        for cid, field, feedback in entry["inputs"]:
            info = outcome["choices"][cid]
            field.disabled = True
            item = field.closest(".choice")
            item.classList.toggle("is-chosen", info["chosen"])
            item.classList.toggle("is-answer", self.solutions and info["correct"])
            if info["chosen"]:
                right = info["correct"]
                item.classList.toggle("is-right", right)
                item.classList.toggle("is-wrong", not right)
                if many:
                    mark = "\u2713 Right to choose. " if right else "\u2717 Should not be chosen. "
                else:
                    mark = "\u2713 Right. " if right else "\u2717 Not this one. "
                self.set_feedback(feedback, mark + info["feedback"], "right" if right else "wrong")
            elif self.solutions:
                if info["correct"]:
                    mark = "Solution: this one is also correct. " if many else "Solution: this is the right answer. "
                    self.set_feedback(feedback, mark + info["feedback"], "answer")
                else:
                    self.set_feedback(feedback, info["feedback"], "other")
            else:
                self.set_feedback(feedback, "", "other")

    def number_solution(self, q):
        answer = number_text(q["answer"]) + (" " + q["unit"] if q["unit"] else "")
        if not q["tolerance"]:
            return "Solution: " + answer + "."
        low, high = number_text(q["answer"] - q["tolerance"]), number_text(q["answer"] + q["tolerance"])
        return "Solution: " + answer + " (anything from " + low + " to " + high + " counts)."

    def set_feedback(self, node, text, kind):
        node.textContent = text
        node.className = "feedback " + kind
        node.hidden = not text

    def solutions_clicked(self, event):
        if self.result is None:
            return
        self.solutions = not self.solutions
        self.check(report=False)

    def retry_clicked(self, event):
        self.attempt += 1
        self.result = None
        self.solutions = False
        if [q for q in self.quiz["questions"] if q.get("shuffle")]:
            self.render()  # a new attempt, a new order
        else:
            for entry in self.questions.values():
                self.clear_feedback(entry)
            self.fill({})
            self.score_line.textContent = ""
            for name in ("score", "max", "percent", "passed"):
                self.score_line.removeAttribute("data-" + name)
            self.score_line.className = ""
            self.show_buttons()
        self.message_line.textContent = "A fresh attempt: your earlier answers are cleared."
        self.save()
        first = self.first_input()
        if first is not None:
            first.focus()

    def show_buttons(self):
        checked = self.result is not None
        self.check_button.hidden = checked
        self.solutions_button.hidden = not checked
        self.retry_button.hidden = not checked
        self.solutions_button.textContent = "Hide solutions" if self.solutions else "Show solutions"
        self.solutions_button.setAttribute("aria-pressed", "true" if self.solutions else "false")

    def first_input(self):
        for entry in self.questions.values():
            if entry["inputs"]:
                return entry["inputs"][0][1]
        return None

    # ---- storage and reporting -----------------------------------------------------------------------------

    def save(self):
        if not self.storage or self.key is None:
            return
        key, text = self.key, quiz_mod.dump_state(self.collect(), self.result, self.attempt)
        guarded(lambda: window.localStorage.setItem(key, text), None, self.callback(self.storage_failed))

    def storage_failed(self, error):
        self.storage = False
        self.section.dataset.storage = "off"
        note = el("quiz-storage-note")
        if note is not None:
            note.hidden = False

    def start_lms(self):
        self.lms = lms_mod.LMS(JS_WINDOW)
        self.lms.start()

    def report(self, result):
        score, top, passed = result["score"], result["max"], result["passed"]
        if self.lms is not None and self.lms.found:
            guarded(lambda: self.lms.report(score, top, passed))
        guarded(lambda: lms_mod.post_result(JS_WINDOW, score, top, passed, to_js))

    def page_hidden(self, event):
        if self.lms is not None and self.lms.found:
            guarded(self.lms.commit)
            guarded(self.lms.finish)

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
