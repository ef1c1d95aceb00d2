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
    """Check a quiz file: (True, ["quiz.json: OK (9 questions, 11 points)"]) or (False, one line per problem).
    The verdict is app/quiz.py's check, the one the page applies to the same bytes."""
    name = name or str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        return False, [f"{name}: no such file; give the path of the quiz file (the default is quiz.json)"]
    except OSError as e:
        return False, [f"{name}: cannot be read ({e.strerror})"]
    return page_quiz.check(raw, name)
