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

from harness import ARTIFACTS, ROOT, open_page, wait_until


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
    try:
        return wait_until(lambda: fragment in status(page), timeout, message=f"status containing {fragment!r}")
    except AssertionError as e:
        raise AssertionError(f"{e}; the status line says {status(page)!r}") from None


def choose(page, selector, value):
    """Change a setting and wait for a model built with it (pressing Reset when a trained model is kept)."""
    page.evaluate("document.getElementById('status').textContent = ''")
    page.select_option(selector, value)
    wait_until(lambda: "Ready:" in status(page) or "New settings" in status(page), 60, message="settings taken")
    if "New settings" in status(page):
        page.click("#reset")
        wait_status(page, "Started over")


def train_for(page, steps, timeout=120):
    """Press Train, wait for `steps` more steps, press Pause and wait until training has stopped."""
    start = step_of(page)
    page.click("#train")
    wait_until(lambda: step_of(page) >= start + steps, timeout, message=f"{steps} more steps")
    pause(page)


def pause(page):
    wait_until(lambda: state(page) == "training", 10, message=f"training state ({status(page)!r})")
    page.click("#train")
    wait_until(lambda: state(page) == "paused", 30, message="pause")


def vocab_size(page):
    return int(page.get_attribute("#loss-plot", "data-vocab"))


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
    uniform = math.log(vocab_size(page))
    page.click("#train")
    wait_until(lambda: state(page) == "training", 10, message=f"training state ({status(page)!r})")
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
    wait_until(lambda: page.inner_text("#next-char-note") == f"after step {stopped}", 10,
               message="the next-character bars of the paused model")
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


# What the status line says at the moment Train becomes usable after each build (a MutationObserver runs once
# the page's code yields, so it sees what that code set together with the button)
WATCH_READY = """() => {
  window.readyStatus = [];
  new MutationObserver(() => {
    if (document.body.dataset.trainer === 'ready')
      window.readyStatus.push(document.getElementById('status').textContent);
  }).observe(document.body, {attributes: true, attributeFilter: ['data-trainer']});
}"""


def test_the_model_is_announced_as_train_becomes_usable_and_the_last_build_announces_last(page):
    page.evaluate(WATCH_READY)
    page.evaluate("document.getElementById('status').textContent = ''")  # an earlier "Started over" is not this one
    page.click("#reset")
    wait_status(page, "Started over")
    assert page.evaluate("window.readyStatus")[0].startswith("Started over"), page.evaluate("window.readyStatus")
    page.evaluate("window.readyStatus = []")
    # three changes at once, each during the build the one before asked for: the last change is built, last
    page.evaluate("""() => { const seed = document.getElementById('seed');
      for (const value of ['5', '6', '7']) { seed.value = value; seed.dispatchEvent(new Event('change')); } }""")
    wait_status(page, "Ready:")
    time.sleep(1)  # no earlier build speaks after it
    seen = page.evaluate("window.readyStatus")
    assert status(page).startswith("Ready:") and seen[-1].startswith("Ready:"), (status(page), seen)
    assert sum(s.startswith("Ready:") for s in seen) == 1, seen  # the superseded builds kept quiet
    page.click("#step")
    wait_until(lambda: step_of(page) == 1, 30, message="a step")
    assert "seed=7," in page.text_content("#python-code")  # the model is the one the last change asked for


def test_csv_has_one_row_per_step_and_the_script_reproduces_the_losses(page, tmp_path):
    choose(page, "#model", "mlp")
    for _ in range(6):
        page.click("#step")
    wait_until(lambda: step_of(page) == 6, 60, message="six single steps")
    rows = list(csv.DictReader(io.StringIO(download_text(page, "#download-csv"))))
    assert len(rows) == 6
    assert [int(r["step"]) for r in rows] == list(range(6))
    assert float(rows[-1]["train_loss"]) == pytest.approx(loss_of(page), abs=1e-5)

    code = page.text_content("#python-code")  # inside a closed <details>: not rendered, still there
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


def next_char_bars(page, prompt):
    """Type `prompt` and return the bars {char: probability} the model shows for it at the current step."""
    page.fill("#prompt", prompt)
    step = str(step_of(page))
    wait_until(lambda: page.get_attribute("#next-char", "data-prompt") == prompt
               and page.get_attribute("#next-char", "data-step") == step, 30, message=f"bars for {prompt!r}")
    return {e.get_attribute("data-char"): float(e.get_attribute("data-prob"))
            for e in page.locator("#next-char > *").all()}


def test_next_character_bars_are_probabilities_that_update(page):
    before = next_char_bars(page, "the ")
    assert len(before) == 10
    assert 0 < sum(before.values()) <= 1 + 1e-6
    assert all(0 <= p <= 1 for p in before.values())
    assert list(before.values()) == sorted(before.values(), reverse=True)
    train_for(page, 60)
    after = next_char_bars(page, "the ")
    assert after != before
    assert sum(after.values()) <= 1 + 1e-6


def test_save_and_load_a_model(page, tmp_path):
    start = step_of(page)
    page.click("#step")
    wait_until(lambda: step_of(page) == start + 1, 30, message="a step")
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


def test_a_pasted_text_trains_and_its_script_embeds_it(page):
    text = "A small text of my own, pasted into the box. " * 80
    page.select_option("#corpus", "custom")
    page.fill("#custom-text", text)
    page.click("#reset")
    wait_status(page, "Started over")
    start = step_of(page)
    page.click("#step")
    wait_until(lambda: step_of(page) == start + 1, 30, message="a step on the pasted text")
    code = page.text_content("#python-code")
    assert "charlm.texts.load" not in code and "'A small text of my own, pasted into the box. " in code


def test_an_uploaded_text_file_fills_the_box(page):
    page.set_input_files("#upload", files=[{"name": "notes.txt", "mimeType": "text/plain",
                                            "buffer": ("Caf\u00e9 notes, line one.\r\n" * 200).encode("utf-8")}])
    wait_until(lambda: "Ready:" in status(page) or "New settings" in status(page), 60, message="the text taken")
    assert page.input_value("#corpus") == "custom"
    assert page.input_value("#custom-text").startswith("Caf\u00e9 notes, line one.\nCaf\u00e9")


def test_an_uploaded_binary_file_is_refused(page):
    before = step_of(page)
    page.set_input_files("#upload", files=[{"name": "photo.png", "mimeType": "image/png",
                                            "buffer": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))}])
    wait_status(page, "not a text file")
    assert "photo.png" in status(page)
    assert step_of(page) == before


def test_a_diverging_loss_stops_training_and_keeps_the_last_good_weights(page):
    page.select_option("#corpus", "lesson")
    choose(page, "#model", "transformer")
    train_for(page, 20)
    good = step_of(page)
    losses_before = download_text(page, "#download-csv")
    page.fill("#lr", "1000")
    page.click("#train")
    wait_until(lambda: page.get_attribute("#status", "data-kind") == "error", 120, message="divergence")
    message = status(page)
    assert "too large" in message and "kept" in message, message
    assert state(page) == "paused"
    kept = step_of(page)
    assert kept >= good and math.isfinite(loss_of(page))
    assert download_text(page, "#download-csv").startswith(losses_before)  # nothing already done was lost
    page.fill("#lr", "0.003")
    page.click("#step")
    wait_until(lambda: step_of(page) == kept + 1, 30, message="training resumes with a sane learning rate")
    assert math.isfinite(loss_of(page))
    # from a fresh model, a blow-up goes back to step 0: the counters show an untrained model, not a stale speed
    page.evaluate("document.getElementById('status').textContent = ''")
    page.click("#reset")
    wait_status(page, "Started over")
    page.fill("#lr", "5")  # trains a few chunks on a plateau far above the start before it is called a blow-up
    page.click("#train")
    wait_until(lambda: page.get_attribute("#status", "data-kind") == "error", 120, message="divergence")
    assert step_of(page) == 0 and state(page) == "ready", (step_of(page), status(page))
    counts = [page.inner_text(f"#count-{k}") for k in ("step", "time", "speed")]
    assert counts == ["0", "0:00", "-"], counts
    page.fill("#lr", "0.003")  # a sane rate for the tests after this one, as before its second half


def test_screenshot_mid_training(page):
    ARTIFACTS.mkdir(exist_ok=True)
    page.click("#reset")
    wait_until(lambda: step_of(page) == 0, 30, message="reset")
    page.click("#train")
    wait_until(lambda: step_of(page) > 150, 180, message="some training")
    page.locator(".trainer").screenshot(path=str(ARTIFACTS / "trainer-mid-training.png"))
    pause(page)
    assert page.locator("#next-char > *").count() > 0 and page.inner_text("#sample")
