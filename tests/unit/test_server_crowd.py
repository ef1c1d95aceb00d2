"""The dev server under a crowd: a half-sent request is dropped after the timeout, and concurrent first requests
for one file compress it once."""

import gzip
import http.client
import socket
import threading
import time

import pytest

from site_tools import server as server_mod
from site_tools.server import BACKLOG, make_server


@pytest.fixture
def served(tmp_path):
    www = tmp_path / "www"
    www.mkdir()
    (www / "big.wasm").write_bytes(b"\0asm" + bytes(range(256)) * 4000)
    server = make_server("127.0.0.1", 0, www=www, quiz=tmp_path / "quiz.json", quiet=True, timeout=0.5)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_half_sent_request_is_dropped_after_the_timeout(served):
    sock = socket.create_connection(served.server_address[:2], timeout=10)
    try:
        sock.sendall(b"GET /big.wasm HTTP/1.1\r\nHost: x")  # and never the blank line that ends the headers
        start = time.monotonic()
        assert sock.recv(1024) == b""  # the server closed the connection without answering
        assert time.monotonic() - start < 5
    finally:
        sock.close()


def test_the_listen_queue_holds_a_classroom(served):
    assert served.request_queue_size == BACKLOG >= 100


def test_concurrent_first_requests_for_one_file_compress_it_once(served, monkeypatch):
    calls = []
    real = gzip.compress

    def slow_compress(data, **kwargs):
        calls.append(len(data))
        time.sleep(0.3)  # long enough that the other requests arrive while this one is compressing
        return real(data, **kwargs)

    monkeypatch.setattr(server_mod.gzip, "compress", slow_compress)
    bodies, errors = [], []

    def fetch():
        try:
            conn = http.client.HTTPConnection(*served.server_address[:2], timeout=10)
            conn.request("GET", "/big.wasm", headers={"Accept-Encoding": "gzip"})
            resp = conn.getresponse()
            assert resp.getheader("Content-Encoding") == "gzip"
            bodies.append(gzip.decompress(resp.read()))
            conn.close()
        except Exception as e:  # collected: an assertion in a thread would otherwise pass unseen
            errors.append(e)

    threads = [threading.Thread(target=fetch) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    expected = (served.RequestHandlerClass.keywords["roots"][1][1] / "big.wasm").read_bytes()
    assert len(bodies) == 4 and all(b == expected for b in bodies)
    assert calls == [len(expected)]
