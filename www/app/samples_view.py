"""What the model writes: the live sample and the samples kept at milestones (MicroPython, main thread).

While training, the worker writes the live sample a few characters per training chunk (within a fixed share of its
time, see worker.grow_sample) and each chunk's answer carries it: the learner watches it being typed, and training
never stops for the seconds a whole sample costs at once. Paused, a whole sample is drawn in one call.

A finished sample marks the stretches found verbatim in the training text (runs of 10+ characters, matched in the
worker): a model that writes those is reciting, not composing.
"""

import asyncio

from pyscript import document, window

from app.dom import clear, el, make
from app.progress import due_milestones
from app.views_logic import copied_sentence, split_copied

KEPT_LENGTH = 100       # characters of a kept sample: enough to read its progress at a glance
SAMPLE_LENGTH = 160


class SamplesView:
    def __init__(self):
        self.done = set()   # milestones with a kept sample
        self.kept = []      # [(step, text)] of the kept samples, in order
        self.last = -1e9    # performance.now() of the last sample asked for
        self.live_from = -1  # the step the live sample was started at
        self.writing = False  # a live sample is half written

    def restart(self):
        """A new model: no samples kept yet."""
        self.done, self.kept = set(), []
        self.live_from = -1
        clear(el("sample-history"))

    def live(self, ctl):
        """What the next training chunk should write of the live sample: {"length", "temperature", "restart"}."""
        try:
            temp = ctl.form.temperature()
        except ValueError:
            return None  # the status line says why once training pauses; no sample meanwhile
        # A milestone just reached starts a fresh sample, so the one kept for it is written from that step on.
        restart = any(m > self.live_from for m in due_milestones(ctl.step, self.done))
        return {"length": SAMPLE_LENGTH, "temperature": temp, "restart": restart}

    def grow(self, sample, ctl):
        """The live sample as far as the worker has written it; a finished one is kept when a milestone is due."""
        self.live_from = sample["from_step"]
        self.writing = not sample["done"]
        el("sample").textContent = sample["text"]
        el("sample").dataset.step = str(sample["step"])
        el("sample").dataset.done = "true" if sample["done"] else "false"
        temp = f"temperature {sample['temperature']:g}"
        if sample["done"]:
            self.show(sample["text"], sample["from_step"], sample["temperature"])
            el("sample-step").textContent = f"written during steps {sample['from_step']}-{sample['step']}, {temp}"
            asyncio.create_task(self.mark_copied(ctl, sample["text"]))
        else:
            el("sample-step").textContent = f"writing at step {sample['step']}, {temp}"

    async def refresh(self, ctl):
        try:
            temp = ctl.form.temperature()
        except ValueError as e:
            ctl.status(str(e), "error")
            return
        self.last = window.performance.now()
        res = await ctl.ask("sample", prompt="", length=SAMPLE_LENGTH, temperature=temp)
        if res is not None:
            self.show(res["text"], res["step"], temp)
            # beside the caller: whoever waits for the sample (a rebuild's announcement) need not wait for this
            asyncio.create_task(self.mark_copied(ctl, res["text"]))

    async def mark_copied(self, ctl, text):
        res = await ctl.ask("copied", text=text)
        if res is None or el("sample").textContent != text:
            return
        box = el("sample")
        clear(box)
        for piece, copied in split_copied(text, res["runs"]):
            box.append(make("mark", "copied", piece) if copied else document.createTextNode(piece))
        note = el("memorised")
        note.dataset.copiedFraction = "%.4f" % res["fraction"]
        note.dataset.step = box.dataset.step
        note.textContent = copied_sentence(res["fraction"], res["min_run"], res["runs"])

    def show(self, text, step, temperature):
        self.writing = False
        el("sample").textContent = text
        el("sample").dataset.step = str(step)
        el("sample-step").textContent = f"step {step}, temperature {temperature:g}"
        reached = due_milestones(step, self.done)
        if reached:
            self.done.update(reached)
            self.keep(step, text)

    def keep(self, step, text):
        self.kept.append((step, text[:KEPT_LENGTH]))
        item = make("li")
        item.append(make("span", "at", f"step {step}"), make("span", "text", text[:KEPT_LENGTH]))
        el("sample-history").append(item)
