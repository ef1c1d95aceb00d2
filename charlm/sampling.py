"""Using a trained model: sampling new text and showing the probabilities of the next character."""

import numpy as np

from .checks import positive, whole


def _rng(rng):
    if rng is None:
        return np.random.default_rng(0)
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.default_rng(whole(rng, "seed", minimum=0))
    raise ValueError(f"rng must be a np.random.Generator or an integer seed, got {type(rng).__name__}")


def _last_logits(model, ids):
    """The model's float64 logits (V,) for the character after `ids`, cropped to the model's context window."""
    window = np.asarray(ids[-model.context:])[None, :]                   # (1, T)
    return model(window).data[0, -1].astype(np.float64)                  # (V,)


def _softmax(logits):
    z = logits - logits.max()
    p = np.exp(z)
    return p / p.sum()


def generate(model, vocab, prompt: str, length: int, temperature: float = 1.0, top_k: int | None = None,
             rng: np.random.Generator | int | None = None) -> str:
    """Sample `length` new characters that continue `prompt`; return only the new characters.

    At each step the model sees the last model.context characters (prompt and text so far) and the next character
    is drawn from softmax(logits / temperature), keeping only the top_k most likely when top_k is given.
    An empty prompt has nothing to continue, so the first new character is drawn uniformly from the vocabulary with
    the same rng (it counts towards `length`). rng is a np.random.Generator or an int seed; None means seed 0, so a
    call without one is reproducible.
    """
    whole(length, "length", minimum=0)
    positive(temperature, "temperature")  # 1 samples as trained, lower is more cautious
    if top_k is not None:
        whole(top_k, "top_k (or None)", minimum=1)
    rng = _rng(rng)
    ids = list(vocab.encode(prompt))  # ValueError naming characters the model has never seen
    new = []
    if not ids and length > 0:
        ids.append(int(rng.integers(len(vocab))))
        new.append(ids[-1])
    while len(new) < length:
        logits = _last_logits(model, ids) / temperature                 # (V,)
        if top_k is not None and top_k < len(logits):
            cutoff = np.partition(logits, -top_k)[-top_k]
            logits = np.where(logits < cutoff, -np.inf, logits)
        p = _softmax(logits)                                            # (V,)
        ids.append(int(rng.choice(len(p), p=p)))
        new.append(ids[-1])
    return vocab.decode(new)


def next_char_probs(model, vocab, prompt: str, top: int | None = None) -> list[tuple[str, float]]:
    """The model's probability for each possible next character after `prompt`, most likely first.

    A list of (char, probability) from a float64 softmax, summing to 1 over the whole vocabulary; `top` keeps only
    the first `top` entries.
    """
    if not isinstance(prompt, str) or not prompt:
        raise ValueError("the prompt is empty: type at least one character for the model to continue")
    if top is not None:
        whole(top, "top (or None)", minimum=1)
    p = _softmax(_last_logits(model, vocab.encode(prompt)))             # (V,)
    order = np.argsort(-p, kind="stable")[:top]
    return [(vocab.chars[i], float(p[i])) for i in order]
