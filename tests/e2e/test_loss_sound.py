"""The loss plot explored by keyboard and heard (Chart2Music, shipped with the page): a learner who focuses it and
presses End hears the last point of the curve the plot draws, read out in the unit the page shows."""

import csv
import io
import math
from pathlib import Path

import pytest

from app import loss_plot_math
from harness import open_page, wait_until


@pytest.fixture(scope="module")
def page(browser, server_url):
    page = open_page(browser, server_url + "/?model=bigram")
    yield page
    page.context.close()


def smoothed_last(page, unit):
    """The last point of the smoothed training curve, from the page's own CSV, in `unit`."""
    with page.expect_download() as info:
        page.click("#download-csv")
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))
    curve = loss_plot_math.smooth([loss_plot_math.convert(float(r["train_loss"]), unit) for r in rows])
    return len(rows) - 1, curve[-1]


def test_the_curve_is_explorable_and_reads_the_last_point_in_the_chosen_unit(page):
    box = page.locator("#loss-explore")
    wait_until(lambda: box.get_attribute("role") == "application", 30, message="Chart2Music attached to the plot")
    page.click("#train")
    wait_until(lambda: int(page.get_attribute("#loss-plot", "data-step")) >= 40, 60, message="40 steps")
    page.click("#train")
    wait_until(lambda: page.get_attribute("body", "data-trainer") == "paused", 60, message="pause")
    for unit, word in (("nats", "nats"), ("bits", "bits")):
        page.check(f"#unit-{unit}")
        step, value = smoothed_last(page, unit)
        box.focus()
        page.keyboard.press("Home")
        page.keyboard.press("End")
        said = wait_until(lambda s=step: (t := page.inner_text("#loss-explore-cc")).startswith(f"step {s},") and t,
                          10, message=f"the last point read out in {word}")
        assert f"step {step}," in said, said
        assert f"{value:.2f} {word}" in said, (said, value)
        assert not math.isnan(value)
    assert not page.errors, page.errors
