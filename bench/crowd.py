"""Benchmark: a classroom opening the lesson at once on a cold dev server.

    python bench/crowd.py                      # 50 learners, each fetching the page and its runtime once
    python bench/crowd.py --clients 100 --rounds 2

Starts a fresh serve.py on 127.0.0.1 (nothing compressed yet), then --clients threads each fetch every file the
page loads (the page's files, PyScript, MicroPython, the Pyodide wasm and stdlib, numpy, OpenBLAS, charlm) --rounds
times, as a browser would: with Accept-Encoding: gzip and one connection per client. Every request has a --timeout;
the whole run stops after --deadline seconds. Prints failures, request times (p50, p95, max), time per learner and
throughput. Prints figures only: it never fails on a time.
"""

import argparse
import http.client
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from site_tools import browser, runtime  # noqa: E402


def page_runtime():
    """The URL paths a learner's browser fetches when the lesson opens: the page's own files, what the main thread
    and the worker unpack, and the runtime as set-up ships it (site_tools.runtime.runtime_files)."""
    return (["/", "/main.py", "/main.json", "/trainer_host.py", "/trainer_host.json", "/worker.json", "/worker.py",
             "/style.css", "/views.css", "/quiz.json", "/vendor/app.tar.gz", "/vendor/charlm.zip"]
            + ["/vendor/" + path for _, path in runtime.runtime_files()])


def learner(host, port, paths, rounds, timeout, deadline, results):
    """One browser: fetch every path `rounds` times over one kept-alive connection; record (path, seconds, bytes,
    error or None) for each request."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    for _ in range(rounds):
        for path in paths:
            if time.monotonic() > deadline:
                results.append((path, 0.0, 0, "not started: the run's deadline passed"))
                continue
            start = time.monotonic()
            try:
                conn.request("GET", path, headers={"Accept-Encoding": "gzip, deflate, br"})
                resp = conn.getresponse()
                size = len(resp.read())
                error = None if resp.status == 200 else f"HTTP {resp.status}"
            except (OSError, http.client.HTTPException) as e:
                size, error = 0, f"{type(e).__name__}: {e}"
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=timeout)
            results.append((path, time.monotonic() - start, size, error))
    conn.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=50, help="learners fetching at once (default 50)")
    ap.add_argument("--rounds", type=int, default=1, help="times each learner fetches the page (default 1)")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds a request may take (default 60)")
    ap.add_argument("--deadline", type=float, default=600.0, help="seconds for the whole run (default 600)")
    args = ap.parse_args()
    paths = page_runtime()
    proc, base = browser.start_server()  # serve.py binds 127.0.0.1 unless told otherwise
    try:
        url = urlparse(base)
        results, start = [], time.monotonic()
        deadline = start + args.deadline
        threads = [threading.Thread(target=learner, args=(url.hostname, url.port, paths, args.rounds, args.timeout,
                                                          deadline, results)) for _ in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.monotonic() - start
    finally:
        browser.stop_server(proc)
    failures = [r for r in results if r[3]]
    times = sorted(r[1] for r in results if not r[3])
    total = sum(r[2] for r in results)
    print(f"{args.clients} learners x {args.rounds} round(s) x {len(paths)} files on a cold server: "
          f"{len(results)} requests in {wall:.1f} s")
    print(f"failures: {len(failures)}")
    for path, seconds, _, error in failures[:10]:
        print(f"  {path}: {error} after {seconds:.1f} s")
    if times:
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        print(f"request time: p50 {statistics.median(times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
              f"max {times[-1] * 1000:.0f} ms")
    print(f"sent {total / 1e6:.0f} MB (gzipped where compressible) at {total / 1e6 / wall:.0f} MB/s; "
          f"{total / 1e6 / max(1, args.clients * args.rounds):.1f} MB per learner")


if __name__ == "__main__":
    main()
