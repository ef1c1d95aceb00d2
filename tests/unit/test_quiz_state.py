"""Resume data for an LMS (cmi.suspend_data): compact, within SCORM 1.2's 4,096 characters, tied to the quiz's
version, and read back into the same answers. (Browser-storage state is tested in test_quiz.py.)"""

import json
from pathlib import Path

import pytest

from app import quiz, quiz_score, quiz_state

ROOT = Path(__file__).resolve().parents[2]
TEXT = (ROOT / "quiz.json").read_text(encoding="utf-8")
SHIPPED = quiz.parse(TEXT)
DIGEST = quiz_state.content_hash(TEXT)


def longest_answers(q):
    """Every choice ticked (a single question: its last choice), a number typed to the kept limit."""
    if q["type"] == "number":
        return "-" + "9" * (quiz_state.MAX_TYPED - 1)
    ids = [c["id"] for c in q["choices"]]
    return ids[-1] if q["type"] == "single" else ids


def test_round_trip_of_the_shipped_quiz_with_its_longest_answers():
    answers = {q["id"]: longest_answers(q) for q in SHIPPED["questions"]}
    data = quiz_state.dump_suspend(SHIPPED, DIGEST, answers, True, 3)
    assert len(data) <= quiz_state.SUSPEND_LIMIT
    assert quiz_state.load_suspend(data, SHIPPED, DIGEST) == {"answers": answers, "submitted": True, "attempt": 3}


def test_round_trip_of_ordinary_answers_keeps_typed_text_as_typed():
    answers = {"next-char": "a", "one-step": ["a", "c", "d"], "surprise-half": "0,7", "uniform-guess": "−4.17"}
    data = quiz_state.dump_suspend(SHIPPED, DIGEST, answers, False, 1)
    state = quiz_state.load_suspend(data, SHIPPED, DIGEST)
    assert state == {"answers": answers, "submitted": False, "attempt": 1}
    assert quiz_score.score(SHIPPED, state["answers"]) == quiz_score.score(SHIPPED, answers)


def large_quiz(n):
    questions = []
    for k in range(n):
        if k % 2:
            questions.append({"id": "number-question-%d" % k, "type": "number", "prompt": "?", "answer": 1})
        else:
            questions.append({"id": "choice-question-%d" % k, "type": "multiple", "prompt": "?", "choices": [
                {"id": "choice-%d" % c, "text": "x", "correct": c == 0} for c in range(30)]})
    return quiz.parse(json.dumps({"schema": 1, "id": "big", "title": "Big", "questions": questions}))


def test_a_large_quiz_stores_what_fits_and_never_comes_back_as_checked():
    big = large_quiz(300)
    answers = {q["id"]: longest_answers(q) for q in big["questions"]}
    data = quiz_state.dump_suspend(big, "abc", answers, True, 2)
    assert len(data) <= quiz_state.SUSPEND_LIMIT
    state = quiz_state.load_suspend(data, big, "abc")
    kept = [q["id"] for q in big["questions"] if q["id"] in state["answers"]]
    assert 0 < len(kept) < len(big["questions"])
    assert kept == [q["id"] for q in big["questions"][:len(kept)]]  # the first ones, in order
    assert all(state["answers"][qid] == answers[qid] for qid in kept)
    assert state["submitted"] is False and state["attempt"] == 2


def test_a_large_quiz_that_fits_is_kept_whole():
    big = large_quiz(100)
    answers = {q["id"]: longest_answers(q) for q in big["questions"]}
    data = quiz_state.dump_suspend(big, "abc", answers, True, 1)
    assert len(data) <= quiz_state.SUSPEND_LIMIT
    assert quiz_state.load_suspend(data, big, "abc")["answers"] == answers


def test_typed_text_past_the_limit_is_not_kept_and_quotes_survive():
    answers = {"surprise-half": "1" * (quiz_state.MAX_TYPED + 1), "uniform-guess": 'a "quoted" \\ answer'}
    state = quiz_state.load_suspend(quiz_state.dump_suspend(SHIPPED, DIGEST, answers, False, 1), SHIPPED, DIGEST)
    assert state["answers"] == {"uniform-guess": 'a "quoted" \\ answer'}


@pytest.mark.parametrize("data", [
    "", None, "junk", "[]", '["other-hash", 1, 0, []]', '["%s", 0, 0, []]' % DIGEST, '["%s", 1, 0, "x"]' % DIGEST,
    '["%s", 1, 0, [%s]]' % (DIGEST, ",".join(['"1"'] * 20)),
])
def test_unusable_suspend_data_is_ignored(data):
    assert quiz_state.load_suspend(data, SHIPPED, DIGEST) is None


def test_choices_that_no_longer_fit_the_question_are_dropped():
    data = '["%s", 1, 1, ["zz", "!", ""]]' % DIGEST  # a single question with two choices picked; not base 36
    assert quiz_state.load_suspend(data, SHIPPED, DIGEST) == {"answers": {}, "submitted": False, "attempt": 1}
