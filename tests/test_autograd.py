"""The autograd engine: graph recording, backward, grad modes, hooks, Function, version checks."""
import numpy as np
import pytest

import cltorch as torch
from cltorch.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(7)


def leaf(*shape, low=-1.0, high=1.0):
    return torch.tensor(RNG.uniform(low, high, shape), dtype=torch.float64, requires_grad=True)


# -- elementwise gradients against finite differences ----------------------------------
UNARY_DOMAINS = {
    "exp": (-2, 2), "exp2": (-2, 2), "log": (0.5, 3), "log2": (0.5, 3), "log10": (0.5, 3), "log1p": (-0.5, 2),
    "expm1": (-2, 2), "sqrt": (0.5, 3), "rsqrt": (0.5, 3), "sin": (-3, 3), "cos": (-3, 3), "tan": (-1, 1),
    "asin": (-0.8, 0.8), "acos": (-0.8, 0.8), "atan": (-3, 3), "sinh": (-2, 2), "cosh": (-2, 2),
    "tanh": (-2, 2), "asinh": (-2, 2), "acosh": (1.5, 3), "atanh": (-0.8, 0.8), "sigmoid": (-3, 3),
    "erf": (-2, 2), "erfc": (-2, 2), "reciprocal": (0.5, 3), "neg": (-2, 2), "abs": (0.2, 2), "square": (-2, 2),
    "relu": (0.1, 2), "frac": (0.1, 0.9),
}


@pytest.mark.parametrize("name", sorted(UNARY_DOMAINS))
def test_unary_gradcheck(name):
    lo, hi = UNARY_DOMAINS[name]
    x = leaf(2, 3, low=lo, high=hi)
    assert gradcheck(getattr(torch, name), (x,))


@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc", "sign"])
def test_piecewise_constant_ops_have_zero_gradient(name):
    x = leaf(5, low=0.1, high=0.4)
    getattr(torch, name)(x).backward(torch.ones(5, dtype=torch.float64))
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros(5))


@pytest.mark.parametrize("fn", [
    lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / b,
    lambda a, b: torch.add(a, b, alpha=2.5), lambda a, b: torch.sub(a, b, alpha=0.5),
    lambda a, b: torch.atan2(a, b), lambda a, b: torch.hypot(a, b), lambda a, b: a ** b,
    lambda a, b: torch.maximum(a, b), lambda a, b: torch.minimum(a, b), lambda a, b: torch.xlogy(a, b),
    lambda a, b: torch.lerp(a, b, 0.3), lambda a, b: torch.remainder(a, b), lambda a, b: torch.fmod(a, b),
], ids=["add", "sub", "mul", "div", "add_alpha", "sub_alpha", "atan2", "hypot", "pow", "maximum", "minimum",
        "xlogy", "lerp", "remainder", "fmod"])
def test_binary_gradcheck_with_broadcasting(fn):
    a = leaf(3, 4, low=0.5, high=2.0)
    b = leaf(4, low=0.6, high=1.9)
    assert gradcheck(fn, (a, b))


@pytest.mark.parametrize("fn", [
    lambda a: a * 3, lambda a: 3 - a, lambda a: 2 / a, lambda a: a ** 3, lambda a: 2 ** a, lambda a: a ** 0.5,
    lambda a: torch.clamp(a, 0.8, 1.5), lambda a: a.clamp(min=1.0), lambda a: torch.where(a > 1, a, a * a),
], ids=["mul_s", "rsub_s", "rdiv_s", "pow_s", "rpow_s", "sqrt_pow", "clamp", "clamp_min", "where"])
def test_scalar_operand_gradcheck(fn):
    assert gradcheck(fn, (leaf(6, low=0.5, high=2.0),))


def test_ternary_gradcheck():
    a, b, c = leaf(2, 3), leaf(3), leaf(2, 1, low=1.0, high=2.0)
    assert gradcheck(lambda x, y, z: torch.addcmul(x, y, z, value=0.7), (a, b, c))
    assert gradcheck(lambda x, y, z: torch.addcdiv(x, y, z, value=0.7), (a, b, c))
    w = leaf(2, 3, low=0.0, high=1.0)
    assert gradcheck(lambda x, y, z: torch.lerp(x, y, z), (a, b, w))
    assert gradcheck(lambda x, lo, hi: torch.clamp(x, lo, hi), (a, leaf(3, low=-1, high=-0.2), leaf(3, low=0.2, high=1)))
    assert gradcheck(lambda x, y: torch.where(x > 0, x, y), (a, b))


def test_second_order_gradients():
    x, y = leaf(4), leaf(4, low=0.5, high=1.5)
    assert gradgradcheck(lambda a, b: (a * b).sin() + a.exp() / (b * b + 1), (x, y))


# -- engine behaviour ----------------------------------------------------------------------
def test_leaf_flags_and_grad_fn_names():
    x = torch.ones(3, requires_grad=True)
    y = x * 2 + 1
    assert x.is_leaf and not y.is_leaf and y.requires_grad
    assert type(y.grad_fn).__name__ == "AddBackward0"
    assert y.grad_fn.next_functions[0][0].name() == "MulBackward0"
    assert "grad_fn=<AddBackward0>" in repr(y)
    assert "requires_grad=True" in repr(x)


def test_gradients_accumulate_and_zero():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (x * x).backward(torch.ones(2))
    (x * 3).backward(torch.ones(2))
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 7.0])
    x.grad.zero_()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.0])


def test_non_scalar_backward_needs_gradient():
    x = torch.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="does not require grad"):
        torch.ones(2).backward(torch.ones(2))


def test_second_backward_without_retain_graph_raises():
    x = torch.ones(2, requires_grad=True)
    y = (x * x).exp()
    y.backward(torch.ones(2), retain_graph=True)
    y.backward(torch.ones(2))
    np.testing.assert_allclose(x.grad.numpy(), 2 * (2 * np.e) * np.ones(2), rtol=1e-6)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward(torch.ones(2))


def test_shared_subexpression_accumulates_once_per_path():
    x = torch.tensor([3.0], requires_grad=True)
    a = x * x
    b = a + a * x        # x^2 + x^3
    b.backward(torch.ones(1))
    np.testing.assert_allclose(x.grad.numpy(), [2 * 3 + 3 * 9])


def test_grad_modes():
    x = torch.ones(2, requires_grad=True)
    with torch.no_grad():
        assert not (x * 2).requires_grad
        with torch.enable_grad():
            assert (x * 2).requires_grad
    with torch.set_grad_enabled(False):
        assert not torch.is_grad_enabled()
    assert torch.is_grad_enabled()
    torch.set_grad_enabled(False)
    assert not (x * 2).requires_grad
    torch.set_grad_enabled(True)
    with torch.inference_mode():
        assert not (x * 2).requires_grad

    @torch.no_grad()
    def f(t):
        return t * 2

    @torch.no_grad
    def g(t):
        return t * 2

    @torch.inference_mode()
    def h(t):
        return t * 2

    assert not f(x).requires_grad and not g(x).requires_grad and not h(x).requires_grad
    assert (x * 2).requires_grad


def test_detach_and_data():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d._storage is x._storage and d._version_counter is x._version_counter
    x.data.mul_(10)  # not tracked, no error on a leaf
    np.testing.assert_allclose(x.detach().numpy(), [10.0, 20.0])
    x.data = torch.tensor([5.0, 6.0, 7.0])
    assert x.shape == (3,) and x.requires_grad
    y = x * 2
    y.detach_()
    assert y.grad_fn is None and not y.requires_grad


def test_manual_sgd_update_pattern():
    w = torch.zeros(1, requires_grad=True)
    x = torch.tensor([1.0, 2.0, 3.0])
    for _ in range(3):
        cost = ((x * w - x * 2) ** 2) * (1 / 3)
        cost.backward(torch.ones(3))
        with torch.no_grad():
            w -= 0.1 * w.grad
        w.grad.zero_()
    assert 0 < w.item() < 2


def test_inplace_on_leaf_requiring_grad_raises():
    x = torch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.add_(1)
    with torch.no_grad():
        x.add_(1)
    np.testing.assert_allclose(x.detach().numpy(), [2.0, 2.0])


def test_modified_saved_tensor_is_detected():
    x = torch.ones(3, requires_grad=True)
    y = x.exp()          # exp saves its output
    z = y * 1
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward(torch.ones(3)) if False else y.backward(torch.ones(3))


def test_inplace_on_non_leaf_rewrites_history():
    x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = x * 2
    y.relu_()
    assert type(y.grad_fn).__name__ == "ReluBackward0"
    y.backward(torch.ones(3))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 0.0, 2.0])


def test_hooks_and_retain_grad():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.numpy().copy()))
    y = x * 3
    y.retain_grad()
    handle = y.register_hook(lambda g: g * 10)
    y.backward(torch.ones(2))
    np.testing.assert_allclose(x.grad.numpy(), [30.0, 30.0])
    np.testing.assert_allclose(y.grad.numpy(), [10.0, 10.0])
    np.testing.assert_allclose(seen[0], [30.0, 30.0])
    handle.remove()


def test_autograd_grad_and_gradient_penalty():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x ** 3
    (g,) = torch.autograd.grad(y, x, torch.ones(2), create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), [3.0, 12.0])
    assert x.grad is None
    penalty = g * g
    penalty.backward(torch.ones(2))
    np.testing.assert_allclose(x.grad.numpy(), [2 * 3 * 6, 2 * 12 * 12])  # d(9x^4)/dx = 36x^3


def test_autograd_grad_unused_inputs():
    x, z = torch.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="allow_unused"):
        torch.autograd.grad(x * 2, (x, z), torch.ones(2))
    gx, gz = torch.autograd.grad(x * 2, (x, z), torch.ones(2), allow_unused=True)
    assert gz is None
    np.testing.assert_allclose(gx.numpy(), [2.0, 2.0])


def test_custom_function():
    class Cube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale):
            ctx.save_for_backward(x)
            ctx.scale = scale
            return x * x * x * scale

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            assert ctx.needs_input_grad == (True, False)
            return grad * 3 * x * x * ctx.scale, None

    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = Cube.apply(x, 2.0)
    assert type(y.grad_fn).__name__ == "CubeBackward"
    y.backward(torch.ones(2))
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 24.0])
    assert gradcheck(lambda t: Cube.apply(t, 0.5), (leaf(3),))


def test_float64_gradients_keep_dtype_and_mixed_dtype_casts_back():
    x = torch.ones(2, dtype=torch.float64, requires_grad=True)
    s = torch.tensor(2.0, requires_grad=True)  # 0-d float32 joins a float64 op
    (x * s).backward(torch.ones(2, dtype=torch.float64))
    assert x.grad.dtype is torch.float64 and s.grad.dtype is torch.float32
    np.testing.assert_allclose(s.grad.numpy(), 2.0)


def test_copy_and_fill_track_history():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = torch.zeros(2)
    y.copy_(x * 3)
    assert y.requires_grad
    y.backward(torch.ones(2))
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])
