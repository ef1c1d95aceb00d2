"""The numeric kernels under charlm's autograd, chosen for the platform: 2-D matrix products, tanh and GELU.

- CPython: numpy's own `@` (numpy ships an optimised BLAS) and `np.tanh` (SIMD maths).
- Pyodide: numpy there has no BLAS and no SIMD maths. Matrix products start on einsum (1.5-3x faster than matmul's
  fallback loop there) and move to OpenBLAS's `cblas_sgemm`, called through ctypes, once `use_openblas()` finds
  the library (Pyodide's `openblas` package installs it at `OPENBLAS_PATH`); tanh and GELU go through one exp().

Only the speed differs between kernels: all compute the same products and the same functions (float rounding
aside), and float64 (the gradient checks) always goes to numpy. `kernel()` names the matrix kernel in use.
"""

import ctypes
import sys

import numpy as np

IN_BROWSER = sys.platform == "emscripten"
OPENBLAS_PATH = "/usr/lib/libopenblas.so"  # where Pyodide's `openblas` shared-library package puts it

# CBLAS enums (cblas.h)
ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112

NATIVE = "numpy (native BLAS)"
EINSUM = "numpy einsum (no BLAS)"
OPENBLAS = "OpenBLAS sgemm"

_sgemm = None      # the Sgemm in use for float32 products, or None for numpy
_problem = None    # why OpenBLAS is not in use, after a use_openblas() that could not load it


class Sgemm:
    """C = A @ B for float32 2-D arrays through a CBLAS `cblas_sgemm`.

    A transposed input (an F-contiguous array, such as `w.T` of a C-contiguous `w`) is read in place by passing
    CBLAS the transposition flag instead of copying it; only an input that is neither C- nor F-contiguous is copied.
    `int_type` is the library's integer: c_int, or c_int64 for an ILP64 build such as the one numpy ships.
    """

    def __init__(self, fn, int_type=ctypes.c_int):
        fn.restype = None
        fn.argtypes = ([ctypes.c_int] * 3 + [int_type] * 3
                       + [ctypes.c_float, ctypes.c_void_p, int_type, ctypes.c_void_p, int_type,
                          ctypes.c_float, ctypes.c_void_p, int_type])
        self.fn = fn

    def __call__(self, a, b, out=None):
        """a (m, k) @ b (k, n) as a new (m, n) array, or added into `out` (C-contiguous float32) when given."""
        m, k = a.shape
        n = b.shape[1]
        if out is None:
            out, beta = np.empty((m, n), dtype=np.float32), 0.0
        else:
            beta = 1.0
        if m == 0 or n == 0 or k == 0:  # nothing to multiply (and CBLAS rejects zero leading dimensions)
            if not beta:
                out.fill(0)
            return out
        ta, a, lda = _operand(a)
        tb, b, ldb = _operand(b)
        self.fn(ROW_MAJOR, ta, tb, m, n, k, 1.0, a.ctypes.data, lda, b.ctypes.data, ldb, beta, out.ctypes.data, n)
        return out


def _operand(x):
    """(CBLAS transposition flag, array to pass, its leading dimension) for a row-major product with x as is."""
    if x.flags.c_contiguous:
        return NO_TRANS, x, x.shape[1]
    if x.flags.f_contiguous:  # x is the transpose of a C-contiguous (cols, rows) array: read that one, transposed
        return TRANS, x, x.shape[0]
    x = np.ascontiguousarray(x)
    return NO_TRANS, x, x.shape[1]


def use_openblas(path=None, symbol="cblas_sgemm", int_type=ctypes.c_int):
    """Multiply float32 matrices with OpenBLAS from now on, if the library at `path` loads; return whether it did.

    When it cannot be loaded, charlm keeps its numpy kernel and `kernel()` says why. (The defaults are Pyodide's
    build at OPENBLAS_PATH; tests pass numpy's own ILP64 OpenBLAS, with its symbol name and 64-bit integers.)"""
    global _sgemm, _problem
    try:
        _sgemm = Sgemm(getattr(ctypes.CDLL(path or OPENBLAS_PATH), symbol), int_type)
        _problem = None
        return True
    except (OSError, AttributeError) as e:
        _sgemm, _problem = None, f"OpenBLAS could not be loaded ({e})"
        return False


def use_numpy():
    """Go back to numpy's kernel for every product (the default)."""
    global _sgemm, _problem
    _sgemm = _problem = None


def kernel():
    """The name of the matrix kernel in use, for the page's footer; says so when OpenBLAS failed to load."""
    if _sgemm is not None:
        return OPENBLAS
    name = EINSUM if IN_BROWSER else NATIVE
    return f"{name}; {_problem}" if _problem else name


def mm(a, b):
    """a @ b for 2-D arrays, with the fastest kernel there is for them."""
    if _sgemm is not None and a.dtype == np.float32 and b.dtype == np.float32:
        return _sgemm(a, b)
    return np.einsum("ij,jk->ik", a, b) if IN_BROWSER else a @ b


def mm_add(out, a, b):
    """out += a @ b, in place when OpenBLAS can write into `out` directly (it saves a pass over out)."""
    if (_sgemm is not None and a.dtype == np.float32 and b.dtype == np.float32 and out.dtype == np.float32
            and out.flags.c_contiguous and out.flags.writeable):
        _sgemm(a, b, out=out)
    else:
        out += mm(a, b)
    return out


def tanh(x):
    """tanh(x) (the clip keeps exp finite; tanh(40) is 1 in any float)."""
    if not IN_BROWSER:
        return np.tanh(x)
    e = np.exp(np.minimum(x * 2, 80))
    e += 1
    return 1 - 2 / e


# GELU, tanh approximation (Hendrycks & Gimpel 2016, as in GPT-2):
#     gelu(x) = 0.5 x (1 + tanh(u)),   u = sqrt(2/pi) (x + 0.044715 x^3)
# Since 0.5 (1 + tanh(u)) = sigmoid(2u), the browser computes the same function as x * s with s = 1 / (1 + exp(-2u)):
# one exp and a handful of in-place passes, and the backward pass reuses s and x^2 from the forward:
#     gelu'(x) = s + x s (1 - s) 2u' = s (1 + (1 - s) x 2 sqrt(2/pi) (1 + 3 * 0.044715 x^2))
GELU_C = np.sqrt(2 / np.pi)
GELU_A = 0.044715


def gelu(x):
    """(gelu(x), what gelu_grad needs from the forward pass)."""
    c = GELU_C.astype(x.dtype)
    if not IN_BROWSER:
        t = np.tanh(c * (x + GELU_A * x * x * x))
        return 0.5 * x * (1 + t), t
    x2 = x * x
    e = x2 * GELU_A
    e += 1
    e *= x
    e *= -2 * c                    # -2u
    np.minimum(e, 80, out=e)       # exp stays finite; sigmoid(-80) is 0 in float32 and float64 alike
    np.exp(e, out=e)
    e += 1
    s = np.reciprocal(e, out=e)    # sigmoid(2u)
    return x * s, (x2, s)


def gelu_grad(g, x, saved):
    """d gelu(x) / dx times the upstream gradient g, from gelu()'s saved intermediates."""
    c = GELU_C.astype(x.dtype)
    if not IN_BROWSER:
        t = saved
        d_inner = c * (1 + 3 * GELU_A * x * x)
        return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * d_inner)
    x2, s = saved
    d = x2 * (3 * GELU_A)
    d += 1
    d *= x
    d *= 2 * c
    d *= 1 - s
    d += 1
    d *= s
    d *= g
    return d
