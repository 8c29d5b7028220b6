"""Backward formulas of the elementwise ops, written with differentiable Tensor ops.

Each entry maps an op to a maker: given the op's inputs, output and
parameters it returns ``backward(grad) -> tuple of input gradients``.
Because the formulas use ordinary ops, ``create_graph=True`` differentiates
them again.
"""
from __future__ import annotations

import math

from .autograd.graph import record


def reduce_to(grad, input):
    """Sum a broadcast gradient back to the input's shape and cast it to the input's dtype."""
    if not hasattr(input, "_shape"):
        return None
    shape = input._shape
    if grad._shape != shape:
        lead = grad.dim() - len(shape)
        dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape)
                                          if s == 1 and grad._shape[lead + i] != 1)
        if dims:
            grad = grad.sum(dim=dims, keepdim=True)
        if lead:
            grad = grad.reshape(shape)
    if grad.dtype is not input.dtype and input.dtype.is_floating_point:
        grad = grad.to(input.dtype)
    return grad


def _zero(x):
    return lambda g: (g * 0,)


LN2, LN10 = math.log(2.0), math.log(10.0)
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

# op -> maker(x, y, params) -> backward(g) -> (grad_x,)
UNARY = {
    "exp": lambda x, y, p: lambda g: (g * y,),
    "exp2": lambda x, y, p: lambda g: (g * y * LN2,),
    "log": lambda x, y, p: lambda g: (g / x,),
    "log2": lambda x, y, p: lambda g: (g / (x * LN2),),
    "log10": lambda x, y, p: lambda g: (g / (x * LN10),),
    "log1p": lambda x, y, p: lambda g: (g / (x + 1),),
    "expm1": lambda x, y, p: lambda g: (g * (y + 1),),
    "sqrt": lambda x, y, p: lambda g: (g / (2 * y),),
    "rsqrt": lambda x, y, p: lambda g: (g * y * y * y * -0.5,),
    "sin": lambda x, y, p: lambda g: (g * x.cos(),),
    "cos": lambda x, y, p: lambda g: (-g * x.sin(),),
    "tan": lambda x, y, p: lambda g: (g * (y * y + 1),),
    "asin": lambda x, y, p: lambda g: (g * (1 - x * x).rsqrt(),),
    "acos": lambda x, y, p: lambda g: (-g * (1 - x * x).rsqrt(),),
    "atan": lambda x, y, p: lambda g: (g / (x * x + 1),),
    "sinh": lambda x, y, p: lambda g: (g * x.cosh(),),
    "cosh": lambda x, y, p: lambda g: (g * x.sinh(),),
    "tanh": lambda x, y, p: lambda g: (g * (1 - y * y),),
    "asinh": lambda x, y, p: lambda g: (g * (x * x + 1).rsqrt(),),
    "acosh": lambda x, y, p: lambda g: (g * (x * x - 1).rsqrt(),),
    "atanh": lambda x, y, p: lambda g: (g / (1 - x * x),),
    "sigmoid": lambda x, y, p: lambda g: (g * y * (1 - y),),
    "erf": lambda x, y, p: lambda g: (g * (-(x * x)).exp() * TWO_OVER_SQRT_PI,),
    "erfc": lambda x, y, p: lambda g: (g * (-(x * x)).exp() * -TWO_OVER_SQRT_PI,),
    "reciprocal": lambda x, y, p: lambda g: (-g * y * y,),
    "floor": lambda x, y, p: _zero(x), "ceil": lambda x, y, p: _zero(x), "round": lambda x, y, p: _zero(x),
    "round_decimals": lambda x, y, p: _zero(x), "trunc": lambda x, y, p: _zero(x),
    "sign": lambda x, y, p: _zero(x),
    "frac": lambda x, y, p: lambda g: (g,),
    "identity": lambda x, y, p: lambda g: (g,),
    "neg": lambda x, y, p: lambda g: (-g,),
    "abs": lambda x, y, p: lambda g: (g * x.sign(),),
    "square": lambda x, y, p: lambda g: (g * x * 2,),
    "relu": lambda x, y, p: lambda g: (g * (y > 0),),
    "clamp": lambda x, y, p: lambda g: (g * ((x >= p[0]) & (x <= p[1])),),
    "clamp_min": lambda x, y, p: lambda g: (g * (x >= p[0]),),
    "clamp_max": lambda x, y, p: lambda g: (g * (x <= p[1]),),
    "nan_to_num": lambda x, y, p: lambda g: (g * x.isfinite(),),
}


def _pow_grads(a, b, y):
    def backward(g):
        ga = gb = None
        if hasattr(a, "_shape"):
            if hasattr(b, "_shape"):
                ga = g * b * a.pow(b - 1)
                ga = ga.masked_fill((b == 0), 0) if hasattr(ga, "masked_fill") else ga
            else:
                ga = g * 0 if b == 0 else g * b * a.pow(b - 1)
        if hasattr(b, "_shape"):
            if hasattr(a, "_shape"):
                safe_log = a.log().masked_fill((a == 0) & (b >= 0), 0)
                gb = g * y * safe_log
            else:
                gb = g * y * math.log(a) if a > 0 else g * y * 0 if a == 0 else g * y * math.nan
        return ga, gb
    return backward


def _minmax_grads(a, b, y, bigger: bool):
    def backward(g):
        win = (a > b) if bigger else (a < b)
        tie = (a == b)
        ga = g * win + g * tie * 0.5
        gb = g * (~win & ~tie) + g * tie * 0.5
        return ga, gb
    return backward


# op -> maker(a, b, y, alpha) -> backward(g) -> (grad_a, grad_b); b may be a Python number.
BINARY = {
    "add": lambda a, b, y, al: lambda g: (g, g * al if al != 1 else g),
    "sub": lambda a, b, y, al: lambda g: (g, g * -al),
    "mul": lambda a, b, y, al: lambda g: (g * b, g * a),
    "div": lambda a, b, y, al: lambda g: (g / b, -g * y / b if hasattr(b, "_shape") else None),
    "pow": lambda a, b, y, al: _pow_grads(a, b, y),
    "atan2": lambda a, b, y, al: lambda g: (g * b / (a * a + b * b), -g * a / (a * a + b * b)),
    "hypot": lambda a, b, y, al: lambda g: (g * a / y, g * b / y),
    "maximum": lambda a, b, y, al: _minmax_grads(a, b, y, True),
    "minimum": lambda a, b, y, al: _minmax_grads(a, b, y, False),
    "fmax": lambda a, b, y, al: _minmax_grads(a, b, y, True),
    "fmin": lambda a, b, y, al: _minmax_grads(a, b, y, False),
    "remainder": lambda a, b, y, al: lambda g: (g, -g * a.div(b, rounding_mode="floor")
                                                if hasattr(b, "_shape") else None),
    "fmod": lambda a, b, y, al: lambda g: (g, -g * a.div(b, rounding_mode="trunc")
                                           if hasattr(b, "_shape") else None),
    "div_trunc": lambda a, b, y, al: lambda g: (g * 0, g * 0 if hasattr(b, "_shape") else None),
    "div_floor": lambda a, b, y, al: lambda g: (g * 0, g * 0 if hasattr(b, "_shape") else None),
    "xlogy": lambda a, b, y, al: lambda g: (g * b.log() if hasattr(b, "_shape") else g * math.log(b),
                                            g * a / b if hasattr(b, "_shape") else None),
    "lerp": lambda a, b, y, al: lambda g: (g * (1 - al), g * al),
    "clamp_min": lambda a, b, y, al: lambda g: (g * (a >= b), g * (a < b)),
    "clamp_max": lambda a, b, y, al: lambda g: (g * (a <= b), g * (a > b)),
    "copysign": lambda a, b, y, al: lambda g: (g * (y / a).nan_to_num(0.0), g * 0 if hasattr(b, "_shape") else None),
}


# op -> maker(a, b, c, y, alpha) -> backward(g) -> (grad_a, grad_b, grad_c)
TERNARY = {
    "where": lambda c, x, y_, out, al: lambda g: (None, g * c, g * ~c),
    "addcmul": lambda a, b, c, y, al: lambda g: (g, g * c * al, g * b * al),
    "addcdiv": lambda a, b, c, y, al: lambda g: (g, g * al / c, -g * al * b / (c * c)),
    "lerp": lambda a, b, w, y, al: lambda g: (g * (1 - w), g * w, g * (b - a)),
    "clamp": lambda x, lo, hi, y, al: lambda g: (g * ((x >= lo) & (x <= hi)), g * (x < lo), g * (x > hi)),
}

NAMES = {"sub": "SubBackward0", "add": "AddBackward0", "mul": "MulBackward0", "div": "DivBackward0",
         "pow": "PowBackward0", "clamp_min": "ClampMinBackward0", "clamp_max": "ClampMaxBackward0",
         "identity": "AliasBackward0", "round_decimals": "RoundBackward1", "nan_to_num": "NanToNumBackward0",
         "div_trunc": "DivBackward2", "div_floor": "DivBackward2", "where": "WhereBackward0",
         "atan2": "Atan2Backward0", "xlogy": "XlogyBackward0", "addcmul": "AddcmulBackward0",
         "addcdiv": "AddcdivBackward0", "lerp": "LerpBackward0", "maximum": "MaximumBackward0",
         "minimum": "MinimumBackward0", "fmax": "FmaxBackward0", "fmin": "FminBackward0"}


def node_name(op: str, tensor_second: bool = False) -> str:
    """torch's grad_fn class name for an elementwise op."""
    if op in NAMES:
        name = NAMES[op]
        if op == "pow" and tensor_second:
            name = "PowBackward1"
        return name
    return "".join(part.capitalize() for part in op.split("_")) + "Backward0"


# Which tensors each formula reads; only those are version-checked at backward (as torch saves them).
_UNARY_USES_OUTPUT = set("exp exp2 expm1 sqrt rsqrt tan tanh sigmoid reciprocal relu".split())
_UNARY_USES_NOTHING = set("floor ceil round round_decimals trunc sign frac identity neg".split())
_BINARY_SAVES = {"add": "", "sub": "", "lerp": "", "mul": "ab", "div": "by", "pow": "aby", "hypot": "aby",
                 "copysign": "ay", "div_trunc": "", "div_floor": ""}


def record_unary(op, x, y, params):
    """Attach the unary op's backward to y."""
    maker = UNARY.get(op)
    if maker is None:
        return y
    backward = maker(x, y, params)
    saved = () if op in _UNARY_USES_NOTHING else (y,) if op in _UNARY_USES_OUTPUT else (x,)
    return record(node_name(op), y, (x,), lambda g: tuple(reduce_to(gi, x) for gi in backward(g)), saved=saved)


def record_binary(op, a, b, y, alpha):
    """Attach the binary op's backward to y (b may be a number)."""
    maker = BINARY.get(op)
    if maker is None:
        return y
    backward = maker(a, b, y, alpha)
    uses = _BINARY_SAVES.get(op, "ab")
    saved = tuple(t for key, t in zip("aby", (a, b, y)) if key in uses and hasattr(t, "_shape"))

    def run(g):
        ga, gb = backward(g)
        return (reduce_to(ga, a) if ga is not None else None,
                reduce_to(gb, b) if gb is not None and hasattr(b, "_shape") else None)
    return record(node_name(op, hasattr(b, "_shape")), y, (a, b), run, saved=saved)


def record_ternary(op, a, b, c, y, alpha):
    """Attach the ternary op's backward to y."""
    maker = TERNARY.get(op)
    if maker is None:
        return y
    backward = maker(a, b, c, y, alpha)

    def run(g):
        return tuple(reduce_to(gi, t) if gi is not None else None for gi, t in zip(backward(g), (a, b, c)))
    return record(node_name(op), y, (a, b, c), run, saved=(a, b, c))
