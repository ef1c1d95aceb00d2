"""Optimisers (SGD, Adam/AdamW) and gradient clipping.

`optimizer.step()` does everything after `loss.backward()`: clip the gradients (when made with grad_clip=...),
update the weights, and clear the gradients it used. So the whole training step is four lines,

    logits = model(inputs)
    loss = cross_entropy(logits, targets)
    loss.backward()
    optimizer.step()

and nothing else is needed. Gradients add up over backward passes until a step clears them, which is what gradient
accumulation wants: make the optimiser with zero_grad=False, call backward() on several batches, then step() and
zero_grad() yourself.
"""

import math

import numpy as np

from .checks import positive


class Optimizer:
    """Shared by SGD and Adam: the parameter list, a validated `lr`, clipping, the step, snapshots, state saving.

    grad_clip: None, or the largest global L2 norm of the gradients (they are scaled down together beyond it).
    zero_grad: whether step() clears the gradients after using them (the default; False for accumulation).
    """

    def __init__(self, params, lr, weight_decay, grad_clip=None, zero_grad=True):
        self.params = list(params)
        if not self.params:
            raise ValueError("the optimiser got no parameters; pass model.parameters()")
        self.lr = lr
        if not math.isfinite(weight_decay) or weight_decay < 0:
            raise ValueError(f"weight_decay must be a number >= 0, got {weight_decay!r}")
        self.weight_decay = float(weight_decay)
        self.grad_clip = None if grad_clip is None else positive(grad_clip, "grad_clip (or None for no clipping)")
        self.clears_grads = bool(zero_grad)
        self.grad_norm = None  # the global gradient norm the last step saw, before clipping

    def step(self) -> float:
        """Clip the gradients (if grad_clip), update every parameter that has one, then clear them (if zero_grad).

        Returns the gradients' global L2 norm before clipping. When it is not a finite number the weights are left
        as they were (an update with it would make them NaN too): the caller can see it in the returned value.
        """
        norm = clip_grad_norm(self.params, self.grad_clip or math.inf)
        if math.isfinite(norm):
            self.t += 1
            self._update()
        if self.clears_grads:
            self.zero_grad()
        self.grad_norm = norm
        return norm

    @property
    def lr(self):
        """The learning rate; may be changed between steps (validated on assignment)."""
        return self._lr

    @lr.setter
    def lr(self, value):
        self._lr = positive(value, "learning rate")

    def zero_grad(self):
        """Forget the gradients of the last backward pass (they would otherwise accumulate)."""
        for p in self.params:
            p.grad = None

    # Updates build new arrays instead of writing into the old ones, so a snapshot is just references: free to take
    # before every step, which lets a trainer undo a step that made the model diverge.
    def snapshot(self):
        """The current parameter arrays and optimiser state, to hand back to `restore()`."""
        return [p.data for p in self.params], self.t, {k: list(getattr(self, k)) for k in self._buffers}

    def restore(self, snapshot):
        """Put back the parameters and optimiser state saved by `snapshot()`."""
        datas, self.t, buffers = snapshot  # the learning rate is the learner's choice: it stays as it is now
        for p, data in zip(self.params, datas):
            p.data = data
        for k, arrays in buffers.items():
            setattr(self, k, list(arrays))

    def state_dict(self):
        """The optimiser's running state as a flat dict of numpy arrays, for a checkpoint."""
        return {"t": np.array(self.t), **{f"{k}.{i}": a.copy() for k in self._buffers
                                           for i, a in enumerate(getattr(self, k))}}

    def load_state_dict(self, state):
        """Restore what `state_dict()` returned; ValueError when it does not fit these parameters."""
        expected = {"t"} | {f"{k}.{i}" for k in self._buffers for i in range(len(self.params))}
        if set(state) != expected:
            raise ValueError(f"the optimiser state does not fit: expected keys {sorted(expected)}, "
                             f"got {sorted(state)}")
        for k in self._buffers:
            for i, p in enumerate(self.params):
                shape = np.shape(state[f"{k}.{i}"])
                if shape != p.data.shape:
                    raise ValueError(f"the optimiser state does not fit: '{k}.{i}' has shape {shape} but the "
                                     f"parameter has shape {p.data.shape}")
        self.t = int(state["t"])
        for k in self._buffers:
            setattr(self, k, [np.array(state[f"{k}.{i}"], dtype=p.data.dtype) for i, p in enumerate(self.params)])


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum and (L2) weight decay."""

    _buffers = ("velocity",)

    def __init__(self, params, lr: float, momentum: float = 0.0, weight_decay: float = 0.0,
                 grad_clip: float | None = None, zero_grad: bool = True):
        super().__init__(params, lr, weight_decay, grad_clip, zero_grad)
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
        self.momentum = float(momentum)
        self.t = 0
        self.velocity = [np.zeros_like(p.data) for p in self.params]

    def _update(self):
        """Move every parameter against its gradient."""
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            g = p.grad + self.weight_decay * p.data if self.weight_decay else p.grad
            if self.momentum:
                self.velocity[i] = g = self.momentum * self.velocity[i] + g
            p.data = p.data - self.lr * g


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) with decoupled weight decay (AdamW, Loshchilov & Hutter 2019)."""

    _buffers = ("m", "v")

    def __init__(self, params, lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, grad_clip: float | None = None, zero_grad: bool = True):
        super().__init__(params, lr, weight_decay, grad_clip, zero_grad)
        b1, b2 = betas
        if not (0 <= b1 < 1 and 0 <= b2 < 1):
            raise ValueError(f"betas must both be in [0, 1), got {betas!r}")
        self.betas, self.eps = (float(b1), float(b2)), float(eps)
        self.t = 0
        self.m = [np.zeros_like(p.data) for p in self.params]
        self.v = [np.zeros_like(p.data) for p in self.params]

    def _update(self):
        """One Adam update of every parameter that has a gradient."""
        b1, b2 = self.betas
        # Fold both bias corrections into the step size: lr * sqrt(1 - b2^t) / (1 - b1^t).
        step_size = self.lr * math.sqrt(1 - b2 ** self.t) / (1 - b1 ** self.t)
        eps = self.eps * math.sqrt(1 - b2 ** self.t)
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            g = p.grad
            self.m[i] = m = b1 * self.m[i] + (1 - b1) * g
            self.v[i] = v = b2 * self.v[i] + (1 - b2) * (g * g)
            data = p.data - (self.lr * self.weight_decay) * p.data if self.weight_decay else p.data
            p.data = data - step_size * m / (np.sqrt(v) + eps)


def clip_grad_norm(params, max_norm: float) -> float:
    """Scale all gradients down together so their global L2 norm is at most `max_norm`; return the norm before.

    A non-finite norm is returned as is and the gradients are left alone, so the caller can refuse the step.
    """
    grads = [p.grad for p in params if p.grad is not None]
    total = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
    if math.isfinite(total) and total > max_norm:
        scale = max_norm / (total + 1e-6)
        for g in grads:
            g *= scale
    return total
