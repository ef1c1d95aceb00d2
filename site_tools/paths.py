"""Where things live in the checkout: the page, its assembled runtime, the quiz and the npm packages."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WWW = ROOT / "www"
VENDOR = WWW / "vendor"  # assembled by `serve.py --setup`, git-ignored
QUIZ = ROOT / "quiz.json"
NODE_MODULES = ROOT / "node_modules"
CHARLM = ROOT / "charlm"
