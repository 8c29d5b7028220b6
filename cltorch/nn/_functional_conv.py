"""Convolution functions of ``cltorch.nn.functional``: conv*, conv_transpose*, unfold, fold.

This module checks arguments the way torch does (same exception types and
messages) and builds the geometry; the recorded ops live in ``_conv_autograd``.
"""
from __future__ import annotations

import math

from .._promotion import torch_name
from ..tensor import Tensor
from . import _conv_autograd as _ca

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
           "unfold", "fold"]

_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int", "int32": "int",
            "int16": "short int", "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}


# -- argument parsing ------------------------------------------------------------------------
def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) or type(v).__name__ in ("int64", "int32")


def _ints(value, nd: int, name: str, fn: str) -> tuple:
    """value as nd ints: an int is repeated, a one-element list too (torch's 'tuple of ints' arguments)."""
    if _is_int(value):
        return (int(value),) * nd
    if isinstance(value, (tuple, list)) and all(_is_int(v) for v in value):
        if len(value) == 1:
            return (int(value[0]),) * nd
        if len(value) == nd:
            return tuple(int(v) for v in value)
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {nd} values to match the "
                           f"convolution dimensions, but got {name}={[int(v) for v in value]}")
    raise TypeError(f"{fn}(): argument '{name}' must be tuple of ints, not {type(value).__name__}")


def _check_tensor(x, fn: str, name: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position {('input', 'weight', 'bias').index(name) + 1}) "
                        f"must be Tensor, not {type(x).__name__}")


def _batched(input, nd: int, fn: str):
    """(input with a batch dim, whether it had one); torch's error for other dims."""
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {fn}, but got input "
                           f"of size: {list(input.shape)}")
    return (input, True) if input.dim() == nd + 2 else (input.unsqueeze(0), False)


def _operands(input, weight, bias, nd: int, fn: str):
    """Check the operands of a (transposed) convolution as torch does; (input with a batch dim, whether it had one)."""
    _check_tensor(input, fn, "input")
    _check_tensor(weight, fn, "weight")
    if bias is not None:
        _check_tensor(bias, fn, "bias")
    x, batched = _batched(input, nd, fn)
    _check_operands(x, weight, bias, nd, fn)
    return x, batched


def _check_operands(x, weight, bias, nd: int, fn: str) -> None:
    """Weight dims, devices and dtypes as torch checks them."""
    if weight.dim() != nd + 2:
        raise RuntimeError(f"Expected {nd + 2}-dimensional weight for {nd + 2}-dimensional input {list(x.shape)}, "
                           f"but got {weight.dim()}-dimensional weight of size {list(weight.shape)} instead")
    for t in (weight, bias):
        if t is not None and t.device != x.device:
            raise RuntimeError("Expected all tensors to be on the same device, but found at least two devices, "
                               f"{x.device} and {t.device}! (in {fn})")
    if weight.dtype is not x.dtype:
        raise RuntimeError(f"Input type ({x.type()}) and weight type ({weight.type()}) should be the same or input "
                           "should be a MKLDNN tensor and weight is a dense tensor")
    if bias is not None and bias.dtype is not x.dtype:
        raise RuntimeError(f"Input type ({_C_NAMES[x.dtype.name]}) and bias type ({_C_NAMES[bias.dtype.name]}) "
                           "should be the same")
    if x.dtype.name == "bool":
        raise NotImplementedError(f"\"{fn}\" not implemented for 'Bool'")


def _check_params(groups, stride, padding, dilation) -> None:
    if not _is_int(groups):
        raise TypeError(f"argument 'groups' must be int, not {type(groups).__name__}")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")


def _check_weight_groups(weight, groups: int) -> None:
    out = weight.shape[0]
    if out < groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, but got "
                           f"weight of size {list(weight.shape)} instead")
    if out % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
                           f"got weight of size [{list(weight.shape)}] instead")


def _check_bias(bias, weight, expected: int, transposed: bool) -> None:
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != expected):
        prefix = "Given transposed=1, weight" if transposed else "Given weight"
        raise RuntimeError(f"{prefix} of size {list(weight.shape)}, expected bias to be 1-dimensional with {expected} "
                           f"elements, but got bias of size {list(bias.shape)} instead")


def _sizes(values) -> str:
    return " x ".join(str(v) for v in values)


# -- convolution -----------------------------------------------------------------------------
def _conv(fn, nd, input, weight, bias, stride, padding, dilation, groups):
    x, batched = _operands(input, weight, bias, nd, fn)
    stride = _ints(stride, nd, "stride", fn)
    dilation = _ints(dilation, nd, "dilation", fn)
    mode = padding if isinstance(padding, str) else None
    pads = (0,) * nd if mode is not None else _ints(padding, nd, "padding", fn)
    _check_params(groups, stride, pads, dilation)
    _check_weight_groups(weight, groups)
    channels = weight.shape[1] * groups
    if x.shape[1] != channels:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
                           f"{list(x.shape)} to have {channels} channels, but got {x.shape[1]} channels instead")
    _check_bias(bias, weight, weight.shape[0], False)
    img, kernel = tuple(x.shape[2:]), tuple(weight.shape[2:])
    span = [d * (k - 1) for k, d in zip(kernel, dilation)]
    if mode == "same":
        if any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        pads = tuple(t // 2 for t in span)
        padded = [i + t for i, t in zip(img, span)]
    elif mode == "valid" or mode is None:
        padded = [i + 2 * p for i, p in zip(img, pads)]
    else:
        raise RuntimeError(f"Invalid padding string: '{mode}'")
    if any(p < s + 1 for p, s in zip(padded, span)):
        raise RuntimeError(f"Calculated padded input size per channel: ({_sizes(padded)}). Kernel size: "
                           f"({_sizes(s + 1 for s in span)}). Kernel size can't be greater than actual input size")
    col = img if mode == "same" else tuple((p - s - 1) // st + 1 for p, s, st in zip(padded, span, stride))
    out = _ca.conv(x, weight, bias, _ca.Geometry(img, col, kernel, stride, pads, dilation, groups))
    return out if batched else out.squeeze(0)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """1-D convolution over (N, C, L) or (C, L); padding may be an int, a tuple, 'same' or 'valid'."""
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """2-D convolution over (N, C, H, W) or (C, H, W); padding may be an int, a tuple, 'same' or 'valid'."""
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """3-D convolution over (N, C, D, H, W) or (C, D, H, W)."""
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


# -- transposed convolution ------------------------------------------------------------------
def _output_padding_error(output_padding, stride, dilation) -> RuntimeError:
    names = ("depth", "height", "width")[3 - len(stride):] if len(stride) > 1 else ("",)
    parts = []
    for what, values in (("output_padding", output_padding), ("stride", stride), ("dilation", dilation)):
        parts += [f"{what}{'_' + n if n else ''}: {v}" for n, v in zip(names, values)]
    return RuntimeError("output padding must be smaller than either stride or dilation, but got " + " ".join(parts))


def _conv_transpose(fn, nd, input, weight, bias, stride, padding, output_padding, groups, dilation):
    x, batched = _operands(input, weight, bias, nd, fn)
    stride = _ints(stride, nd, "stride", fn)
    pads = _ints(padding, nd, "padding", fn)
    out_pads = _ints(output_padding, nd, "output_padding", fn)
    dilation = _ints(dilation, nd, "dilation", fn)
    _check_params(groups, stride, pads, dilation)
    if any(p < 0 for p in out_pads):
        raise RuntimeError("negative output_padding is not supported")
    if any(op >= s and op >= d for op, s, d in zip(out_pads, stride, dilation)):
        raise _output_padding_error(out_pads, stride, dilation)
    _check_weight_groups(weight, groups)
    if x.shape[1] != weight.shape[0]:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected input"
                           f"{list(x.shape)} to have {weight.shape[0]} channels, but got {x.shape[1]} channels instead")
    _check_bias(bias, weight, weight.shape[1] * groups, True)
    col, kernel = tuple(x.shape[2:]), tuple(weight.shape[2:])
    img = tuple((i - 1) * s - 2 * p + d * (k - 1) + op + 1
                for i, s, p, d, k, op in zip(col, stride, pads, dilation, kernel, out_pads))
    if any(i <= 0 for i in img):
        raise RuntimeError(f"Given input size per channel: ({_sizes(col)}). Calculated output size per channel: "
                           f"({_sizes(img)}). Output size is too small")
    out = _ca.conv_t(x, weight, bias, _ca.Geometry(img, col, kernel, stride, pads, dilation, groups))
    return out if batched else out.squeeze(0)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1) -> Tensor:
    """1-D transposed convolution ("deconvolution"): the gradient of conv1d with respect to its input."""
    return _conv_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1) -> Tensor:
    """2-D transposed convolution: the gradient of conv2d with respect to its input."""
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1) -> Tensor:
    """3-D transposed convolution: the gradient of conv3d with respect to its input."""
    return _conv_transpose("conv_transpose3d", 3, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


# -- unfold / fold ---------------------------------------------------------------------------
def _pair(value, name: str) -> tuple:
    if _is_int(value):
        return (int(value),) * 2
    value = tuple(value)
    if len(value) != 2:
        raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(value)}")
    return tuple(int(v) for v in value)


def _window_args(kernel_size, dilation, padding, stride) -> tuple:
    """Checked (kernel, dilation, padding, stride) pairs of unfold/fold."""
    kernel, dil = _pair(kernel_size, "kernel_size"), _pair(dilation, "dilation")
    pad, stride = _pair(padding, "padding"), _pair(stride, "stride")
    for values, what, short, cond in ((kernel, "kernel size", "kernel", "greater than zero"),
                                      (stride, "stride", "stride", "greater than zero"),
                                      (dil, "dilation", "dilation", "greater than zero"),
                                      (pad, "padding", "pad", "non-negative")):
        bad = any(v < 0 for v in values) if short == "pad" else any(v <= 0 for v in values)
        if bad:
            raise RuntimeError(f"{what} should be {cond}, but got {short}_height: {values[0]} "
                               f"{short}_width: {values[1]}")
    return kernel, dil, pad, stride


def _blocks(size, kernel, dil, pad, stride) -> tuple:
    """Window positions per dim (C-style truncating division, as torch's message shows)."""
    return tuple(int((s + 2 * p - d * (k - 1) - 1) / st) + 1
                 for s, k, d, p, st in zip(size, kernel, dil, pad, stride))


def _float_only(x, fn: str) -> None:
    if not x.dtype.is_floating_point:
        raise NotImplementedError(f"\"{fn}\" not implemented for '{torch_name(x.dtype)}'")


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """im2col: (N, C, H, W) -> (N, C * kh * kw, L), one column per sliding-window position."""
    _check_tensor(input, "unfold", "input")
    if input.dim() not in (3, 4) or any(s == 0 for s in input.shape[1:]):
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    kernel, dil, pad, stride = _window_args(kernel_size, dilation, padding, stride)
    _float_only(input, "im2col")
    x = input if input.dim() == 4 else input.unsqueeze(0)
    img = tuple(x.shape[2:])
    col = _blocks(img, kernel, dil, pad, stride)
    if any(c < 1 for c in col):
        raise RuntimeError(f"Given input with spatial size {img}, kernel_size={kernel}, dilation={dil}, "
                           f"padding={pad}, calculated shape of the array of sliding blocks as {col}, but its "
                           "components must be at least one.")
    out = _ca.unfold(x, _ca.Geometry(img, col, kernel, stride, pad, dil, 1))
    return out if input.dim() == 4 else out.squeeze(0)


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """col2im: (N, C * kh * kw, L) -> (N, C, *output_size), overlapping patches summed."""
    _check_tensor(input, "fold", "input")
    if input.dim() not in (2, 3) or any(s == 0 for s in input.shape[1:]):
        raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    img = _pair(output_size, "output_size")
    kernel, dil, pad, stride = _window_args(kernel_size, dilation, padding, stride)
    _float_only(input, "col2im")
    cols = input if input.dim() == 3 else input.unsqueeze(0)
    kv = kernel[0] * kernel[1]
    if cols.shape[1] % kv:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                           f"got input.size(1)={cols.shape[1]} and kernel_size={kernel}.")
    col = _blocks(img, kernel, dil, pad, stride)
    head = (f"Given output_size={img}, kernel_size={kernel}, dilation={dil}, padding={pad}, stride={stride}, ")
    if any(c < 1 for c in col):
        raise RuntimeError(head + f"calculated shape of the array of sliding blocks as {col}, which is invalid.")
    if cols.shape[2] != math.prod(col):
        raise RuntimeError(head + f"expected size of input's dimension 2 to match the calculated number of sliding "
                           f"blocks {col[0]} * {col[1]} = {math.prod(col)}, but got input.size(2)={cols.shape[2]}.")
    out = _ca.fold(cols, cols.shape[1] // kv, _ca.Geometry(img, col, kernel, stride, pad, dil, 1))
    return out if input.dim() == 3 else out.squeeze(0)
