"""Optimizers: fused steps against NumPy re-implementations, state dicts, hooks, launches, errors."""
import copy
import math

import numpy as np
import pytest

import cltorch as torch
from cltorch.backend.runtime import DeviceRuntime

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


def rmsprop_ref(p, grads, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                maximize=False):
    p = p.astype(np.float64)
    sq, buf, gavg = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    for g in grads:
        g = (-g if maximize else g).astype(np.float64) + weight_decay * p
        sq = alpha * sq + (1 - alpha) * g * g
        if centered:
            gavg = alpha * gavg + (1 - alpha) * g
            avg = np.sqrt(sq - gavg ** 2) + eps
        else:
            avg = np.sqrt(sq) + eps
        if momentum > 0:
            buf = momentum * buf + g / avg
            p = p - lr * buf
        else:
            p = p - lr * g / avg
    return p


def adagrad_ref(p, grads, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                maximize=False):
    p = p.astype(np.float64)
    s = np.full_like(p, initial_accumulator_value)
    for t, g in enumerate(grads, 1):
        g = (-g if maximize else g).astype(np.float64) + weight_decay * p
        s = s + g * g
        p = p - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(s) + eps)
    return p


def adadelta_ref(p, grads, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, maximize=False):
    p = p.astype(np.float64)
    sq, acc = np.zeros_like(p), np.zeros_like(p)
    for g in grads:
        g = (-g if maximize else g).astype(np.float64) + weight_decay * p
        sq = rho * sq + (1 - rho) * g * g
        delta = np.sqrt(acc + eps) / np.sqrt(sq + eps) * g
        acc = rho * acc + (1 - rho) * delta * delta
        p = p - lr * delta
    return p


def adamax_ref(p, grads, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0):
    p = p.astype(np.float64)
    m, u = np.zeros_like(p), np.zeros_like(p)
    for t, g in enumerate(grads, 1):
        g = g.astype(np.float64) + weight_decay * p
        m = betas[0] * m + (1 - betas[0]) * g
        u = np.maximum(betas[1] * u, np.abs(g) + eps)
        p = p - lr / (1 - betas[0] ** t) * m / u
    return p


def nadam_ref(p, grads, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
              decoupled_weight_decay=False):
    p = p.astype(np.float64)
    m, v, prod = np.zeros_like(p), np.zeros_like(p), 1.0
    for t, g in enumerate(grads, 1):
        g = g.astype(np.float64)
        if decoupled_weight_decay:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        mu = betas[0] * (1 - 0.5 * 0.96 ** (t * momentum_decay))
        mu_next = betas[0] * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
        prod *= mu
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        denom = np.sqrt(v / (1 - betas[1] ** t)) + eps
        p = p - lr * (1 - mu) / (1 - prod) * g / denom - lr * mu_next / (1 - prod * mu_next) * m / denom
    return p


def radam_ref(p, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0):
    p = p.astype(np.float64)
    m, v = np.zeros_like(p), np.zeros_like(p)
    rho_inf = 2 / (1 - betas[1]) - 1
    for t, g in enumerate(grads, 1):
        g = g.astype(np.float64) + weight_decay * p
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        m_hat = m / (1 - betas[0] ** t)
        rho_t = rho_inf - 2 * t * betas[1] ** t / (1 - betas[1] ** t)
        if rho_t > 5:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            p = p - lr * m_hat * rect * math.sqrt(1 - betas[1] ** t) / (np.sqrt(v) + eps)
        else:
            p = p - lr * m_hat
    return p


REFERENCES = [
    ("RMSprop", rmsprop_ref, dict()), ("RMSprop", rmsprop_ref, dict(centered=True, momentum=0.5)),
    ("RMSprop", rmsprop_ref, dict(weight_decay=0.1, maximize=True, alpha=0.9)),
    ("Adagrad", adagrad_ref, dict()), ("Adagrad", adagrad_ref, dict(lr_decay=0.1, initial_accumulator_value=0.5)),
    ("Adagrad", adagrad_ref, dict(weight_decay=0.1, maximize=True)),
    ("Adadelta", adadelta_ref, dict()), ("Adadelta", adadelta_ref, dict(rho=0.5, weight_decay=0.1, maximize=True)),
    ("Adamax", adamax_ref, dict()), ("Adamax", adamax_ref, dict(weight_decay=0.1)),
    ("NAdam", nadam_ref, dict()), ("NAdam", nadam_ref, dict(weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", radam_ref, dict()), ("RAdam", radam_ref, dict(betas=(0.9, 0.99), weight_decay=0.1)),
]


@pytest.mark.parametrize("name,ref,kw", REFERENCES, ids=[f"{n}-{kw}" for n, _, kw in REFERENCES])
def test_optimizer_matches_reference(name, ref, kw):
    p0, grads, got, _ = run(getattr(torch.optim, name), steps=8, **kw)
    np.testing.assert_allclose(got, ref(p0, grads, **kw), rtol=2e-5, atol=1e-6)


ALL = [(torch.optim.SGD, dict(lr=0.1, momentum=0.9)), (torch.optim.Adam, dict(amsgrad=True)),
       (torch.optim.AdamW, dict()), (torch.optim.RMSprop, dict(momentum=0.5, centered=True)),
       (torch.optim.Adagrad, dict(lr_decay=0.1)), (torch.optim.Adadelta, dict()), (torch.optim.Adamax, dict()),
       (torch.optim.NAdam, dict()), (torch.optim.RAdam, dict(betas=(0.9, 0.99)))]
ALL_IDS = [cls.__name__ for cls, _ in ALL]


def make_pair(seed=3):
    rng = np.random.default_rng(seed)
    return [torch.tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True) for s in ((4, 3), (5,))]


def feed(params, k):
    for i, p in enumerate(params):
        p.grad = torch.tensor(np.cos(np.arange(p.numel(), dtype=np.float32) * (k + 1) + i).reshape(p.shape))


@pytest.mark.parametrize("cls,kw", ALL, ids=ALL_IDS)
def test_state_dict_round_trip_matches_uninterrupted_run(cls, kw):
    a, b = make_pair(), make_pair()
    opt_a = cls(a, **kw)
    for k in range(4):
        feed(a, k)
        opt_a.step()
    saved = opt_a.state_dict()
    with torch.no_grad():
        for pa, pb in zip(a, b):
            pb.copy_(pa)
    opt_b = cls(b, **kw)
    opt_b.load_state_dict(saved)
    for key in saved["state"][0]:
        assert opt_b.state[b[0]][key] is not saved["state"][0][key]  # copied, never aliased
    for k in range(4, 8):
        for params, opt in ((a, opt_a), (b, opt_b)):
            feed(params, k)
            opt.step()
    for pa, pb in zip(a, b):
        np.testing.assert_array_equal(pa.detach().numpy(), pb.detach().numpy())
    if "step" in saved["state"][0]:
        assert opt_b.state[b[0]]["step"].item() == 8.0


@pytest.mark.parametrize("cls,kw", ALL, ids=ALL_IDS)
def test_one_launch_per_parameter_and_no_read_back(cls, kw, monkeypatch):
    params = make_pair()
    opt = cls(params, **kw)
    calls = {"launch": 0, "download": 0}
    real_launch, real_download = DeviceRuntime.launch, DeviceRuntime.download

    def launch(self, *args):
        calls["launch"] += 1
        return real_launch(self, *args)

    def download(self, *args, **kwargs):
        calls["download"] += 1
        return real_download(self, *args, **kwargs)

    for k in range(4):
        feed(params, k)
        monkeypatch.setattr(DeviceRuntime, "launch", launch)
        monkeypatch.setattr(DeviceRuntime, "download", download)
        opt.step()
        monkeypatch.undo()
        if k == 0:
            calls["launch"] = 0  # the first step also creates the state buffers
    assert calls == {"launch": 3 * len(params), "download": 0}
    if "step" in opt.state[params[0]]:
        assert opt.state[params[0]]["step"].item() == 4.0


@pytest.mark.parametrize("cls,kw", ALL, ids=ALL_IDS)
def test_non_contiguous_and_empty_parameters(cls, kw):
    rng = np.random.default_rng(0)
    base = rng.standard_normal((3, 4)).astype(np.float32)
    dense = torch.tensor(base.T.copy(), requires_grad=True)
    strided = torch.tensor(base).t().requires_grad_(True)
    empty = torch.zeros(0, 3, requires_grad=True)
    opt_d, opt_s = cls([dense], **kw), cls([strided, empty], **kw)
    for k in range(3):
        g = rng.standard_normal((4, 3)).astype(np.float32)
        dense.grad, strided.grad, empty.grad = torch.tensor(g), torch.tensor(g), torch.zeros(0, 3)
        opt_d.step()
        opt_s.step()
    np.testing.assert_array_equal(strided.detach().numpy(), dense.detach().numpy())
    assert strided.stride() == (1, 4)
    if "step" in opt_s.state[empty]:
        assert opt_s.state[empty]["step"].item() == 3.0


def test_sgd_without_momentum_keeps_no_state_and_adagrad_state_exists_at_once():
    p = torch.ones(3, requires_grad=True)
    sgd = torch.optim.SGD([p], lr=0.1)
    p.grad = torch.ones(3)
    sgd.step()
    assert sgd.state_dict()["state"] == {}
    ada = torch.optim.Adagrad([p], initial_accumulator_value=0.25)
    sd = ada.state_dict()
    assert list(sd["state"][0]) == ["step", "sum"] and sd["state"][0]["step"].item() == 0.0
    np.testing.assert_array_equal(sd["state"][0]["sum"].numpy(), [0.25] * 3)


def test_load_casts_state_to_parameter_dtype_but_keeps_step():
    p32 = torch.ones(3, requires_grad=True)
    opt = torch.optim.Adam([p32])
    p32.grad = torch.ones(3)
    opt.step()
    p64 = torch.ones(3, dtype=torch.float64, requires_grad=True)
    opt64 = torch.optim.Adam([p64])
    opt64.load_state_dict(opt.state_dict())
    state = opt64.state[p64]
    assert state["exp_avg"].dtype is torch.float64 and state["step"].dtype is torch.float32
    p64.grad = torch.ones(3, dtype=torch.float64)
    opt64.step()
    assert state["step"].item() == 2.0


def test_hooks_run_around_step_and_state_dict():
    p = torch.zeros(2, requires_grad=True)
    opt = torch.optim.SGD([p], lr=1.0)
    log = []
    h1 = opt.register_step_pre_hook(lambda o, args, kwargs: log.append(("pre", p.detach().tolist())))
    opt.register_step_post_hook(lambda o, args, kwargs: log.append(("post", p.detach().tolist())))
    opt.register_state_dict_post_hook(lambda o, sd: dict(sd, extra=1))
    p.grad = torch.ones(2)
    opt.step()
    assert log == [("pre", [0.0, 0.0]), ("post", [-1.0, -1.0])]
    h1.remove()
    opt.step()
    assert log[-1] == ("post", [-2.0, -2.0]) and len(log) == 3
    assert opt.state_dict()["extra"] == 1
    handle = torch.optim.optimizer.register_optimizer_step_pre_hook(lambda o, a, k: log.append("global"))
    try:
        opt.step()
    finally:
        handle.remove()
    assert "global" in log


def test_closure_add_param_group_repr_and_deepcopy():
    p = torch.tensor([1.0, 2.0], requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1, momentum=0.9)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 5.0
    q = torch.zeros(1, requires_grad=True)
    group = {"params": q, "lr": 0.5}
    opt.add_param_group(group)
    assert opt.param_groups[1] is group and group["params"] == [q] and group["momentum"] == 0.9
    assert repr(opt).splitlines()[:3] == ["SGD (", "Parameter Group 0", "    dampening: 0"]
    clone = copy.deepcopy(opt)
    assert clone.param_groups[1]["lr"] == 0.5 and len(clone.state) == 1


def test_zero_grad_keeps_zeroed_tensor_without_history():
    p = torch.ones(2, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1)
    (p * 3).sum().backward()
    grad = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is grad and not grad.requires_grad
    np.testing.assert_array_equal(grad.numpy(), [0.0, 0.0])


def test_more_invalid_arguments():
    p = torch.zeros(2, requires_grad=True)
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        torch.optim.SGD(p, lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        torch.optim.SGD([1.0], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        torch.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.raises(ValueError, match="betas must be either both floats"):
        torch.optim.Adam([p], betas=(0, 0.9))
    with pytest.raises(ValueError, match="Invalid rho value"):
        torch.optim.Adadelta([p], rho=1.5)
    opt = torch.optim.Adam([p])
    p.grad = torch.zeros(2, dtype=torch.float64)
    with pytest.raises(RuntimeError, match="dtype"):
        opt.step()
    other = torch.optim.Adam([p, torch.zeros(1, requires_grad=True)])
    with pytest.raises(ValueError, match="doesn't match the size"):
        opt.load_state_dict(other.state_dict())
