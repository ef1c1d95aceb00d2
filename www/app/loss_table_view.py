"""The loss plot's text alternatives on the page: the summary sentence and the data table (MicroPython)."""

from app import loss_text
from app.dom import clear, el, make
from app.loss_plot_math import convert


def show_summary(losses, val_losses, uniform, unit="nats"):
    text = loss_text.summary(losses, val_losses, uniform, unit)
    el("plot-summary").textContent = text
    el("loss-plot").setAttribute("aria-label", "Loss plot. " + text)


def show_table(losses, val_losses, unit="nats"):
    el("loss-table-caption").textContent = loss_text.table_caption(unit)
    body = el("loss-table-body")
    clear(body)
    for step, train, val in loss_text.table_rows(losses, val_losses):
        tr = make("tr")
        for value in (str(step), f"{convert(train, unit):.3f}", "" if val is None else f"{convert(val, unit):.3f}"):
            tr.append(make("td", text=value))
        body.append(tr)
