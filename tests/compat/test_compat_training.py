"""The seed notes' training loops give PyTorch's numbers: manual updates and optimizers."""
import numpy as np
import pytest

import harness  # noqa: F401  (skips this module when torch is missing)
import torch

import cltorch

X = [[73.0, 80.0, 75.0], [93.0, 88.0, 93.0], [89.0, 91.0, 90.0], [96.0, 98.0, 100.0], [73.0, 66.0, 70.0]]
Y = [[152.0], [185.0], [180.0], [196.0], [142.0]]


def seed_loop(lib, opt_name, epochs=200, **opt_kw):
    """The notes' multivariable regression: three weights, a bias, MSE, an optimizer."""
    cols = [lib.FloatTensor([[row[i]] for row in X]) for i in range(3)]
    y = lib.FloatTensor(Y)
    ws = [lib.zeros(1, requires_grad=True) for _ in range(3)]
    b = lib.zeros(1, requires_grad=True)
    opt = getattr(lib.optim, opt_name)(ws + [b], **opt_kw)
    costs = []
    for _ in range(epochs):
        hypothesis = cols[0] * ws[0] + cols[1] * ws[1] + cols[2] * ws[2] + b
        cost = lib.mean((hypothesis - y) ** 2)
        opt.zero_grad()
        cost.backward()
        opt.step()
        costs.append(cost.item())
    return np.array([w.item() for w in ws + [b]]), np.array(costs)


@pytest.mark.parametrize("opt_name,kw", [("SGD", dict(lr=1e-5)), ("SGD", dict(lr=1e-5, momentum=0.9)),
                                         ("Adam", dict(lr=1e-2)), ("AdamW", dict(lr=1e-2, weight_decay=0.1))])
def test_seed_regression_matches_torch(opt_name, kw):
    ours, our_costs = seed_loop(cltorch, opt_name, **kw)
    theirs, their_costs = seed_loop(torch, opt_name, **kw)
    np.testing.assert_allclose(ours, theirs, rtol=2e-4, atol=1e-6)
    np.testing.assert_allclose(our_costs, their_costs, rtol=2e-4)


def test_manual_update_loop_matches_torch():
    def loop(lib):
        x = lib.FloatTensor([[1.0], [2.0], [3.0]])
        y = lib.FloatTensor([[2.0], [4.0], [6.0]])
        w = lib.zeros(1, requires_grad=True)
        b = lib.zeros(1, requires_grad=True)
        for _ in range(100):
            cost = ((x * w + b - y) ** 2).mean()
            cost.backward()
            with lib.no_grad():
                w -= 0.01 * w.grad
                b -= 0.01 * b.grad
            w.grad.zero_()
            b.grad.zero_()
        return w.item(), b.item(), cost.item()

    np.testing.assert_allclose(loop(cltorch), loop(torch), rtol=1e-5, atol=1e-7)
