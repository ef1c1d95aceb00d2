"""Shared test set-up: the repository root on sys.path, so tests import serve.py, charlm and www/app modules."""

import os
import sys
from pathlib import Path

# Tiny matrices: OpenBLAS threads only contend on a busy 2-core machine (measured ~10x slower), so use one.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "www"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))
