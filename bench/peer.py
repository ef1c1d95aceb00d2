"""The TensorFlow.js peer for bench/browser.py: a loopback static server for bench/tfjs_peer/ and the calls that
drive that page (see bench/tfjs_peer/peer.py for what it trains and how).

The server maps
  /                        -> bench/tfjs_peer/   (the page and its Python)
  /vendor/                 -> www/vendor/        (PyScript, Pyodide, numpy, charlm.zip: the lesson's own runtime)
  /node_modules/@tensorflow/ -> node_modules/@tensorflow/   (tfjs and its wasm backend, benchmark-only npm pins)
  /data/                   -> a folder the benchmark names (texts that are not built in)
and nothing else. It sends no cross-origin-isolation headers, like the lesson's server, so tfjs-wasm runs on one
thread as charlm's worker does.
"""

import http.server
import json
import threading
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PEER_DIR = REPO / "bench" / "tfjs_peer"
TFJS_DIR = REPO / "node_modules" / "@tensorflow"
TYPES = {".wasm": "application/wasm", ".js": "text/javascript", ".mjs": "text/javascript", ".json": "application/json",
         ".html": "text/html; charset=utf-8", ".py": "text/plain; charset=utf-8", ".txt": "text/plain; charset=utf-8",
         ".zip": "application/zip", ".whl": "application/zip", ".css": "text/css"}


class PeerHandler(http.server.BaseHTTPRequestHandler):
    roots = []  # (URL prefix, folder), longest first; set by start_server

    def do_GET(self):
        path = urllib.parse.unquote(self.path.split("?", 1)[0])
        file = None
        for prefix, folder in self.roots:
            if path.startswith(prefix):
                rest = path[len(prefix):] or "index.html"
                candidate = (folder / rest).resolve()
                if folder.resolve() in candidate.parents and candidate.is_file():
                    file = candidate
                break
        if file is None:
            self.send_error(404)
            return
        data = file.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", TYPES.get(file.suffix, "application/octet-stream"))
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):
        pass


def start_server(www, data_dir=None):
    """Serve the peer page on a free loopback port; return (server, base URL). Stop it with server.shutdown()."""
    if not (TFJS_DIR / "tfjs" / "dist" / "tf.min.js").exists() or not (TFJS_DIR / "tfjs-backend-wasm").exists():
        raise SystemExit("TensorFlow.js is not installed: run `npm ci` (the benchmark-only devDependencies "
                         "@tensorflow/tfjs and @tensorflow/tfjs-backend-wasm), or pass --no-peer.")
    roots = [("/node_modules/@tensorflow/", TFJS_DIR), ("/vendor/", Path(www) / "vendor")]
    if data_dir:
        roots.append(("/data/", Path(data_dir)))
    roots.append(("/", PEER_DIR))
    handler = type("BoundPeerHandler", (PeerHandler,), {"roots": roots})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def call(page, name, *args):
    """Call window.charlmPeer[name](*args) in the page; the decoded JSON result, or exit with its error."""
    res = json.loads(page.evaluate("([n, a]) => window.charlmPeer[n](...a)", [name, list(args)]))
    if "error" in res:
        raise SystemExit(f"The TensorFlow.js peer failed in {name}: {res['error']}")
    return res


def open_peer(context, base, text="letters", timeout_ms=180_000):
    """A ready peer page in `context` with the model built on `text`; returns (page, what setup() said)."""
    page = context.new_page()
    page.goto(base + "/")
    page.wait_for_selector("body[data-peer=ready], body[data-peer=error]", timeout=timeout_ms)
    if page.get_attribute("body", "data-peer") == "error":
        raise SystemExit(f"The TensorFlow.js peer did not start: {page.text_content('#status')}")
    return page, call(page, "setup", text)

