"""A page address can hold anything: the URL reader (app/settings.py) names each bad setting and never raises.

Checked in CPython and in the page's own MicroPython (under node), whose bytes and str differ in what they raise.
"""

import json

import pytest
from test_micropython import APP, MICROPYTHON, NODE, run_micropython

from app import settings

HOSTILE = [
    "?lr=%ff&model=%C3",
    "?lr=%",
    "?lr=%zz&seed=%4",
    "?%ff=1&%=2",
    "?lr=0.1&lr=0.2",
    "?model=" + "x" * 5000,
    "?" + "k" * 300 + "=1",
    "?corpus=%3Cscript%3Ealert(1)%3C/script%3E",
    "?lr=nan&temperature=inf&batch=1e400&seed=-1",
    "?&&=&==&lr==",
    "?embed=%00%01&seed=%E2%82%AC",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_addresses_are_named_never_raised(query):
    got, problems = settings.parse_query(query, corpora=["lesson"], models=["mlp", "transformer"])
    assert problems, "every one of these has something to ignore"
    assert all(isinstance(p, str) and p for p in problems)
    assert all(len(p) < 200 for p in problems)  # a huge value is named, not echoed back
    assert set(got) <= set(settings.QUERY_KEYS)


def test_bad_bytes_name_both_settings():
    got, problems = settings.parse_query("?lr=%ff&model=%C3")
    assert got == {}
    assert [p.split(":")[0] for p in problems] == ["lr", "model"]
    assert all("percent-encoded" in p for p in problems)


def test_a_setting_given_twice_keeps_the_last_and_says_so():
    got, problems = settings.parse_query("?lr=0.1&lr=0.2&seed=3")
    assert got == {"lr": 0.2, "seed": 3}
    assert problems == ["lr was given more than once; the last one counts"]
    got, problems = settings.parse_query("?lr=0.1&lr=abc")  # the last one counts even when it is the bad one
    assert got == {} and len(problems) == 2


def test_a_very_long_value_is_capped_and_named():
    got, problems = settings.parse_query("?model=" + "m" * 5000)
    assert got == {} and problems == ["model: the value is 5000 characters long (at most 100)"]


def test_good_escapes_still_decode():
    got, problems = settings.parse_query("?corpus=caf%C3%A9&model=mlp", corpora=["café"])
    assert got == {"corpus": "café", "model": "mlp"} and problems == []


@pytest.mark.skipif(NODE is None or not MICROPYTHON.exists(), reason="needs node and the MicroPython runtime")
def test_the_page_micropython_reads_hostile_addresses_like_cpython():
    code = "import json, settings\nfor q in %r:\n    print(json.dumps(settings.parse_query(q, ['lesson'], " \
           "['mlp', 'transformer'])))\n" % (HOSTILE,)
    got = run_micropython(code, files={"settings.py": (APP / "settings.py").read_text(encoding="utf-8")})
    lines = [line for line in got["out"] if not line.startswith("STDERR")]
    assert len(lines) == len(HOSTILE), got["out"]
    for query, line in zip(HOSTILE, lines, strict=True):
        assert json.loads(line) == json.loads(json.dumps(settings.parse_query(query, ["lesson"],
                                                                             ["mlp", "transformer"]))), query
