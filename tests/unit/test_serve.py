"""The development server (site_tools.server): what it serves and what it refuses."""

import gzip
import http.client
import threading

import pytest

from site_tools.server import make_server


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    www = tmp_path_factory.mktemp("www")
    (www / "index.html").write_text("<!doctype html><title>t</title>" + "x" * 2000)
    (www / "app").mkdir()
    (www / "app" / "ui.py").write_text("print('hi')\n")
    (www / "m.mjs").write_text("export const a = 1;\n")
    (www / "w.wasm").write_bytes(b"\0asm" + b"\1" * 10)
    (www / ".secret").write_text("hidden")
    outside = www.parent / "outside.txt"
    outside.write_text("must never be served")
    quiz = www.parent / "quiz.json"
    quiz.write_text('{"id": "q"}')
    server = make_server("127.0.0.1", 0, www=www, quiz=quiz, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def request(port, method, path, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(method, path, headers=headers or {})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp, body


def test_index_is_served_at_root_with_html_type(site):
    resp, body = request(site, "GET", "/")
    assert resp.status == 200
    assert resp.getheader("Content-Type") == "text/html; charset=utf-8"
    assert body.startswith(b"<!doctype html>")


@pytest.mark.parametrize("path, ctype", [("/m.mjs", "text/javascript"), ("/w.wasm", "application/wasm"),
                                         ("/quiz.json", "application/json")])
def test_runtime_files_get_the_mime_types_browsers_require(site, path, ctype):
    resp, _ = request(site, "GET", path)
    assert resp.status == 200
    assert resp.getheader("Content-Type").split(";")[0] == ctype


@pytest.mark.parametrize("path", ["/../outside.txt", "/app/../../outside.txt", "/%2e%2e/outside.txt",
                                  "/app/%2E%2E/%2e%2e/outside.txt", "/..%2foutside.txt", "/app%5c..%5c..%5coutside.txt",
                                  "/.secret", "/app/", "/app", "/missing.html", "/index.html%00.py"])
def test_traversal_hidden_files_directories_and_missing_files_are_refused(site, path):
    resp, body = request(site, "GET", path)
    assert resp.status == 404
    assert b"must never be served" not in body and b"hidden" not in body


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_only_get_and_head_are_allowed(site, method):
    resp, _ = request(site, method, "/")
    assert resp.status == 405
    assert resp.getheader("Allow") == "GET, HEAD"


def test_head_sends_headers_without_a_body(site):
    resp, body = request(site, "HEAD", "/app/ui.py")
    assert resp.status == 200 and body == b""
    assert int(resp.getheader("Content-Length")) == len("print('hi')\n")


def test_large_text_is_gzipped_when_the_browser_accepts_it(site):
    resp, body = request(site, "GET", "/", {"Accept-Encoding": "gzip, br"})
    assert resp.getheader("Content-Encoding") == "gzip"
    assert gzip.decompress(body).startswith(b"<!doctype html>")
    plain, _ = request(site, "GET", "/")
    assert plain.getheader("Content-Encoding") is None


def test_unchanged_file_revalidates_with_304(site):
    resp, _ = request(site, "GET", "/m.mjs")
    etag = resp.getheader("ETag")
    again, body = request(site, "GET", "/m.mjs", {"If-None-Match": etag})
    assert again.status == 304 and body == b""


def test_a_symlink_under_the_root_is_never_followed(tmp_path):
    """A link could point anywhere on the author's machine; the exports leave links out by the same rule."""
    www = tmp_path / "www"
    (www / "app").mkdir(parents=True)
    (www / "index.html").write_text("page")
    secret = tmp_path / "secret.txt"
    secret.write_text("must never be served")
    (www / "evil.txt").symlink_to(secret)
    (www / "linked").symlink_to(tmp_path, target_is_directory=True)
    (www / "app" / "twice.txt").symlink_to(www / "index.html")  # even a link that stays inside
    server = make_server("127.0.0.1", 0, www=www, quiz=tmp_path / "quiz.json", quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        for path in ("/evil.txt", "/linked/secret.txt", "/app/twice.txt"):
            resp, body = request(port, "GET", path)
            assert resp.status == 404, path
            assert b"must never be served" not in body and b"page" not in body
        assert request(port, "GET", "/index.html")[0].status == 200
    finally:
        server.shutdown()
        server.server_close()
