"""The training loop as an object the browser can drive in short chunks, and save and restore whole.

One step is exactly the four-line loop of the lesson, which a learner can run in any Python:

    rng = np.random.default_rng(seed)            # batches drawn from this rng in order, nothing else uses it
    optimizer = charlm.Adam(model.parameters(), lr=lr, grad_clip=1.0)
    for step in range(steps):
        inputs, targets = data.batch(batch_size, "train", rng)   # (B, T), (B, T)
        logits = model(inputs)                                   # (B, T, V)
        loss = charlm.cross_entropy(logits, targets)
        loss.backward()
        optimizer.step()                                         # clip, update, clear the gradients

so the losses depend only on the configuration, not on how the steps are split into chunks. After each step the
Trainer asks charlm.divergence whether training has blown up; if it has, it puts back the last good weights and
raises TrainingDiverged.
"""

import json
import math
import time
from collections import deque

import numpy as np

from . import __version__, divergence
from .checkpoint import load_model_arrays, model_arrays, pack, read_session
from .checks import LIMITS, limited, one_of, positive, whole
from .data import Corpus
from .evaluation import evaluate
from .models import DEFAULTS, build_model, check_sizes, count_parameters, resolve_sizes
from .optim import SGD, Adam
from .tensor import cross_entropy

OPTIMIZERS = {"adam": Adam, "sgd": SGD}


class TrainingDiverged(ValueError):
    """Training blew up (see charlm.divergence) and the trainer went back to its last good weights.

    str(e) says what happened and what to try, in words for anyone; a page or a command line that wants to name its
    own control writes `e.explanation` and then its own advice with `e.suggested_lr`. Fields:
    reason ("not finite", "gradients not finite", "far above", "climbing"), loss (the value that tripped the rule),
    lr (the learning rate in use), suggested_lr, uniform (ln V), step (the step the trainer is back at: its weights,
    losses and optimiser are those of that step), new_losses (the losses kept from the call that failed).
    """

    def __init__(self, explanation, *, reason, loss, lr, suggested_lr, uniform, step, new_losses):
        super().__init__(f"{explanation}: try {divergence.number(suggested_lr)} or lower.")
        self.explanation, self.reason, self.loss, self.lr = explanation, reason, loss, lr
        self.suggested_lr, self.uniform, self.step, self.new_losses = suggested_lr, uniform, step, new_losses


class Trainer:
    """Trains one model on one text, step by step, reproducibly.

    Arguments left as None take DEFAULTS[model]; extra keyword sizes (n_layer=3, ...) override the preset's. Every
    setting is held to charlm.checks.LIMITS, like the page's form. A validation loss is measured at step 0 and after
    every `eval_every` steps (0 turns that off) on a fixed set of validation windows, so `val_losses` depends only on
    the step, never on how the run was chunked. The step-0 one is measured when it is first needed (see val_losses).

    When charlm.divergence finds that training blew up (a loss or gradient that is not a number, a loss stuck far
    above a uniform guess, or a loss climbing back up), the trainer goes back to the weights, optimiser state, losses
    and batch rng of the last good step, before the blow-up began, and raises TrainingDiverged.

    Attributes: data (Corpus), model, optimizer, step (steps done), losses (training loss of every step),
    val_losses ((step, loss) pairs), epoch (passes over the training text), tokens_per_step, config (a plain dict
    that rebuilds this trainer with the text).
    """

    def __init__(self, text: str, model: str = "transformer", preset: str | None = None, context: int | None = None,
                 lr: float | None = None, batch_size: int | None = None, seed: int = 0, optimizer: str = "adam",
                 val_fraction: float = 0.1, eval_every: int = 50, grad_clip: float | None = 1.0, **sizes):
        defaults = DEFAULTS[one_of(model, "model", DEFAULTS)]
        one_of(optimizer, "optimizer", OPTIMIZERS)
        preset = defaults["preset"] if preset is None else preset
        self.config = check_config({
            "model": model,
            "preset": preset,
            "sizes": {**resolve_sizes(model, preset), **sizes},
            "context": defaults["context"] if context is None else context,
            "lr": defaults["lr" if optimizer == "adam" else "sgd_lr"] if lr is None else lr,
            "batch_size": defaults["batch_size"] if batch_size is None else batch_size,
            "seed": seed,
            "optimizer": optimizer,
            "val_fraction": val_fraction,
            "eval_every": eval_every,
            "grad_clip": grad_clip,
            "version": __version__,
        })
        self._build(text)
        # Step 0's validation loss is left until it is first needed, so that building a trainer is quick: in a
        # browser it is most of the time between choosing settings and a usable Train button (~0.15 s).
        self._start_loss_due = bool(self.config["eval_every"])

    def _build(self, text):
        cfg = self.config
        self.data = Corpus(text, context=cfg["context"], val_fraction=cfg["val_fraction"])
        count = count_parameters(cfg["model"], len(self.data.vocab), cfg["context"], cfg["sizes"])
        most = LIMITS["parameters"][1]
        if count > most:
            raise ValueError(f"this model would have {count:,} weights; at most {most:,} train in a browser. "
                             f"Choose smaller sizes")
        self.model = build_model(cfg["model"], len(self.data.vocab), cfg["context"], seed=cfg["seed"],
                                 **cfg["sizes"])
        self.optimizer = OPTIMIZERS[cfg["optimizer"]](self.model.parameters(), lr=cfg["lr"],
                                                      grad_clip=cfg["grad_clip"])
        self.rng = np.random.default_rng(cfg["seed"])  # the batches' rng: nothing else draws from it
        self.step = 0
        self.losses, self.val_losses = [], []
        self._forget_good_states()

    @property
    def val_losses(self) -> list[tuple[int, float]]:
        """(step, loss) pairs: step 0, then every `eval_every` steps. Step 0's is measured on first need: when this
        is read, or before the first step changes the weights."""
        self._measure_start_loss()
        return self._val_losses

    @val_losses.setter
    def val_losses(self, pairs):
        self._val_losses, self._start_loss_due = list(pairs), False

    @property
    def start_loss_pending(self) -> bool:
        """True while step 0's validation loss is still to be measured (reading val_losses would measure it)."""
        return self._start_loss_due

    def _measure_start_loss(self):
        if self._start_loss_due:
            self._start_loss_due = False
            self._val_losses.insert(0, (0, self.evaluate()))  # still step 0's weights: every step measures first

    # ----- progress -----
    @property
    def tokens_per_step(self) -> int:
        """Characters predicted per step: batch size x context."""
        return self.config["batch_size"] * self.config["context"]

    @property
    def epoch(self) -> float:
        """Training characters consumed so far divided by the length of the training text."""
        return self.step * self.tokens_per_step / len(self.data.train)

    @property
    def uniform_loss(self) -> float:
        """ln V: the loss of guessing every character equally, where a fresh model starts."""
        return math.log(len(self.data.vocab))

    def evaluate(self, split: str = "val") -> float:
        """Mean loss (nats per character) on the fixed evaluation windows of `split`."""
        return evaluate(self.model, self.data, split)

    # ----- training -----
    def run(self, steps: int) -> list[float]:
        """Train for `steps` steps; return their losses."""
        whole(steps, "steps", minimum=0)
        start = len(self.losses)
        for _ in range(steps):
            self._train_step(start)
        return self.losses[start:]

    def run_for(self, seconds: float, max_steps: int | None = None) -> list[float]:
        """Train until `seconds` have passed (stopping after the step that crosses the deadline; at least one
        step), or for at most `max_steps` steps; return the new losses. For a browser that redraws between chunks."""
        if seconds != 0:
            positive(seconds, "seconds")
        if max_steps is not None:
            whole(max_steps, "max_steps", minimum=0)
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
            self._four_lines(call_start)

    def _four_lines(self, call_start):
        cfg, model, optimizer = self.config, self.model, self.optimizer
        self._measure_start_loss()
        # The state before this step: references, not copies (updates build new arrays), so it costs nothing.
        self._recent.append((self.step, optimizer.snapshot(), self.rng.bit_generator.state))
        inputs, targets = self.data.batch(cfg["batch_size"], "train", self.rng)   # (B, T), (B, T)
        logits = model(inputs)                                                    # (B, T, V)
        loss = cross_entropy(logits, targets)
        loss.backward()
        norm = optimizer.step()
        self.losses.append(loss.item())
        self.step += 1
        found = divergence.check(self.losses, self.uniform_loss, self._best_mean)
        if found is None and not math.isfinite(norm):
            found = divergence.Divergence("gradients not finite", len(self.losses) - 1, norm)
        if found is not None:
            self._diverged(found, call_start)
        mean = divergence.window_mean(self.losses)
        if mean is not None and (self._best_mean is None or mean < self._best_mean):
            # the weights measured by the last loss of the best window so far: where a climb is rolled back to
            self._best_mean, self._best_state = mean, self._recent[-1]
        if cfg["eval_every"] and self.step % cfg["eval_every"] == 0:
            self.val_losses.append((self.step, self.evaluate()))

    def _forget_good_states(self):
        """Start over the record of good states (after building, loading or rolling back)."""
        self._recent = deque(maxlen=divergence.HIGH_STEPS + 1)  # enough to reach back before a high plateau
        self._best_mean, self._best_state = divergence.best_window_mean(self.losses), None

    def _good_state(self, found):
        """The saved state to go back to: the best one for a climb, else the latest from before the blow-up."""
        if found.reason == "climbing" and self._best_state is not None:
            return self._best_state
        before = [s for s in self._recent if s[0] <= max(found.start - 1, 0)]
        return before[-1] if before else self._best_state or self._recent[0]

    def _diverged(self, found, call_start):
        """Go back to the last good state and raise TrainingDiverged explaining what happened."""
        step, snapshot, rng_state = self._good_state(found)
        self.optimizer.restore(snapshot)
        self.optimizer.zero_grad()
        self.rng.bit_generator.state = rng_state  # the steps will be redone on the same batches
        self.step = step
        del self.losses[step:]
        self.val_losses = [(s, v) for s, v in self.val_losses if s <= step]
        self._forget_good_states()
        self._best_state = (step, snapshot, rng_state)  # the only good state left to return to
        cfg, lr = self.config, self.optimizer.lr
        default = DEFAULTS[cfg["model"]]["lr" if cfg["optimizer"] == "adam" else "sgd_lr"]
        uniform = self.uniform_loss
        raise TrainingDiverged(divergence.explain(found, uniform, lr, step), reason=found.reason, loss=found.loss,
                               lr=lr, suggested_lr=divergence.suggest_lr(lr, default), uniform=uniform, step=step,
                               new_losses=self.losses[min(call_start, step):])

    # ----- saving -----
    def to_bytes(self) -> bytes:
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
    def from_bytes(cls, data: bytes) -> "Trainer":
        """A trainer restored from `to_bytes()`; training continues as if it had never stopped.

        ValueError with a plain message when the bytes are not a training session, are damaged, or hold settings
        beyond charlm.checks.LIMITS; nothing is decompressed before its declared size has been checked."""
        arrays, meta, state = read_session(data)
        self = cls.__new__(cls)
        self.config = state["config"]
        self._build(state["text"])
        if "".join(self.data.vocab.chars) != meta["vocab"]:
            raise ValueError("this training checkpoint is inconsistent: its text does not match its vocabulary")
        load_model_arrays(self.model, arrays)
        try:
            self.optimizer.load_state_dict({k[len("optim/"):]: v for k, v in arrays.items()
                                            if k.startswith("optim/")})
        except (TypeError, IndexError):
            raise ValueError("this training checkpoint is damaged (its optimiser state cannot be read)") from None
        self.optimizer.lr = state["lr"]
        try:
            self.rng.bit_generator.state = state["rng"]
        except (KeyError, TypeError, ValueError, OverflowError):
            raise ValueError("this training checkpoint is damaged (its random-number state cannot be read)") from None
        self.step, self.losses, self.val_losses = state["step"], state["losses"], state["val_losses"]
        self._forget_good_states()
        return self


def check_config(cfg):
    """A trainer's config with every setting checked against LIMITS (ValueError naming the first bad one)."""
    cfg = dict(cfg)
    model = one_of(cfg.get("model"), "model", DEFAULTS)
    one_of(cfg.get("optimizer"), "optimizer", OPTIMIZERS)
    resolve_sizes(model, cfg.get("preset"))
    sizes = cfg.get("sizes")
    if not isinstance(sizes, dict):
        raise ValueError("the model's sizes must be a mapping such as {'n_layer': 2}")
    cfg["sizes"] = check_sizes(model, sizes, limited=True)
    for key in ("context", "batch_size", "seed", "eval_every"):
        cfg[key] = limited(cfg.get(key), key)  # plain ints: numpy integers would not survive JSON in to_bytes()
    cfg["lr"] = limited(cfg.get("lr"), "lr", "learning rate")
    fraction = cfg.get("val_fraction")
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 < fraction < 1:
        raise ValueError(f"val_fraction must be a number between 0 and 1 (e.g. 0.1), got {fraction!r}")
    cfg["grad_clip"] = cfg.get("grad_clip")
    if cfg["grad_clip"] is not None:
        cfg["grad_clip"] = positive(cfg["grad_clip"], "grad_clip (or None for no clipping)")
    return cfg
