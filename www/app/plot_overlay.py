"""What the loss plot draws on top of the current run (MicroPython, main thread): the kept curves of earlier runs
in Okabe-Ito colours with their own dash patterns, and the step the timeline shows."""

from app import loss_plot_math as plot
from app import views_logic as v


class PlotOverlay:
    def __init__(self):
        self.kept = []       # [{"losses", "val_losses", "label"}] in keeping order
        self.marked = None   # the timeline's step, or None

    def last_step(self):
        return max([len(k["losses"]) - 1 for k in self.kept] + [self.marked or 0, 0])

    def draw(self, ctx, scale, unit):
        for i, k in enumerate(self.kept):
            color, dash = v.KEPT_COLORS[i % len(v.KEPT_COLORS)], v.KEPT_DASHES[i % len(v.KEPT_DASHES)]
            smooth = plot.smooth([plot.convert(x, unit) for x in k["losses"]]) if k["losses"] else []
            points = plot.thin(list(enumerate(smooth)), 400)
            ctx.setLineDash(list(dash))
            ctx.strokeStyle = color
            ctx.lineWidth = 2
            ctx.beginPath()
            for j, (x, y) in enumerate(points):
                if j:
                    ctx.lineTo(scale.x(x), scale.y(y))
                else:
                    ctx.moveTo(scale.x(x), scale.y(y))
            ctx.stroke()
            ctx.setLineDash([])
            ctx.fillStyle = color
            for s, val in k["val_losses"][-60:]:
                ctx.fillRect(scale.x(s) - 2.5, scale.y(plot.convert(val, unit)) - 2.5, 5, 5)
        if self.marked is not None:
            x = round(scale.x(self.marked)) + 0.5
            ctx.strokeStyle = "#111827"
            ctx.lineWidth = 1.5
            ctx.setLineDash([4, 3])
            ctx.beginPath()
            ctx.moveTo(x, scale.top)
            ctx.lineTo(x, scale.top + scale.height)
            ctx.stroke()
            ctx.setLineDash([])
            ctx.fillStyle = "#111827"
            ctx.textAlign = "left"
            ctx.textBaseline = "top"
            ctx.fillText("timeline: step %d" % self.marked, x + 4, scale.top + 2)
