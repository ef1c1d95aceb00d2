"""Calls into the trainer worker (MicroPython, main thread). The worker protocol is written down in
docs/architecture.md: every exported function takes one JSON object and returns one, with "error" on failure.
"""

import json


async def call(fn, **args):
    """Await a worker function: keyword arguments in, the decoded reply out."""
    return json.loads(await fn(json.dumps(args)))
