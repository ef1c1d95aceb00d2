"""A reload keeps the run: the trained model, its curve, its settings and its kept samples come back, with a
choice to start over; where the browser refuses storage the page says so once and trains as before."""

from urllib.parse import parse_qs, urlparse

import pytest

from harness import BOOT_TIMEOUT_MS, open_page, wait_until


def step_of(page):
    return int(page.get_attribute("#loss-plot", "data-step"))


def curve(page):
    """The losses the page holds, read from the CSV it offers (one row per step)."""
    with page.expect_download() as info:
        page.click("#download-csv")
    with open(info.value.path(), encoding="utf-8") as f:
        return f.read()


def train_to(page, steps):
    page.click("#train")
    wait_until(lambda: step_of(page) >= steps, 120, message=f"step {steps}")
    page.click("#train")
    page.wait_for_selector("body[data-trainer=paused]", timeout=30_000)


def reload_ready(page):
    page.reload()
    page.wait_for_selector("body[data-trainer=paused], body[data-trainer=ready]", timeout=BOOT_TIMEOUT_MS)


@pytest.fixture()
def page(browser, server_url):
    page = open_page(browser, server_url + "/?model=bigram&seed=4")
    yield page
    page.context.close()


def test_a_reload_restores_the_step_the_curve_the_settings_and_the_samples(page):
    page.fill("#lr", "0.2")
    page.dispatch_event("#lr", "change")
    train_to(page, 50)
    step, losses = step_of(page), curve(page)
    kept = page.locator("#sample-history li").all_inner_texts()
    assert step >= 50 and len(kept) >= 2  # the samples at steps 0 and 30
    wait_until(lambda: page.evaluate("""new Promise(r => { const q = indexedDB.open('charlm-lesson');
        q.onsuccess = () => { const db = q.result; if (!db.objectStoreNames.contains('runs')) return r(false);
        const g = db.transaction('runs').objectStore('runs').get('current');
        g.onsuccess = () => r(!!g.result); g.onerror = () => r(false); }; q.onerror = () => r(false); })"""),
        10, message="the run saved in IndexedDB")
    reload_ready(page)
    page.wait_for_selector("#restore:not([hidden])", timeout=30_000)
    assert f"Restored your model from step {step}" in page.inner_text("#restore")
    assert step_of(page) == step
    assert curve(page) == losses
    # the kept samples come back as they were (a milestone reached but not yet sampled may add one after them)
    assert page.locator("#sample-history li").all_inner_texts()[:len(kept)] == kept
    assert page.input_value("#model") == "bigram" and page.input_value("#seed") == "4"
    assert page.input_value("#lr") == "0.2"
    # and training goes on from there
    train_to(page, step + 5)
    assert curve(page).startswith(losses)
    # opened from a bare address, the restored run's settings are written into it, so copying it reproduces the run
    page.wait_for_timeout(1000)  # the pause's save lands
    page.goto(page.url.split("?")[0])
    page.wait_for_selector("#restore:not([hidden])", timeout=BOOT_TIMEOUT_MS)
    query = parse_qs(urlparse(page.url).query)
    assert query["model"] == ["bigram"] and query["seed"] == ["4"] and query["lr"] == ["0.2"], page.url
    assert page.errors == []


def test_start_over_discards_the_saved_run_and_builds_fresh(page):
    train_to(page, 10)
    page.wait_for_timeout(1000)  # the pause's save lands
    reload_ready(page)
    page.wait_for_selector("#restore:not([hidden])", timeout=30_000)
    page.click("#start-over")
    wait_until(lambda: step_of(page) == 0 and "Started over" in page.inner_text("#status"), 60,
               message="a fresh model")
    assert page.is_hidden("#restore")
    reload_ready(page)
    page.wait_for_timeout(2000)
    assert step_of(page) == 0 and page.is_hidden("#restore")


def test_a_damaged_saved_run_is_discarded_with_a_message(page):
    page.evaluate("""new Promise(r => { const q = indexedDB.open('charlm-lesson', 1);
        q.onupgradeneeded = () => q.result.createObjectStore('runs');
        q.onsuccess = () => { const tx = q.result.transaction('runs', 'readwrite');
          tx.objectStore('runs').put(new TextEncoder().encode('CHARLMRUN{"format":1}\\nnot a model'), 'current');
          tx.oncomplete = () => r(true); }; })""")
    reload_ready(page)
    wait_until(lambda: "could not be restored" in page.inner_text("#status"), 30, message="the damage reported")
    assert "discarded" in page.inner_text("#status") and step_of(page) == 0
    assert page.get_attribute("body", "data-trainer") == "ready" and page.errors == []
    page.click("#step")  # and the page trains as usual
    wait_until(lambda: step_of(page) == 1, 30, message="a step")


def test_with_storage_refused_the_page_trains_and_says_so_once(browser, server_url):
    page = open_page(browser, server_url + "/?model=bigram")
    try:
        # The browser refuses storage from here on, as Chromium does in a frame whose third-party storage is
        # blocked: indexedDB.open() fails with "The user denied permission to access the database."
        assert page.workers, "the trainer's worker"
        for worker in page.workers:
            worker.evaluate("""() => { indexedDB.open = () => { const req = {};
                req.error = new DOMException('The user denied permission to access the database.', 'UnknownError');
                setTimeout(() => req.onerror && req.onerror(new Event('error')), 0); return req; }; }""")
        train_to(page, 20)
        note = page.locator("#store-note")
        note.wait_for(state="visible", timeout=20_000)
        assert "will not survive a reload" in note.inner_text()
        train_to(page, step_of(page) + 20)
        assert page.locator("#store-note:not([hidden])").count() == 1  # said once, not once per save
        assert step_of(page) >= 40 and page.errors == []
        reload_ready(page)
        page.wait_for_timeout(2000)
        assert step_of(page) == 0 and page.is_hidden("#restore")  # nothing was kept, and nothing pretends it was
    finally:
        page.context.close()
