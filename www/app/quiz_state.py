"""What the quiz keeps between visits: browser-storage state, the compact resume data for an LMS's
cmi.suspend_data, the storage key and content hash, and the seeded choice order.

Pure logic, the same in CPython and the page's MicroPython. Nothing read back can break the page: unreadable
or stale saved state gives a fresh start.

    key = storage_key(quiz, text)                      # "charlm-quiz/<quiz id>/<hash of the file>"
    text = dump_state(answers, result, attempt)        # for localStorage
    state = load_state(text, quiz)                     # {"answers", "submitted", "attempt"}
    data = dump_suspend(quiz, digest, answers, submitted, attempt)   # at most 4,096 characters
    state = load_suspend(data, quiz, digest)
"""
import hashlib
import json

from app.quiz_schema import is_number
from app.quiz_score import chosen_ids
from app.strict_json import decode

SUSPEND_LIMIT = 4096  # characters: SCORM 1.2's cmi.suspend_data maximum (2004 allows 64,000; we keep to the lower)
MAX_TYPED = 32  # characters of a typed number kept in suspend data; no number anyone means is longer


def _hash_bytes(text):
    return hashlib.sha256(text.encode("utf-8")).digest()


def content_hash(text):
    """A short hex digest of the quiz text (line endings normalised): edit the quiz, get a new hash."""
    digest = _hash_bytes(text.replace("\r\n", "\n"))
    return "".join(["%02x" % b for b in digest[:6]])


def storage_key(quiz, text):
    """The browser-storage key for saved answers, e.g. "charlm-quiz/charlm-module-6/3f2a9c01b7de"."""
    return "charlm-quiz/" + quiz["id"] + "/" + content_hash(text)


def shuffled_choices(question, seed):
    """The question's choices in display order: file order unless its "shuffle" is on, then a
    Fisher-Yates shuffle driven by sha256(seed, question id), so the same seed (say, the attempt
    number) gives the same order in CPython and MicroPython, and each question its own order."""
    choices = list(question.get("choices", []))
    if not question.get("shuffle"):
        return choices
    for i in range(len(choices) - 1, 0, -1):
        d = _hash_bytes(str(seed) + "/" + question["id"] + "/" + str(i))
        j = ((d[0] << 24) | (d[1] << 16) | (d[2] << 8) | d[3]) % (i + 1)
        choices[i], choices[j] = choices[j], choices[i]
    return choices


def dump_state(answers, result=None, attempt=1):
    """Saved state as a string for browser storage: the answers, whether they were checked
    (result is not None) and the attempt number (which seeds the shuffle)."""
    return json.dumps({"version": 1, "attempt": attempt, "submitted": result is not None, "answers": answers})


def load_state(text, quiz):
    """Saved state -> {"answers", "submitted", "attempt"} for this quiz.

    Never raises: unreadable text gives a fresh state, and answers to questions or choices that
    no longer exist are dropped, so a saved attempt cannot break the page.
    """
    fresh = {"answers": {}, "submitted": False, "attempt": 1}
    try:
        saved = decode(text) if type(text) is str else None
    except Exception:  # JSONError, or anything odd in storage: start fresh rather than break the page
        return fresh
    if type(saved) is not dict or saved.get("version") != 1 or type(saved.get("answers")) is not dict:
        return fresh
    answers = {}
    for q in quiz["questions"]:
        a = saved["answers"].get(q["id"])
        if q["type"] == "number":
            if type(a) is str or is_number(a):
                answers[q["id"]] = a
        else:
            chosen = chosen_ids(q, a)
            if q["type"] == "single" and len(chosen) == 1 and type(a) is str:
                answers[q["id"]] = chosen[0]
            elif q["type"] == "multiple" and chosen:
                answers[q["id"]] = chosen
    attempt = saved.get("attempt")
    return {"answers": answers, "submitted": saved.get("submitted") is True and bool(answers),
            "attempt": attempt if type(attempt) is int and attempt >= 1 else 1}


def _base36(n):
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        out = digits[n % 36] + out
        n //= 36
        if n == 0:
            return out


def _json_text(s):
    """s as a JSON string with only what must be escaped escaped, so its length is the same in every Python."""
    out = []
    for ch in s:
        if ch == "\"" or ch == "\\":
            out.append("\\" + ch)
        elif ord(ch) < 0x20:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    return "\"" + "".join(out) + "\""


def _compact(question, answer):
    """One answer in few characters: a choice answer as a base-36 bit mask of choice positions ("d" = the 1st,
    3rd and 4th choice), a number answer as the text typed (dropped past MAX_TYPED characters)."""
    if question["type"] == "number":
        typed = answer if type(answer) is str else "" if answer is None else str(answer)
        return typed if len(typed) <= MAX_TYPED else ""
    chosen = chosen_ids(question, answer)
    mask = 0
    for n, c in enumerate(question["choices"]):
        if c["id"] in chosen:
            mask |= 1 << n
    return _base36(mask) if mask else ""


def dump_suspend(quiz, digest, answers, submitted, attempt):
    """The learner's place as a short string for cmi.suspend_data: never more than SUSPEND_LIMIT characters.

    ["<content hash>", attempt, 0|1 checked, ["<answer>",...]] with the answers in question order (see _compact),
    unanswered ones at the end left out.
    The content hash ties it to this version of the quiz: positions mean nothing in an edited one.
    If the answers would not fit (hundreds of questions with long typed numbers), the last ones are left out,
    so a resumed attempt comes back with the earlier answers and the rest blank, and "checked" is dropped (a
    partial attempt must not come back as a checked one).
    """
    parts = [_json_text(_compact(q, answers.get(q["id"]))) for q in quiz["questions"]]
    while parts and parts[-1] == "\"\"":  # unanswered questions at the end need no place
        parts.pop()
    # ", " after numbers: the strict reader takes "1,0" for a decimal comma and says so
    head = "[" + _json_text(digest) + ", " + str(attempt) + ", "
    while True:
        text = head + ("1" if submitted else "0") + ", [" + ",".join(parts) + "]]"
        if len(text) <= SUSPEND_LIMIT:
            return text
        submitted = False
        parts.pop()


def load_suspend(text, quiz, digest):
    """cmi.suspend_data -> {"answers", "submitted", "attempt"}, or None if it is empty, unreadable or was made
    for another version of the quiz. Never raises."""
    try:
        saved = decode(text) if type(text) is str and text else None
    except Exception:  # JSONError, or anything an LMS may hand back
        return None
    if (type(saved) is not list or len(saved) != 4 or saved[0] != digest or type(saved[1]) is not int
            or saved[1] < 1 or type(saved[3]) is not list or len(saved[3]) > len(quiz["questions"])):
        return None
    answers = {}
    for q, packed in zip(quiz["questions"], saved[3]):
        if type(packed) is not str or packed == "":
            continue
        if q["type"] == "number":
            answers[q["id"]] = packed
            continue
        try:
            mask = int(packed, 36)
        except ValueError:
            continue
        chosen = [c["id"] for n, c in enumerate(q["choices"]) if mask >> n & 1]
        if q["type"] == "single" and len(chosen) == 1:
            answers[q["id"]] = chosen[0]
        elif q["type"] == "multiple" and chosen:
            answers[q["id"]] = chosen
    return {"answers": answers, "submitted": saved[2] == 1 and bool(answers), "attempt": saved[1]}
