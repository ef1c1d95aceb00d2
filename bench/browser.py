"""Benchmark of the lesson page in a real Chromium: time to a usable Train button, training speed in the browser's
worker next to CPython's on this machine, main-thread long tasks while training, and the worker's memory.

    python bench/browser.py                                   # all models, ~3 minutes
    python bench/browser.py --models transformer --seconds 15 --repeats 5

For each model at its default size (charlm.DEFAULTS), on the page's default text (the first built-in one):
  - navigation -> Train enabled (body[data-trainer=ready]): cold (a fresh browser context, empty cache) and warm
    (a reload in the same context, HTTP cache filled), median of --repeats loads;
  - steps/s and characters/s over --seconds of training after a --warmup, as the learner sees it (the page's step
    counter over wall time, so message passing, redraws and live samples count) and as the worker reports it
    (time spent inside the training calls only);
  - CPython's steps/s for the same trainer (same text, model, defaults) timed in this process right after, and the
    ratio browser / CPython;
  - main-thread long tasks (> 50 ms) while training: how many, and the longest;
  - the worker's WebAssembly memory after training.
Prints figures only: it never fails on a time (the machine may be busy; compare numbers measured side by side).
It needs Playwright (Python) and a Chromium: Debian's `chromium`, or any Chrome named by CHARLM_CHROMIUM.
"""

import argparse
import functools
import os
import platform
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

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
        const speed = document.getElementById("count-speed");
        bench.steps.push([t, Number(node.dataset.step), speed ? speed.textContent : ""]);
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


def loads(browser, url, repeats):
    """Cold loads (each in a fresh context: empty HTTP cache and storage), each followed by a warm one (a reload in
    the same context), so both kinds meet the same moments of a busy machine. Returns both as lists of
    (seconds, bytes), and the last page, ready, with its context open."""
    cold, warm = [], []
    for i in range(repeats):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_init_script(PROBE_JS)
        page = context.new_page()
        cold.append(timed_load(page, functools.partial(page.goto, url), "cold load"))
        warm.append(timed_load(page, page.reload, "reload"))
        if i < repeats - 1:
            context.close()
    return cold, warm, page


def parse_count(text):
    """The page's counters are formatted like '12,345' (or '-' before any training); None when not a number."""
    text = text.replace(",", "").strip()
    return float(text) if text.replace(".", "", 1).isdigit() else None


def train(page, warmup, seconds, chars_per_step):
    """Train on a ready page for warmup + seconds; return the browser's figures as a dict."""
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
    (t0, step0, speed0), (t1, step1, speed1) = window[0], window[-1]
    page_rate = (step1 - step0) / ((t1 - t0) / 1000)
    # The page shows chars/s as (chars trained) / (seconds inside the worker's train calls) since the model was
    # built; undoing that average at both ends of the window gives the worker's own rate over the window.
    worker_rate = None
    cps0, cps1 = parse_count(speed0), parse_count(speed1)
    if cps0 and cps1:
        busy = step1 * chars_per_step / cps1 - step0 * chars_per_step / cps0
        worker_rate = (step1 - step0) / busy if busy > 0 else None
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
    """'median (min-max)' of the seconds of a few (seconds, bytes) loads."""
    seconds = [s for s, _ in loads]
    return f"{statistics.median(seconds):.1f} ({min(seconds):.1f}-{max(seconds):.1f})"


def received(loads):
    """Median bytes received per load, in the unit that reads best."""
    n = statistics.median(b for _, b in loads)
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n / 2**10:.0f} KB"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(charlm.MODELS), help="comma-separated (default: all)")
    parser.add_argument("--seconds", type=float, default=8.0, help="timed training window in the browser (default 8)")
    parser.add_argument("--warmup", type=float, default=2.0, help="training before the window opens (default 2)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="cold loads, warm loads and CPython timed runs per model (default 3)")
    args = parser.parse_args()
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in models if m not in charlm.MODELS]
    if unknown or not models:
        parser.error(f"unknown model(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(charlm.MODELS)}")
    if args.repeats < 1 or args.seconds <= 0 or args.warmup < 0:
        parser.error("--repeats must be at least 1, --seconds above 0 and --warmup at least 0")

    from playwright.sync_api import sync_playwright

    corpus = charlm.texts.names()[0]  # the page's default text
    text = charlm.texts.load(corpus)
    load_before = os.getloadavg()
    began = time.monotonic()
    server, base = start_server()
    rows, runtime = [], ""
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_or_exit(), args=browser_tools.CHROMIUM_ARGS)
            chromium = browser.version
            for model in models:
                d = charlm.DEFAULTS[model]
                chars_per_step = d["batch_size"] * d["context"]
                print(f"{model}: loading the page ...", file=sys.stderr, flush=True)
                cold, warm, page = loads(browser, f"{base}/?model={model}", args.repeats)
                runtime = page.text_content("#runtime").strip()
                print(f"{model}: training {args.warmup:g} + {args.seconds:g} s in the browser ...", file=sys.stderr,
                      flush=True)
                web = train(page, args.warmup, args.seconds, chars_per_step)
                page.context.close()  # the browser sits idle while CPython is timed
                print(f"{model}: timing CPython ...", file=sys.stderr, flush=True)
                native, trainer = cpython_rate(text, model, args.repeats)
                rows.append({"model": model, "params": trainer.model.num_parameters(), "cps": chars_per_step,
                             "bt": f"{d['batch_size']}x{d['context']}",
                             "cold": cold, "warm": warm, "native": native, **web})
            browser.close()
    finally:
        browser_tools.stop_server(server)
    load_after = os.getloadavg()

    print(f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, load average {load_before[0]:.1f} before and "
          f"{load_after[0]:.1f} after; {platform.platform(terse=True)}")
    print(f"CPython {platform.python_version()}, numpy {np.__version__}, charlm {charlm.__version__}; "
          f"Chromium {chromium} (headless)")
    print(f"Page: {runtime}")
    print(f"Text: '{corpus}' ({len(text):,} characters), the page's default; each model at charlm.DEFAULTS.")
    print(f"Run: {args.repeats} cold + {args.repeats} warm loads per model, {args.warmup:g} s warm-up + "
          f"{args.seconds:g} s timed training, CPython median of {args.repeats} x {CPYTHON_WINDOW:g} s; "
          f"{time.monotonic() - began:.0f} s in all.")
    print()
    header = (f"{'model':<12} {'params':>7} {'cold load s':>16} {'received':>9} {'warm load s':>16} "
              f"{'received':>9}")
    print("Navigation -> Train enabled (median, min-max)")
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['model']:<12} {r['params']:>7,} {spread(r['cold']):>16} {received(r['cold']):>9} "
              f"{spread(r['warm']):>16} {received(r['warm']):>9}")
    print()
    header = (f"{'model':<12} {'B x T':>6} {'page st/s':>9} {'page ch/s':>10} {'worker st/s':>11} {'CPython st/s':>12} "
              f"{'page/CPy':>8} {'worker/CPy':>10} {'long tasks':>10} {'longest ms':>10} {'worker MB':>9}")
    print("Training (page = the step counter over wall time; worker = time inside its train calls)")
    print(header)
    print("-" * len(header))
    for r in rows:
        worker = f"{r['worker_rate']:.1f}" if r["worker_rate"] else "-"
        worker_ratio = f"{r['worker_rate'] / r['native']:.2f}" if r["worker_rate"] else "-"
        count = "-" if r["long_count"] is None else str(r["long_count"])
        memory = f"{r['memory'] / 2**20:.0f}" if r["memory"] else "-"
        print(f"{r['model']:<12} {r['bt']:>6} "
              f"{r['page_rate']:>9.1f} {r['page_rate'] * r['cps']:>10,.0f} {worker:>11} {r['native']:>12.1f} "
              f"{r['page_rate'] / r['native']:>8.2f} {worker_ratio:>10} {count:>10} {r['long_max']:>10.0f} "
              f"{memory:>9}")
    for r in rows:
        if r["probe_error"]:
            print(f"note ({r['model']}): {r['probe_error']}")
    print()
    print("ch/s = steps/s x batch size x context. The machine may be shared and noisy: absolute figures move from run")
    print("to run (see the load average); the ratios, measured side by side in one run, matter more.")


if __name__ == "__main__":
    main()
