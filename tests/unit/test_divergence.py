"""The divergence rule on hand-made loss histories: what counts as blowing up, and what is only noise."""

import math

import numpy as np
import pytest

from charlm import divergence
from charlm.divergence import CLIMB_MARGIN, HIGH_STEPS, WINDOW, best_window_mean, check

U = math.log(40)  # a 40-character alphabet: a uniform guess costs 3.69 nats


def run(losses):
    """The first Divergence the Trainer would see feeding `losses` one at a time (it tracks the best mean)."""
    best = None
    for i in range(1, len(losses) + 1):
        found = check(losses[:i], U, best)
        if found:
            return found
        mean = divergence.window_mean(losses[:i])
        best = mean if mean is not None and (best is None or mean < best) else best
    return None


def healthy(steps, seed, noise=0.08):
    """A learning curve from ln V down towards 1.5, with batch noise and the odd spike."""
    rng = np.random.default_rng(seed)
    curve = 1.5 + (U - 1.5) * np.exp(-np.arange(steps) / 60) + rng.normal(0, noise, steps)
    spikes = rng.random(steps) < 0.01
    return list(np.where(spikes, curve + 1.0, curve))


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_a_loss_that_is_not_a_number_is_divergence_at_once(bad):
    found = run([U, 3.0, 2.5, bad])
    assert found.reason == "not finite" and found.start == 3 and not math.isfinite(found.loss)


def test_a_plateau_far_above_the_uniform_guess_counts_after_three_steps_not_before():
    high = 2 * U + 0.01
    assert run([U, 3.0] + [high] * (HIGH_STEPS - 1)) is None       # two steps up there may be a spike
    found = run([U, 3.0] + [high] * HIGH_STEPS + [U])
    assert found.reason == "far above" and found.start == 2 and found.loss == high
    assert run([U, 875158.0, 875158.0, 875160.0]).start == 1        # the bigram at lr 1,000,000
    assert run([U] + [2 * U - 0.01] * 20) is None                   # just under twice ln V is not "far above"


def test_a_climb_back_above_the_uniform_guess_counts():
    losses = [U - 0.1 * i for i in range(20)] + [1.8 + 0.25 * i for i in range(20)]
    found = run(losses)
    assert found.reason == "climbing"
    mean = sum(losses[found.start:found.start + WINDOW]) / WINDOW
    assert mean > U and found.loss == pytest.approx(mean)
    assert mean > best_window_mean(losses[:found.start + WINDOW - 1]) + CLIMB_MARGIN


def test_wandering_below_the_uniform_guess_is_not_a_climb():
    losses = [U - 0.1 * i for i in range(20)] + [1.8 + 0.05 * i for i in range(30)]  # rises, but stays under ln V
    assert max(losses[20:]) < U and run(losses) is None


@pytest.mark.parametrize("seed", range(20))
def test_noisy_healthy_curves_never_count(seed):
    assert run(healthy(600, seed)) is None


def test_best_window_mean_and_suggested_rates():
    assert best_window_mean([1.0] * (WINDOW - 1)) is None
    assert best_window_mean([5.0] * WINDOW + [1.0] * WINDOW) == 1.0
    assert divergence.suggest_lr(1e6, 0.1) == 0.1       # far too large: the model's default
    assert divergence.suggest_lr(0.05, 0.1) == 0.005    # already at or below it: a tenth
    assert [divergence.number(x) for x in (875158.4, 3.614, 0.003, 1e6)] == ["875,158", "3.61", "0.003", "1,000,000"]
