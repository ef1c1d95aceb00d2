"""The quiz file format, schema 1: check a decoded quiz.json (every problem, with its place) and fill in defaults.

Pure logic, no DOM and no I/O; it runs unchanged in CPython (`serve.py --check`) and in the page's MicroPython,
which is why it sticks to plain functions, dicts and lists, and avoids dataclasses, typing, enum and re.
The format is described in docs/quiz-schema.md.

    problems = validate(data)     # [] when usable, else one line per problem naming its place
    quiz = normalise(data)        # every default filled in, comment keys dropped
"""

SCHEMA = 1
TYPES = ("single", "multiple", "number")
DEFAULT_PASS_PERCENT = 70

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


def is_number(x):
    """True for an int or float that is finite (never for a bool)."""
    # bool is not a number here (in CPython it is an int, in MicroPython it is not: be explicit)
    return (type(x) is int or type(x) is float) and x - x == 0  # x - x is nan for inf and nan


def _is_text(x):
    return type(x) is str and x.strip() != ""


def number_text(x):
    """A number as an author would write it, short and the same in CPython and MicroPython: 5, 2.5, 0.693."""
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
    if is_number(x):
        return number_text(x)
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


def _check_unique_id(item, index, seen, where, listed_in, rule, problems):
    """A valid id not used before in `listed_in` (seen: id -> index); records it, or says what is wrong."""
    problem = _id_problem(item.get("id"))
    if problem:
        problems.append(where + ": " + problem)
    elif item["id"] in seen:
        problems.append(where + ": the id \"" + item["id"] + "\" is already used by " + listed_in + "["
                        + str(seen[item["id"]]) + "]" + rule)
    else:
        seen[item["id"]] = index


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
        if not is_number(p) or p < 0 or p > 100:
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
    _check_unique_id(q, n, seen, where, "questions", "; ids must be unique", problems)
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
    if "points" in q and not (is_number(q["points"]) and q["points"] > 0):
        problems.append(where + ": \"points\" must be a number above 0, found " + _show(q["points"]))
    if kind == "single" or kind == "multiple":
        _check_choices(q, kind, where, problems)
    elif kind == "number":
        if "answer" not in q:
            problems.append(where + ": a \"number\" question needs \"answer\": a number")
        elif not is_number(q["answer"]):
            problems.append(where + ": \"answer\" must be a number without quotes, like 4.17, found "
                            + _show(q["answer"]))
        if "tolerance" in q and not (is_number(q["tolerance"]) and q["tolerance"] >= 0):
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
        _check_unique_id(c, m, seen, at, "choices", " of this question; choice ids must be unique", problems)
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
