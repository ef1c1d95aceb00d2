"""The development server: the page at /, the quiz file at /quiz.json, nothing else.

Shaped like CPython's http.server: do_GET and do_HEAD share send_head, whose steps are small methods
(translate_path, headers, compressed), and settings come through the constructor (bound with functools.partial).

Built to hold a classroom arriving at once: each compressible file is gzipped by one request while the others wait
for that result, the listen queue is long, and a connection that stops sending is dropped after a timeout.
"""

import email.utils
import functools
import gzip
import http.server
import mimetypes
import threading
import urllib.parse
from concurrent.futures import Future
from pathlib import Path

COMPRESSIBLE = {".html", ".js", ".mjs", ".css", ".json", ".py", ".toml", ".txt", ".wasm", ".svg", ".csv"}
TYPES = {".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm", ".py": "text/plain",
         ".toml": "text/plain", ".json": "application/json", ".zip": "application/zip", ".whl": "application/zip",
         ".svg": "image/svg+xml", ".ico": "image/x-icon", ".css": "text/css", ".html": "text/html",
         ".txt": "text/plain", ".png": "image/png",
         # the .tar.gz archives go as they are, never with a Content-Encoding (app.tar.gz: the browser would unpack it
         # before PyScript)
         ".gz": "application/gzip"}
TIMEOUT = 30   # seconds a connection may sit idle mid-request before it is dropped
BACKLOG = 128  # connections the kernel queues while every thread is busy (socketserver's default is 5)
CHUNK = 256 * 1024  # bytes per write of a response body


def resolve(url_path, roots):
    """Map a request path to a file under one of the served roots, or None.

    `roots` maps URL prefixes to folders (longest prefix first) and exact URLs to files. Percent-encoding is decoded
    once; any '..' segment, backslash, NUL or hidden name is refused, and so is any symbolic link below a root
    (the exports leave links out by the same rule), so what is served is what sits inside the folder."""
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
            candidate = target
            for part in rest.split("/"):
                candidate = candidate / part
                if candidate.is_symlink():
                    return None
            return candidate if candidate.is_file() else None
        if path == prefix:
            return target if target.is_file() else None
    return None


class GzipStore:
    """Gzipped copies of files, made once per file version however many requests ask for it at the same time:
    the first request compresses, the others wait for its result (a 10 MB wasm takes about a second)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._made = {}  # path -> (etag, Future of the gzipped bytes)

    def get(self, path, etag):
        with self._lock:
            known = self._made.get(path)
            mine = known is None or known[0] != etag
            if mine:
                known = (etag, Future())
                self._made[path] = known  # replaces an older version's copy
        future = known[1]
        if mine:
            try:
                future.set_result(gzip.compress(Path(path).read_bytes(), compresslevel=6, mtime=0))
            except BaseException as e:
                future.set_exception(e)
                with self._lock:
                    if self._made.get(path) is known:
                        del self._made[path]
        return future.result()


class Handler(http.server.BaseHTTPRequestHandler):
    """GET and HEAD for the files under `roots`; 404 for anything else, 405 for other methods.

    roots: [(URL prefix or exact URL, folder or file)], longest prefix first (see resolve)
    long_cache: a folder whose files may be cached for a day (the pinned runtime); everything else revalidates
    refresh: {file: function} for generated files to bring up to date before serving them (charlm's packs)
    gzip_store: the server's GzipStore; quiet: no request log; timeout: seconds of silence before a drop
    """

    server_version = "charlm"
    sys_version = ""

    def __init__(self, *args, roots, gzip_store, long_cache=None, refresh=None, quiet=False, timeout=TIMEOUT,
                 **kwargs):
        self.roots, self.gzip_store, self.quiet, self.timeout = roots, gzip_store, quiet, timeout
        self.long_cache = Path(long_cache) if long_cache else None
        self.refresh = refresh or {}
        super().__init__(*args, **kwargs)  # handles the request: every setting must be in place before

    def do_GET(self):
        data = self.send_head()
        if data:
            # In pieces: the timeout bounds each write, so a slow learner's link gets TIMEOUT per piece, not for
            # the whole 10 MB (socket.sendall's timeout covers all the data it is given).
            view = memoryview(data)
            for start in range(0, len(view), CHUNK):
                self.wfile.write(view[start:start + CHUNK])

    def do_HEAD(self):
        self.send_head()

    def refuse(self):
        self.send_response(405)
        self.send_header("Allow", "GET, HEAD")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = refuse

    def translate_path(self, path):
        """The file a request path names, or None."""
        file = resolve(path, self.roots)
        if file is not None and file in self.refresh:
            with self.server.refresh_lock:
                self.refresh[file]()  # picks up edits to charlm/ on reload, without restarting the server
        return file

    def cache_control(self, file):
        # The runtime under vendor/ only changes when its pins do; generated files and the page's own revalidate.
        pinned = self.long_cache is not None and self.long_cache in file.parents and file not in self.refresh
        return "public, max-age=86400" if pinned else "no-cache"

    def content_type(self, file):
        ctype = TYPES.get(file.suffix.lower()) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        return ctype + "; charset=utf-8" if ctype.startswith("text/") or ctype == "application/json" else ctype

    def compressed(self, file, etag, size):
        """The gzipped body if this file is worth compressing and the client accepts it, else None."""
        if file.suffix.lower() in COMPRESSIBLE and size > 1024 and "gzip" in self.headers.get("Accept-Encoding", ""):
            return self.gzip_store.get(file, etag)
        return None

    def send_head(self):
        """Send the status and headers; return the body to send for a GET (None when there is none)."""
        file = self.translate_path(self.path)
        if file is None:
            data = b"Not found\n"
            self.send_response(404)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            return data
        stat = file.stat()
        etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
        cache = self.cache_control(file)
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Cache-Control", cache)
            self.end_headers()
            return None
        data = self.compressed(file, etag, stat.st_size)
        encoding = "gzip" if data is not None else None
        if data is None:
            data = file.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", self.content_type(file))
        self.send_header("Content-Length", str(len(data)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", email.utils.formatdate(stat.st_mtime, usegmt=True))
        self.send_header("Cache-Control", cache)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Vary", "Accept-Encoding")
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.end_headers()
        return data

    def log_message(self, fmt, *args):
        if not self.quiet:
            super().log_message(fmt, *args)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = BACKLOG

    def __init__(self, address, handler):
        self.refresh_lock = threading.Lock()  # one rebuild of a generated file at a time
        super().__init__(address, handler)


def make_server(host, port, *, www, quiz, vendor=None, refresh=None, quiet=False, timeout=TIMEOUT):
    """An HTTP server for the page: `www` at /, the quiz file at /quiz.json. Port 0 picks a free port.

    `vendor` (under www) is the runtime that may be cached for a day; `refresh` maps generated files to the
    function that brings each up to date before it is served."""
    handler = functools.partial(Handler, roots=[("/quiz.json", Path(quiz)), ("/", Path(www))],
                                gzip_store=GzipStore(), long_cache=vendor, refresh=refresh, quiet=quiet,
                                timeout=timeout)
    return Server((host, port), handler)
