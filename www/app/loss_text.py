"""The run's losses as a CSV file, a short sentence and a small table: the loss plot's text alternatives.

Pure logic, shared by MicroPython in the page and CPython in the tests.
"""

from app.loss_plot_math import convert


def to_csv(losses, val_losses):
    """One row per optimiser step: `step,train_loss,val_loss`, val empty where it was not evaluated.

    `losses[i]` is the training loss measured at step i (after i updates); `val_losses` is [(step, loss), ...]."""
    val = {}
    for step, loss in val_losses:
        val[int(step)] = loss
    rows = ["step,train_loss,val_loss"]
    for i, loss in enumerate(losses):
        v = val.get(i)
        rows.append(f"{i},{loss:.6f}," + ("" if v is None else f"{v:.6f}"))
    return "\n".join(rows) + "\n"


# How each unit reads in a sentence and in the table's caption.
UNIT_WORDS = {"nats": "nats per character", "bits": "bits per character", "perplexity": "perplexity"}


def fmt(value, unit):
    """A loss already converted to `unit`, to the precision that unit needs (perplexities can be large)."""
    return f"{value:.1f}" if unit == "perplexity" and value >= 100 else f"{value:.2f}"


def direction(first, recent):
    """How the recent average compares with the start, honestly: "down from", "up from" or "no lower than"."""
    if recent < first:
        return "down from"
    if recent > first:
        return "up from"
    return "no lower than"


def summary(losses, val_losses, uniform=None, unit="nats"):
    """One sentence for screen readers: where the loss started, where it is, and against the uniform guess, in
    `unit` (nats, bits or perplexity). It never says "down from" when the loss went up."""
    words = UNIT_WORDS[unit]
    if not losses:
        guess = f" A uniform guess would score {fmt(convert(uniform, unit), unit)} {words}." if uniform else ""
        return "No training steps yet." + guess
    first, last = convert(losses[0], unit), convert(losses[-1], unit)
    recent = [convert(v, unit) for v in losses[-20:]]
    avg = sum(recent) / len(recent)
    what = "the perplexity is" if unit == "perplexity" else "the training loss is"
    unit_after = "" if unit == "perplexity" else " " + words
    text = (f"After {len(losses)} step{'s' if len(losses) != 1 else ''} {what} {fmt(last, unit)}{unit_after} "
            f"(average of the last {len(recent)}: {fmt(avg, unit)}), {direction(first, avg)} {fmt(first, unit)} "
            "at the start")
    if val_losses:
        what = "perplexity" if unit == "perplexity" else "loss"
        text += f"; validation {what} {fmt(convert(val_losses[-1][1], unit), unit)} at step {val_losses[-1][0]}"
    if uniform:
        text += f"; a uniform guess scores {fmt(convert(uniform, unit), unit)}"
    return text + "."


def table_caption(unit="nats"):
    """The data table's caption, naming the unit its numbers are in."""
    what = "perplexity" if unit == "perplexity" else UNIT_WORDS[unit]
    return f"Training loss averaged since the previous row, and validation loss, as {what}."


def milestones(last_step, count=10):
    """About `count` step numbers spread over the run (0, then round numbers) for the data table."""
    if last_step <= 0:
        return [0]
    every = 1
    for m in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000):
        every = m
        if last_step / m <= count:
            break
    steps = list(range(0, last_step + 1, every))
    if steps[-1] != last_step:
        steps.append(last_step)
    return steps


def table_rows(losses, val_losses):
    """[(step, train loss, val loss or None)] at milestone steps, the train loss averaged over the steps since the
    previous milestone so the table shows the trend rather than one noisy batch."""
    if not losses:
        return []
    val = {}
    for step, loss in val_losses:
        val[int(step)] = loss
    rows, prev = [], 0
    for step in milestones(len(losses) - 1):
        window = losses[prev:step + 1] or [losses[step]]
        rows.append((step, sum(window) / len(window), val.get(step)))
        prev = step + 1
    return rows

