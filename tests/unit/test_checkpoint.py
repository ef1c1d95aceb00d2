"""Model checkpoints as bytes: an .npz of plain arrays and JSON metadata, readable without pickle."""

import io

import numpy as np
import pytest

# charlm before numpy: when charlm is the one to load numpy, it asks for one BLAS thread (see its __init__)
import charlm
from charlm import Vocab, build_model, load_bytes, load_weights, save_bytes

VOCAB = Vocab(list(" abcdé"))


def test_save_and_load_round_trip_every_model():
    inputs = np.array([[1, 2, 3, 0], [5, 4, 3, 2]])
    for name, sizes in (("bigram", {}), ("mlp", {"n_chars": 2, "n_embd": 3, "n_hidden": 5}),
                        ("transformer", {"n_layer": 1, "n_head": 2, "n_embd": 8})):
        model = build_model(name, vocab_size=len(VOCAB), context=4, seed=7, **sizes)
        data = save_bytes(model, VOCAB, meta={"step": 12, "note": "héllo"})
        assert isinstance(data, bytes)
        loaded, vocab, meta = load_bytes(data)
        assert vocab == VOCAB and meta == {"step": 12, "note": "héllo"}
        assert loaded.config == model.config and type(loaded) is type(model)
        np.testing.assert_array_equal(loaded(inputs).data, model(inputs).data)


def test_the_file_is_a_plain_npz_without_pickled_objects():
    model = build_model("bigram", vocab_size=len(VOCAB), context=4)
    with np.load(io.BytesIO(save_bytes(model, VOCAB)), allow_pickle=False) as archive:
        assert "meta" in archive.files and "param/table" in archive.files
        assert all(archive[name].dtype != object for name in archive.files)


def test_a_trainer_checkpoint_is_also_a_model_checkpoint():
    text = "abcd é " * 100
    trainer = charlm.Trainer(text, model="mlp", batch_size=4, context=8)
    trainer.run(2)
    model, vocab, _ = load_bytes(trainer.to_bytes())
    assert vocab == trainer.data.vocab
    inputs = vocab.encode("abcd")[None, :]
    np.testing.assert_array_equal(model(inputs).data, trainer.model(inputs).data)


def test_loading_into_an_existing_model_checks_vocabulary_and_shape():
    source = build_model("mlp", vocab_size=len(VOCAB), context=4, seed=1, n_hidden=8)
    data = save_bytes(source, VOCAB)
    target = build_model("mlp", vocab_size=len(VOCAB), context=4, seed=2, n_hidden=8)
    load_weights(target, VOCAB, data)
    np.testing.assert_array_equal(target.hidden.weight.data, source.hidden.weight.data)

    other_vocab = Vocab(list(" abcdx"))
    with pytest.raises(ValueError, match=r"different alphabet.*lacks 'x' and adds 'é'"):
        load_weights(build_model("mlp", vocab_size=6, context=4, n_hidden=8), other_vocab, data)
    wider = build_model("mlp", vocab_size=len(VOCAB), context=4, n_hidden=16)
    with pytest.raises(ValueError, match=r"'hidden.weight' has shape \(48, 8\) in the checkpoint but \(48, 16\)"):
        load_weights(wider, VOCAB, data)
    transformer = build_model("transformer", vocab_size=len(VOCAB), context=4, n_layer=1, n_head=2, n_embd=8)
    with pytest.raises(ValueError, match="missing keys"):
        load_weights(transformer, VOCAB, data)


def test_not_a_checkpoint_is_a_clear_value_error():
    for junk in (b"", b"hello", b"PK\x03\x04garbage"):
        with pytest.raises(ValueError, match="not a charlm checkpoint"):
            load_bytes(junk)
    buffer = io.BytesIO()
    np.savez(buffer, weights=np.zeros(3))  # an npz, but not ours
    with pytest.raises(ValueError, match="not a charlm checkpoint"):
        load_bytes(buffer.getvalue())
    with pytest.raises(ValueError, match="checkpoint is bytes"):
        load_bytes("a string")
