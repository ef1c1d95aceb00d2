"""The next-character bars: what the model expects after the learner's prompt (MicroPython, main thread)."""

from pyscript import window

from app.dom import clear, el, make
from app.worker_client import call

SHOWN_CHARS = {" ": "space", "\n": "newline", "\t": "tab"}
NEXT_EVERY_MS = 1500  # refresh the bars this often while training
TOP = 10


class NextCharView:
    def __init__(self):
        self.last = -1e9   # performance.now() of the last refresh
        self.busy = False  # typing fast must not queue a call per key

    def due(self, now):
        return now - self.last > NEXT_EVERY_MS

    async def refresh(self, ctl):
        if self.busy or ctl.run is None:
            return
        self.busy = True
        self.last = window.performance.now()
        prompt = el("prompt").value
        try:
            res = await call(ctl.worker.next_char, prompt=prompt, top=TOP)
        finally:
            self.busy = False
        show(prompt, res, ctl.step)


def show(prompt, res, step):
    box = el("next-char")
    box.dataset.prompt = prompt
    box.dataset.step = str(res.get("step", step))
    clear(box)
    if "error" in res:
        el("next-char-note").textContent = res["error"]
        return
    el("next-char-note").textContent = f"after step {res['step']}"
    for ch, p in res["probs"]:
        row = make("div", "bar", role="listitem")
        row.dataset.char = ch
        row.dataset.prob = f"{p:.6f}"
        fill = make("span", "fill")
        fill.style.width = f"{max(p * 100, 0.5):.1f}%"
        track = make("span", "track")
        track.append(fill)
        row.append(make("span", "char" + (" special" if ch in SHOWN_CHARS else ""), SHOWN_CHARS.get(ch, ch)),
                   track, make("span", "value", f"{p * 100:.1f}%"))
        box.append(row)
