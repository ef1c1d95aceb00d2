"""The run's losses as a CSV file, a short sentence and a small table: the loss plot's text alternatives.

Pure logic, shared by MicroPython in the page and CPython in the tests.
"""


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


def summary(losses, val_losses, uniform=None):
    """One sentence for screen readers: where the loss started, where it is, and against the uniform guess."""
    if not losses:
        guess = f" A uniform guess would score {uniform:.2f} nats per character." if uniform else ""
        return "No training steps yet." + guess
    first, last = losses[0], losses[-1]
    recent = losses[-20:]
    avg = sum(recent) / len(recent)
    text = (f"After {len(losses)} step{'s' if len(losses) != 1 else ''} the training loss is {last:.2f} nats per "
            f"character (average of the last {len(recent)}: {avg:.2f}), down from {first:.2f} at the start")
    if val_losses:
        text += f"; validation loss {val_losses[-1][1]:.2f} at step {val_losses[-1][0]}"
    if uniform:
        text += f"; a uniform guess scores {uniform:.2f}"
    return text + "."


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

