"""charlm packed two ways: charlm.zip for the page's worker, and a wheel the learner can download and install.

Both are written byte for byte reproducibly (one timestamp, sorted entries) and rebuilt whenever a charlm source
is newer than them, so editing charlm and reloading the page just works (the zip's bytecode, compiled in Pyodide,
takes a few seconds more).
"""

import ast
import base64
import hashlib
import zipfile
from pathlib import Path

from .paths import CHARLM, VENDOR
from .pyodide_site import COMPILER, WORKER_HOME, compile_in_pyodide
from .zips import up_to_date, write_entry

DISTRIBUTION = "charlm-lesson"    # the name on PyPI is taken by an unrelated project; the import name is charlm
SUMMARY = "A tiny next-character language model trainer in pure numpy (the charlm lesson's package)."


def charlm_sources(package=CHARLM):
    """The files of the charlm package: its modules and its built-in texts."""
    return sorted(p for p in package.rglob("*")
                  if p.is_file() and p.suffix in (".py", ".txt") and "__pycache__" not in p.parts)


def charlm_version(package=CHARLM):
    """charlm.__version__, read from the source without importing charlm (which needs numpy)."""
    tree = ast.parse((package / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__version__" for t in node.targets):
            return ast.literal_eval(node.value)
    raise ValueError("charlm/__init__.py sets no __version__")


def wheel_name(package=CHARLM):
    """The learner's download: its file name, which is also its URL relative to the page's vendor/ folder."""
    return f"{DISTRIBUTION.replace('-', '_')}-{charlm_version(package)}-py3-none-any.whl"


def wheel_url(package=CHARLM):
    """The download's URL relative to the page (index.html), the same on the dev server and in every export."""
    return "vendor/" + wheel_name(package)


def pack_charlm(out, package=CHARLM, pyodide_dir=VENDOR / "pyodide"):
    """charlm's sources as the zip the worker unpacks into its home, with each module's bytecode when set-up can
    compile it (pyodide_site.compile_in_pyodide: checked-hash, so it is used only while it matches its source)."""
    files = [(p.relative_to(package.parent).as_posix(), p.read_bytes()) for p in charlm_sources(package)]
    bytecode = compile_in_pyodide(pyodide_dir, files, WORKER_HOME, "charlm.zip")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in sorted(files + list(bytecode.items())):
            write_entry(z, name, data)


def pack_wheel(out, package=CHARLM):
    """charlm as a pure-Python wheel (PEP 427): the package, then METADATA, WHEEL and RECORD in its .dist-info."""
    version = charlm_version(package)
    info = f"{DISTRIBUTION.replace('-', '_')}-{version}.dist-info"
    metadata = (f"Metadata-Version: 2.1\nName: {DISTRIBUTION}\nVersion: {version}\nSummary: {SUMMARY}\n"
                f"License: MIT\nRequires-Python: >=3.11\nRequires-Dist: numpy>=2.0\n").encode()
    wheel = b"Wheel-Version: 1.0\nGenerator: charlm serve.py\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    entries = [(p.relative_to(package.parent).as_posix(), p.read_bytes()) for p in charlm_sources(package)]
    entries += [(f"{info}/METADATA", metadata), (f"{info}/WHEEL", wheel)]
    record = []
    for name, data in entries:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append(f"{info}/RECORD,,")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            write_entry(z, name, data)
        write_entry(z, f"{info}/RECORD", ("\n".join(record) + "\n").encode())


def _fresh(out, pack, package):
    """`out` rebuilt with `pack` unless it is newer than every charlm source and the code that packs it."""
    packing = [Path(__file__), COMPILER]
    return up_to_date(out, lambda path: pack(path, package), charlm_sources(package) + packing)


def build_charlm_zip(vendor=VENDOR, package=CHARLM):
    """vendor/charlm.zip, up to date with charlm's sources."""
    return _fresh(vendor / "charlm.zip", pack_charlm, package)


def build_charlm_wheel(vendor=VENDOR, package=CHARLM):
    """vendor/charlm_lesson-<version>-py3-none-any.whl, up to date with charlm's sources."""
    for old in vendor.glob(f"{DISTRIBUTION.replace('-', '_')}-*.whl"):
        if old.name != wheel_name(package):
            old.unlink()  # the version changed: the old download must not linger in the exports
    return _fresh(vendor / wheel_name(package), pack_wheel, package)
