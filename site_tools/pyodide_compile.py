"""Run inside Pyodide, under node, by pyodide_site.compile_in_pyodide: compile every module in /work/sources.zip to
checked-hash bytecode (PEP 552) for this very interpreter, into /work/bytecode.zip.

The sources are first put where the worker will put them (the folder named in /work/folder.txt: site-packages for
numpy, the worker's home for charlm), so that each module's recorded file name, the one tracebacks show, is the
real one.
"""

import py_compile
import zipfile
from importlib.util import cache_from_source
from pathlib import Path

folder = Path(Path("/work/folder.txt").read_text(encoding="utf-8"))
with zipfile.ZipFile("/work/sources.zip") as z:
    names = sorted(n for n in z.namelist() if n.endswith(".py"))
    z.extractall(folder, names)

with zipfile.ZipFile("/work/bytecode.zip.tmp", "w") as out:
    for name in names:
        source = folder / name
        compiled = py_compile.compile(str(source), doraise=True,
                                      invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
        out.write(compiled, Path(cache_from_source(str(source))).relative_to(folder).as_posix())
Path("/work/bytecode.zip.tmp").rename("/work/bytecode.zip")
