"""The strict JSON reader: the values json.loads gives, CPython's error places, and the broken files it names;
and its UTF-8 check, against CPython's strict decoder."""

import json
from pathlib import Path

import pytest

from app import strict_json

ROOT = Path(__file__).resolve().parents[2]
QUIZ_TEXT = (ROOT / "quiz.json").read_text(encoding="utf-8")


def test_decode_agrees_with_the_json_module_on_valid_text():
    text = ('{"a": [1, -2, 3.5, -0.25e-3, 1E2, true, false, null, {}, []],\n'
            ' "s": "tab\\t nl\\n quote\\" slash\\/ back\\\\ \\u00e9 \\ud83d\\ude00 é — ≈",\n'
            ' "nested": {"deep": [[["x"]]]}}')
    assert strict_json.decode(text) == json.loads(text)
    assert strict_json.decode(QUIZ_TEXT) == json.loads(QUIZ_TEXT)


def test_decode_keeps_integers_and_floats_apart():
    value = strict_json.decode('[1, 1.0, 1e0]')
    assert [type(v) for v in value] == [int, float, float]


@pytest.mark.parametrize("text", [
    '{\n  "a": 1\n  "b": 2\n}',            # missing comma
    '{\n  "title": tru\n}',                 # bad literal
    '{\n  "é€": "x",\n  "ü" 1\n}',          # missing colon after a non-ASCII key
    '[\n  1,\n  2\n  3\n]',                 # missing comma in a list
    '{"a": "é", "b": @}',                  # column counts characters, not bytes
])
def test_decode_error_position_matches_cpython(text):
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    with pytest.raises(strict_json.JSONError) as got:
        strict_json.decode(text)
    assert str(got.value).startswith("line %d, column %d:" % (expected.value.lineno, expected.value.colno))


@pytest.mark.parametrize("text, where, words", [
    ('{"a": 1,}', "line 1, column 9", "remove the last comma"),
    ('[1, 2,\n]', "line 2, column 1", "remove the last comma"),
    ('{"a": 1, "a": 2}', "line 1, column 10", "appears twice"),
    ('{"a": 4,17}', "line 1, column 7", "write 4.17, not 4,17"),
    ("{'a': 1}", "line 1, column 2", "double quotes"),
    ('{"a": True}', "line 1, column 7", "lowercase"),
    ('{"a": 07}', "line 1, column 7", "cannot start with 0"),
    ('{"a": 1.}', "line 1, column 7", "decimal point must be followed by digits"),
    ('{"a": NaN}', "line 1, column 7", "expected a value"),
    ('{"a": "x\ny"}', "line 1, column 7", "runs past the end of the line"),
    ('{"a": "\\q"}', "line 1, column 8", "unknown escape"),
    ('{"a": "\\ud800"}', "line 1, column 8", "surrogate"),
    ('{\n "a": [1, 2\n', "line 2, column 7", "never closed"),
    ('{"a": 1} x', "line 1, column 10", "after the end"),
    ('', "line 1, column 1", "empty"),
    ('   \n ', "line 1, column 1", "empty"),
])
def test_decode_names_the_problem_and_the_place(text, where, words):
    with pytest.raises(strict_json.JSONError) as err:
        strict_json.decode(text)
    assert str(err.value).startswith(where + ":")
    assert words in str(err.value)


def test_decode_skips_a_byte_order_mark():
    assert strict_json.decode('\ufeff{"a": 1}') == {"a": 1}


def test_decode_limits_nesting_instead_of_overflowing_the_stack():
    assert strict_json.decode("[" * strict_json.MAX_DEPTH + "]" * strict_json.MAX_DEPTH)
    with pytest.raises(strict_json.JSONError, match="nested more than"):
        strict_json.decode("[" * 200 + "]" * 200)


@pytest.mark.parametrize("raw", [
    b"", b"plain ascii", "naïve — ≈ 😀".encode(), b"\xff", b"ab\xc3", b"\xc3\x28", b"\xc0\xaf", b"\xe0\x80\xaf",
    b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"ok \xe2\x82", b"\xe2\x82\xac end",
    b"\xf0\x9f\x98\x80\x80", b"\x80", "é".encode("latin-1"), "quiz é".encode("utf-16"),
])
def test_utf8_error_finds_the_byte_cpythons_strict_decoder_rejects(raw):
    try:
        raw.decode("utf-8")
        expected = None
    except UnicodeDecodeError as e:
        expected = e.start
    assert strict_json.utf8_error(raw) == expected
