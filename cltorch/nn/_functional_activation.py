"""Activation and softmax functions of ``cltorch.nn.functional``.

The parameterised activations run one kernel of activation.cl forward and one
backward (``g * f'(x)``); softmax, log_softmax and their backward are one fused
kernel each (softmax.cl). Under ``create_graph`` the backward is written with
differentiable tensor ops instead, so higher derivatives are recorded too.
"""
from __future__ import annotations

import math
import warnings

from .. import _dtype, _promotion
from .. import _elementwise as _ew
from .._tensor_autograd import adopt_inplace
from .._view_ops import wrap_dim
from ..autograd.grad_mode import is_grad_enabled, no_grad
from ..autograd.graph import needs_grad, record
from ..ops import activation as act_ops
from ..ops import softmax as softmax_ops
from ..ops.layout import is_dense
from ..tensor import Tensor, _alloc

__all__ = ["relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "elu", "elu_", "selu", "selu_", "celu",
           "celu_", "gelu", "silu", "mish", "softplus", "softsign", "hardtanh", "hardtanh_", "hardsigmoid",
           "hardswish", "logsigmoid", "tanhshrink", "threshold", "threshold_", "hardshrink", "softshrink",
           "prelu", "glu", "sigmoid", "tanh", "softmax", "log_softmax", "softmin"]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


# -- the kernel-backed activations ---------------------------------------------------------
def _float_mask(cond, like: Tensor) -> Tensor:
    return cond.to(like.dtype)


def _softplus_deriv(x, beta, threshold, _):
    linear = _float_mask(x * beta > threshold, x)
    return linear + (1 - linear) * (x * beta).sigmoid()


def _elu_deriv(x, neg, pos, in_scale):
    positive = x > 0
    # exp only where it is used, so a large x on the other side cannot make inf * 0
    neg_side = _ew.where(positive, 0.0, x * in_scale).exp() * (neg * in_scale)
    return _ew.where(positive, pos, neg_side)


def _gelu_tanh_deriv(x, *_):
    c, k = math.sqrt(2.0 / math.pi), 0.044715
    t = ((x + x * x * x * k) * c).tanh()
    return (t + 1) * 0.5 + x * (1 - t * t) * ((x * x * (3 * k) + 1) * (0.5 * c))


def _mish_deriv(x, *_):
    t = softplus(x).tanh()
    return t + x * x.sigmoid() * (1 - t * t)


def _hardswish_deriv(x, *_):
    middle = _float_mask((x > -3) & (x < 3), x)
    return middle * (x / 3 + 0.5) + _float_mask(x >= 3, x)


# f'(x) with differentiable ops, used only when the backward itself is recorded (create_graph).
_DERIV = {
    "leaky_relu": lambda x, s, *_: _float_mask(x > 0, x) * (1 - s) + s,
    "hardtanh": lambda x, lo, hi, _: _float_mask((x > lo) & (x < hi), x),
    "elu": _elu_deriv,
    "gelu": lambda x, *_: (1 + (x * math.sqrt(0.5)).erf()) * 0.5 + x * (x * x * -0.5).exp() / math.sqrt(2 * math.pi),
    "gelu_tanh": _gelu_tanh_deriv,
    "silu": lambda x, *_: x.sigmoid() * (1 + x * (1 - x.sigmoid())),
    "mish": _mish_deriv,
    "softplus": _softplus_deriv,
    "softsign": lambda x, *_: 1 / ((x.abs() + 1) * (x.abs() + 1)),
    "hardsigmoid": lambda x, *_: _float_mask((x > -3) & (x < 3), x) / 6,
    "hardswish": _hardswish_deriv,
    "logsigmoid": lambda x, *_: (-x).sigmoid(),
    "tanhshrink": lambda x, *_: x.tanh() * x.tanh(),
    "threshold": lambda x, t, *_: _float_mask(~(x <= t), x),
    "hardshrink": lambda x, lam, *_: _float_mask((x < -lam) | (x > lam), x),
    "softshrink": lambda x, lam, *_: _float_mask((x < -lam) | (x > lam), x),
}

_NODE = {"leaky_relu": "LeakyReluBackward0", "hardtanh": "HardtanhBackward0", "elu": "EluBackward0",
         "gelu": "GeluBackward0", "gelu_tanh": "GeluBackward0", "silu": "SiluBackward0", "mish": "MishBackward0",
         "softplus": "SoftplusBackward0", "softsign": "SoftsignBackward0", "hardsigmoid": "HardsigmoidBackward0",
         "hardswish": "HardswishBackward0", "logsigmoid": "LogSigmoidBackward0",
         "tanhshrink": "TanhshrinkBackward0", "threshold": "ThresholdBackward0",
         "hardshrink": "HardshrinkBackward0", "softshrink": "SoftshrinkBackward0"}


def _check_float(x, fn: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")
    if not x.dtype.is_floating_point:
        raise NotImplementedError(f"\"{fn}_cpu\" not implemented for '{_promotion.torch_name(x.dtype)}'")


# f' is piecewise constant: its derivative in x is zero, which the recorded backward states explicitly
_PIECEWISE = {"leaky_relu", "hardtanh", "threshold", "hardshrink", "softshrink", "hardsigmoid"}


def _act_grad(name: str, g: Tensor, x: Tensor, params) -> Tensor:
    if is_grad_enabled():
        args = (tuple(params) + (0, 0, 0))[:3]
        if name not in _PIECEWISE:
            return g * _DERIV[name](x, *args)
        with no_grad():
            d = _DERIV[name](x, *args)
            gx = g * d
        if needs_grad(g, x):
            record(_NODE[name].replace("Backward0", "BackwardBackward0"), gx, (g, x), lambda gg: (gg * d, gg * 0))
        return gx
    if g.dtype is not x.dtype:
        g = g.to(x.dtype)
    gx = _alloc(x._shape, x.dtype, x.device)
    act_ops.backward(name, gx, g, x, params)
    return gx


def _act(name: str, x: Tensor, params=(), inplace: bool = False, fn: str | None = None) -> Tensor:
    """Apply act_<name>; in place, x takes the result (and, under autograd, its history)."""
    _check_float(x, fn or name)
    if inplace:
        if needs_grad(x):
            # the backward reads the input, which the in-place write overwrites: work on a clone
            return adopt_inplace(x, _act(name, x.clone(), params))
        act_ops.forward(name, x, x, params)
        x._bump_version()
        return x
    out = _alloc(x._shape, x.dtype, x.device)
    act_ops.forward(name, out, x, params)
    if needs_grad(x):
        record(_NODE[name], out, (x,), lambda g: (_act_grad(name, g, x, params),), saved=(x,))
    return out


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(0, x) elementwise."""
    return input.relu_() if inplace else _ew.relu(input)


def relu_(input: Tensor) -> Tensor:
    """In-place relu."""
    return input.relu_()


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """Clamp to [min_val, max_val]; the gradient is zero at and beyond the bounds."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if isinstance(input, Tensor) and not input.dtype.is_floating_point and input.dtype is not _dtype.bool_:
        result = input.clamp(min_val, max_val).to(input.dtype)
        return input.copy_(result) if inplace else result
    return _act("hardtanh", input, (min_val, max_val), inplace)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In-place hardtanh."""
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(0, x), 6) elementwise (hardtanh(0, 6))."""
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, else negative_slope * x."""
    return _act("leaky_relu", input, (negative_slope,), inplace)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """In-place leaky_relu."""
    return leaky_relu(input, negative_slope, inplace=True)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, else alpha * (exp(x) - 1)."""
    return _act("elu", input, (alpha, 1.0, 1.0), inplace)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place elu."""
    return elu(input, alpha, inplace=True)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with the self-normalising constants."""
    return _act("elu", input, (SELU_ALPHA * SELU_SCALE, SELU_SCALE, 1.0), inplace, fn="selu")


def selu_(input: Tensor) -> Tensor:
    """In-place selu."""
    return selu(input, inplace=True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, else alpha * (exp(x / alpha) - 1)."""
    return _act("elu", input, (alpha, 1.0, 1.0 / alpha), inplace, fn="celu")


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place celu."""
    return celu(input, alpha, inplace=True)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x) (approximate='tanh': the tanh formula)."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return _act("gelu" if approximate == "none" else "gelu_tanh", input, fn="gelu")


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x)."""
    return _act("silu", input, (), inplace)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x))."""
    return _act("mish", input, (), inplace)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * x)) / beta, linear where beta * x > threshold."""
    return _act("softplus", input, (beta, threshold))


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    return _act("softsign", input)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6."""
    return _act("hardsigmoid", input, (), inplace)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * relu6(x + 3) / 6."""
    return _act("hardswish", input, (), inplace)


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)), computed stably."""
    return _act("logsigmoid", input, fn="log_sigmoid")


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x)."""
    return _act("tanhshrink", input)


def _threshold(input: Tensor, limit: float, value: float, inplace: bool) -> Tensor:
    if isinstance(input, Tensor) and not input.dtype.is_floating_point:
        result = _ew.where(input <= limit, value, input).to(input.dtype)
        return input.copy_(result) if inplace else result
    return _act("threshold", input, (limit, value), inplace)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else value."""
    return _threshold(input, threshold, value, inplace)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place threshold."""
    return _threshold(input, threshold, value, True)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0."""
    return _act("hardshrink", input, (lambd,))


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd * sign(x) where |x| > lambd, else 0."""
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    return _act("softshrink", input, (lambd,))


# -- composed activations ------------------------------------------------------------------
def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x for x > 0, else weight * x, weight per channel (dim 1) or a single value."""
    if weight.dim() > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.dim()}")
    channels = input.shape[1] if input.dim() >= 2 else 1
    n = weight.numel()
    if n != 1 and n != channels:
        raise RuntimeError("Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                           f"{n} and channel size = {channels}.")
    w = weight.reshape(()) if n == 1 else weight.reshape((n,) + (1,) * (input.dim() - 2))
    return _ew.where(input > 0, input, w * input)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a * sigmoid(b) where a and b are the two halves of input along dim."""
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = wrap_dim(dim, input.dim())
    size = input.shape[d]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {size}")
    half = size // 2
    return input.narrow(d, 0, half) * input.narrow(d, half, half).sigmoid()


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x)) elementwise."""
    return _ew.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """tanh(x) elementwise."""
    return _ew.tanh(input)


# -- softmax family ------------------------------------------------------------------------
def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                  "as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_grad(g: Tensor, y: Tensor, d: int, log: bool) -> Tensor:
    if is_grad_enabled():
        if log:
            return g - y.exp() * g.sum(d, keepdim=True)
        return y * (g - (g * y).sum(d, keepdim=True))
    if g.dtype is not y.dtype:
        g = g.to(y.dtype)
    if not is_dense(g):
        g = g.contiguous()
    gx = _alloc(y._shape, y.dtype, y.device)
    softmax_ops.softmax_backward(gx, g, y, d, log)
    return gx


def _softmax(input: Tensor, dim, dtype, log: bool) -> Tensor:
    if dtype is not None:
        input = input.to(dtype)
    d = wrap_dim(dim, input.dim())
    if not input.dtype.is_floating_point:
        last = "lastdim_" if d == input.dim() - 1 or input.dim() == 0 else ""
        kernel = f"{'log_softmax' if log else 'softmax'}_{last}kernel_impl"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_promotion.torch_name(input.dtype)}'")
    x = input if is_dense(input) else input.contiguous()
    out = _alloc(x._shape, x.dtype, x.device)
    softmax_ops.softmax(out, x, d, log)
    if needs_grad(x):
        node = "LogSoftmaxBackward0" if log else "SoftmaxBackward0"
        record(node, out, (x,), lambda g: (_softmax_grad(g, out, d, log),), saved=(out,))
    return out


def softmax(input: Tensor, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along dim, one fused and numerically stable kernel."""
    if dim is None:
        dim = _softmax_dim("softmax", input.dim(), _stacklevel)
    return _softmax(input, dim, dtype, False)


def log_softmax(input: Tensor, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """x - max - log(sum(exp(x - max))) along dim, one fused kernel."""
    if dim is None:
        dim = _softmax_dim("log_softmax", input.dim(), _stacklevel)
    return _softmax(input, dim, dtype, True)


def softmin(input: Tensor, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(-x) along dim."""
    if dim is None:
        dim = _softmax_dim("softmin", input.dim(), _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return _softmax(-input, dim, None, False)
