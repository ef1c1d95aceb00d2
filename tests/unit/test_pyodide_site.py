"""numpy as the worker installs it: the archive set-up makes from the verified wheel (site_tools/pyodide_site.py),
unpacked into a fresh Pyodide with no loadPackage, imports from its own bytecode and computes what CPython's numpy
computes."""

import gzip
import json
import shutil
import tarfile
import zipfile

import numpy as np
import pytest

from site_tools import pyodide_site, zips
from site_tools.paths import VENDOR

PYODIDE = VENDOR / "pyodide"
ARCHIVE = PYODIDE / pyodide_site.SITE_ARCHIVE
needs_archive = pytest.mark.skipif(not ARCHIVE.is_file(), reason="needs the runtime (python3 serve.py --setup)")

# Runs inside Pyodide. Counts every module Python compiles from source while numpy is imported: with the archive's
# bytecode in place there should be none. Also checks each bytecode file against its source, as Python will.
CHECK = """
import importlib.machinery, importlib.util, json, site, tarfile

compiled = []
from_source = importlib.machinery.SourceFileLoader.source_to_code
def counted(self, data, path, *args, **kwargs):
    compiled.append(path)
    return from_source(self, data, path, *args, **kwargs)
importlib.machinery.SourceFileLoader.source_to_code = counted

site_dir = site.getsitepackages()[0] + "/"
archive = tarfile.open("/work/numpy-site.tar.gz")
archive.extractall(site_dir, filter="data")
read = lambda name: archive.extractfile(name).read()
stale = []
for name in archive.getnames():
    if name.endswith(".pyc"):
        source = name.replace("__pycache__/", "").replace(".cpython-312.pyc", ".py")
        pyc = read(name)
        if (pyc[:4] != importlib.util.MAGIC_NUMBER or int.from_bytes(pyc[4:8], "little") != 0b11
                or pyc[8:16] != importlib.util.source_hash(read(source))):
            stale.append(name)

import numpy as np
x = np.arange(12, dtype=np.float32).reshape(3, 4)
json.dump({"site": site_dir, "compiled": [p for p in compiled if "/numpy/" in p], "stale": stale,
           "version": np.__version__, "product": (x @ x.T).tolist(),
           "draws": np.random.default_rng(7).integers(0, 1000, 6).tolist()}, open("/work/out.json", "w"))
"""


def test_the_archive_keeps_what_runs_and_drops_headers_stubs_and_declarations():
    wheel = next(PYODIDE.glob("numpy-*.whl"), None)
    if wheel is None:
        pytest.skip("needs the runtime (python3 serve.py --setup)")
    kept = {name for name, _ in pyodide_site.run_time_files(wheel)}
    every = set(zipfile.ZipFile(wheel).namelist())
    assert {n for n in every if n.endswith((".py", ".so"))} <= kept
    assert kept == {n for n in every if not n.endswith(("/",) + pyodide_site.NOT_AT_RUN_TIME)}
    assert "numpy/__init__.pyi" in every and "numpy/__init__.pyi" not in kept


@needs_archive
def test_numpy_from_the_archive_imports_from_its_bytecode_and_computes_as_cpython_does(tmp_path):
    if not shutil.which("node"):
        pytest.skip("needs node")
    names = tarfile.open(ARCHIVE).getnames()
    sources = [n for n in names if n.endswith(".py")]
    assert len([n for n in names if n.endswith(".pyc")]) == len(sources) > 100  # set-up had node: all compiled
    shutil.copyfile(ARCHIVE, tmp_path / pyodide_site.SITE_ARCHIVE)
    (tmp_path / "check.py").write_text(CHECK, encoding="utf-8")
    run = pyodide_site.run_in_pyodide(PYODIDE, tmp_path, tmp_path / "check.py")
    assert run.returncode == 0, run.stderr[-3000:]
    got = json.loads((tmp_path / "out.json").read_text())
    assert got["site"] == pyodide_site.SITE_PACKAGES  # where worker.json has the host unpack it
    assert got["stale"] == [] and got["compiled"] == []
    assert got["version"] == "2.0.2"
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    assert got["product"] == (x @ x.T).tolist()
    assert got["draws"] == np.random.default_rng(7).integers(0, 1000, 6).tolist()


def test_without_node_an_archive_is_made_without_bytecode_and_set_up_says_so(monkeypatch, capsys):
    monkeypatch.setattr(pyodide_site.shutil, "which", lambda name: None)
    assert pyodide_site.compile_in_pyodide(PYODIDE, [("a.py", b"x = 1\n")], "/home/pyodide/", "some.zip") == {}
    assert "some.zip is made without bytecode" in capsys.readouterr().err


@needs_archive
def test_a_module_that_does_not_compile_leaves_the_archive_without_bytecode_and_says_why(capsys):
    if not shutil.which("node"):
        pytest.skip("needs node")
    files = [("fine.py", b"x = 1\n"), ("broken.py", b"def (:\n")]
    assert pyodide_site.compile_in_pyodide(PYODIDE, files, "/home/pyodide/", "some.zip") == {}
    err = capsys.readouterr().err
    assert "compiling bytecode for some.zip in Pyodide failed" in err and "broken.py" in err
    good = pyodide_site.compile_in_pyodide(PYODIDE, files[:1], "/home/pyodide/", "some.zip")
    assert list(good) == ["__pycache__/fine.cpython-312.pyc"]


@needs_archive
def test_each_file_of_the_archive_is_a_header_the_host_reads_whole_then_its_bytes():
    """What trainer_host.unpack_tar assumes: after gunzip, 512-byte headers, each holding the whole name in its
    first 100 bytes (no prefix field), the octal size and type "0", the file's bytes padded to 512, two zero blocks."""
    tar = gzip.decompress(ARCHIVE.read_bytes())
    members = {m.name: m for m in tarfile.open(ARCHIVE).getmembers()}
    at, seen = 0, []
    while tar[at:at + 512].strip(b"\0"):
        header = tar[at:at + 512]
        name, size = header[:100].rstrip(b"\0").decode(), int(header[124:136].strip(b"\0 ") or b"0", 8)
        assert header[345:500].strip(b"\0") == b"" and header[156:157] == b"0", name
        assert size == members[name].size
        seen.append(name)
        at += 512 + (size + 511) // 512 * 512
    assert sorted(seen) == sorted(members) and len(seen) > 300
    assert tar[at:].strip(b"\0") == b""


def test_a_name_too_long_for_the_headers_name_field_is_refused_and_the_format_is_reproducible():
    assert zips.tar_gz([("a/b.py", b"x")]) == zips.tar_gz([("a/b.py", b"x")])  # no time or owner in it
    with pytest.raises(ValueError, match="at most 100 bytes"):
        zips.tar_gz([("numpy/" + "x" * 95 + ".py", b"")])
