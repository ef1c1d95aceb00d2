"""Run inside Pyodide, under node, by pyodide_stdlib.build_stdlib_archive: do what the worker does on its way to a
usable Train button (import numpy, charlm and the worker's modules, build a trainer, take a step, save it), then
compile every standard-library module that was imported to checked-hash bytecode (PEP 552) for this very
interpreter, into /work/bytecode.zip, named as zipimport looks for it: `json/__init__.pyc` beside
`json/__init__.py`.

/work holds numpy-site.tar.gz (unpacked into site-packages, as the worker's host does) and app/ (charlm and the
worker's modules). Each code object records the file name the module has in the browser (/lib/python312.zip/...),
the one its tracebacks show.
"""

import ctypes  # noqa: F401  (charlm's kernels open OpenBLAS through it once the worker has loaded the library)
import site
import sys
import zipfile

STDLIB = "/lib/python312.zip/"  # the standard library this interpreter (and the worker's) imports from

before = set(sys.modules)
import tarfile  # noqa: E402

tarfile.open("/work/numpy-site.tar.gz").extractall(site.getsitepackages()[0], filter="data")
for name in set(sys.modules) - before:  # what unpacking imported is not what the worker imports (its host untars)
    del sys.modules[name]
sys.path.insert(0, "/work/app")

import charlm  # noqa: E402
import charlm.texts  # noqa: E402
import worker  # noqa: E402, F401

trainer = charlm.Trainer(charlm.texts.load(charlm.texts.describe()[0]["id"]))
trainer.run(1)
charlm.Trainer.from_bytes(trainer.to_bytes())

names = sorted({module.__file__[len(STDLIB):].removesuffix("c") for module in list(sys.modules.values())
                if (getattr(module, "__file__", None) or "").startswith(STDLIB)})

import py_compile  # noqa: E402  (only now: what compiling needs is not what the worker needs)
from pathlib import Path  # noqa: E402

with zipfile.ZipFile(STDLIB.rstrip("/")) as stdlib, zipfile.ZipFile("/work/bytecode.zip.tmp", "w") as out:
    for name in names:
        source = Path("/tmp/stdlib") / name
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_bytes(stdlib.read(name))
        compiled = py_compile.compile(str(source), cfile=str(source) + "c", dfile=STDLIB + name, doraise=True,
                                      invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
        out.write(compiled, name + "c")
Path("/work/bytecode.zip.tmp").rename("/work/bytecode.zip")
