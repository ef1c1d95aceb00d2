"""The run's progress as the learner reads it: milestones for kept samples, time and speed counters.

Pure logic, shared by MicroPython in the page and CPython in the tests.
"""

# Steps at which the page keeps a sample, so the learner can see the text crawl from noise toward English.
MILESTONES = (0, 30, 100, 300, 1000, 3000, 10000, 30000, 100000)


def due_milestones(step, done):
    """The milestones reached by `step` that have no kept sample yet (`done` is the set already kept)."""
    return [m for m in MILESTONES if m <= step and m not in done]


def format_seconds(s):
    """Seconds as m:ss (or h:mm:ss past an hour): 95 -> "1:35"."""
    s = int(s)
    if s >= 3600:
        return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
    return f"{s // 60}:{s % 60:02d}"


def format_count(n):
    """A whole number with thousands separators; MicroPython ignores the separator in float formats."""
    return f"{int(n):,}"


class Clock:
    """Wall-clock time since Train was first pressed, which is what the Time counter shows.

    Paused time does not count: the clock runs only between start() and stop(). Time computing inside the worker
    is kept apart (`compute`), so chars/s is the worker's true rate and the two can be compared.
    """

    def __init__(self):
        self.reset()

    def reset(self):
        self.elapsed = 0.0      # seconds of wall time while training
        self.started = None     # the now() of the running stretch, or None when stopped
        self.compute = 0.0      # seconds the worker spent inside training calls
        self.chars = 0          # characters trained on

    def start(self, now):
        if self.started is None:
            self.started = now

    def stop(self, now):
        if self.started is not None:
            self.elapsed += max(now - self.started, 0.0)
            self.started = None

    def wall(self, now):
        """Seconds of wall-clock training time up to `now`."""
        return self.elapsed + (max(now - self.started, 0.0) if self.started is not None else 0.0)

    def add(self, seconds, chars):
        """A chunk of training came back: `seconds` inside the worker for `chars` characters."""
        self.compute += seconds
        self.chars += chars

    def chars_per_second(self, now):
        """Characters per second of wall time: what the learner gets, messages and drawing included."""
        wall = self.wall(now)
        return self.chars / wall if wall > 0 else 0.0
