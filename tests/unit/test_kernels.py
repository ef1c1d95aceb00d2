"""The kernel switch (numpy, einsum, OpenBLAS) and the sgemm wrapper, in CPython.

CPython's numpy ships its own OpenBLAS (an ILP64 build, symbols prefixed `scipy_`), so the ctypes wrapper's
transposition and leading-dimension logic runs here against the very library type the browser loads; the browser's
own build is tested under node in test_pyodide.py.
"""

import ctypes
from pathlib import Path

import numpy as np
import pytest
from test_tensor import check  # pytest puts this folder on sys.path (rootdir-relative, no package)

import charlm
import charlm.texts
from charlm import Tensor, cross_entropy, kernels


def numpy_openblas():
    """The OpenBLAS library bundled with this numpy (a path), or None when this numpy has none we can find."""
    libs = sorted((Path(np.__file__).resolve().parent.parent / "numpy.libs").glob("libscipy_openblas64_*.so"))
    if libs:
        return str(libs[0])
    for line in Path("/proc/self/maps").read_text().splitlines() if Path("/proc/self/maps").exists() else []:
        if "openblas" in line:
            return line.split()[-1]
    return None


@pytest.fixture
def openblas():
    """Switch charlm's float32 products to numpy's OpenBLAS through the ctypes wrapper, and back afterwards."""
    path = numpy_openblas()
    if path is None:
        pytest.skip("this numpy ships no OpenBLAS library to call through ctypes")
    if not hasattr(ctypes.CDLL(path), "scipy_cblas_sgemm64_"):
        pytest.skip("this numpy's OpenBLAS has no scipy_cblas_sgemm64_")
    assert kernels.use_openblas(path, symbol="scipy_cblas_sgemm64_", int_type=ctypes.c_int64)
    yield path
    kernels.use_numpy()


@pytest.fixture
def browser_kernels(monkeypatch):
    """Take the browser's numpy kernels (einsum, exp-based tanh and GELU) in CPython."""
    monkeypatch.setattr(kernels, "IN_BROWSER", True)
    yield
    kernels.use_numpy()


def test_kernel_names_the_platform_default():
    assert kernels.kernel() == kernels.NATIVE


def test_browser_default_is_einsum(browser_kernels):
    assert kernels.kernel() == kernels.EINSUM


def test_a_missing_library_falls_back_to_einsum_and_says_so(browser_kernels, tmp_path):
    a, b = np.ones((3, 4), np.float32), np.ones((4, 2), np.float32)
    assert not kernels.use_openblas(str(tmp_path / "libopenblas.so"))
    name = kernels.kernel()
    assert name.startswith(kernels.EINSUM) and "could not be loaded" in name
    np.testing.assert_array_equal(kernels.mm(a, b), a @ b)
    kernels.use_numpy()
    assert kernels.kernel() == kernels.EINSUM


def test_a_library_without_cblas_sgemm_falls_back(openblas):
    # numpy's OpenBLAS names the function scipy_cblas_sgemm64_: asking for the plain name must fail cleanly
    assert not kernels.use_openblas(openblas)
    assert "could not be loaded" in kernels.kernel() and kernels._sgemm is None


def model_shapes(B=32, T=32, C=48, V=65):
    """Every 2-D product of a transformer step as (a, b) shapes: forward x @ W, backward g @ W.T and x.T @ g."""
    N = B * T
    shapes = []
    for k, m in [(C, 3 * C), (C, C), (C, 4 * C), (4 * C, C), (C, V)]:
        shapes += [((N, k), (k, m)), ((N, m), (m, k)), ((k, N), (N, m))]
    return shapes


def layouts(rng, shape):
    """The same matrix as a C-contiguous array, an F-contiguous one (a transpose) and a strided, copied-if-need one."""
    x = rng.standard_normal(shape).astype(np.float32)
    f = np.asfortranarray(x)
    strided = np.zeros((shape[0], shape[1] * 2), np.float32)[:, ::2]
    strided[...] = x
    return {"C": x, "F": f, "strided": strided}


@pytest.mark.parametrize("sa,sb", model_shapes() + [((1, 5), (5, 1)), ((7, 1), (1, 3)), ((0, 4), (4, 3))])
def test_sgemm_matches_numpy_for_every_layout(openblas, sa, sb):
    rng = np.random.default_rng(0)
    for la, a in layouts(rng, sa).items():
        for lb, b in layouts(rng, sb).items():
            expected = a.astype(np.float64) @ b.astype(np.float64)
            got = kernels.mm(a, b)
            assert got.dtype == np.float32 and got.flags.c_contiguous
            np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4, err_msg=f"{la} @ {lb}")
            acc = np.ones(expected.shape, np.float32)
            kernels.mm_add(acc, a, b)
            np.testing.assert_allclose(acc, expected + 1, rtol=1e-4, atol=1e-4, err_msg=f"1 + {la} @ {lb}")


def test_the_backward_products_read_transposes_in_place(openblas):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((64, 48)).astype(np.float32)
    flag, passed, ld = kernels._operand(x.T)
    assert flag == kernels.TRANS and ld == 48 and np.shares_memory(passed, x)  # no copy
    flag, passed, ld = kernels._operand(x[:, ::2])
    assert flag == kernels.NO_TRANS and ld == 24 and not np.shares_memory(passed, x)  # strided: copied


def test_float64_never_goes_to_sgemm(openblas):
    a, b = np.full((2, 3), 1 / 3), np.full((3, 2), 1 / 7)
    np.testing.assert_array_equal(kernels.mm(a, b), a @ b)
    assert kernels.mm(a, b).dtype == np.float64


def test_gradient_checks_pass_on_the_browser_kernels_with_openblas_switched_on(browser_kernels, openblas):
    check(lambda a, b: (a @ b).gelu().tanh(), (2, 3, 4), (4, 5), low=-3, high=3)
    check(lambda a, b: a @ b + a @ b, (3, 4), (4, 2))  # a weight whose gradient arrives twice


def transformer_step(seed=0):
    """Loss and gradients (float32) of one default-transformer step on a built-in text."""
    text = charlm.texts.load("fables")
    data = charlm.Corpus(text, context=32)
    model = charlm.build_model("transformer", vocab_size=len(data.vocab), context=32, seed=seed)
    inputs, targets = data.batch(32, "train", np.random.default_rng(seed))
    loss = cross_entropy(model(inputs), targets)
    loss.backward()
    return loss.item(), {n: p.grad for n, p in model.named_parameters()}


def test_a_transformer_step_is_the_same_on_every_kernel(browser_kernels, openblas):
    loss_blas, grads_blas = transformer_step()
    kernels.use_numpy()
    loss_einsum, grads_einsum = transformer_step()
    assert loss_blas == pytest.approx(loss_einsum, rel=1e-5)
    for name, g in grads_blas.items():
        np.testing.assert_allclose(g, grads_einsum[name], rtol=1e-3, atol=1e-6, err_msg=name)


def test_the_browser_gelu_is_the_tanh_formula(browser_kernels):
    x = np.linspace(-12, 12, 97)
    expected = 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # exp may underflow to 0: that is fine
        got = Tensor(x).gelu().data
        got32 = Tensor(x.astype(np.float32)).gelu().data
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(got32, expected, rtol=1e-5, atol=1e-6)
    check(lambda a: a.gelu(), (4, 6), low=-5, high=5)


def test_gradients_are_owned_not_shared():
    a, b, c = (Tensor(np.full((2, 3), v)) for v in (1.0, 2.0, 3.0))
    hidden = a + b                  # both parents get the same upstream gradient...
    (hidden + a * c).sum().backward()
    assert not np.shares_memory(a.grad, b.grad)  # ...but never the same array, or a's later += would change b's
    np.testing.assert_array_equal(a.grad, 1 + 3.0)
    np.testing.assert_array_equal(b.grad, 1.0)
    assert hidden.grad is None      # an intermediate hands its gradient on and keeps none
