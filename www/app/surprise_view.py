"""Surprise, character by character (MicroPython, main thread): a passage of validation text, each character
shaded by how surprised the model was by it; focus or hover one to see its probability and the model's guesses.

The characters are the first validation windows the plot's validation loss is measured on; the spans are built
once per run, a window per browser task, and a refresh only changes their shading, so no refresh holds the main
thread for long while training.
"""

from pyscript import window

from app import view_timing
from app import views_logic as v
from app.dom import clear, el, make, on

EVERY_MS = 4000
SHOWN = {" ": " ", "\n": "\u21b5", "\t": "\u21e5"}


class SurpriseView:
    def __init__(self):
        self.last = -1e9
        self.busy = False
        self.res = None
        self.spans, self.key, self.focus = [], None, 0
        self.unit = None

    def is_open(self):
        return el("surprise-panel").open

    def due(self, now):
        return self.is_open() and now - self.last > EVERY_MS

    def restart(self):
        self.key, self.res = None, None

    def wire(self, ctl):
        box = el("surprise")
        on(box, "keydown", lambda e: self.key_pressed(e, ctl))
        on(box, "focusin", lambda e: self.detail_of(e.target, ctl))
        on(box, "mouseover", lambda e: self.detail_of(e.target, ctl))
        on("surprise-panel", "toggle", lambda e: self.refresh(ctl) if self.is_open() else None)

    async def refresh(self, ctl):
        if self.busy or ctl.run is None or not self.is_open():
            return
        self.busy = True
        self.last = window.performance.now()
        try:  # busy until drawn: a second refresh must not interleave with this one's drawing
            res = await view_timing.ask(ctl.worker.surprise, snapshot=ctl.views.snapshot)
            if "error" in res:
                el("surprise-summary").textContent = res["error"]
                return
            await view_timing.draw_turn()
            try:
                await self.show(res, v.surprise_unit(ctl.plot.unit))
            finally:
                view_timing.draw_done()
        finally:
            self.busy = False

    async def show(self, res, unit):
        t0 = view_timing.start()
        self.res = res
        box = el("surprise")
        key = "\0".join(w["text"] for w in res["windows"])
        if key != self.key:
            view_timing.end(t0, "surprise-start")
            await self.build(box, res)
            t0 = view_timing.start()
            self.key = key
        i = 0
        for w in res["windows"]:  # one window (a few dozen characters) per browser task
            for s in w["surprise"]:
                span = self.spans[i]
                span.className = "ch s%d" % v.shade(s)
                span.dataset.surprise = "%.4f" % s
                i += 1
            view_timing.end(t0, "surprise-update")
            await view_timing.yield_to_page()
            t0 = view_timing.start()
        box.dataset.step = str(res["step"])
        # over all the validation windows, where computed: the plot's validation loss
        box.dataset.mean = "" if res["mean"] is None else "%.6f" % res["mean"]
        box.dataset.shownMean = "%.6f" % res["shown_mean"]
        if unit != self.unit:
            self.legend(unit)
        el("surprise-summary").textContent = v.surprise_summary(res, unit)
        worst = ", ".join("%s (%.2f %s)" % (v.char_name(c), v.in_unit(s, unit), unit) for c, s in res["worst"])
        el("surprise-worst").textContent = "Most surprising here: " + worst + "."
        view_timing.end(t0, "surprise")

    async def build(self, box, res):
        clear(box)
        self.spans, self.focus = [], 0
        part, end = None, None  # the window before, and the position of its last character in the text
        for w in res["windows"]:
            t0 = view_timing.start()
            # A window scores the characters after its first, which it only reads (shown unshaded). Windows that
            # follow on in the text are drawn as one passage; a gap gets an ellipsis.
            follows = end is not None and w["start"] in (end, end + 1)
            if part is not None and not follows:
                part.classList.add("cut")
            part = make("span", "window")
            if not (follows and w["start"] == end):  # else its first character is the last one scored before it
                part.append(make("span", "ctx", SHOWN.get(w["context"], w["context"]), aria_hidden="true"))
            end = w["start"] + len(w["text"])
            for ch in w["text"]:
                span = make("span", "ch", SHOWN.get(ch, ch), tabindex="0" if not self.spans else "-1")
                span.dataset.char = ch
                span.dataset.index = str(len(self.spans))
                if ch in SHOWN:
                    span.setAttribute("aria-label", v.char_name(ch))
                part.append(span)
                self.spans.append(span)
            box.append(part)
            view_timing.end(t0, "surprise-build")
            await view_timing.yield_to_page()  # one window per browser task: the page keeps responding
        if part is not None:
            part.classList.add("cut")  # the passage stops here; the text goes on

    def legend(self, unit):
        self.unit = unit
        box = el("surprise-legend")
        clear(box)
        box.append(make("span", "end", "expected (0 %s)" % unit))
        for level in range(v.SHADES):
            box.append(make("span", "swatch s%d" % level, aria_hidden="true"))
        box.append(make("span", "end", "surprising (%.1f+ %s)" % (v.in_unit(v.SHADE_TOP_NATS, unit), unit)))

    def detail_of(self, target, ctl):
        index = target.dataset.index if target.dataset else None
        if index is None or not self.res or not self.spans:
            return
        i = int(index)
        T = len(self.res["windows"][0]["text"])  # every window is one context long
        wi, t = i // T, i % T
        if wi >= len(self.res["windows"]):
            return
        w, k = self.res["windows"][wi], self.res["top"]
        ch, s = w["text"][t], w["surprise"][t]
        top = [(c, p / 10000) for c, p in zip(w["top"][t * k:(t + 1) * k], w["top_p"][t * k:(t + 1) * k])]
        el("surprise-detail").textContent = v.describe_char(ch, s, top, v.surprise_unit(ctl.plot.unit))

    def key_pressed(self, e, ctl):
        moves = {"ArrowRight": 1, "ArrowDown": 1, "ArrowLeft": -1, "ArrowUp": -1}
        n = len(self.spans)
        if not n:
            return
        if e.key in moves:
            target = min(max(self.focus + moves[e.key], 0), n - 1)
        elif e.key == "Home":
            target = 0
        elif e.key == "End":
            target = n - 1
        else:
            return
        e.preventDefault()
        self.spans[self.focus].setAttribute("tabindex", "-1")
        self.focus = target
        self.spans[target].setAttribute("tabindex", "0")
        self.spans[target].focus()
