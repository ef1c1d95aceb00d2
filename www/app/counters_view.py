"""The step, epoch, time and speed counters above the loss plot (MicroPython, main thread)."""

from app.dom import el
from app.progress import format_count, format_seconds


def show(step, epoch, seconds, chars_per_second):
    el("count-step").textContent = format_count(step)
    el("count-epoch").textContent = f"{epoch:.2f}"
    el("count-time").textContent = format_seconds(seconds)
    el("count-speed").textContent = format_count(chars_per_second) if chars_per_second else "-"
