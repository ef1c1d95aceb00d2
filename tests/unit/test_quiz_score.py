"""What the page says about a checked quiz: verdicts, number feedback, choice feedback and the score line.
(The scoring itself is tested in test_quiz.py.)"""

import json

import pytest

from app import quiz, quiz_schema, quiz_score

QUIZ = quiz.parse(json.dumps({"schema": 1, "id": "t", "title": "T", "pass_percent": 70, "questions": [
    {"id": "s", "type": "single", "prompt": "Pick", "points": 2, "choices": [
        {"id": c, "text": c, "correct": c == "b", "feedback": "fb " + c} for c in "abc"]},
    {"id": "m", "type": "multiple", "prompt": "Some", "choices": [
        {"id": c, "text": c, "correct": c in "ac", "feedback": "fb " + c} for c in "abcd"]},
    {"id": "n", "type": "number", "prompt": "How much?", "answer": 0.693, "tolerance": 0.01, "unit": "nats"},
    {"id": "e", "type": "number", "prompt": "Exactly?", "answer": 65, "points": 1.5},
]}))
Q = {q["id"]: q for q in QUIZ["questions"]}


def outcome(qid, answer):
    return quiz_score.score_question(Q[qid], answer)


@pytest.mark.parametrize("qid, answer, text", [
    ("s", None, "Not answered: 0 of 2 points."),
    ("s", "b", "\u2713 Correct: 2 of 2 points."),
    ("s", "a", "\u2717 Not quite: 0 of 2 points."),
    ("m", ["a"], "\u2717 Not quite: 0 of 1 point. All you chose is right, but a true one is missing."),
    ("m", ["a", "b"], "\u2717 Not quite: 0 of 1 point."),
    ("e", "65", "\u2713 Correct: 1.5 of 1.5 points."),
])
def test_question_verdict(qid, answer, text):
    assert quiz_score.question_verdict(Q[qid], outcome(qid, answer)) == text


@pytest.mark.parametrize("answer, solutions, text", [
    ("0,69", False, "You answered 0.69."),
    ("0.8", False, "You answered 0.8: that is outside the accepted range."),
    ("abc", False, "That is not a number we can read; write it like 0.69."),
    (None, False, ""),
    (None, True, "Solution: 0.693 nats (anything from 0.683 to 0.703 counts)."),
    ("0.8", True, "You answered 0.8: that is outside the accepted range. Solution: 0.693 nats (anything from 0.683 "
                  "to 0.703 counts)."),
])
def test_number_feedback(answer, solutions, text):
    assert quiz_score.number_feedback(Q["n"], outcome("n", answer), solutions) == text


def test_number_solution_without_tolerance_has_no_range():
    assert quiz_score.number_solution(Q["e"]) == "Solution: 65."


def test_choice_feedback_for_single_and_multiple_with_and_without_solutions():
    single = outcome("s", "a")["choices"]
    assert quiz_score.choice_feedback(Q["s"], single["a"], False) == ("\u2717 Not this one. fb a", "wrong")
    assert quiz_score.choice_feedback(Q["s"], single["b"], False) == ("", "other")
    assert quiz_score.choice_feedback(Q["s"], single["b"], True) == ("Solution: this is the right answer. fb b",
                                                                      "answer")
    assert quiz_score.choice_feedback(Q["s"], single["c"], True) == ("Not the answer. fb c", "other")
    many = outcome("m", ["a", "b"])["choices"]
    assert quiz_score.choice_feedback(Q["m"], many["a"], False) == ("\u2713 Right to choose. fb a", "right")
    assert quiz_score.choice_feedback(Q["m"], many["b"], False) == ("\u2717 Should not be chosen. fb b", "wrong")
    assert quiz_score.choice_feedback(Q["m"], many["c"], True) == ("Solution: this one is also correct. fb c",
                                                                    "answer")
    assert quiz_score.choice_feedback(Q["m"], many["d"], True) == ("Rightly left out. fb d", "other")
    right = outcome("s", "b")["choices"]["b"]
    assert quiz_score.choice_feedback(Q["s"], right, True) == ("\u2713 Right. fb b", "right")


def test_score_text_and_message():
    passed = quiz_score.score(QUIZ, {"s": "b", "m": ["a", "c"], "n": "0.69", "e": "1"})
    assert quiz_score.score_text(passed) == "Your score: 4 / 5.5, 73%. Passed."
    assert quiz_score.checked_message(QUIZ, passed) == ("Read the feedback under each question, show the solutions, "
                                                        "or try again.")
    failed = quiz_score.score(QUIZ, {"s": "b"})
    assert quiz_score.score_text(failed) == "Your score: 2 / 5.5, 36%. Not passed yet: the pass mark is 70%."
    assert quiz_score.checked_message(QUIZ, failed).startswith("3 questions left unanswered counted as wrong. ")


@pytest.mark.parametrize("x, text", [(5, "5"), (2.5, "2.5"), (0.693, "0.693"), (1e-7, "1e-07"), (100.0, "100")])
def test_number_text(x, text):
    assert quiz_schema.number_text(x) == text


def test_plural():
    assert quiz_score.plural(1, "point") == "1 point"
    assert quiz_score.plural(1.5, "point") == "1.5 points"
    assert quiz_score.plural(0, "question") == "0 questions"
