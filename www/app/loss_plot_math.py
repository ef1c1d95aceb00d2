"""The loss plot's arithmetic: units, axis ranges, ticks, smoothing, thinning and epoch marks.

Pure logic (no canvas), so it is tested under CPython; loss_plot.py draws what this computes.
"""

import math

UNITS = ("nats", "bits", "perplexity")
UNIT_LABELS = {"nats": "loss (nats per character)", "bits": "loss (bits per character)",
               "perplexity": "perplexity (characters it hesitates between)"}
LN2 = math.log(2)


def convert(loss, unit):
    """A loss in nats per character, shown in `unit`: bits divide by ln 2; perplexity is e^loss."""
    if unit == "bits":
        return loss / LN2
    if unit == "perplexity":
        return math.exp(min(loss, 50.0))  # clamp: a diverging loss must not overflow the axis arithmetic
    return loss


def nice_step(span, count):
    """A round tick spacing (1, 2 or 5 times a power of ten) giving about `count` ticks over `span`."""
    if span <= 0:
        return 1.0
    raw = span / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * power:
            return m * power
    return 10 * power


def ticks(lo, hi, count=5):
    """Round tick values covering [lo, hi]."""
    step = nice_step(hi - lo, count)
    first = math.ceil(lo / step - 1e-9) * step
    out = []
    v = first
    while v <= hi + step * 1e-9:
        out.append(round(v, 10))
        v += step
    return out


def format_tick(v):
    """A tick label without float noise: 0.5, 2, 1000, 12k."""
    if abs(v) >= 10000:
        return f"{v / 1000:g}k"
    return f"{v:g}"


def y_range(values, refs=()):
    """(lo, hi) for the y axis: from 0 up to just above the largest loss or reference line shown."""
    finite = [v for v in values if v == v and abs(v) != float("inf")]
    finite += [r for r in refs if r == r]
    if not finite:
        return 0.0, 1.0
    hi = max(finite)
    return 0.0, hi * 1.08 if hi > 0 else 1.0


def x_range(last_step):
    """(0, hi) for the x axis: grows in round jumps so the curve is not squeezed on every step."""
    if last_step < 10:
        return 0, 10
    step = nice_step(last_step, 4)
    return 0, int(math.ceil((last_step + 1) / step) * step)


def smooth(values, weight=0.9):
    """Exponential moving average with bias correction (TensorBoard-style), so the first points are not pulled to 0."""
    out, avg = [], 0.0
    for i, v in enumerate(values):
        avg = weight * avg + (1 - weight) * v
        out.append(avg / (1 - weight ** (i + 1)))
    return out


def thin(points, max_points):
    """At most about `max_points` (x, y) points, keeping each bucket's extremes so spikes stay visible."""
    n = len(points)
    if n <= max_points or max_points < 4:
        return list(points)
    size = n / (max_points / 2)
    out = []
    start = 0
    while start < n:
        end = min(n, int(start + size) or start + 1)
        end = max(end, start + 1)
        bucket = points[start:end]
        lo = min(bucket, key=lambda p: p[1])
        hi = max(bucket, key=lambda p: p[1])
        out.extend(sorted((lo, hi)) if lo is not hi else [lo])
        start = end
    if out[-1] != points[-1]:
        out.append(points[-1])
    return out


def epoch_marks(tokens_per_step, train_chars, last_step):
    """Steps at which each full pass over the training text ends: [(epoch number, step), ...] up to last_step."""
    if tokens_per_step <= 0 or train_chars <= 0:
        return []
    marks, k = [], 1
    while True:
        step = k * train_chars / tokens_per_step
        if step > last_step or k > 1000:
            return marks
        marks.append((k, step))
        k += 1


class Scale:
    """Maps data coordinates to canvas pixels inside a plotting box (left, top, width, height)."""

    def __init__(self, box, xr, yr):
        self.left, self.top, self.width, self.height = box
        self.x0, self.x1 = xr
        self.y0, self.y1 = yr

    def x(self, v):
        return self.left + (v - self.x0) / ((self.x1 - self.x0) or 1) * self.width

    def y(self, v):
        v = min(max(v, self.y0), self.y1)  # off-scale values sit on the edge instead of leaving the box
        return self.top + self.height - (v - self.y0) / ((self.y1 - self.y0) or 1) * self.height


def layout_labels(wanted, gap, lo, hi, max_shift=None):
    """Vertical positions for labels that want to sit at `wanted` (pixels, growing downwards), so that no two are
    closer than `gap` and all lie in [lo, hi]. A label is nudged away from its neighbours, and dropped (None) when
    it would have to move more than `max_shift` (default: one gap) from its line or there is no room left at all.
    Returns one position or None per label, in the order given."""
    max_shift = gap if max_shift is None else max_shift
    order = sorted(range(len(wanted)), key=lambda i: wanted[i])
    ys = []
    for i in order:  # downwards: each label at least a gap below the one above it
        y = min(max(wanted[i], lo), hi)
        if ys and y < ys[-1] + gap:
            y = ys[-1] + gap
        ys.append(y)
    for k in range(len(ys) - 1, -1, -1):  # upwards: the bottom one back inside, the others a gap above it
        limit = hi if k == len(ys) - 1 else ys[k + 1] - gap
        ys[k] = min(ys[k], limit)
    out = [None] * len(wanted)
    last = None
    for i, y in zip(order, ys):
        if y < lo or abs(y - wanted[i]) > max_shift or (last is not None and y - last < gap):
            continue  # no room near its line: better no label than one that collides or points at the wrong line
        out[i] = y
        last = y
    return out


def sound_series(losses, val_losses, unit, max_points=200):
    """The two curves as Chart2Music explores and plays them, in `unit`: the smoothed training loss (what the
    plot draws), thinned to about `max_points`, and every validation point. {name: [(step, value), ...]}."""
    conv = [convert(v, unit) for v in losses]
    train = thin(list(enumerate(smooth(conv))), max_points) if conv else []
    val = [(int(s), convert(v, unit)) for s, v in val_losses]
    out = {"training loss": train}
    if val:
        out["validation loss"] = val
    return out


def unit_value(value, unit):
    """A value on the loss axis as it is read out: "2.41 nats", "3.48 bits", "perplexity 11.1"."""
    if unit == "perplexity":
        return f"perplexity {value:.3g}" if value < 1000 else f"perplexity {value:,.0f}"
    return f"{value:.2f} {unit}"
