"""The quiz form on the page (MicroPython, main thread): its questions, feedback and buttons. DOM only; what to
say comes from quiz_score.py and the choice order from quiz_state.py. quiz_view.py loads the quiz, saves and
reports; this module draws.

Hooks that tests and authors rely on: each question is a fieldset[data-question-id]; choice inputs carry value =
the choice id; a number question has one input; #quiz-check, #quiz-solutions, #quiz-retry; #quiz-score gets
data-score, data-max, data-percent and data-passed once checked.
"""

from pyscript import document

from app import quiz_score, quiz_state
from app.dom import clear, make, on
from app.quiz_schema import number_text


def render_question(q, number, count, attempt):
    """One question as a fieldset; returns its entry {"fieldset", "question", "inputs", "verdict", "explanation"},
    inputs being (choice id or None, input, feedback node) in display order."""
    qid = q["id"]
    base = "quiz-q-" + qid
    box = make("fieldset", "question", None, id=base, data_question_id=qid, data_type=q["type"])
    legend = make("legend")
    legend.append(make("span", "q-kicker", "Question " + str(number) + " of " + str(count) + " \u00b7 "
                       + quiz_score.plural(q["points"], "point")))
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
        box.append(make("p", "hint", "A decimal point or a decimal comma both work: 0.5 or 0,5.", id=base + "-hint"))
        feedback = make("p", "feedback", None, id=base + "-feedback")
        box.append(feedback)
        entry["inputs"].append((None, field, feedback))
    else:
        kind = "radio" if q["type"] == "single" else "checkbox"
        choices = make("div", "choices")
        for c in quiz_state.shuffled_choices(q, attempt):
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
    clear_feedback(entry)
    return entry


def set_feedback(node, text, kind):
    node.textContent = text
    node.className = ("feedback " + kind) if kind else "feedback"
    node.hidden = not text


def clear_feedback(entry):
    """Back to an unchecked question: no feedback, inputs editable."""
    for _, field, feedback in entry["inputs"]:
        set_feedback(feedback, "", "")
        field.disabled = False
        field.readOnly = False
    entry["verdict"].textContent = ""
    entry["verdict"].hidden = True
    clear(entry["explanation"])
    entry["explanation"].hidden = True
    entry["fieldset"].removeAttribute("aria-describedby")
    entry["fieldset"].removeAttribute("data-correct")
    for item in entry["fieldset"].querySelectorAll(".choice"):
        item.classList.remove("is-chosen", "is-answer", "is-right", "is-wrong")


def show_outcome(entry, outcome, solutions):
    """Show one checked question: verdict, explanation, and feedback under the number or each choice."""
    q = entry["question"]
    base = "quiz-q-" + q["id"]
    box = entry["fieldset"]
    box.dataset.correct = "true" if outcome["correct"] else "false"
    entry["verdict"].textContent = quiz_score.question_verdict(q, outcome)
    entry["verdict"].className = "verdict " + ("right" if outcome["correct"] else "wrong")
    entry["verdict"].hidden = False
    if q["explanation"]:
        explanation = entry["explanation"]
        clear(explanation)
        explanation.append(make("strong", None, "Why: "))
        explanation.append(document.createTextNode(q["explanation"]))
        explanation.hidden = False
        box.setAttribute("aria-describedby", base + "-verdict " + base + "-explanation")
    else:
        box.setAttribute("aria-describedby", base + "-verdict")
    if q["type"] == "number":
        _, field, feedback = entry["inputs"][0]
        field.readOnly = True
        set_feedback(feedback, quiz_score.number_feedback(q, outcome, solutions),
                     "right" if outcome["correct"] else "wrong")
        return
    for cid, field, feedback in entry["inputs"]:
        info = outcome["choices"][cid]
        field.disabled = True
        item = field.closest(".choice")
        item.classList.toggle("is-chosen", info["chosen"])
        item.classList.toggle("is-answer", solutions and info["correct"])
        if info["chosen"]:
            item.classList.toggle("is-right", info["correct"])
            item.classList.toggle("is-wrong", not info["correct"])
        text, kind = quiz_score.choice_feedback(q, info, solutions)
        set_feedback(feedback, text, kind)


def collect(entries):
    """The answers on the page, as quiz_score.score wants them (unanswered questions left out)."""
    answers = {}
    for qid, entry in entries.items():
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


def fill(entries, answers):
    """Put answers ({question id: answer}) into the inputs; questions without one are emptied."""
    for qid, entry in entries.items():
        answer = answers.get(qid)
        if entry["question"]["type"] == "number":
            entry["inputs"][0][1].value = "" if answer is None else str(answer)
        else:
            chosen = [answer] if type(answer) is str else (answer or [])
            for cid, field, _ in entry["inputs"]:
                field.checked = cid in chosen


class QuizForm:
    """The whole form: intro, questions, score line and buttons. on_button(name, event) gets "check",
    "solutions" and "retry" clicks; shielded(fn) wraps a handler so a Python error is shown, not raised."""

    def __init__(self, body, quiz, attempt, storage, shielded, on_button):
        self.body, self.quiz = body, quiz
        self.entries = {}  # question id -> render_question(...) entry
        clear(body)
        total = 0
        for q in quiz["questions"]:
            total += q["points"]
        if quiz["intro"]:
            body.append(make("p", "quiz-intro", quiz["intro"]))
        body.append(make("p", "quiz-meta", quiz_score.plural(len(quiz["questions"]), "question") + " \u00b7 "
                         + quiz_score.plural(total, "point") + " \u00b7 pass mark " + number_text(quiz["pass_percent"])
                         + "%"))
        self.storage_note = make("p", "quiz-note", "Your answers cannot be kept in this browser (it blocks storage "
                                 "for this page), so they will be gone when you leave.", id="quiz-storage-note")
        self.storage_note.hidden = storage
        body.append(self.storage_note)
        count = len(quiz["questions"])
        for n, q in enumerate(quiz["questions"]):
            entry = render_question(q, n + 1, count, attempt)
            self.entries[q["id"]] = entry
            body.append(entry["fieldset"])
        result = make("div", "quiz-result", id="quiz-result", role="status", aria_live="polite")
        self.score_line = make("p", None, None, id="quiz-score", tabindex="-1")
        self.message_line = make("p", "quiz-message", None, id="quiz-message")
        result.append(self.score_line)
        result.append(self.message_line)
        body.append(result)
        actions = make("div", "quiz-actions")
        self.buttons = {
            "check": make("button", "primary", "Check answers", type="button", id="quiz-check"),
            "solutions": make("button", None, "Show solutions", type="button", id="quiz-solutions",
                              aria_pressed="false"),
            "retry": make("button", None, "Try again", type="button", id="quiz-retry"),
        }
        for name in ("check", "solutions", "retry"):
            on(self.buttons[name], "click", shielded(self._clicked(on_button, name)))
            actions.append(self.buttons[name])
        body.append(actions)
        self.show_buttons(False, False)

    def _clicked(self, on_button, name):
        return lambda event: on_button(name, event)

    def show_result(self, result, solutions):
        """Show a checked attempt: every question's outcome, the score line and what to do next."""
        for qid, entry in self.entries.items():
            show_outcome(entry, result["questions"][qid], solutions)
        line = self.score_line
        line.textContent = quiz_score.score_text(result)
        line.dataset.score = number_text(result["score"])
        line.dataset.max = number_text(result["max"])
        line.dataset.percent = str(result["percent"])
        line.dataset.passed = "true" if result["passed"] else "false"
        line.className = "passed" if result["passed"] else "failed"
        self.message_line.textContent = quiz_score.checked_message(self.quiz, result)
        self.show_buttons(True, solutions)

    def reset(self):
        """An unchecked, empty form (same choice order)."""
        for entry in self.entries.values():
            clear_feedback(entry)
        fill(self.entries, {})
        self.score_line.textContent = ""
        for name in ("score", "max", "percent", "passed"):
            self.score_line.removeAttribute("data-" + name)
        self.score_line.className = ""
        self.show_buttons(False, False)

    def show_buttons(self, checked, solutions):
        self.buttons["check"].hidden = checked
        self.buttons["solutions"].hidden = not checked
        self.buttons["retry"].hidden = not checked
        self.buttons["solutions"].textContent = "Hide solutions" if solutions else "Show solutions"
        self.buttons["solutions"].setAttribute("aria-pressed", "true" if solutions else "false")

    def first_input(self):
        for entry in self.entries.values():
            if entry["inputs"]:
                return entry["inputs"][0][1]
        return None
