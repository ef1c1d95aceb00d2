"""The built-in texts: registered, loadable, small-alphabet, the right sizes, original, and the lesson well formed."""
import string
from pathlib import Path

import pytest

import charlm.texts as texts

ALLOWED = set(string.ascii_letters + string.digits + " \n.,;:!?'\"-()")
LESSON_EXTRA = set("_")  # the lesson names the Python in its running text: cross_entropy, optimizer.zero_grad()
BENCHMARK_TEXT = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "tinyshakespeare.txt"
LONGEST_SHARED_LINE = 30


def test_every_registered_file_exists_and_loads_as_nonempty_text():
    for cid, entry in texts.CORPORA.items():
        assert Path(texts.__file__).with_name(entry["file"]).is_file(), cid
        assert len(texts.load(cid)) > 1000, cid


def test_ids_files_and_titles_are_unique_and_lesson_is_registered():
    files = [c["file"] for c in texts.CORPORA.values()]
    titles = [c["title"] for c in texts.CORPORA.values()]
    assert len(set(files)) == len(files) and len(set(titles)) == len(titles)
    assert texts.names() == list(texts.CORPORA) and "lesson" in texts.names()


def test_no_unregistered_txt_files_lie_in_the_package():
    on_disk = {p.name for p in Path(texts.__file__).parent.glob("*.txt")}
    assert on_disk == {c["file"] for c in texts.CORPORA.values()}


@pytest.mark.parametrize("cid", list(texts.CORPORA))
def test_text_uses_only_the_small_ascii_alphabet(cid):
    text = texts.load(cid)
    allowed = ALLOWED | LESSON_EXTRA if cid == "lesson" else ALLOWED
    assert sorted(set(text) - allowed) == [], f"{cid} has characters outside the allowed set"
    assert all(line == line.rstrip() for line in text.split("\n")), f"{cid} has trailing spaces"
    assert "\n\n\n" not in text and text.endswith("\n") and not text.endswith("\n\n")


def test_alphabet_across_all_texts_stays_small():
    alphabet = set("".join(texts.load(cid) for cid in texts.names()))
    assert 55 <= len(alphabet) <= 75


def test_sizes_each_other_text_10_to_20_kb_and_together_at_least_50_kb():
    others = [cid for cid in texts.names() if cid != "lesson"]
    assert len(others) >= 4
    for cid in others:
        assert 10_000 <= len(texts.load(cid)) <= 20_000, cid
    assert sum(len(texts.load(cid)) for cid in others) >= 50_000
    assert 5_000 <= len(texts.load("lesson")) <= 9_500  # the lesson is kept short


def test_describe_reports_every_text_with_its_real_length():
    rows = texts.describe()
    assert [r["id"] for r in rows] == texts.names()
    for r in rows:
        assert set(r) == {"id", "title", "description", "chars"}
        assert r["chars"] == len(texts.load(r["id"]))
        assert r["title"] and r["description"].endswith(".")


def test_unknown_id_raises_value_error_naming_the_known_ids():
    with pytest.raises(ValueError) as err:
        texts.load("shakespeare")
    message = str(err.value)
    assert "'shakespeare'" in message
    assert all(cid in message for cid in texts.names())


def test_lesson_has_the_six_headings_in_order_each_on_its_own_line():
    lines = texts.load("lesson").split("\n")
    expected = ["Training a Tiny Language Model", "What training a language model means", "Train a model yourself",
                "Reading the loss curve", "The training loop", "Check your understanding"]
    at = [lines.index(h) for h in expected]
    assert at == sorted(at) and at[0] == 0
    for i in at:  # a heading stands alone: a blank line after it, and before it unless it opens the text
        assert lines[i + 1] == "" and (i == 0 or lines[i - 1] == "")


def test_lesson_sections_split_the_lesson_into_headed_paragraphs():
    sections = texts.lesson_sections()
    assert [(s["id"], s["heading"]) for s in sections] == list(texts.LESSON_SECTIONS)
    assert all(s["paragraphs"] for s in sections)
    assert len(sections[-1]["paragraphs"]) == 1  # the quiz section is one short introduction
    rebuilt = "\n\n".join(part for s in sections for part in [s["heading"], *s["paragraphs"]]) + "\n"
    assert rebuilt == texts.load("lesson")


def test_lesson_sections_rejects_a_lesson_that_lost_a_heading(monkeypatch):
    original = texts.load
    monkeypatch.setattr(texts, "load", lambda cid: original(cid).replace("Reading the loss curve\n", "", 1))
    with pytest.raises(ValueError, match="Reading the loss curve"):
        texts.lesson_sections()


@pytest.mark.skipif(not BENCHMARK_TEXT.is_file(), reason="the benchmark text is not next to this checkout")
def test_no_text_shares_a_long_line_with_the_benchmark_text():
    ours = {cid: texts.load(cid) for cid in texts.names()}
    # Any shared line longer than the limit starts with a shared window of limit + 1 characters: index those first.
    n = LONGEST_SHARED_LINE + 1
    windows = {text[i:i + n] for text in ours.values() for i in range(len(text) - n + 1)}
    theirs = {line.strip() for line in BENCHMARK_TEXT.read_text(encoding="utf-8").splitlines()}
    shared = [line for line in theirs if len(line) > LONGEST_SHARED_LINE and line[:n] in windows
              and any(line in text for text in ours.values())]
    assert shared == []
