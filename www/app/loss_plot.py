"""Draws the loss plot on its canvas: crisp on high-DPI screens, redrawn to fit whenever the layout changes.

All the arithmetic is in loss_plot_math.py; this module only talks to the canvas.
"""

from app import loss_plot_math as plot

COLORS = {
    "train_raw": "rgba(37, 99, 235, 0.22)",
    "train": "#1d4ed8",
    "val": "#c2410c",
    "uniform": "#6b7280",
    "unigram": "#7c3aed",
    "bigram": "#047857",
    "axis": "#374151",
    "grid": "#e5e7eb",
    "epoch": "#9ca3af",
    "text": "#111827",
}
REF_LABELS = (("uniform", "uniform guess (ln V)"), ("unigram", "letter frequencies"), ("bigram", "letter pairs"))
LABEL_GAP = 15  # pixels between reference labels: the 12 px font plus air
FONT = "12px system-ui, -apple-system, 'Segoe UI', sans-serif"


class LossPlot:
    """The canvas `#loss-plot` and what it shows."""

    def __init__(self, canvas, window):
        self.canvas = canvas
        self.window = window
        self.unit = "nats"
        self.losses = []
        self.val_losses = []
        self.refs = {}
        self.tokens_per_step = 0
        self.train_chars = 0
        self.overlay = None  # draws kept runs and the timeline's step (plot_overlay.py)

    def fit(self):
        """Size the canvas backing store to its CSS box times the device pixel ratio (sharp on high-DPI screens)."""
        ratio = self.window.devicePixelRatio or 1
        width = self.canvas.clientWidth or 600
        height = self.canvas.clientHeight or 320
        w, h = int(width * ratio), int(height * ratio)
        if self.canvas.width != w or self.canvas.height != h:
            self.canvas.width, self.canvas.height = w, h
        return width, height, ratio

    def draw(self):
        width, height, ratio = self.fit()
        ctx = self.canvas.getContext("2d")
        ctx.setTransform(ratio, 0, 0, ratio, 0, 0)
        ctx.clearRect(0, 0, width, height)
        ctx.font = FONT
        unit = self.unit
        conv = [plot.convert(v, unit) for v in self.losses]
        smooth = plot.smooth(conv) if conv else []
        val = [(s, plot.convert(v, unit)) for s, v in self.val_losses]
        refs = [(key, plot.convert(self.refs[key], unit)) for key, _ in REF_LABELS if key in self.refs]
        last = max(len(conv) - 1, val[-1][0] if val else 0)
        if self.overlay:
            last = max(last, self.overlay.last_step())
        xr = plot.x_range(last)
        # The uniform guess bounds the interesting range; a diverging spike should not squash everything else.
        yr = plot.y_range(smooth + [v for _, v in val], [v for _, v in refs])
        if unit == "perplexity" and refs:
            yr = (0.0, max(r for _, r in refs) * 1.08)
        narrow = width < 480
        left, right, top, bottom = 52, (12 if narrow else 130), 14, 40
        scale = plot.Scale((left, top, width - left - right, height - top - bottom), xr, yr)
        self.grid(ctx, scale, xr, yr)
        self.epochs(ctx, scale, last)
        # Labels beside (or, on a narrow plot, above) their lines, laid out so they never overlap, whatever the range.
        offset = -8 if narrow else 0
        # (inside a narrow plot the bottom strip belongs to the epoch labels)
        spots = plot.layout_labels([scale.y(v) + offset for _, v in refs], LABEL_GAP, scale.top + 6,
                                   scale.top + scale.height - (22 if narrow else 6))
        for (key, value), spot in zip(refs, spots):
            self.reference(ctx, scale, key, value, narrow, spot)
        points = list(enumerate(conv))
        self.line(ctx, scale, plot.thin(points, 600), COLORS["train_raw"], 1)
        self.line(ctx, scale, plot.thin(list(enumerate(smooth)), 600), COLORS["train"], 2)
        self.line(ctx, scale, val, COLORS["val"], 2, dots=len(val) < 60)
        if self.overlay:
            self.overlay.draw(ctx, scale, unit)
        self.axes(ctx, scale, width, height, unit)

    def grid(self, ctx, scale, xr, yr):
        ctx.lineWidth = 1
        ctx.fillStyle = COLORS["text"]
        ctx.strokeStyle = COLORS["grid"]
        ctx.textAlign = "right"
        ctx.textBaseline = "middle"
        for v in plot.ticks(yr[0], yr[1], 5):
            y = round(scale.y(v)) + 0.5
            ctx.beginPath()
            ctx.moveTo(scale.left, y)
            ctx.lineTo(scale.left + scale.width, y)
            ctx.stroke()
            ctx.fillText(plot.format_tick(v), scale.left - 6, y)
        ctx.textAlign = "center"
        ctx.textBaseline = "top"
        for v in plot.ticks(xr[0], xr[1], 5):
            x = round(scale.x(v)) + 0.5
            ctx.beginPath()
            ctx.moveTo(x, scale.top)
            ctx.lineTo(x, scale.top + scale.height)
            ctx.stroke()
            ctx.fillText(plot.format_tick(v), x, scale.top + scale.height + 5)

    def epochs(self, ctx, scale, last):
        """A dotted line where each pass over the training text ends, labelled near the x axis where there is room."""
        ctx.strokeStyle = COLORS["epoch"]
        ctx.fillStyle = COLORS["epoch"]
        ctx.setLineDash([2, 3])
        ctx.textAlign = "left"
        ctx.textBaseline = "bottom"
        marks = plot.epoch_marks(self.tokens_per_step, self.train_chars, last)
        # Small texts pass in a few steps: past a few hundred steps, draw every k-th epoch so the lines stay apart.
        spacing = scale.x(marks[0][1]) - scale.x(0) if marks else 0
        stride = 1 if spacing >= 24 else int(24 // max(spacing, 0.1)) + 1
        labelled = -1e9
        for k, step in marks:
            if k % stride:
                continue
            x = round(scale.x(step)) + 0.5
            ctx.beginPath()
            ctx.moveTo(x, scale.top)
            ctx.lineTo(x, scale.top + scale.height)
            ctx.stroke()
            if x - labelled > 64:  # crowded marks keep their lines but not every label
                ctx.fillText(f"epoch {k}", x + 3, scale.top + scale.height - 3)
                labelled = x
        ctx.setLineDash([])

    def reference(self, ctx, scale, key, value, narrow, label_y):
        """A dashed reference line, and its label at `label_y` (None: no room for it, line only)."""
        y = round(scale.y(value)) + 0.5
        ctx.strokeStyle = COLORS[key]
        ctx.setLineDash([6, 4])
        ctx.lineWidth = 1.5
        ctx.beginPath()
        ctx.moveTo(scale.left, y)
        ctx.lineTo(scale.left + scale.width, y)
        ctx.stroke()
        ctx.setLineDash([])
        if label_y is None:
            return
        ctx.fillStyle = COLORS[key]
        ctx.textBaseline = "middle"
        label = dict(REF_LABELS)[key]
        if narrow:
            ctx.textAlign = "right"
            ctx.fillText(label, scale.left + scale.width - 4, label_y)
        else:
            ctx.textAlign = "left"
            ctx.fillText(label, scale.left + scale.width + 6, label_y)

    def line(self, ctx, scale, points, color, width, dots=False):
        if not points:
            return
        ctx.strokeStyle = color
        ctx.lineWidth = width
        ctx.lineJoin = "round"
        ctx.beginPath()
        x, y = points[0]
        ctx.moveTo(scale.x(x), scale.y(y))
        for x, y in points[1:]:
            ctx.lineTo(scale.x(x), scale.y(y))
        ctx.stroke()
        if dots or len(points) == 1:
            ctx.fillStyle = color
            for x, y in points:
                ctx.beginPath()
                ctx.arc(scale.x(x), scale.y(y), 2.5, 0, 6.2832)
                ctx.fill()

    def axes(self, ctx, scale, width, height, unit):
        ctx.strokeStyle = COLORS["axis"]
        ctx.lineWidth = 1
        ctx.beginPath()
        ctx.moveTo(scale.left + 0.5, scale.top)
        ctx.lineTo(scale.left + 0.5, scale.top + scale.height + 0.5)
        ctx.lineTo(scale.left + scale.width, scale.top + scale.height + 0.5)
        ctx.stroke()
        ctx.fillStyle = COLORS["text"]
        ctx.textAlign = "center"
        ctx.textBaseline = "bottom"
        ctx.fillText("training steps", scale.left + scale.width / 2, height - 2)
        ctx.save()
        ctx.translate(12, scale.top + scale.height / 2)
        ctx.rotate(-1.5708)
        ctx.textBaseline = "middle"
        ctx.fillText(plot.UNIT_LABELS[unit], 0, 0)
        ctx.restore()
