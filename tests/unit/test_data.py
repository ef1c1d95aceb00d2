"""Vocabulary, train/validation split, batches and reference losses."""

# charlm before numpy: when charlm is the one to load numpy, it asks for one BLAS thread (see its __init__)
import numpy as np
import pytest

from charlm import Corpus, Vocab, reference_losses
from charlm.data import min_text_length

TEXT = "the quick brown fox jumps over the lazy dog. " * 40


def test_vocab_is_the_sorted_distinct_characters_and_round_trips_any_unicode():
    text = "héllo wörld — naïve 🙂 日本\n"
    vocab = Vocab.from_text(text)
    assert vocab.chars == sorted(set(text)) and len(vocab) == len(set(text))
    ids = vocab.encode(text)
    assert np.issubdtype(ids.dtype, np.integer) and ids.shape == (len(text),)
    assert vocab.decode(ids) == text
    assert vocab.decode(list(ids[:3])) == text[:3]
    assert vocab.encode("").shape == (0,) and vocab.decode([]) == ""
    assert vocab.encode("l").tolist() == [vocab.chars.index("l")]


def test_encoding_unknown_characters_names_them_and_the_alphabet():
    vocab = Vocab.from_text("abc ")
    with pytest.raises(ValueError) as e:
        vocab.encode("a cab with Zé")
    message = str(e.value)
    assert "'Z'" in message and "'é'" in message and "'w'" in message
    assert "alphabet" in message and "'abc'" not in message and "' abc'" in message


def test_corpus_splits_first_ninety_percent_for_training_and_last_ten_for_validation():
    data = Corpus(TEXT, context=8)
    assert len(data.train) + len(data.val) == len(TEXT)
    assert len(data.val) == pytest.approx(0.1 * len(TEXT), abs=1)
    assert data.vocab.decode(data.train) + data.vocab.decode(data.val) == TEXT
    assert data.text == TEXT and data.context == 8
    other = Corpus(TEXT, context=8, val_fraction=0.25)
    assert len(other.val) == pytest.approx(0.25 * len(TEXT), abs=1)


def test_batches_are_windows_with_targets_shifted_by_one():
    data = Corpus(TEXT, context=8)
    inputs, targets = data.batch(5, "train", np.random.default_rng(0))
    assert inputs.shape == targets.shape == (5, 8)
    np.testing.assert_array_equal(inputs[:, 1:], targets[:, :-1])
    train = data.vocab.decode(data.train)
    for row_in, row_out in zip(inputs, targets):
        window = data.vocab.decode(row_in) + data.vocab.decode(row_out[-1:])
        assert window in train
    val_in, _ = data.batch(3, "val", np.random.default_rng(0))
    assert all(data.vocab.decode(r) in data.vocab.decode(data.val) for r in val_in)


def test_batches_come_from_the_rng_alone():
    data = Corpus(TEXT, context=8)
    a = [data.batch(4, "train", np.random.default_rng(7)) for _ in range(2)]
    np.testing.assert_array_equal(a[0][0], a[1][0])
    rng = np.random.default_rng(7)
    first, second = data.batch(4, "train", rng), data.batch(4, "train", rng)
    assert not np.array_equal(first[0], second[0])
    starts = np.random.default_rng(7).integers(0, len(data.train) - 8, size=4)  # the documented contract
    np.testing.assert_array_equal(first[0][:, 0], data.train[starts])


def test_windows_reach_the_last_character_of_the_split():
    data = Corpus("ababababab" + "c" + "ababababab" + "a", context=3, val_fraction=0.5)
    assert data.vocab.decode(data.train).endswith("c")
    seen = set()
    rng = np.random.default_rng(0)
    for _ in range(200):
        _, targets = data.batch(4, "train", rng)
        seen.update(targets[:, -1].tolist())
    assert data.vocab.chars.index("c") in seen


def test_bad_text_is_a_clear_value_error():
    with pytest.raises(ValueError, match="empty"):
        Corpus("", context=4)
    with pytest.raises(ValueError, match="only one distinct character.*'a'"):
        Corpus("a" * 1000, context=4)
    with pytest.raises(ValueError, match=r"is 30 characters long.*at least \d+ characters"):
        Corpus("abcdefghij" * 3, context=8)
    with pytest.raises(ValueError, match="must be a string"):
        Corpus(b"bytes", context=4)


def test_minimum_length_is_exactly_enough():
    for context, fraction in ((8, 0.1), (32, 0.1), (5, 0.5), (3, 0.3)):
        need = min_text_length(context, fraction)
        text = ("ab" * need)[:need]
        data = Corpus(text, context=context, val_fraction=fraction)
        assert len(data.train) >= context + 1 and len(data.val) >= context + 1
        with pytest.raises(ValueError, match=f"at least {need} characters"):
            Corpus(text[:-1], context=context, val_fraction=fraction)


def test_bad_settings_are_clear_value_errors():
    with pytest.raises(ValueError, match="context must be a positive"):
        Corpus(TEXT, context=0)
    with pytest.raises(ValueError, match="context must be a positive"):
        Corpus(TEXT, context=2.5)
    with pytest.raises(ValueError, match="val_fraction"):
        Corpus(TEXT, context=4, val_fraction=1.0)
    data = Corpus(TEXT, context=4)
    with pytest.raises(ValueError, match="batch size must be a positive"):
        data.batch(0, "train", np.random.default_rng(0))
    with pytest.raises(ValueError, match="split must be 'train' or 'val'"):
        data.batch(2, "test", np.random.default_rng(0))
    with pytest.raises(ValueError, match="default_rng"):
        data.batch(2, "train", None)


def test_reference_losses_of_known_texts():
    refs = reference_losses("ab" * 500)
    assert refs["uniform"] == pytest.approx(np.log(2))
    assert refs["unigram"] == pytest.approx(np.log(2))
    assert refs["bigram"] == pytest.approx(0.0, abs=1e-12)  # the next letter is certain
    rng = np.random.default_rng(0)
    iid = "".join(rng.choice(list("abcd"), p=[0.4, 0.3, 0.2, 0.1], size=20000))
    refs = reference_losses(iid)
    entropy = -sum(p * np.log(p) for p in (0.4, 0.3, 0.2, 0.1))
    assert refs["uniform"] == pytest.approx(np.log(4))
    assert refs["unigram"] == pytest.approx(entropy, abs=0.01)
    assert refs["bigram"] == pytest.approx(refs["unigram"], abs=0.01)  # letters independent: context does not help
    english = reference_losses(TEXT)
    assert english["bigram"] < english["unigram"] < english["uniform"]
