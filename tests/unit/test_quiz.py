"""The quiz: the shipped quiz.json, the bytes-to-verdict rule, validation, scoring and saved state."""

import json
import math
from pathlib import Path

import pytest

from app import quiz, quiz_schema, quiz_score, quiz_state

ROOT = Path(__file__).resolve().parents[2]
QUIZ_TEXT = (ROOT / "quiz.json").read_text(encoding="utf-8")


def make(questions, **top):
    """A quiz dict with sensible top-level fields; pass overrides as keywords."""
    data = {"schema": 1, "id": "t", "title": "T", "questions": questions}
    data.update(top)
    return data


def single(qid="s", correct="b", **extra):
    q = {"id": qid, "type": "single", "prompt": "Pick one",
         "choices": [{"id": c, "text": c.upper(), "correct": c == correct, "feedback": "fb " + c} for c in "abc"]}
    q.update(extra)
    return q


def multiple(qid="m", correct=("a", "c"), **extra):
    q = {"id": qid, "type": "multiple", "prompt": "Pick some",
         "choices": [{"id": c, "text": c.upper(), "correct": c in correct} for c in "abcd"]}
    q.update(extra)
    return q


def number(qid="n", answer=4.17, tolerance=0.05, **extra):
    q = {"id": qid, "type": "number", "prompt": "How much?", "answer": answer, "tolerance": tolerance}
    q.update(extra)
    return q


def parsed(*questions, **top):
    return quiz.parse(json.dumps(make(list(questions), **top)))


# ---- the shipped quiz -------------------------------------------------------------------------------------------

def test_shipped_quiz_is_valid_and_covers_the_module():
    q = quiz.parse(QUIZ_TEXT)
    types = [x["type"] for x in q["questions"]]
    assert len(types) >= 8
    assert set(types) == {"single", "multiple", "number"}
    for question in q["questions"]:
        assert question["explanation"].strip(), question["id"]
        for choice in question.get("choices", []):
            assert choice["feedback"].strip(), (question["id"], choice["id"])


def test_shipped_uniform_guess_question_accepts_ln_65():
    q = quiz.parse(QUIZ_TEXT)
    (question,) = [x for x in q["questions"] if x["type"] == "number" and "65" in x["prompt"]]
    typed = "%.2f" % math.log(65)
    assert quiz_score.score_question(question, typed)["correct"]
    assert quiz_score.score_question(question, typed.replace(".", ","))["correct"]
    assert not quiz_score.score_question(question, "%.2f" % math.log2(65))["correct"]  # bits, not nats
    assert not quiz_score.score_question(question, "%.2f" % math.log(60))["correct"]


def test_shipped_quiz_full_marks_with_the_correct_answers():
    q = quiz.parse(QUIZ_TEXT)
    answers = {}
    for question in q["questions"]:
        if question["type"] == "number":
            answers[question["id"]] = str(question["answer"])
        else:
            right = [c["id"] for c in question["choices"] if c["correct"]]
            answers[question["id"]] = right[0] if question["type"] == "single" else right
    result = quiz_score.score(q, answers)
    assert result["score"] == result["max"] and result["percent"] == 100 and result["passed"]


def test_quiz_error_is_a_value_error_listing_problems():
    err = quiz.QuizError(["one", "two"])
    assert isinstance(err, ValueError)
    assert err.problems == ["one", "two"] and str(err) == "one\ntwo"


# ---- validation -------------------------------------------------------------------------------------------------

def test_a_good_quiz_has_no_problems():
    assert quiz_schema.validate(make([single(), multiple(), number()])) == []


def problems_of(data):
    return "\n".join(quiz_schema.validate(data))


@pytest.mark.parametrize("change, expected", [
    (lambda d: d.pop("schema"), 'schema: missing; add "schema": 1'),
    (lambda d: d.update(schema=2), "schema: this code reads schema 1, found 2"),
    (lambda d: d.pop("title"), "title: missing"),
    (lambda d: d.update(title="  "), 'title: must be non-empty text, found "  "'),
    (lambda d: d.pop("id"), 'quiz: missing "id"'),
    (lambda d: d.update(id="module 6"), 'quiz: id "module 6" may use only letters, digits, - and _'),
    (lambda d: d.update(pass_percent=101), "pass_percent: must be a number from 0 to 100, found 101"),
    (lambda d: d.update(pass_percent="70"), 'pass_percent: must be a number from 0 to 100, found "70"'),
    (lambda d: d.update(pass_percent=True), "pass_percent: must be a number from 0 to 100, found true"),
    (lambda d: d.update(shuffle="yes"), 'shuffle: must be true or false, found "yes"'),
    (lambda d: d.update(questions=[]), "questions: the list is empty"),
    (lambda d: d.pop("questions"), "questions: missing"),
    (lambda d: d.update(titel="x"), 'quiz: unknown key "titel" (did you mean "title"?)'),
])
def test_top_level_problems(change, expected):
    data = make([single()])
    change(data)
    assert expected in problems_of(data)


@pytest.mark.parametrize("question, expected", [
    (single(correct="z"), 'questions[0] (id "s"): a "single" question needs exactly one correct choice, found 0'),
    (single(choices=[{"id": "a", "text": "A", "correct": True}, {"id": "b", "text": "B", "correct": True}]),
     'questions[0] (id "s"): a "single" question needs exactly one correct choice, found 2'),
    (multiple(correct=()), 'a "multiple" question needs at least one correct choice, found 0'),
    (single(choices=[{"id": "a", "text": "A", "correct": True}]), "needs at least 2 choices, found 1"),
    (single(choices=None), 'a "single" question needs "choices"'),
    (single(choices=[{"id": "a", "text": "A", "correct": True}, {"id": "a", "text": "B"}]),
     'choices[1] (id "a"): the id "a" is already used by choices[0] of this question'),
    (single(choices=[{"id": "a", "text": "A", "correct": "true"}, {"id": "b", "text": "B", "correct": True}]),
     'choices[0] (id "a"): "correct" must be true or false (no quotes), found "true"'),
    (single(choices=[{"id": "a", "text": "A", "corect": True}, {"id": "b", "text": "B", "correct": True}]),
     'choices[0] (id "a"): unknown key "corect" (did you mean "correct"?)'),
    (single(choices=[{"text": "A", "correct": True}, {"id": "b", "text": ""}]),
     'questions[0] (id "s").choices[0]: missing "id"'),
    (single(choices=[{"id": "a", "text": "A", "correct": True}, {"id": "b", "text": ""}]),
     'choices[1] (id "b"): "text" must be non-empty text, found ""'),
    (single(type="singel"),
     'unknown type "singel" (did you mean "single"?); use one of "single", "multiple", "number"'),
    (single(type=None), 'missing "type"'),
    (single(prompt=""), '"prompt" must be non-empty text'),
    (single(points=0), '"points" must be a number above 0, found 0'),
    (single(points="2"), '"points" must be a number above 0, found "2"'),
    (single(explanation=3), '"explanation" must be text, found 3'),
    (number(answer="4.17"), '"answer" must be a number without quotes, like 4.17, found "4.17"'),
    ({"id": "n", "type": "number", "prompt": "?"}, 'a "number" question needs "answer"'),
    (number(tolerance=-0.1), '"tolerance" must be a number of 0 or more, found -0.1'),
    (number(choices=[]), '"choices" belongs to "single" and "multiple" questions, not to a "number" one'),
    (single(answer=1), '"answer" belongs to "number" questions, not to a "single" one'),
    (single(id=""), '"id" must be a non-empty string'),
])
def test_question_problems(question, expected):
    assert expected in problems_of(make([question]))


def test_duplicate_question_ids_name_both_places():
    text = problems_of(make([single("q1"), number("q2"), multiple("q1")]))
    assert 'questions[2] (id "q1"): the id "q1" is already used by questions[0]' in text


def test_every_problem_is_reported_not_just_the_first():
    data = make([single(correct="z"), number(tolerance=-1), multiple(type="multi")], schema=3, pass_percent=-5)
    problems = quiz_schema.validate(data)
    assert len(problems) == 5
    with pytest.raises(quiz.QuizError) as err:
        quiz.parse(json.dumps(data))
    assert err.value.problems == problems


def test_comment_keys_are_allowed_and_dropped():
    data = make([single(_note="why b")], _author="someone")
    assert quiz_schema.validate(data) == []
    q = quiz.parse(json.dumps(data))
    assert "_author" not in q and "_note" not in q["questions"][0]


def test_not_an_object():
    assert quiz_schema.validate([1, 2]) == ["quiz: the file must hold one JSON object { ... }, found a list"]


def test_parse_fills_defaults():
    q = parsed(single(), number(tolerance=0), shuffle=True)
    assert q["pass_percent"] == quiz_schema.DEFAULT_PASS_PERCENT and q["intro"] == ""
    s, n = q["questions"]
    assert s["points"] == 1 and s["explanation"] == "" and s["shuffle"] is True
    assert n["tolerance"] == 0 and n["unit"] == ""
    assert parsed(single(shuffle=False), shuffle=True)["questions"][0]["shuffle"] is False


# ---- scoring ----------------------------------------------------------------------------------------------------

def test_single_choice_scoring_and_feedback():
    q = parsed(single(correct="b"))
    right = quiz_score.score(q, {"s": "b"})["questions"]["s"]
    assert right["correct"] and right["answered"] and right["points"] == 1
    assert right["choices"]["b"] == {"chosen": True, "correct": True, "feedback": "fb b"}
    assert right["choices"]["a"] == {"chosen": False, "correct": False, "feedback": "fb a"}
    wrong = quiz_score.score(q, {"s": "a"})["questions"]["s"]
    assert not wrong["correct"] and wrong["answered"] and wrong["points"] == 0
    for answer in (None, "zz", 3):
        blank = quiz_score.score(q, {"s": answer})["questions"]["s"]
        assert not blank["answered"] and not blank["correct"]


def test_multiple_choice_is_all_or_nothing():
    q = parsed(multiple(correct=("a", "c"), points=2))
    assert quiz_score.score(q, {"m": ["c", "a"]})["score"] == 2
    assert quiz_score.score(q, {"m": ["a"]})["score"] == 0
    assert quiz_score.score(q, {"m": ["a", "b", "c"]})["score"] == 0
    assert quiz_score.score(q, {"m": ["a", "c", "gone"]})["score"] == 2  # a choice that no longer exists is ignored
    assert not quiz_score.score(q, {"m": []})["questions"]["m"]["answered"]


@pytest.mark.parametrize("typed, correct", [
    ("4.17", True), ("4,17", True), (" 4.12 ", True), ("4.22", True), (4.2, True), (4, False),
    ("4.11", False), ("4.23", False), ("−4.17", False), ("417e-2", True), ("4.17 nats", False), ("abc", False),
])
def test_number_answers_within_the_tolerance(typed, correct):
    result = quiz_score.score(parsed(number(answer=4.17, tolerance=0.05)), {"n": typed})["questions"]["n"]
    assert result["correct"] is correct
    assert result["answered"]


def test_number_answer_that_is_not_a_number_is_answered_but_wrong_and_blank_is_unanswered():
    q = parsed(number())
    bad = quiz_score.score(q, {"n": "four"})["questions"]["n"]
    assert bad["answered"] and bad["value"] is None and not bad["correct"]
    for blank in ("", "   ", None, True):
        assert not quiz_score.score(q, {"n": blank})["questions"]["n"]["answered"]


def test_exact_number_question():
    q = parsed(number(answer=65, tolerance=0))
    assert quiz_score.score(q, {"n": "65"})["score"] == 1
    assert quiz_score.score(q, {"n": "65.01"})["score"] == 0


@pytest.mark.parametrize("text, value", [
    ("4,17", 4.17), (" -0.5 ", -0.5), ("\u22120.5", -0.5), ("+2", 2.0), (".5", 0.5), ("5.", 5.0),
    ("1e3", 1000.0), ("1,234", 1.234), ("1.2.3", None), ("1 000", None), ("", None), ("-", None),
    ("inf", None), ("nan", None), ("1e", None), ("1e999", None), ("0x10", None), ("4_17", None),
])
def test_parse_number(text, value):
    assert quiz_score.parse_number(text) == value


def test_points_percent_pass_and_summary():
    q = parsed(*[single("q%d" % i) for i in range(8)], pass_percent=60)
    answers = {"q%d" % i: "b" for i in range(5)}
    result = quiz_score.score(q, answers)
    assert (result["score"], result["max"], result["percent"], result["passed"]) == (5, 8, 63, True)
    assert result["answered"] == 5 and result["pass_percent"] == 60
    assert quiz_score.summary(result) == "5 / 8, 63%"


def test_pass_mark_compares_the_exact_fraction_not_the_rounded_percent():
    # 6.96 of 10 points shows as 70% but is below a 70% pass mark
    q = parsed(single("a", points=6.96), single("b", points=3.04), pass_percent=70)
    result = quiz_score.score(q, {"a": "b"})
    assert result["percent"] == 70 and not result["passed"]
    assert quiz_score.score(parsed(single("a", points=7), single("b", points=3), pass_percent=70), {"a": "b"})["passed"]


def test_weighted_points_and_fractional_summary():
    q = parsed(single("a", points=2.5), number("b", points=1), multiple("c", points=0.5))
    result = quiz_score.score(q, {"a": "b", "c": ["a", "c"]})
    assert result["score"] == 3 and result["max"] == 4
    assert quiz_score.summary(quiz_score.score(q, {"a": "b"})) == "2.5 / 4, 63%"


def test_unknown_answers_are_ignored():
    q = parsed(single())
    assert quiz_score.score(q, {"nope": "b"})["answered"] == 0


# ---- hashing, shuffling and saved state -------------------------------------------------------------------------

def test_content_hash_changes_with_content_not_line_endings():
    h = quiz_state.content_hash(QUIZ_TEXT)
    assert len(h) == 12 and int(h, 16) >= 0
    assert quiz_state.content_hash(QUIZ_TEXT.replace("\n", "\r\n")) == h
    assert quiz_state.content_hash(QUIZ_TEXT.replace("4.174", "4.175")) != h
    q = quiz.parse(QUIZ_TEXT)
    assert quiz_state.storage_key(q, QUIZ_TEXT) == "charlm-quiz/" + q["id"] + "/" + h


def test_shuffle_is_a_deterministic_permutation_per_seed():
    q = parsed(single("x", shuffle=True))["questions"][0]
    ids = [c["id"] for c in q["choices"]]
    orders = set()
    for seed in range(40):
        order = [c["id"] for c in quiz_state.shuffled_choices(q, seed)]
        assert sorted(order) == sorted(ids)
        assert order == [c["id"] for c in quiz_state.shuffled_choices(q, seed)]
        orders.add(tuple(order))
    assert len(orders) == 6  # all 3! orders turn up over 40 seeds
    assert [c["id"] for c in q["choices"]] == ids  # the question itself is not reordered


def test_no_shuffle_keeps_file_order_and_questions_differ():
    q = parsed(single("x"), single("y", shuffle=True), single("z", shuffle=True))
    x, y, z = q["questions"]
    assert [c["id"] for c in quiz_state.shuffled_choices(x, 7)] == ["a", "b", "c"]
    def order(question, seed):
        return [c["id"] for c in quiz_state.shuffled_choices(question, seed)]
    differ = [seed for seed in range(20) if order(y, seed) != order(z, seed)]
    assert differ  # the question id is part of the seed


def test_saved_state_round_trip():
    q = parsed(single(), multiple(), number())
    answers = {"s": "b", "m": ["a", "c"], "n": "4,17"}
    state = quiz_state.load_state(quiz_state.dump_state(answers, quiz_score.score(q, answers), attempt=3), q)
    assert state == {"answers": answers, "submitted": True, "attempt": 3}
    unsent = quiz_state.load_state(quiz_state.dump_state(answers), q)
    assert unsent["submitted"] is False and unsent["attempt"] == 1


def test_saved_state_drops_what_no_longer_exists():
    old = parsed(single(), multiple(), number(), single("gone"))
    saved = quiz_state.dump_state({"s": "b", "m": ["a", "d"], "n": 4.2, "gone": "a"}, None)
    new = parsed(single(), multiple(choices=[{"id": "a", "text": "A", "correct": True},
                                             {"id": "b", "text": "B"}]), number())
    assert quiz_state.load_state(saved, old)["answers"]["gone"] == "a"
    assert quiz_state.load_state(saved, new)["answers"] == {"s": "b", "m": ["a"], "n": 4.2}


@pytest.mark.parametrize("text", ["", "not json", "[]", '{"version": 2, "answers": {}}', '{"version": 1}', None,
                                  '{"version": 1, "answers": {"s": ["a", "b"], "n": [1]}, "attempt": -1}'])
def test_broken_saved_state_gives_a_fresh_start(text):
    q = parsed(single(), number())
    assert quiz_state.load_state(text, q) == {"answers": {}, "submitted": False, "attempt": 1}


def test_the_documented_example_is_a_valid_quiz():
    doc = (ROOT / "docs" / "quiz-schema.md").read_text(encoding="utf-8")
    example = doc.split("```json\n", 1)[1].split("```", 1)[0]
    q = quiz.parse(example)
    assert [x["type"] for x in q["questions"]] == ["single", "number"]
    assert quiz_score.summary(quiz_score.score(q, {"epoch": "b", "uniform-guess": "4,17"})) == "3 / 3, 100%"


def test_shipped_feedback_gives_the_reason_not_the_verdict_again():
    # the page puts its own verdict first ("✓ Right.", "✗ Not this one."): "Right. Right. ..." reads as a glitch
    verdicts = ("yes", "no", "right", "wrong", "correct", "not here", "not this one")
    for q in quiz.parse(QUIZ_TEXT)["questions"]:
        for c in q.get("choices", []):
            first = c["feedback"].split(".")[0].split(":")[0].strip().lower()
            assert first not in verdicts, (q["id"], c["id"], c["feedback"])


# ---- one rule for which files are valid, bytes included ---------------------------------------------------------

def test_check_of_the_shipped_bytes_counts_questions_and_points():
    ok, lines = quiz.check((ROOT / "quiz.json").read_bytes(), "quiz.json")
    q = quiz.parse(QUIZ_TEXT)
    points = sum(x["points"] for x in q["questions"])
    assert ok and lines == ["quiz.json: OK (%d questions, %s points)" % (len(q["questions"]), "%g" % points)]


def test_check_rejects_bytes_that_are_not_utf8_naming_the_byte():
    raw = QUIZ_TEXT.replace("Check your understanding", "Check your \xe9tudes").encode("latin-1", "replace")
    at = raw.index(b"\xe9")
    ok, lines = quiz.check(raw, "quiz.json")
    assert not ok
    assert lines == ["quiz.json: not UTF-8 text: byte %d (line %d) is 0xe9, which UTF-8 does not allow there; "
                     "save the file as UTF-8 in your editor" % (at, raw.count(b"\n", 0, at) + 1)]
    with pytest.raises(quiz.QuizError, match="not UTF-8 text"):
        quiz.read(raw)


def test_read_skips_a_byte_order_mark_and_returns_the_text_the_hash_is_made_of():
    q, text = quiz.read(b"\xef\xbb\xbf" + QUIZ_TEXT.encode("utf-8"))
    assert text == QUIZ_TEXT and q == quiz.parse(QUIZ_TEXT)


def test_check_lists_json_and_schema_problems_with_the_file_name():
    ok, lines = quiz.check(b'{"a": 1,}', "x.json")
    assert not ok
    assert lines == ["x.json: line 1, column 9: a comma before } leaves an empty entry; remove the last comma"]
    ok, lines = quiz.check(json.dumps(make([single(correct="z")])).encode(), "x.json")
    assert not ok and len(lines) == 1 and lines[0].startswith("x.json: questions[0] (id \"s\"): a \"single\" question")


def test_shipped_feedback_does_not_claim_the_model_cannot_memorise():
    q = quiz.parse(QUIZ_TEXT)
    feedback = " ".join(c["feedback"] for x in q["questions"] for c in x.get("choices", []))
    assert "far too few to hold a copy" not in feedback
    assert "memoris" in feedback and "overfitting" in feedback
