"""The training loop as an object the browser can drive in short chunks, and save and restore whole.

One step is exactly the plain loop a learner can run in any Python:

    rng = np.random.default_rng(seed)            # batches drawn from this rng in order, nothing else uses it
    for step in range(steps):
        inputs, targets = data.batch(batch_size, "train", rng)   # (B, T), (B, T)
        logits = model(inputs)                                   # (B, T, V)
        loss = charlm.cross_entropy(logits, targets)
        opt.zero_grad(); loss.backward(); charlm.clip_grad_norm(model.parameters(), 1.0); opt.step()

so the losses depend only on the configuration, not on how the steps are split into chunks.
"""

import json
import math
import time

import numpy as np

from . import __version__
from .checkpoint import load_model_arrays, model_arrays, pack, unpack
from .data import Corpus
from .evaluation import evaluate
from .models import DEFAULTS, build_model, resolve_sizes
from .optim import SGD, Adam, check_lr, clip_grad_norm
from .tensor import cross_entropy

OPTIMIZERS = {"adam": Adam, "sgd": SGD}


class TrainingDiverged(ValueError):
    """The loss or the gradients stopped being finite numbers; the update that caused it has been undone.

    .step is the number of steps the trainer now holds (its weights, losses and optimiser are those of that step),
    .new_losses the losses kept from the call that failed (so a caller can still show them).
    """

    def __init__(self, message, step, new_losses):
        super().__init__(message)
        self.step, self.new_losses = step, new_losses


class Trainer:
    """Trains one model on one text, step by step, reproducibly.

    Arguments left as None take DEFAULTS[model]; extra keyword sizes (n_layer=3, ...) override the preset's.
    A validation loss is measured at step 0 and after every `eval_every` steps (0 turns that off) on a fixed set
    of validation windows, so `val_losses` depends only on the step, never on how the run was chunked.

    A step whose loss or gradient norm is not a finite number is refused and raises TrainingDiverged; the update
    before it is undone too (its weights produced the bad number), so the trainer is left with weights, optimiser
    state, losses and batch rng of the step before, ready to redo it with a lower learning rate.

    Attributes: data (Corpus), model, optimizer, step (steps done), losses (training loss of every step),
    val_losses ((step, loss) pairs), epoch (passes over the training text), tokens_per_step, config (a plain dict
    that rebuilds this trainer with the text).
    """

    def __init__(self, text, model="transformer", preset=None, context=None, lr=None, batch_size=None, seed=0,
                 optimizer="adam", val_fraction=0.1, eval_every=50, grad_clip=1.0, **sizes):
        if model not in DEFAULTS:
            raise ValueError(f"unknown model {model!r}; choose one of {', '.join(DEFAULTS)}")
        defaults = DEFAULTS[model]
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
        preset = defaults["preset"] if preset is None else preset
        self.config = {
            "model": model,
            "preset": preset,
            "sizes": {**resolve_sizes(model, preset), **sizes},
            "context": defaults["context"] if context is None else context,
            "lr": defaults["lr" if optimizer == "adam" else "sgd_lr"] if lr is None else check_lr(lr),
            "batch_size": defaults["batch_size"] if batch_size is None else batch_size,
            "seed": seed,
            "optimizer": optimizer,
            "val_fraction": val_fraction,
            "eval_every": eval_every,
            "grad_clip": grad_clip,
            "version": __version__,
        }
        _check_whole("batch size", self.config["batch_size"], minimum=1)
        _check_whole("context", self.config["context"], minimum=1)
        _check_whole("seed", seed, minimum=0)
        _check_whole("eval_every", eval_every, minimum=0)
        for key in ("batch_size", "context", "seed", "eval_every"):
            self.config[key] = int(self.config[key])  # numpy integers would not survive JSON in to_bytes()
        if grad_clip is not None and (isinstance(grad_clip, bool) or not isinstance(grad_clip, (int, float))
                                      or not grad_clip > 0 or not math.isfinite(grad_clip)):
            raise ValueError(f"grad_clip must be a positive number (or None for no clipping), got {grad_clip!r}")
        self._build(text)
        if eval_every:
            self.val_losses.append((0, self.evaluate()))

    def _build(self, text):
        cfg = self.config
        self.data = Corpus(text, context=cfg["context"], val_fraction=cfg["val_fraction"])
        self.model = build_model(cfg["model"], len(self.data.vocab), cfg["context"], seed=cfg["seed"],
                                 **cfg["sizes"])
        self.optimizer = OPTIMIZERS[cfg["optimizer"]](self.model.parameters(), lr=cfg["lr"])
        self.rng = np.random.default_rng(cfg["seed"])  # the batches' rng: nothing else draws from it
        self.step = 0
        self.losses, self.val_losses = [], []
        self._undo = None  # the state before the last step, to roll back to if the next loss is not finite

    # ----- progress -----
    @property
    def tokens_per_step(self):
        """Characters predicted per step: batch size x context."""
        return self.config["batch_size"] * self.config["context"]

    @property
    def epoch(self):
        """Training characters consumed so far divided by the length of the training text."""
        return self.step * self.tokens_per_step / len(self.data.train)

    def evaluate(self, split="val"):
        """Mean loss (nats per character) on the fixed evaluation windows of `split`."""
        return evaluate(self.model, self.data, split)

    # ----- training -----
    def run(self, steps):
        """Train for `steps` steps; return their losses."""
        _check_whole("steps", steps, minimum=0)
        start = len(self.losses)
        for _ in range(steps):
            self._train_step(start)
        return self.losses[start:]

    def run_for(self, seconds, max_steps=None):
        """Train until `seconds` have passed (stopping after the step that crosses the deadline; at least one
        step), or for at most `max_steps` steps; return the new losses. For a browser that redraws between chunks."""
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds >= 0:
            raise ValueError(f"seconds must be a number >= 0, got {seconds!r}")
        if max_steps is not None:
            _check_whole("max_steps", max_steps, minimum=0)
        deadline = time.perf_counter() + seconds
        start = len(self.losses)
        while max_steps is None or len(self.losses) - start < max_steps:
            self._train_step(start)
            if time.perf_counter() >= deadline:
                break
        return self.losses[start:]

    def _train_step(self, call_start):
        # Overflow on the way to a NaN is reported once, as TrainingDiverged, not as numpy warnings on every op.
        with np.errstate(over="ignore", invalid="ignore"):
            self._train_step_unchecked(call_start)

    def _train_step_unchecked(self, call_start):
        cfg, opt = self.config, self.optimizer
        rng_state = self.rng.bit_generator.state
        inputs, targets = self.data.batch(cfg["batch_size"], "train", self.rng)    # (B, T), (B, T)
        logits = self.model(inputs)                                                # (B, T, V)
        loss = cross_entropy(logits, targets)
        value = loss.item()
        if not math.isfinite(value):
            self._diverged("loss", value, call_start)
        opt.zero_grad()
        loss.backward()
        norm = clip_grad_norm(self.model.parameters(), cfg["grad_clip"] or math.inf)
        if not math.isfinite(norm):
            opt.zero_grad()
            self._diverged("gradients", norm, call_start)
        self._undo = (opt.snapshot(), rng_state, self.step)
        opt.step()
        self.step += 1
        self.losses.append(value)
        if cfg["eval_every"] and self.step % cfg["eval_every"] == 0:
            self.val_losses.append((self.step, self.evaluate()))

    def _diverged(self, what, value, call_start):
        """Undo the last update (its weights gave a non-finite number) and raise TrainingDiverged."""
        failed_at = self.step + 1
        if self._undo is not None:
            snapshot, rng_state, step = self._undo
            self.optimizer.restore(snapshot)
            self.rng.bit_generator.state = rng_state  # the step will be redone on the same batch
            self.step = step
            del self.losses[step:]
            self.val_losses = [(s, v) for s, v in self.val_losses if s <= step]
            self._undo = None
        became = "NaN" if math.isnan(value) else "infinite"
        raise TrainingDiverged(
            f"the {what} became {became} at step {failed_at}: the learning rate {self.optimizer.lr:g} is too large; "
            f"the weights from step {self.step} are kept, lower the learning rate and press Train",
            self.step, self.losses[min(call_start, self.step):])

    # ----- saving -----
    def to_bytes(self):
        """Everything needed to continue exactly where this trainer is: config, text, weights, optimiser state,
        the batches' rng state, losses and validation losses (an .npz, see charlm.checkpoint)."""
        arrays = model_arrays(self.model)
        arrays.update({f"optim/{k}": v for k, v in self.optimizer.state_dict().items()})
        arrays["text"] = np.frombuffer(self.data.text.encode("utf-8", "surrogatepass"), dtype=np.uint8)
        arrays["losses"] = np.array(self.losses, dtype=np.float64)
        arrays["val_losses"] = np.array(self.val_losses, dtype=np.float64).reshape(-1, 2)
        return pack(arrays, {
            "kind": "trainer", "model": self.model.config, "vocab": "".join(self.data.vocab.chars),
            "trainer": {"config": self.config, "step": self.step, "lr": self.optimizer.lr,
                        "rng": json.loads(json.dumps(self.rng.bit_generator.state))},
        })

    @classmethod
    def from_bytes(cls, data):
        """A trainer restored from `to_bytes()`; training continues as if it had never stopped."""
        arrays, meta = unpack(data)
        if meta.get("kind") != "trainer" or "trainer" not in meta:
            raise ValueError("this checkpoint holds a model only, not a training session; load it with "
                             "charlm.load_bytes to sample from it")
        state = meta["trainer"]
        self = cls.__new__(cls)
        try:
            self.config = dict(state["config"])
            text = arrays["text"].tobytes().decode("utf-8", "surrogatepass")
            self._build(text)
            load_model_arrays(self.model, arrays)
            self.optimizer.load_state_dict({k[len("optim/"):]: v for k, v in arrays.items()
                                            if k.startswith("optim/")})
            self.optimizer.lr = state["lr"]
            self.rng.bit_generator.state = state["rng"]
            self.step = int(state["step"])
            self.losses = [float(x) for x in arrays["losses"]]
            self.val_losses = [(int(s), float(v)) for s, v in arrays["val_losses"]]
        except (KeyError, TypeError) as e:
            raise ValueError(f"this training checkpoint is incomplete (missing {e})") from None
        if "".join(self.data.vocab.chars) != meta.get("vocab"):
            raise ValueError("this training checkpoint is inconsistent: its text does not match its vocabulary")
        return self


def _check_whole(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}")
