"""The three next-character models, all with one interface: `model(inputs) -> logits`.

inputs are integer character ids of shape (B, T) with T <= model.context (shorter inputs, like a prompt, work too);
logits are a Tensor (B, T, V): at every position, a score for each possible next character.
"""

import numpy as np

from .checks import LIMITS, one_of, whole
from .nn import LayerNorm, Linear, Module, normal
from .tensor import causal_softmax

# Named sizes per model. "small" is the browser default: it trains at a few steps per second inside the page.
PRESETS = {
    "bigram": {
        "small": {},
    },
    "mlp": {
        "small": {"n_chars": 3, "n_embd": 16, "n_hidden": 128},
        "medium": {"n_chars": 5, "n_embd": 24, "n_hidden": 256},
        "large": {"n_chars": 8, "n_embd": 32, "n_hidden": 512},
    },
    "transformer": {
        "small": {"n_layer": 2, "n_head": 4, "n_embd": 48},
        "medium": {"n_layer": 3, "n_head": 4, "n_embd": 64},
        "large": {"n_layer": 4, "n_head": 6, "n_embd": 96},
    },
}

# What the page and the CLI start from for each model: a preset, a learning rate for Adam ("lr") and for plain SGD
# ("sgd_lr"), a batch size and a context window. Tuned for the lowest validation loss after a minute of training in
# the page on the ~15 KB built-in texts (bench/tune_defaults.py): the MLP's lr of 0.0025 reached 1.76 against 1.89
# for 0.01 on `letters` and 2.11 against 2.26 on `fables`, which it was not tuned on (at 0.01 it starts faster but
# overfits within seconds); the transformer's settings were already the best of the grid.
DEFAULTS = {
    "bigram": {"preset": "small", "lr": 0.1, "sgd_lr": 10.0, "batch_size": 32, "context": 32},
    "mlp": {"preset": "small", "lr": 0.0025, "sgd_lr": 0.5, "batch_size": 32, "context": 32},
    "transformer": {"preset": "small", "lr": 0.005, "sgd_lr": 0.5, "batch_size": 32, "context": 32},
}


def _check_inputs(inputs, context, vocab_size, allow_longer=False):
    """Validate model inputs at the boundary: integer ids (B, T) in range, T within the context window."""
    inputs = np.asarray(inputs)
    if inputs.ndim != 2 or not np.issubdtype(inputs.dtype, np.integer):
        raise ValueError(f"model inputs must be integer character ids of shape (batch, time), got "
                         f"{inputs.dtype} array of shape {inputs.shape}")
    if inputs.shape[1] == 0:
        raise ValueError("model inputs are empty: give at least one character")
    if not allow_longer and inputs.shape[1] > context:
        raise ValueError(f"the input has {inputs.shape[1]} characters but this model's context window is {context}; "
                         f"crop it to the last {context}")
    if inputs.size and (inputs.min() < 0 or inputs.max() >= vocab_size):
        raise ValueError(f"character ids must be in 0..{vocab_size - 1}, got {inputs.min()}..{inputs.max()}")
    return inputs


class Bigram(Module):
    """The bigram model: a V x V table whose row c holds the logits of the character that follows c.

    The simplest language model (Shannon 1948, "A Mathematical Theory of Communication"): the prediction depends on
    the previous character only. Trained by gradient descent, its table converges to log letter-pair frequencies.
    """

    def __init__(self, vocab_size, context, seed=0, dtype=np.float32):
        rng = np.random.default_rng(seed)
        self.vocab_size, self.context = vocab_size, context
        self.config = _config("bigram", vocab_size, context, dtype)
        self.table = normal(rng, (vocab_size, vocab_size), 0.02, dtype)  # near zero: starts near uniform, loss ln V

    def __call__(self, inputs):
        inputs = _check_inputs(inputs, self.context, self.vocab_size, allow_longer=True)
        return self.table[inputs]                                       # (B, T, V)


class MLP(Module):
    """A multilayer perceptron over the last `n_chars` characters.

    Bengio, Ducharme, Vincent & Jauvin 2003, "A Neural Probabilistic Language Model" (JMLR 3): each of the previous
    n_chars characters is looked up in a learned embedding table, the embeddings are concatenated and fed through a
    tanh hidden layer to the logits. Positions before the start of the input use a learned padding embedding
    (row V of the table), so every position of any input length gets a prediction.
    """

    def __init__(self, vocab_size, context, seed=0, dtype=np.float32, n_chars=3, n_embd=16, n_hidden=128):
        n_chars, n_embd, n_hidden = (whole(v, k, minimum=1) for k, v in
                                     (("n_chars", n_chars), ("n_embd", n_embd), ("n_hidden", n_hidden)))
        rng = np.random.default_rng(seed)
        self.vocab_size, self.context, self.n_chars = vocab_size, context, n_chars
        self.config = _config("mlp", vocab_size, context, dtype, n_chars=n_chars, n_embd=n_embd, n_hidden=n_hidden)
        self.embedding = normal(rng, (vocab_size + 1, n_embd), 1.0, dtype)  # the last row is the padding
        # Kaiming gain for tanh, so the hidden layer starts neither saturated nor vanishing.
        self.hidden = Linear(n_chars * n_embd, n_hidden, rng, std=(5 / 3) / np.sqrt(n_chars * n_embd), dtype=dtype)
        self.output = Linear(n_hidden, vocab_size, rng, std=0.02, dtype=dtype)  # small logits: starts near uniform

    def __call__(self, inputs):
        inputs = _check_inputs(inputs, self.context, self.vocab_size, allow_longer=True)
        B, T = inputs.shape
        k = self.n_chars
        padded = np.concatenate([np.full((B, k), self.vocab_size, dtype=inputs.dtype), inputs], axis=1)  # (B, k+T)
        # window t holds characters t-k+1 .. t, oldest first
        windows = np.lib.stride_tricks.sliding_window_view(padded, k, axis=1)[:, 1:]   # (B, T, k)
        emb = self.embedding[windows]                                                 # (B, T, k, n_embd)
        h = self.hidden(emb.reshape(B, T, -1)).tanh()                                 # (B, T, n_hidden)
        return self.output(h)                                                         # (B, T, V)


class CausalSelfAttention(Module):
    """Multi-head self-attention where each position sees only itself and earlier positions; all heads at once.

    Set keep_attention to True to keep the last forward pass's probabilities in .attention (B, nh, T, T), for
    looking at what the heads attend to (charlm.inspection.attention_maps)."""

    keep_attention, attention = False, None

    def __init__(self, n_embd, n_head, rng, residual_std, dtype):
        self.n_head = n_head
        self.c_attn = Linear(n_embd, 3 * n_embd, rng, dtype=dtype)  # query, key, value for every head in one matmul
        self.c_proj = Linear(n_embd, n_embd, rng, std=residual_std, dtype=dtype)

    def __call__(self, x):
        B, T, C = x.shape
        nh, hs = self.n_head, C // self.n_head
        qkv = self.c_attn(x).reshape(B, T, 3, nh, hs).transpose(2, 0, 3, 1, 4)   # (3, B, nh, T, hs)
        q, k, v = qkv[0], qkv[1], qkv[2]                                        # (B, nh, T, hs) each
        att = causal_softmax(q @ k.transpose(0, 1, 3, 2), scale=1.0 / np.sqrt(hs))  # (B, nh, T, T)
        if self.keep_attention:
            self.attention = att.data                                           # (B, nh, T, T)
        y = (att @ v).transpose(0, 2, 1, 3).reshape(B, T, C)                    # (B, T, C)
        return self.c_proj(y)                                                   # (B, T, C)


class FeedForward(Module):
    """The transformer's per-position MLP: expand 4x, GELU, project back."""

    def __init__(self, n_embd, rng, residual_std, dtype):
        self.c_fc = Linear(n_embd, 4 * n_embd, rng, dtype=dtype)
        self.c_proj = Linear(4 * n_embd, n_embd, rng, std=residual_std, dtype=dtype)

    def __call__(self, x):
        return self.c_proj(self.c_fc(x).gelu())                                # (B, T, C)


class Block(Module):
    """A pre-norm transformer block: x + attention(norm(x)), then x + feed-forward(norm(x))."""

    def __init__(self, n_embd, n_head, rng, residual_std, dtype):
        self.ln_1 = LayerNorm(n_embd, dtype=dtype)
        self.attn = CausalSelfAttention(n_embd, n_head, rng, residual_std, dtype)
        self.ln_2 = LayerNorm(n_embd, dtype=dtype)
        self.mlp = FeedForward(n_embd, rng, residual_std, dtype)

    def __call__(self, x):
        x = x + self.attn(self.ln_1(x))                                        # (B, T, C)
        return x + self.mlp(self.ln_2(x))                                      # (B, T, C)


class Transformer(Module):
    """A tiny GPT: a decoder-only transformer over characters.

    Vaswani et al. 2017, "Attention Is All You Need", in the decoder-only, pre-norm form of GPT-2 (Radford et al.
    2019, "Language Models are Unsupervised Multitask Learners"), following nanoGPT: token + learned position
    embeddings, n_layer blocks of causal multi-head self-attention and MLP, a final layer norm, and a linear head.
    Weights start at N(0, 0.02) with the residual projections scaled by 1/sqrt(2 * n_layer), so the residual stream
    does not grow with depth at initialisation.
    """

    def __init__(self, vocab_size, context, seed=0, dtype=np.float32, n_layer=2, n_head=4, n_embd=48):
        n_layer, n_head, n_embd = (whole(v, k, minimum=1) for k, v in
                                   (("n_layer", n_layer), ("n_head", n_head), ("n_embd", n_embd)))
        if n_embd % n_head:
            raise ValueError(f"n_embd ({n_embd}) must be a multiple of n_head ({n_head}) so the heads split it evenly")
        rng = np.random.default_rng(seed)
        self.vocab_size, self.context = vocab_size, context
        self.config = _config("transformer", vocab_size, context, dtype, n_layer=n_layer, n_head=n_head, n_embd=n_embd)
        residual_std = 0.02 / np.sqrt(2 * n_layer)
        self.wte = normal(rng, (vocab_size, n_embd), 0.02, dtype)  # token embeddings
        self.wpe = normal(rng, (context, n_embd), 0.02, dtype)     # position embeddings
        self.blocks = [Block(n_embd, n_head, rng, residual_std, dtype) for _ in range(n_layer)]
        self.ln_f = LayerNorm(n_embd, dtype=dtype)
        self.lm_head = Linear(n_embd, vocab_size, rng, bias=False, dtype=dtype)

    def __call__(self, inputs):
        inputs = _check_inputs(inputs, self.context, self.vocab_size)
        T = inputs.shape[1]
        x = self.wte[inputs] + self.wpe[:T]                                    # (B, T, C)
        for block in self.blocks:
            x = block(x)                                                       # (B, T, C)
        return self.lm_head(self.ln_f(x))                                      # (B, T, V)


MODELS = {"bigram": Bigram, "mlp": MLP, "transformer": Transformer}

# One line per model for menus and help: what it looks at to guess the next character.
DESCRIPTIONS = {
    "bigram": "Bigram: a table of letter pairs; it sees only the previous character.",
    "mlp": "MLP: a small neural network that sees the last few characters.",
    "transformer": "Transformer: a tiny GPT whose attention looks back over the whole context window.",
}


def build_model(name: str, vocab_size: int, context: int, seed: int = 0, preset: str | None = None,
                dtype=np.float32, **sizes: int) -> Module:
    """Build a model by name: "bigram", "mlp" or "transformer".

    vocab_size: number of distinct characters V; context: the longest input (T) the model takes.
    preset: a key of PRESETS[name] ("small", ...); None means the model's default preset. Keyword `sizes` override
    the preset's values (e.g. n_layer=3). seed fixes the initial weights; dtype is float32 unless asked otherwise
    (the gradient-check tests use float64).
    """
    vocab_size = whole(vocab_size, "vocab_size", minimum=1)
    context = whole(context, "context", minimum=1)
    resolved = {**resolve_sizes(name, preset), **check_sizes(name, sizes)}
    return MODELS[name](vocab_size, context, seed=seed, dtype=np.dtype(dtype), **resolved)


def resolve_sizes(name, preset=None):
    """The sizes of `preset` for model `name` (its default preset when None), or ValueError listing the presets."""
    one_of(name, "model", PRESETS)
    preset = DEFAULTS[name]["preset"] if preset is None else preset
    if preset not in PRESETS[name]:
        raise ValueError(f"the {name} model has no preset {preset!r}; choose one of {', '.join(PRESETS[name])}")
    return PRESETS[name][preset]


def check_sizes(name, sizes, limited=False):
    """`sizes` (n_layer=..., ...) when model `name` has each of them, as ints; ValueError otherwise.

    limited=True also holds each to LIMITS (for settings from a learner or a file, not from code)."""
    one_of(name, "model", MODELS)
    allowed = set(PRESETS[name][DEFAULTS[name]["preset"]])
    unknown = sorted(set(sizes) - allowed)
    if unknown:
        raise ValueError(f"the {name} model has no size {', '.join(map(str, unknown))}; "
                         f"its sizes are {', '.join(sorted(allowed)) or '(none)'}")
    return {k: whole(v, k, *(LIMITS[k] if limited else (1, None))) for k, v in sizes.items()}


def count_parameters(name, vocab_size, context, sizes):
    """The number of weights build_model(name, vocab_size, context, **sizes) would hold, without building it."""
    V, T, s = vocab_size, context, sizes
    if name == "bigram":
        return V * V
    if name == "mlp":
        k, e, h = s["n_chars"], s["n_embd"], s["n_hidden"]
        return (V + 1) * e + (k * e + 1) * h + (h + 1) * V
    C = s["n_embd"]
    block = 2 * 2 * C + (C + 1) * 3 * C + (C + 1) * C + (C + 1) * 4 * C + (4 * C + 1) * C
    return V * C + T * C + s["n_layer"] * block + 2 * C + C * V


def _config(name, vocab_size, context, dtype, **sizes):
    """What build_model needs to build the same model again (saved in checkpoints)."""
    return {"name": name, "vocab_size": vocab_size, "context": context, "dtype": np.dtype(dtype).name, "sizes": sizes}

