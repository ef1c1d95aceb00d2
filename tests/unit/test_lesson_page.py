"""The page's lesson is charlm's "lesson" text: every paragraph of one appears, word for word, in the other."""

import html.parser
from pathlib import Path

import charlm.texts

INDEX = Path(__file__).resolve().parents[2] / "www" / "index.html"


class Paragraphs(html.parser.HTMLParser):
    """The text of every plain <p> and <h2> in a page (inline markup flattened). Paragraphs with a class are the
    interface's notes and hints, not lesson prose."""

    def __init__(self):
        super().__init__()
        self.blocks, self.current = [], None

    def handle_starttag(self, tag, attrs):
        if tag in ("p", "h1", "h2") and not dict(attrs).get("class"):
            self.current = []

    def handle_endtag(self, tag):
        if tag in ("p", "h1", "h2") and self.current is not None:
            self.blocks.append(" ".join("".join(self.current).split()))
            self.current = None

    def handle_data(self, data):
        if self.current is not None:
            self.current.append(data)


def page_blocks():
    parser = Paragraphs()
    parser.feed(INDEX.read_text(encoding="utf-8"))
    return parser.blocks


def test_every_lesson_paragraph_and_heading_is_on_the_page_in_order():
    blocks = page_blocks()
    position = -1
    for section in charlm.texts.lesson_sections():
        for text in [section["heading"]] + section["paragraphs"]:
            text = " ".join(text.split())
            assert text in blocks, f"not on the page: {text[:70]!r}"
            assert blocks.index(text) > position, f"out of order on the page: {text[:70]!r}"
            position = blocks.index(text)


def test_the_page_has_no_lesson_prose_missing_from_the_text():
    lesson = " ".join(charlm.texts.load("lesson").split())
    prose = [b for b in page_blocks() if len(b) > 200]  # long plain paragraphs are lesson prose
    assert prose, "the page has no lesson paragraphs"
    for block in prose:
        assert block in lesson, f"on the page but not in lesson.txt: {block[:70]!r}"


def test_the_forms_first_values_are_the_transformers_defaults():
    """Before the worker is ready the form shows the defaults charlm will use, so nothing jumps when it loads."""
    page = INDEX.read_text(encoding="utf-8")
    defaults = charlm.DEFAULTS["transformer"]
    for field, key in (("lr", "lr"), ("batch", "batch_size"), ("context", "context")):
        marker = f'id="{field}" '
        value = page.split(marker, 1)[1].split('value="', 1)[1].split('"', 1)[0]
        assert float(value) == defaults[key], field
    assert '<option value="transformer" selected>' in page
