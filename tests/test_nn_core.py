"""cltorch.nn core: Module registration, state dicts, containers, Linear, init, functional vs torch, training."""
import math
from collections import OrderedDict

import numpy as np
import pytest
import torch as T

import cltorch as torch
import cltorch.nn as nn
import cltorch.nn.functional as F
from cltorch.nn import init

RNG = np.random.default_rng(5)


def ct(a, grad=False):
    return torch.tensor(a, requires_grad=grad)


def tt(a, grad=False):
    return T.tensor(a, requires_grad=grad)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.seq = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
        self.head = nn.Linear(2, 1, bias=False)
        self.register_buffer("running", torch.zeros(2))
        self.register_buffer("scratch", torch.zeros(1), persistent=False)
        self.scale = 2.0

    def forward(self, x):
        return self.head(self.seq(x)) * self.scale


class TNet(T.nn.Module):
    def __init__(self):
        super().__init__()
        self.seq = T.nn.Sequential(T.nn.Linear(3, 4), T.nn.ReLU(), T.nn.Linear(4, 2))
        self.head = T.nn.Linear(2, 1, bias=False)


# -- Parameter -----------------------------------------------------------------------------
def test_parameter_shares_storage_and_repr():
    t = torch.zeros(2)
    p = nn.Parameter(t)
    assert isinstance(p, torch.Tensor) and p.requires_grad and p.is_leaf
    t.fill_(3.0)
    assert p.tolist() == [3.0, 3.0]
    assert repr(p) == repr(T.nn.Parameter(T.full((2,), 3.0)))
    assert not nn.Parameter(torch.zeros(1), requires_grad=False).requires_grad


# -- registration and naming ---------------------------------------------------------------
def test_registration_and_names():
    m = Net()
    names = [n for n, _ in m.named_parameters()]
    assert names == ["seq.0.weight", "seq.0.bias", "seq.2.weight", "seq.2.bias", "head.weight"]
    assert names == [n for n, _ in TNet().named_parameters()]
    assert len(list(m.parameters())) == 5
    assert list(m.state_dict().keys()) == ["running"] + names  # own tensors first, as torch
    assert [n for n, _ in m.named_buffers()] == ["running", "scratch"]
    assert [n for n, _ in m.named_children()] == ["seq", "head"]
    assert [n for n, _ in m.named_modules()] == ["", "seq", "seq.0", "seq.1", "seq.2", "head"]
    assert len(list(m.modules())) == 6 and len(list(m.children())) == 2
    assert [n for n, _ in m.named_parameters(prefix="model", recurse=False)] == []
    assert [n for n, _ in m.seq.named_parameters(prefix="s")][0] == "s.0.weight"
    assert m.scale == 2.0 and "scale" not in m._parameters
    assert m.get_parameter("seq.0.bias") is m.seq[0].bias
    with pytest.raises(AttributeError):
        m.nope
    m.extra = nn.Parameter(torch.ones(1))
    m.add_module("tail", nn.Identity())
    m.register_module("tail2", nn.Tanh())
    m.register_parameter("nothing", None)
    assert "extra" in dict(m.named_parameters()) and "nothing" not in dict(m.named_parameters())
    assert [n for n, _ in m.named_children()][-2:] == ["tail", "tail2"]
    with pytest.raises(TypeError):
        m.extra = torch.ones(1)
    with pytest.raises(KeyError):
        m.register_buffer("a.b", None)


def test_shared_parameters_deduplicated():
    lin = nn.Linear(2, 2)
    m = nn.Sequential(lin, lin)
    assert len(list(m.parameters())) == 2
    assert list(m.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_forward_hooks():
    m = nn.Linear(2, 2)
    seen = []
    h1 = m.register_forward_pre_hook(lambda mod, args: seen.append("pre"))
    h2 = m.register_forward_hook(lambda mod, args, out: out * 0)
    out = m(torch.ones(1, 2))
    assert seen == ["pre"] and out.tolist() == [[0.0, 0.0]]
    h1.remove()
    h2.remove()
    m(torch.ones(1, 2))
    assert seen == ["pre"]


# -- state dicts ---------------------------------------------------------------------------
def test_state_dict_round_trip_and_torch_keys():
    a, b = Net(), Net()
    b.load_state_dict(a.state_dict())
    for (_, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    tsd = TNet().state_dict()
    sd = OrderedDict((k, torch.tensor(v.numpy())) for k, v in tsd.items())
    sd["running"] = torch.ones(2)
    a.load_state_dict(sd)
    np.testing.assert_allclose(a.seq[0].weight.detach().numpy(), tsd["seq.0.weight"].numpy())
    assert a.running.tolist() == [1.0, 1.0]
    assert not a.state_dict()["seq.0.weight"].requires_grad


def test_load_state_dict_strict_errors():
    m = nn.Sequential(nn.Linear(2, 2))
    sd = m.state_dict()
    del sd["0.bias"]
    sd["extra"] = torch.zeros(1)
    tm = T.nn.Sequential(T.nn.Linear(2, 2))
    tsd = tm.state_dict()
    del tsd["0.bias"]
    tsd["extra"] = T.zeros(1)
    with pytest.raises(RuntimeError) as ours:
        m.load_state_dict(sd)
    with pytest.raises(RuntimeError) as theirs:
        tm.load_state_dict(tsd)
    assert str(ours.value) == str(theirs.value)
    res = m.load_state_dict(sd, strict=False)
    assert res.missing_keys == ["0.bias"] and res.unexpected_keys == ["extra"]
    with pytest.raises(RuntimeError, match="size mismatch for 0.weight"):
        m.load_state_dict({"0.weight": torch.zeros(3, 2), "0.bias": torch.zeros(2)})


# -- modes, devices, grads -----------------------------------------------------------------
def test_train_eval_flags():
    m = Net()
    assert m.training and m.seq[0].training
    assert m.eval() is m
    assert not any(x.training for x in m.modules())
    m.train()
    assert all(x.training for x in m.modules())
    m.seq.train(False)
    assert m.training and not m.seq[2].training


def test_to_dtype_in_place_and_zero_grad_apply():
    m = Net()
    p = m.seq[0].weight
    m.double()
    assert m.seq[0].weight is p and p.dtype == torch.float64 and isinstance(p, nn.Parameter)
    assert m.running.dtype == torch.float64
    m.to(torch.float32)
    assert p.dtype == torch.float32
    m.cpu()
    m.to("cpu")
    assert m.float() is m
    m(torch.randn(4, 3)).sum().backward()
    assert p.grad is not None
    m.zero_grad(set_to_none=False)
    assert p.grad.abs().sum().item() == 0
    m.zero_grad()
    assert p.grad is None
    seen = []
    m.apply(lambda mod: seen.append(type(mod).__name__))
    assert seen == ["Linear", "ReLU", "Linear", "Sequential", "Linear", "Net"]
    m.requires_grad_(False)
    assert not any(q.requires_grad for q in m.parameters())


def test_repr_matches_torch():
    m, tm = Net(), TNet()
    tm.register_buffer("running", T.zeros(2))
    assert repr(m) == repr(tm).replace("TNet", "Net").replace("torch.", "cltorch.")
    assert repr(nn.ReLU(inplace=True)) == repr(T.nn.ReLU(inplace=True))
    assert repr(nn.Linear(3, 5, bias=False)) == repr(T.nn.Linear(3, 5, bias=False))


# -- containers ----------------------------------------------------------------------------
def test_sequential_indexing_and_slicing():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1), nn.Sigmoid()]
    s = nn.Sequential(*layers)
    assert len(s) == 4 and s[0] is layers[0] and s[-1] is layers[3] and s[-4] is layers[0]
    with pytest.raises(IndexError):
        s[4]
    sub = s[1:3]
    assert isinstance(sub, nn.Sequential) and list(sub) == layers[1:3]
    assert list(sub._modules) == ["1", "2"]
    assert list(s) == layers
    s.append(nn.Identity())
    assert len(s) == 5
    od = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.Tanh())]))
    assert list(od.state_dict()) == ["fc.weight", "fc.bias"] and od.fc is od[0]
    out = s(torch.randn(5, 2))
    assert out.shape == (5, 1)
    del s[0]
    assert list(s._modules) == ["0", "1", "2", "3"]


def test_module_list_and_dict():
    ml = nn.ModuleList([nn.Linear(1, 1) for _ in range(3)])
    ml.append(nn.ReLU())
    assert len(ml) == 4 and isinstance(ml[-1], nn.ReLU) and len(list(ml.parameters())) == 6
    assert list(ml.state_dict())[0] == "0.weight"
    md = nn.ModuleDict({"a": nn.Linear(1, 2), "b": nn.Tanh()})
    assert list(md.keys()) == ["a", "b"] and "a" in md and len(md) == 2
    assert list(md.state_dict()) == ["a.weight", "a.bias"]


# -- Linear and init -----------------------------------------------------------------------
def test_linear_default_init_bounds_and_forward():
    torch.manual_seed(0)
    lin = nn.Linear(64, 32)
    bound = 1 / math.sqrt(64)  # kaiming_uniform_(a=sqrt(5)) also gives 1/sqrt(fan_in)
    w, b = lin.weight.detach().numpy(), lin.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.9 * bound and abs(w.std() - bound / math.sqrt(3)) < 0.01
    x = RNG.standard_normal((5, 64)).astype(np.float32)
    ref = x @ w.T + b
    np.testing.assert_allclose(lin(ct(x)).detach().numpy(), ref, rtol=1e-5, atol=1e-5)
    x3 = RNG.standard_normal((2, 3, 64)).astype(np.float32)
    np.testing.assert_allclose(lin(ct(x3)).detach().numpy(), x3 @ w.T + b, rtol=1e-5, atol=1e-5)
    assert lin.bias.requires_grad and lin.weight.is_leaf
    assert nn.Linear(3, 2, bias=False).bias is None
    assert nn.Identity(5, foo=1)(x) is x


def test_init_functions_statistics():
    torch.manual_seed(1)
    t = torch.empty(200, 300)
    fan_in, fan_out = 300, 200
    assert init._calculate_fan_in_and_fan_out(torch.empty(4, 3, 5, 5)) == (75, 100)
    with pytest.raises(ValueError):
        init._calculate_fan_in_and_fan_out(torch.empty(3))
    assert init.calculate_gain("relu") == T.nn.init.calculate_gain("relu")
    assert init.calculate_gain("leaky_relu", 0.2) == T.nn.init.calculate_gain("leaky_relu", 0.2)
    assert init.calculate_gain("tanh") == T.nn.init.calculate_gain("tanh")
    assert init.uniform_(t, -2, 3) is t
    a = t.numpy()
    assert a.min() >= -2 and a.max() <= 3 and abs(a.mean() - 0.5) < 0.05
    init.normal_(t, 1.0, 2.0)
    assert abs(t.numpy().mean() - 1.0) < 0.05 and abs(t.numpy().std() - 2.0) < 0.05
    init.constant_(t, 0.25)
    assert np.all(t.numpy() == 0.25)
    init.zeros_(t)
    assert np.all(t.numpy() == 0)
    init.ones_(t)
    assert np.all(t.numpy() == 1)
    xb = math.sqrt(6 / (fan_in + fan_out))
    init.xavier_uniform_(t)
    assert np.abs(t.numpy()).max() <= xb and abs(t.numpy().std() - xb / math.sqrt(3)) < 0.005
    init.xavier_normal_(t, gain=2.0)
    assert abs(t.numpy().std() - 2 * math.sqrt(2 / (fan_in + fan_out))) < 0.005
    init.kaiming_uniform_(t, nonlinearity="relu")
    kb = math.sqrt(2) * math.sqrt(3 / fan_in)
    assert np.abs(t.numpy()).max() <= kb and abs(t.numpy().std() - kb / math.sqrt(3)) < 0.005
    init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu")
    assert abs(t.numpy().std() - math.sqrt(2 / fan_out)) < 0.005
    p = nn.Parameter(torch.empty(3, 3))
    assert init.kaiming_uniform_(p) is p and p.grad_fn is None and p.requires_grad


# -- functional vs torch -------------------------------------------------------------------
def _compare(fn_c, fn_t, *arrays, grad_idx=(0,), atol=1e-5):
    cin = [ct(a, i in grad_idx) for i, a in enumerate(arrays)]
    tin = [tt(a, i in grad_idx) for i, a in enumerate(arrays)]
    co, to = fn_c(*cin), fn_t(*tin)
    np.testing.assert_allclose(co.detach().numpy(), to.detach().numpy(), rtol=1e-4, atol=atol)
    g = RNG.standard_normal(tuple(to.shape)).astype(np.float32)
    co.backward(ct(g))
    to.backward(tt(g))
    for i in grad_idx:
        np.testing.assert_allclose(cin[i].grad.numpy(), tin[i].grad.numpy(), rtol=1e-4, atol=atol)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_log_softmax(dim):
    x = (RNG.standard_normal((4, 6)) * 5).astype(np.float32)
    _compare(lambda a: F.softmax(a, dim), lambda a: T.nn.functional.softmax(a, dim), x)
    _compare(lambda a: F.log_softmax(a, dim), lambda a: T.nn.functional.log_softmax(a, dim), x)
    big = np.array([[1000.0, 0.0, -1000.0]], dtype=np.float32)
    assert np.isfinite(F.log_softmax(ct(big), 1).numpy()).all()


def test_activations():
    x = RNG.standard_normal((3, 5)).astype(np.float32)
    for name in ("relu", "sigmoid", "tanh"):
        _compare(getattr(F, name), getattr(T.nn.functional, name), x)
    for mod, tmod in ((nn.ReLU(), T.nn.ReLU()), (nn.Sigmoid(), T.nn.Sigmoid()), (nn.Tanh(), T.nn.Tanh())):
        np.testing.assert_allclose(mod(ct(x)).numpy(), tmod(tt(x)).numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_losses(reduction):
    a = RNG.standard_normal((4, 3)).astype(np.float32)
    b = RNG.standard_normal((4, 3)).astype(np.float32)
    _compare(lambda x, y: F.mse_loss(x, y, reduction=reduction),
             lambda x, y: T.nn.functional.mse_loss(x, y, reduction=reduction), a, b, grad_idx=(0, 1))
    _compare(lambda x, y: F.l1_loss(x, y, reduction=reduction),
             lambda x, y: T.nn.functional.l1_loss(x, y, reduction=reduction), a, b, grad_idx=(0, 1))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy(reduction):
    p = RNG.uniform(0.05, 0.95, (5, 2)).astype(np.float32)
    y = RNG.integers(0, 2, (5, 2)).astype(np.float32)
    w = RNG.uniform(0.5, 2, (5, 2)).astype(np.float32)
    _compare(lambda x, t: F.binary_cross_entropy(x, t, reduction=reduction),
             lambda x, t: T.nn.functional.binary_cross_entropy(x, t, reduction=reduction), p, y)
    _compare(lambda x, t, ww: F.binary_cross_entropy(x, t, ww, reduction=reduction),
             lambda x, t, ww: T.nn.functional.binary_cross_entropy(x, t, ww, reduction=reduction), p, y, w)
    edge = np.array([0.0, 1.0], dtype=np.float32)
    tgt = np.array([1.0, 0.0], dtype=np.float32)
    np.testing.assert_allclose(F.binary_cross_entropy(ct(edge), ct(tgt)).item(),
                               T.nn.functional.binary_cross_entropy(tt(edge), tt(tgt)).item())


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_and_cross_entropy(reduction, weighted):
    x = RNG.standard_normal((6, 4)).astype(np.float32)
    target = np.array([0, 3, 1, 1, 2, 3])
    w = RNG.uniform(0.5, 2, 4).astype(np.float32) if weighted else None
    cw = None if w is None else ct(w)
    tw = None if w is None else tt(w)
    for ignore in (-100, 1):
        _compare(lambda a: F.nll_loss(a, ct(target), cw, ignore_index=ignore, reduction=reduction),
                 lambda a: T.nn.functional.nll_loss(a, tt(target), tw, ignore_index=ignore, reduction=reduction),
                 x)
        _compare(lambda a: F.cross_entropy(a, ct(target), cw, ignore_index=ignore, reduction=reduction),
                 lambda a: T.nn.functional.cross_entropy(a, tt(target), tw, ignore_index=ignore,
                                                          reduction=reduction), x)


def test_cross_entropy_extras():
    x = RNG.standard_normal((3, 4, 2)).astype(np.float32)
    target = RNG.integers(0, 4, (3, 2))
    _compare(lambda a: F.cross_entropy(a, ct(target)), lambda a: T.nn.functional.cross_entropy(a, tt(target)), x)
    probs = RNG.dirichlet(np.ones(4), 5).astype(np.float32)
    x2 = RNG.standard_normal((5, 4)).astype(np.float32)
    _compare(lambda a: F.cross_entropy(a, ct(probs)), lambda a: T.nn.functional.cross_entropy(a, tt(probs)), x2)
    t2 = np.array([0, 1, 2, 3, 1])
    _compare(lambda a: F.cross_entropy(a, ct(t2), label_smoothing=0.1),
             lambda a: T.nn.functional.cross_entropy(a, tt(t2), label_smoothing=0.1), x2)
    assert F.one_hot(ct(np.array([0, 2])), 3).tolist() == [[1, 0, 0], [0, 0, 1]]


# -- training ------------------------------------------------------------------------------
class LinearRegressionModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(1, 1)

    def forward(self, x):
        return self.linear(x)


def test_linear_regression_trains():
    # From a fixed start (torch's random init reaches cost < 0.01 in 200 epochs only for some seeds,
    # in torch too), training must follow torch's trajectory and reach cost < 0.01.
    x = torch.tensor([[1.0], [2.0], [3.0]])
    y = torch.tensor([[2.0], [4.0], [6.0]])
    model = LinearRegressionModel()
    init.constant_(model.linear.weight, 1.0)
    init.zeros_(model.linear.bias)
    tmodel = T.nn.Linear(1, 1)
    T.nn.init.constant_(tmodel.weight, 1.0)
    T.nn.init.zeros_(tmodel.bias)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    toptimizer = T.optim.SGD(tmodel.parameters(), lr=0.01)
    for _ in range(200):
        cost = F.mse_loss(model(x), y)
        optimizer.zero_grad()
        cost.backward()
        optimizer.step()
        tcost = T.nn.functional.mse_loss(tmodel(tt([[1.0], [2.0], [3.0]])), tt([[2.0], [4.0], [6.0]]))
        toptimizer.zero_grad()
        tcost.backward()
        toptimizer.step()
    assert cost.item() < 0.01
    assert abs(cost.item() - tcost.item()) < 1e-4
    np.testing.assert_allclose(model.linear.weight.detach().numpy(), tmodel.weight.detach().numpy(), rtol=1e-4)
    pred = model(torch.tensor([[4.0]])).item()
    assert abs(pred - 8.0) < 0.3


def test_logistic_regression_decreases():
    torch.manual_seed(0)
    x = torch.tensor([[1.0, 2.0], [2.0, 3.0], [3.0, 1.0], [4.0, 3.0], [5.0, 3.0], [6.0, 2.0]])
    y = torch.tensor([[0.0], [0.0], [0.0], [1.0], [1.0], [1.0]])
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    losses = []
    for _ in range(100):
        cost = F.binary_cross_entropy(model(x), y)
        optimizer.zero_grad()
        cost.backward()
        optimizer.step()
        losses.append(cost.item())
    assert losses[-1] < losses[0] * 0.5
    acc = ((model(x) >= 0.5).float() == y).float().mean().item()
    assert acc == 1.0
