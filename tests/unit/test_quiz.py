"""The quiz: the shipped quiz.json, the strict JSON reader, validation, scoring and saved state."""

import json
import math
from pathlib import Path

import pytest
from app import quiz

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
    assert quiz.score_question(question, typed)["correct"]
    assert quiz.score_question(question, typed.replace(".", ","))["correct"]
    assert not quiz.score_question(question, "%.2f" % math.log2(65))["correct"]  # bits, not nats
    assert not quiz.score_question(question, "%.2f" % math.log(60))["correct"]


def test_shipped_quiz_full_marks_with_the_correct_answers():
    q = quiz.parse(QUIZ_TEXT)
    answers = {}
    for question in q["questions"]:
        if question["type"] == "number":
            answers[question["id"]] = str(question["answer"])
        else:
            right = [c["id"] for c in question["choices"] if c["correct"]]
            answers[question["id"]] = right[0] if question["type"] == "single" else right
    result = quiz.score(q, answers)
    assert result["score"] == result["max"] and result["percent"] == 100 and result["passed"]


# ---- the JSON reader --------------------------------------------------------------------------------------------

def test_decode_agrees_with_the_json_module_on_valid_text():
    text = ('{"a": [1, -2, 3.5, -0.25e-3, 1E2, true, false, null, {}, []],\n'
            ' "s": "tab\\t nl\\n quote\\" slash\\/ back\\\\ \\u00e9 \\ud83d\\ude00 é — ≈",\n'
            ' "nested": {"deep": [[["x"]]]}}')
    assert quiz.decode(text) == json.loads(text)
    assert quiz.decode(QUIZ_TEXT) == json.loads(QUIZ_TEXT)


def test_decode_keeps_integers_and_floats_apart():
    value = quiz.decode('[1, 1.0, 1e0]')
    assert [type(v) for v in value] == [int, float, float]


@pytest.mark.parametrize("text", [
    '{\n  "a": 1\n  "b": 2\n}',            # missing comma
    '{\n  "title": tru\n}',                 # bad literal
    '{\n  "é€": "x",\n  "ü" 1\n}',          # missing colon after a non-ASCII key
    '[\n  1,\n  2\n  3\n]',                 # missing comma in a list
    '{"a": "é", "b": @}',                  # column counts characters, not bytes
])
def test_decode_error_position_matches_cpython(text):
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    with pytest.raises(quiz.QuizError) as got:
        quiz.decode(text)
    assert str(got.value).startswith("line %d, column %d:" % (expected.value.lineno, expected.value.colno))


@pytest.mark.parametrize("text, where, words", [
    ('{"a": 1,}', "line 1, column 9", "remove the last comma"),
    ('[1, 2,\n]', "line 2, column 1", "remove the last comma"),
    ('{"a": 1, "a": 2}', "line 1, column 10", "appears twice"),
    ('{"a": 4,17}', "line 1, column 7", "write 4.17, not 4,17"),
    ("{'a': 1}", "line 1, column 2", "double quotes"),
    ('{"a": True}', "line 1, column 7", "lowercase"),
    ('{"a": 07}', "line 1, column 7", "cannot start with 0"),
    ('{"a": 1.}', "line 1, column 7", "decimal point must be followed by digits"),
    ('{"a": NaN}', "line 1, column 7", "expected a value"),
    ('{"a": "x\ny"}', "line 1, column 7", "runs past the end of the line"),
    ('{"a": "\\q"}', "line 1, column 8", "unknown escape"),
    ('{"a": "\\ud800"}', "line 1, column 8", "surrogate"),
    ('{\n "a": [1, 2\n', "line 2, column 7", "never closed"),
    ('{"a": 1} x', "line 1, column 10", "after the end"),
    ('', "line 1, column 1", "empty"),
    ('   \n ', "line 1, column 1", "empty"),
])
def test_decode_names_the_problem_and_the_place(text, where, words):
    with pytest.raises(quiz.QuizError) as err:
        quiz.decode(text)
    assert str(err.value).startswith(where + ":")
    assert words in str(err.value)


def test_decode_skips_a_byte_order_mark():
    assert quiz.decode('\ufeff{"a": 1}') == {"a": 1}


def test_decode_limits_nesting_instead_of_overflowing_the_stack():
    assert quiz.decode("[" * quiz.MAX_DEPTH + "]" * quiz.MAX_DEPTH)
    with pytest.raises(quiz.QuizError, match="nested more than"):
        quiz.decode("[" * 200 + "]" * 200)


def test_quiz_error_is_a_value_error_listing_problems():
    err = quiz.QuizError(["one", "two"])
    assert isinstance(err, ValueError)
    assert err.problems == ["one", "two"] and str(err) == "one\ntwo"


# ---- validation -------------------------------------------------------------------------------------------------

def test_a_good_quiz_has_no_problems():
    assert quiz.validate(make([single(), multiple(), number()])) == []


def problems_of(data):
    return "\n".join(quiz.validate(data))


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
    problems = quiz.validate(data)
    assert len(problems) == 5
    with pytest.raises(quiz.QuizError) as err:
        quiz.parse(json.dumps(data))
    assert err.value.problems == problems


def test_comment_keys_are_allowed_and_dropped():
    data = make([single(_note="why b")], _author="someone")
    assert quiz.validate(data) == []
    q = quiz.parse(json.dumps(data))
    assert "_author" not in q and "_note" not in q["questions"][0]


def test_not_an_object():
    assert quiz.validate([1, 2]) == ["quiz: the file must hold one JSON object { ... }, found a list"]


def test_parse_fills_defaults():
    q = parsed(single(), number(tolerance=0), shuffle=True)
    assert q["pass_percent"] == quiz.DEFAULT_PASS_PERCENT and q["intro"] == ""
    s, n = q["questions"]
    assert s["points"] == 1 and s["explanation"] == "" and s["shuffle"] is True
    assert n["tolerance"] == 0 and n["unit"] == ""
    assert parsed(single(shuffle=False), shuffle=True)["questions"][0]["shuffle"] is False


# ---- scoring ----------------------------------------------------------------------------------------------------

def test_single_choice_scoring_and_feedback():
    q = parsed(single(correct="b"))
    right = quiz.score(q, {"s": "b"})["questions"]["s"]
    assert right["correct"] and right["answered"] and right["points"] == 1
    assert right["choices"]["b"] == {"chosen": True, "correct": True, "feedback": "fb b"}
    assert right["choices"]["a"] == {"chosen": False, "correct": False, "feedback": "fb a"}
    wrong = quiz.score(q, {"s": "a"})["questions"]["s"]
    assert not wrong["correct"] and wrong["answered"] and wrong["points"] == 0
    for answer in (None, "zz", 3):
        blank = quiz.score(q, {"s": answer})["questions"]["s"]
        assert not blank["answered"] and not blank["correct"]


def test_multiple_choice_is_all_or_nothing():
    q = parsed(multiple(correct=("a", "c"), points=2))
    assert quiz.score(q, {"m": ["c", "a"]})["score"] == 2
    assert quiz.score(q, {"m": ["a"]})["score"] == 0
    assert quiz.score(q, {"m": ["a", "b", "c"]})["score"] == 0
    assert quiz.score(q, {"m": ["a", "c", "gone"]})["score"] == 2  # a choice that no longer exists is ignored
    assert not quiz.score(q, {"m": []})["questions"]["m"]["answered"]


@pytest.mark.parametrize("typed, correct", [
    ("4.17", True), ("4,17", True), (" 4.12 ", True), ("4.22", True), (4.2, True), (4, False),
    ("4.11", False), ("4.23", False), ("−4.17", False), ("417e-2", True), ("4.17 nats", False), ("abc", False),
])
def test_number_answers_within_the_tolerance(typed, correct):
    result = quiz.score(parsed(number(answer=4.17, tolerance=0.05)), {"n": typed})["questions"]["n"]
    assert result["correct"] is correct
    assert result["answered"]


def test_number_answer_that_is_not_a_number_is_answered_but_wrong_and_blank_is_unanswered():
    q = parsed(number())
    bad = quiz.score(q, {"n": "four"})["questions"]["n"]
    assert bad["answered"] and bad["value"] is None and not bad["correct"]
    for blank in ("", "   ", None, True):
        assert not quiz.score(q, {"n": blank})["questions"]["n"]["answered"]


def test_exact_number_question():
    q = parsed(number(answer=65, tolerance=0))
    assert quiz.score(q, {"n": "65"})["score"] == 1
    assert quiz.score(q, {"n": "65.01"})["score"] == 0


@pytest.mark.parametrize("text, value", [
    ("4,17", 4.17), (" -0.5 ", -0.5), ("\u22120.5", -0.5), ("+2", 2.0), (".5", 0.5), ("5.", 5.0),
    ("1e3", 1000.0), ("1,234", 1.234), ("1.2.3", None), ("1 000", None), ("", None), ("-", None),
    ("inf", None), ("nan", None), ("1e", None), ("1e999", None), ("0x10", None), ("4_17", None),
])
def test_parse_number(text, value):
    assert quiz.parse_number(text) == value


def test_points_percent_pass_and_summary():
    q = parsed(*[single("q%d" % i) for i in range(8)], pass_percent=60)
    answers = {"q%d" % i: "b" for i in range(5)}
    result = quiz.score(q, answers)
    assert (result["score"], result["max"], result["percent"], result["passed"]) == (5, 8, 63, True)
    assert result["answered"] == 5 and result["pass_percent"] == 60
    assert quiz.summary(result) == "5 / 8, 63%"


def test_pass_mark_compares_the_exact_fraction_not_the_rounded_percent():
    # 6.96 of 10 points shows as 70% but is below a 70% pass mark
    q = parsed(single("a", points=6.96), single("b", points=3.04), pass_percent=70)
    result = quiz.score(q, {"a": "b"})
    assert result["percent"] == 70 and not result["passed"]
    assert quiz.score(parsed(single("a", points=7), single("b", points=3), pass_percent=70), {"a": "b"})["passed"]


def test_weighted_points_and_fractional_summary():
    q = parsed(single("a", points=2.5), number("b", points=1), multiple("c", points=0.5))
    result = quiz.score(q, {"a": "b", "c": ["a", "c"]})
    assert result["score"] == 3 and result["max"] == 4
    assert quiz.summary(quiz.score(q, {"a": "b"})) == "2.5 / 4, 63%"


def test_unknown_answers_are_ignored():
    q = parsed(single())
    assert quiz.score(q, {"nope": "b"})["answered"] == 0


# ---- hashing, shuffling and saved state -------------------------------------------------------------------------

def test_content_hash_changes_with_content_not_line_endings():
    h = quiz.content_hash(QUIZ_TEXT)
    assert len(h) == 12 and int(h, 16) >= 0
    assert quiz.content_hash(QUIZ_TEXT.replace("\n", "\r\n")) == h
    assert quiz.content_hash(QUIZ_TEXT.replace("4.174", "4.175")) != h
    q = quiz.parse(QUIZ_TEXT)
    assert quiz.storage_key(q, QUIZ_TEXT) == "charlm-quiz/" + q["id"] + "/" + h


def test_shuffle_is_a_deterministic_permutation_per_seed():
    q = parsed(single("x", shuffle=True))["questions"][0]
    ids = [c["id"] for c in q["choices"]]
    orders = set()
    for seed in range(40):
        order = [c["id"] for c in quiz.shuffled_choices(q, seed)]
        assert sorted(order) == sorted(ids)
        assert order == [c["id"] for c in quiz.shuffled_choices(q, seed)]
        orders.add(tuple(order))
    assert len(orders) == 6  # all 3! orders turn up over 40 seeds
    assert [c["id"] for c in q["choices"]] == ids  # the question itself is not reordered


def test_no_shuffle_keeps_file_order_and_questions_differ():
    q = parsed(single("x"), single("y", shuffle=True), single("z", shuffle=True))
    x, y, z = q["questions"]
    assert [c["id"] for c in quiz.shuffled_choices(x, 7)] == ["a", "b", "c"]
    differ = [seed for seed in range(20)
              if [c["id"] for c in quiz.shuffled_choices(y, seed)] != [c["id"] for c in quiz.shuffled_choices(z, seed)]]
    assert differ  # the question id is part of the seed


def test_saved_state_round_trip():
    q = parsed(single(), multiple(), number())
    answers = {"s": "b", "m": ["a", "c"], "n": "4,17"}
    state = quiz.load_state(quiz.dump_state(answers, quiz.score(q, answers), attempt=3), q)
    assert state == {"answers": answers, "submitted": True, "attempt": 3}
    unsent = quiz.load_state(quiz.dump_state(answers), q)
    assert unsent["submitted"] is False and unsent["attempt"] == 1


def test_saved_state_drops_what_no_longer_exists():
    old = parsed(single(), multiple(), number(), single("gone"))
    saved = quiz.dump_state({"s": "b", "m": ["a", "d"], "n": 4.2, "gone": "a"}, None)
    new = parsed(single(), multiple(choices=[{"id": "a", "text": "A", "correct": True},
                                             {"id": "b", "text": "B"}]), number())
    assert quiz.load_state(saved, old)["answers"]["gone"] == "a"
    assert quiz.load_state(saved, new)["answers"] == {"s": "b", "m": ["a"], "n": 4.2}


@pytest.mark.parametrize("text", ["", "not json", "[]", '{"version": 2, "answers": {}}', '{"version": 1}', None,
                                  '{"version": 1, "answers": {"s": ["a", "b"], "n": [1]}, "attempt": -1}'])
def test_broken_saved_state_gives_a_fresh_start(text):
    q = parsed(single(), number())
    assert quiz.load_state(text, q) == {"answers": {}, "submitted": False, "attempt": 1}


def test_the_documented_example_is_a_valid_quiz():
    doc = (ROOT / "docs" / "quiz-schema.md").read_text(encoding="utf-8")
    example = doc.split("```json\n", 1)[1].split("```", 1)[0]
    q = quiz.parse(example)
    assert [x["type"] for x in q["questions"]] == ["single", "number"]
    assert quiz.summary(quiz.score(q, {"epoch": "b", "uniform-guess": "4,17"})) == "3 / 3, 100%"
