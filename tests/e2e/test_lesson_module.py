"""The page tells the truth: the lesson follows Module 6, the loop it shows is the code it gives, blow-ups are named
in plain words, the address reproduces the run, the units and fields say what they mean."""

import math
import re

import pytest

from harness import ARTIFACTS, open_page, wait_until

HEADINGS = ["What training a language model means", "Train a model yourself", "Reading the loss curve",
            "The training loop", "Check your understanding"]
LOOP = ["for step in range(n_steps):", "logits = model(inputs)", "loss = cross_entropy(logits, targets)",
        "loss.backward()", "optimizer.step()"]


def step_of(page):
    return int(page.get_attribute("#loss-plot", "data-step"))


def status(page):
    return page.inner_text("#status")


@pytest.fixture(scope="module")
def page(browser, server_url):
    page = open_page(browser, server_url + "/", viewport={"width": 1280, "height": 800})
    yield page
    page.context.close()


def test_the_module_sections_come_in_order(page):
    assert page.locator("h1").inner_text() == "Training a Tiny Language Model"
    assert page.locator("main h2").all_inner_texts() == HEADINGS
    intro = page.locator("header").inner_text()
    assert "You have built the whole architecture" in intro and "Course 4" in intro
    assert "the identical shape you saw training neural nets in Course 4" in page.inner_text("#curve")
    loop = page.inner_text("#loop")
    assert "the same four lines that trained the spiral classifier in Course 4" in loop
    assert "An LLM is trained by this exact loop" in loop and "zero_grad" in loop


def test_the_lessons_uniform_guess_is_the_default_texts(page):
    lesson = page.text_content("body")  # closed "More:" boxes included
    said = re.search(r"with the (\d+) characters of the default text, about ([\d.]+) nats", lesson)
    vocab = int(page.get_attribute("#loss-plot", "data-vocab"))  # the model the page has just built, by default
    assert said and int(said[1]) == vocab and float(said[2]) == round(math.log(vocab), 2), (said, vocab)
    assert f"{vocab} for a blind guess" in lesson


def test_the_train_button_is_within_a_screen_and_a_half_on_a_laptop(page):
    top = page.evaluate("document.getElementById('train').getBoundingClientRect().top + window.scrollY")
    assert top < 1.5 * 800, top


def test_the_lessons_code_is_the_four_lines_and_the_pages_script_uses_them(page):
    code = page.locator("#loop pre").inner_text()
    assert [line.strip() for line in code.strip().split("\n")] == LOOP
    page.click("#step")
    wait_until(lambda: step_of(page) == 1, 60, message="a step")
    script = page.locator("#python-code").text_content()
    body = [line.split("#")[0].strip() for line in script.split("\n")]
    at = body.index(LOOP[1])
    assert body[at:at + 4] == LOOP[1:], "the script trains with exactly the lesson's four lines, in order"
    assert any(line.startswith("for step in range(") for line in body[:at]), "and counts steps, as the lesson does"
    assert not any("zero_grad" in line for line in body)


def test_the_address_follows_the_settings_and_reproduces_them(page, browser, server_url):
    assert page.inner_text("#model-about").startswith("Transformer: a tiny GPT")
    page.select_option("#model", "mlp")
    # the menu names the kind (its text fits the field); the sentence under it says what it is
    assert page.eval_on_selector("#model", "s => s.selectedOptions[0].textContent") == "MLP"
    assert page.inner_text("#model-about").startswith("MLP: a small neural network")
    assert page.inner_text("#corpus-about").startswith("Letters from an old hand") and "KB)" in page.inner_text(
        "#corpus-about")
    page.fill("#lr", "0.02")
    page.dispatch_event("#lr", "change")
    page.fill("#seed", "11")
    page.dispatch_event("#seed", "change")
    wait_until(lambda: "seed=11" in page.url and "lr=0.02" in page.url and "model=mlp" in page.url, 10,
               message=f"the address to follow the settings ({page.url})")
    other = open_page(browser, page.url)
    try:
        for field in ("#model", "#preset", "#corpus", "#lr", "#batch", "#context", "#seed"):
            assert other.input_value(field) == page.input_value(field), field
    finally:
        other.context.close()
    page.select_option("#corpus", "custom")
    page.fill("#custom-text", "my own private words " * 50)
    page.dispatch_event("#corpus", "change")
    assert "private" not in page.url and "custom" not in page.url


def test_a_bad_field_is_marked_when_left_and_cleared_when_fixed(page):
    page.fill("#batch", "lots")
    page.locator("#batch").blur()
    wait_until(lambda: page.get_attribute("#batch", "aria-invalid") == "true", 10, message="marked invalid")
    note = page.locator("#batch-error")
    assert page.get_attribute("#batch", "aria-describedby") == "batch-error"
    assert "batch size" in note.inner_text() and note.is_visible()
    page.fill("#batch", "16")
    wait_until(lambda: page.get_attribute("#batch", "aria-invalid") is None, 10, message="cleared")
    assert note.is_hidden()
    page.fill("#lr", "-1")
    page.locator("#lr").blur()
    page.click("#train")
    wait_until(lambda: "learning rate must be a positive number" in status(page), 10, message="Train refuses")
    assert page.get_attribute("#lr", "aria-invalid") == "true"
    page.fill("#lr", "0.02")
    page.locator("#lr").blur()


def test_the_units_change_the_sentence_and_the_table_too(page):
    page.click("#step")
    wait_until(lambda: page.locator("#loss-table-body tr").count() > 0, 30, message="a table")
    nats = page.inner_text("#plot-summary")
    assert "nats per character" in nats
    first = float(page.locator("#loss-table-body tr td").nth(1).text_content())
    page.check("#unit-bits")
    wait_until(lambda: "bits per character" in page.inner_text("#plot-summary"), 10, message="bits in the sentence")
    assert "bits per character" in page.locator("#loss-table caption").text_content()
    bits = float(page.locator("#loss-table-body tr td").nth(1).text_content())
    assert bits == pytest.approx(first / 0.6931, rel=2e-3)
    page.check("#unit-perplexity")
    wait_until(lambda: "perplexity is" in page.inner_text("#plot-summary"), 10, message="perplexity sentence")
    assert "perplexity" in page.locator("#loss-table caption").text_content()
    page.check("#unit-nats")


def test_the_learners_charlm_download_is_offered(page):
    link = page.locator("#download-charlm")
    assert link.is_visible() and "Download charlm" in link.inner_text()
    assert re.fullmatch(r"vendor/charlm_lesson-[0-9][^/]*-py3-none-any\.whl", link.get_attribute("href"))


@pytest.mark.parametrize("model,lr", [("bigram", "1e6"), ("mlp", "100")])
def test_a_learning_rate_that_blows_up_is_named_in_plain_words(browser, server_url, model, lr):
    page = open_page(browser, f"{server_url}/?model={model}&corpus=lesson")
    try:
        page.fill("#lr", lr)
        page.click("#train")
        wait_until(lambda: page.get_attribute("#status", "data-kind") == "error", 90, message="the blow-up named")
        message = status(page)
        value = float(lr)
        named = [lr, f"{value:g}", str(value), f"{value:,.0f}"]
        assert "learning rate" in message.lower() and any(n in message for n in named), message
        assert "Error" not in message and "Traceback" not in message and "nan" not in message.lower()
        assert "down from" not in page.inner_text("#plot-summary")
        assert page.get_attribute("body", "data-trainer") in ("paused", "ready")
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator(".plot-box").screenshot(path=str(ARTIFACTS / f"diverged-{model}.png"))
    finally:
        page.context.close()
