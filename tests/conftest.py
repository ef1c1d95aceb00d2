"""Shared test set-up: the repository root on sys.path, so tests import serve.py, charlm and www/app modules."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "www"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))
