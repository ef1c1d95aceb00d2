"""A real accessibility checker (axe-core, test-only, never shipped) finds nothing on the page against WCAG 2.2 A/AA:
before training, while training, with the Python panel and the quiz open, at laptop and phone widths."""

import json

import pytest

from harness import ROOT, open_page, wait_until

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def violations(page):
    """axe's violations on the page as it stands, as short readable lines."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    return [f"{v['id']} ({v['impact']}): {v['help']} at {json.dumps([n['target'] for n in v['nodes']][:5])}"
            for v in result["violations"]]


@pytest.fixture(scope="module", params=[1280, 360], ids=["laptop", "phone"])
def page(request, browser, server_url):
    if not AXE.exists():
        pytest.fail("axe-core is not installed: run `npm install` (it is a test-only devDependency)", pytrace=False)
    page = open_page(browser, server_url + "/?model=bigram", viewport={"width": request.param, "height": 800})
    yield page
    page.context.close()


def test_nothing_before_training(page):
    assert violations(page) == []


def test_nothing_while_training(page):
    page.click("#train")
    wait_until(lambda: int(page.get_attribute("#loss-plot", "data-step")) > 30, 60, message="training")
    try:
        assert page.get_attribute("body", "data-trainer") == "training"
        assert violations(page) == []
    finally:
        page.click("#train")
        page.wait_for_selector("body[data-trainer=paused]", timeout=30_000)


def test_nothing_with_the_python_panel_the_notes_and_the_quiz_open(page):
    page.locator(".panel.files details summary").click()
    for summary in page.locator("details.more summary").all():
        summary.click()
    page.locator("#loss-table").evaluate("t => t.closest('details').open = true")
    page.wait_for_selector("#quiz-body fieldset", timeout=30_000)
    page.locator("#quiz").scroll_into_view_if_needed()
    assert page.locator("#python-code").is_visible()
    assert violations(page) == []


def test_an_invalid_field_and_an_error_message_are_accessible_too(page):
    page.fill("#context", "0")
    page.locator("#context").blur()
    wait_until(lambda: page.get_attribute("#context", "aria-invalid") == "true", 10, message="marked invalid")
    try:
        assert violations(page) == []
    finally:
        page.fill("#context", "32")
        page.locator("#context").blur()


def test_the_file_choosers_look_like_buttons_and_are_reached_by_tab(page):
    """Each file input is drawn as its label, a button; the input itself stays focusable and named, so Tab reaches
    it after the button before it, and the label shows its focus ring."""
    page.focus("#save-model")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "load-model"
    assert page.evaluate("document.activeElement.labels[0].textContent") == "Load a saved model"
    label = page.locator("label[for=load-model]")
    assert label.is_visible() and label.bounding_box()["height"] >= 40  # as tall as the buttons beside it
    assert label.evaluate("l => getComputedStyle(l).outlineStyle") == "solid"  # the focus ring, on the label
    page.select_option("#corpus", "custom")
    try:
        assert page.locator("label[for=upload]").is_visible() and page.locator("#upload").is_enabled()
        assert violations(page) == []
    finally:
        page.select_option("#corpus", "letters")
        page.wait_for_selector("body[data-trainer=ready], body[data-trainer=paused]", timeout=60_000)


def test_the_checker_is_live_it_flags_a_scrollable_block_nobody_can_focus(page):
    """Guards the guard: the lesson's code block without its tabindex is the violation axe found before."""
    page.evaluate("document.getElementById('loop-code').removeAttribute('tabindex')")
    page.evaluate("document.getElementById('loop-code').style.width = '8rem'")  # narrow enough to scroll
    try:
        assert any(v.startswith("scrollable-region-focusable") for v in violations(page))
    finally:
        page.evaluate("document.getElementById('loop-code').setAttribute('tabindex', '0')")
        page.evaluate("document.getElementById('loop-code').style.width = ''")
