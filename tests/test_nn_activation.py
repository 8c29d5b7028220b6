"""Activations (activation.cl kernels and composed ones) against real torch: values, gradients at the kinks,
in-place variants under autograd, double backward, modules and their reprs."""
import numpy as np
import pytest
import torch as T

import cltorch as torch
import cltorch.nn as nn
import cltorch.nn.functional as F

RNG = np.random.default_rng(7)

# (name, kwargs): every parameterised form goes through the same kernel program
CASES = [("relu6", {}), ("leaky_relu", {}), ("leaky_relu", {"negative_slope": 0.2}), ("elu", {}),
         ("elu", {"alpha": 2.0}), ("selu", {}), ("celu", {"alpha": 0.5}), ("gelu", {}),
         ("gelu", {"approximate": "tanh"}), ("silu", {}), ("mish", {}), ("softplus", {}),
         ("softplus", {"beta": 2.0, "threshold": 3.0}), ("softsign", {}), ("hardtanh", {}),
         ("hardtanh", {"min_val": -2.0, "max_val": 0.5}), ("hardsigmoid", {}), ("hardswish", {}),
         ("logsigmoid", {}), ("tanhshrink", {}), ("threshold", {"threshold": 0.5, "value": -3.0}),
         ("hardshrink", {}), ("softshrink", {"lambd": 1.0}), ("sigmoid", {}), ("tanh", {}), ("relu", {})]
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for n, kw in CASES]

# the kinks and edges of every function above, then random values
KINKS = [0.0, -3.0, 3.0, 6.0, -1.0, 1.0, -2.0, 0.5, -0.5, 1.5, 20.0, 25.0, -25.0, 1e-3, -1e-3]


def _input(n=1023):
    x = (RNG.standard_normal(n) * 4).astype(np.float32)
    x[:len(KINKS)] = KINKS
    return x


def _call(lib, name, x, kw):
    mod = F if lib is torch else T.nn.functional
    return getattr(mod, name)(x, **kw)


@pytest.mark.parametrize("name,kw", CASES, ids=IDS)
def test_forward_and_backward_match_torch(name, kw):
    x, g = _input(), RNG.standard_normal(1023).astype(np.float32)
    a = torch.tensor(x, requires_grad=True)
    # the reference runs in float64 on the same float32 values: torch's float32 tanh saturates early
    b = T.tensor(x.astype(np.float64), requires_grad=True)
    ya, yb = _call(torch, name, a, kw), _call(T, name, b, kw)
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-5, atol=1e-6)
    ya.backward(torch.tensor(g))
    yb.backward(T.tensor(g.astype(np.float64)))
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,kw", CASES, ids=IDS)
def test_non_contiguous_and_nan_inputs(name, kw):
    x = _input(7 * 11).reshape(7, 11)
    x[2, 3] = np.nan
    a, b = torch.tensor(x).t()[1:9:2], T.tensor(x).t()[1:9:2]
    np.testing.assert_allclose(_call(torch, name, a, kw).numpy(), _call(T, name, b, kw).numpy(), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("name", ["elu", "gelu", "softplus", "silu", "mish", "logsigmoid", "softsign"])
def test_float64_gradcheck(name):
    x = torch.tensor(RNG.standard_normal(9) * 2 + 0.05, dtype=torch.float64, requires_grad=True)
    np.testing.assert_allclose(_call(torch, name, x, {}).detach().numpy(),
                               _call(T, name, T.tensor(x.detach().numpy()), {}).numpy(), rtol=1e-12, atol=1e-14)
    assert torch.autograd.gradcheck(lambda t: _call(torch, name, t, {}), (x,), eps=1e-6, atol=1e-7)


@pytest.mark.parametrize("name,kw", [("gelu", {}), ("gelu", {"approximate": "tanh"}), ("elu", {"alpha": 1.5}),
                                     ("selu", {}), ("celu", {"alpha": 2.0}), ("softplus", {"beta": 0.5}),
                                     ("silu", {}), ("mish", {}), ("leaky_relu", {"negative_slope": 0.1}),
                                     ("hardswish", {}), ("logsigmoid", {}), ("tanhshrink", {}),
                                     ("softsign", {}), ("hardtanh", {}), ("threshold", {"threshold": 0.1,
                                                                                       "value": 2.0})])
def test_double_backward_matches_torch(name, kw):
    x = RNG.standard_normal(13) * 2
    w = RNG.standard_normal(13)
    a = torch.tensor(x, requires_grad=True)
    (ga,) = torch.autograd.grad((_call(torch, name, a, kw) * torch.tensor(w)).sum(), a, create_graph=True)
    (ga * ga * ga).sum().backward()
    b = T.tensor(x, requires_grad=True)
    (gb,) = T.autograd.grad((_call(T, name, b, kw) * T.tensor(w)).sum(), b, create_graph=True)
    (gb * gb * gb).sum().backward()
    np.testing.assert_allclose(ga.detach().numpy(), gb.detach().numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-8, atol=1e-10)


INPLACE = [("relu_", {}), ("leaky_relu_", {"negative_slope": 0.3}), ("elu_", {"alpha": 0.7}), ("selu_", {}),
           ("celu_", {"alpha": 1.5}), ("hardtanh_", {"min_val": -0.5, "max_val": 2.0}),
           ("threshold_", {"threshold": 0.2, "value": 5.0})]


@pytest.mark.parametrize("name,kw", INPLACE)
def test_inplace_functions_with_autograd(name, kw):
    x, g = _input(64), RNG.standard_normal(64).astype(np.float32)
    leaf_a = torch.tensor(x, requires_grad=True)
    leaf_b = T.tensor(x, requires_grad=True)
    ya, yb = leaf_a * 2, leaf_b * 2
    ra = getattr(F, name)(ya, **kw)
    rb = getattr(T.nn.functional, name)(yb, **kw)
    assert ra is ya
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-5, atol=1e-6)
    ya.backward(torch.tensor(g))
    rb.backward(T.tensor(g))
    np.testing.assert_allclose(leaf_a.grad.numpy(), leaf_b.grad.numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        getattr(F, name)(torch.tensor(x, requires_grad=True), **kw)


@pytest.mark.parametrize("name", ["relu", "relu6", "leaky_relu", "elu", "selu", "celu", "silu", "mish",
                                  "hardtanh", "hardsigmoid", "hardswish"])
def test_inplace_flag_modifies_input(name):
    x = _input(50)
    a = torch.tensor(x)
    out = getattr(F, name)(a, inplace=True)
    assert out is a
    np.testing.assert_allclose(a.numpy(), getattr(T.nn.functional, name)(T.tensor(x)).numpy(), rtol=1e-5,
                               atol=1e-6)
    # in place on a strided view writes through to the base
    base = torch.tensor(x.reshape(5, 10))
    getattr(F, name)(base[:, ::3], inplace=True)
    ref = x.reshape(5, 10).copy()
    ref[:, ::3] = getattr(T.nn.functional, name)(T.tensor(ref[:, ::3].copy())).numpy()
    np.testing.assert_allclose(base.numpy(), ref, rtol=1e-5, atol=1e-6)


def test_float64_and_empty():
    x = RNG.standard_normal((3, 4))
    for name, kw in CASES:
        got = _call(torch, name, torch.tensor(x), kw)
        assert got.dtype == torch.float64
        np.testing.assert_allclose(got.numpy(), _call(T, name, T.tensor(x), kw).numpy(), rtol=1e-12, atol=1e-14)
        assert tuple(_call(torch, name, torch.zeros(0, 3), kw).shape) == (0, 3)


def test_integer_inputs_follow_torch():
    x = np.arange(-4, 5)
    for name in ("leaky_relu", "elu", "softplus", "gelu", "silu"):
        with pytest.raises(NotImplementedError):
            getattr(F, name)(torch.tensor(x))
        with pytest.raises(NotImplementedError):
            getattr(T.nn.functional, name)(T.tensor(x))
    for name, kw in (("relu6", {}), ("hardtanh", {"min_val": -2, "max_val": 3}),
                     ("threshold", {"threshold": 1, "value": 20})):
        got, ref = _call(torch, name, torch.tensor(x), kw), _call(T, name, T.tensor(x), kw)
        assert got.dtype == torch.int64
        assert got.tolist() == ref.tolist()


def test_argument_errors():
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        F.gelu(torch.zeros(2), approximate="foo")
    with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
        F.hardtanh(torch.zeros(2), 2.0, 1.0)
    with pytest.raises(AssertionError):
        nn.Hardtanh(1.0, 1.0)
    with pytest.raises(TypeError):
        F.silu([1.0, 2.0])


def test_prelu_forward_backward_and_errors():
    x, g = RNG.standard_normal((4, 3, 5)).astype(np.float32), RNG.standard_normal((4, 3, 5)).astype(np.float32)
    x[0, 0, :2] = 0.0
    for w in (np.array([0.25], np.float32), np.array([0.1, -0.2, 0.3], np.float32)):
        a, wa = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
        b, wb = T.tensor(x, requires_grad=True), T.tensor(w, requires_grad=True)
        ya, yb = F.prelu(a, wa), T.nn.functional.prelu(b, wb)
        np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-6)
        ya.backward(torch.tensor(g))
        yb.backward(T.tensor(g))
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(wa.grad.numpy(), wb.grad.numpy(), rtol=1e-4, atol=1e-5)
    for bad_x, bad_w in ((np.zeros((2, 3, 4)), np.zeros(4)), (np.zeros(3), np.zeros(3))):
        with pytest.raises(RuntimeError) as ours:
            F.prelu(torch.tensor(bad_x), torch.tensor(bad_w))
        with pytest.raises(RuntimeError) as theirs:
            T.nn.functional.prelu(T.tensor(bad_x), T.tensor(bad_w))
        assert str(ours.value) == str(theirs.value)
    m = nn.PReLU(3)
    assert m.weight.tolist() == [0.25] * 3 and repr(m) == repr(T.nn.PReLU(3))
    assert tuple(m(torch.tensor(x)).shape) == x.shape


def test_glu_forward_backward_and_errors():
    x, g = RNG.standard_normal((3, 8, 5)).astype(np.float32), RNG.standard_normal((3, 4, 5)).astype(np.float32)
    a, b = torch.tensor(x, requires_grad=True), T.tensor(x, requires_grad=True)
    ya, yb = F.glu(a, 1), T.nn.functional.glu(b, 1)
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-6)
    ya.backward(torch.tensor(g))
    yb.backward(T.tensor(g))
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-5, atol=1e-6)
    for bad in (np.zeros((3, 5)), np.array(1.0)):
        with pytest.raises(RuntimeError) as ours:
            F.glu(torch.tensor(bad))
        with pytest.raises(RuntimeError) as theirs:
            T.nn.functional.glu(T.tensor(bad))
        assert str(ours.value) == str(theirs.value)


MODULES = [("ReLU", ()), ("ReLU", (True,)), ("ReLU6", ()), ("ReLU6", (True,)), ("LeakyReLU", ()),
           ("LeakyReLU", (0.2, True)), ("ELU", ()), ("ELU", (2.0, True)), ("SELU", ()), ("SELU", (True,)),
           ("CELU", ()), ("CELU", (0.5,)), ("GELU", ()), ("GELU", ("tanh",)), ("SiLU", ()), ("SiLU", (True,)),
           ("Mish", ()), ("Softplus", ()), ("Softplus", (2, 5)), ("Softsign", ()), ("Hardtanh", ()),
           ("Hardtanh", (-2, 2, True)), ("Hardsigmoid", ()), ("Hardsigmoid", (True,)), ("Hardswish", ()),
           ("LogSigmoid", ()), ("Tanhshrink", ()), ("Threshold", (0.1, 20)), ("Threshold", (0.1, 20, True)),
           ("Hardshrink", ()), ("Softshrink", (0.3,)), ("PReLU", ()), ("GLU", ()), ("GLU", (0,)), ("Sigmoid", ()),
           ("Tanh", ())]


@pytest.mark.parametrize("cls,args", MODULES, ids=[f"{c}{a}" for c, a in MODULES])
def test_modules_repr_and_forward(cls, args):
    ours, theirs = getattr(nn, cls)(*args), getattr(T.nn, cls)(*args)
    assert repr(ours) == repr(theirs)
    x = RNG.standard_normal((4, 6)).astype(np.float32)
    np.testing.assert_allclose(ours(torch.tensor(x)).detach().numpy(), theirs(T.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
