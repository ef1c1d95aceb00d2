"""`--check`: a quiz file run through www/app/quiz.py, the same validator the page runs, so the author sees the
problems the learner's page would.

www/app/ is the page's code, not a package of this project: this is the one place that puts www/ on sys.path to
import it (the tests do the same in tests/conftest.py).
"""

import sys
from pathlib import Path

from .paths import WWW

if str(WWW) not in sys.path:
    sys.path.insert(0, str(WWW))

from app import quiz as page_quiz  # noqa: E402  (needs www/ on sys.path, just above)

QuizError = page_quiz.QuizError


def parse(text):
    """The quiz as the page reads it (normalised: every question has its points); raises QuizError."""
    return page_quiz.parse(text)


def check_quiz(path, name=None):
    """Check a quiz file: (True, ["quiz.json: OK (9 questions, 11 points)"]) or (False, one line per problem)."""
    name = name or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return False, [f"{name}: no such file; give the path of the quiz file (the default is quiz.json)"]
    except UnicodeDecodeError:
        return False, [f"{name}: not UTF-8 text; save it as UTF-8 in your editor"]
    except OSError as e:
        return False, [f"{name}: cannot be read ({e.strerror})"]
    try:
        quiz = parse(text)
    except QuizError as e:
        return False, [f"{name}: {p}" for p in e.problems]
    n = len(quiz["questions"])
    points = sum(q["points"] for q in quiz["questions"])
    shown = str(points) if isinstance(points, int) else f"{points:g}"
    return True, [f"{name}: OK ({n} question{'s' * (n != 1)}, {shown} point{'s' * (points != 1)})"]
