"""When has training blown up? The rule, as a pure function of the loss history, and how to say it in plain words.

A fresh model guesses every character about equally (its loss is near ln V, the "uniform guess"), and a healthy run
only goes down from there, with a little noise from batch to batch. So training has diverged when:

1. a loss is not a finite number (NaN or infinite): the weights overflowed; or
2. the loss stays far above the uniform guess: more than HIGH_FACTOR x ln V for HIGH_STEPS steps in a row. Twice
   ln V means the model is confidently wrong, far worse than knowing nothing; a fresh model starts at about ln V, so
   this never fires on a healthy start, and one or two spikes (which Adam often recovers from) are forgiven; or
3. the loss keeps climbing: the mean of the last WINDOW losses is above ln V and more than CLIMB_MARGIN nats above
   the best WINDOW-step mean seen earlier. Batch noise moves a 10-step mean by a few hundredths of a nat (at most
   0.07 above its best, measured over 300 steps of every model at its defaults on every built-in text); half a nat
   back up, past where the model started, is a model unlearning, not noise.

"Before the blow-up began" is the step before the first loss of a plateau or the first non-finite number, and for a
climb its lowest point: the weights that ended the best WINDOW-step stretch.
"""

import math
from dataclasses import dataclass

HIGH_FACTOR = 2.0
HIGH_STEPS = 3
WINDOW = 10
CLIMB_MARGIN = 0.5


@dataclass(frozen=True)
class Divergence:
    """What the rule found: `reason` ("not finite", "far above", "climbing"; the Trainer adds "gradients not
    finite"), `start` (index of the first loss of
    the blow-up: the weights before it are the last good ones) and `loss` (the value to report)."""

    reason: str
    start: int
    loss: float


def check(losses, uniform, best_mean=None):
    """The Divergence in `losses` (every training loss so far, in order), or None while training is healthy.

    uniform: ln V, the loss of a uniform guess. best_mean: the lowest mean of WINDOW consecutive losses before the
    last WINDOW (see window_mean), None while there is none yet. Only the last few losses are read.
    """
    if not losses:
        return None
    last = losses[-1]
    if not math.isfinite(last):
        return Divergence("not finite", len(losses) - 1, last)
    recent = losses[-HIGH_STEPS:]
    if len(recent) == HIGH_STEPS and all(x > HIGH_FACTOR * uniform for x in recent):
        return Divergence("far above", len(losses) - HIGH_STEPS, max(recent))
    mean = window_mean(losses)
    if mean is not None and best_mean is not None and mean > uniform and mean > best_mean + CLIMB_MARGIN:
        return Divergence("climbing", len(losses) - WINDOW, mean)
    return None


def window_mean(losses):
    """The mean of the last WINDOW losses, or None when there are fewer."""
    if len(losses) < WINDOW:
        return None
    return math.fsum(losses[-WINDOW:]) / WINDOW


def best_window_mean(losses):
    """The lowest mean of WINDOW consecutive losses, or None when there are fewer (after loading or rolling back)."""
    best = None
    for end in range(WINDOW, len(losses) + 1):
        mean = math.fsum(losses[end - WINDOW:end]) / WINDOW
        best = mean if best is None or mean < best else best
    return best


def suggest_lr(lr, default):
    """A learning rate to try after `lr` diverged: the model's `default` when lr is above it, else a tenth of lr
    (rounded to one significant figure, so it reads as a number a person would type)."""
    if lr > default:
        return default
    return float(f"{lr / 10:.0e}")


def number(x):
    """A loss or learning rate as a person reads it: 875,158 / 3.61 / 0.003 / 1,000,000."""
    if not math.isfinite(x):
        return "NaN" if math.isnan(x) else "infinite"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}" if abs(x) >= 1 else f"{x:.2g}"


def explain(found, uniform, lr, good_step):
    """What happened, in plain words, without telling anyone which button to press or flag to pass."""
    if found.reason == "gradients not finite":
        what = f"The gradients stopped being numbers (they became {number(found.loss)}): the weights overflowed"
    elif found.reason == "not finite":
        what = f"The loss stopped being a number (it became {number(found.loss)}): the weights overflowed"
    elif found.reason == "far above":
        what = (f"The loss shot up to {number(found.loss)} nats per character, far above the {uniform:.2f} of a "
                f"uniform guess")
    else:
        what = (f"The loss climbed back up to {number(found.loss)} nats per character, above the {uniform:.2f} of "
                f"a uniform guess it started from")
    return (f"{what}, so training stopped and went back to step {good_step}, the last good one: its weights are "
            f"kept. The learning rate {number(lr)} is too large")
