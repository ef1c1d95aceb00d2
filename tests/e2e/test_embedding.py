"""The page where authors put it: inside another site's iframe, in the compact embed view, on a phone-sized screen,
and with the keyboard alone."""

import http.server
import threading

import pytest

from harness import BOOT_TIMEOUT_MS, open_page, wait_until


@pytest.fixture(scope="module")
def parent_origin(tmp_path_factory, server_url):
    """A second server on another port (so another origin) with a course page that embeds the lesson."""
    root = tmp_path_factory.mktemp("lms")
    (root / "course.html").write_text(
        "<!doctype html><title>Course</title><h1>Week 6</h1>"
        f"<iframe id='lesson' src='{server_url}/?embed=1&model=bigram' width='1000' height='1400' "
        "title='Training a Tiny Language Model'></iframe>", encoding="utf-8")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=str(root), **kw)

        def log_message(self, *a):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"  # another host name and port than the lesson's: another origin
    httpd.shutdown()
    httpd.server_close()


def test_trains_inside_a_cross_origin_iframe_without_isolation_headers(browser, parent_origin, server_url):
    page = open_page(browser, parent_origin + "/course.html", wait_ready=False)
    try:
        frame = page.frame_locator("#lesson")
        frame.locator("body[data-trainer=ready]").wait_for(timeout=BOOT_TIMEOUT_MS)
        inner = page.frames[1]
        assert inner.evaluate("window.crossOriginIsolated") is False
        assert inner.evaluate("document.body.classList.contains('embed')")
        assert not frame.locator("header").is_visible()  # the compact view shows the activity only
        assert frame.locator("#model").input_value() == "bigram"  # preset from the URL
        frame.locator("#train").click()
        wait_until(lambda: int(frame.locator("#loss-plot").get_attribute("data-step")) > 20, 120,
                   message="training inside the iframe")
        frame.locator("#train").click()
        allowed = {server_url.split("//")[1], parent_origin.split("//")[1]}
        assert [u for u in page.requests if u.split("/")[2] not in allowed and u.startswith("http")] == []
        # Storage is refused in here (another site's frame); nothing of it escapes as an uncaught error
        storage = inner.evaluate("""new Promise(r => { const q = indexedDB.open('probe');
            q.onsuccess = () => r('granted'); q.onerror = (e) => { e.preventDefault(); r('refused'); }; })""")
        assert storage == "refused"
        assert page.errors == []
    finally:
        page.context.close()


def test_phone_width_has_no_horizontal_scroll(browser, server_url):
    page = open_page(browser, server_url + "/", viewport={"width": 360, "height": 740})
    try:
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0
        box = page.locator("#loss-plot").bounding_box()
        assert box["width"] <= 360 and box["height"] > 150
    finally:
        page.context.close()


def test_keyboard_alone_can_train_and_pause(lesson):
    lesson.focus("#train")
    assert lesson.evaluate("document.activeElement.id") == "train"
    # focus is visible: the focused button draws an outline
    outline = lesson.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    lesson.keyboard.press("Enter")
    wait_until(lambda: lesson.get_attribute("body", "data-trainer") == "training", 20, message="training by keyboard")
    lesson.keyboard.press("Space")
    wait_until(lambda: lesson.get_attribute("body", "data-trainer") == "paused", 20, message="paused by keyboard")
    assert lesson.get_attribute("#status", "aria-live") == "polite"
    assert "Paused" in lesson.inner_text("#status")


def test_plot_has_a_text_alternative(lesson):
    for _ in range(3):
        start = int(lesson.get_attribute("#loss-plot", "data-step"))
        lesson.click("#step")
        wait_until(lambda start=start: int(lesson.get_attribute("#loss-plot", "data-step")) == start + 1, 30,
                   message="a step")
    label = lesson.get_attribute("#loss-plot", "aria-label")
    assert label.startswith("Loss plot. After ")
    rows = lesson.locator("#loss-table-body tr")
    assert rows.count() >= 2
    assert rows.nth(0).locator("td").nth(0).text_content() == "0"  # in a closed <details>: present, not shown


def test_units_switch_between_nats_bits_and_perplexity(lesson):
    def pixels():
        return lesson.evaluate("document.getElementById('loss-plot').toDataURL()")
    nats = pixels()
    lesson.check("#unit-bits")
    wait_until(lambda: pixels() != nats, 10, message="redraw in bits")
    lesson.check("#unit-perplexity")
    lesson.check("#unit-nats")
    wait_until(lambda: pixels() == nats, 10, message="back to the same nats drawing")
