"""``cltorch.nn.init``: in-place parameter initialisers (run under no_grad, return the tensor)."""
from __future__ import annotations

import math
import warnings

from .. import _creation, _dtype, _sampling
from ..autograd.grad_mode import no_grad
from ..ops import norm as _norm_ops
from ..ops.layout import is_dense

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "zeros_", "ones_", "eye_",
           "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_",
           "sparse_"]


def calculate_gain(nonlinearity: str, param=None) -> float:
    """The recommended gain for a nonlinearity (torch's table)."""
    linear_fns = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                  "conv_transpose3d"]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor):
    """(fan_in, fan_out) of a weight: size(1) and size(0) times the receptive field size."""
    if tensor.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive = 1
    for s in tensor.shape[2:]:
        receptive *= s
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _calculate_correct_fan(tensor, mode: str) -> int:
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of {['fan_in', 'fan_out']}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a: float = 0.0, b: float = 1.0, generator=None):
    """Fill tensor with U(a, b) values."""
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor, mean: float = 0.0, std: float = 1.0, generator=None):
    """Fill tensor with N(mean, std^2) values."""
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def constant_(tensor, val: float):
    """Fill tensor with val."""
    with no_grad():
        return tensor.fill_(val)


def zeros_(tensor):
    """Fill tensor with zeros."""
    with no_grad():
        return tensor.zero_()


def ones_(tensor):
    """Fill tensor with ones."""
    with no_grad():
        return tensor.fill_(1.0)


def xavier_uniform_(tensor, gain: float = 1.0, generator=None):
    """Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor, gain: float = 1.0, generator=None):
    """Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator=None):
    """He uniform: U(-bound, bound) with bound = gain * sqrt(3 / fan)."""
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator=None):
    """He normal: N(0, std^2) with std = gain / sqrt(fan)."""
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator)


def trunc_normal_(tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0, generator=None):
    """Fill tensor with N(mean, std^2) values truncated to [a, b] (inverse CDF of a uniform draw, on the device)."""
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                      "The distribution of values may be incorrect.", stacklevel=2)

    def norm_cdf(x: float) -> float:
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    with no_grad():
        dense = tensor if is_dense(tensor) else _creation.empty_like(tensor).contiguous()
        dense.uniform_(2 * norm_cdf((a - mean) / std) - 1, 2 * norm_cdf((b - mean) / std) - 1, generator=generator)
        _norm_ops.trunc_normal_finish(dense, mean, std, a, b)
        if dense is not tensor:
            tensor.copy_(dense)
        else:
            tensor._bump_version()
    return tensor


def eye_(tensor):
    """Fill a 2-D tensor with the identity matrix."""
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    with no_grad():
        tensor.copy_(_creation.eye(*tensor.shape, dtype=tensor.dtype, device=tensor.device))
    return tensor


def dirac_(tensor, groups: int = 1):
    """Fill a 3/4/5-D conv weight with the Dirac delta (identity convolution), per group."""
    dims = tensor.dim()
    if dims not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tuple(tensor.shape)
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    per_group = sizes[0] // groups
    min_dim = min(per_group, sizes[1])
    # host-side index preparation: the (out, in, centre...) coordinates that get a one
    outs = [g * per_group + d for g in range(groups) for d in range(min_dim)]
    ins = [d for _ in range(groups) for d in range(min_dim)]
    with no_grad():
        tensor.zero_()
        if outs:
            idx = [_creation.tensor(outs, device=tensor.device), _creation.tensor(ins, device=tensor.device)]
            idx += [s // 2 for s in sizes[2:]]
            tensor[tuple(idx)] = 1
    return tensor


def _orthonormal_rows(at, block: int = 32):
    """Gram-Schmidt of the rows of ``at`` (n x m, n <= m) on the device; equals Q^T of the QR factorisation
    with a positive diagonal R, i.e. torch's ``q * sign(diag(r))``.

    Blocks of rows are first projected off the finished rows with two GEMM passes
    (BCGS2), then orthonormalised among themselves row by row (CGS2) by small kernels.
    """
    q = at.detach().clone().contiguous()
    n = q.shape[0]
    scratch = _creation.empty(block + 1, dtype=_dtype.float64 if q.dtype is _dtype.float64 else _dtype.float32,
                              device=q.device)
    with no_grad():
        for j0 in range(0, n, block):
            j1 = min(n, j0 + block)
            if j0:
                rows, done = q[j0:j1], q[:j0]
                for _ in range(2):
                    rows.sub_(rows.mm(done.t()).mm(done))
            _norm_ops.orthonormalize_rows(q, scratch, j0, j1)
    return q


def orthogonal_(tensor, gain: float = 1, generator=None):
    """Fill tensor (flattened to rows x rest) with a (semi-)orthogonal matrix times gain."""
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    with no_grad():
        flat = _sampling.randn(rows, cols, generator=generator, dtype=tensor.dtype, device=tensor.device)
        # orthonormalise the shorter side: columns when rows >= cols, rows otherwise
        q = _orthonormal_rows(flat if rows < cols else flat.t().contiguous())
        q = q if rows < cols else q.t()
        tensor.copy_(q.reshape(tensor.shape) * gain)
    return tensor


def sparse_(tensor, sparsity: float, std: float = 0.01, generator=None):
    """N(0, std^2) values with ceil(sparsity * rows) random zeros in every column of a 2-D tensor."""
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    num_zeros = math.ceil(sparsity * rows)
    with no_grad():
        tensor.normal_(0, std, generator=generator)
        if num_zeros and cols:
            keys = _sampling.rand(rows, cols, generator=generator, device=tensor.device)
            zero_rows = keys.argsort(0)[:num_zeros]  # a random permutation per column
            mask = _creation.zeros(rows, cols, dtype=tensor.dtype, device=tensor.device)
            mask.scatter_(0, zero_rows, 1.0)
            tensor.masked_fill_(mask.bool(), 0.0)
    return tensor
