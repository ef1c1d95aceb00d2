"""What the model writes: the live sample and the samples kept at milestones (MicroPython, main thread).

The live sample marks the stretches found verbatim in the training text (runs of 10+ characters, matched in the
worker): a model that writes those is reciting, not composing.
"""

import asyncio

from pyscript import document, window

from app.dom import clear, el, make
from app.progress import due_milestones
from app.views_logic import copied_sentence, split_copied

KEPT_LENGTH = 100       # characters of a kept sample: enough to read its progress at a glance
SAMPLE_LENGTH = 160
SAMPLE_EVERY_MS = 3000  # a new live sample this often while training


class SamplesView:
    def __init__(self):
        self.done = set()   # milestones with a kept sample
        self.kept = []      # [(step, text)] of the kept samples, in order
        self.last = -1e9    # performance.now() of the last sample asked for

    def restart(self):
        """A new model: no samples kept yet."""
        self.done, self.kept = set(), []
        clear(el("sample-history"))

    def due(self, step, now):
        """While training: time for a new sample, or a milestone is waiting for one."""
        return now - self.last > SAMPLE_EVERY_MS or bool(due_milestones(step, self.done))

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
