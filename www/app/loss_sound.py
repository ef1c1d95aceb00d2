"""The loss plot, explorable by keyboard and audible (MicroPython, main thread), through Chart2Music.

Chart2Music (vendored from npm, vendor/chart2music/) is attached to #loss-explore: a learner who focuses it moves
along the training and validation curves with the arrow keys, hears each value as a pitch (Chart2Music's play keys
sound the whole curve; H opens its help), and the value is read out in the unit the page shows. The visual plot,
the data table and the summary sentence stay; this is one more way in. The script is loaded from Python; if it
cannot load, the box says so and everything else works.
"""

from pyscript import document, window
from pyscript.ffi import to_js

from app import loss_plot_math as plot
from app.dom import el, proxy

SCRIPT = "vendor/chart2music/chart2music.js"
EVERY_MS = 2000  # while training, hand Chart2Music the new points this often


class LossSound:
    def __init__(self):
        self.chart = None
        self.unit = "nats"
        self.last = -1e9
        self.failed = False
        # made once and kept: they read the unit when Chart2Music calls them, so a unit change needs no new proxies
        self.format_x = proxy(lambda v: f"step {int(v)}")
        self.format_y = proxy(lambda v: plot.unit_value(v, self.unit))
        script = document.createElement("script")
        script.src = SCRIPT
        script.onload = proxy(lambda e: self.loaded())
        script.onerror = proxy(lambda e: self.unavailable())
        document.head.append(script)

    def unavailable(self):
        self.failed = True
        el("loss-explore").textContent = ("Exploring the curve by keyboard and sound is not available in this "
                                          "browser; the table and the summary below give the same numbers.")
        el("loss-explore").hidden = False

    def loaded(self):
        box = el("loss-explore")
        box.hidden = False
        made = window.c2mChart(to_js({
            "type": "line",
            "element": box,
            "cc": el("loss-explore-cc"),
            "title": "Loss curve",
            "data": {"training loss": [{"x": 0, "y": 0}]},
            "axes": self.axes(),
            "options": {"live": True},
        }))
        if made.err:
            self.unavailable()
            return
        self.chart = made.data
        box.textContent = ("Explore the loss curve by ear: focus here, then use the arrow keys to move along it "
                           "(Page Up/Down switches between training and validation; H lists every key).")

    def axes(self):
        return {"x": {"label": "step", "format": self.format_x},
                "y": {"label": plot.UNIT_LABELS[self.unit], "format": self.format_y}}

    def update(self, losses, val_losses, unit, training, now):
        """Follow the run: at once when paused or when the unit changed, every EVERY_MS while training."""
        if self.chart is None or not losses:
            return
        if training and unit == self.unit and now - self.last < EVERY_MS:
            return
        self.unit, self.last = unit, now
        series = plot.sound_series(losses, val_losses, unit)
        data = {name: [{"x": x, "y": y} for x, y in points] for name, points in series.items()}
        self.chart.setData(to_js(data), to_js(self.axes()))  # the axes too: their label names the unit
