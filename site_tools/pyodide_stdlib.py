"""The standard library the worker boots from: vendor/pyodide/python_stdlib-bytecode.zip, Pyodide's own
python_stdlib.zip plus the bytecode of the modules the worker imports.

Why: Pyodide 0.27's python_stdlib.zip holds sources only, so every start compiled each standard-library module it
imported, on the learner's CPU: Pyodide's own start-up modules, then those numpy, charlm and the worker need. That
was most of a normal boot (under node, 4.3 s of boot fell to 1.7 s with the bytecode in place). Set-up compiles
them once, in the same Pyodide the page runs (under node, like numpy's bytecode: see pyodide_site), after doing what
the worker does on its way to a usable Train button (pyodide_stdlib_compile.py), so the list follows the code that
runs. The bytecode is checked-hash (PEP 552): zipimport uses it only while its source in the same zip hashes to the
value it records. The sources stay, for tracebacks; a module the list missed is compiled from its source as before.

Only the modules the worker imports get bytecode: all 500-odd would more than double the download. Without node the
archive is a copy of Pyodide's, and set-up says so.
"""

import shutil
import tempfile
import zipfile
from pathlib import Path

from .paths import CHARLM, WWW
from .pyodide_packages import say
from .pyodide_site import SITE_ARCHIVE, bytecode_from
from .zips import write_entry

STDLIB = "python_stdlib.zip"                    # Pyodide's, as its npm package ships it
STDLIB_ARCHIVE = "python_stdlib-bytecode.zip"   # the worker's host boots Pyodide with this one (stdLibURL)
COMPILER = Path(__file__).with_name("pyodide_stdlib_compile.py")  # runs inside Pyodide


def worker_sources(package=CHARLM, www=WWW):
    """(path under app/, file) of what the worker imports from this checkout: charlm and worker*.py."""
    files = [(p.relative_to(package.parent).as_posix(), p) for p in sorted(package.rglob("*"))
             if p.is_file() and p.suffix in (".py", ".txt") and "__pycache__" not in p.parts]
    return files + [(p.name, p) for p in sorted(www.glob("worker*.py"))]


def stdlib_bytecode(pyodide_dir, package=CHARLM, www=WWW):
    """{name.pyc: bytes} for the standard-library modules the worker imports, compiled by Pyodide under node; {}
    when node or the runtime is missing or the run fails, saying why on the set-up's output."""
    what = f"{STDLIB_ARCHIVE} is a copy of {STDLIB}, without bytecode (every start compiles the standard library)"
    if not shutil.which("node") or not (Path(pyodide_dir) / SITE_ARCHIVE).is_file():
        say(f"{what}: making it needs node and numpy's archive")
        return {}
    with tempfile.TemporaryDirectory() as work:
        shutil.copyfile(Path(pyodide_dir) / SITE_ARCHIVE, Path(work) / SITE_ARCHIVE)
        for name, path in worker_sources(package, www):
            target = Path(work) / "app" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        bytecode, problem = bytecode_from(pyodide_dir, work, COMPILER)
        if problem is not None:
            say(f"{what}: compiling it in Pyodide failed:\n{problem}")
        return bytecode


def build_stdlib_archive(pyodide_dir, package=CHARLM, www=WWW):
    """Write vendor/pyodide/python_stdlib-bytecode.zip (see the module's docstring)."""
    pyodide_dir = Path(pyodide_dir)
    bytecode = stdlib_bytecode(pyodide_dir, package, www)
    out = pyodide_dir / STDLIB_ARCHIVE
    tmp = out.with_name(out.name + ".tmp")
    with zipfile.ZipFile(pyodide_dir / STDLIB) as original, zipfile.ZipFile(tmp, "w") as z:
        entries = [(info.filename, original.read(info)) for info in original.infolist()]
        for name, data in sorted(entries + list(bytecode.items())):
            write_entry(z, name, data)
    tmp.replace(out)
    say(f"{STDLIB_ARCHIVE}: {STDLIB} with bytecode for the {len(bytecode)} modules the worker imports")
    return out
