"""Assembling the page's browser runtime into www/vendor/, from the versions pinned in package.json and
package-lock.json (the one place every npm pin lives).

    vendor/pyodide/      Pyodide, the Pyodide packages the worker loads (see pyodide_packages), and numpy made
                         ready to unpack into site-packages, with its bytecode (numpy-site.zip, see pyodide_site);
                         the standard library with the bytecode the worker needs (see pyodide_stdlib)
    vendor/pyscript/     PyScript, patched to live without IndexedDB (see pyscript_patch)
    vendor/micropython/  MicroPython for the page's main thread
    vendor/chart2music/  chart2music's browser build (the global c2mChart): the loss curve as sound
    vendor/charlm.zip, vendor/charlm_lesson-*.whl   charlm for the worker and for the learner (see charlm_pack)
    vendor/app.tar.gz    the page's main-thread modules, as one download (see app_pack)

Set-up is idempotent: a stamp of everything that decides this content makes a second run a quick check. Nothing
under vendor/ is a symbolic link: files are copied, so the server and the exports can refuse every link.
"""

import hashlib
import json
import shutil
import subprocess

from . import pyodide_packages, pyodide_site, pyodide_stdlib, pyscript_patch
from .app_pack import build_app_archive
from .charlm_pack import build_charlm_wheel, build_charlm_zip
from .errors import SetupError
from .paths import NODE_MODULES, ROOT, VENDOR
from .pyodide_packages import say, sha256_file

PYODIDE_FILES = ["pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"]
MICROPYTHON_FILES = ["micropython.mjs", "micropython.wasm"]
# chart2music's dist/index.js is the build that defines the global c2mChart (index.mjs/.cjs are for bundlers).
# Its version is pinned in package.json; this is the sha256 of that version's file, checked at every set-up.
CHART2MUSIC = ("chart2music/dist/index.js", "3b95e2300167e3e0a1c85684975d85504b6de686609984dfd24c98bd3547f3af")
CHART2MUSIC_SHIPPED = "chart2music/chart2music.js"
# PyScript's code editor and terminal: loaded only for <script type="py-editor"> or a terminal, which the page has not
UNUSED_PYSCRIPT = ("codemirror", "xterm")


# What a memory snapshot of the bare interpreter depends on (see www/snapshot_rules.py): Pyodide's core files and the
# standard library the worker boots from. Their combined sha256 names the browser's snapshot cache, so a new runtime
# never restores an old runtime's snapshot.
SNAPSHOT_STAMP = "runtime-stamp.txt"
SNAPSHOT_INPUTS = ["pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", pyodide_stdlib.STDLIB_ARCHIVE]
# What the page loads of Pyodide's own files: the worker boots from the standard library with bytecode instead.
PYODIDE_SHIPPED = [name for name in PYODIDE_FILES if name != pyodide_stdlib.STDLIB] + [pyodide_stdlib.STDLIB_ARCHIVE]


def write_snapshot_stamp(folder):
    """Write vendor/pyodide/runtime-stamp.txt: the sha256 of Pyodide's core files, in a fixed order."""
    h = hashlib.sha256()
    for name in SNAPSHOT_INPUTS:
        h.update(f"{name} {sha256_file(folder / name)}\n".encode())
    (folder / SNAPSHOT_STAMP).write_text(h.hexdigest() + "\n")


def runtime_stamp(root=ROOT):
    """A fingerprint of everything that decides vendor/'s content: the npm lock, the Pyodide package list and
    carrier, the PyScript patch, chart2music's file and sha256, and how numpy's archive is made (pyodide_site). Any
    change re-assembles the runtime."""
    h = hashlib.sha256((root / "package-lock.json").read_bytes())
    h.update(json.dumps([pyodide_packages.CARRIER, pyodide_packages.PACKAGES, pyscript_patch.PATCHES,
                         CHART2MUSIC, CHART2MUSIC_SHIPPED, pyodide_site.NOT_AT_RUN_TIME, pyodide_site.NODE_LOADER,
                         pyodide_site.COMPILER.read_text(encoding="utf-8"),
                         pyodide_stdlib.COMPILER.read_text(encoding="utf-8")]).encode())
    return h.hexdigest()


def npm_packages_match(root=ROOT, modules=NODE_MODULES):
    """True if node_modules holds exactly the versions package-lock.json pins for the project's own packages."""
    lock = json.loads((root / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    top = lock[""]
    for name in {**top.get("dependencies", {}), **top.get("devDependencies", {})}:
        installed = modules / name / "package.json"
        if not installed.is_file() or json.loads(installed.read_text())["version"] != lock[f"node_modules/{name}"][
                "version"]:
            return False
    return True


def npm_install(root=ROOT):
    if not shutil.which("npm"):
        raise SetupError("npm is not installed; install Node.js and npm (e.g. `apt-get install nodejs npm`) "
                         "and try again")
    say("installing the pinned browser runtime with `npm ci` ...")
    run = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=root)
    if run.returncode != 0:
        raise SetupError("`npm ci` failed (see above)")


def copy_chart2music(modules, dest):
    src, expected = modules / CHART2MUSIC[0], CHART2MUSIC[1]
    actual = sha256_file(src)
    if actual != expected:
        raise SetupError(f"refusing {CHART2MUSIC[0]}: its sha256 is {actual}, not the {expected} recorded for the "
                         "version pinned in package.json; run `python3 serve.py --setup --force`")
    (dest / CHART2MUSIC_SHIPPED).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest / CHART2MUSIC_SHIPPED)


def build_packs(vendor):
    """The archives made from this checkout's own sources (charlm's two, the page's modules), each rebuilt only
    when a source is newer."""
    build_charlm_zip(vendor)
    build_app_archive(vendor)
    build_charlm_wheel(vendor)


def assemble(force=False, vendor=VENDOR, root=ROOT, modules=NODE_MODULES):
    """Make vendor/ hold the pinned runtime. Fast (a stamp check) when it is already complete."""
    stamp_file = vendor / ".stamp"
    stamp = runtime_stamp(root)
    if not force and stamp_file.exists() and stamp_file.read_text() == stamp:
        if not (vendor / "pyodide" / pyodide_site.SITE_ARCHIVE).is_file():
            pyodide_site.build_site_archive(vendor / "pyodide")
        if not (vendor / "pyodide" / pyodide_stdlib.STDLIB_ARCHIVE).is_file():
            pyodide_stdlib.build_stdlib_archive(vendor / "pyodide")
            write_snapshot_stamp(vendor / "pyodide")
        if not (vendor / "pyodide" / SNAPSHOT_STAMP).is_file():
            write_snapshot_stamp(vendor / "pyodide")
        build_packs(vendor)
        return
    if force or not npm_packages_match(root, modules):
        npm_install(root)
    say("copying the runtime into www/vendor/ ...")
    staging = vendor.with_name("vendor.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "pyodide").mkdir(parents=True)
    for name in PYODIDE_FILES:
        shutil.copyfile(modules / "pyodide" / name, staging / "pyodide" / name)
    shutil.copytree(modules / "@pyscript" / "core" / "dist", staging / "pyscript",
                    ignore=shutil.ignore_patterns("*.map"), copy_function=shutil.copyfile)
    pyscript_patch.patch_pyscript(staging / "pyscript")
    (staging / "micropython").mkdir()
    for name in MICROPYTHON_FILES:
        shutil.copyfile(modules / "@micropython" / "micropython-webassembly-pyscript" / name,
                        staging / "micropython" / name)
    copy_chart2music(modules, staging)
    lock = json.loads((staging / "pyodide" / "pyodide-lock.json").read_text())
    entries = pyodide_packages.packages_needed(lock)
    # Reuse packages already verified in a previous vendor folder; fetch only what is missing.
    missing = []
    for entry in entries:
        old = vendor / "pyodide" / entry["file_name"]
        if old.is_file() and not old.is_symlink() and sha256_file(old) == entry["sha256"]:
            shutil.copyfile(old, staging / "pyodide" / entry["file_name"])
        else:
            missing.append(entry)
    if missing:
        pyodide_packages.fetch(missing, staging / "pyodide")
    pyodide_site.build_site_archive(staging / "pyodide")
    pyodide_stdlib.build_stdlib_archive(staging / "pyodide")
    write_snapshot_stamp(staging / "pyodide")
    shutil.rmtree(vendor, ignore_errors=True)
    staging.rename(vendor)
    build_packs(vendor)
    stamp_file.write_text(stamp)
    say(f"runtime ready: Pyodide {lock['info']['version']}, " + ", ".join(e["file_name"] for e in entries))


def runtime_files(vendor=VENDOR):
    """(file, path relative to vendor/) for every runtime file the page loads, and nothing else (no source maps,
    no unused PyScript parts, no test-only npm packages)."""
    out = [(p, f"pyscript/{p.name}") for p in sorted((vendor / "pyscript").glob("*"))
           if p.is_file() and p.suffix != ".map" and not p.name.startswith(UNUSED_PYSCRIPT)]
    out += [(vendor / "micropython" / name, f"micropython/{name}") for name in MICROPYTHON_FILES]
    out.append((vendor / CHART2MUSIC_SHIPPED, CHART2MUSIC_SHIPPED))
    lock = json.loads((vendor / "pyodide" / "pyodide-lock.json").read_text())
    # numpy goes as the site archive made from its wheel; the other packages as Pyodide's loadPackage takes them.
    packages = [e["file_name"] for e in pyodide_packages.packages_needed(lock) if e["name"] != "numpy"]
    for name in PYODIDE_SHIPPED + [SNAPSHOT_STAMP, pyodide_site.SITE_ARCHIVE] + packages:
        out.append((vendor / "pyodide" / name, f"pyodide/{name}"))
    return out
