"""One place for argument checks and the limits of every setting, and one decoder for text files."""

import json
import re

import numpy as np
import pytest

import charlm
from charlm.checks import LIMITS, describe_limits, limited, one_of, positive, whole


def test_whole_numbers_in_a_range():
    assert whole(np.int64(3), "n", 1, 5) == 3 and type(whole(np.int64(3), "n", 1, 5)) is int
    for bad in (0, 6, 2.0, True, "3", None):
        with pytest.raises(ValueError, match=r"n must be a whole number from 1 to 5, got"):
            whole(bad, "n", 1, 5)
    with pytest.raises(ValueError, match="n must be a positive whole number, got 0"):
        whole(0, "n", minimum=1)
    with pytest.raises(ValueError, match="n must be a whole number >= 0, got -1"):
        whole(-1, "n", minimum=0)


def test_positive_numbers_and_choices():
    assert positive(np.float32(0.5), "lr") == 0.5 and positive(2, "lr", maximum=2) == 2.0
    for bad in (0, -1.0, float("nan"), float("inf"), "0.1", True, None, 3):
        with pytest.raises(ValueError, match="lr must be a positive number"):
            positive(bad, "lr", maximum=2)
    assert one_of("mlp", "model", charlm.MODELS) == "mlp"
    with pytest.raises(ValueError, match="unknown model 'rnn'; choose one of bigram, mlp, transformer"):
        one_of("rnn", "model", charlm.MODELS)


def test_limits_hold_each_setting_and_open_ones_exclude_zero():
    assert limited(256, "batch_size") == 256
    with pytest.raises(ValueError, match="batch size must be a whole number from 1 to 256, got 257"):
        limited(257, "batch_size")
    with pytest.raises(ValueError, match=r"temperature must be a positive number \(at most 5\), got 0"):
        limited(0, "temperature")
    assert limited(1e6, "lr") == 1e6
    with pytest.raises(ValueError, match=r"learning rate must be a positive number \(at most 1,000,000\)"):
        limited(1.5e6, "lr", "learning rate")


def test_the_limits_are_the_forms_and_describe_as_plain_json():
    # the values the page's form has always used: the page now reads them from the worker's info()
    assert (LIMITS["batch_size"], LIMITS["context"], LIMITS["seed"]) == ((1, 256), (2, 256), (0, 2 ** 31 - 1))
    assert LIMITS["lr"][1] == 1e6 and LIMITS["temperature"][1] == 5
    described = json.loads(json.dumps(describe_limits()))
    assert described["batch_size"] == {"min": 1, "max": 256, "whole": True}
    assert described["lr"] == {"min": 0, "max": 1e6, "whole": False}
    assert set(described) == set(LIMITS)


def test_every_model_has_a_one_line_description():
    assert set(charlm.DESCRIPTIONS) == set(charlm.MODELS)
    assert all(d.endswith(".") and "\n" not in d for d in charlm.DESCRIPTIONS.values())


def test_decode_text_reads_utf8_and_names_what_is_wrong():
    assert charlm.decode_text("\ufeffcaf\u00e9\r\nau\rlait".encode("utf-8"), "a.txt") == "caf\u00e9\nau\nlait"
    with pytest.raises(ValueError, match=r'"cat.png" is not a text file \(it contains binary data\)'):
        charlm.decode_text(b"\x89PNG\r\n\x1a\n\x00\x00", "cat.png")
    with pytest.raises(ValueError, match=r'"old.txt" is not UTF-8 text \(byte 3 cannot be read\)'):
        charlm.decode_text("caf\u00e9".encode("latin-1"), "old.txt")
    most = LIMITS["text_bytes"][1]
    with pytest.raises(ValueError, match=r'"big.txt" is 5.0 MB; choose a text of at most 5 MB'):
        charlm.decode_text(b"a" * (most + 1), "big.txt")
    assert len(charlm.decode_text(b"a" * most, "ok.txt")) == most


def test_the_version_lives_in_one_place():
    assert re.fullmatch(r"\d+\.\d+\.\d+", charlm.__version__)
    assert charlm.Trainer("ab" * 200, model="bigram", context=8).config["version"] == charlm.__version__
