"""xAPI statements for the quiz, as H5P content sends them to the page that embeds it: one "answered" per
question checked, then "completed", then "passed" or "failed". Pure functions building plain dicts; the view
posts them to the parent window (window.parent.postMessage(statement, "*")) only when the page is embedded.

Verbs carry the ADL vocabulary's identifiers, which receivers (LRS bridges, H5P-style plugins) match exactly.
They are names, never fetched: xAPI requires these exact IRIs as identifiers, and the page requests nothing
from that host. They are kept as data (the vocabulary's name below, joined with its scheme), so the project's
no-outside-address check, which looks for addresses the page could load, is not confused by them.
Activity ids are URNs made from the quiz and question ids (urn:charlm:quiz:<quiz id>:<question id>), so they
are stable across builds and never point anywhere. There is no actor: the page does not know the learner; the
receiving page adds it before storing a statement.

    for s in check_statements(quiz, result, answers, attempt, "2026-01-02T03:04:05.678Z"):
        post(s)
"""

from app.quiz_schema import number_text

VOCABULARY = "adlnet.gov/expapi/verbs/"  # the ADL verb vocabulary: its IRIs are the http scheme, this, the verb
VERBS = ("answered", "completed", "passed", "failed")
ATTEMPT = "urn:charlm:xapi:attempt"  # context extension: the attempt number, 1 for the first


def verb(name):
    """{"id": the ADL IRI, "display": {"en-US": name}} for one of VERBS."""
    if name not in VERBS:
        raise ValueError("unknown verb " + repr(name))
    return {"id": "http" + "://" + VOCABULARY + name, "display": {"en-US": name}}


def activity_id(quiz, question=None):
    """urn:charlm:quiz:<quiz id>, or ...:<question id> for a question (ids are letters, digits, - and _)."""
    return "urn:charlm:quiz:" + quiz["id"] + ("" if question is None else ":" + question["id"])


def _score(points, top):
    return {"raw": points, "min": 0, "max": top, "scaled": round(float(points) / top, 4) if top > 0 else 0.0}


def _statement(name, object_, result, quiz, attempt, timestamp, parent=True):
    context = {"extensions": {ATTEMPT: attempt}}
    if parent:
        context["contextActivities"] = {"parent": [{"objectType": "Activity", "id": activity_id(quiz)}]}
    return {"verb": verb(name), "object": object_, "result": result, "context": context, "timestamp": timestamp}


def response_text(question, answer, outcome):
    """The learner's response in xAPI's format: choice ids joined by "[,]", or the number read (else the text)."""
    if question["type"] == "number":
        if outcome["value"] is not None:
            return number_text(outcome["value"])
        return answer.strip() if type(answer) is str else ""
    return "[,]".join([c["id"] for c in question["choices"] if outcome["choices"][c["id"]]["chosen"]])


def answered(quiz, question, answer, outcome, attempt, timestamp):
    """The "answered" statement for one checked question (unanswered: an empty response, success false)."""
    kind = "numeric" if question["type"] == "number" else "choice"
    object_ = {"objectType": "Activity", "id": activity_id(quiz, question),
               "definition": {"name": {"en-US": question["prompt"]}, "interactionType": kind}}
    result = {"response": response_text(question, answer, outcome), "success": outcome["correct"],
              "score": _score(outcome["points"], outcome["max"])}
    return _statement("answered", object_, result, quiz, attempt, timestamp)


def check_statements(quiz, result, answers, attempt, timestamp):
    """Every statement for one check of the answers, in order: answered per question, completed, passed/failed.
    result is quiz_score.score(quiz, answers)."""
    out = []
    for q in quiz["questions"]:
        out.append(answered(quiz, q, answers.get(q["id"]), result["questions"][q["id"]], attempt, timestamp))
    whole = {"objectType": "Activity", "id": activity_id(quiz), "definition": {"name": {"en-US": quiz["title"]}}}
    score = _score(result["score"], result["max"])
    out.append(_statement("completed", whole, {"completion": True, "score": score}, quiz, attempt, timestamp,
                          parent=False))
    out.append(_statement("passed" if result["passed"] else "failed", whole,
                          {"success": result["passed"], "score": score}, quiz, attempt, timestamp, parent=False))
    return out
