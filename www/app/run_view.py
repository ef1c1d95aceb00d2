"""The run as the page shows it (MicroPython, main thread): the buttons for the trainer's state, the counters, the
loss plot and its text alternatives, and the script for the run.
"""

from pyscript import document

from app import counters_view, loss_table_view, run_script
from app.dom import el

TABLE_EVERY = 25  # while training, rebuild the data table every this many steps


def show_state(state, has_losses):
    """Buttons for a state: loading, ready, training, paused or error (also body[data-trainer], for tests)."""
    document.body.dataset.trainer = state
    training = state == "training"
    el("train").textContent = "Pause" if training else "Train"
    el("train").setAttribute("aria-pressed", "true" if training else "false")
    usable = state in ("ready", "paused", "training")
    el("train").disabled = not usable
    for id_ in ("step", "reset", "save-model", "load-model"):
        el(id_).disabled = not usable or training
    el("download-csv").disabled = not usable or training or not has_losses


def show(ctl, now):
    """Everything that follows the run's numbers, for the Controller `ctl` at time `now` (seconds)."""
    canvas = el("loss-plot")
    canvas.dataset.step = str(ctl.step)
    canvas.dataset.loss = f"{ctl.losses[-1]:.6f}" if ctl.losses else ""
    canvas.dataset.vocab = str(ctl.vocab_size)
    ctl.plot.draw()
    ctl.sound.update(ctl.losses, ctl.val_losses, ctl.plot.unit, ctl.state == "training", now * 1000)
    counters_view.show(ctl.step, ctl.epoch, ctl.clock.wall(now), ctl.clock.chars_per_second(now))
    loss_table_view.show_summary(ctl.losses, ctl.val_losses, ctl.refs.get("uniform"), ctl.plot.unit)
    if ctl.state != "training" or ctl.step % TABLE_EVERY == 0:
        loss_table_view.show_table(ctl.losses, ctl.val_losses, ctl.plot.unit)
    if ctl.run and ctl.state != "training":  # written once training pauses: it is hidden meanwhile anyway
        run = dict(ctl.run)
        if not run.get("corpus"):
            run["text"] = ctl.run_text
        el("python-code").textContent = run_script.make_script(run, len(ctl.losses), ctl.lr_changes)
    el("download-csv").disabled = not ctl.losses or ctl.state == "training"
