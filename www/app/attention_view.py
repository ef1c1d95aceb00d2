"""Attention, for the transformer (MicroPython, main thread): for the learner's prompt, one row per layer and head
showing how the last character spreads its attention back over the prompt, and the full causal matrix on demand.
Each row's text alternative names the three most attended characters.
"""

from pyscript import window

from app import view_timing
from app import views_logic as v
from app.dom import clear, el, make, on

EVERY_MS = 3000
CELL = 18  # px per cell of the full matrix


class AttentionView:
    def __init__(self):
        self.last = -1e9
        self.busy = False
        self.key = None
        self.cells = []  # [(row, [cell spans])] per layer x head
        self.res = None

    def is_open(self):
        return el("attention-panel").open

    def due(self, now):
        return self.is_open() and now - self.last > EVERY_MS

    def restart(self):
        self.key = None

    def wire(self, ctl):
        on("attention-panel", "toggle", lambda e: self.refresh(ctl) if self.is_open() else None)
        on("attention-full", "toggle", lambda e: self.refresh(ctl) if el("attention-full").open else None)
        on("attention-layer", "change", lambda e: self.draw_matrix())
        on("attention-head", "change", lambda e: self.draw_matrix())
        on("attention-rows", "focusin", self.row_detail)
        on("attention-rows", "mouseover", self.row_detail)

    def row_detail(self, e):
        """The focused or pointed-at row's strongest links, in words, under the rows (a screen reader has them in
        the row itself, so this copy is hidden from it)."""
        row = e.target.closest(".att-row") if e.target and e.target.closest else None
        if row is not None:
            el("attention-detail").textContent = row.querySelector(".sr-only").textContent

    async def refresh(self, ctl):
        if self.busy or ctl.run is None or not self.is_open():
            return
        self.busy = True
        self.last = window.performance.now()
        try:  # busy until drawn: a second refresh must not interleave with this one's drawing
            res = await view_timing.ask(ctl.worker.attention, prompt=el("prompt").value, snapshot=ctl.views.snapshot,
                                        full=el("attention-full").open)
            await view_timing.draw_turn()
            try:
                await self.show(res)
            finally:
                view_timing.draw_done()
        finally:
            self.busy = False

    async def show(self, res):
        t0 = view_timing.start()
        box = el("attention")
        note = el("attention-note")
        if "error" in res:
            note.textContent = res["error"]
            view_timing.end(t0, "attention")
            return
        box.dataset.step = str(res["step"])
        if not res["has_attention"]:
            self.key = None
            clear(el("attention-rows"))
            box.dataset.layers = "0"
            el("attention-full").hidden = True
            note.textContent = ("The %s model has no attention: it %s. Choose the transformer to watch its heads "
                                "decide which earlier characters matter." %
                                (res["model"], "looks only at the last character" if res["model"] == "bigram"
                                 else "always looks at the same few last characters, in fixed slots"))
            view_timing.end(t0, "attention")
            return
        el("attention-full").hidden = False
        chars, last = res["chars"], res["last"]
        note.textContent = ("Step %d. Each row is one head; each cell one character of the prompt, darker where the "
                            "last character (%s) looks more. Focus or point at a row for its three strongest links."
                            % (res["step"], v.char_name(chars[-1])))
        key = "%d/%d/%s" % (len(last), len(last[0]), "".join(chars))
        if key != self.key:
            view_timing.end(t0, "attention")
            await self.build(chars, len(last), len(last[0]))
            t0 = view_timing.start()
            self.key = key
        box.dataset.layers = str(len(last))
        for layer, heads in enumerate(last):
            for head, weights in enumerate(heads):
                row, spans, alt = self.cells[layer * len(heads) + head]
                for span, w in zip(spans, weights):
                    span.style.setProperty("--w", "%.3f" % w)
                sentence = v.attention_sentence(layer, head, chars, weights)
                alt.textContent = sentence
                row.dataset.top = "".join(c for _, c, _ in v.top_attended(chars, weights))
            view_timing.end(t0, "attention")
            await view_timing.yield_to_page()  # a layer per browser task
            t0 = view_timing.start()
        self.res = res
        if "full" in res:
            self.draw_matrix()
        view_timing.end(t0, "attention")

    async def build(self, chars, n_layer, n_head):
        rows = el("attention-rows")
        clear(rows)
        el("attention-detail").textContent = ""
        self.cells = []
        for layer in range(n_layer):
            for head in range(n_head):
                t0 = view_timing.start()
                row = make("li", "att-row", tabindex="0")
                row.dataset.layer = str(layer)
                row.dataset.head = str(head)
                row.append(make("span", "att-label", "L%d H%d" % (layer + 1, head + 1), aria_hidden="true"))
                cellbox = make("span", "att-cells", aria_hidden="true")
                spans = []
                for ch in chars:
                    span = make("span", "att-cell", ch if ch not in v.SHOWN_CHARS else "\u00b7")
                    cellbox.append(span)
                    spans.append(span)
                alt = make("span", "sr-only")
                row.append(cellbox, alt)
                rows.append(row)
                self.cells.append((row, spans, alt))
                view_timing.end(t0, "attention-build")
                await view_timing.yield_to_page()  # a row per browser task
        t0 = view_timing.start()
        for id_, count in (("attention-layer", n_layer), ("attention-head", n_head)):
            select = el(id_)
            keep = select.value
            clear(select)
            for i in range(count):
                select.append(make("option", None, str(i + 1), value=str(i)))
            if keep and int(keep) < count:
                select.value = keep
        view_timing.end(t0, "attention-build")

    def draw_matrix(self):
        res = self.res
        if not res or "full" not in res:
            return
        layer, head = int(el("attention-layer").value or 0), int(el("attention-head").value or 0)
        matrix = res["full"][layer][head]
        chars = res["chars"]
        T = len(chars)
        canvas = el("attention-matrix")
        ratio = window.devicePixelRatio or 1
        size = CELL * (T + 1)
        canvas.width, canvas.height = int(size * ratio), int(size * ratio)
        canvas.style.width = "%dpx" % size
        canvas.style.height = "%dpx" % size
        ctx = canvas.getContext("2d")
        ctx.setTransform(ratio, 0, 0, ratio, 0, 0)
        ctx.clearRect(0, 0, size, size)
        ctx.font = "12px ui-monospace, monospace"
        ctx.textAlign = "center"
        ctx.textBaseline = "middle"
        ctx.fillStyle = "#111827"
        for i, ch in enumerate(chars):
            shown = ch if ch not in v.SHOWN_CHARS else "\u00b7"
            ctx.fillText(shown, CELL * (i + 1.5), CELL / 2)
            ctx.fillText(shown, CELL / 2, CELL * (i + 1.5))
        for i in range(T):
            for j in range(i + 1):
                ctx.fillStyle = "rgba(194, 65, 12, %.3f)" % matrix[i][j]
                ctx.fillRect(CELL * (j + 1), CELL * (i + 1), CELL - 1, CELL - 1)
        ctx.strokeStyle = "#d1d5db"
        for i in range(T):  # the causal mask: the cells above the diagonal can never be attended
            for j in range(i + 1, T):
                ctx.strokeRect(CELL * (j + 1) + 0.5, CELL * (i + 1) + 0.5, CELL - 2, CELL - 2)
        strongest = ["%s looks most at %s" % (v.char_name(chars[i]),
                                              v.char_name(chars[v.top_attended(chars, matrix[i][:i + 1], 1)[0][0]]))
                     for i in range(T)]
        canvas.setAttribute("aria-label", "Attention matrix of layer %d, head %d: row i is how character i spreads "
                            "its attention over itself and the characters before it. %s."
                            % (layer + 1, head + 1, "; ".join(strongest)))
        canvas.dataset.layer = str(layer)
        canvas.dataset.head = str(head)
