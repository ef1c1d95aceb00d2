"""The rules for keeping and trusting a memory snapshot (www/snapshot_rules.py): in CPython, and the same answers in
the MicroPython the worker's host runs them in (under node)."""

import hashlib
import json
import sys
from pathlib import Path

import pytest
from test_micropython import MICROPYTHON, NODE, run_cpython, run_micropython

WWW = Path(__file__).resolve().parents[2] / "www"
sys.path.insert(0, str(WWW))
import snapshot_rules as rules  # noqa: E402

STAMP = hashlib.sha256(b"runtime").hexdigest()
PAGES = 300 * rules.PAGE  # a plausible memory image: whole WebAssembly pages after the header


def test_the_cache_is_named_after_the_runtime_stamp_and_nothing_else():
    assert rules.cache_name(STAMP + "\n") == rules.PREFIX + STAMP
    for bad in ["", "abc", STAMP.upper(), STAMP[:-1] + "g", "../" + STAMP, STAMP * 3]:
        with pytest.raises(ValueError, match="stamp"):
            rules.cache_name(bad)


def test_only_other_runtimes_snapshot_caches_are_old():
    current = rules.cache_name(STAMP)
    assert rules.is_old(rules.cache_name("0" * 64), current)
    assert not rules.is_old(current, current)
    assert not rules.is_old("someone-elses-cache", current)  # the page's origin may hold other caches: keep them


def test_hex_digest_matches_hashlib():
    digest = hashlib.sha256(b"snapshot").digest()
    assert rules.hex_digest(list(digest)) == hashlib.sha256(b"snapshot").hexdigest()


@pytest.mark.parametrize("length, magic, offset, ok", [
    (4096 + PAGES, rules.MAGIC, 4096, True),
    (4096 + PAGES, rules.MAGIC + 1, 4096, False),     # not Pyodide's header
    (4096 + PAGES - 4, rules.MAGIC, 4096, False),     # truncated: the image is not whole pages
    (4096 + PAGES, rules.MAGIC, 0, False),            # no header before the image
    (4096 + PAGES, rules.MAGIC, 4096 + PAGES, False),  # an offset past the end
    (8, rules.MAGIC, 4, False),                       # too short to be anything
    (4096 + PAGES + 2, rules.MAGIC, 4098, False),     # not a whole number of 32-bit words
])
def test_looks_like_snapshot(length, magic, offset, ok):
    assert rules.looks_like_snapshot(length, magic, offset) is ok


def test_a_snapshot_is_restored_only_with_its_own_digest_and_a_snapshots_shape():
    good = ("ab" * 32, "ab" * 32, 4096 + PAGES, rules.MAGIC, 4096)
    assert rules.verdict(*good) == "restore"
    assert rules.verdict("cd" * 32, *good[1:]) == "damaged"   # changed after it was stored: may be made again
    assert rules.verdict(None, *good[1:]) == "damaged"        # stored without a digest
    assert rules.verdict("", "", *good[2:]) == "damaged"
    # The bytes are the ones this runtime stored, but they are no snapshot: never ask this runtime again.
    assert rules.verdict(good[0], good[1], 65536, 0x01020304, 0) == "refused"


def test_idle_means_nothing_in_flight_and_quiet_for_long_enough():
    assert rules.idle_enough(0, 1000.0, 4000.0, 3000)
    assert not rules.idle_enough(1, 0.0, 10_000.0, 3000)   # a call is running
    assert not rules.idle_enough(0, 1000.0, 3999.0, 3000)  # the last one ended too recently


def test_a_snapshot_may_hold_the_standard_library_modules_the_page_imported_but_nothing_else():
    modules = [("json.decoder", "/lib/python312.zip/json/decoder.py"), ("pickle", "/lib/python312.zip/pickle.py"),
               ("numpy", "/lib/python3.12/site-packages/numpy/__init__.py"), ("charlm", "/home/pyodide/charlm/x.py"),
               ("ctypes", "/lib/python312.zip/ctypes/__init__.py"),
               ("ctypes._endian", "/lib/python312.zip/ctypes/_endian.py"), ("_pickle", ""), ("js", "")]
    assert rules.preloadable(modules) == ["json.decoder", "pickle"]


PROBE = r'''
import json
import snapshot_rules as r
s = "d079686d9bfcce29f44e48206ef5572290e9078891434541e97f1dffb445b641"
out = [r.cache_name(s + "\n"), r.is_old(r.PREFIX + "00" * 32, r.cache_name(s)), r.hex_digest([0, 15, 16, 255]),
       r.looks_like_snapshot(4096 + 3 * 65536, r.MAGIC, 4096), r.looks_like_snapshot(4100, r.MAGIC, 4096),
       r.verdict("aa", "aa", 4096 + 65536, r.MAGIC, 4096), r.verdict("aa", "ab", 0, 0, 0),
       r.idle_enough(0, 0.0, 2999.9, 3000),
       r.preloadable([("pickle", "/lib/python312.zip/pickle.py"), ("ctypes", "/lib/python312.zip/ctypes/__init__.py"),
                      ("numpy", "/lib/python3.12/site-packages/numpy/__init__.py")])]
try:
    r.cache_name("not a stamp")
except ValueError as e:
    out.append(str(e))
print(json.dumps(out))
'''


@pytest.mark.skipif(NODE is None or not MICROPYTHON.exists(), reason="needs node and the MicroPython runtime")
def test_the_rules_give_the_same_answers_in_the_hosts_micropython(tmp_path):
    files = {"snapshot_rules.py": (WWW / "snapshot_rules.py").read_text(encoding="utf-8")}
    mp = run_micropython(PROBE, files)
    assert not any(line.startswith(("STDERR", "JS ERROR")) for line in mp["out"]), mp["out"]
    cp = run_cpython(PROBE, files, tmp_path)
    assert mp["out"] == cp
    assert json.loads(cp[0])[3] is True
