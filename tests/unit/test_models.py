"""The three models: one interface, exact gradients end to end, presets, state dicts, clear errors."""

# charlm before numpy: when charlm is the one to load numpy, it asks for one BLAS thread (see its __init__)
import numpy as np
import pytest

import charlm
from charlm import build_model, cross_entropy

TINY = {"bigram": {}, "mlp": {"n_chars": 3, "n_embd": 4, "n_hidden": 6},
        "transformer": {"n_layer": 2, "n_head": 2, "n_embd": 8}}
V, T = 7, 5


def batch(seed=0, B=2, length=T):
    rng = np.random.default_rng(seed)
    return rng.integers(0, V, size=(B, length)), rng.integers(0, V, size=(B, length))


@pytest.mark.parametrize("name", charlm.MODELS)
def test_whole_model_gradients_match_finite_differences(name):
    model = build_model(name, vocab_size=V, context=T, seed=1, dtype=np.float64, **TINY[name])
    inputs, targets = batch()

    def loss():
        return cross_entropy(model(inputs), targets)

    loss().backward()
    rng = np.random.default_rng(2)
    eps = 1e-6
    for pname, p in model.named_parameters():
        flat = p.data.reshape(-1)
        for i in rng.choice(flat.size, size=min(flat.size, 12), replace=False):  # a sample of each weight
            old = flat[i]
            flat[i] = old + eps
            plus = loss().item()
            flat[i] = old - eps
            minus = loss().item()
            flat[i] = old
            numeric = (plus - minus) / (2 * eps)
            assert p.grad.reshape(-1)[i] == pytest.approx(numeric, rel=1e-5, abs=1e-8), f"{pname}[{i}]"


@pytest.mark.parametrize("name", charlm.MODELS)
def test_every_model_maps_ids_to_logits_for_any_length_up_to_the_context(name):
    model = build_model(name, vocab_size=V, context=T, seed=0, **TINY[name])
    for length in (1, 3, T):
        inputs, _ = batch(length=length, B=3)
        logits = model(inputs)
        assert logits.shape == (3, length, V) and logits.dtype == np.float32


@pytest.mark.parametrize("name", charlm.MODELS)
def test_predictions_never_depend_on_later_characters(name):
    model = build_model(name, vocab_size=V, context=T, seed=0, dtype=np.float64, **TINY[name])
    inputs, _ = batch(B=1)
    changed = inputs.copy()
    changed[0, 3:] = (changed[0, 3:] + 1) % V
    np.testing.assert_allclose(model(inputs).data[0, :3], model(changed).data[0, :3], rtol=1e-12)
    assert not np.allclose(model(inputs).data[0, 3], model(changed).data[0, 3])


def test_a_short_input_gets_the_same_predictions_as_the_start_of_a_long_one():
    for name in charlm.MODELS:
        model = build_model(name, vocab_size=V, context=T, seed=0, dtype=np.float64, **TINY[name])
        inputs, _ = batch(B=2)
        np.testing.assert_allclose(model(inputs[:, :2]).data, model(inputs).data[:, :2], rtol=1e-12)


def test_mlp_sees_exactly_its_last_n_chars():
    model = build_model("mlp", vocab_size=V, context=8, seed=0, dtype=np.float64, n_chars=2, n_embd=3, n_hidden=5)
    a = np.array([[1, 2, 3, 4, 5, 6]])
    b = np.array([[0, 0, 3, 4, 5, 6]])  # differs only more than 2 characters before the last position
    np.testing.assert_allclose(model(a).data[0, -1], model(b).data[0, -1], rtol=1e-12)
    assert not np.allclose(model(a).data[0, 2], model(b).data[0, 2])


def test_a_fresh_model_predicts_nearly_uniformly():
    for name in charlm.MODELS:
        model = build_model(name, vocab_size=V, context=T, seed=0, **TINY[name])
        inputs, targets = batch()
        assert cross_entropy(model(inputs), targets).item() == pytest.approx(np.log(V), abs=0.1), name


def test_same_seed_same_weights_other_seed_other_weights():
    a = build_model("transformer", vocab_size=V, context=T, seed=3, **TINY["transformer"])
    b = build_model("transformer", vocab_size=V, context=T, seed=3, **TINY["transformer"])
    c = build_model("transformer", vocab_size=V, context=T, seed=4, **TINY["transformer"])
    for (na, pa), (nb, pb), (_, _pc) in zip(a.named_parameters(), b.named_parameters(), c.named_parameters()):
        assert na == nb
        np.testing.assert_array_equal(pa.data, pb.data)
    assert not np.array_equal(a.wte.data, c.wte.data)


def test_transformer_init_follows_nanogpt():
    model = build_model("transformer", vocab_size=50, context=64, seed=0, n_layer=4, n_head=4, n_embd=64)
    assert model.wte.data.std() == pytest.approx(0.02, rel=0.05)
    assert model.blocks[0].attn.c_attn.weight.data.std() == pytest.approx(0.02, rel=0.05)
    assert model.blocks[0].mlp.c_proj.weight.data.std() == pytest.approx(0.02 / np.sqrt(8), rel=0.05)
    assert model.blocks[0].attn.c_proj.weight.data.std() == pytest.approx(0.02 / np.sqrt(8), rel=0.05)


def test_presets_defaults_and_parameter_counts():
    assert set(charlm.PRESETS) == set(charlm.MODELS) == set(charlm.DEFAULTS)
    assert set(charlm.PRESETS["mlp"]) == set(charlm.PRESETS["transformer"]) == {"small", "medium", "large"}
    for name, defaults in charlm.DEFAULTS.items():
        assert defaults["preset"] in charlm.PRESETS[name]
        sizes = [build_model(name, 40, defaults["context"], preset=p).num_parameters() for p in charlm.PRESETS[name]]
        assert sizes == sorted(sizes)  # small <= medium <= large
    bigram = build_model("bigram", vocab_size=V, context=T)
    assert bigram.num_parameters() == V * V
    transformer = build_model("transformer", vocab_size=V, context=T, n_layer=1, n_head=2, n_embd=8)
    C = 8
    expected = V * C + T * C + (2 * C + C * 3 * C + 3 * C + C * C + C + 2 * C + C * 4 * C + 4 * C + 4 * C * C + C) \
        + 2 * C + C * V
    assert transformer.num_parameters() == expected


def test_sizes_override_the_preset():
    model = build_model("transformer", vocab_size=V, context=T, preset="small", n_layer=1)
    assert len(model.blocks) == 1
    assert model.config["sizes"]["n_embd"] == charlm.PRESETS["transformer"]["small"]["n_embd"]


def test_state_dict_round_trip_and_clear_mismatch_errors():
    a = build_model("mlp", vocab_size=V, context=T, seed=0, **TINY["mlp"])
    b = build_model("mlp", vocab_size=V, context=T, seed=9, **TINY["mlp"])
    b.load_state_dict(a.state_dict())
    inputs, _ = batch()
    np.testing.assert_array_equal(a(inputs).data, b(inputs).data)

    wider = build_model("mlp", vocab_size=V, context=T, n_chars=3, n_embd=4, n_hidden=9)
    with pytest.raises(ValueError, match=r"hidden.weight.*\(12, 6\).*\(12, 9\)"):
        wider.load_state_dict(a.state_dict())
    state = a.state_dict()
    del state["output.bias"]
    with pytest.raises(ValueError, match="missing keys.*output.bias"):
        b.load_state_dict(state)
    with pytest.raises(ValueError, match="unexpected keys.*extra"):
        b.load_state_dict({**a.state_dict(), "extra": np.zeros(1)})


def test_bad_model_requests_are_clear_value_errors():
    with pytest.raises(ValueError, match="unknown model 'gpt'.*bigram, mlp, transformer"):
        build_model("gpt", vocab_size=V, context=T)
    with pytest.raises(ValueError, match="no preset 'huge'.*small, medium, large"):
        build_model("transformer", vocab_size=V, context=T, preset="huge")
    with pytest.raises(ValueError, match="no size n_layer"):
        build_model("mlp", vocab_size=V, context=T, n_layer=2)
    with pytest.raises(ValueError, match="multiple of n_head"):
        build_model("transformer", vocab_size=V, context=T, n_head=3, n_embd=8)
    with pytest.raises(ValueError, match="context must be a positive"):
        build_model("bigram", vocab_size=V, context=0)
    with pytest.raises(ValueError, match="n_layer must be a positive"):
        build_model("transformer", vocab_size=V, context=T, n_layer=0)


def test_bad_inputs_are_clear_value_errors():
    model = build_model("transformer", vocab_size=V, context=T, **TINY["transformer"])
    with pytest.raises(ValueError, match="context window is 5"):
        model(np.zeros((1, T + 1), dtype=int))
    with pytest.raises(ValueError, match=r"ids must be in 0\.\.6"):
        model(np.full((1, 2), V))
    with pytest.raises(ValueError, match="shape \\(batch, time\\)"):
        model(np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match="integer character ids"):
        model(np.zeros((1, 3)))


def test_the_parameter_count_formula_matches_the_built_models():
    for name, presets in charlm.PRESETS.items():
        for preset, sizes in presets.items():
            for V, T in ((5, 2), (37, 32), (80, 256)):
                model = charlm.build_model(name, V, T, preset=preset)
                assert charlm.models.count_parameters(name, V, T, sizes) == model.num_parameters(), (name, preset)
