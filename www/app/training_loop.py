"""The training loop (MicroPython, main thread): Train and Pause, one Step, and the chunks in between.

The worker trains in chunks of about CHUNK_MS; the page asks for the next chunk before it draws the last, so the
worker never waits for the page's drawing. A changed learning rate applies between chunks. Mixed into the
Controller, whose state, views and worker it uses.
"""

import asyncio

from pyscript import document, window

from app.dom import el
from app.worker_client import call

CHUNK_MS = 150  # one worker call: long enough to amortise the message, short enough to redraw smoothly


def now():
    return window.performance.now()


class TrainingLoop:
    """Train, Pause and Step for the Controller (which holds the state, the views and the worker)."""

    async def toggle(self):
        if self.state == "training":
            # The chunk in flight finishes (its steps are real); the loop then stops and reports the final step.
            self.pause_requested = True
            el("train").textContent = "Pausing ..."
            return
        if not await self.prepare():
            return
        self.pause_requested = False
        self.set_state("training")
        self.clock.start(now() / 1000)
        self.status("Training ...")
        asyncio.create_task(self.loop())

    async def prepare(self):
        """Before training: apply a changed learning rate."""
        self.lr_changed = False
        try:
            lr = self.form.lr()
        except ValueError as e:
            self.status(str(e), "error", "lr")
            el("lr").focus()
            return False
        res = await self.ask("set_lr", lr=lr)
        if res is None:
            return False
        self.lr_changes = res["lr_changes"]
        if self.step == 0:
            self.run["lr"] = lr
        return True

    async def loop(self):
        pending = None  # the chunk the worker is training while this thread draws the one before
        while not self.pause_requested:
            if pending is None:
                if self.lr_changed and not await self.prepare():  # a rate typed mid-run applies from the next chunk
                    self.stopped("paused")
                    return
                pending = self.chunk()
            res = await pending
            pending = None
            # Ask for the next chunk before drawing this one: the worker trains while the page draws, so its time
            # is not spent waiting for the page (a changed rate or a pause waits for the chunk in flight instead).
            if "error" not in res and not self.pause_requested and not self.lr_changed:
                pending = self.chunk()
                await asyncio.sleep(0)  # let the task send its message before this thread gets busy drawing
            if not self.show_chunk(res):
                if pending is not None:
                    await pending  # already asked; its answer is superseded by the error shown
                return
            if self.store and self.store.due(now()):
                await self.store.save(now())
            if not self.pause_requested and self.next_chars.due(now()):
                await self.next_chars.refresh(self)
            if not self.pause_requested:
                await self.views.tick(self)
        if pending is not None and not self.show_chunk(await pending):  # the chunk in flight finishes: its steps count
            return
        if self.samples.writing:  # paused mid-sample: a whole one of the model as it is now, before Train is back
            self.clock.stop(now() / 1000)
            await self.samples.refresh(self)
        self.stopped("paused")
        self.status(f"Paused at step {self.step}. Press Train to continue from here.")
        await self.next_chars.refresh(self)  # the bars follow the model as it paused, not one a few chunks back

    def chunk(self):
        """One training chunk, asked now and awaited later. The live sample is written by the worker a few
        characters per chunk, within a fixed share of its time; the worker keeps the timeline's snapshots itself,
        stopping a chunk on each snapshot step."""
        return asyncio.create_task(call(self.worker.train, ms=CHUNK_MS, live=self.samples.live(self)))

    def show_chunk(self, res):
        """Take a chunk's results and its piece of the live sample; False when it brought an error."""
        if not self.take(res):
            return False
        if res.get("sample"):
            self.samples.grow(res["sample"], self)
        return True

    def stopped(self, state):
        self.clock.stop(now() / 1000)
        self.set_state(state)
        self.update_views()
        if self.store:  # a pause is a natural moment to keep the run
            asyncio.create_task(self.store.save(now()))

    def take(self, res):
        """Record a chunk's results; on an error stop training, keep everything, and say why."""
        if "error" in res:
            if res.get("diverged"):
                self.adopt(res)  # the worker rolled back to its last good step; show exactly that
                if not self.step:  # back to the untrained model: no training time or speed to show either
                    self.clock.reset()
            self.stopped("paused" if self.step else "ready")
            self.status(res["error"] or f"Training stopped at step {self.step}: the trainer gave no reason. Try a "
                        "smaller learning rate, or press Reset.", "error")
            return False
        self.losses.extend(res["losses"])
        self.val_losses.extend(tuple(v) for v in res["val_losses"])
        if res.get("memory"):
            document.body.dataset.workerMemory = str(res["memory"])  # read by bench/browser.py
        self.step, self.epoch = res["step"], res["epoch"]
        self.clock.add(res["seconds"], len(res["losses"]) * self.tokens_per_step)
        document.body.dataset.workerSeconds = str(self.clock.compute)  # the worker's own time, for bench/browser.py
        self.update_views()
        return True

    async def single_step(self):
        if not await self.prepare():
            return
        res = await call(self.worker.train, max_steps=1)
        if self.take(res):
            self.set_state("paused")
            self.status(f"One step done: step {self.step}, training loss {self.losses[-1]:.3f} nats per character.")
            await self.refresh_views()
            if self.store:
                await self.store.save(now())

    async def stop_training(self):
        """Pause and wait until the chunk in flight has come back."""
        if self.state == "training":
            self.pause_requested = True
            while self.state == "training":
                await asyncio.sleep(0.05)
