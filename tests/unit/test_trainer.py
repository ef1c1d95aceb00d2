"""The Trainer: losses depend only on the config (chunks, restarts and the plain loop agree bit for bit), the models
learn, divergence is caught and undone, and evaluation never disturbs training."""

import re

import numpy as np
import pytest

# charlm before numpy: when charlm is the one to load numpy, it asks for one BLAS thread (see its __init__)
import charlm
import charlm.texts
from charlm import Trainer, TrainingDiverged, divergence

FABLES = charlm.texts.load("fables")
SHORT = FABLES[:3000]
FAST = {"transformer": dict(n_layer=1, n_embd=16, batch_size=8, context=16),
        "mlp": dict(batch_size=8, context=16), "bigram": dict(batch_size=8, context=16)}


@pytest.mark.parametrize("model", charlm.MODELS)
def test_chunked_runs_give_bit_identical_losses(model):
    whole = Trainer(SHORT, model=model, seed=3, eval_every=4, **FAST[model])
    whole.run(10)
    parts = Trainer(SHORT, model=model, seed=3, eval_every=4, **FAST[model])
    parts.run(3)
    parts.run(0)
    parts.run(7)
    assert parts.losses == whole.losses and len(whole.losses) == 10
    assert parts.val_losses == whole.val_losses and [s for s, _ in whole.val_losses] == [0, 4, 8]
    timed = Trainer(SHORT, model=model, seed=3, eval_every=4, **FAST[model])
    while timed.step < 10:
        timed.run_for(0.0, max_steps=10 - timed.step)  # a zero time box still does one step
    assert timed.losses == whole.losses and timed.val_losses == whole.val_losses
    for p, q in zip(whole.model.parameters(), timed.model.parameters()):
        np.testing.assert_array_equal(p.data, q.data)


def test_step_zero_validation_loss_waits_for_first_need_and_measures_step_zero_weights(monkeypatch):
    calls = []
    real = charlm.trainer.evaluate
    monkeypatch.setattr(charlm.trainer, "evaluate", lambda *a, **k: calls.append(1) or real(*a, **k))
    read = Trainer(SHORT, model="transformer", seed=3, eval_every=4, **FAST["transformer"])
    assert calls == [] and read.start_loss_pending  # building measures nothing
    start = read.evaluate()                             # step 0's weights, measured by hand
    assert read.val_losses == [(0, start)] and not read.start_loss_pending and len(calls) == 2
    trained = Trainer(SHORT, model="transformer", seed=3, eval_every=4, **FAST["transformer"])
    trained.run(5)                                      # never read before training: the first step measures it
    read.run(5)
    assert trained.val_losses == read.val_losses and trained.val_losses[0] == (0, start)
    assert trained.losses == read.losses
    off = Trainer(SHORT, model="transformer", seed=3, eval_every=0, **FAST["transformer"])
    assert not off.start_loss_pending and off.val_losses == []


def test_the_plain_training_loop_reproduces_the_trainer_exactly():
    trainer = Trainer(SHORT, model="transformer", seed=5, lr=3e-3, batch_size=4, context=16, n_layer=1, n_embd=16)
    trainer.run(6)

    data = charlm.Corpus(SHORT, context=16)
    model = charlm.build_model("transformer", vocab_size=len(data.vocab), context=16, seed=5, n_layer=1, n_embd=16)
    opt = charlm.Adam(model.parameters(), lr=3e-3)
    rng = np.random.default_rng(5)
    losses = []
    for _ in range(6):
        inputs, targets = data.batch(4, "train", rng)
        logits = model(inputs)
        loss = charlm.cross_entropy(logits, targets)
        opt.zero_grad()
        loss.backward()
        charlm.clip_grad_norm(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
    assert losses == trainer.losses


def test_the_four_line_loop_of_the_lesson_reproduces_the_trainer_exactly():
    trainer = Trainer(SHORT, model="mlp", seed=6, batch_size=4, context=16)
    trainer.run(6)
    data = charlm.Corpus(SHORT, context=16)
    model = charlm.build_model("mlp", vocab_size=len(data.vocab), context=16, seed=6)
    optimizer = charlm.Adam(model.parameters(), lr=charlm.DEFAULTS["mlp"]["lr"], grad_clip=1.0)
    rng = np.random.default_rng(6)
    losses = []
    for _ in range(6):
        inputs, targets = data.batch(4, "train", rng)
        logits = model(inputs)
        loss = charlm.cross_entropy(logits, targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses == trainer.losses


def test_same_seed_same_losses_other_seed_other_losses():
    a = Trainer(SHORT, model="mlp", seed=1, **FAST["mlp"])
    b = Trainer(SHORT, model="mlp", seed=1, **FAST["mlp"])
    c = Trainer(SHORT, model="mlp", seed=2, **FAST["mlp"])
    assert a.run(5) == b.run(5) != c.run(5)


def test_to_bytes_and_back_resumes_exactly():
    original = Trainer(SHORT, model="transformer", seed=2, eval_every=3, **FAST["transformer"])
    original.run(4)
    original.optimizer.lr = 2e-3  # a learning rate changed by the learner is part of the state
    restored = Trainer.from_bytes(original.to_bytes())
    assert restored.config == original.config and restored.step == 4
    assert restored.losses == original.losses and restored.val_losses == original.val_losses
    assert restored.data.text == SHORT and restored.optimizer.lr == 2e-3
    original.run(5)
    restored.run(5)
    assert restored.losses == original.losses and restored.val_losses == original.val_losses
    assert restored.epoch == original.epoch


def test_restored_trainer_keeps_any_unicode_text():
    text = ("naïve café — ☕ déjà vu. " * 30)
    t = Trainer(text, model="bigram", batch_size=4, context=8)
    t.run(2)
    assert Trainer.from_bytes(t.to_bytes()).data.text == text


def test_defaults_config_and_progress_counters():
    t = Trainer(SHORT, model="mlp")
    d = charlm.DEFAULTS["mlp"]
    assert t.config["lr"] == d["lr"] and t.config["batch_size"] == d["batch_size"]
    assert t.config["context"] == d["context"] and t.config["preset"] == d["preset"]
    assert t.config["sizes"] == charlm.PRESETS["mlp"][d["preset"]]
    assert t.tokens_per_step == d["batch_size"] * d["context"]
    assert t.val_losses[0][0] == 0 and t.step == 0 and t.epoch == 0
    t.run(3)
    assert t.step == 3 and len(t.losses) == 3
    assert t.epoch == pytest.approx(3 * t.tokens_per_step / len(t.data.train))
    rebuilt = Trainer(t.data.text, **{k: v for k, v in t.config.items() if k not in ("sizes", "version")},
                      **t.config["sizes"])
    assert rebuilt.run(3) == t.losses  # the config is everything needed to rebuild it


@pytest.mark.parametrize("model,steps", [("bigram", 200), ("mlp", 200), ("transformer", 150)])
def test_every_model_learns_english_well_below_chance(model, steps):
    sizes = {"batch_size": 16, "context": 32} if model == "transformer" else {}
    t = Trainer(FABLES, model=model, seed=0, eval_every=0, **sizes)
    t.run(steps)
    refs = charlm.reference_losses(FABLES)
    final = np.mean(t.losses[-20:])
    assert final < refs["uniform"] - 1.0          # well below ln V
    assert final < refs["unigram"]                # it uses the previous characters, not just letter frequencies
    assert t.evaluate("val") < refs["unigram"]    # and that carries over to text it never trained on


@pytest.mark.parametrize("model,sizes", [("transformer", {"n_layer": 2, "n_embd": 32}),
                                         ("mlp", {"n_chars": 8, "n_hidden": 64})])
def test_a_tiny_fixed_batch_can_be_overfitted(model, sizes):
    data = charlm.Corpus(SHORT, context=8)
    net = charlm.build_model(model, vocab_size=len(data.vocab), context=8, seed=0, **sizes)
    opt = charlm.Adam(net.parameters(), lr=1e-2)
    inputs, targets = data.batch(2, "train", np.random.default_rng(0))
    for _ in range(150):
        loss = charlm.cross_entropy(net(inputs), targets)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.05


def test_evaluation_is_deterministic_and_does_not_disturb_training():
    a = Trainer(SHORT, model="mlp", seed=4, eval_every=1, **FAST["mlp"])
    b = Trainer(SHORT, model="mlp", seed=4, eval_every=0, **FAST["mlp"])
    a.run(5)
    b.run(5)
    assert a.losses == b.losses and len(a.val_losses) == 6 and b.val_losses == []
    assert a.evaluate() == a.evaluate() == a.val_losses[-1][1]
    assert charlm.evaluate(a.model, a.data, "val") == a.val_losses[-1][1]


def test_evaluate_is_the_mean_loss_over_fixed_windows():
    data = charlm.Corpus(SHORT, context=16)
    model = charlm.build_model("bigram", vocab_size=len(data.vocab), context=16, seed=0, dtype=np.float64)
    starts = charlm.evaluation.eval_windows(len(data.val), 16, max_tokens=160)
    assert len(starts) == 10 and starts[0] == 0 and starts[-1] == len(data.val) - 17
    index = starts[:, None] + np.arange(16)
    expected = charlm.cross_entropy(model(data.val[index]), data.val[index + 1]).item()
    assert charlm.evaluate(model, data, "val", max_tokens=160) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("model, lr, shown", [("bigram", 1e6, "1,000,000"), ("mlp", 100, "100")])
def test_a_huge_learning_rate_stops_training_with_a_plain_message_and_the_weights_of_before(model, lr, shown):
    t = Trainer(FABLES, model=model, lr=lr, seed=0, eval_every=5)
    start = [p.data.copy() for p in t.model.parameters()]
    with pytest.raises(TrainingDiverged) as e:
        t.run(50)
    err = e.value
    assert isinstance(err, ValueError) and err.reason == "far above" and err.lr == lr
    assert err.loss > 2 * t.uniform_loss and err.suggested_lr == charlm.DEFAULTS[model]["lr"]
    message = str(err)
    assert re.fullmatch(rf"The loss shot up to [\d,]+ nats per character, far above the {t.uniform_loss:.2f} of a "
                        rf"uniform guess, so training stopped and went back to step {err.step}, the last good one: "
                        rf"its weights are kept\. The learning rate {shown} is too large: try {err.suggested_lr:g} or "
                        rf"lower\.", message), message
    assert "Train" not in message and "--lr" not in message and "Error" not in message
    # Rolled back to before the blow-up began: the losses kept are all near or below ln V, the weights are those.
    assert err.step == t.step == len(t.losses) and all(x < 2 * t.uniform_loss for x in t.losses)
    assert err.new_losses == t.losses and all(s <= t.step for s, _ in t.val_losses)
    if t.step == 0:
        for before, p in zip(start, t.model.parameters()):
            np.testing.assert_array_equal(before, p.data)
    with pytest.raises(TrainingDiverged):  # the same rate diverges again, from the same weights
        t.run(50)
    t.optimizer.lr = err.suggested_lr
    assert max(t.run(20)) < 2 * t.uniform_loss  # the suggested rate carries on from the kept weights


def test_a_climb_back_above_the_uniform_guess_rolls_back_to_the_best_weights():
    t = Trainer(SHORT, model="bigram", seed=0, eval_every=0, **FAST["bigram"])
    t.run(60)  # learns: well below ln V
    best_step = t._best_state[0]
    assert t.losses[best_step] < t.uniform_loss - divergence.CLIMB_MARGIN
    t.optimizer.lr = 30.0  # too large to learn, too small to explode at once: the loss wanders back up
    with pytest.raises(TrainingDiverged) as e:
        t.run(200)
    assert e.value.reason == "climbing" and e.value.step == t.step == best_step
    assert str(e.value).startswith("The loss climbed back up to ")
    assert "went back to step %d, the last good one: its weights are kept." % best_step in str(e.value)
    assert divergence.check(t.losses, t.uniform_loss, divergence.best_window_mean(t.losses[:-1])) is None


def test_non_finite_gradients_are_refused_too_and_the_update_that_caused_them_is_undone(monkeypatch):
    t = Trainer(SHORT, model="bigram", **FAST["bigram"])
    t.run(1)
    after_one, rng_after_one = [p.data.copy() for p in t.model.parameters()], t.rng.bit_generator.state
    t.run(1)
    monkeypatch.setattr(charlm.optim, "clip_grad_norm", lambda params, max_norm: float("inf"))
    kept = "The gradients stopped being numbers .* went back to step 1, the last good one: its weights are kept"
    with pytest.raises(TrainingDiverged, match=kept) as e:
        t.run(1)
    monkeypatch.undo()
    assert e.value.reason == "gradients not finite"
    assert t.step == len(t.losses) == 1 and t.optimizer.t == 1
    for kept, p in zip(after_one, t.model.parameters()):
        np.testing.assert_array_equal(kept, p.data)
    assert t.rng.bit_generator.state == rng_after_one  # step 2 is redone on the same batch
    fresh = Trainer(SHORT, model="bigram", **FAST["bigram"])
    assert t.run(2) == fresh.run(3)[1:]


@pytest.mark.parametrize("model", charlm.MODELS)
def test_healthy_runs_at_the_defaults_never_count_as_diverged(model):
    steps = 200 if model == "transformer" else 300
    for corpus in charlm.texts.names():
        t = Trainer(charlm.texts.load(corpus), model=model, eval_every=0)
        losses = t.run(steps)  # would raise TrainingDiverged
        assert len(losses) == steps and losses[-1] < t.uniform_loss - 1, (model, corpus)


def test_bad_settings_are_clear_value_errors():
    with pytest.raises(ValueError, match=r"learning rate must be a positive number \(at most 1,000,000\), got"):
        Trainer(SHORT, model="bigram", lr=-1)
    with pytest.raises(ValueError, match="learning rate must be a positive number"):
        Trainer(SHORT, model="bigram", lr=float("nan"))
    with pytest.raises(ValueError, match="learning rate must be a positive number"):
        Trainer(SHORT, model="bigram", lr=1e7)
    with pytest.raises(ValueError, match="batch size must be a whole number from 1 to 256, got 1000"):
        Trainer(SHORT, model="bigram", batch_size=1000)
    with pytest.raises(ValueError, match="context must be a whole number from 2 to 256"):
        Trainer(SHORT, model="bigram", context=1)
    with pytest.raises(ValueError, match="n_hidden must be a whole number from 1 to 4,096"):
        Trainer(SHORT, model="mlp", n_hidden=10 ** 6)
    with pytest.raises(ValueError, match="would have [\\d,]+ weights; at most 5,000,000"):
        Trainer(SHORT, model="mlp", n_hidden=4096, n_chars=32, n_embd=512)
    with pytest.raises(ValueError, match="unknown model 'rnn'"):
        Trainer(SHORT, model="rnn")
    with pytest.raises(ValueError, match="no preset"):
        Trainer(SHORT, model="mlp", preset="tiny")
    with pytest.raises(ValueError, match="unknown optimizer"):
        Trainer(SHORT, model="mlp", optimizer="rmsprop")
    with pytest.raises(ValueError, match="empty"):
        Trainer("", model="mlp")
    with pytest.raises(ValueError, match="at least"):
        Trainer("hello world", model="transformer")
    with pytest.raises(ValueError, match="batch size"):
        Trainer(SHORT, model="mlp", batch_size=0)
    with pytest.raises(ValueError, match="steps"):
        Trainer(SHORT, model="bigram").run(-1)
    with pytest.raises(ValueError, match="model only"):
        Trainer.from_bytes(charlm.save_bytes(charlm.build_model("bigram", 3, 4), charlm.Vocab(list("abc"))))
    with pytest.raises(ValueError, match="not a charlm checkpoint"):
        Trainer.from_bytes(b"PK\x03\x04 not really a zip")
