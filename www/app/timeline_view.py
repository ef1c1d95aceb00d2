"""A timeline to scrub back (MicroPython, main thread): the worker keeps the weights at steps 0, 10, 30, 100,
300, ...; the slider picks one, and the sample, the next-character bars, the surprise and attention views and the
character map show the model as it was then, while training carries on with the live model.
"""

from app import views_logic as v
from app.dom import clear, el, make, on
from app.worker_client import call

SAMPLE_LENGTH = 160
LIVE_NOTE = "Showing the live model. Move the slider to see it as it was."


class TimelineView:
    def __init__(self):
        self.steps = []      # the steps the worker holds snapshots of
        self.note = ""

    def restart(self, ctl):
        self.steps, self.note = [], ""
        ctl.views.snapshot = None
        ctl.plot.overlay.marked = None
        self.show_slider(ctl)
        el("timeline-sample").textContent = ""
        el("timeline-sample").dataset.step = ""
        clear(el("timeline-next"))
        el("timeline-note").textContent = LIVE_NOTE

    def wire(self, ctl):
        on("timeline", "input", lambda e: self.chosen(ctl))
        on("timeline-now", "click", lambda e: self.back_to_now(ctl))

    def due(self, step):
        """`step` is on the schedule and its weights are not kept yet."""
        return v.is_snapshot_step(step) and step not in self.steps

    async def keep_if_due(self, ctl):
        """On a schedule step not shown yet, ask the worker which snapshots it holds (its train() keeps them, each at
        exactly its step) and how much memory they take."""
        if ctl.run is None or not self.due(ctl.step):
            return
        res = await call(ctl.worker.snapshot)
        if "error" not in res:
            self.steps = res["steps"]
            self.note = ("%d snapshot%s, %.1f MB; at most %d are kept, then the oldest after step 0 gives way"
                         % (len(self.steps), "" if len(self.steps) == 1 else "s", res["bytes"] / 1e6, res["limit"]))
            self.show_slider(ctl)

    def show_slider(self, ctl):
        slider = el("timeline")
        chosen = ctl.views.snapshot
        slider.max = str(len(self.steps))  # the last position is "now", the live model
        index = self.steps.index(chosen) if chosen in self.steps else len(self.steps)
        slider.value = str(index)
        shown = ctl.step if chosen is None else chosen
        slider.dataset.step = str(shown)
        slider.setAttribute("aria-valuetext", "now, step %d" % ctl.step if chosen is None else "step %d" % chosen)
        el("timeline-label").textContent = ("now (step %d)" % ctl.step if chosen is None
                                            else "step %d of %d" % (chosen, ctl.step))
        el("timeline-steps").textContent = ("Kept at steps " + ", ".join(str(s) for s in self.steps) + " (" +
                                            self.note + ")" if self.steps else "No snapshots yet.")

    async def chosen(self, ctl):
        index = int(el("timeline").value)
        ctl.views.snapshot = self.steps[index] if index < len(self.steps) else None
        await self.show(ctl)

    async def back_to_now(self, ctl):
        ctl.views.snapshot = None
        await self.show(ctl)

    async def show(self, ctl):
        step = ctl.views.snapshot
        self.show_slider(ctl)
        ctl.plot.overlay.marked = step
        ctl.plot.draw()
        if step is None:
            el("timeline-sample").textContent = ""
            el("timeline-sample").dataset.step = ""
            clear(el("timeline-next"))
            el("timeline-note").textContent = LIVE_NOTE
        else:
            try:
                temp = ctl.form.temperature()
            except ValueError:
                temp = 1.0
            res = await call(ctl.worker.snapshot_view, snapshot=step, prompt=el("prompt").value, temperature=temp,
                             length=SAMPLE_LENGTH)
            if "error" in res:
                el("timeline-note").textContent = res["error"]
                return
            el("timeline-sample").textContent = res["text"]
            el("timeline-sample").dataset.step = str(res["step"])
            el("timeline-note").textContent = ("The model as it was at step %d (training is at step %d). The "
                                               "surprise, attention and map views show this step too; the plot "
                                               "marks it." % (step, ctl.step))
            box = el("timeline-next")
            clear(box)
            for ch, p in res.get("probs", []):
                box.append(make("li", None, "%s %s" % (v.char_name(ch), v.pct(p))))
        await ctl.views.refresh_snapshot_views(ctl)
