"""SCORM: find the LMS's runtime API in the frames above the page and report the quiz to it (Moodle, Canvas,
Open edX, Blackboard gradebooks): score and status, one interaction per question, session time, and the
learner's place (cmi.suspend_data) so a relaunch resumes where they left off.

The page runs inside the LMS's frames; the LMS leaves a SCORM API object in one of the windows
above (or in the window that opened a pop-up). We find it the way the SCORM run-time spec's
findAPI does, then call it. Everything takes the browser `window` as an argument, so the tests
drive it with fake frames in CPython. In MicroPython the page passes `pyscript.window.globalThis`, the real
window object: `pyscript.window` itself is the `js` module, which JavaScript's Reflect and Object.is do not
recognise as the window.

    lms = LMS(window)          # lms.found is False outside an LMS: every method is then a no-op
    lms.start(now_ms)          # on page load; lms.resume_data is then the suspend data of an earlier visit
    lms.keep(data)             # the learner's place (quiz_state.dump_suspend), whenever the answers change
    lms.report(7, 9, True, interactions(quiz, result))   # after each check of the answers; commits
    lms.commit()               # on page hide
    lms.finish(now_ms)         # on page unload: session time, exit mode, Terminate / LMSFinish, once

Scores go out as a percentage (raw 0..100, min 0, max 100) rather than as points: several
gradebooks, Moodle's among them, read raw as a grade out of 100 whatever max says.
"""

API_NAMES = {"2004": "API_1484_11", "1.2": "API"}
METHODS = {
    "2004": {"start": "Initialize", "get": "GetValue", "set": "SetValue", "commit": "Commit", "finish": "Terminate"},
    "1.2": {"start": "LMSInitialize", "get": "LMSGetValue", "set": "LMSSetValue", "commit": "LMSCommit",
            "finish": "LMSFinish"},
}
RESPONSE = {"2004": "learner_response", "1.2": "student_response"}
RESULT = {"2004": {True: "correct", False: "incorrect"}, "1.2": {True: "correct", False: "wrong"}}
LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789"  # SCORM 1.2 writes a choice response as these, by position
MAX_DEPTH = 10  # frames to climb, as in the spec's findAPI; LMS players nest a few at most


def _missing(value):
    # JS null arrives as None; JS undefined as a proxy of type "undefined" in MicroPython
    return value is None or type(value).__name__ == "undefined"


def _attr(obj, name):
    """obj.<name>, or None when it is absent, undefined or raises (in CPython and Pyodide)."""
    try:
        value = getattr(obj, name)
    except Exception:
        return None
    return None if _missing(value) else value


def _lookup(window, frame, name):
    """frame.<name>, or None when absent, without ever reading from a cross-origin frame.

    Reading a property of a frame from another origin throws a SecurityError, and in the page's
    MicroPython a JS exception cannot be caught with try/except: it aborts the Python code. So
    first ask Reflect.ownKeys, which never throws (for a cross-origin frame it lists only the
    properties every frame exposes, such as "parent"), and read the property only if it is there.
    Outside a browser (fake windows in tests) there is no Reflect and try/except is enough.
    """
    reflect = _attr(window, "Reflect")
    if reflect is not None:
        try:
            if not reflect.ownKeys(frame).includes(name):
                return None
        except Exception:
            return None
    return _attr(frame, name)


def _same(window, a, b):
    """True if a and b are the same window. MicroPython hands out a new proxy for each read of
    window.parent, so `is` and == fail there; JavaScript's Object.is compares the real objects."""
    if a is b:
        return True
    js_object = _attr(window, "Object")
    if js_object is None:
        return False
    try:
        return getattr(js_object, "is")(a, b) is True
    except Exception:
        return False


def _chain(window, frame, max_depth):
    """frame, its parent, grandparent, ... up to the top window (parent of top is top)."""
    frames = []
    while frame is not None and len(frames) <= max_depth:
        frames.append(frame)
        parent = _attr(frame, "parent")  # "parent" is readable even across origins
        if parent is None or _same(window, parent, frame):
            break
        frame = parent
    return frames


def find_api(window, versions=("2004", "1.2"), max_depth=MAX_DEPTH):
    """(api, version) for the nearest SCORM API, or (None, None).

    Looks in this window, then up the chain of parents, then in the window that opened the top
    window (a pop-up launch) and its parents. The nearest frame wins; within one frame, versions
    are tried in the order given, SCORM 2004 first by default because it records completion and
    success separately and takes a scaled score. Pass ("1.2",) to use SCORM 1.2 only.
    """
    for version in versions:
        if version not in API_NAMES:
            raise ValueError("unknown SCORM version " + repr(version) + "; use \"2004\" or \"1.2\"")
    frames = _chain(window, window, max_depth)
    openers = []
    for opener in (_attr(window, "opener"), _attr(frames[-1], "opener")):
        if opener is not None and not [o for o in openers if _same(window, o, opener)]:
            openers.append(opener)
    for opener in openers:
        frames += _chain(window, opener, max_depth)
    for frame in frames:
        for version in versions:
            api = _lookup(window, frame, API_NAMES[version])
            if api is not None:
                return api, version
    return None, None


def _decimal(x, places):
    """x with at most `places` decimals and no trailing zeros: 62.5, 100, 0.625."""
    text = ("%." + str(places) + "f") % x
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _number(text):
    try:
        return float(text)
    except Exception:
        return None


def session_time(version, ms):
    """A duration in each version's format: 1.2 "HHHH:MM:SS.SS" (0001:02:03.45), 2004 ISO 8601 ("PT1H2M3.45S")."""
    centis = int(max(0, ms) // 10)
    hours, centis = centis // 360000, centis % 360000
    minutes, centis = centis // 6000, centis % 6000
    if version == "1.2":
        return "%04d:%02d:%02d.%02d" % (hours, minutes, centis // 100, centis % 100)
    return "PT" + str(hours) + "H" + str(minutes) + "M" + _decimal(centis / 100.0, 2) + "S"


def interactions(quiz, result):
    """One record per question, in quiz order: {"id", "type", "choices" (chosen positions and ids) or "value"
    (the number read, None if unreadable), "answered", "correct"}; LMS.report turns them into cmi.interactions.n.*
    with n the question's position, the same in every report."""
    out = []
    for q in quiz["questions"]:
        outcome = result["questions"][q["id"]]
        record = {"id": q["id"], "answered": outcome["answered"], "correct": outcome["correct"]}
        if q["type"] == "number":
            record["type"] = "numeric"
            record["value"] = outcome["value"]
        else:
            record["type"] = "choice"
            chosen = outcome["choices"]
            record["choices"] = [(n, c["id"]) for n, c in enumerate(q["choices"]) if chosen[c["id"]]["chosen"]]
        out.append(record)
    return out


def interaction_values(version, n, record):
    """(element, value) pairs for one interaction, in the order SCORM wants them set (id first)."""
    base = "cmi.interactions." + str(n) + "."
    pairs = [(base + "id", record["id"]), (base + "type", record["type"])]
    response = None
    if record["type"] == "choice" and record["choices"]:
        if version == "1.2":  # characters 0-9, a-z by position, comma separated; beyond 36 choices none is written
            if record["choices"][-1][0] < len(LETTERS):
                response = ",".join([LETTERS[pos] for pos, _ in record["choices"]])
        else:
            response = "[,]".join([cid for _, cid in record["choices"]])
    elif record["type"] == "numeric" and record["value"] is not None and abs(record["value"]) < 1e10:
        response = _decimal(record["value"], 7)  # both versions' decimal: at most 10 digits before the point
    if record["answered"] and response is not None:
        pairs.append((base + RESPONSE[version], response))
    pairs.append((base + "result", RESULT[version][record["correct"]]))
    return pairs


class LMS:
    """A SCORM session: start, report scores, commit, finish. Never raises on LMS errors.

    found: whether an API was found; version: "2004", "1.2" or None. Without an LMS every
    method does nothing and returns False. An API call that fails (returns "false" or raises)
    is tolerated: the learner's page must keep working whatever the LMS does.
    keep_best: a retry that scores lower than the best score already in the gradebook (from
    this visit or an earlier one) is not reported, so trying again never lowers a grade.
    """

    def __init__(self, window, versions=("2004", "1.2"), keep_best=True):
        self.api, self.version = find_api(window, versions)
        self.found = self.api is not None
        self.keep_best = keep_best
        self.started = False
        self.finished = False
        self.completed = False  # the gradebook holds a final status (now or from an earlier visit)
        self.best = None  # best recorded score as a fraction of the maximum
        self.resume_data = ""  # cmi.suspend_data left by an earlier visit
        self.started_ms = None

    def _call(self, what, *args):
        try:
            return getattr(self.api, METHODS[self.version][what])(*args)
        except Exception:
            return None

    def _get(self, element):
        value = self._call("get", element)
        return value if type(value) is str else ""

    def _set(self, element, value):
        self._call("set", element, value)

    def start(self, now_ms=None):
        """Open the session (Initialize / LMSInitialize) once; mark a first visit "incomplete"; read what an
        earlier visit left (best score, suspend data). now_ms (a clock in milliseconds) starts the session time.

        Only elements that hold a value are read: SCORM 2004 answers GetValue on an element never set with
        error 403, so suspend data is read only on a resumed attempt and the score only once a status is set.
        """
        if not self.found or self.started or self.finished:
            return False
        # Carry on even if Initialize says "false" (an earlier page may have initialised already):
        # the calls that follow tolerate errors anyway.
        self.started = True
        self.started_ms = now_ms
        ok = self._call("start", "")
        if self.version == "1.2":
            status = self._get("cmi.core.lesson_status")
            self.completed = status in ("passed", "failed", "completed")
            if status in ("", "not attempted"):
                # SCORM 1.2 LMSs mark an untouched lesson "completed" on LMSFinish: say it is not
                self._set("cmi.core.lesson_status", "incomplete")
            raw, top = _number(self._get("cmi.core.score.raw")), _number(self._get("cmi.core.score.max"))
            if raw is not None:
                self.best = raw / (top if top else 100.0)
            self.resume_data = self._get("cmi.suspend_data")
        else:
            status = self._get("cmi.completion_status")
            self.completed = status == "completed"
            if status in ("", "unknown", "not attempted"):
                self._set("cmi.completion_status", "incomplete")
            if self._get("cmi.success_status") in ("passed", "failed"):
                self.best = _number(self._get("cmi.score.scaled"))
            if self._get("cmi.entry") == "resume":
                self.resume_data = self._get("cmi.suspend_data")
        return ok is True or ok == "true"

    def keep(self, data):
        """Store the learner's place (at most 4,096 characters, SCORM 1.2's limit) for the next launch."""
        if not self.started or self.finished:
            return False
        self._set("cmi.suspend_data", data)
        return True

    def report(self, score, max, passed, records=()):
        """Record a result (score out of max points; records from interactions()) and commit.
        Returns True if it was sent."""
        if not self.found or self.finished:
            return False
        self.start()
        for n, record in enumerate(records):
            for element, value in interaction_values(self.version, n, record):
                self._set(element, value)
        fraction = float(score) / max if max > 0 else 0.0
        if self.keep_best and self.best is not None and fraction < self.best - 1e-9:
            self.commit()  # the interactions are news even when the score is not
            return False
        raw = _decimal(100.0 * fraction, 2)
        if self.version == "1.2":
            self._set("cmi.core.score.raw", raw)
            self._set("cmi.core.score.min", "0")
            self._set("cmi.core.score.max", "100")
            self._set("cmi.core.lesson_status", "passed" if passed else "failed")
        else:
            self._set("cmi.score.raw", raw)
            self._set("cmi.score.min", "0")
            self._set("cmi.score.max", "100")
            self._set("cmi.score.scaled", _decimal(fraction, 4))
            self._set("cmi.completion_status", "completed")
            self._set("cmi.success_status", "passed" if passed else "failed")
        self.best = fraction if self.best is None or fraction > self.best else self.best
        self.completed = True
        self.commit()
        return True

    def commit(self):
        """Ask the LMS to save what it has (Commit / LMSCommit); call it when the page is hidden."""
        if not self.started or self.finished:
            return False
        ok = self._call("commit", "")
        return ok is True or ok == "true"

    def finish(self, now_ms=None):
        """End the session (Terminate / LMSFinish), once; later calls do nothing.

        Sets the session time (when start and now_ms both had a clock reading) and the exit mode, which says
        whether the LMS should keep this attempt open: "suspend" while no score has been recorded, so the
        learner can come back to it; a normal exit after that.
        """
        if not self.started or self.finished:
            return False
        self.finished = True
        timed = self.started_ms is not None and now_ms is not None
        if self.version == "1.2":
            if timed:
                self._set("cmi.core.session_time", session_time("1.2", now_ms - self.started_ms))
            self._set("cmi.core.exit", "" if self.completed else "suspend")
        else:
            if timed:
                self._set("cmi.session_time", session_time("2004", now_ms - self.started_ms))
            self._set("cmi.exit", "normal" if self.completed else "suspend")
        ok = self._call("finish", "")
        return ok is True or ok == "true"


def embedded(window):
    """True when the page is in a frame (its parent is another window): then it tells the parent its results."""
    parent = _attr(window, "parent")  # "parent" and postMessage are allowed across origins
    return parent is not None and not _same(window, parent, window)


def post_result(window, score, max, passed, to_js=None):
    """Tell an embedding page the result: parent.postMessage({"type": "charlm:quiz", "score",
    "max", "passed"}, "*"). For pages that embed the module in an iframe without SCORM.

    Does nothing (returns False) when the page is not in a frame. In the browser pass
    to_js=pyscript.ffi.to_js: postMessage cannot send a Python dict. The message holds only the
    score, so any origin may receive it.
    """
    if not embedded(window):
        return False
    message = {"type": "charlm:quiz", "score": score, "max": max, "passed": passed}
    try:
        window.parent.postMessage(to_js(message) if to_js else message, "*")
    except Exception:
        return False
    return True
