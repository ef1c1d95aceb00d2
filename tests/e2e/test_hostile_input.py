"""Hostile input, as a learner could type, link or load it: nothing stalls the page, corrupts text or loses a run.

Every case asserts the message the learner reads and that nothing already done was lost (same step, same losses).
Timings and the page's long main-thread tasks (a `longtask` PerformanceObserver) are printed for the report, never
asserted: speed is measured, not tested.
"""

import random
import time
from pathlib import Path

import pytest
from test_trainer_page import pause, state, status, step_of, vocab_size, wait_status

from harness import ARTIFACTS, open_page, wait_until

EMOJI_LINE = "I \U0001F984 love \U0001F600 the little fox ran over the hill and sat down. "
# Records every main-thread task over 50 ms, so a test can print what a big file cost the page.
LONGTASKS = """
window.__longtasks = [];
new PerformanceObserver(list => { for (const e of list.getEntries()) window.__longtasks.push(e.duration); })
  .observe({type: "longtask", buffered: true});
"""


@pytest.fixture(scope="module")
def page(browser, server_url):
    page = open_page(browser, server_url + "/", wait_ready=False)
    page.add_init_script(LONGTASKS)
    page.reload()
    page.wait_for_selector("body[data-trainer=ready]", timeout=90_000)
    wait_status(page, "Ready:")
    yield page
    page.context.close()


def losses(page):
    """The run as the plot holds it: its step and last loss (to six places), enough to show nothing was lost."""
    return page.get_attribute("#loss-plot", "data-step"), page.get_attribute("#loss-plot", "data-loss")


def long_tasks(page):
    """The main thread's long tasks since the last call, in ms (and forget them)."""
    return page.evaluate("(() => { const t = window.__longtasks; window.__longtasks = []; "
                         "return t.map(Math.round); })()")


def kind(page):
    return page.get_attribute("#status", "data-kind")


def train_steps(page, n):
    before = step_of(page)
    for _ in range(n):
        page.click("#step")
        try:
            wait_until(lambda b=before: step_of(page) > b, 60, message="a step")
        except AssertionError as e:
            raise AssertionError(f"{e}; state {state(page)!r}, status {status(page)!r}") from None
        before = step_of(page)


def reset(page):
    page.evaluate("document.getElementById('status').textContent = ''")  # a previous "Started over" is not this one
    page.click("#reset")
    wait_status(page, "Started over", 120)


def use_text(page, text):
    """Make `text` (typed into the box) the model's text, as a learner pasting it and pressing Reset."""
    page.select_option("#corpus", "custom")
    page.eval_on_selector("#custom-text", "box => { box.value = ''; }")  # a megabyte box is slow to select-all
    page.fill("#custom-text", text)
    reset(page)


def test_bad_bytes_in_the_address_open_a_working_page_naming_both(browser, server_url):
    page = open_page(browser, server_url + "/?lr=%ff&model=%C3&seed=3&seed=4")
    try:
        wait_until(lambda: "ignored" in status(page), 60, message="the ignored settings named")
        text = status(page)
        assert "lr:" in text and "model:" in text and "percent-encoded" in text, text
        assert "seed was given more than once" in text and page.input_value("#seed") == "4"
        assert "unexpectedly" not in text and state(page) == "ready"
        train_steps(page, 1)
        assert step_of(page) == 1 and not page.errors
    finally:
        page.context.close()


def test_a_stale_field_error_clears_once_the_field_is_fixed(page):
    page.fill("#lr", "fast")
    page.click("#train")
    wait_status(page, "learning rate must be a positive number")
    assert kind(page) == "error" and page.get_attribute("#status", "data-field") == "lr"
    page.fill("#lr", "0.00")  # still bad: the message stays
    assert kind(page) == "error"
    page.fill("#lr", "0.003")
    wait_until(lambda: kind(page) != "error", 10, message="the error cleared")
    assert "learning rate" not in status(page)


@pytest.mark.parametrize("value", ["nan", "inf", "-1e400", "1e400"])
def test_not_a_number_learning_rates_are_refused_and_nothing_is_lost(page, value):
    before = losses(page)
    page.fill("#lr", value)
    page.click("#train")
    wait_until(lambda: kind(page) == "error" and "learning rate" in status(page), 10, message="refused")
    assert losses(page) == before and state(page) in ("ready", "paused")
    page.fill("#lr", "0.003")


def test_emoji_uploaded_and_pasted_arrive_whole(page, tmp_path):
    text = EMOJI_LINE * 200
    path = tmp_path / "emoji.txt"
    path.write_text(text, encoding="utf-8")
    page.select_option("#corpus", "custom")
    page.set_input_files("#upload", str(path))
    wait_until(lambda: f"({len(text):,} characters)" in status(page) or "Ready:" in status(page)
               or "New settings" in status(page), 60, message="the upload taken")
    assert page.input_value("#custom-text") == text  # the box holds whole characters, not broken halves
    reset(page)
    assert vocab_size(page) == len(set(EMOJI_LINE))
    page.click("#train")
    wait_until(lambda: step_of(page) >= 40 and len(page.inner_text("#sample")) >= 5, 120, message="a live sample")
    pause(page)
    sample = page.inner_text("#sample")
    assert sample and set(sample) <= set(EMOJI_LINE) and "\ufffd" not in sample, sample
    page.fill("#prompt", "I \U0001F984")
    wait_until(lambda: page.get_attribute("#next-char", "data-prompt") == "I \U0001F984", 30, message="bars")
    chars = [e.get_attribute("data-char") for e in page.locator("#next-char .bar").all()]
    assert chars and set(chars) <= set(EMOJI_LINE), chars
    # Pasted rather than uploaded: the same whole characters.
    use_text(page, "\U0001F984\U0001F600 " * 300 + "ab")
    assert vocab_size(page) == 5


def test_text_prompt_and_address_render_as_text(page, browser, server_url):
    hostile = "<img src=x onerror=\"window.__xss=1\"><b>bold</b> & <script>window.__xss=2</script> "
    use_text(page, hostile * 80)
    train_steps(page, 2)
    page.fill("#prompt", "<img src=x onerror=window.__xss=3>")
    wait_until(lambda: page.get_attribute("#next-char", "data-prompt", timeout=1000) is not None, 10)
    assert page.locator("#sample *").count() == 0 and page.locator("#next-char img, #sample-history img").count() == 0
    assert page.evaluate("window.__xss") is None
    linked = open_page(browser, server_url + "/?%3Cimg%20src%3Dx%20onerror%3Dwindow.__xss%3D4%3E=1")
    try:
        wait_until(lambda: "ignored" in status(linked), 60, message="the ignored setting named")
        assert "<img" in status(linked) and linked.locator("#status *").count() == 0
        assert linked.evaluate("window.__xss") is None
    finally:
        linked.context.close()


def test_a_text_file_over_the_limit_is_refused_by_its_size_unread(page, tmp_path):
    use_text(page, "the quick brown fox jumps over the lazy dog. " * 100)
    train_steps(page, 2)
    before = losses(page)
    path = tmp_path / "six.txt"
    path.write_text("abc def ghi\n" * 550_000)  # 6.6 MB
    long_tasks(page)
    start = time.monotonic()
    page.set_input_files("#upload", str(path))
    wait_until(lambda: "not read" in status(page), 30, message="the size refusal")
    print(f"\n6.6 MB text refused in {time.monotonic() - start:.2f} s; long tasks {long_tasks(page)} ms")
    assert "six.txt" in status(page) and "5 MB" in status(page) and kind(page) == "error"
    assert losses(page) == before and state(page) == "paused"


def test_a_five_megabyte_upload_is_accepted_and_scripted_as_a_file(page, tmp_path):
    text = "the quick brown fox jumps over the lazy dog.\n" * 110_000  # 4.95 MB
    path = tmp_path / "big.txt"
    path.write_text(text)
    long_tasks(page)
    start = time.monotonic()
    page.set_input_files("#upload", str(path))
    wait_until(lambda: f"{len(text):,} characters" in status(page) or "New settings" in status(page), 60,
               message="the upload taken")
    uploaded = time.monotonic() - start
    reset(page)
    built = time.monotonic() - start
    print(f"\n4.95 MB upload: read {uploaded:.2f} s, Train enabled {built:.2f} s; long tasks {long_tasks(page)} ms")
    assert page.evaluate("document.getElementById('custom-text').value.length") == len(text)
    assert not page.is_disabled("#train")
    train_steps(page, 1)
    script = page.text_content("#python-code")
    link = page.locator("#text-file")
    name = link.get_attribute("download")
    assert name and name in script and "sha256" in script and len(script) < 10_000
    page.click("details:has(#python-code) > summary")  # the script and its text file, as a learner opens them
    with page.expect_download() as info:
        link.click()
    assert Path(info.value.path()).read_text(encoding="utf-8") == text


def test_a_huge_paste_then_reset_keeps_the_old_model(page):
    use_text(page, "the quick brown fox jumps over the lazy dog. " * 100)
    train_steps(page, 2)
    before = losses(page)
    page.evaluate("(() => { const box = document.getElementById('custom-text');"
                  " box.value = 'abcdefghij'.repeat(2000000); box.dispatchEvent(new Event('input')); })()")
    start = time.monotonic()
    page.click("#reset")
    wait_until(lambda: kind(page) == "error" and "at most" in status(page), 30, message="the refusal")
    print(f"\n20 MB paste + Reset answered in {time.monotonic() - start:.2f} s")
    assert "20,000,000 characters" in status(page) and "keeps its 2 steps" in status(page)
    assert losses(page) == before and state(page) == "paused"
    page.fill("#custom-text", "the quick brown fox jumps over the lazy dog. " * 100)
    wait_until(lambda: kind(page) != "error", 10, message="the fixed text clears the error")
    # Typing rebuilds once it pauses (600 ms): wait for that notice, or it lands on the next test's message.
    wait_until(lambda: "press Reset" in status(page), 10, message="the notice that Reset applies the text")
    train_steps(page, 1)
    assert step_of(page) == 3


def test_a_random_file_as_a_model_is_refused_and_the_model_kept(page, tmp_path):
    before = losses(page)
    junk = tmp_path / "junk.npz"
    junk.write_bytes(random.Random(1).randbytes(10_000_000))
    start = time.monotonic()
    page.set_input_files("#load-model", str(junk))
    wait_until(lambda: kind(page) == "error" and "junk.npz" in status(page), 60,
               message="the refusal", detail=lambda: f"state {state(page)!r}, status {status(page)!r}")
    print(f"\n10 MB random file as a model refused in {time.monotonic() - start:.2f} s")
    assert "Could not load" in status(page) and "Error" not in status(page)
    assert losses(page) == before
    huge = tmp_path / "huge.npz"
    huge.write_bytes(b"\0" * 50_000_000)
    page.set_input_files("#load-model", str(huge))
    wait_until(lambda: "huge.npz" in status(page), 30, message="the size refusal")
    assert "not read" in status(page) and losses(page) == before


def test_the_large_transformer_saves_and_loads_in_seconds(page, tmp_path):
    page.select_option("#corpus", "lesson")
    page.select_option("#model", "transformer")
    page.select_option("#preset", "large")
    reset(page)
    train_steps(page, 1)
    before = losses(page)
    long_tasks(page)
    start = time.monotonic()
    with page.expect_download(timeout=120_000) as info:
        page.click("#save-model")
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    saving = time.monotonic() - start
    size = saved.stat().st_size
    save_tasks = long_tasks(page)
    reset(page)
    start = time.monotonic()
    page.set_input_files("#load-model", str(saved))
    wait_status(page, "Loaded", 120)
    print(f"\nlarge transformer ({size / 1e6:.1f} MB): saved {saving:.2f} s (long tasks {save_tasks} ms), "
          f"loaded {time.monotonic() - start:.2f} s (long tasks {long_tasks(page)} ms)")
    assert size > 3_000_000 and losses(page) == before
    train_steps(page, 1)
    assert step_of(page) == 2


def test_a_huge_learning_rate_mid_run_is_refused_and_explained(page):
    page.select_option("#preset", "small")
    reset(page)
    page.fill("#lr", "0.003")
    page.click("#train")
    wait_until(lambda: step_of(page) >= 5, 60, message="training")
    at = step_of(page)
    page.fill("#lr", "1e6")
    page.dispatch_event("#lr", "change")
    # The one step that blows up is refused like any blow-up: training stops, the weights go back, the reason is named.
    wait_until(lambda: state(page) != "training", 120, message="the blow-up to stop training")
    assert kind(page) == "error", status(page)
    assert "learning rate" in status(page) and "1,000,000" in status(page), status(page)
    assert "unexpectedly" not in status(page) and "Error" not in status(page)
    assert step_of(page) >= at - 1, "the steps trained before the change are kept"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "hostile-lr-1e6.png"), full_page=False)
    assert not page.errors, page.errors


def test_nothing_threw_on_the_page(page):
    assert not page.errors, page.errors
