"""Measuring a model: mean loss on a fixed, deterministic set of windows of a split (no randomness involved)."""

import numpy as np

from .checks import whole
from .tensor import cross_entropy

EVAL_MAX_TOKENS = 4096  # predictions per evaluation: enough for a steady number, quick enough for the browser
_EVAL_BATCH = 32        # windows per forward pass, to bound memory


def eval_windows(n, context, max_tokens=EVAL_MAX_TOKENS):
    """Starts of the evaluation windows in a split of n ids: evenly spread over the whole split, at most
    max_tokens // context of them (at least one), never overlapping when the split is long enough."""
    last = n - context - 1                                     # the last start whose targets stay inside the split
    if last < 0:
        raise ValueError(f"the split has {n} characters; it needs at least {context + 1} for one window")
    count = min(max(1, max_tokens // context), last // context + 1)
    return np.unique(np.linspace(0, last, count).round().astype(np.intp))


def evaluate(model, data, split: str = "val", max_tokens: int = EVAL_MAX_TOKENS) -> float:
    """Mean loss of `model` in nats per character on `split` ("train" or "val") of `data` (a Corpus).

    Uses the same windows every time (see eval_windows) and draws no random numbers, so calling it never changes
    what training does next. At most max_tokens predictions are scored, to stay quick in the browser.
    """
    whole(max_tokens, "max_tokens", minimum=1)
    ids, T = data.split(split), data.context
    starts = eval_windows(len(ids), T, max_tokens)
    total = 0.0
    for i in range(0, len(starts), _EVAL_BATCH):
        index = starts[i:i + _EVAL_BATCH, None] + np.arange(T)           # (b, T)
        loss = cross_entropy(model(ids[index]), ids[index + 1])          # mean over b * T predictions
        total += float(loss.item()) * index.size
    return total / (len(starts) * T)
