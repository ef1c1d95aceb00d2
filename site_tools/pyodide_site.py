"""numpy for the worker as an archive to unpack straight into Pyodide's site-packages (numpy-site.tar.gz).

Why not `loadPackage("numpy")`: starting the page is CPU-bound, and most of numpy's share of it went on work a
learner's browser need not do at every visit.
  - loadPackage compiles all 19 of numpy's extension modules before anything is imported. Unpacked as a plain
    archive, each extension is compiled when Python first imports it (a worker may compile synchronously), and
    charlm never imports some of them (fft, the test modules).
  - Importing numpy compiled 90-odd modules from source every time. The archive carries each module's bytecode as
    well, compiled at set-up by the same Pyodide the page runs, so the import reads it instead. The bytecode is
    "checked-hash" (PEP 552): Python uses it only while its source hashes to the value it records, and otherwise
    recompiles, so a mismatch can only cost time, never run stale code.
Why a .tar.gz: the worker's host ungzips it with the browser's own gzip while Pyodide is still starting, and writes
each file with one call (trainer_host.unpack_tar); a zip went through Python's zipfile inside WebAssembly after the
start, 220-370 ms of every visit. Compiling needs node to run Pyodide; without it the archive is made without
bytecode and the page only imports more slowly. The archive is made from the wheel that set-up has verified
against Pyodide's lock (pyodide_packages), and holds everything in it but C headers, Cython declarations and type
stubs, which nothing imports at run time.
charlm.zip gets its bytecode the same way (charlm_pack).
"""

import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from .pyodide_packages import say
from .zips import tar_gz

SITE_ARCHIVE = "numpy-site.tar.gz"
SITE_PACKAGES = "/lib/python3.12/site-packages/"  # Pyodide 0.27's (site.getsitepackages()); the worker unpacks here
WORKER_HOME = "/home/pyodide/"                    # Pyodide's working folder, on its sys.path: charlm and the worker
NOT_AT_RUN_TIME = (".pyi", ".pxd", ".pyx", ".h", ".c")
COMPILER = Path(__file__).with_name("pyodide_compile.py")  # runs inside Pyodide

# The smallest loader that runs COMPILER inside Pyodide under node, with the work folder mounted at /work. Everything
# it does is in COMPILER, in Python.
NODE_LOADER = """
const [indexURL, work, script] = process.argv.slice(1);
const { readFileSync } = await import("fs");
const { pathToFileURL } = await import("url");
const { loadPyodide } = await import(pathToFileURL(indexURL + "/pyodide.mjs"));
const py = await loadPyodide({ indexURL: indexURL + "/" });
py.FS.mkdir("/work");
py.FS.mount(py.FS.filesystems.NODEFS, { root: work }, "/work");
try {
  await py.runPythonAsync(readFileSync(script, "utf8"));
} catch (e) {  // a Python error: its traceback, not the minified line of Pyodide that node would quote
  process.stderr.write(String(e.message || e));
  process.exit(1);
}
"""


def run_time_files(wheel):
    """(name, bytes) of every file in the numpy wheel that the interpreter may read at run time, sorted by name."""
    with zipfile.ZipFile(wheel) as z:
        return [(name, z.read(name)) for name in sorted(z.namelist())
                if not name.endswith("/") and not name.endswith(NOT_AT_RUN_TIME)]


def run_in_pyodide(pyodide_dir, work, script, timeout=300):
    """Run the Python file `script` inside Pyodide under node, with the folder `work` mounted at /work; the
    finished process (node must be installed)."""
    return subprocess.run(["node", "--input-type=module", "-e", NODE_LOADER, str(Path(pyodide_dir).resolve()),
                           str(work), str(script)], capture_output=True, text=True, timeout=timeout)


def compile_in_pyodide(pyodide_dir, files, folder, what):
    """{pyc path: bytes} for the .py files among `files` (paths relative to `folder`, where the worker will put
    them), compiled by Pyodide under node; {} when node or the runtime is missing or the compile fails, saying so
    on the set-up's output, since `what` (the archive being made) then only makes the page import more slowly."""
    if not shutil.which("node") or not (Path(pyodide_dir) / "pyodide.mjs").is_file():
        say(f"{what} is made without bytecode: it needs node and the Pyodide runtime (the page imports more slowly)")
        return {}
    with tempfile.TemporaryDirectory() as work:
        (Path(work) / "folder.txt").write_text(folder, encoding="utf-8")
        with zipfile.ZipFile(Path(work) / "sources.zip", "w") as z:
            for name, data in files:
                if name.endswith(".py"):
                    z.writestr(name, data)
        bytecode, problem = bytecode_from(pyodide_dir, work, COMPILER)
        if problem is not None:
            say(f"compiling bytecode for {what} in Pyodide failed; it is made without:\n{problem}")
        return bytecode


def bytecode_from(pyodide_dir, work, script):
    """Run `script` in Pyodide with `work` mounted at /work (see run_in_pyodide) and read the /work/bytecode.zip it
    writes: ({name: bytes}, None), or ({}, what went wrong: Python's traceback, or that node never finished)."""
    try:
        run = run_in_pyodide(pyodide_dir, work, script)
        problem = (run.stderr or run.stdout)[-1500:] if run.returncode != 0 else None
    except subprocess.TimeoutExpired:
        problem = "node did not finish in time"
    out = Path(work) / "bytecode.zip"
    if problem is not None or not out.is_file():
        return {}, problem
    with zipfile.ZipFile(out) as z:
        return {name: z.read(name) for name in z.namelist()}, None


def build_site_archive(pyodide_dir):
    """Write vendor/pyodide/numpy-site.tar.gz from the verified numpy wheel there (see the module's docstring)."""
    pyodide_dir = Path(pyodide_dir)
    wheel = next(pyodide_dir.glob("numpy-*.whl"))
    files = run_time_files(wheel)
    bytecode = compile_in_pyodide(pyodide_dir, files, SITE_PACKAGES, SITE_ARCHIVE)
    out = pyodide_dir / SITE_ARCHIVE
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(tar_gz(sorted(files + list(bytecode.items()))))
    tmp.replace(out)
    say(f"{SITE_ARCHIVE}: {len(files)} files of {wheel.name}, bytecode for {len(bytecode)} modules")
    return out
