"""The learning views' calls to the worker and their main-thread time (MicroPython, main thread).

Every synchronous slice of a view's work (decoding the worker's answer, drawing) is recorded as a
performance.measure named "learning-view:<what>", so a test or a profiler can tell the views' share of the main thread
from the rest of the page.
"""

import asyncio
import json

from pyscript import window
from pyscript.ffi import to_js

NAME = "learning-view"


def start():
    return window.performance.now()


def end(t0, what):
    window.performance.measure(NAME + ":" + what, to_js({"start": t0, "end": window.performance.now()}))


async def ask(fn, **args):
    """Await a worker function (JSON in, JSON out), timing the decoding as the views' own work."""
    raw = await fn(json.dumps(args))
    t0 = start()
    res = json.loads(raw)
    end(t0, "decode")
    return res


async def yield_to_page():
    """Let the browser run (draw, handle input) before the view goes on. asyncio.sleep(0) would not: in the page's
    MicroPython it resumes within the same browser task, as do other coroutines whose short timers are due."""
    await asyncio.sleep(0.01)


_drawing = [False]


async def draw_turn():
    """Wait until no other view is drawing, then hold the turn (give it back with draw_done): views opened
    together must not interleave their slices into one long browser task."""
    while _drawing[0]:
        await asyncio.sleep(0.02)
    _drawing[0] = True


def draw_done():
    _drawing[0] = False
