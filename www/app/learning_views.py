"""The learning views together (MicroPython, main thread): surprise, step-through, attention, the timeline, kept
runs and the character map. The Controller calls four hooks: wire (once), restart (a new trainer), tick (between
training chunks: each open view refreshes on its own timer) and refresh (now, after a setup or a step).

`snapshot` is the step the timeline shows (None: the live model); the surprise, attention and map views ask the
worker about that step's weights.
"""

import asyncio

from pyscript import window

from app.attention_view import AttentionView
from app.char_map_view import CharMapView
from app.kept_runs_view import KeptRunsView
from app.plot_overlay import PlotOverlay
from app.step_through_view import StepThroughView
from app.surprise_view import SurpriseView
from app.timeline_view import TimelineView


class LearningViews:
    def __init__(self, plot):
        self.snapshot = None
        self.last_state = None
        self.overlay = PlotOverlay()
        plot.overlay = self.overlay
        self.surprise = SurpriseView()
        self.attention = AttentionView()
        self.char_map = CharMapView()
        self.timeline = TimelineView()
        self.kept = KeptRunsView(self.overlay)
        self.step_through = StepThroughView()
        self.timed = (self.surprise, self.attention, self.char_map)

    def wire(self, ctl):
        for view in self.timed + (self.timeline, self.kept, self.step_through):
            view.wire(ctl)

    def restart(self, ctl):
        for view in self.timed:
            view.restart()
        self.timeline.restart(ctl)
        self.step_through.restart()
        self.kept.show(ctl)  # labels name what differs from the new run

    def show_state(self, ctl):
        """The buttons for the trainer's state; once training pauses, the open views show its last step."""
        self.step_through.show_state(ctl.state)
        if ctl.state == "paused" and self.last_state == "training":
            asyncio.create_task(self.refresh(ctl))
        self.last_state = ctl.state


    async def tick(self, ctl):
        """Between chunks of training: keep a snapshot when one is due (awaited: it must be this very step), and
        start the refresh of one open view whose time has come. That refresh runs beside the loop: its question
        waits in the worker's queue ahead of the next chunk, and its drawing happens while the worker trains."""
        await self.timeline.keep_if_due(ctl)
        if self.snapshot is None:
            self.timeline.show_slider(ctl)
        now = window.performance.now()
        for view in self.timed:
            if view.due(now):
                asyncio.create_task(view.refresh(ctl))
                return

    async def refresh(self, ctl):
        await self.timeline.keep_if_due(ctl)
        self.timeline.show_slider(ctl)
        for view in self.timed:
            await view.refresh(ctl)

    async def refresh_snapshot_views(self, ctl):
        for view in self.timed:
            await view.refresh(ctl)

    async def unit_changed(self, ctl):
        if self.surprise.res is not None:
            await self.surprise.show(self.surprise.res, "bits" if ctl.plot.unit == "bits" else "nats")
