"""Optimizers: fused SGD/Adam/AdamW steps against NumPy re-implementations, state dicts, errors."""
import numpy as np
import pytest

import cltorch as torch

RNG = np.random.default_rng(11)


def run(opt_cls, steps=5, **kw):
    p0 = RNG.standard_normal((3, 5)).astype(np.float32)
    grads = [RNG.standard_normal((3, 5)).astype(np.float32) for _ in range(steps)]
    p = torch.tensor(p0, requires_grad=True)
    opt = opt_cls([p], **kw)
    for g in grads:
        opt.zero_grad()
        p.grad = torch.tensor(g)
        opt.step()
    return p0, grads, p.detach().numpy(), opt


def sgd_ref(p, grads, lr, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False):
    p = p.astype(np.float64)
    buf = None
    for g in grads:
        d = -g if maximize else g.astype(np.float64)
        d = d + weight_decay * p
        if momentum:
            buf = d.copy() if buf is None else momentum * buf + (1 - dampening) * d
            d = d + momentum * buf if nesterov else buf
        p = p - lr * d
    return p


def adam_ref(p, grads, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, decoupled=False):
    p = p.astype(np.float64)
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    vmax = np.zeros_like(p)
    for t, g in enumerate(grads, 1):
        g = g.astype(np.float64)
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        vv = np.maximum(vmax, v) if amsgrad else v
        vmax = vv
        denom = np.sqrt(vv) / np.sqrt(1 - betas[1] ** t) + eps
        p = p - lr / (1 - betas[0] ** t) * m / denom
    return p


@pytest.mark.parametrize("kw", [dict(lr=0.1), dict(lr=0.1, momentum=0.9), dict(lr=0.05, momentum=0.9, dampening=0.1),
                                dict(lr=0.1, momentum=0.8, nesterov=True), dict(lr=0.1, weight_decay=0.01),
                                dict(lr=0.1, maximize=True)])
def test_sgd_matches_reference(kw):
    p0, grads, got, _ = run(torch.optim.SGD, **kw)
    np.testing.assert_allclose(got, sgd_ref(p0, grads, **kw), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kw", [dict(lr=0.01), dict(lr=0.01, weight_decay=0.1), dict(lr=0.01, amsgrad=True),
                                dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6)])
def test_adam_matches_reference(kw):
    p0, grads, got, _ = run(torch.optim.Adam, **kw)
    np.testing.assert_allclose(got, adam_ref(p0, grads, **kw), rtol=1e-5, atol=1e-6)


def test_adamw_decouples_weight_decay():
    p0, grads, got, _ = run(torch.optim.AdamW, lr=0.01, weight_decay=0.1)
    np.testing.assert_allclose(got, adam_ref(p0, grads, lr=0.01, weight_decay=0.1, decoupled=True),
                               rtol=1e-5, atol=1e-6)


def test_zero_grad_and_param_groups():
    a = torch.zeros(2, requires_grad=True)
    b = torch.zeros(2, requires_grad=True)
    opt = torch.optim.SGD([{"params": [a]}, {"params": [b], "lr": 1.0}], lr=0.1)
    a.grad, b.grad = torch.ones(2), torch.ones(2)
    opt.step()
    np.testing.assert_allclose(a.detach().numpy(), [-0.1, -0.1])
    np.testing.assert_allclose(b.detach().numpy(), [-1.0, -1.0])
    opt.zero_grad()
    assert a.grad is None and b.grad is None
    a.grad = torch.ones(2)
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(a.grad.numpy(), [0.0, 0.0])


def test_state_dict_round_trip_continues_identically():
    _, _, _, opt = run(torch.optim.Adam, lr=0.01)
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"} and sd["param_groups"][0]["params"] == [0]
    assert float(sd["state"][0]["step"].item()) == 5.0
    p = opt.param_groups[0]["params"][0]
    q = torch.tensor(p.detach().numpy(), requires_grad=True)
    opt2 = torch.optim.Adam([q], lr=0.01)
    opt2.load_state_dict(sd)
    g = torch.ones(3, 5)
    p.grad, q.grad = g, g.clone()
    opt.step()
    opt2.step()
    np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-6)


def test_invalid_arguments():
    p = torch.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="learning rate"):
        torch.optim.SGD([p], lr=-1)
    with pytest.raises(ValueError, match="empty parameter list"):
        torch.optim.Adam([])
    with pytest.raises(ValueError, match="Nesterov"):
        torch.optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="non-leaf"):
        torch.optim.SGD([p * 2], lr=0.1)
