"""Optimisers and gradient clipping: the step clips, updates and clears; accumulation is an opt-out."""

import math

import numpy as np
import pytest

# charlm before numpy: when charlm is the one to load numpy, it asks for one BLAS thread (see its __init__)
from charlm import SGD, Adam, Tensor, clip_grad_norm


def quadratic_step(opt, p, target):
    opt.zero_grad()
    ((p - Tensor(target)) * (p - Tensor(target))).sum().backward()
    opt.step()


def test_sgd_step_is_minus_lr_times_gradient_and_momentum_accumulates():
    p = Tensor(np.array([1.0, -2.0]))
    opt = SGD([p], lr=0.1)
    quadratic_step(opt, p, np.zeros(2))  # grad = 2p
    np.testing.assert_allclose(p.data, [0.8, -1.6])
    q = Tensor(np.array([1.0]))
    opt = SGD([q], lr=0.1, momentum=0.9)
    quadratic_step(opt, q, np.zeros(1))   # v = 2;           q = 1 - 0.2 = 0.8
    quadratic_step(opt, q, np.zeros(1))   # v = 0.9*2 + 1.6; q = 0.8 - 0.34
    np.testing.assert_allclose(q.data, [0.8 - 0.1 * (0.9 * 2 + 1.6)])


def test_adam_first_step_moves_each_weight_by_lr_and_matches_the_paper():
    p = Tensor(np.array([1.0, -3.0, 0.5]))
    opt = Adam([p], lr=0.01)
    quadratic_step(opt, p, np.zeros(3))
    np.testing.assert_allclose(p.data, [0.99, -2.99, 0.49], rtol=1e-6)  # bias-corrected: step = lr * sign(g)
    # a few more steps against a plain transcription of Algorithm 1 (Kingma & Ba 2015)
    ref, m, v = np.array([1.0, -3.0, 0.5]), 0, 0
    p = Tensor(ref.copy())
    opt = Adam([p], lr=0.01, betas=(0.8, 0.99), eps=1e-6)
    for t in range(1, 6):
        quadratic_step(opt, p, np.zeros(3))
        g = 2 * ref
        m, v = 0.8 * m + 0.2 * g, 0.99 * v + 0.01 * g * g
        ref = ref - 0.01 * (m / (1 - 0.8 ** t)) / (np.sqrt(v / (1 - 0.99 ** t)) + 1e-6)
    np.testing.assert_allclose(p.data, ref, rtol=1e-10)


def test_adamw_weight_decay_is_decoupled_from_the_gradient():
    p = Tensor(np.array([2.0]))
    opt = Adam([p], lr=0.1, weight_decay=0.5)
    p.grad = np.zeros(1)  # no gradient: only the decay acts, lr * wd * p
    opt.step()
    np.testing.assert_allclose(p.data, [2.0 - 0.1 * 0.5 * 2.0])


def test_optimisers_minimise_a_quadratic():
    target = np.array([3.0, -1.0, 0.5])
    for opt_cls, lr in ((SGD, 0.1), (Adam, 0.1)):
        p = Tensor(np.zeros(3))
        opt = opt_cls([p], lr=lr)
        for _ in range(300):
            quadratic_step(opt, p, target)
        np.testing.assert_allclose(p.data, target, atol=1e-3)


@pytest.mark.parametrize("bad", [0, -1e-3, float("nan"), float("inf"), "fast", None])
def test_learning_rate_must_be_a_positive_number(bad):
    for opt_cls in (SGD, Adam):
        with pytest.raises(ValueError, match="learning rate must be a positive number, got"):
            opt_cls([Tensor(np.zeros(1))], lr=bad)
    opt = Adam([Tensor(np.zeros(1))], lr=0.1)
    with pytest.raises(ValueError, match="learning rate must be a positive number"):
        opt.lr = bad
    assert opt.lr == 0.1


def test_zero_grad_and_state_dict_resume_exactly():
    def run(steps, opt_cls, resume_at=None):
        p = Tensor(np.array([1.0, 2.0]))
        opt = opt_cls([p], lr=0.05, **({"momentum": 0.9} if opt_cls is SGD else {}))
        for i in range(steps):
            if i == resume_at:
                state, data = opt.state_dict(), p.data.copy()
                p = Tensor(data)
                opt = opt_cls([p], lr=0.05, **({"momentum": 0.9} if opt_cls is SGD else {}))
                opt.load_state_dict(state)
            quadratic_step(opt, p, np.array([-1.0, 0.0]))
        return p.data

    for opt_cls in (SGD, Adam):
        np.testing.assert_array_equal(run(10, opt_cls), run(10, opt_cls, resume_at=4))
        assert not np.array_equal(run(10, opt_cls), run(9, opt_cls))


def test_state_dict_that_does_not_fit_is_a_value_error():
    opt = Adam([Tensor(np.zeros(2))], lr=0.1)
    other = Adam([Tensor(np.zeros(3))], lr=0.1)
    with pytest.raises(ValueError, match="'m.0' has shape \\(2,\\)"):
        other.load_state_dict(opt.state_dict())
    with pytest.raises(ValueError, match="expected keys"):
        SGD([Tensor(np.zeros(2))], lr=0.1).load_state_dict(opt.state_dict())


def test_snapshot_restore_undoes_steps():
    p = Tensor(np.array([1.0, 2.0]))
    opt = Adam([p], lr=0.1)
    quadratic_step(opt, p, np.zeros(2))
    before, snap = p.data.copy(), opt.snapshot()
    quadratic_step(opt, p, np.zeros(2))
    opt.restore(snap)
    np.testing.assert_array_equal(p.data, before)
    assert opt.t == 1
    quadratic_step(opt, p, np.zeros(2))
    again = p.data.copy()
    opt.restore(snap)
    quadratic_step(opt, p, np.zeros(2))
    np.testing.assert_array_equal(p.data, again)  # the optimiser's moments were restored too


def test_clip_grad_norm_scales_all_gradients_together():
    a, b = Tensor(np.zeros(2)), Tensor(np.zeros(1))
    a.grad, b.grad = np.array([3.0, 0.0]), np.array([4.0])
    assert clip_grad_norm([a, b], 1.0) == pytest.approx(5.0)
    np.testing.assert_allclose(np.concatenate([a.grad, b.grad]), [0.6, 0.0, 0.8], rtol=1e-6)
    assert clip_grad_norm([a, b], 10.0) == pytest.approx(1.0, rel=1e-5)
    np.testing.assert_allclose(a.grad, [0.6, 0.0], rtol=1e-6)  # under the limit: untouched
    a.grad = np.array([np.nan, 1.0])
    assert math.isnan(clip_grad_norm([a, b], 1.0))
    assert b.grad[0] == pytest.approx(0.8)  # not scaled by a NaN


def test_step_clears_the_gradients_it_used_so_four_lines_are_the_whole_loop():
    p = Tensor(np.array([1.0, -2.0]))
    opt = SGD([p], lr=0.1)
    (p * p).sum().backward()
    opt.step()
    assert p.grad is None  # cleared: the next backward starts from zero
    (p * p).sum().backward()
    np.testing.assert_allclose(p.grad, 2 * p.data)  # this batch's gradient alone, not the sum of two
    keep = SGD([p], lr=0.1, zero_grad=False)
    keep.step()
    assert p.grad is not None


@pytest.mark.parametrize("opt_cls", [SGD, Adam])
def test_accumulating_two_backward_passes_then_stepping_equals_one_step_on_the_summed_loss(opt_cls):
    a, b = np.array([0.5, -1.0, 2.0]), np.array([1.5, 0.25, -0.5])

    def loss(p, x):
        return ((p - Tensor(x)) * (p - Tensor(x))).sum()

    p = Tensor(np.array([1.0, 2.0, 3.0]))
    opt = opt_cls([p], lr=0.05, zero_grad=False)
    loss(p, a).backward()
    loss(p, b).backward()
    opt.step()
    q = Tensor(np.array([1.0, 2.0, 3.0]))
    (loss(q, a) + loss(q, b)).backward()
    opt_cls([q], lr=0.05).step()
    np.testing.assert_allclose(p.data, q.data, rtol=1e-12)
    assert p.grad is not None  # zero_grad=False: clearing is the caller's job
    opt.zero_grad()
    assert p.grad is None


def test_grad_clip_in_the_optimiser_is_clip_grad_norm_then_step():
    def grads():
        p = Tensor(np.array([3.0, 4.0]))
        (p * Tensor(np.array([10.0, 10.0]))).sum().backward()  # grad (10, 10): norm 14.1
        return p
    p = grads()
    norm = Adam([p], lr=0.01, grad_clip=1.0).step()
    q = grads()
    assert clip_grad_norm([q], 1.0) == pytest.approx(norm) == pytest.approx(math.sqrt(200))
    Adam([q], lr=0.01).step()
    np.testing.assert_array_equal(p.data, q.data)
    with pytest.raises(ValueError, match="grad_clip"):
        Adam([p], lr=0.01, grad_clip=0)


def test_a_gradient_that_is_not_a_number_leaves_the_weights_alone():
    p = Tensor(np.array([1.0, 2.0]))
    opt = Adam([p], lr=0.1, grad_clip=1.0)
    p.grad = np.array([np.nan, 1.0])
    assert math.isnan(opt.step())
    np.testing.assert_array_equal(p.data, [1.0, 2.0])
    assert opt.t == 0 and p.grad is None and all((m == 0).all() for m in opt.m)
