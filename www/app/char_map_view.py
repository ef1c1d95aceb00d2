"""The character map (MicroPython, main thread): the learned character embeddings of the MLP or the transformer,
projected onto their two principal axes (PCA, computed in the worker) and drawn as letters; characters the model
treats alike end up close together. Its text alternative lists the characters from left to right."""

from pyscript import window

from app import view_timing, views_logic
from app.dom import el, on

EVERY_MS = 5000
LABELS = {" ": "\u2423", "\n": "\u21b5", "\t": "\u21e5"}
LABEL_BOX = (11, 16)  # px a 14 px monospace letter takes, with a little air: labels never closer than this


class CharMapView:
    def __init__(self):
        self.last = -1e9
        self.busy = False
        self.res = None

    def is_open(self):
        return el("char-map-panel").open

    def due(self, now):
        return self.is_open() and now - self.last > EVERY_MS

    def restart(self):
        self.res = None

    def wire(self, ctl):
        on("char-map-panel", "toggle", lambda e: self.refresh(ctl) if self.is_open() else None)

    async def refresh(self, ctl):
        if self.busy or ctl.run is None or not self.is_open():
            return
        self.busy = True
        self.last = window.performance.now()
        try:
            res = await view_timing.ask(ctl.worker.char_map, snapshot=ctl.views.snapshot)
        finally:
            self.busy = False
        await view_timing.draw_turn()
        t0 = view_timing.start()
        try:
            self.show(res)
        finally:
            view_timing.end(t0, "char-map")
            view_timing.draw_done()

    def show(self, res):
        canvas = el("char-map")
        if "error" in res:
            el("char-map-text").textContent = res["error"]
            return
        canvas.dataset.step = str(res["step"])
        if not res["has_map"]:
            canvas.hidden = True
            text = ("The bigram model has no character embeddings: it keeps one row of next-character scores per "
                    "character. Choose the MLP or the transformer to see its map of characters.")
            el("char-map-text").textContent = text
            canvas.setAttribute("aria-label", text)
            return
        canvas.hidden = False
        self.res = res
        self.draw()
        order = sorted(range(len(res["chars"])), key=lambda i: res["points"][i][0])
        text = ("Step %d. The learned embedding of each character, projected onto the two directions in which they "
                "differ most (%.0f%% and %.0f%% of the spread). From left to right: %s."
                % (res["step"], res["explained"][0] * 100, res["explained"][1] * 100,
                   " ".join(LABELS.get(res["chars"][i], res["chars"][i]) for i in order)))
        el("char-map-text").textContent = text
        canvas.setAttribute("aria-label", "Character map. " + text)

    def draw(self):
        res = self.res
        if not res:
            return
        canvas = el("char-map")
        ratio = window.devicePixelRatio or 1
        width = canvas.clientWidth or 320
        height = canvas.clientHeight or 260
        canvas.width, canvas.height = int(width * ratio), int(height * ratio)
        ctx = canvas.getContext("2d")
        ctx.setTransform(ratio, 0, 0, ratio, 0, 0)
        ctx.clearRect(0, 0, width, height)
        xs = [p[0] for p in res["points"]]
        ys = [p[1] for p in res["points"]]
        pad = 14
        x0, x1 = min(xs), max(xs)
        y0, y1 = min(ys), max(ys)
        sx = (width - 2 * pad) / ((x1 - x0) or 1)
        sy = (height - 2 * pad) / ((y1 - y0) or 1)
        ctx.strokeStyle = "#e5e7eb"
        ctx.beginPath()
        ctx.moveTo(pad + (0 - x0) * sx, 0)
        ctx.lineTo(pad + (0 - x0) * sx, height)
        ctx.moveTo(0, height - pad - (0 - y0) * sy)
        ctx.lineTo(width, height - pad - (0 - y0) * sy)
        ctx.stroke()
        ctx.font = "14px ui-monospace, monospace"
        ctx.textAlign = "center"
        ctx.textBaseline = "middle"
        points = [(pad + (x - x0) * sx, height - pad - (y - y0) * sy) for x, y in res["points"]]
        spots = views_logic.place_labels(points, LABEL_BOX, width, height)
        for ch, (x, y), (lx, ly) in zip(res["chars"], points, spots):
            special = ch in LABELS
            color = "#c2410c" if special else ("#1d4ed8" if ch.isalpha() else "#374151")
            if (lx, ly) != (x, y):  # moved off a crowded place: a dot marks the character's own, a line leads to it
                ctx.strokeStyle = ctx.fillStyle = color
                ctx.globalAlpha = 0.45
                dx, dy = lx - x, ly - y
                reach = 1 - min(LABEL_BOX[0] / 2 / abs(dx) if dx else 1, LABEL_BOX[1] / 2 / abs(dy) if dy else 1)
                ctx.beginPath()
                ctx.moveTo(x, y)
                ctx.lineTo(x + dx * reach, y + dy * reach)  # up to the label's edge, not through the letter
                ctx.stroke()
                ctx.globalAlpha = 1
                ctx.beginPath()
                ctx.arc(x, y, 1.5, 0, 6.2832)
                ctx.fill()
            ctx.fillStyle = color
            ctx.fillText(LABELS.get(ch, ch), lx, ly)
