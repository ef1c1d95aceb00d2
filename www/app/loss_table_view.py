"""The loss plot's text alternatives on the page: the summary sentence and the data table (MicroPython)."""

from app import loss_text
from app.dom import clear, el, make


def show_summary(losses, val_losses, uniform):
    text = loss_text.summary(losses, val_losses, uniform)
    el("plot-summary").textContent = text
    el("loss-plot").setAttribute("aria-label", "Loss plot. " + text)


def show_table(losses, val_losses):
    body = el("loss-table-body")
    clear(body)
    for step, train, val in loss_text.table_rows(losses, val_losses):
        tr = make("tr")
        for value in (str(step), f"{train:.3f}", "" if val is None else f"{val:.3f}"):
            tr.append(make("td", text=value))
        body.append(tr)
