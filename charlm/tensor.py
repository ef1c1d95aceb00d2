"""A small reverse-mode autograd over numpy arrays, in the style of micrograd.

Every operation builds its output `Tensor` and a closure that passes the output's gradient on to its parents.
`Tensor.backward()` sorts the graph topologically, seeds the output's gradient with ones and runs the closures in
reverse, so a tensor's closure runs only once every use of it has delivered its gradient.

The gradient rule, in one place (`_grad_to`): the first gradient that reaches a tensor in a backward pass is
ASSIGNED (the array itself when the closure made it and nobody else holds it, else a copy), and every later one is
ADDED into it. Nothing is zero-filled first (only indexing, which scatters into part of a tensor, starts from
zeros). So gradients accumulate across backward calls until an optimiser's `zero_grad()` sets them to None.
An intermediate tensor hands its gradient on and drops it, so no two tensors ever share a gradient array.

The hot ops of a transformer are fused into single operations with hand-written backward passes (layer norm,
causally masked softmax, cross-entropy): each Python-level op costs time, in the browser most of all. The numeric
kernels underneath (matrix products, tanh, GELU) are the platform's fastest, chosen in `kernels.py`.
"""

import numpy as np

from . import kernels

# A finite "minus infinity" for masked attention scores: exp() of it underflows to exactly 0, but unlike -inf it can
# never turn into NaN through inf - inf when a whole row is masked.
MASK_VALUE = -1e9


class Tensor:
    """An n-dimensional numpy array (`.data`) with a gradient (`.grad`, same shape) filled in by `backward()`."""

    def __init__(self, data, _parents=(), _op=""):
        self.data = data if isinstance(data, np.ndarray) else np.asarray(data)
        self.grad = None  # None means "no gradient yet"; see the gradient rule above
        self._parents = _parents
        self._backward = None
        self._op = _op

    # ----- basics -----
    @property
    def shape(self):
        """The shape of `.data`."""
        return self.data.shape

    @property
    def ndim(self):
        """The number of dimensions of `.data`."""
        return self.data.ndim

    @property
    def dtype(self):
        """The dtype of `.data`."""
        return self.data.dtype

    def item(self):
        """The value of a one-element tensor as a Python float."""
        return self.data.item()

    def __repr__(self):
        return f"Tensor(shape={self.shape}, dtype={self.dtype}{', op=' + self._op if self._op else ''})"

    def backward(self):
        """Fill in `.grad` of every tensor this one was computed from, by the chain rule (d self / d tensor).

        The graph is released afterwards (leaf tensors keep their grads): run a new forward pass before the next
        backward."""
        topo, seen = [], set()

        def build(node):  # iterative post-order DFS: a deep graph must not hit Python's recursion limit
            stack = [(node, False)]
            while stack:
                v, expanded = stack.pop()
                if expanded:
                    topo.append(v)
                elif id(v) not in seen:
                    seen.add(id(v))
                    stack.append((v, True))
                    stack.extend((p, False) for p in v._parents if id(p) not in seen)

        build(self)
        _grad_to(self, np.ones_like(self.data), owned=True)  # d self / d self
        for v in reversed(topo):
            if v._backward is not None and v.grad is not None:
                v._backward()
                v.grad = None  # handed on to the parents (who may own the very array now)
        # Free the graph, as PyTorch does after backward: its closures hold every activation of the step and refer to
        # their own outputs, a cycle only the slow cyclic GC would find. Kept, a run held many steps' arrays at once,
        # which in the browser (WebAssembly memory never shrinks) meant hundreds of MB.
        for v in topo:
            if v._parents:
                v._backward, v._parents = None, ()

    # ----- elementwise arithmetic with numpy broadcasting -----
    def _lift(self, other):
        """`other` as a Tensor: a plain number becomes a constant of this tensor's dtype (so float32 stays float32)."""
        if isinstance(other, Tensor):
            return other
        dtype = self.dtype if self.dtype.kind == "f" and isinstance(other, (int, float)) else None
        return Tensor(np.asarray(other, dtype=dtype), _op="const")

    def __add__(self, other):
        other = self._lift(other)
        out = Tensor(self.data + other.data, (self, other), "+")

        def _backward():
            g = out.grad
            g_self = unbroadcast(g, self.shape)
            g_other = None if other._op == "const" else unbroadcast(g, other.shape)
            # g itself may go to one parent only: the other would see the first one's later += through it
            _grad_to(self, g_self, owned=g_self is not g or g_other is not g)
            if g_other is not None:
                _grad_to(other, g_other, owned=True)
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = self._lift(other)
        out = Tensor(self.data * other.data, (self, other), "*")

        def _backward():
            _grad_to(self, unbroadcast(out.grad * other.data, self.shape), owned=True)
            if other._op != "const":
                _grad_to(other, unbroadcast(out.grad * self.data, other.shape), owned=True)
        out._backward = _backward
        return out

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other

    def __truediv__(self, other):
        if isinstance(other, Tensor):
            raise TypeError("Tensor division is only by a plain number; multiply by a Tensor instead")
        return self * (1.0 / float(other))

    __radd__ = __add__
    __rmul__ = __mul__

    # ----- linear algebra and shapes -----
    def __matmul__(self, other):
        """Batched matrix product: (..., n, k) @ (..., k, m) -> (..., n, m), batch dims broadcast."""
        a, b = self.data, other.data
        if b.ndim == 2 and a.ndim >= 2:
            # A weight shared by every position: fold the batch into rows so each product is one 2-D matmul.
            a2 = a.reshape(-1, a.shape[-1])                                 # (N, k)
            out = Tensor(kernels.mm(a2, b).reshape(*a.shape[:-1], b.shape[1]), (self, other), "@")

            def _backward():
                g2 = out.grad.reshape(-1, b.shape[1])                       # (N, m)
                _grad_to(self, kernels.mm(g2, b.T).reshape(a.shape), owned=True)
                if other.grad is None:
                    _grad_to(other, kernels.mm(a2.T, g2), owned=True)       # (k, m)
                else:  # a gradient is there already (a shared weight): add into it, in place where it can
                    kernels.mm_add(other.grad, a2.T, g2)
            out._backward = _backward
            return out
        # Attention's products: B*nh tiny matrices, where numpy's matmul beats a loop of sgemm calls even in the
        # browser (bench/bench_kernels.py), so they stay on numpy everywhere.
        out = Tensor(a @ b, (self, other), "@")

        def _backward():
            g = out.grad
            _grad_to(self, unbroadcast(g @ np.swapaxes(b, -1, -2), self.shape), owned=True)
            _grad_to(other, unbroadcast(np.swapaxes(a, -1, -2) @ g, other.shape), owned=True)
        out._backward = _backward
        return out

    def __getitem__(self, index):
        """Indexing and embedding lookup: `table[ids]` with an integer array picks rows."""
        out = Tensor(self.data[index], (self,), "[]")
        fancy = _is_fancy(index)

        def _backward():
            if self.grad is None:  # a lookup fills only part of the gradient: the one place that starts from zeros
                self.grad = np.zeros_like(self.data)
            if fancy:
                np.add.at(self.grad, index, out.grad)  # a plain += would drop repeated indices
            else:
                self.grad[index] += out.grad
        out._backward = _backward
        return out

    def reshape(self, *shape):
        """The same values in a new shape."""
        out = Tensor(self.data.reshape(*shape), (self,), "reshape")
        out._backward = lambda: _grad_to(self, out.grad.reshape(self.shape), owned=True)
        return out

    def transpose(self, *axes):
        """Permute the axes (all of them, as numpy's `transpose(axes)`)."""
        axes = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        inverse = tuple(np.argsort(axes))
        out = Tensor(self.data.transpose(axes), (self,), "transpose")
        out._backward = lambda: _grad_to(self, out.grad.transpose(inverse), owned=True)
        return out

    def sum(self, axis=None, keepdims=False):
        """Sum over `axis` (all axes by default)."""
        out = Tensor(self.data.sum(axis=axis, keepdims=keepdims), (self,), "sum")

        def _backward():
            g = out.grad
            if not keepdims and axis is not None:
                g = np.expand_dims(g, axis)
            _grad_to(self, np.broadcast_to(g, self.shape))  # a read-only view: copied when it is the first
        out._backward = _backward
        return out

    def mean(self, axis=None, keepdims=False):
        """Mean over `axis` (all axes by default)."""
        count = self.data.size if axis is None else int(np.prod([self.shape[a] for a in np.atleast_1d(axis)]))
        return self.sum(axis=axis, keepdims=keepdims) * (1.0 / count)  # a Python float keeps float32 float32

    # ----- nonlinearities -----
    def tanh(self):
        """Hyperbolic tangent."""
        t = kernels.tanh(self.data)
        out = Tensor(t, (self,), "tanh")
        out._backward = lambda: _grad_to(self, out.grad * (1 - t * t), owned=True)
        return out

    def relu(self):
        """max(0, x)."""
        out = Tensor(np.maximum(self.data, 0), (self,), "relu")
        out._backward = lambda: _grad_to(self, out.grad * (self.data > 0), owned=True)
        return out

    def gelu(self):
        """GELU, tanh approximation (Hendrycks & Gimpel 2016), as used by GPT-2:
        0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). `kernels.gelu` says how it is computed."""
        y, saved = kernels.gelu(self.data)
        out = Tensor(y, (self,), "gelu")
        out._backward = lambda: _grad_to(self, kernels.gelu_grad(out.grad, self.data, saved), owned=True)
        return out


# ----- fused operations -----

def layer_norm(x, weight, bias, eps=1e-5):
    """Layer normalisation over the last axis (Ba, Kiros & Hinton 2016), as one op with its own backward pass."""
    xd = x.data
    mu = xd.mean(axis=-1, keepdims=True)
    xc = xd - mu
    rstd = 1.0 / np.sqrt((xc * xc).mean(axis=-1, keepdims=True) + eps)
    xhat = xc * rstd
    out = Tensor(xhat * weight.data + bias.data, (x, weight, bias), "layer_norm")

    def _backward():
        g = out.grad
        lead = tuple(range(g.ndim - 1))
        _grad_to(weight, (g * xhat).sum(axis=lead), owned=True)
        _grad_to(bias, g.sum(axis=lead), owned=True)
        gx = g * weight.data
        _grad_to(x, rstd * (gx - gx.mean(axis=-1, keepdims=True) - xhat * (gx * xhat).mean(axis=-1, keepdims=True)),
                 owned=True)
    out._backward = _backward
    return out


def causal_softmax(scores, scale=1.0):
    """softmax(scale * scores) over the last axis, where position i may only attend to positions j <= i.

    `scores` is (..., T, T). Masked entries get a large finite negative value and every row is shifted by its max
    before exp(), so nothing overflows and no NaN can appear.
    """
    scale = float(scale)  # a numpy float64 scalar would silently promote float32 scores to float64
    s = scores.data * scale
    T = s.shape[-1]
    s = np.where(np.triu(np.ones((T, T), dtype=bool), k=1), MASK_VALUE, s).astype(s.dtype, copy=False)
    s -= s.max(axis=-1, keepdims=True)
    p = np.exp(s)
    p /= p.sum(axis=-1, keepdims=True)
    out = Tensor(p, (scores,), "causal_softmax")

    def _backward():
        g = out.grad
        _grad_to(scores, scale * p * (g - (g * p).sum(axis=-1, keepdims=True)), owned=True)
    out._backward = _backward
    return out


def cross_entropy(logits, targets):
    """Mean negative log-likelihood (nats per character) of integer `targets` under `logits`.

    logits (..., V) and targets (...) of the same leading shape. Fused and stable: a max-shifted log-softmax forward,
    and backward (softmax - onehot) / N.
    """
    targets = np.asarray(targets)
    if logits.shape[:-1] != targets.shape:
        raise ValueError(f"cross_entropy: logits of shape {logits.shape} need targets of shape {logits.shape[:-1]}, "
                         f"got {targets.shape}")
    V = logits.shape[-1]
    z = logits.data.reshape(-1, V)                                    # (N, V)
    t = targets.reshape(-1)                                           # (N,)
    N = z.shape[0]
    shifted = z - z.max(axis=1, keepdims=True)                        # (N, V)
    exp = np.exp(shifted)                                             # (N, V)
    sum_exp = exp.sum(axis=1, keepdims=True)                          # (N, 1)
    rows = np.arange(N)
    nll = np.log(sum_exp[:, 0]) - shifted[rows, t]                    # (N,)
    out = Tensor(nll.mean(dtype=z.dtype), (logits,), "cross_entropy")

    def _backward():
        d = exp / sum_exp                                             # softmax, (N, V)
        d[rows, t] -= 1
        d *= out.grad / N
        _grad_to(logits, d.reshape(logits.shape), owned=True)
    out._backward = _backward
    return out


# ----- helpers -----

def unbroadcast(grad, shape):
    """Sum `grad` down to `shape`, undoing numpy broadcasting (leading axes added, size-1 axes stretched)."""
    if grad.shape == shape:
        return grad
    grad = grad.sum(axis=tuple(range(grad.ndim - len(shape))))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


def _grad_to(t, grad, owned=False):
    """Deliver `grad` (of t's shape) to t: the first gradient is assigned, later ones are added (see the module doc).

    `owned` means the caller made `grad` (or was handed it) and nothing else will read or write it, so it may become
    t.grad itself; otherwise the first gradient is copied, because t.grad is added into in place later."""
    if t.grad is not None:
        t.grad += grad
    elif owned and grad.dtype == t.data.dtype and grad.flags.writeable:
        t.grad = grad
    else:
        t.grad = np.array(grad, dtype=t.data.dtype)  # an owned copy (also of a read-only broadcast view)


def _is_fancy(index):
    """True when `index` uses integer/boolean arrays (advanced indexing), which may repeat elements."""
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, (np.ndarray, list)) for p in parts)
