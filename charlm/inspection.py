"""Looking inside a model while it learns: surprise on every character, attention, the embedding map, copied
stretches of a sample, snapshots of the weights, and one training step taken apart into its four lines.

Pure numpy on top of the models; nothing here draws from a trainer's rng or changes its weights, except
`staged_step`, which *is* the trainer's own step (it calls it) and only adds what it measured along the way.
"""

import math

import numpy as np

from .evaluation import EVAL_MAX_TOKENS, eval_windows
from .models import build_model
from .tensor import cross_entropy

# ----- surprise on every character -------------------------------------------------------------------------------


def _log_softmax(logits):
    z = logits.astype(np.float64)                                       # (..., V)
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))            # (..., V)


def char_surprises(model, data, split="val", shown_windows=None, top=5, max_tokens=EVAL_MAX_TOKENS, full=True):
    """The model's surprise, -ln p(actual next character), at every prediction of the evaluation windows of `split`
    (exactly the windows `charlm.evaluate` scores, so `mean` is the loss it reports, float rounding aside).

    Returns a dict: "mean" (nats, over all windows; None unless `full`, which scores all of them rather than only
    the shown ones), "count" (predictions in all windows), and "windows": for the first
    `shown_windows` windows (all when None) a list of {"start", "context" (the character before the first target),
    "chars" (the target characters), "surprise" (nats each), "top" (per position, the `top` likeliest characters
    as [char, probability] pairs)}; "shown_mean" is the mean surprise of the characters shown.
    """
    ids, T = data.split(split), data.context
    starts = eval_windows(len(ids), T, max_tokens)
    index = starts[:, None] + np.arange(T)                              # (W, T)
    targets = ids[index + 1]                                            # (W, T)
    shown = len(starts) if shown_windows is None else min(shown_windows, len(starts))
    total, windows = 0.0, []
    for i in range(0, len(starts) if full else shown, 32):  # the batch size evaluate uses, to bound memory the same way
        logp = _log_softmax(model(ids[index[i:i + 32]]).data)           # (b, T, V)
        tgt = targets[i:i + 32]                                         # (b, T)
        nll = -np.take_along_axis(logp, tgt[..., None], axis=-1)[..., 0]  # (b, T)
        total += float(nll.sum())
        for j in range(min(len(tgt), max(0, shown - i))):
            order = np.argsort(-logp[j], axis=-1, kind="stable")[:, :top]  # (T, top)
            windows.append({
                "start": int(starts[i + j]),
                "context": data.vocab.chars[int(ids[starts[i + j]])],
                "chars": [data.vocab.chars[int(c)] for c in tgt[j]],
                "surprise": [float(x) for x in nll[j]],
                "top": [[[data.vocab.chars[int(c)], float(np.exp(logp[j, t, c]))] for c in order[t]]
                        for t in range(T)],
            })
    shown_values = [s for w in windows for s in w["surprise"]]
    return {"mean": total / targets.size if full else None, "count": int(targets.size), "windows": windows,
            "shown_mean": sum(shown_values) / len(shown_values) if shown_values else None}


# ----- attention --------------------------------------------------------------------------------------------------


def attention_maps(model, ids):
    """Each layer's and head's attention probabilities for one input, as a float array (n_layer, n_head, T, T):
    row i is how position i spreads its attention over positions 0..i (each row sums to 1; the upper triangle is
    0). ids: a 1-D sequence of character ids, cropped to the model's last `context`. None for a model without
    attention (the bigram and the MLP)."""
    blocks = getattr(model, "blocks", None)
    if not blocks:
        return None
    window = np.asarray(ids, dtype=np.intp)[-model.context:][None, :]     # (1, T)
    for block in blocks:
        block.attn.keep_attention = True
    try:
        model(window)
        return np.stack([block.attn.attention[0] for block in blocks]).astype(np.float64)  # (L, nh, T, T)
    finally:
        for block in blocks:  # back to the class defaults: nothing kept, nothing extra in vars()
            vars(block.attn).pop("keep_attention", None)
            vars(block.attn).pop("attention", None)


# ----- the character map -----------------------------------------------------------------------------------------


def embedding_table(model):
    """The learned character embeddings (V, C) of an MLP or transformer; None for the bigram, which has none."""
    if hasattr(model, "wte"):
        return model.wte.data
    if hasattr(model, "embedding"):
        return model.embedding.data[:model.vocab_size]  # the last row is the padding, not a character
    return None


def pca_2d(matrix):
    """Project the rows of `matrix` (N, C) onto its two principal components: centre, then SVD.

    Returns (points (N, 2), explained (2,)): the coordinates and the fraction of the variance each axis holds.
    Each axis's sign is fixed (its largest loading positive) so the picture does not flip between refreshes.
    Fewer than 2 dimensions pad with zeros.
    """
    x = np.asarray(matrix, dtype=np.float64)
    x = x - x.mean(axis=0, keepdims=True)                               # (N, C)
    _, s, vt = np.linalg.svd(x, full_matrices=False)                    # s (k,), vt (k, C)
    k = min(2, len(s))
    axes = vt[:k]                                                       # (k, C)
    signs = np.sign(axes[np.arange(k), np.abs(axes).argmax(axis=1)])
    axes = axes * np.where(signs == 0, 1, signs)[:, None]
    points = np.zeros((x.shape[0], 2))
    points[:, :k] = x @ axes.T                                          # (N, k)
    var = s ** 2
    explained = np.zeros(2)
    if var.sum() > 0:
        explained[:k] = var[:k] / var.sum()
    return points, explained


# ----- copied from the training text ------------------------------------------------------------------------------

COPY_RUN = 10  # a stretch this long found verbatim in the training text counts as copied


class CopyFinder:
    """Finds the stretches of a text that occur verbatim in a training text, in runs of at least `n` characters.

    The training text's n-grams are kept as a sorted array of 64-bit rolling hashes (8 bytes per character of
    training text, whatever its length); a hit is then confirmed against the text itself, so a hash collision can
    never mark a stretch that is not really there.
    """

    _BASE = np.uint64(0x100000001B3)

    def __init__(self, text, n=COPY_RUN):
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"the run length must be a positive whole number, got {n!r}")
        self.text, self.n = text, n
        self._hashes = np.unique(self._ngram_hashes(text))

    def _ngram_hashes(self, text):
        cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4").astype(np.uint64)
        count = len(cps) - self.n + 1
        if count <= 0:
            return np.zeros(0, dtype=np.uint64)
        h = np.zeros(count, dtype=np.uint64)
        for k in range(self.n):  # uint64 arithmetic wraps around: a polynomial hash modulo 2**64
            h = h * self._BASE + cps[k:k + count]
        return h

    def runs(self, sample):
        """The maximal stretches [start, end) of `sample` every character of which lies inside some substring of
        at least n characters that occurs verbatim in the training text, in order and not overlapping."""
        hashes = self._ngram_hashes(sample)
        if not len(hashes) or not len(self._hashes):
            return []
        pos = np.minimum(np.searchsorted(self._hashes, hashes), len(self._hashes) - 1)
        hits = np.flatnonzero(self._hashes[pos] == hashes)
        covered = np.zeros(len(sample) + 1, dtype=np.int32)
        for i in hits:
            if sample[i:i + self.n] in self.text:       # confirm: hashes can collide, the text cannot
                covered[i] += 1
                covered[i + self.n] -= 1
        inside = np.cumsum(covered)[:len(sample)] > 0
        edges = np.flatnonzero(np.diff(np.concatenate([[False], inside, [False]]).astype(np.int8)))
        return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])]

    def copied_fraction(self, sample):
        """The fraction (0..1) of the characters of `sample` inside copied runs."""
        return sum(b - a for a, b in self.runs(sample)) / len(sample) if sample else 0.0


# ----- snapshots of the weights ----------------------------------------------------------------------------------


def snapshot_steps(upto):
    """The steps at which a timeline keeps the weights: 0, 10, 30, 100, 300, 1000, 3000, ... up to `upto`."""
    steps, scale = [0], 10
    while scale <= upto:
        steps.append(scale)
        if 3 * scale <= upto:
            steps.append(3 * scale)
        scale *= 10
    return steps


def next_snapshot_step(step):
    """The first snapshot step after `step`."""
    scale = 10
    while True:
        for s in (scale, 3 * scale):
            if s > step:
                return s
        scale *= 10


class Snapshots:
    """Copies of a model's weights at the snapshot steps, at most `limit` of them: when full, the oldest after step
    0 is dropped, so memory is bounded by limit x (the model's weights) and step 0 stays to compare against."""

    def __init__(self, limit=10):
        self.limit = limit
        self.kept = {}  # step -> state_dict

    def offer(self, step, model):
        """Keep the model's weights if `step` is a snapshot step not kept yet; return whether it was kept."""
        if step in self.kept or step not in snapshot_steps(step):
            return False
        self.kept[step] = model.state_dict()
        while len(self.kept) > self.limit:
            del self.kept[min(s for s in self.kept if s != 0)]
        return True

    def forget_after(self, step):
        """Drop snapshots beyond `step` (the trainer went back, e.g. after a diverged step was undone)."""
        for s in [s for s in self.kept if s > step]:
            del self.kept[s]

    def steps(self):
        return sorted(self.kept)

    def nbytes(self):
        return sum(a.nbytes for state in self.kept.values() for a in state.values())

    def model_at(self, step, model):
        """A separate copy of `model` holding the weights kept at `step` (the live model is never touched)."""
        if step not in self.kept:
            raise ValueError(f"no snapshot of the weights was kept at step {step}")
        return copy_model(model, self.kept[step])


def copy_model(model, state=None):
    """A new model of the same kind and sizes as `model`, holding `state` (default: model's current weights)."""
    cfg = model.config
    clone = build_model(cfg["name"], cfg["vocab_size"], cfg["context"], dtype=cfg["dtype"], **cfg["sizes"])
    clone.load_state_dict(model.state_dict() if state is None else state)
    return clone


# ----- one training step, taken apart ---------------------------------------------------------------------------


def weight_groups(model):
    """Parameter names grouped for display: the first part of the name, plus the block number for blocks
    ("embedding", "hidden", "blocks.0", "lm_head", ...), in the model's parameter order."""
    groups = {}
    for name, _ in model.named_parameters():
        parts = name.split(".")
        key = ".".join(parts[:2]) if parts[0] == "blocks" else parts[0]
        groups.setdefault(key, []).append(name)
    return groups


def staged_step(trainer, window=0, top=1):
    """Take one real training step with `trainer` (its own `run(1)`: same batch from its rng, same clipping and
    update, the loss appended, validation when due) and return what each of the four lines did, measured on a
    copy of the weights from before the step:

    "forward": one window of the batch (its inputs, targets and the model's top guess at each position);
    "loss": that window's per-position surprises, the batch's loss (= trainer.losses[-1]);
    "backward": the gradient norm of each weight group, the total norm and the clipping limit;
    "update": how far each weight group moved, and the batch's loss before and after the update.
    """
    cfg = trainer.config
    rng = np.random.default_rng()
    rng.bit_generator.state = trainer.rng.bit_generator.state           # the same draw the step is about to make
    inputs, targets = trainer.data.batch(cfg["batch_size"], "train", rng)  # (B, T), (B, T)
    before = copy_model(trainer.model)
    logits = before(inputs)                                             # (B, T, V)
    loss = cross_entropy(logits, targets)
    loss.backward()
    grads = {name: p.grad for name, p in before.named_parameters()}

    trainer.run(1)                                                      # the step itself, exactly as always

    after = dict(trainer.model.named_parameters())
    groups = weight_groups(before)
    old = dict(before.named_parameters())
    grad_norms = {g: math.sqrt(sum(float(np.vdot(grads[n], grads[n])) for n in names)) for g, names in groups.items()}
    moved = {g: math.sqrt(sum(float(np.sum((after[n].data.astype(np.float64) - old[n].data) ** 2)) for n in names))
             for g, names in groups.items()}
    loss_after = float(cross_entropy(trainer.model(inputs), targets).item())
    w = min(max(0, int(window)), len(inputs) - 1)
    logp = _log_softmax(logits.data[w])                                 # (T, V)
    vocab = trainer.data.vocab
    chars = vocab.chars
    total = math.sqrt(sum(v * v for v in grad_norms.values()))
    return {
        "step": trainer.step,
        "window": w,
        "batch_shape": [int(x) for x in inputs.shape],
        "forward": {"inputs": [chars[int(c)] for c in inputs[w]], "targets": [chars[int(c)] for c in targets[w]],
                    "guesses": [chars[int(c)] for c in logp.argmax(axis=-1)],
                    "guess_probs": [float(np.exp(x)) for x in logp.max(axis=-1)]},
        "loss": {"surprise": [float(-logp[t, targets[w, t]]) for t in range(len(targets[w]))],
                 "window_mean": float(-logp[np.arange(len(targets[w])), targets[w]].mean()),
                 "loss": float(trainer.losses[-1]), "recomputed": float(loss.item())},
        "backward": {"grad_norms": grad_norms, "total": total, "clip": cfg["grad_clip"],
                     "clipped": bool(cfg["grad_clip"] and total > cfg["grad_clip"])},
        "update": {"moved": moved, "loss_before": float(loss.item()), "loss_after": loss_after,
                  "lr": trainer.optimizer.lr},
    }
