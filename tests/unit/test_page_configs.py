"""The page's configs name every module the page imports: a module missing from main.json, trainer_host.json or
worker.json works on a developer's machine only until the browser's cache forgets it, so this catches it before a
learner does."""

import ast
import json
from pathlib import Path

from site_tools import app_pack, pyodide_site

WWW = Path(__file__).resolve().parents[2] / "www"
HOME = pyodide_site.WORKER_HOME


def imported(path):
    """The top-level module names a Python file imports."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_main_thread_config_loads_every_app_module_as_one_archive():
    files = json.loads((WWW / "main.json").read_text())["files"]
    # unpacked into the interpreter's ./app/ (site_tools/app_pack.py)
    assert files == {"./vendor/" + app_pack.APP_ARCHIVE: "./app/*"}
    assert [p.name for p in app_pack.app_sources()] == sorted(p.name for p in (WWW / "app").glob("*.py"))


def test_worker_manifest_lists_the_worker_and_every_worker_module():
    files = json.loads((WWW / "worker.json").read_text())["files"]
    listed = {Path(k).name for k in files if k.endswith(".py")}
    assert listed == {"worker.py"} | {p.name for p in WWW.glob("worker_*.py")}
    # The archives are unpacked whole (trainer_host.install): charlm into the worker's home, beside the worker's
    # modules, and numpy where Pyodide's own site-packages is (the Pyodide test checks that folder is the real one).
    assert files["./vendor/charlm.zip"] == HOME
    assert all(target == HOME + Path(source).name for source, target in files.items() if source.endswith(".py"))
    assert files["./vendor/pyodide/" + pyodide_site.SITE_ARCHIVE] == pyodide_site.SITE_PACKAGES


def test_host_config_lists_every_page_module_the_host_imports():
    config = json.loads((WWW / "trainer_host.json").read_text())
    listed = {Path(k).stem for k in config["files"]}
    ours = {p.stem for p in WWW.glob("*.py")}
    assert imported(WWW / "trainer_host.py") & ours == listed
    # Pyodide is loaded as a module of the worker, from the runtime set-up assembled, never from elsewhere.
    assert list(config["js_modules"]["worker"]) == ["./vendor/pyodide/pyodide.mjs"]
