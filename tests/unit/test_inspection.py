"""charlm.inspection: per-character surprise, attention, the character map, copied runs, snapshots and the
staged training step, each checked against the plain computation it claims to equal."""

import numpy as np
import pytest

import charlm
import charlm.texts
from charlm.evaluation import eval_windows
from charlm.inspection import (
    CopyFinder,
    Snapshots,
    attention_maps,
    char_surprises,
    copy_model,
    embedding_table,
    next_snapshot_step,
    pca_2d,
    snapshot_steps,
    staged_step,
)

TEXT = charlm.texts.load("fables")


@pytest.mark.parametrize("model", ["bigram", "mlp", "transformer"])
def test_mean_surprise_is_the_validation_loss(model):
    t = charlm.Trainer(TEXT, model=model, seed=3, eval_every=5)
    t.run(5)
    got = char_surprises(t.model, t.data, shown_windows=3)
    assert got["mean"] == pytest.approx(t.val_losses[-1][1], rel=1e-5)
    assert t.val_losses[-1][0] == 5
    assert got["count"] == len(eval_windows(len(t.data.val), t.data.context)) * t.data.context


def test_each_surprise_is_cross_entropy_of_that_window():
    t = charlm.Trainer(TEXT, model="mlp", seed=1, eval_every=0)
    t.run(3)
    got = char_surprises(t.model, t.data, shown_windows=2)
    T = t.data.context
    for w in got["windows"]:
        s = w["start"]
        inputs, targets = t.data.val[s:s + T], t.data.val[s + 1:s + T + 1]
        assert "".join(w["chars"]) == t.data.vocab.decode(targets)
        assert w["context"] == t.data.vocab.chars[t.data.val[s]]
        for i in (0, T // 2, T - 1):  # the loss of one prediction alone is that character's surprise
            one = charlm.cross_entropy(t.model(inputs[None, :i + 1])[:, i:i + 1], targets[None, i:i + 1]).item()
            assert w["surprise"][i] == pytest.approx(one, rel=1e-4)
            probs = [p for _, p in w["top"][i]]
            assert probs == sorted(probs, reverse=True) and len(probs) == 5
            actual = np.exp(-w["surprise"][i])
            assert actual <= probs[0] + 1e-9
    assert got["shown_mean"] == pytest.approx(np.mean([s for w in got["windows"] for s in w["surprise"]]))


def test_attention_rows_sum_to_one_and_respect_the_causal_mask():
    t = charlm.Trainer(TEXT, model="transformer", seed=0, eval_every=0)
    t.run(2)
    ids = t.data.vocab.encode("The fox and the crow")
    att = attention_maps(t.model, ids)
    L, H = t.model.config["sizes"]["n_layer"], t.model.config["sizes"]["n_head"]
    assert att.shape == (L, H, len(ids), len(ids))
    assert np.allclose(att.sum(axis=-1), 1, atol=1e-5)
    assert np.all(att[..., np.triu_indices(len(ids), k=1)[0], np.triu_indices(len(ids), k=1)[1]] < 1e-12)
    assert np.all(att >= 0)
    # Keeping the probabilities is switched off again and changes nothing about the model.
    assert "attention" not in vars(t.model.blocks[0].attn) and not t.model.blocks[0].attn.keep_attention
    assert attention_maps(charlm.build_model("mlp", 10, 8), [1, 2, 3]) is None
    assert attention_maps(charlm.build_model("bigram", 10, 8), [1, 2, 3]) is None


def test_attention_first_row_is_all_on_itself():
    model = charlm.build_model("transformer", 12, 8, seed=2)
    att = attention_maps(model, [3, 1, 4, 1, 5])
    assert np.allclose(att[:, :, 0, 0], 1)


def test_pca_on_a_known_matrix():
    rng = np.random.default_rng(0)
    # points on a line along (1, 1, 0) with a little spread along (0, 0, 1): the first axis must be the line
    along = rng.normal(size=50)
    along -= along.mean()
    across = rng.normal(size=50)
    across -= across.mean()
    across -= along * (along @ across) / (along @ along)  # uncorrelated exactly, so the axes are exactly these
    along, across = along * 10, across * 0.5
    m = np.outer(along, [1, 1, 0]) / np.sqrt(2) + np.outer(across, [0, 0, 1]) + [5, -2, 7]
    points, explained = pca_2d(m)
    centred = along - along.mean()
    assert np.allclose(np.abs(points[:, 0]), np.abs(centred), atol=1e-9)
    assert np.allclose(np.abs(points[:, 1]), np.abs(across - across.mean()), atol=1e-9)
    var = np.array([np.sum(centred ** 2), np.sum((across - across.mean()) ** 2)])
    assert np.allclose(explained, var / var.sum(), atol=1e-9)
    # The sign is fixed by the largest loading, so a flipped input gives the same picture.
    assert np.allclose(pca_2d(m)[0], pca_2d(m.copy())[0])


def test_embedding_table_of_each_model():
    mlp = charlm.build_model("mlp", 10, 8)
    assert embedding_table(mlp).shape == (10, mlp.config["sizes"]["n_embd"])  # without the padding row
    tr = charlm.build_model("transformer", 10, 8)
    assert embedding_table(tr) is tr.wte.data
    assert embedding_table(charlm.build_model("bigram", 10, 8)) is None


def brute_force_runs(sample, text, n):
    covered = [False] * len(sample)
    for i in range(len(sample)):
        for j in range(i + n, len(sample) + 1):
            if sample[i:j] in text:
                for k in range(i, j):
                    covered[k] = True
    runs, start = [], None
    for i, c in enumerate(covered + [False]):
        if c and start is None:
            start = i
        if not c and start is not None:
            runs.append((start, i))
            start = None
    return runs


def test_copy_finder_exact_runs_and_boundaries():
    text = "the quick brown fox jumps over the lazy dog"
    f = CopyFinder(text, n=10)
    assert f.runs("xx" + "quick brown fox" + "yy") == [(2, 17)]
    assert f.runs("quick brow") == [(0, 10)]           # exactly n characters: a run
    assert f.runs("quick bro") == []                   # n - 1: not a run
    assert f.runs("the quick brown fox jumps over the lazy dog") == [(0, 43)]
    assert f.copied_fraction("quick brownZZZZZZZZZZ") == pytest.approx(11 / 21)
    assert f.runs("") == [] and f.copied_fraction("") == 0.0
    # two copied pieces that do not occur together are two runs only when something not copied separates them
    assert f.runs("quick brown!lazy dog x") == [(0, 11)]
    assert f.runs("quick brown fox jumps|over the lazy dog") == [(0, 21), (22, 39)]


def test_copy_finder_matches_brute_force_on_random_samples():
    rng = np.random.default_rng(5)
    text = TEXT[:3000]
    f = CopyFinder(text, n=10)
    for _ in range(20):
        pieces = []
        for _ in range(4):
            s = int(rng.integers(0, len(text) - 30))
            pieces.append(text[s:s + int(rng.integers(3, 30))])
            pieces.append("".join(rng.choice(list("xyzq#"), size=int(rng.integers(0, 4)))))
        sample = "".join(pieces)
        assert f.runs(sample) == brute_force_runs(sample, text, 10), sample


def test_copy_finder_unicode():
    text = "café crème brûlée — naïve señor 🙂 emoji stay whole"
    f = CopyFinder(text, n=10)
    assert f.runs("»café crème«") == [(1, 11)]
    assert f.runs("señor 🙂 emo") == [(0, 11)]  # one code point, one character
    assert f.runs("ñaïve seño") == []
    assert brute_force_runs("x naïve señor 🙂!", text, 10) == f.runs("x naïve señor 🙂!")


def test_snapshot_schedule():
    assert snapshot_steps(1000) == [0, 10, 30, 100, 300, 1000]
    assert snapshot_steps(9) == [0]
    assert snapshot_steps(30) == [0, 10, 30]
    assert [next_snapshot_step(s) for s in (0, 9, 10, 29, 30, 299, 300, 5000)] == [10, 10, 30, 30, 100, 300, 1000,
                                                                                 10000]


def test_snapshots_keep_weights_at_scheduled_steps_with_bounded_memory():
    t = charlm.Trainer(TEXT, model="mlp", seed=0, eval_every=0)
    snaps = Snapshots(limit=3)
    assert snaps.offer(0, t.model)
    w0 = t.model.state_dict()
    t.run(10)
    assert not snaps.offer(5, t.model)       # not a scheduled step
    assert snaps.offer(10, t.model)
    assert not snaps.offer(10, t.model)      # already kept
    one = sum(a.nbytes for a in w0.values())
    for step in (30, 100, 300):
        snaps.offer(step, t.model)
    assert snaps.steps() == [0, 100, 300]    # full: the oldest after step 0 goes
    assert snaps.nbytes() == 3 * one         # the bound: limit x the model's weights
    old = snaps.model_at(0, t.model)
    for name, p in old.named_parameters():
        assert np.array_equal(p.data, w0[name])
    assert not np.array_equal(old.parameters()[0].data, t.model.parameters()[0].data)
    snaps.forget_after(100)
    assert snaps.steps() == [0, 100]
    with pytest.raises(ValueError, match="no snapshot"):
        snaps.model_at(30, t.model)


def test_copy_model_is_independent():
    t = charlm.Trainer(TEXT, model="transformer", seed=0, eval_every=0)
    clone = copy_model(t.model)
    x = t.data.train[None, :16]
    assert np.array_equal(clone(x).data, t.model(x).data)
    t.run(1)
    assert not np.array_equal(clone(x).data, t.model(x).data)


@pytest.mark.parametrize("model", ["bigram", "mlp", "transformer"])
def test_staged_step_is_a_normal_trainer_step(model):
    a = charlm.Trainer(TEXT, model=model, seed=4, eval_every=2)
    b = charlm.Trainer(TEXT, model=model, seed=4, eval_every=2)
    a.run(1)
    b.run(1)
    got = staged_step(a, window=2)
    b.run(1)
    assert a.step == b.step == 2 and got["step"] == 2
    assert a.losses == b.losses
    assert a.val_losses == b.val_losses and a.val_losses[-1][0] == 2
    assert a.rng.bit_generator.state == b.rng.bit_generator.state
    for (name, p), q in zip(a.model.named_parameters(), b.model.parameters()):
        assert np.array_equal(p.data, q.data), name
    assert got["loss"]["loss"] == a.losses[-1]
    assert got["loss"]["recomputed"] == pytest.approx(a.losses[-1], rel=1e-6)
    assert got["update"]["loss_before"] == pytest.approx(a.losses[-1], rel=1e-6)
    assert got["update"]["loss_after"] < got["update"]["loss_before"]
    # and the step after it is the same too
    a.run(3)
    b.run(3)
    assert a.losses == b.losses


def test_staged_step_reports_what_each_line_did():
    t = charlm.Trainer(TEXT, model="transformer", seed=0, eval_every=0)
    rng = np.random.default_rng()
    rng.bit_generator.state = t.rng.bit_generator.state
    inputs, targets = t.data.batch(t.config["batch_size"], "train", rng)
    before = t.model.state_dict()
    got = staged_step(t, window=1)
    T = t.config["context"]
    f = got["forward"]
    assert "".join(f["inputs"]) == t.data.vocab.decode(inputs[1])
    assert "".join(f["targets"]) == t.data.vocab.decode(targets[1])
    assert len(f["guesses"]) == T and all(0 < p <= 1 for p in f["guess_probs"])
    assert got["loss"]["window_mean"] == pytest.approx(np.mean(got["loss"]["surprise"]))
    g = got["backward"]
    assert set(g["grad_norms"]) == {"wte", "wpe", "blocks.0", "blocks.1", "ln_f", "lm_head"}
    assert g["total"] == pytest.approx(np.sqrt(sum(v * v for v in g["grad_norms"].values())))
    after = t.model.state_dict()
    moved = np.sqrt(sum(np.sum((after[n].astype(np.float64) - before[n]) ** 2) for n in before if n == "wte"))
    assert got["update"]["moved"]["wte"] == pytest.approx(moved)


def test_surprise_of_the_shown_windows_alone_is_the_same():
    t = charlm.Trainer(TEXT, model="transformer", seed=2, eval_every=0)
    t.run(2)
    full = char_surprises(t.model, t.data, shown_windows=4)
    part = char_surprises(t.model, t.data, shown_windows=4, full=False)
    assert part["mean"] is None and full["mean"] is not None
    assert part["windows"] == full["windows"] and part["shown_mean"] == full["shown_mean"]
