"""Building blocks for the models: a `Module` base that finds its parameters, and the layers made of them."""

import numpy as np

from .tensor import Tensor, layer_norm


class Module:
    """Base class: parameters are the `Tensor` attributes of a module and of its sub-modules (and lists of them),
    named by attribute path (`blocks.0.attn.c_attn.weight`) in the order they were assigned, so the order is stable.
    """

    def named_parameters(self, prefix=""):
        """Yield (name, Tensor) for every parameter, in a stable order."""
        for name, value in vars(self).items():
            if isinstance(value, Tensor):
                yield prefix + name, value
            elif isinstance(value, Module):
                yield from value.named_parameters(f"{prefix}{name}.")
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, Module):
                        yield from item.named_parameters(f"{prefix}{name}.{i}.")

    def parameters(self):
        """All parameter Tensors, in a stable order (the order optimiser state is saved in)."""
        return [p for _, p in self.named_parameters()]

    def num_parameters(self):
        """The number of trainable numbers in the model."""
        return int(sum(p.data.size for p in self.parameters()))

    def state_dict(self):
        """A copy of every parameter array, by name."""
        return {name: p.data.copy() for name, p in self.named_parameters()}

    def load_state_dict(self, state):
        """Copy arrays from `state` (as made by `state_dict()`) into the parameters, in place.

        Raises ValueError naming the key when a key is missing or unexpected, or when a shape differs (with both
        shapes), before changing anything.
        """
        params = dict(self.named_parameters())
        missing = [k for k in params if k not in state]
        unexpected = [k for k in state if k not in params]
        if missing or unexpected:
            parts = []
            if missing:
                parts.append(f"missing keys {missing}")
            if unexpected:
                parts.append(f"unexpected keys {unexpected}")
            raise ValueError(f"the saved weights do not fit this model: {'; '.join(parts)}. "
                             f"They were saved from a different kind of model.")
        for name, p in params.items():
            shape = np.shape(state[name])
            if shape != p.data.shape:
                raise ValueError(f"the saved weights do not fit this model: '{name}' has shape {shape} in the "
                                 f"checkpoint but {p.data.shape} in the model. Build the model with the sizes it "
                                 f"was saved with.")
        for name, p in params.items():
            p.data = np.array(state[name], dtype=p.data.dtype)
            p.grad = None


class Linear(Module):
    """y = x @ weight + bias, weight (n_in, n_out) drawn from N(0, std)."""

    def __init__(self, n_in, n_out, rng, std=0.02, bias=True, dtype=np.float32):
        self.weight = Tensor((rng.standard_normal((n_in, n_out)) * std).astype(dtype))
        self.bias = Tensor(np.zeros(n_out, dtype=dtype)) if bias else None

    def __call__(self, x):
        y = x @ self.weight
        return y + self.bias if self.bias is not None else y


class LayerNorm(Module):
    """Layer normalisation over the last axis with a learned gain (ones) and bias (zeros)."""

    def __init__(self, n, dtype=np.float32):
        self.weight = Tensor(np.ones(n, dtype=dtype))
        self.bias = Tensor(np.zeros(n, dtype=dtype))

    def __call__(self, x):
        return layer_norm(x, self.weight, self.bias)


def normal(rng, shape, std, dtype):
    """A parameter Tensor of the given shape drawn from N(0, std)."""
    return Tensor((rng.standard_normal(shape) * std).astype(dtype))
