"""A quiz file's bytes -> a usable quiz or the list of what is wrong: the one rule, used by the page and by
`python3 serve.py --check`, so both accept and reject the same files.

Three steps, each in its own module: the bytes must be UTF-8 (checked here), the text strict JSON
(strict_json.py), the data a schema-1 quiz (quiz_schema.py). Runs in CPython and in the page's MicroPython.

    quiz = read(raw)                      # QuizError listing every problem, with its place
    ok, lines = check(raw, "quiz.json")   # the verdict lines --check prints and the page shows
"""

from app.quiz_schema import QuizError, normalise, number_text, validate
from app.strict_json import JSONError, decode, utf8_error


def _text(raw):
    """raw bytes -> str, or QuizError naming the first byte that is not UTF-8."""
    raw = bytes(raw)
    bad = utf8_error(raw)
    if bad is not None:
        line = raw.count(b"\n", 0, bad) + 1
        raise QuizError("not UTF-8 text: byte " + str(bad) + " (line " + str(line) + ") is 0x" + "%02x" % raw[bad]
                        + ", which UTF-8 does not allow there; save the file as UTF-8 in your editor")
    text = raw.decode("utf-8")
    return text[1:] if text[:1] == "\ufeff" else text


def parse(text):
    """quiz.json text (str) -> a checked quiz dict with defaults filled in; QuizError lists every problem."""
    try:
        data = decode(text)
    except JSONError as e:
        raise QuizError(str(e)) from None
    problems = validate(data)
    if problems:
        raise QuizError(problems)
    return normalise(data)


def read(raw):
    """quiz.json's bytes -> (quiz, text); QuizError lists every problem, the bytes' first."""
    text = _text(raw)
    return parse(text), text


def check(raw, name):
    """(True, ["quiz.json: OK (9 questions, 11 points)"]) or (False, ["quiz.json: <problem>", ...])."""
    try:
        quiz, _ = read(raw)
    except QuizError as e:
        return False, [name + ": " + p for p in e.problems]
    n = len(quiz["questions"])
    points = 0
    for q in quiz["questions"]:
        points += q["points"]
    return True, [name + ": OK (" + str(n) + " question" + ("" if n == 1 else "s") + ", " + number_text(points)
                  + " point" + ("" if points == 1 else "s") + ")"]
