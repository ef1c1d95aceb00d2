"""The page's PyScript configs name every module the page imports: a module missing from main.json or worker.json
works on a developer's machine only until the browser's cache forgets it, so this catches it before a learner does."""

import json
from pathlib import Path

WWW = Path(__file__).resolve().parents[2] / "www"


def test_main_thread_config_lists_every_app_module():
    files = json.loads((WWW / "main.json").read_text())["files"]
    listed = {k.split("/", 1)[1] for k in files if k.startswith("{APP}/")}
    assert listed == {p.name for p in (WWW / "app").glob("*.py")}


def test_worker_config_lists_every_worker_module():
    files = json.loads((WWW / "worker.json").read_text())["files"]
    listed = {Path(k).name for k in files if k.endswith(".py")}
    assert listed == {p.name for p in WWW.glob("worker_*.py")}
