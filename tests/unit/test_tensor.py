"""Every autograd op against central finite differences, in float64."""

# charlm before numpy: when charlm is the one to load numpy, it asks for one BLAS thread (see its __init__)
import numpy as np
import pytest

from charlm import Tensor, causal_softmax, cross_entropy, layer_norm
from charlm.tensor import unbroadcast


def numeric_grad(f, arrays, eps=1e-6):
    """d f() / d array for each array, by central differences (f reads the arrays, which are perturbed in place)."""
    grads = []
    for a in arrays:
        g = np.zeros_like(a)
        for i in np.ndindex(a.shape):
            old = a[i]
            a[i] = old + eps
            plus = f()
            a[i] = old - eps
            minus = f()
            a[i] = old
            g[i] = (plus - minus) / (2 * eps)
        grads.append(g)
    return grads


def check(op, *shapes, seed=0, low=-2.0, high=2.0, rtol=1e-5, atol=1e-7):
    """Compare backward() of sum(op(*tensors) * R) with finite differences, for random inputs of `shapes`."""
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(low, high, s) for s in shapes]
    weights = rng.standard_normal(op(*[Tensor(a) for a in arrays]).shape)  # so every output element matters

    def f():
        return float((op(*[Tensor(a) for a in arrays]).data * weights).sum())

    tensors = [Tensor(a) for a in arrays]
    out = op(*tensors)
    (out * Tensor(weights)).sum().backward()
    for t, expected in zip(tensors, numeric_grad(f, arrays)):
        np.testing.assert_allclose(t.grad, expected, rtol=rtol, atol=atol)


@pytest.mark.parametrize("shapes", [((2, 3), (2, 3)), ((2, 3, 4), (4,)), ((2, 3, 4), (3, 1)), ((1, 3), (2, 1))])
def test_broadcasting_add_mul_sub_have_exact_gradients(shapes):
    check(lambda a, b: a + b, *shapes)
    check(lambda a, b: a * b, *shapes)
    check(lambda a, b: a - b, *shapes)
    check(lambda a, b: (a * b - a) * b + b, *shapes)  # a graph that reuses its inputs: grads must accumulate


def test_scalar_ops_neg_and_division_by_a_number():
    check(lambda a: -a * 3.0 + 1.5 - a / 4.0, (3, 4))
    check(lambda a: 2.0 - a, (5,))
    with pytest.raises(TypeError):
        Tensor(np.ones(2)) / Tensor(np.ones(2))


@pytest.mark.parametrize("shapes", [((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)),
                                    ((2, 2, 3, 4), (2, 2, 4, 3)), ((2, 2, 3, 4), (4, 2))])
def test_matmul_batched_and_with_a_shared_weight(shapes):
    check(lambda a, b: a @ b, *shapes)


def test_matmul_with_a_transposed_view():
    check(lambda q, k: q @ k.transpose(0, 1, 3, 2), (2, 2, 3, 4), (2, 2, 3, 4))


def test_indexing_with_repeated_ids_accumulates_every_use():
    ids = np.array([[0, 2, 2], [1, 0, 2]])
    check(lambda table: table[ids], (4, 3))
    table = Tensor(np.zeros((4, 3)))
    table[ids].sum().backward()
    np.testing.assert_array_equal(table.grad[:, 0], [2, 1, 3, 0])  # how often each row was picked


def test_slicing_reshape_transpose():
    check(lambda a: a[1:3], (4, 3))
    check(lambda a: a[:, 0], (3, 4, 2))
    check(lambda a: a.reshape(6, 4).transpose(1, 0), (2, 3, 4))
    check(lambda a: a.transpose(2, 0, 1) * a.transpose((2, 0, 1)), (2, 3, 4))


@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, False), (-1, True), ((0, 2), False)])
def test_sum_and_mean(axis, keepdims):
    check(lambda a: a.sum(axis=axis, keepdims=keepdims), (2, 3, 4))
    check(lambda a: a.mean(axis=axis, keepdims=keepdims), (2, 3, 4))


def test_mean_is_the_average():
    a = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_allclose(Tensor(a).mean(axis=(0, 2)).data, a.mean(axis=(0, 2)))


def test_tanh_relu_gelu():
    check(lambda a: a.tanh(), (3, 5))
    check(lambda a: a.gelu(), (3, 5), low=-4, high=4)
    rng = np.random.default_rng(1)
    away_from_kink = np.where(rng.random((3, 5)) < 0.5, -1.0, 1.0) * rng.uniform(0.1, 2.0, (3, 5))
    t = Tensor(away_from_kink)
    (t.relu() * 2.0).sum().backward()
    np.testing.assert_array_equal(t.grad, 2.0 * (away_from_kink > 0))


def test_gelu_matches_the_tanh_formula_and_tanh_saturates_without_warnings():
    x = np.linspace(-6, 6, 13)
    expected = 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))
    np.testing.assert_allclose(Tensor(x).gelu().data, expected, rtol=1e-12, atol=1e-14)
    with np.errstate(all="raise"):
        np.testing.assert_allclose(Tensor(np.array([-1e4, 0.0, 1e4], dtype=np.float32)).tanh().data, [-1, 0, 1])


def test_layer_norm_forward_and_gradients():
    check(lambda x, w, b: layer_norm(x, w, b), (2, 3, 6), (6,), (6,))
    x = np.random.default_rng(2).standard_normal((4, 8)) * 5 + 3
    y = layer_norm(Tensor(x), Tensor(np.ones(8)), Tensor(np.zeros(8))).data
    np.testing.assert_allclose(y.mean(axis=-1), 0, atol=1e-12)
    np.testing.assert_allclose(y.std(axis=-1), 1, rtol=1e-4)


def test_causal_softmax_gradients_and_masking():
    check(lambda s: causal_softmax(s, scale=0.7), (2, 2, 4, 4), low=-3, high=3)
    p = causal_softmax(Tensor(np.random.default_rng(3).standard_normal((1, 5, 5)) * 50)).data
    np.testing.assert_allclose(p.sum(axis=-1), 1)
    assert np.all(p[0][np.triu_indices(5, k=1)] == 0)  # no position sees the future
    assert p[0, 0, 0] == 1


def test_causal_softmax_is_stable_for_huge_scores():
    p = causal_softmax(Tensor(np.full((3, 3), 1e30, dtype=np.float32))).data
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p[2], [1 / 3] * 3, rtol=1e-6)


def test_cross_entropy_value_and_gradient():
    rng = np.random.default_rng(4)
    targets = rng.integers(0, 5, size=(2, 3))
    check(lambda z: cross_entropy(z, targets), (2, 3, 5), low=-3, high=3)
    z = rng.standard_normal((2, 3, 5))
    log_p = z - np.log(np.exp(z).sum(-1, keepdims=True))
    expected = -np.take_along_axis(log_p, targets[..., None], -1).mean()
    np.testing.assert_allclose(cross_entropy(Tensor(z), targets).item(), expected, rtol=1e-12)


def test_cross_entropy_is_stable_and_checks_shapes():
    z = Tensor(np.array([[1e4, 0.0, -1e4]], dtype=np.float32))
    loss = cross_entropy(z, np.array([2]))
    assert np.isfinite(loss.item()) and loss.item() == pytest.approx(2e4)
    loss.backward()
    assert np.all(np.isfinite(z.grad))
    with pytest.raises(ValueError, match="targets of shape"):
        cross_entropy(Tensor(np.zeros((2, 3, 5))), np.zeros((3, 2), dtype=int))


def test_float32_stays_float32_through_every_op():
    x = Tensor(np.ones((2, 3, 4), dtype=np.float32))
    w = Tensor(np.ones((4, 4), dtype=np.float32))
    ones, zeros = Tensor(np.ones(4, dtype=np.float32)), Tensor(np.zeros(4, dtype=np.float32))
    y = layer_norm((x @ w).gelu().tanh() / 3 - 1.5, ones, zeros).reshape(2, 3, 1, 4).transpose(0, 2, 1, 3)
    loss = cross_entropy(y.reshape(2, 3, 4), np.zeros((2, 3), dtype=int)) + y.mean() * 2.0
    loss.backward()
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32 and w.grad.dtype == np.float32


def test_backward_accumulates_until_cleared_and_item():
    a = Tensor(np.array([1.0, 2.0]))
    (a * a).sum().backward()
    (a * a).sum().backward()
    np.testing.assert_array_equal(a.grad, [4.0, 8.0])  # 2 * (2a)
    assert (a * a).sum().item() == 5.0


def test_deep_graph_does_not_hit_the_recursion_limit():
    x = Tensor(np.ones(3))
    y = x
    for _ in range(3000):
        y = y * 1.0
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones(3))


def test_unbroadcast_sums_stretched_and_leading_axes():
    g = np.ones((2, 3, 4))
    assert unbroadcast(g, (4,)).tolist() == [6.0] * 4
    assert unbroadcast(g, (3, 1)).tolist() == [[8.0]] * 3
    assert unbroadcast(g, (2, 3, 4)) is g


def test_the_browser_kernels_compute_the_same_products_and_tanh(monkeypatch):
    """Pyodide takes einsum for matmul and exp for tanh; CPython can run those paths too, so check them here."""
    rng = np.random.default_rng(5)
    a, w, x = rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 5)), rng.uniform(-50, 50, (4, 6))
    native = [(Tensor(a) @ Tensor(w)).data, Tensor(x).tanh().data, Tensor(x).gelu().data]
    monkeypatch.setattr("charlm.kernels.IN_BROWSER", True)
    browser = [(Tensor(a) @ Tensor(w)).data, Tensor(x).tanh().data, Tensor(x).gelu().data]
    for n, b in zip(native, browser):
        np.testing.assert_allclose(b, n, rtol=1e-12, atol=1e-15)
    check(lambda a, b: a @ b, (2, 3, 4), (4, 5))
    check(lambda a: a.tanh() + a.gelu(), (3, 5))


def test_backward_releases_the_graph_so_activations_are_freed():
    import weakref
    x = Tensor(np.ones((3, 4)))
    hidden = (x * 2.0).tanh()
    probe = weakref.ref(hidden)
    loss = hidden.sum()
    del hidden
    loss.backward()
    assert probe() is None  # nothing holds the step's activations once backward is done
    assert x.grad.shape == (3, 4)
