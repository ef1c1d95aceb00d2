"""Scoring the quiz, and the words the page shows for a result: pure functions, so CPython tests reach them.

Runs unchanged in CPython and in the page's MicroPython (plain functions, dicts and lists).

    result = score(quiz, {"q1": "b", "q2": ["a", "c"], "q3": "4,17"})
    summary(result)                       # "2 / 3, 67%"
    question_verdict(q, result["questions"]["q1"])   # "✓ Correct: 1 of 1 point."
"""
import math

from app.quiz_schema import is_number, number_text


def plural(n, word):
    """"1 point", "2.5 points"."""
    return number_text(n) + " " + word + ("" if n == 1 else "s")


def parse_number(value):
    """A learner's typed number as a float, or None if it is not one.

    Accepts "4.17", "4,17" (decimal comma), " -0.5 ", "−0.5" (Unicode minus), "1e3" and plain
    numbers. Thousands separators are not accepted: "1,234" reads as 1.234, the decimal-comma way.
    """
    if is_number(value):
        return float(value)
    if type(value) is not str:
        return None
    t = value.strip().replace("\u2212", "-").replace(",", ".")
    i = 1 if t[:1] in ("-", "+") else 0
    mantissa_end = i
    while mantissa_end < len(t) and t[mantissa_end] in "0123456789.":
        mantissa_end += 1
    mantissa = t[i:mantissa_end]
    if mantissa.count(".") > 1 or mantissa.replace(".", "") == "":
        return None
    exponent = t[mantissa_end:]
    if exponent:
        digits = exponent[2:] if exponent[1:2] in ("-", "+") else exponent[1:]
        if exponent[0] not in "eE" or digits == "" or digits.strip("0123456789") != "":
            return None
    x = float(t)
    return x if x - x == 0 else None


def chosen_ids(question, answer):
    """The choice ids an answer picks, in its order, that exist in the question (others are ignored)."""
    ids = [c["id"] for c in question["choices"]]
    if type(answer) is str:
        answer = [answer]
    if type(answer) is not list and type(answer) is not tuple:
        return []
    chosen = []
    for a in answer:
        if a in ids and a not in chosen:  # choices that no longer exist are ignored
            chosen.append(a)
    return chosen


def score_question(question, answer):
    """One question's result: {"type", "answered", "correct", "points", "max", "value", "choices"}.

    "points" is what was earned (all or nothing), "max" what the question is worth, "value" the
    number read from a number answer (else None), "choices" {choice_id: {"chosen", "correct",
    "feedback"}} for choice questions ({} for number questions).
    """
    result = {"type": question["type"], "max": question["points"], "value": None, "choices": {}}
    if question["type"] == "number":
        typed = answer.strip() != "" if type(answer) is str else is_number(answer)
        value = parse_number(answer)
        # a hair of slack so a bound typed exactly (4.12 for 4.17 +/- 0.05) counts despite float rounding
        slack = 1e-9 * max(1.0, abs(question["answer"]))
        correct = value is not None and abs(value - question["answer"]) <= question["tolerance"] + slack
        result["answered"] = typed
        result["value"] = value
    else:
        chosen = chosen_ids(question, answer)
        right = [c["id"] for c in question["choices"] if c["correct"]]
        correct = len(chosen) == len(right) and not [c for c in chosen if c not in right]
        result["answered"] = len(chosen) > 0
        for c in question["choices"]:
            result["choices"][c["id"]] = {"chosen": c["id"] in chosen, "correct": c["correct"],
                                          "feedback": c["feedback"]}
    result["correct"] = correct
    result["points"] = question["points"] if correct else 0
    return result


def percent(earned, total):
    """100 * earned / total rounded half up to an int (5 of 8 -> 63), the same in every Python."""
    if total <= 0:
        return 0
    return int(math.floor(100.0 * earned / total + 0.5 + 1e-9))


def score(quiz, answers):
    """Score a parsed quiz against answers {question_id: choice id | [choice ids] | typed number}.

    Returns {"score", "max", "percent", "passed", "pass_percent", "answered", "questions"}:
    "score" and "max" in points, "percent" rounded half up, "passed" when the exact percentage
    reaches pass_percent, "answered" the count of answered questions, and "questions"
    {question_id: score_question(...)}. Unknown question ids in answers are ignored.
    """
    answers = answers or {}
    earned = 0
    total = 0
    answered = 0
    questions = {}
    for q in quiz["questions"]:
        r = score_question(q, answers.get(q["id"]))
        questions[q["id"]] = r
        earned += r["points"]
        total += r["max"]
        answered += 1 if r["answered"] else 0
    return {
        "score": earned,
        "max": total,
        "percent": percent(earned, total),
        # compare the exact fraction, not the rounded percent: 69.6% shows as 70% but is not 70%
        "passed": total > 0 and 100.0 * earned >= quiz["pass_percent"] * total - 1e-9 * total,
        "pass_percent": quiz["pass_percent"],
        "answered": answered,
        "questions": questions,
    }


def summary(result):
    """The score as text: "5 / 8, 63%"."""
    return number_text(result["score"]) + " / " + number_text(result["max"]) + ", " + str(result["percent"]) + "%"


# ---------------------------------------------------------------------------------------------
# What the page says about a result

def score_text(result):
    """The score line: "Your score: 5 / 8, 63%. Not passed yet: the pass mark is 70%."."""
    verdict = ("Passed." if result["passed"]
               else "Not passed yet: the pass mark is " + number_text(result["pass_percent"]) + "%.")
    return "Your score: " + summary(result) + ". " + verdict


def checked_message(quiz, result):
    """The line under the score: unanswered questions, and what to do next."""
    unanswered = len(quiz["questions"]) - result["answered"]
    return ((plural(unanswered, "question") + " left unanswered counted as wrong. " if unanswered else "")
            + "Read the feedback under each question, show the solutions, or try again.")


def question_verdict(question, outcome):
    """The verdict line under one checked question."""
    worth = plural(outcome["max"], "point")
    if not outcome["answered"]:
        return "Not answered: 0 of " + worth + "."
    if outcome["correct"]:
        return "\u2713 Correct: " + number_text(outcome["points"]) + " of " + worth + "."
    if question["type"] == "multiple" and not [c for c in outcome["choices"].values()
                                               if c["chosen"] and not c["correct"]]:
        return "\u2717 Not quite: 0 of " + worth + ". All you chose is right, but a true one is missing."
    return "\u2717 Not quite: 0 of " + worth + "."


def number_solution(question):
    """The solution line: "Solution: 0.693 nats (anything from 0.683 to 0.703 counts)."."""
    answer = number_text(question["answer"]) + (" " + question["unit"] if question["unit"] else "")
    if not question["tolerance"]:
        return "Solution: " + answer + "."
    low = number_text(question["answer"] - question["tolerance"])
    high = number_text(question["answer"] + question["tolerance"])
    return "Solution: " + answer + " (anything from " + low + " to " + high + " counts)."


def number_feedback(question, outcome, solutions):
    """The feedback under a checked number question (with the solution when solutions are shown)."""
    if outcome["answered"] and outcome["value"] is None:
        note = "That is not a number we can read; write it like 0.69."
    elif outcome["answered"]:
        note = "You answered " + number_text(outcome["value"]) + ("." if outcome["correct"]
                                                                   else ": that is outside the accepted range.")
    else:
        note = ""
    if solutions:
        note += (" " if note else "") + number_solution(question)
    return note


def choice_feedback(question, info, solutions):
    """(text, kind) under one choice of a checked question; kind is "right", "wrong", "answer" or "other".

    info is score_question(...)["choices"][choice_id].
    """
    many = question["type"] == "multiple"
    if info["chosen"]:
        if many:
            mark = "\u2713 Right to choose. " if info["correct"] else "\u2717 Should not be chosen. "
        else:
            mark = "\u2713 Right. " if info["correct"] else "\u2717 Not this one. "
        return mark + info["feedback"], "right" if info["correct"] else "wrong"
    if solutions and info["correct"]:
        mark = "Solution: this one is also correct. " if many else "Solution: this is the right answer. "
        return mark + info["feedback"], "answer"
    if solutions:  # neither chosen nor correct: say so, since the feedback itself need not (the page marks it)
        mark = "Rightly left out. " if many else "Not the answer. "
        return mark + info["feedback"], "other"
    return "", "other"
