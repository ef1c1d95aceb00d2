"""Learning per second on the lesson page: the validation loss a learner reaches after a fixed wall time of training,
for a small grid of settings around charlm.DEFAULTS, in a real Chromium.

    python bench/tune_defaults.py                          # the grid below on the page's default text, ~15 minutes
    python bench/tune_defaults.py --seconds 30 --texts letters,fables --only "transformer lr=0.01"

Each setting is a page address (the settings a course author can put in the query: model, preset, lr, batch,
context, corpus), opened fresh; the page trains for --seconds of wall time as the learner sees it (live samples,
redraws and messages included) and the last validation loss measured by then (every 50 steps, read from the CSV the
learner can download) is printed, with the steps reached. Prints figures only; choose defaults from them, then check
the choice on a text that was not used to choose it (--texts).
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import browser  # noqa: E402  (bench/browser.py: the Chromium, the server and the page probes)

import charlm.texts  # noqa: E402

# (label, query) pairs: each changes one thing from the model's defaults.
GRID = [
    ("transformer default", "model=transformer"),
    ("transformer lr=0.01", "model=transformer&lr=0.01"),
    ("transformer lr=0.002", "model=transformer&lr=0.002"),
    ("transformer batch=16", "model=transformer&batch=16"),
    ("transformer batch=64", "model=transformer&batch=64"),
    ("transformer context=16", "model=transformer&context=16"),
    ("mlp default", "model=mlp"),
    ("mlp lr=0.02", "model=mlp&lr=0.02"),
    ("mlp lr=0.005", "model=mlp&lr=0.005"),
    ("mlp lr=0.0025", "model=mlp&lr=0.0025"),
    ("mlp lr=0.01", "model=mlp&lr=0.01"),
]


def measure(pw_browser, base, query, seconds):
    """(validation loss, its step, steps reached) after `seconds` of training on a fresh page at `query`."""
    context = pw_browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.add_init_script(browser.PROBE_JS)
    page = context.new_page()
    page.goto(f"{base}/?{query}")
    browser.wait_ready(page, query)
    try:
        return browser.val_after(page, seconds)
    finally:
        context.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="wall time of training per setting (default 60)")
    parser.add_argument("--texts", default=charlm.texts.names()[0],
                        help="comma-separated built-in texts (default: the page's default text)")
    parser.add_argument("--only", default="", help="comma-separated labels of the grid to run (default: all)")
    parser.add_argument("--repeats", type=int, default=1, help="runs per setting and text; the median is printed")
    args = parser.parse_args()
    texts = [t.strip() for t in args.texts.split(",") if t.strip()]
    unknown = [t for t in texts if t not in charlm.texts.names()]
    if unknown:
        parser.error(f"unknown text(s) {', '.join(unknown)}; choose from {', '.join(charlm.texts.names())}")
    wanted = {w.strip() for w in args.only.split(",") if w.strip()}
    grid = [(label, q) for label, q in GRID if not wanted or label in wanted]
    if not grid:
        parser.error(f"--only matched nothing; labels are: {', '.join(label for label, _ in GRID)}")

    from playwright.sync_api import sync_playwright

    began = time.monotonic()
    server, base = browser.start_server()
    results = []
    try:
        with sync_playwright() as pw:
            pw_browser = pw.chromium.launch(executable_path=browser.chromium_or_exit(),
                                            args=browser.browser_tools.CHROMIUM_ARGS)
            for text in texts:
                for label, query in grid:
                    runs = []
                    for _ in range(args.repeats):
                        print(f"{text}: {label} ...", file=sys.stderr, flush=True)
                        runs.append(measure(pw_browser, base, f"{query}&corpus={text}", args.seconds))
                    loss = statistics.median(r[0] for r in runs)
                    results.append((text, label, loss, runs))
            pw_browser.close()
    finally:
        server.terminate()
        server.wait(10)
    print(f"Validation loss after {args.seconds:g} s of wall-clock training on the page (nats per character; the "
          f"last validation by then, every 50 steps); {time.monotonic() - began:.0f} s in all")
    header = f"{'text':<10} {'setting':<26} {'val loss':>8} {'at step':>8} {'steps':>6}"
    print(header)
    print("-" * len(header))
    for text, label, loss, runs in results:
        _, step, steps = runs[-1]
        print(f"{text:<10} {label:<26} {loss:>8.3f} {step:>8} {steps:>6}")


if __name__ == "__main__":
    main()
