"""The end-of-module quiz: read and check quiz.json, score answers, keep saved state.

Pure logic, no DOM and no I/O, so the CPython tests cover it and the page stays thin.
It runs unchanged in CPython and in MicroPython (the page's main thread), which is why
it sticks to plain functions, dicts and lists, and avoids dataclasses, typing, enum and re.
The file format is described in docs/quiz-schema.md.

    quiz = parse(text)                    # QuizError listing every problem, with its place
    result = score(quiz, {"q1": "b", "q2": ["a", "c"], "q3": "4,17"})
    summary(result)                       # "2 / 3, 67%"
"""
import hashlib
import json
import math

SCHEMA = 1
TYPES = ("single", "multiple", "number")
DEFAULT_PASS_PERCENT = 70
MAX_DEPTH = 32  # deeper nesting is never a quiz, and would exhaust MicroPython's small stack

QUIZ_KEYS = ("schema", "id", "title", "intro", "pass_percent", "shuffle", "questions")
COMMON_KEYS = ("id", "type", "prompt", "points", "explanation")
TYPE_KEYS = {
    "single": ("choices", "shuffle"),
    "multiple": ("choices", "shuffle"),
    "number": ("answer", "tolerance", "unit"),
}
CHOICE_KEYS = ("id", "text", "correct", "feedback")


class QuizError(ValueError):
    """A quiz file that cannot be used. str(err) has one problem per line; err.problems lists them."""

    def __init__(self, problems):
        if isinstance(problems, str):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


# ---------------------------------------------------------------------------------------------
# JSON text -> Python values
#
# A small strict parser of our own, rather than json.loads: MicroPython's json accepts some
# broken files (a trailing comma) and its errors carry no position, and CPython's keeps the
# last of two duplicate keys without a word. This one gives the same values and the same
# "line L, column C" messages in both. It walks UTF-8 bytes because indexing a non-ASCII str
# is not constant-time in MicroPython.

_WHITESPACE = b" \t\n\r"
_ESCAPES = {0x22: '"', 0x5C: "\\", 0x2F: "/", 0x62: "\b", 0x66: "\f", 0x6E: "\n", 0x72: "\r", 0x74: "\t"}


def decode(text):
    """Parse JSON text strictly into dicts, lists, str, int, float, bool and None.

    Raises QuizError("line L, column C: what is wrong (how to fix it)"). A leading byte-order
    mark is skipped; NaN, Infinity, comments, trailing commas and duplicate keys are errors.
    """
    s = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    i = 3 if s[:3] == b"\xef\xbb\xbf" else 0
    i = _skip(s, i)
    if i >= len(s):
        raise QuizError("line 1, column 1: the file is empty; a quiz is one JSON object { ... }")
    value, i = _value(s, i, 0)
    i = _skip(s, i)
    if i < len(s):
        _fail(s, i, "unexpected text after the end of the data (an extra } or ], or a missing comma?)")
    return value


def _where(s, i):
    line_start = s.rfind(b"\n", 0, i) + 1
    column = len(s[line_start:i].decode("utf-8")) + 1
    return "line %d, column %d" % (s.count(b"\n", 0, i) + 1, column)


def _fail(s, i, message):
    raise QuizError(_where(s, i) + ": " + message)


def _skip(s, i):
    while i < len(s) and s[i] in _WHITESPACE:
        i += 1
    return i


def _found(s, i):
    if i >= len(s):
        return "the end of the file"
    if s[i] == 0x22:  # a string: show it up to its closing quote
        end = s.find(b"\"", i + 1)
        end = min(len(s), i + 30) if end < 0 or end > i + 30 else end + 1
    else:
        end = i + 1
        while end < len(s) and end < i + 12 and s[end] not in _WHITESPACE and s[end] not in b",:[]{}\"":
            end += 1
    while end < len(s) and s[end] & 0xC0 == 0x80:  # never cut a UTF-8 character in two
        end += 1
    return s[i:end].decode("utf-8").split("\n")[0]


def _value(s, i, depth):
    if depth > MAX_DEPTH:
        _fail(s, i, "nested more than %d levels deep" % MAX_DEPTH)
    if i >= len(s):
        _fail(s, i, "the file ends where a value should be; is a closing } or ] missing?")
    c = s[i]
    if c == 0x7B:  # {
        return _object(s, i, depth)
    if c == 0x5B:  # [
        return _array(s, i, depth)
    if c == 0x22:  # "
        return _string(s, i)
    if c == 0x2D or 0x30 <= c <= 0x39:  # - or a digit
        return _number(s, i)
    for word, value in ((b"true", True), (b"false", False), (b"null", None)):
        if s[i:i + len(word)] == word:
            return value, i + len(word)
    if c == 0x27:  # '
        _fail(s, i, "strings need double quotes \"...\", not single quotes")
    if s[i:i + 4] == b"True" or s[i:i + 5] == b"False" or s[i:i + 4] == b"None":
        _fail(s, i, "JSON writes true, false and null in lowercase")
    _fail(s, i, "expected a value (a \"string\", a number, true, false, null, [ or {), found " + _found(s, i))


def _object(s, i, depth):
    opened = i
    obj = {}
    i = _skip(s, i + 1)
    if i < len(s) and s[i] == 0x7D:
        return obj, i + 1
    while True:
        if i >= len(s):
            _fail(s, opened, "this { is never closed; add the missing }")
        if s[i] != 0x22:
            if s[i] == 0x7D:
                _fail(s, i, "a comma before } leaves an empty entry; remove the last comma")
            if s[i] == 0x27:
                _fail(s, i, "keys need double quotes \"...\", not single quotes")
            _fail(s, i, "expected a key in double quotes, found " + _found(s, i))
        key_at = i
        key, i = _string(s, i)
        if key in obj:
            _fail(s, key_at, "the key \"" + key + "\" appears twice in the same object; keep one")
        i = _skip(s, i)
        if i >= len(s) or s[i] != 0x3A:
            _fail(s, i, "expected : after the key \"" + key + "\", found " + _found(s, i))
        value, i = _value(s, _skip(s, i + 1), depth + 1)
        obj[key] = value
        i = _skip(s, i)
        if i < len(s) and s[i] == 0x2C:
            i = _skip(s, i + 1)
        elif i < len(s) and s[i] == 0x7D:
            return obj, i + 1
        elif i >= len(s):
            _fail(s, opened, "this { is never closed; add the missing }")
        else:
            _fail(s, i, "expected , or } after the value of \"" + key + "\" (is a comma missing?), found "
                  + _found(s, i))


def _array(s, i, depth):
    opened = i
    items = []
    i = _skip(s, i + 1)
    if i < len(s) and s[i] == 0x5D:
        return items, i + 1
    while True:
        if i >= len(s):
            _fail(s, opened, "this [ is never closed; add the missing ]")
        if s[i] == 0x5D:
            _fail(s, i, "a comma before ] leaves an empty entry; remove the last comma")
        value, i = _value(s, i, depth + 1)
        items.append(value)
        i = _skip(s, i)
        if i < len(s) and s[i] == 0x2C:
            i = _skip(s, i + 1)
        elif i < len(s) and s[i] == 0x5D:
            return items, i + 1
        elif i >= len(s):
            _fail(s, opened, "this [ is never closed; add the missing ]")
        else:
            _fail(s, i, "expected , or ] after a list item (is a comma missing?), found " + _found(s, i))


def _string(s, i):
    opened = i
    parts = []
    i += 1
    start = i
    while True:
        if i >= len(s):
            _fail(s, opened, "this string is never closed; add the missing \"")
        c = s[i]
        if c == 0x22:
            parts.append(s[start:i].decode("utf-8"))
            return "".join(parts), i + 1
        if c < 0x20:
            if c == 0x0A:
                _fail(s, opened, "this string runs past the end of the line; close it with \" "
                      "(or write \\n for a line break inside it)")
            _fail(s, i, "a control character inside a string; write it as an escape like \\t")
        if c == 0x5C:  # backslash
            parts.append(s[start:i].decode("utf-8"))
            escape = s[i + 1] if i + 1 < len(s) else -1
            if escape in _ESCAPES:
                parts.append(_ESCAPES[escape])
                i += 2
            elif escape == 0x75:  # \uXXXX, maybe a surrogate pair
                code = _hex4(s, i)
                i += 6
                if 0xD800 <= code < 0xDC00 and s[i:i + 2] == b"\\u":
                    low = _hex4(s, i)
                    if 0xDC00 <= low < 0xE000:
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                if 0xD800 <= code < 0xE000:
                    _fail(s, i - 6, "\\u" + "%04x" % code + " is half of a surrogate pair; write the character itself")
                parts.append(chr(code))
            else:
                _fail(s, i, "unknown escape; a backslash in a string is written \\\\")
            start = i
        else:
            i += 1


def _hex4(s, i):
    digits = s[i + 2:i + 6]
    if len(digits) == 4:
        for d in digits:
            if not (0x30 <= d <= 0x39 or 0x41 <= d <= 0x46 or 0x61 <= d <= 0x66):
                break
        else:
            return int(digits.decode("utf-8"), 16)
    _fail(s, i, "\\u must be followed by 4 hex digits")


def _digits(s, i):
    while i < len(s) and 0x30 <= s[i] <= 0x39:
        i += 1
    return i


def _number(s, i):
    start = i
    if s[i] == 0x2D:
        i += 1
    first = i
    i = _digits(s, i)
    if i == first:
        _fail(s, start, "a - must be followed by digits")
    if s[first] == 0x30 and i - first > 1:
        _fail(s, start, "numbers cannot start with 0 (write 7, not 07)")
    is_float = False
    if i < len(s) and s[i] == 0x2E:  # .
        j = _digits(s, i + 1)
        if j == i + 1:
            _fail(s, start, "a decimal point must be followed by digits (write 1.0 or 1, not 1.)")
        i, is_float = j, True
    if i < len(s) and s[i] in b"eE":
        j = i + 1
        if j < len(s) and s[j] in b"+-":
            j += 1
        k = _digits(s, j)
        if k == j:
            _fail(s, start, "an exponent needs digits (like 1e-3)")
        i, is_float = k, True
    if i < len(s) and s[i] == 0x2C and i + 1 < len(s) and 0x30 <= s[i + 1] <= 0x39:
        _fail(s, start, "JSON numbers use a decimal point: write 4.17, not 4,17")
    text = s[start:i].decode("utf-8")
    return (float(text) if is_float else int(text)), i


# ---------------------------------------------------------------------------------------------
# Checking a decoded quiz

def _is_number(x):
    # bool is not a number here (in CPython it is an int, in MicroPython it is not: be explicit)
    return (type(x) is int or type(x) is float) and x - x == 0  # x - x is nan for inf and nan


def _is_text(x):
    return type(x) is str and x.strip() != ""


def _num(x):
    """A number as a short, stable string: 5, 2.5, 0.3 (same in CPython and MicroPython)."""
    if type(x) is int:
        return str(x)
    return "%g" % x


def _show(x):
    """A found value as an author would write it in JSON, shortened."""
    if x is None:
        return "null"
    if x is True:
        return "true"
    if x is False:
        return "false"
    if _is_number(x):
        return _num(x)
    if type(x) is str:
        return "\"" + (x if len(x) <= 40 else x[:37] + "...") + "\""
    if type(x) is list:
        return "a list"
    if type(x) is dict:
        return "an object"
    return str(x)


def _quoted(names):
    return ", ".join(["\"" + n + "\"" for n in names])


def _distance(a, b):
    """Edits (insert, delete, replace, swap two neighbours) from a to b, for 'did you mean' hints."""
    d = [[i + j if i == 0 or j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (0 if a[i - 1] == b[j - 1] else 1))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def _closest(word, known):
    best = None
    for k in known:
        d = _distance(word.lower(), k)
        if d <= max(1, len(k) // 3) and (best is None or d < best[0]):
            best = (d, k)
    return best[1] if best else None


def _id_problem(value):
    if value is None:
        return "missing \"id\""
    if type(value) is not str or value == "":
        return "\"id\" must be a non-empty string, found " + _show(value)
    for ch in value:
        if not ("a" <= ch <= "z" or "A" <= ch <= "Z" or "0" <= ch <= "9" or ch == "-" or ch == "_"):
            return ("id " + _show(value) + " may use only letters, digits, - and _ "
                    "(it becomes part of page element ids and storage keys)")
    return None


def _check_keys(obj, known, where, problems, elsewhere=None):
    for key in sorted(obj):
        if key in known or key.startswith("_"):  # "_note": ... is an author's comment
            continue
        if elsewhere and key in elsewhere:
            problems.append(where + ": \"" + key + "\" " + elsewhere[key])
            continue
        hint = _closest(key, known)
        problems.append(where + ": unknown key \"" + key + "\""
                        + (" (did you mean \"" + hint + "\"?)" if hint else "")
                        + "; known keys: " + _quoted(known) + " (keys starting with _ are comments)")


def validate(data):
    """Every problem in a decoded quiz, as a list of strings naming the place; [] means usable.

    Example: 'questions[2] (id "q3"): a "single" question needs exactly one correct choice, found 2'.
    """
    problems = []
    if type(data) is not dict:
        return ["quiz: the file must hold one JSON object { ... }, found " + _show(data)]
    _check_keys(data, QUIZ_KEYS, "quiz", problems)
    schema = data.get("schema")
    if schema is None:
        problems.append("schema: missing; add \"schema\": " + str(SCHEMA))
    elif type(schema) is not int or schema != SCHEMA:
        problems.append("schema: this code reads schema " + str(SCHEMA) + ", found " + _show(schema))
    problem = _id_problem(data.get("id"))
    if problem:
        problems.append("quiz: " + problem)
    if not _is_text(data.get("title")):
        problems.append("title: " + ("missing" if "title" not in data else "must be non-empty text, found "
                                     + _show(data["title"])))
    if "intro" in data and type(data["intro"]) is not str:
        problems.append("intro: must be text, found " + _show(data["intro"]))
    if "pass_percent" in data:
        p = data["pass_percent"]
        if not _is_number(p) or p < 0 or p > 100:
            problems.append("pass_percent: must be a number from 0 to 100, found " + _show(p))
    if "shuffle" in data and type(data["shuffle"]) is not bool:
        problems.append("shuffle: must be true or false, found " + _show(data["shuffle"]))
    questions = data.get("questions")
    if questions is None:
        problems.append("questions: missing; add \"questions\": [ ... ]")
    elif type(questions) is not list:
        problems.append("questions: must be a list [ ... ], found " + _show(questions))
    elif not questions:
        problems.append("questions: the list is empty; add at least one question")
    else:
        seen = {}
        for n, q in enumerate(questions):
            _check_question(q, n, seen, problems)
    return problems


def _place(kind, n, obj):
    where = kind + "[" + str(n) + "]"
    if type(obj) is dict and type(obj.get("id")) is str and obj["id"]:
        where += " (id \"" + obj["id"] + "\")"
    return where


def _all_question_keys():
    known = COMMON_KEYS
    for kind in TYPES:
        known = known + tuple([k for k in TYPE_KEYS[kind] if k not in known])
    return known


def _check_question(q, n, seen, problems):
    where = _place("questions", n, q)
    if type(q) is not dict:
        problems.append(where + ": a question must be an object { ... }, found " + _show(q))
        return
    problem = _id_problem(q.get("id"))
    if problem:
        problems.append(where + ": " + problem)
    elif q["id"] in seen:
        problems.append(where + ": the id \"" + q["id"] + "\" is already used by questions["
                        + str(seen[q["id"]]) + "]; ids must be unique")
    else:
        seen[q["id"]] = n
    kind = q.get("type")
    if kind is None:
        problems.append(where + ": missing \"type\"; use one of " + _quoted(TYPES))
    elif kind not in TYPES:
        hint = _closest(kind, TYPES) if type(kind) is str else None
        problems.append(where + ": unknown type " + _show(kind)
                        + (" (did you mean \"" + hint + "\"?)" if hint else "") + "; use one of " + _quoted(TYPES))
    if kind in TYPES:
        known = COMMON_KEYS + TYPE_KEYS[kind]
        elsewhere = {}
        for key in _all_question_keys():
            if key not in known:
                owners = [t for t in TYPES if key in TYPE_KEYS[t]]
                elsewhere[key] = ("belongs to " + _quoted(owners).replace(", ", " and ") + " questions, not to a \""
                                  + kind + "\" one; remove it or change \"type\"")
        _check_keys(q, known, where, problems, elsewhere)
    else:  # the type is wrong: only flag keys that no type knows, not a cascade
        _check_keys(q, _all_question_keys(), where, problems)
    if not _is_text(q.get("prompt")):
        problems.append(where + ": " + ("missing \"prompt\"" if "prompt" not in q
                                        else "\"prompt\" must be non-empty text, found " + _show(q["prompt"])))
    if "explanation" in q and type(q["explanation"]) is not str:
        problems.append(where + ": \"explanation\" must be text, found " + _show(q["explanation"]))
    if "points" in q and not (_is_number(q["points"]) and q["points"] > 0):
        problems.append(where + ": \"points\" must be a number above 0, found " + _show(q["points"]))
    if kind == "single" or kind == "multiple":
        _check_choices(q, kind, where, problems)
    elif kind == "number":
        if "answer" not in q:
            problems.append(where + ": a \"number\" question needs \"answer\": a number")
        elif not _is_number(q["answer"]):
            problems.append(where + ": \"answer\" must be a number without quotes, like 4.17, found "
                            + _show(q["answer"]))
        if "tolerance" in q and not (_is_number(q["tolerance"]) and q["tolerance"] >= 0):
            problems.append(where + ": \"tolerance\" must be a number of 0 or more, found " + _show(q["tolerance"]))
        if "unit" in q and type(q["unit"]) is not str:
            problems.append(where + ": \"unit\" must be text, found " + _show(q["unit"]))


def _check_choices(q, kind, where, problems):
    if "shuffle" in q and type(q["shuffle"]) is not bool:
        problems.append(where + ": \"shuffle\" must be true or false, found " + _show(q["shuffle"]))
    choices = q.get("choices")
    if type(choices) is not list:
        problems.append(where + ": a \"" + kind + "\" question needs \"choices\": a list of at least 2"
                        + ("" if choices is None else ", found " + _show(choices)))
        return
    if len(choices) < 2:
        problems.append(where + ": a \"" + kind + "\" question needs at least 2 choices, found " + str(len(choices)))
    seen = {}
    correct = 0
    for m, c in enumerate(choices):
        at = where + "." + _place("choices", m, c)
        if type(c) is not dict:
            problems.append(at + ": a choice must be an object { ... }, found " + _show(c))
            continue
        _check_keys(c, CHOICE_KEYS, at, problems)
        problem = _id_problem(c.get("id"))
        if problem:
            problems.append(at + ": " + problem)
        elif c["id"] in seen:
            problems.append(at + ": the id \"" + c["id"] + "\" is already used by choices["
                            + str(seen[c["id"]]) + "] of this question; choice ids must be unique")
        else:
            seen[c["id"]] = m
        if not _is_text(c.get("text")):
            problems.append(at + ": " + ("missing \"text\"" if "text" not in c
                                         else "\"text\" must be non-empty text, found " + _show(c["text"])))
        if "correct" in c and type(c["correct"]) is not bool:
            problems.append(at + ": \"correct\" must be true or false (no quotes), found " + _show(c["correct"]))
        elif c.get("correct") is True:
            correct += 1
        if "feedback" in c and type(c["feedback"]) is not str:
            problems.append(at + ": \"feedback\" must be text, found " + _show(c["feedback"]))
    if kind == "single" and correct != 1:
        problems.append(where + ": a \"single\" question needs exactly one correct choice, found " + str(correct)
                        + ("" if correct else " (mark it with \"correct\": true)"))
    if kind == "multiple" and correct == 0:
        problems.append(where + ": a \"multiple\" question needs at least one correct choice, found 0 "
                        "(mark them with \"correct\": true)")


def normalise(data):
    """A validated quiz with every default filled in and comment keys dropped (see parse)."""
    quiz = {
        "schema": data["schema"],
        "id": data["id"],
        "title": data["title"],
        "intro": data.get("intro", ""),
        "pass_percent": data.get("pass_percent", DEFAULT_PASS_PERCENT),
        "shuffle": data.get("shuffle", False),
        "questions": [],
    }
    for q in data["questions"]:
        out = {"id": q["id"], "type": q["type"], "prompt": q["prompt"],
               "points": q.get("points", 1), "explanation": q.get("explanation", "")}
        if q["type"] == "number":
            out["answer"] = q["answer"]
            out["tolerance"] = q.get("tolerance", 0)
            out["unit"] = q.get("unit", "")
        else:
            out["shuffle"] = q.get("shuffle", quiz["shuffle"])
            out["choices"] = [{"id": c["id"], "text": c["text"], "correct": c.get("correct", False),
                               "feedback": c.get("feedback", "")} for c in q["choices"]]
        quiz["questions"].append(out)
    return quiz


def parse(text):
    """quiz.json text -> a checked quiz dict with defaults filled in; QuizError lists every problem."""
    data = decode(text)
    problems = validate(data)
    if problems:
        raise QuizError(problems)
    return normalise(data)


# ---------------------------------------------------------------------------------------------
# Scoring

def parse_number(value):
    """A learner's typed number as a float, or None if it is not one.

    Accepts "4.17", "4,17" (decimal comma), " -0.5 ", "−0.5" (Unicode minus), "1e3" and plain
    numbers. Thousands separators are not accepted: "1,234" reads as 1.234, the decimal-comma way.
    """
    if _is_number(value):
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


def _chosen(question, answer):
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
        typed = answer.strip() != "" if type(answer) is str else _is_number(answer)
        value = parse_number(answer)
        # a hair of slack so a bound typed exactly (4.12 for 4.17 +/- 0.05) counts despite float rounding
        slack = 1e-9 * max(1.0, abs(question["answer"]))
        correct = value is not None and abs(value - question["answer"]) <= question["tolerance"] + slack
        result["answered"] = typed
        result["value"] = value
    else:
        chosen = _chosen(question, answer)
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
    return _num(result["score"]) + " / " + _num(result["max"]) + ", " + str(result["percent"]) + "%"


# ---------------------------------------------------------------------------------------------
# Shuffling, storage keys and saved state

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
    except Exception:  # QuizError, or anything odd in storage: start fresh rather than break the page
        return fresh
    if type(saved) is not dict or saved.get("version") != 1 or type(saved.get("answers")) is not dict:
        return fresh
    answers = {}
    for q in quiz["questions"]:
        a = saved["answers"].get(q["id"])
        if q["type"] == "number":
            if type(a) is str or _is_number(a):
                answers[q["id"]] = a
        else:
            chosen = _chosen(q, a)
            if q["type"] == "single" and len(chosen) == 1 and type(a) is str:
                answers[q["id"]] = chosen[0]
            elif q["type"] == "multiple" and chosen:
                answers[q["id"]] = chosen
    attempt = saved.get("attempt")
    return {"answers": answers, "submitted": saved.get("submitted") is True and bool(answers),
            "attempt": attempt if type(attempt) is int and attempt >= 1 else 1}
