"""SCORM reporting against fake browser frames: the calls and values sent (1.2 and 2004), retries, failures and
no-ops, postMessage, interactions, suspend data and session time."""

import pytest

from app import scorm
from scorm_fakes import API12, API2004, Broken, CrossOrigin, Frame, nest

# ---- SCORM 1.2 --------------------------------------------------------------------------------------------------

def test_scorm12_session_calls_and_values_in_order():
    log = []
    session = scorm.LMS(nest(Frame(API=API12(log, {"cmi.core.lesson_status": "not attempted"})), 1))
    assert session.found and session.version == "1.2"
    assert session.start() is True
    assert session.report(5, 8, False) is True
    assert session.commit() is True
    assert session.finish() is True
    assert session.finish() is False and session.start() is False and session.report(8, 8, True) is False
    assert log == [
        ("LMSInitialize", ""),
        ("LMSGetValue", "cmi.core.lesson_status"),
        ("LMSSetValue", "cmi.core.lesson_status", "incomplete"),
        ("LMSGetValue", "cmi.core.score.raw"),
        ("LMSGetValue", "cmi.core.score.max"),
        ("LMSGetValue", "cmi.suspend_data"),
        ("LMSSetValue", "cmi.core.score.raw", "62.5"),
        ("LMSSetValue", "cmi.core.score.min", "0"),
        ("LMSSetValue", "cmi.core.score.max", "100"),
        ("LMSSetValue", "cmi.core.lesson_status", "failed"),
        ("LMSCommit", ""),
        ("LMSCommit", ""),
        ("LMSSetValue", "cmi.core.exit", ""),
        ("LMSFinish", ""),
    ]


def test_scorm12_leaves_an_earlier_status_alone_and_suspends_without_a_score():
    log = []
    session = scorm.LMS(Frame(API=API12(log, {"cmi.core.lesson_status": "browsed"})))
    session.start()
    session.finish()
    assert ("LMSSetValue", "cmi.core.lesson_status", "incomplete") not in log
    assert log[-2:] == [("LMSSetValue", "cmi.core.exit", "suspend"), ("LMSFinish", "")]


def test_report_starts_the_session_if_needed():
    log = []
    session = scorm.LMS(Frame(API=API12(log)))
    session.report(2, 3, False)
    assert log[0] == ("LMSInitialize", "") and ("LMSSetValue", "cmi.core.score.raw", "66.67") in log
    assert log.count(("LMSInitialize", "")) == 1


# ---- SCORM 2004 -------------------------------------------------------------------------------------------------

def test_scorm2004_session_calls_and_values_in_order():
    log = []
    session = scorm.LMS(nest(Frame(API_1484_11=API2004(log)), 3))
    assert session.version == "2004"
    session.start()
    session.report(7, 8, True)
    session.finish()
    session.finish()
    assert log == [
        ("Initialize", ""),
        ("GetValue", "cmi.completion_status"),
        ("SetValue", "cmi.completion_status", "incomplete"),
        ("GetValue", "cmi.success_status"),
        ("GetValue", "cmi.entry"),
        ("SetValue", "cmi.score.raw", "87.5"),
        ("SetValue", "cmi.score.min", "0"),
        ("SetValue", "cmi.score.max", "100"),
        ("SetValue", "cmi.score.scaled", "0.875"),
        ("SetValue", "cmi.completion_status", "completed"),
        ("SetValue", "cmi.success_status", "passed"),
        ("Commit", ""),
        ("SetValue", "cmi.exit", "normal"),
        ("Terminate", ""),
    ]


def test_a_lower_retry_does_not_overwrite_a_better_score():
    log = []
    api = API2004(log)
    session = scorm.LMS(Frame(API_1484_11=api))
    assert session.report(8, 8, True)
    assert not session.report(4, 8, False)
    assert api.values["cmi.score.scaled"] == "1" and api.values["cmi.success_status"] == "passed"
    assert session.report(8, 8, True)  # equal is fine


def test_a_better_score_from_an_earlier_visit_is_kept():
    api = API12([], {"cmi.core.score.raw": "90", "cmi.core.score.max": "100", "cmi.core.lesson_status": "passed"})
    session = scorm.LMS(Frame(API=api))
    assert not session.report(5, 8, False)
    assert api.values["cmi.core.lesson_status"] == "passed"
    assert session.report(8, 8, True) and api.values["cmi.core.score.raw"] == "100"
    session.finish()
    assert api.values["cmi.core.exit"] == ""


def test_keep_best_off_reports_every_result():
    api = API2004([], {"cmi.score.scaled": "0.9", "cmi.success_status": "passed"})
    session = scorm.LMS(Frame(API_1484_11=api), keep_best=False)
    assert session.report(1, 8, False) and api.values["cmi.score.scaled"] == "0.125"


# ---- failures and no LMS ----------------------------------------------------------------------------------------

def test_api_errors_are_tolerated():
    log = []
    session = scorm.LMS(Frame(API=API12(log, result="false")))
    assert session.start() is False  # Initialize said false ...
    assert session.report(1, 2, True) is True  # ... yet the values are still offered
    assert session.commit() is False and session.finish() is False
    assert ("LMSFinish", "") in log


def test_an_api_that_raises_never_breaks_the_page():
    session = scorm.LMS(Frame(API_1484_11=Broken()))
    assert session.found
    session.start()
    session.report(1, 1, True)
    session.commit()
    session.finish()
    assert session.finished


def test_no_lms_means_every_method_is_a_no_op():
    session = scorm.LMS(nest(Frame(), 3))
    assert session.found is False and session.version is None
    assert [session.start(), session.report(1, 2, True), session.commit(), session.finish()] == [False] * 4


def test_finish_without_start_does_not_terminate():
    log = []
    session = scorm.LMS(Frame(API=API12(log)))
    assert session.finish() is False and log == []


def test_zero_max_reports_zero():
    api = API12([])
    scorm.LMS(Frame(API=api)).report(0, 0, False)
    assert api.values["cmi.core.score.raw"] == "0"


# ---- postMessage ------------------------------------------------------------------------------------------------

class Parent(Frame):
    def __init__(self, fail=False):
        super().__init__()
        self.sent = []
        self.fail = fail

    def postMessage(self, message, origin):
        if self.fail:
            raise RuntimeError("DataCloneError")
        self.sent.append((message, origin))


def test_post_result_messages_the_parent_through_to_js():
    parent = Parent()
    converted = []

    def to_js(value):
        converted.append(value)
        return ("js", value)

    assert scorm.post_result(Frame(parent=parent), 5, 8, False, to_js=to_js) is True
    message = {"type": "charlm:quiz", "score": 5, "max": 8, "passed": False}
    assert converted == [message] and parent.sent == [(("js", message), "*")]


def test_post_result_reaches_a_cross_origin_parent():
    sent = []
    foreign = CrossOrigin()
    object.__setattr__(foreign, "postMessage", lambda message, origin: sent.append(message))
    assert scorm.post_result(Frame(parent=foreign), 1, 1, True)
    assert sent == [{"type": "charlm:quiz", "score": 1, "max": 1, "passed": True}]


def test_post_result_does_nothing_at_the_top_or_on_error():
    top = Parent()
    assert scorm.post_result(top, 1, 1, True) is False and top.sent == []
    assert scorm.post_result(Frame(parent=Parent(fail=True)), 1, 1, True) is False


def test_scorm2004_reads_an_earlier_score_only_once_a_status_says_there_is_one():
    log = []
    api = API2004(log, {"cmi.success_status": "passed", "cmi.score.scaled": "0.9", "cmi.entry": "resume",
                        "cmi.suspend_data": "saved"})
    session = scorm.LMS(Frame(API_1484_11=api))
    session.start()
    assert session.best == 0.9 and session.resume_data == "saved"
    assert not session.report(1, 8, False)
    fresh = API2004([])
    session = scorm.LMS(Frame(API_1484_11=fresh))
    session.start()
    assert session.best is None and session.resume_data == ""
    assert ("GetValue", "cmi.score.scaled") not in fresh.log and ("GetValue", "cmi.suspend_data") not in fresh.log


# ---- interactions, suspend data and session time ----------------------------------------------------------------

@pytest.mark.parametrize("ms, v12, v2004", [
    (0, "0000:00:00.00", "PT0H0M0S"),
    (1234, "0000:00:01.23", "PT0H0M1.23S"),
    (3723450, "0001:02:03.45", "PT1H2M3.45S"),
    (360000000 + 59999, "0100:00:59.99", "PT100H0M59.99S"),
    (-5, "0000:00:00.00", "PT0H0M0S"),
])
def test_session_time_formats(ms, v12, v2004):
    assert scorm.session_time("1.2", ms) == v12
    assert scorm.session_time("2004", ms) == v2004


QUIZ = {"id": "t", "questions": [
    {"id": "pick", "type": "single", "choices": [{"id": "x"}, {"id": "y"}, {"id": "z"}]},
    {"id": "some", "type": "multiple", "choices": [{"id": "p"}, {"id": "q"}, {"id": "r"}]},
    {"id": "count", "type": "number"},
    {"id": "blank", "type": "single", "choices": [{"id": "x"}, {"id": "y"}]},
]}


def result_of(chosen, value):
    def choices(q, ids):
        return {c["id"]: {"chosen": c["id"] in ids} for c in q["choices"]}
    qs = QUIZ["questions"]
    return {"questions": {
        "pick": {"answered": True, "correct": False, "choices": choices(qs[0], chosen["pick"])},
        "some": {"answered": True, "correct": True, "choices": choices(qs[1], chosen["some"])},
        "count": {"answered": True, "correct": True, "value": value},
        "blank": {"answered": False, "correct": False, "choices": choices(qs[3], [])},
    }}


def test_interactions_in_each_versions_format():
    records = scorm.interactions(QUIZ, result_of({"pick": ["y"], "some": ["p", "r"]}, 0.693))
    v12 = [pair for n, r in enumerate(records) for pair in scorm.interaction_values("1.2", n, r)]
    assert v12 == [
        ("cmi.interactions.0.id", "pick"), ("cmi.interactions.0.type", "choice"),
        ("cmi.interactions.0.student_response", "b"), ("cmi.interactions.0.result", "wrong"),
        ("cmi.interactions.1.id", "some"), ("cmi.interactions.1.type", "choice"),
        ("cmi.interactions.1.student_response", "a,c"), ("cmi.interactions.1.result", "correct"),
        ("cmi.interactions.2.id", "count"), ("cmi.interactions.2.type", "numeric"),
        ("cmi.interactions.2.student_response", "0.693"), ("cmi.interactions.2.result", "correct"),
        ("cmi.interactions.3.id", "blank"), ("cmi.interactions.3.type", "choice"),
        ("cmi.interactions.3.result", "wrong"),
    ]
    v2004 = dict(pair for n, r in enumerate(records) for pair in scorm.interaction_values("2004", n, r))
    assert v2004["cmi.interactions.0.learner_response"] == "y"
    assert v2004["cmi.interactions.1.learner_response"] == "p[,]r"
    assert v2004["cmi.interactions.2.learner_response"] == "0.693"
    assert v2004["cmi.interactions.0.result"] == "incorrect" and v2004["cmi.interactions.1.result"] == "correct"
    assert "cmi.interactions.3.learner_response" not in v2004


def test_a_number_that_could_not_be_read_or_is_too_large_gets_no_response():
    for value in (None, 1e12):
        records = scorm.interactions(QUIZ, result_of({"pick": ["x"], "some": ["q"]}, value))
        pairs = dict(scorm.interaction_values("1.2", 2, records[2]))
        assert "cmi.interactions.2.student_response" not in pairs and pairs["cmi.interactions.2.result"] == "correct"


def test_report_sets_interactions_before_the_score_and_keep_stores_suspend_data():
    api = API12([])
    session = scorm.LMS(Frame(API=api))
    session.start(1000)
    assert session.keep("resume me")
    records = scorm.interactions(QUIZ, result_of({"pick": ["x"], "some": ["q"]}, 3.0))
    session.report(1, 4, False, records)
    session.finish(62500)
    sets = [entry[1] for entry in api.log if entry[0] == "LMSSetValue"]
    assert sets.index("cmi.interactions.3.result") < sets.index("cmi.core.score.raw")
    assert api.values["cmi.suspend_data"] == "resume me"
    assert api.values["cmi.core.session_time"] == "0000:01:01.50"
    assert sets[-2:] == ["cmi.core.session_time", "cmi.core.exit"] and api.log[-1] == ("LMSFinish", "")
    assert not session.keep("too late")
