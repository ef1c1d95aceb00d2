"""xAPI statements for a checked quiz: the verbs' ADL ids, stable activity ids, results, attempt and timestamp."""

import json
import re
from pathlib import Path

from app import quiz, quiz_score, xapi

ROOT = Path(__file__).resolve().parents[2]
QUIZ = quiz.parse((ROOT / "quiz.json").read_text(encoding="utf-8"))
WHEN = "2026-01-02T03:04:05.678Z"


def right_answers():
    out = {}
    for q in QUIZ["questions"]:
        if q["type"] == "number":
            out[q["id"]] = str(q["answer"]).replace(".", ",")
        else:
            right = [c["id"] for c in q["choices"] if c["correct"]]
            out[q["id"]] = right[0] if q["type"] == "single" else right
    return out


def test_statements_in_order_with_adl_verbs_and_scores():
    answers = right_answers()
    first = QUIZ["questions"][0]
    answers[first["id"]] = [c["id"] for c in first["choices"] if not c["correct"]][0]  # one wrong
    result = quiz_score.score(QUIZ, answers)
    statements = xapi.check_statements(QUIZ, result, answers, 2, WHEN)
    n = len(QUIZ["questions"])
    assert [s["verb"]["display"]["en-US"] for s in statements] == ["answered"] * n + ["completed",
                                                                                      "passed" if result["passed"]
                                                                                      else "failed"]
    for s in statements:
        name = s["verb"]["display"]["en-US"]
        assert s["verb"]["id"] == "http://adlnet.gov/expapi/verbs/" + name
        assert s["timestamp"] == WHEN and s["context"]["extensions"][xapi.ATTEMPT] == 2
    for q, s in zip(QUIZ["questions"], statements):
        outcome = result["questions"][q["id"]]
        assert s["object"]["id"] == "urn:charlm:quiz:" + QUIZ["id"] + ":" + q["id"]
        assert s["context"]["contextActivities"]["parent"][0]["id"] == "urn:charlm:quiz:" + QUIZ["id"]
        assert s["result"]["success"] is outcome["correct"]
        assert s["result"]["score"] == {"raw": outcome["points"], "min": 0, "max": outcome["max"],
                                        "scaled": round(outcome["points"] / outcome["max"], 4)}
        assert s["object"]["definition"]["interactionType"] == ("numeric" if q["type"] == "number" else "choice")
    assert statements[0]["result"]["success"] is False
    final = statements[-1]
    assert final["object"]["id"] == "urn:charlm:quiz:" + QUIZ["id"]
    assert final["result"]["score"] == {"raw": result["score"], "min": 0, "max": result["max"],
                                        "scaled": round(result["score"] / result["max"], 4)}
    assert final["result"]["success"] is result["passed"]
    json.dumps(statements)  # plain data, as postMessage needs


def test_responses_in_xapi_format():
    by_type = {q["type"]: q for q in QUIZ["questions"]}
    many = by_type["multiple"]
    picked = [c["id"] for c in many["choices"]][:2]
    outcome = quiz_score.score_question(many, picked)
    assert xapi.response_text(many, picked, outcome) == "[,]".join(picked)
    num = by_type["number"]
    assert xapi.response_text(num, "0,5", quiz_score.score_question(num, "0,5")) == "0.5"
    assert xapi.response_text(num, " abc ", quiz_score.score_question(num, " abc ")) == "abc"
    assert xapi.response_text(num, None, quiz_score.score_question(num, None)) == ""


def test_failing_gives_failed_and_ids_are_urns():
    result = quiz_score.score(QUIZ, {})
    statements = xapi.check_statements(QUIZ, result, {}, 1, WHEN)
    assert statements[-1]["verb"]["id"].endswith("/failed") and statements[-1]["result"]["score"]["raw"] == 0
    for s in statements:
        assert re.fullmatch(r"urn:charlm:quiz:[A-Za-z0-9_-]+(:[A-Za-z0-9_-]+)?", s["object"]["id"])
