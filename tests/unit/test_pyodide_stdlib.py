"""The standard library the worker boots from (site_tools/pyodide_stdlib.py): Pyodide's own zip, every entry kept,
plus checked-hash bytecode for the modules the worker imports; a fresh Pyodide booted from it, as the worker's host
boots it, compiles none of them from source on its way to a trainer."""

import json
import shutil
import subprocess
import zipfile

import pytest

from site_tools import pyodide_site, pyodide_stdlib, runtime
from site_tools.paths import VENDOR, WWW

PYODIDE = VENDOR / "pyodide"
ARCHIVE = PYODIDE / pyodide_stdlib.STDLIB_ARCHIVE
needs_archive = pytest.mark.skipif(not ARCHIVE.is_file(), reason="needs the runtime (python3 serve.py --setup)")

# Boots Pyodide the way trainer_host.py does (stdLibURL), then runs a Python file with /work mounted.
HARNESS = """
const [indexURL, stdLibURL, work, script] = process.argv.slice(1);
const { readFileSync } = await import("fs");
const { pathToFileURL } = await import("url");
const { loadPyodide } = await import(pathToFileURL(indexURL + "/pyodide.mjs"));
const py = await loadPyodide({ indexURL: indexURL + "/", stdLibURL, stdout: () => {}, stderr: () => {} });
py.FS.mkdir("/work");
py.FS.mount(py.FS.filesystems.NODEFS, { root: work }, "/work");
try {
  await py.runPythonAsync(readFileSync(script, "utf8"));
} catch (e) {
  process.stderr.write(String(e.message || e));
  process.exit(1);
}
"""

# What the worker does on its way to Train, counting every standard-library module compiled from source. Also
# checks each bytecode file against its source, as this Python (3.12: its own magic number and hash key) will.
CHECK = """
import importlib.util, json, site, sys, zipfile, zipimport
STDLIB = "/lib/python312.zip/"
before = set(sys.modules)
import tarfile
tarfile.open("/work/numpy-site.tar.gz").extractall(site.getsitepackages()[0], filter="data")
for name in set(sys.modules) - before:  # the worker's host untars without Python: forget what tarfile imported
    del sys.modules[name]
archive = zipfile.ZipFile("/work/archive.zip")
stale = [name for name in archive.namelist() if name.endswith(".pyc") and (
    archive.read(name)[:4] != importlib.util.MAGIC_NUMBER or int.from_bytes(archive.read(name)[4:8], "little") != 0b11
    or archive.read(name)[8:16] != importlib.util.source_hash(archive.read(name[:-1])))]
at_boot = [m.__file__ for m in list(sys.modules.values()) if (getattr(m, "__file__", None) or "").startswith(STDLIB)]
compiled = []
from_source = zipimport._compile_source
def counted(pathname, source):
    compiled.append(pathname)
    return from_source(pathname, source)
zipimport._compile_source = counted

zipfile.ZipFile("/work/charlm.zip").extractall("/home/pyodide")
for name in %s:
    open("/home/pyodide/" + name, "wb").write(open("/work/" + name, "rb").read())
import worker, charlm, charlm.texts, json as j
trainer = charlm.Trainer(charlm.texts.load("fables"), model="transformer")
losses = trainer.run(2)
try:
    j.loads("{broken")
except ValueError as e:
    import traceback
    shown = traceback.format_exc()
json.dump({"stale": stale, "at_boot": at_boot, "compiled": compiled, "losses": losses, "traceback": shown},
          open("/work/out.json", "w"))
"""


@needs_archive
def test_the_archive_is_pyodides_standard_library_with_bytecode_beside_the_sources():
    original = zipfile.ZipFile(PYODIDE / pyodide_stdlib.STDLIB)
    ours = zipfile.ZipFile(ARCHIVE)
    kept = {info.filename: original.read(info) for info in original.infolist()}
    added = {name: ours.read(name) for name in ours.namelist() if name not in kept}
    assert all(ours.read(name) == data for name, data in kept.items())
    assert len(added) > 100 and all(name.endswith(".pyc") for name in added)  # set-up had node
    assert {"json/__init__.pyc", "asyncio/base_events.pyc", "zipfile/__init__.pyc"} <= set(added)
    assert all(name[:-1] in kept for name in added)  # zipimport looks for json/__init__.pyc beside json/__init__.py


def test_the_worker_boots_from_the_archive_and_the_page_ships_it_instead_of_pyodides():
    host = (WWW / "trainer_host.py").read_text(encoding="utf-8")
    assert f'STDLIB = "{pyodide_stdlib.STDLIB_ARCHIVE}"' in host and '"stdLibURL": index + STDLIB' in host
    shipped = {path for _, path in runtime.runtime_files()}
    assert "pyodide/" + pyodide_stdlib.STDLIB_ARCHIVE in shipped and "pyodide/" + pyodide_stdlib.STDLIB not in shipped
    assert pyodide_stdlib.STDLIB_ARCHIVE in runtime.SNAPSHOT_INPUTS  # a new archive never restores an old snapshot


@needs_archive
def test_booted_from_the_archive_pyodide_compiles_no_standard_library_module_on_its_way_to_training(tmp_path):
    if not shutil.which("node") or not (VENDOR / "charlm.zip").is_file():
        pytest.skip("needs node and the runtime")
    workers = sorted(p.name for p in WWW.glob("worker*.py"))
    for path in [PYODIDE / pyodide_site.SITE_ARCHIVE, VENDOR / "charlm.zip"] + [WWW / n for n in workers]:
        shutil.copyfile(path, tmp_path / path.name)
    shutil.copyfile(ARCHIVE, tmp_path / "archive.zip")
    (tmp_path / "check.py").write_text(CHECK % json.dumps(workers), encoding="utf-8")
    run = subprocess.run(["node", "--input-type=module", "-e", HARNESS, str(PYODIDE.resolve()), str(ARCHIVE),
                          str(tmp_path), str(tmp_path / "check.py")], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    got = json.loads((tmp_path / "out.json").read_text())
    assert len(got["at_boot"]) > 50 and all(f.endswith(".pyc") for f in got["at_boot"])  # Pyodide's own start-up
    assert got["stale"] == [] and got["compiled"] == []
    assert len(got["losses"]) == 2 and all(0 < x < 10 for x in got["losses"])
    # Tracebacks still quote the standard library's source lines, read from the sources kept in the zip.
    assert '/lib/python312.zip/json/decoder.py", line' in got["traceback"]
    assert "obj, end = self.scan_once(s, idx)" in got["traceback"]


def test_without_node_the_archive_is_a_copy_of_pyodides_and_set_up_says_so(monkeypatch, tmp_path, capsys):
    if not (PYODIDE / pyodide_stdlib.STDLIB).is_file():
        pytest.skip("needs the runtime (python3 serve.py --setup)")
    shutil.copyfile(PYODIDE / pyodide_stdlib.STDLIB, tmp_path / pyodide_stdlib.STDLIB)
    monkeypatch.setattr(pyodide_stdlib.shutil, "which", lambda name: None)
    out = pyodide_stdlib.build_stdlib_archive(tmp_path)
    assert "is a copy of python_stdlib.zip, without bytecode" in capsys.readouterr().err
    original = zipfile.ZipFile(tmp_path / pyodide_stdlib.STDLIB)
    assert sorted(zipfile.ZipFile(out).namelist()) == sorted(original.namelist())
