"""Calls into the trainer worker (MicroPython, main thread). The worker protocol is written down in
docs/architecture.md: every exported function takes one JSON object and returns one, with "error" on failure.

Only small settings go through JSON here: this MicroPython's json module takes seconds per megabyte of text. Bulk
data (a File the learner picked, a pasted text) is handed to the worker as it is, as a second argument, and the
worker keeps what it reads and answers with a short description or an object URL.
"""

import json


async def call(fn, bulk=None, **args):
    """Await a worker function: keyword arguments in, the decoded reply out. `bulk` is a browser value (a File, or
    a str that crosses as one JavaScript string) the worker receives as args["bulk"]."""
    message = json.dumps(args)
    return json.loads(await (fn(message) if bulk is None else fn(message, bulk)))
