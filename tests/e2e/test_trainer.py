"""The trainer as a learner uses it: train, pause, step, reset, samples, next-character bars, files, bad input."""

import csv
import io
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ARTIFACTS, ROOT, open_page, wait_until


def state(page):
    return page.get_attribute("body", "data-trainer")


def step_of(page):
    return int(page.get_attribute("#loss-plot", "data-step"))


def loss_of(page):
    value = page.get_attribute("#loss-plot", "data-loss")
    return float(value) if value else None


def status(page):
    return page.inner_text("#status")


def wait_status(page, fragment, timeout=60):
    return wait_until(lambda: fragment in status(page), timeout, message=f"status containing {fragment!r} "
                      f"(it says {status(page)!r})")


def choose(page, selector, value, expect="Ready:"):
    """Change a setting before training and wait for the model to be rebuilt with it."""
    page.evaluate("document.getElementById('status').textContent = ''")
    page.select_option(selector, value)
    wait_status(page, expect)


def pause(page):
    if state(page) == "training":
        page.click("#train")
    wait_until(lambda: state(page) == "paused", 30, message="pause")


def vocab_size(page):
    """V from the status line ("... (61 different ones)")."""
    text = page.inner_text("#status")
    return int(text.split("(")[-1].split()[0])


def download_text(page, selector):
    with page.expect_download() as info:
        page.click(selector)
    return Path(info.value.path()).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def page(browser, server_url):
    page = open_page(browser, server_url + "/")
    yield page
    page.context.close()


@pytest.mark.parametrize("model", ["bigram", "mlp", "transformer"])
def test_each_model_learns_well_below_the_uniform_guess(page, model):
    if page.input_value("#model") != model:
        choose(page, "#model", model)
    else:
        page.click("#reset")
        wait_status(page, "Started over")
    assert state(page) == "ready" and step_of(page) == 0
    uniform = math.log(vocab_size(page) if "different ones" in status(page) else 60)
    page.click("#train")
    wait_until(lambda: state(page) == "training", 10, message="training state")
    # "well below": a full nat under the uniform guess, on the smoothed curve's latest batch, within 1500 steps
    wait_until(lambda: (loss_of(page) or 99) < uniform - 1.0 or step_of(page) > 1500, 240,
               message=f"{model} loss below ln V - 1")
    pause(page)
    assert loss_of(page) < uniform - 1.0, f"{model}: loss {loss_of(page)} after {step_of(page)} steps"


def test_pause_stops_and_train_resumes_from_the_same_step(page):
    page.click("#reset")
    wait_status(page, "Started over")
    page.click("#train")
    wait_until(lambda: step_of(page) >= 5, 60, message="a few steps")
    pause(page)
    stopped = step_of(page)
    time.sleep(1.5)
    assert step_of(page) == stopped, "training went on after Pause"
    page.click("#train")
    wait_until(lambda: step_of(page) > stopped + 3, 60, message="resumed training")
    pause(page)
    rows = list(csv.DictReader(io.StringIO(download_text(page, "#download-csv"))))
    assert [int(r["step"]) for r in rows] == list(range(step_of(page))), "steps must continue without a gap"


def test_reset_starts_over(page):
    page.click("#reset")
    wait_status(page, "Started over")
    assert step_of(page) == 0 and state(page) == "ready"
    assert page.inner_text("#count-step") == "0"
    assert page.get_attribute("#loss-plot", "data-loss") == ""


def test_csv_has_one_row_per_step_and_the_script_reproduces_the_losses(page, tmp_path):
    choose(page, "#model", "mlp")
    for _ in range(6):
        page.click("#step")
    wait_until(lambda: step_of(page) == 6, 60, message="six single steps")
    rows = list(csv.DictReader(io.StringIO(download_text(page, "#download-csv"))))
    assert len(rows) == 6
    assert [int(r["step"]) for r in rows] == list(range(6))
    assert float(rows[-1]["train_loss"]) == pytest.approx(loss_of(page), abs=1e-5)

    code = page.inner_text("#python-code")
    assert "for step in range(6):" in code and "loss.backward()" in code
    script = tmp_path / "run.py"
    script.write_text(code, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    printed = [line.split() for line in out.stdout.splitlines() if line and line.split()[0].isdigit()]
    assert [int(s) for s, _ in printed] == list(range(6))
    for (s, loss), row in zip(printed, rows):
        assert float(loss) == pytest.approx(float(row["train_loss"]), rel=1e-4, abs=1e-4), f"step {s}"


def test_samples_change_and_milestones_are_kept(page):
    page.click("#reset")
    wait_status(page, "Started over")
    first = page.inner_text("#sample")
    assert len(first) > 20
    page.click("#train")
    wait_until(lambda: step_of(page) >= 120 and page.inner_text("#sample") != first, 120,
               message="a new sample after 120 steps")
    pause(page)
    history = page.locator("#sample-history li")
    assert history.count() >= 2
    assert history.nth(0).inner_text().startswith("step 0")


def test_next_character_bars_are_probabilities_that_update(page):
    page.fill("#prompt", "the ")
    wait_until(lambda: page.locator("#next-char > *").count() > 0, 30, message="bars")
    before = {e.get_attribute("data-char"): float(e.get_attribute("data-prob"))
              for e in page.locator("#next-char > *").all()}
    assert 0 < sum(before.values()) <= 1 + 1e-6
    assert all(0 <= p <= 1 for p in before.values())
    page.click("#train")
    wait_until(lambda: step_of(page) > 60, 120, message="more training")
    pause(page)
    page.fill("#prompt", "the")
    page.fill("#prompt", "the ")
    wait_until(lambda: page.locator("#next-char > *").count() > 0, 30, message="bars")
    after = {e.get_attribute("data-char"): float(e.get_attribute("data-prob"))
             for e in page.locator("#next-char > *").all()}
    assert after != before
    assert sum(after.values()) <= 1 + 1e-6


def test_save_and_load_a_model(page, tmp_path):
    page.click("#step")
    wait_until(lambda: state(page) == "paused", 30, message="a step")
    steps = step_of(page)
    with page.expect_download() as info:
        page.click("#save-model")
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.suffix == ".npz" and saved.stat().st_size > 1000
    page.click("#reset")
    wait_status(page, "Started over")
    page.set_input_files("#load-model", str(saved))
    wait_status(page, "Loaded")
    assert step_of(page) == steps
    page.click("#step")
    wait_until(lambda: step_of(page) == steps + 1, 30, message="training continues after loading")


# ---- bad input: a clear message, and nothing already done is lost ---------------------------------------------

def test_a_learning_rate_that_is_not_a_positive_number_is_refused(page):
    before = step_of(page)
    page.fill("#lr", "fast")
    page.click("#train")
    wait_status(page, "learning rate must be a positive number")
    assert state(page) in ("ready", "paused") and step_of(page) == before
    page.fill("#lr", "0.003")


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("a" * 500, "one"),
    ("The end.", "short"),
])
def test_bad_texts_are_explained_and_the_current_model_is_kept(page, text, message):
    before = step_of(page)
    page.select_option("#corpus", "custom")
    page.fill("#custom-text", text)
    page.click("#reset")
    wait_until(lambda: page.get_attribute("#status", "data-kind") == "error", 30, message="an error message")
    assert message in status(page).lower(), status(page)
    assert step_of(page) == before  # the model already trained is still there
    page.click("#step")
    wait_until(lambda: step_of(page) == before + 1, 30, message="still trainable")


def test_an_uploaded_binary_file_is_refused(page):
    before = step_of(page)
    page.set_input_files("#upload", files=[{"name": "photo.png", "mimeType": "image/png",
                                            "buffer": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))}])
    wait_status(page, "photo.png")
    assert "not a text file" in status(page)
    assert step_of(page) == before


def test_a_diverging_loss_stops_training_and_keeps_the_last_good_weights(page):
    page.select_option("#corpus", "lesson")
    choose(page, "#model", "transformer", expect="New settings") if step_of(page) else None
    page.click("#reset")
    wait_until(lambda: "Started over" in status(page) or "Ready" in status(page), 60, message="fresh model")
    page.fill("#lr", "1000000")
    page.click("#train")
    wait_until(lambda: page.get_attribute("#status", "data-kind") == "error", 120, message="divergence")
    assert "NaN" in status(page) or "not a number" in status(page), status(page)
    assert state(page) == "paused"
    kept = step_of(page)
    page.fill("#lr", "0.003")
    page.click("#step")
    wait_until(lambda: step_of(page) == kept + 1, 30, message="training resumes with a sane learning rate")
    assert math.isfinite(loss_of(page))


def test_screenshot_mid_training(page):
    ARTIFACTS.mkdir(exist_ok=True)
    page.click("#reset")
    wait_until(lambda: step_of(page) == 0, 30, message="reset")
    page.click("#train")
    wait_until(lambda: step_of(page) > 150, 180, message="some training")
    page.screenshot(path=str(ARTIFACTS / "trainer-mid-training.png"), full_page=False)
    pause(page)
    assert page.locator("#next-char > *").count() > 0 and page.inner_text("#sample")
