"""Keeping the run across a reload (MicroPython, main thread): when to ask the worker to save, restoring at start-up
with a "Start over" choice, and saying once when the browser refuses storage.

The worker does the storing itself (worker_store.py, IndexedDB), so the model's bytes never cross this thread.
"""

import asyncio

from pyscript import window

from app.dom import el
from app.progress import due_milestones
from app.worker_client import call

SAVE_EVERY_MS = 4000   # while training, save this often (only what changed is written) ...
SAVE_SHARE = 0.05      # ... or less often, so that saving a large model costs at most this share of training
PEEK_TRIES = 100       # x 50 ms: how long start-up waits for the worker to look in storage


class RunStore:
    """The saved run of the Controller `ctl`."""

    def __init__(self, ctl):
        self.ctl = ctl
        self.last = -1e9
        self.every = SAVE_EVERY_MS
        self.told = False  # the "will not survive a reload" note is shown once

    def due(self, now):
        return now - self.last > self.every

    async def save(self, now):
        """Ask the worker to save the run (it writes only if something changed since the last save)."""
        self.last = now
        ctl = self.ctl
        res = await call(ctl.worker.store_save, samples=[list(s) for s in ctl.samples.kept],
                         seconds=ctl.clock.wall(now / 1000))
        if res.get("saved"):  # packing the model took this long in the worker: space the saves out to match
            self.every = max(SAVE_EVERY_MS, (window.performance.now() - now) / SAVE_SHARE)
        if res.get("storage") == "refused":
            self.refused()

    def refused(self):
        if self.told:
            return
        self.told = True
        note = el("store-note")
        note.textContent = ("This browser does not let the page keep your run, so it will not survive a reload. "
                            "Everything else works; use Save model to keep a copy.")
        note.hidden = False

    async def restore(self):
        """At start-up, once a fresh model is ready: adopt the saved run if there is one. True if restored."""
        ctl = self.ctl
        res = {"pending": True}
        for _ in range(PEEK_TRIES):
            res = await call(ctl.worker.store_peek)
            if not res.get("pending"):
                break
            await asyncio.sleep(0.05)
        if res.get("pending") or "error" in res:
            return False
        if res.get("storage") == "refused":
            self.refused()
        if res.get("damaged"):
            ctl.status(res["damaged"], "error")
        if not res.get("saved"):
            return False
        out = await ctl.ask("store_restore")
        if out is None:
            return False
        text = out.get("text") or ""
        if text:
            el("custom-text").value = text
        ctl.form.fill(out["run"])
        ctl.take_over(out, text)
        ctl.clock.elapsed = float(out.get("seconds") or 0)
        for step, sample in out.get("samples", []):
            ctl.samples.done.update(due_milestones(step, ctl.samples.done))
            ctl.samples.keep(step, sample)
        ctl.update_views()
        await ctl.refresh_views()
        el("restore-text").textContent = f"Restored your model from step {ctl.step}."
        el("restore").hidden = False
        ctl.status("Press Train to continue where it left off, or Start over for fresh random weights.")
        return True

    async def forget(self):
        """Discard the saved run (Reset, Start over): the next save starts a new one."""
        el("restore").hidden = True
        await call(self.ctl.worker.store_clear)

    async def start_over(self):
        await self.ctl.reset()  # Reset discards the saved run, then builds fresh
