"""Calls into the trainer worker (MicroPython, main thread). The worker protocol is written down in
docs/architecture.md: every exported function takes one JSON object and returns one, with "error" on failure.

Only small settings go through JSON here: this MicroPython's json module takes seconds per megabyte of text. Bulk
data (a File the learner picked, a pasted text) is handed to the worker as it is, as a second argument, and the
worker keeps what it reads and answers with a short description or an object URL.
"""

import json

from pyscript import window


class Trainer:
    """The trainer worker as the page sees it: `trainer.train(message)` calls worker.py's train through the host
    that runs it (trainer_host.py, whose only exports are start and call)."""

    def __init__(self, host):
        self.host = host

    async def start(self):
        """Tell the host where the page is, so it can boot Pyodide (it answers at once; calls wait for the boot)."""
        await self.host.start(json.dumps({"base": window.location.href}))

    def __getattr__(self, name):
        def send(message, bulk=None):
            return self.host.call(name, message, bulk)
        return send


async def call(fn, bulk=None, **args):
    """Await a worker function: keyword arguments in, the decoded reply out. `bulk` is a browser value (a File, or
    a str that crosses as one JavaScript string) the worker receives as args["bulk"]."""
    message = json.dumps(args)
    return json.loads(await (fn(message) if bulk is None else fn(message, bulk)))
