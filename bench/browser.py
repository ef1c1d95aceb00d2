"""Benchmark of the lesson page in a real Chromium: time to a usable Train button, training speed in the browser's
worker next to CPython's on this machine and next to the same transformer in TensorFlow.js, main-thread long tasks
while training, and the worker's memory.

    python bench/browser.py                                   # all models and the tfjs peer, ~10 minutes
    python bench/browser.py --quick                           # a short run, ~4 minutes
    python bench/browser.py --models transformer --seconds 15 --repeats 5 --rounds 6
    python bench/browser.py --val-text some.txt               # the equal-wall-time comparison on another text

For each model at its default size (charlm.DEFAULTS), on the page's default text (the first built-in one):
  - navigation -> Train enabled (body[data-trainer=ready]): cold (a fresh browser context, empty cache and storage)
    and returning (a reload in the same context), median of --repeats loads;
  - steps/s and characters/s over --seconds of training after a --warmup, as the learner sees it (the page's step
    counter over wall time, so message passing, redraws and live samples count) and as the worker reports it
    (time spent inside the training calls only, body[data-worker-seconds]), and their ratio;
  - CPython's steps/s for the same trainer (same text, model, defaults) timed in this process right after, and the
    ratio browser / CPython;
  - main-thread long tasks (> 50 ms) while training: how many, and the longest;
  - the worker's WebAssembly memory after training.
For the transformer, against the same model in TensorFlow.js's wasm backend (bench/tfjs_peer/: same sizes, charlm's
own initial weights, the same batches, Adam and clipping; served with the pinned tfjs from node_modules/):
  - --rounds interleaved rounds (page, tfjs, page, tfjs...): page, worker and tfjs chars/s and their ratios;
  - the validation loss after --val-seconds of wall-clock training, both from scratch on the same text;
  - achieved GFLOP/s of a step (its matrix products counted from the shapes) against the same products timed alone,
    in charlm (Pyodide) and in tfjs, and the fixed per-step cost of driving tfjs from Python.
Prints figures only: it never fails on a time (the machine may be busy; compare numbers measured side by side).
It needs Playwright (Python) and a Chromium: Debian's `chromium`, or any Chrome named by CHARLM_CHROMIUM.
"""

import argparse
import functools
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import peer  # noqa: E402  (bench/peer.py: the TensorFlow.js peer's server and calls)

import charlm  # noqa: E402  (before numpy: charlm picks the BLAS thread count when it loads numpy first)
import charlm.texts  # noqa: E402
from site_tools import browser as browser_tools  # noqa: E402

BOOT_TIMEOUT_MS = 120_000  # Pyodide + numpy + charlm in a cold context; a few seconds unless the machine is busy
CPYTHON_WINDOW = 1.5       # seconds per timed CPython run: 80+ steps even for the transformer, so a validation
                           # (every 50 steps, as on the page) weighs about as much as in the browser's window

# Installed before the page's own scripts. Times come from the page's clock (ms since its navigation started), taken
# the moment the page changes an attribute, so the Python side's polling adds no error. The page and its worker
# stay free of benchmark code: this script is the only place this JavaScript lives.
PROBE_JS = """
(() => {
  const bench = window.__bench = {ready: null, training: null, paused: null, steps: [], longtasks: [], error: null};
  try {
    new PerformanceObserver(list => {
      for (const e of list.getEntries()) bench.longtasks.push([e.startTime, e.duration]);
    }).observe({type: "longtask", buffered: true});
  } catch (e) {
    bench.error = "no long-task timing in this browser: " + e;
  }
  new MutationObserver(records => {
    const t = performance.now();
    for (const r of records) {
      const node = r.target;
      if (r.attributeName === "data-trainer" && node === document.body) {
        const state = node.dataset.trainer;
        if (state === "ready" && bench.ready === null) bench.ready = t;
        if (state === "training" && bench.training === null) bench.training = t;
        if (state === "paused" && bench.training !== null && bench.paused === null) bench.paused = t;
      } else if (r.attributeName === "data-step" && node.id === "loss-plot") {
        bench.steps.push([t, Number(node.dataset.step), document.body.dataset.workerSeconds || ""]);
      }
    }
  }).observe(document, {subtree: true, attributes: true, attributeFilter: ["data-trainer", "data-step"]});
})();
"""


def chromium_or_exit():
    """The Chromium to drive, or exit saying how to get one."""
    found = browser_tools.find_chromium()
    if found is None:
        sys.exit("No Chromium found. Install one (`apt-get install chromium`) or set CHARLM_CHROMIUM to a Chrome "
                 "or Chromium binary.")
    return found


def start_server():
    """Start serve.py on a free port; return (process, base URL), or exit saying what went wrong."""
    try:
        return browser_tools.start_server()
    except browser_tools.ServerDidNotStart as e:
        sys.exit(str(e))


def wait_ready(page, what):
    """Wait for Train to be enabled; return ms from navigation start to that moment, by the page's clock."""
    page.wait_for_selector("body[data-trainer=ready], body[data-trainer=error]", timeout=BOOT_TIMEOUT_MS)
    if page.get_attribute("body", "data-trainer") == "error":
        sys.exit(f"The trainer failed to start ({what}): {page.text_content('#status')}")
    return page.evaluate("window.__bench.ready")


def timed_load(page, navigate, what):
    """Run `navigate()`; return (seconds from navigation start to Train enabled, bytes received until then).

    The bytes count the page's and its worker's responses (compressed as sent): they show the HTTP cache at work.
    """
    received = []

    def count(request):
        try:
            received.append(request.sizes()["responseBodySize"])
        except Exception:  # the page moved on before the sizes were read: nothing to count
            pass
    page.context.on("requestfinished", count)
    navigate()
    ms = wait_ready(page, what)
    page.context.remove_listener("requestfinished", count)
    return ms / 1000, sum(received)


# True once the page's origin keeps a memory snapshot of the worker's interpreter (www/trainer_host.py).
SNAPSHOT_KEPT_JS = """async () => { for (const name of await caches.keys()) { if (!name.startsWith('charlm-snapshot-'))
  continue; const c = await caches.open(name); for (const r of await c.keys()) if (r.url.endsWith('.bin'))
  return true; } return false; }"""


def boot_facts(page):
    """How the worker started, from body[data-boot-report]: the path, and the ms its interpreter took and the ms
    until it was ready to answer (numpy and charlm installed and imported)."""
    report = json.loads(page.get_attribute("body", "data-boot-report") or "{}")
    return report.get("boot", "?"), report.get("interpreter_ms", 0), report.get("ready_ms", 0)


def wait_for_snapshot(page, seconds=90):
    """The first visit makes its snapshot once the page has been idle for 3 s; a returning visit before then would
    time a second cold start."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if page.evaluate(SNAPSHOT_KEPT_JS):
            return True
        time.sleep(0.5)
    return False


def loads(browser, url, repeats):
    """Cold loads (each in a fresh context: empty HTTP cache and storage), each followed, once its snapshot is kept,
    by a returning visit (a reload in the same context), so both kinds meet the same moments of a busy machine.
    Returns both as lists of (seconds, bytes, boot path, interpreter ms, worker-ready ms), and the last page, ready,
    with its context open."""
    cold, warm = [], []
    for i in range(repeats):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_init_script(PROBE_JS)
        page = context.new_page()
        cold.append(timed_load(page, functools.partial(page.goto, url), "cold load") + boot_facts(page))
        wait_for_snapshot(page)
        warm.append(timed_load(page, page.reload, "reload") + boot_facts(page))
        if i < repeats - 1:
            context.close()
    return cold, warm, page


def train(page, warmup, seconds, chars_per_step):
    """Train on a ready page for warmup + seconds; return the browser's figures as a dict."""
    page.evaluate("() => Object.assign(window.__bench, {training: null, paused: null, steps: []})")  # a new window
    page.click("#train")
    page.wait_for_selector("body[data-trainer=training]", timeout=30_000)
    time.sleep(warmup + seconds + 0.3)  # the window is cut by the page's clock below; the margin keeps it whole
    page.click("#train")  # Pause: the chunk in flight finishes, then the page says paused
    page.wait_for_selector("body[data-trainer=paused]", timeout=60_000)
    bench = page.evaluate("window.__bench")
    if page.get_attribute("#status", "data-kind") == "error":  # a chunk failed: the page stopped and said why
        sys.exit(f"Training failed in the page: {page.text_content('#status')}")
    start, stop = bench["training"] + warmup * 1000, bench["training"] + (warmup + seconds) * 1000
    window = [s for s in bench["steps"] if start <= s[0] <= stop]
    if len(window) < 2:
        sys.exit(f"Only {len(window)} step updates in the timed window; train longer (--seconds) or check the page.")
    (t0, step0, busy0), (t1, step1, busy1) = window[0], window[-1]
    page_rate = (step1 - step0) / ((t1 - t0) / 1000)
    # The page keeps the seconds its worker spent inside training calls (body[data-worker-seconds]); over the same
    # window they give the worker's own rate, without messages, redraws and samples.
    worker_rate = None
    if busy0 and busy1 and float(busy1) > float(busy0):
        worker_rate = (step1 - step0) / (float(busy1) - float(busy0))
    long = [d for t, d in bench["longtasks"] if bench["training"] <= t <= bench["paused"]]
    memory = page.get_attribute("body", "data-worker-memory")
    return {
        "page_rate": page_rate,
        "worker_rate": worker_rate,
        "window_s": (t1 - t0) / 1000,
        "steps": step1,
        "train_s": (bench["paused"] - bench["training"]) / 1000,
        "long_count": len(long) if bench["error"] is None else None,
        "long_max": max(long, default=0.0),
        "memory": int(memory) if memory else None,
        "probe_error": bench["error"],
    }


def val_after(page, seconds):
    """Train a fresh page for `seconds` of wall time; return (validation loss, its step, steps at `seconds`): the last
    validation the page measured (every 50 steps, as always) by the end of that wall time, read from the CSV the
    learner can download."""
    page.evaluate("() => Object.assign(window.__bench, {training: null, paused: null, steps: []})")
    page.click("#train")
    page.wait_for_selector("body[data-trainer=training]", timeout=30_000)
    time.sleep(seconds + 0.5)
    page.click("#train")
    page.wait_for_selector("body[data-trainer=paused]", timeout=60_000)
    bench = page.evaluate("window.__bench")
    deadline = bench["training"] + seconds * 1000
    reached = max((step for t, step, _ in bench["steps"] if t <= deadline), default=0)
    with page.expect_download() as download:
        page.click("#download-csv")
    rows = [line.split(",") for line in Path(download.value.path()).read_text().splitlines()[1:]]
    vals = [(int(step), float(val)) for step, _, val in rows if val and int(step) <= reached]
    step, loss = vals[-1]
    return loss, step, reached


def peer_val_after(peer_page, text, seconds):
    """The same for the TensorFlow.js peer: a fresh model, validation every 50 steps inside the timed wall time."""
    peer.call(peer_page, "setup", text)
    res = peer.call(peer_page, "train", seconds, 50)
    reached = [(step, loss) for step, loss, t in res["val_losses"] if t <= seconds]
    step, loss = reached[-1] if reached else (0, float("nan"))
    return loss, step, res["steps"]


def step_flops(params, batch_size, context):
    """Floating-point operations of one training step's matrix products, counted from the transformer's shapes:
    every linear layer (B*T rows) and the two attention products per head, forward (2 m k n each) and backward
    (twice that: the input's and the weight's gradients). Elementwise work is left out; so is tfjs's one-hot
    embedding product, which charlm does not need (it indexes rows)."""
    C, L, V = params["n_embd"], params["n_layer"], params["vocab"]
    M = batch_size * context
    linear = M * (L * (C * 3 * C + C * C + C * 4 * C + 4 * C * C) + C * V)
    attention = L * 2 * batch_size * context * context * C  # q @ k^T and att @ v, all heads together
    return 3 * 2 * (linear + attention)


def cpython_rate(text, model, repeats):
    """Median steps/s of the page's trainer (same text, model and defaults, validation every 50 steps) in CPython."""
    trainer = charlm.Trainer(text, model=model)
    trainer.run(3)  # first steps allocate; not timed
    rates = []
    for _ in range(repeats):
        step, start = trainer.step, time.perf_counter()
        trainer.run_for(CPYTHON_WINDOW)
        rates.append((trainer.step - step) / (time.perf_counter() - start))
    return statistics.median(rates), trainer


def spread(loads):
    """'median (min-max)' of the seconds of a few loads (seconds first)."""
    seconds = [load[0] for load in loads]
    return f"{statistics.median(seconds):.1f} ({min(seconds):.1f}-{max(seconds):.1f})"


def received(loads):
    """Median bytes received per load, in the unit that reads best."""
    n = statistics.median(load[1] for load in loads)
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n / 2**10:.0f} KB"


def peer_rounds(page, peer_page, rounds, warmup, seconds, chars_per_step, first):
    """Interleaved rounds A, B, A, B...: a training window of the lesson page (A), then one of the TensorFlow.js peer
    (B), so both meet the same moments of a busy machine. `first` is the page's window already measured (round 1's
    A). Returns the page's windows and the peer's chars/s, one per round."""
    ours, theirs = [first], []
    peer.call(peer_page, "train", warmup)  # the peer's warm-up: its first steps compile and allocate
    for r in range(rounds):
        if r:
            ours.append(train(page, warmup, seconds, chars_per_step))
        theirs.append(peer.call(peer_page, "train", seconds)["chars_per_s"])
    return ours, theirs


def median(values):
    values = [v for v in values if v]
    return statistics.median(values) if values else None


def ratio_spread(pairs):
    """'median (min-max)' of per-round ratios."""
    ratios = [a / b for a, b in pairs if a and b]
    if not ratios:
        return "-"
    return f"{statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(charlm.MODELS), help="comma-separated (default: all)")
    parser.add_argument("--seconds", type=float, default=8.0, help="timed training window in the browser (default 8)")
    parser.add_argument("--warmup", type=float, default=2.0, help="training before the window opens (default 2)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="cold loads, warm loads and CPython timed runs per model (default 3)")
    parser.add_argument("--rounds", type=int, default=4,
                        help="interleaved lesson-page / TensorFlow.js rounds for the transformer (default 4)")
    parser.add_argument("--val-seconds", type=float, default=60.0,
                        help="wall time before the validation loss is compared with the peer's (default 60; 0: skip)")
    parser.add_argument("--val-text", default=None,
                        help="a .txt file for that comparison instead of the page's default text (never committed)")
    parser.add_argument("--no-peer", action="store_true", help="leave out the TensorFlow.js peer")
    parser.add_argument("--quick", action="store_true",
                        help="a short run: 1 load, 2 + 6 s windows, 2 rounds, 20 s to the validation loss")
    args = parser.parse_args()
    if args.quick:
        args.repeats, args.seconds, args.warmup, args.rounds = 1, 6.0, 2.0, 2
        args.val_seconds = min(args.val_seconds, 20.0)
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in models if m not in charlm.MODELS]
    if unknown or not models:
        parser.error(f"unknown model(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(charlm.MODELS)}")
    if args.repeats < 1 or args.seconds <= 0 or args.warmup < 0 or args.rounds < 1 or args.val_seconds < 0:
        parser.error("--repeats and --rounds must be at least 1, --seconds above 0, --warmup and --val-seconds "
                     "at least 0")
    val_text_file = Path(args.val_text).resolve() if args.val_text else None
    if val_text_file and not val_text_file.is_file():
        parser.error(f"--val-text names {args.val_text}, which is not a file")

    from playwright.sync_api import sync_playwright

    corpus = charlm.texts.names()[0]  # the page's default text
    text = charlm.texts.load(corpus)
    with_peer = not args.no_peer and "transformer" in models
    load_before = os.getloadavg()
    began = time.monotonic()
    server, base = start_server()
    peer_server = None
    rows, runtime, versus, val, gflops = [], "", None, None, None
    try:
        if with_peer:
            peer_server, peer_base = peer.start_server(REPO / "www", val_text_file.parent if val_text_file else None)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_or_exit(), args=browser_tools.CHROMIUM_ARGS)
            chromium = browser.version
            peer_context = peer_page = None
            if with_peer:
                print("tfjs peer: loading ...", file=sys.stderr, flush=True)
                peer_context = browser.new_context()
                peer_page, peer_info = peer.open_peer(peer_context, peer_base, corpus)
            for model in models:
                d = charlm.DEFAULTS[model]
                chars_per_step = d["batch_size"] * d["context"]
                print(f"{model}: loading the page ...", file=sys.stderr, flush=True)
                cold, warm, page = loads(browser, f"{base}/?model={model}", args.repeats)
                # The worker loads OpenBLAS in the background: time training once the footer says which kernel won.
                page.wait_for_function("document.getElementById('runtime').dataset.kernel !== 'numpy einsum (no BLAS)'",
                                       timeout=30_000)
                runtime = page.text_content("#runtime").strip()
                print(f"{model}: training {args.warmup:g} + {args.seconds:g} s in the browser ...", file=sys.stderr,
                      flush=True)
                web = train(page, args.warmup, args.seconds, chars_per_step)
                if model == "transformer" and with_peer:
                    print(f"{model}: {args.rounds} interleaved rounds with the tfjs peer ...", file=sys.stderr,
                          flush=True)
                    ours, theirs = peer_rounds(page, peer_page, args.rounds, args.warmup, args.seconds,
                                               chars_per_step, web)
                    versus = {"page": [w["page_rate"] * chars_per_step for w in ours],
                              "worker": [(w["worker_rate"] or 0) * chars_per_step for w in ours], "tfjs": theirs}
                page.context.close()  # the browser sits idle while CPython is timed
                print(f"{model}: timing CPython ...", file=sys.stderr, flush=True)
                native, trainer = cpython_rate(text, model, args.repeats)
                rows.append({"model": model, "params": trainer.model.num_parameters(), "cps": chars_per_step,
                             "bt": f"{d['batch_size']}x{d['context']}",
                             "cold": cold, "warm": warm, "native": native, **web})
            if with_peer:
                print("tfjs peer: timing the step's matrix products alone ...", file=sys.stderr, flush=True)
                peak = peer.call(peer_page, "matmul_peak", 3)
                overhead = [peer.call(peer_page, "step_ms", b, 7)["ms"] for b in (1, charlm.DEFAULTS["transformer"]
                                                                                   ["batch_size"])]
                d = charlm.DEFAULTS["transformer"]
                flops = step_flops(peer_info, d["batch_size"], d["context"])
                cps = d["batch_size"] * d["context"]
                gflops = {"flops": flops, "peak": peak, "overhead": overhead,
                          "worker": median(versus["worker"]) / cps * flops / 1e9 if median(versus["worker"]) else None,
                          "page": median(versus["page"]) / cps * flops / 1e9,
                          "tfjs": median(versus["tfjs"]) / cps * flops / 1e9}
            if with_peer and args.val_seconds:
                val_name = val_text_file.name if val_text_file else corpus
                print(f"validation loss after {args.val_seconds:g} s on '{val_name}': lesson page, then tfjs ...",
                      file=sys.stderr, flush=True)
                context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
                context.add_init_script(PROBE_JS)
                page = context.new_page()
                page.goto(f"{base}/?model=transformer" + ("" if val_text_file else f"&corpus={corpus}"))
                wait_ready(page, "validation run")
                if val_text_file:
                    page.set_input_files("#upload", str(val_text_file))
                    page.wait_for_selector("body[data-trainer=ready]", timeout=BOOT_TIMEOUT_MS)
                    page.wait_for_function("document.querySelector('#status').textContent.startsWith('Ready')",
                                           timeout=BOOT_TIMEOUT_MS)
                ours_val = val_after(page, args.val_seconds)
                context.close()
                theirs_val = peer_val_after(peer_page, f"/data/{val_text_file.name}" if val_text_file else corpus,
                                            args.val_seconds)
                val = {"text": val_name, "charlm": ours_val, "tfjs": theirs_val}
            if peer_context:
                peer_context.close()
            browser.close()
    finally:
        browser_tools.stop_server(server)
        if peer_server:
            peer_server.shutdown()
    load_after = os.getloadavg()

    print(f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, load average {load_before[0]:.1f} before and "
          f"{load_after[0]:.1f} after; {platform.platform(terse=True)}")
    print(f"CPython {platform.python_version()}, numpy {np.__version__}, charlm {charlm.__version__}; "
          f"Chromium {chromium} (headless)")
    print(f"Page: {runtime}")
    if with_peer:
        print(f"Peer: TensorFlow.js {peer_info['tfjs']}, {peer_info['backend']} backend (one thread: no cross-origin "
              f"isolation, like the page), driven from Python; {peer_info['params']:,} weights, charlm's initial ones")
    print(f"Text: '{corpus}' ({len(text):,} characters), the page's default; each model at charlm.DEFAULTS.")
    print(f"Run: {args.repeats} cold + {args.repeats} warm loads per model, {args.warmup:g} s warm-up + "
          f"{args.seconds:g} s timed training, CPython median of {args.repeats} x {CPYTHON_WINDOW:g} s; "
          f"{time.monotonic() - began:.0f} s in all.")
    print()
    header = (f"{'model':<12} {'params':>7} {'cold load s':>16} {'received':>9} {'interp/ready':>12} "
              f"{'returning s':>16} {'received':>9} {'interp/ready':>12} {'started by':>12}")
    print("Navigation -> Train enabled (median, min-max); returning = a reload in the same browser profile once the")
    print("first visit kept its snapshot; interp = the worker's interpreter boot (cold) or restore (returning);")
    print("ready = the worker ready to answer, numpy and charlm imported (s since the worker began booting, medians)")
    print(header)
    print("-" * len(header))
    for r in rows:
        paths = "/".join(sorted({w[2] for w in r["warm"]}))
        split = {kind: "/".join(f"{(median([load[i] for load in r[kind]]) or 0) / 1000:.2f}" for i in (3, 4))
                 for kind in ("cold", "warm")}
        print(f"{r['model']:<12} {r['params']:>7,} {spread(r['cold']):>16} {received(r['cold']):>9} "
              f"{split['cold']:>12} {spread(r['warm']):>16} {received(r['warm']):>9} {split['warm']:>12} {paths:>12}")
    print()
    header = (f"{'model':<12} {'B x T':>6} {'page st/s':>9} {'page ch/s':>10} {'worker st/s':>11} {'CPython st/s':>12} "
              f"{'page/worker':>11} {'page/CPy':>8} {'worker/CPy':>10} {'long tasks':>10} {'longest ms':>10} "
              f"{'worker MB':>9}")
    print("Training (page = the step counter over wall time; worker = time inside its train calls)")
    print(header)
    print("-" * len(header))
    for r in rows:
        worker = f"{r['worker_rate']:.1f}" if r["worker_rate"] else "-"
        worker_ratio = f"{r['worker_rate'] / r['native']:.2f}" if r["worker_rate"] else "-"
        page_worker = f"{r['page_rate'] / r['worker_rate']:.2f}" if r["worker_rate"] else "-"
        count = "-" if r["long_count"] is None else str(r["long_count"])
        memory = f"{r['memory'] / 2**20:.0f}" if r["memory"] else "-"
        print(f"{r['model']:<12} {r['bt']:>6} "
              f"{r['page_rate']:>9.1f} {r['page_rate'] * r['cps']:>10,.0f} {worker:>11} {r['native']:>12.1f} "
              f"{page_worker:>11} {r['page_rate'] / r['native']:>8.2f} {worker_ratio:>10} {count:>10} "
              f"{r['long_max']:>10.0f} {memory:>9}")
    for r in rows:
        if r["probe_error"]:
            print(f"note ({r['model']}): {r['probe_error']}")
    if versus:
        print()
        print(f"Transformer against TensorFlow.js (wasm), {args.rounds} interleaved rounds of {args.seconds:g} s "
              f"(chars/s, median and min-max of the per-round ratios)")
        fmt = lambda xs: "  ".join(f"{x:,.0f}" if x else "-" for x in xs)  # noqa: E731
        print(f"  lesson page chars/s     {fmt(versus['page'])}")
        print(f"  charlm worker chars/s   {fmt(versus['worker'])}")
        print(f"  tfjs-wasm chars/s       {fmt(versus['tfjs'])}")
        print(f"  page / tfjs-wasm        {ratio_spread(zip(versus['page'], versus['tfjs']))}")
        print(f"  worker / tfjs-wasm      {ratio_spread(zip(versus['worker'], versus['tfjs']))}")
        print(f"  page / worker           {ratio_spread(zip(versus['page'], versus['worker']))}")
    if gflops:
        g, peak = gflops, gflops["peak"]
        print()
        print(f"Achieved GFLOP/s of a transformer step ({g['flops'] / 1e6:.0f} MFLOP of matrix products per step, "
              f"counted from the shapes; median rates above)")
        print(f"  charlm worker {g['worker'] or 0:.2f}, lesson page {g['page']:.2f}, tfjs-wasm {g['tfjs']:.2f}")
        print(f"  the step's {peak['products']} 2-D products alone, same shapes: charlm (Tensor @ in Pyodide) "
              f"{peak['charlm_gflops']:.2f}, tfjs-wasm matMul {peak['tfjs_gflops']:.2f}")
        print(f"  a tfjs step takes {g['overhead'][0]:.0f} ms at batch 1 against {g['overhead'][1]:.0f} ms at batch "
              f"{charlm.DEFAULTS['transformer']['batch_size']}: the fixed cost of its ~300 tfjs calls from Python "
              f"is at most the former")
        if g["worker"]:
            print(f"  share of that peak reached by a whole step: charlm {g['worker'] / peak['charlm_gflops']:.0%}, "
                  f"tfjs {g['tfjs'] / peak['tfjs_gflops']:.0%}")
    if val:
        print()
        print(f"Validation loss after {args.val_seconds:g} s of wall-clock training on '{val['text']}' (the last "
              f"validation by then, every 50 steps; nats per character)")
        for name, (loss, step, steps) in (("lesson page", val["charlm"]), ("tfjs-wasm", val["tfjs"])):
            print(f"  {name:<12} {loss:.3f} at step {step} ({steps} steps in {args.val_seconds:g} s)")
    print()
    print("ch/s = steps/s x batch size x context. The machine may be shared and noisy: absolute figures move from run")
    print("to run (see the load average); the ratios, measured side by side in one run, matter more.")


if __name__ == "__main__":
    main()
