"""The learning views' pure logic, shared by MicroPython in the page and CPython in the tests: shading levels,
units, the timeline's schedule, the sentences that are the views' text alternatives, labels and a CSV for kept
runs, splitting a sample into copied and new stretches, and where the character map's letters go.
"""

import math

SHADES = 8               # surprise shading levels (CSS classes s0..s7)
SHADE_TOP_NATS = 6.0     # surprise at or above this gets the darkest shade (e^-6: the model gave it under 0.25%)
SHOWN_CHARS = {" ": "space", "\n": "newline", "\t": "tab"}
# Okabe & Ito's colour-blind-safe palette (2008), without the yellow that vanishes on white and the black axes
KEPT_COLORS = ("#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
KEPT_DASHES = ((), (6, 3), (2, 3), (8, 3, 2, 3), (4, 4))  # a second cue besides colour
MAX_KEPT = 5
DIFF_KEYS = (("model", ""), ("preset", ""), ("corpus", "text "), ("lr", "lr "), ("batch_size", "batch "),
             ("context", "context "), ("seed", "seed "))


def shade(surprise_nats):
    """The shading level 0..SHADES-1 of a surprise in nats (0: expected, SHADES-1: a shock)."""
    level = int(surprise_nats / SHADE_TOP_NATS * SHADES)
    return min(max(level, 0), SHADES - 1)


def surprise_unit(plot_unit):
    """Surprise is shown in bits when the plot shows bits, else in nats (perplexity has no per-character form)."""
    return "bits" if plot_unit == "bits" else "nats"


def in_unit(nats, unit):
    return nats / math.log(2) if unit == "bits" else nats


def char_name(ch):
    """A character as a screen reader and a sighted reader can both tell it: "space", "newline", "'e'"."""
    return SHOWN_CHARS.get(ch, "'" + ch + "'")


def describe_char(ch, surprise_nats, top, unit):
    """The detail line for one character: its probability, surprise and the model's top guesses."""
    guesses = ", ".join(char_name(c) + " " + pct(p) for c, p in top)
    return ("%s: the model gave it %s, a surprise of %.2f %s. Its top guesses: %s."
            % (char_name(ch), pct(math.exp(-surprise_nats)), in_unit(surprise_nats, unit), unit, guesses))


def pct(p):
    if p >= 0.1:
        return "%.0f%%" % (p * 100)
    if p >= 0.001:
        return "%.1f%%" % (p * 100)
    return "under 0.1%"


def surprise_summary(res, unit):
    """The surprise view's sentence: the passage's mean, and the mean over all validation windows."""
    n = sum(len(w["text"]) for w in res["windows"])
    text = "Step %d. Mean surprise of these %d validation characters: %.3f %s." % (
        res["step"], n, in_unit(res["shown_mean"], unit), unit)
    if res.get("mean") is not None:
        text += (" Over all %d validation predictions (the same windows as the plot's validation loss): %.3f %s"
                 % (res["count"], in_unit(res["mean"], unit), unit))
        if res.get("plot_val_loss") is not None:
            text += "; the plot shows %.3f %s for this step" % (in_unit(res["plot_val_loss"], unit), unit)
        text += "."
    elif res.get("latest_val"):
        step, loss = res["latest_val"]
        text += (" The plot's validation loss, the mean over all %d predictions of these windows and the rest, "
                 "was %.3f %s at step %d." % (res["count"], in_unit(loss, unit), unit, step))
    return text


# ----- attention ---------------------------------------------------------------------------------------------

def top_attended(chars, weights, k=3):
    """The k most attended positions as (position, char, weight), most first (ties: the later position)."""
    order = sorted(range(len(weights)), key=lambda i: (-weights[i], -i))[:k]
    return [(i, chars[i], weights[i]) for i in order]


def attention_sentence(layer, head, chars, weights):
    """The text alternative of one head's row: the three characters the last character attends to most."""
    parts = ["%s at position %d (%s)" % (char_name(c), i + 1, pct(w)) for i, c, w in top_attended(chars, weights)]
    return "Layer %d, head %d: from the last character it attends most to %s." % (layer + 1, head + 1,
                                                                                  ", ".join(parts))


# ----- timeline ------------------------------------------------------------------------------------------------

def is_snapshot_step(step):
    """Steps 0, 10, 30, 100, 300, ... (as charlm.inspection.snapshot_steps)."""
    if step == 0:
        return True
    if step < 10:
        return False
    while step % 10 == 0:
        step //= 10
    return step in (1, 3)


# ----- kept runs -------------------------------------------------------------------------------------------------

def run_labels(runs):
    """A short label per run naming what differs between them (model, size, text, learning rate, ...); runs are
    the page's run settings dicts. Identical settings get numbered."""
    differing = [(k, prefix) for k, prefix in DIFF_KEYS if len({str(r.get(k)) for r in runs}) > 1]
    labels = []
    for i, r in enumerate(runs):
        parts = []
        for k, prefix in differing:
            value = r.get(k)
            parts.append(prefix + ("own" if k == "corpus" and not value else "%s" % (value,)))
        labels.append(", ".join(parts) if parts else "run %d" % (i + 1))
    return labels


def kept_csv(losses, val_losses, kept, labels):
    """The current run and the kept ones side by side: `step,train_loss,val_loss` and then, per kept run,
    `<label> train,<label> val` columns (empty where a run has no value)."""
    head = ["step", "train_loss", "val_loss"]
    for label in labels:
        name = label.replace('"', "'")
        head += ['"%s train"' % name, '"%s val"' % name]
    vals = [dict((int(s), v) for s, v in val_losses)] + [dict((int(s), v) for s, v in k["val_losses"]) for k in kept]
    trains = [losses] + [k["losses"] for k in kept]
    last = max([len(t) for t in trains] + [max(v) + 1 if v else 0 for v in vals])
    rows = [",".join(head)]
    for step in range(last):
        cells = [str(step)]
        for t, v in zip(trains, vals):
            cells.append("%.6f" % t[step] if step < len(t) else "")
            cells.append("%.6f" % v[step] if step in v else "")
        rows.append(",".join(cells))
    return "\n".join(rows) + "\n"


# ----- copied stretches ---------------------------------------------------------------------------------------

def split_copied(text, runs):
    """`text` cut into [(piece, copied)] following the copied `runs` [(start, end)]."""
    pieces, at = [], 0
    for a, b in runs:
        if a > at:
            pieces.append((text[at:a], False))
        pieces.append((text[a:b], True))
        at = b
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


def copied_sentence(fraction, min_run, runs):
    if not runs:
        return "None of this sample is copied from the training text in runs of %d+ characters." % min_run
    return ("%d%% of this sample is copied from the training text in runs of %d+ characters (%d marked stretch%s)."
            % (round(fraction * 100), min_run, len(runs), "" if len(runs) == 1 else "es"))


# What each group of weights in the step-through is (the names are charlm's parameter names, as in nanoGPT)
WEIGHT_GROUPS = {"table": "the table of next-character scores", "embedding": "character embeddings",
                 "hidden": "hidden layer", "output": "output layer", "wte": "character embeddings",
                 "wpe": "position embeddings", "ln_f": "final layer norm", "lm_head": "output layer"}


def weight_group_label(key):
    """A step-through row's label: the group's name and, in brackets, what it is ("wte (character embeddings)",
    "blocks.0 (transformer block 1)"); a name it does not know stays as it is."""
    if key.startswith("blocks.") and key[7:].isdigit():
        return "%s (transformer block %d)" % (key, int(key[7:]) + 1)
    return "%s (%s)" % (key, WEIGHT_GROUPS[key]) if key in WEIGHT_GROUPS else key


# Where a character-map label may move to when its own place is taken, in label sizes (x, y): right beside it
# first, then a step or two further; the nearest free one wins
NUDGES = [(0, 0)] + [(dx * r, dy * r) for r in (1, 2, 3)
                     for dx, dy in ((1, 0), (-1, 0), (0, -1), (0, 1), (1, -1), (-1, -1), (1, 1), (-1, 1))]


def place_labels(points, box, width, height):
    """Where to draw each label of the character map so that none covers another. `points`: each character's true
    place (x, y in px, in drawing order); `box`: a label's (width, height); the labels are centred on the places
    returned. Each label takes the first place in NUDGES that overlaps no label placed before it and stays on the
    canvas; when none is free it stays on its point (covering a neighbour beats standing far from its own)."""
    bw, bh = box
    placed, cells = [], {}  # cells: the labels placed so far, by the label-sized cell their centre is in

    def free(cx, cy):  # a label overlapping one at (cx, cy) has its centre in the same cell or a neighbouring one
        i, j = int(cx // bw), int(cy // bh)
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                for px, py in cells.get((i + di, j + dj), ()):
                    if abs(cx - px) < bw and abs(cy - py) < bh:
                        return False
        return True
    for x, y in points:
        spot = (x, y)
        for dx, dy in NUDGES:
            cx, cy = x + dx * bw, y + dy * bh
            inside = bw / 2 <= cx <= width - bw / 2 and bh / 2 <= cy <= height - bh / 2
            if (inside or (dx, dy) == (0, 0)) and free(cx, cy):
                spot = (cx, cy)
                break
        placed.append(spot)
        cells.setdefault((int(spot[0] // bw), int(spot[1] // bh)), []).append(spot)
    return placed
