"""Sampling text and next-character probabilities."""

# charlm before numpy: when charlm is the one to load numpy, it asks for one BLAS thread (see its __init__)
import numpy as np
import pytest

import charlm
from charlm import Corpus, build_model, generate, next_char_probs


def trained_bigram(text="abcabcabcabc" * 20, steps=150):
    data = Corpus(text, context=8)
    model = build_model("bigram", vocab_size=len(data.vocab), context=8, seed=0)
    opt = charlm.Adam(model.parameters(), lr=0.3)
    rng = np.random.default_rng(0)
    for _ in range(steps):
        inputs, targets = data.batch(16, "train", rng)
        loss = charlm.cross_entropy(model(inputs), targets)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model, data.vocab


def test_a_trained_model_continues_the_pattern():
    model, vocab = trained_bigram()
    assert generate(model, vocab, "a", 9, temperature=0.5, rng=np.random.default_rng(1)) == "bcabcabca"
    probs = next_char_probs(model, vocab, "ab")
    assert probs[0][0] == "c" and probs[0][1] > 0.95


def test_generate_returns_only_new_characters_from_the_vocabulary_reproducibly():
    model = build_model("transformer", vocab_size=5, context=6, seed=0, n_layer=1, n_head=2, n_embd=8)
    vocab = charlm.Vocab(list("abcde"))
    out = generate(model, vocab, "abcabcabcabc", 30, rng=np.random.default_rng(3))  # prompt longer than context
    assert len(out) == 30 and set(out) <= set("abcde")
    assert out == generate(model, vocab, "abcabcabcabc", 30, rng=np.random.default_rng(3))
    assert out == generate(model, vocab, "abcabcabcabc", 30, rng=3)  # an int seed works too
    assert out != generate(model, vocab, "abcabcabcabc", 30, rng=np.random.default_rng(4))
    assert generate(model, vocab, "ab", 0) == ""


def test_an_empty_prompt_starts_from_a_character_drawn_by_the_rng():
    model, vocab = trained_bigram()
    starts = {generate(model, vocab, "", 4, temperature=0.5, rng=np.random.default_rng(s))[0] for s in range(30)}
    assert starts == set("abc")
    out = generate(model, vocab, "", 7, temperature=0.5, rng=np.random.default_rng(0))
    assert len(out) == 7 and out in "abcabcabcabc"


def test_top_k_one_is_greedy():
    model = build_model("mlp", vocab_size=6, context=8, seed=2, dtype=np.float64)
    vocab = charlm.Vocab(list("abcdef"))
    out = generate(model, vocab, "abc", 10, top_k=1, rng=np.random.default_rng(0))
    text = "abc"
    for _ in range(10):
        text += next_char_probs(model, vocab, text)[0][0]
    assert out == text[3:]


def test_samples_follow_softmax_of_logits_over_temperature():
    model = build_model("bigram", vocab_size=2, context=4, dtype=np.float64)
    model.table.data[:] = np.log([[0.7, 0.3], [0.7, 0.3]])  # whatever came before: 'a' 70%, 'b' 30%
    vocab = charlm.Vocab(list("ab"))
    for temperature, p_a in ((1.0, 0.7), (0.5, 0.49 / (0.49 + 0.09)), (2.0, 0.7 ** 0.5 / (0.7 ** 0.5 + 0.3 ** 0.5))):
        out = generate(model, vocab, "a", 4000, temperature=temperature, rng=np.random.default_rng(0))
        assert out.count("a") / 4000 == pytest.approx(p_a, abs=0.025), temperature


def test_next_char_probs_is_a_float64_softmax_over_the_whole_vocabulary():
    model = build_model("transformer", vocab_size=5, context=6, seed=0, n_layer=1, n_head=2, n_embd=8)
    vocab = charlm.Vocab(list("abcde"))
    probs = next_char_probs(model, vocab, "abcab")
    assert [c for c, _ in probs] != [] and sorted(c for c, _ in probs) == list("abcde")
    values = [p for _, p in probs]
    assert values == sorted(values, reverse=True) and sum(values) == pytest.approx(1.0, abs=1e-12)
    logits = model(vocab.encode("abcab")[None, :]).data[0, -1].astype(np.float64)
    expected = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    assert dict(probs) == pytest.approx(dict(zip("abcde", expected)), rel=1e-12)
    assert next_char_probs(model, vocab, "abcab", top=2) == probs[:2]


def test_bad_requests_are_clear_value_errors():
    model, vocab = trained_bigram()
    with pytest.raises(ValueError, match="'x'.*'z'.*not in the model's alphabet"):
        generate(model, vocab, "xaz", 5)
    with pytest.raises(ValueError, match="'x'"):
        next_char_probs(model, vocab, "ax")
    for t in (0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="temperature must be a positive number"):
            generate(model, vocab, "a", 5, temperature=t)
    with pytest.raises(ValueError, match="top_k"):
        generate(model, vocab, "a", 5, top_k=0)
    with pytest.raises(ValueError, match="length"):
        generate(model, vocab, "a", -1)
    with pytest.raises(ValueError, match="prompt is empty"):
        next_char_probs(model, vocab, "")
