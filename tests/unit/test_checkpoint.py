"""Model checkpoints as bytes: an .npz of plain arrays and JSON metadata, readable without pickle."""

import io
import time

import numpy as np
import pytest

# charlm before numpy: when charlm is the one to load numpy, it asks for one BLAS thread (see its __init__)
import charlm
import crafted
from charlm import Vocab, build_model, load_bytes, save_bytes

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


# ----- files made to be refused: each with one plain sentence, quickly, before anything big is unpacked -----

def refused(data, loader):
    """The message `loader` refuses `data` with, after checking it is plain: no class names, no numpy internals."""
    start = time.perf_counter()
    with pytest.raises(ValueError) as e:
        loader(data)
    seconds = time.perf_counter() - start
    message = str(e.value)
    for internal in ("Error", "Exception", "arr.size", "dtype", "itemsize", "pickle", "Traceback", "\n"):
        assert internal not in message, message
    return message, seconds


LOADERS = [charlm.Trainer.from_bytes, load_bytes]


@pytest.mark.parametrize("loader", LOADERS)
def test_a_zip_bomb_is_refused_from_its_declared_sizes_without_inflating_it(loader):
    data = crafted.bomb()
    assert len(data) < 2 << 20  # about 1 MB on disk, 1 GB unpacked
    message, seconds = refused(data, loader)
    assert "1,073,7" in message and "more than its settings need" in message
    assert seconds < 0.5, seconds  # not a speed test: inflating 1 GB takes several seconds, this proves it did not


@pytest.mark.parametrize("changes, expected", [
    ({"step": -5}, "the step must be a whole number from 0 to 1,000,000, got -5"),
    ({"lr": float("inf")}, "the learning rate must be a positive number"),
])
def test_a_session_with_settings_beyond_the_limits_is_refused(changes, expected):
    message, _ = refused(crafted.session(**changes), charlm.Trainer.from_bytes)
    assert expected in message


@pytest.mark.parametrize("key, value, expected", [
    ("batch_size", 10 ** 9, "batch size must be a whole number from 1 to 256, got 1000000000"),
    ("context", 10 ** 9, "context must be a whole number from 2 to 256"),
    ("seed", -1, "seed must be a whole number from 0 to 2,147,483,647"),
    ("model", "rnn", "unknown model 'rnn'"),
])
def test_a_session_config_beyond_the_limits_is_refused(key, value, expected):
    def edit(meta):
        meta["trainer"]["config"][key] = value
        return meta
    message, _ = refused(crafted.rewrite(crafted.session(), edit), charlm.Trainer.from_bytes)
    assert expected in message


@pytest.mark.parametrize("loader", LOADERS)
def test_huge_model_sizes_are_refused_before_building_anything(loader):
    def edit(meta):
        meta["model"]["name"] = "mlp"
        meta["model"]["sizes"] = {"n_chars": 32, "n_embd": 512, "n_hidden": 4096}
        meta["trainer"]["config"].update(model="mlp", preset="small", sizes=meta["model"]["sizes"])
        return meta
    message, seconds = refused(crafted.rewrite(crafted.session(), edit), loader)
    count = charlm.build_model("mlp", 11, 8, n_chars=2, n_embd=3, n_hidden=4).num_parameters()  # the formula's check
    assert count == charlm.models.count_parameters("mlp", 11, 8, {"n_chars": 2, "n_embd": 3, "n_hidden": 4})
    huge = charlm.models.count_parameters("mlp", 11, 8, {"n_chars": 32, "n_embd": 512, "n_hidden": 4096})
    assert f"a model of {huge:,} weights; charlm loads at most 5,000,000" in message and seconds < 0.5


@pytest.mark.parametrize("loader", LOADERS)
def test_damaged_files_are_refused_in_plain_words(loader):
    good = crafted.session()
    parts = crafted.members(good)
    not_utf8 = dict(parts, **{"meta.npy": crafted.npy(np.frombuffer(b'{"format": "charlm\xff"}', dtype=np.uint8))})
    huge = parts["param/table.npy"].replace(b"(11, 11)", b"(10000000000000, 11)")
    huge_header = dict(parts, **{"param/table.npy": huge})
    pickled = dict(parts, **{"param/table.npy": crafted.npy(np.zeros(3)).replace(b"'<f8'", b"'|O'")})
    cases = [
        (crafted.build(not_utf8), "its metadata is not UTF-8 text"),
        (good[: len(good) // 2], "damaged or cut short"),
        (b"GIF89a" + good, "not an .npz archive"),
        (crafted.build(huge_header), "is not a plain array of numbers"),  # numpy would say "Array is too big"
        (crafted.build(pickled), "is not a plain array of numbers"),
    ]
    for data, expected in cases:
        message, seconds = refused(data, loader)
        assert expected in message and seconds < 0.5, (expected, message)


def test_an_array_header_that_does_not_match_its_bytes_is_refused():
    parts = crafted.members(crafted.session())
    parts["param/table.npy"] = parts["param/table.npy"].replace(b"(11, 11)", b"(11, 12)")
    message, _ = refused(crafted.build(parts), load_bytes)
    assert "'param/table' is not a plain array of numbers" in message


@pytest.mark.parametrize("loader", LOADERS)
def test_weights_of_the_wrong_shape_are_refused_naming_them(loader):
    parts = crafted.members(crafted.session())
    parts["param/table.npy"] = crafted.npy(np.zeros((11, 10), dtype=np.float32))
    message, _ = refused(crafted.build(parts), loader)
    assert "'table' has shape (11, 10) in the checkpoint but (11, 11) in the model" in message


def test_a_crafted_session_that_is_sound_still_loads():
    t = charlm.Trainer.from_bytes(crafted.build(crafted.members(crafted.session())))
    assert t.step == 2 and len(t.losses) == 2
