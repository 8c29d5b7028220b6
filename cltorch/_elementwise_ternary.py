"""Three-operand elementwise ops (where, lerp, addcmul, addcdiv) and their in-place forms: one kernel each."""
from __future__ import annotations

from . import _dtype
from . import _elementwise_grads as G
from . import _promotion as P
from ._elementwise import (
    _as_operand_tensor, _binary, _copy_if_overlapping, _device_of, _not_implemented, _same_device, _view,
    _write_out)
from ._shape_utils import broadcast_shapes
from ._tensor_autograd import adopt_inplace
from .autograd.graph import needs_grad
from .ops import elementwise as ew
from .tensor import Tensor, _alloc


def _ternary(op, a, b, c, *, ct, res_dtype=None, alpha=1, out=None, inplace_into=None):
    dev = _device_of(a, b, c)
    tensors = []
    for x in (a, b, c):
        tensors.append(x if isinstance(x, Tensor) else _as_operand_tensor(x, ct, dev))
    tensors = _same_device(tensors, dev)
    if inplace_into is not None and needs_grad(*tensors):
        first = tensors[0].clone() if tensors[0] is inplace_into else tensors[0]
        return adopt_inplace(inplace_into, _ternary(op, first, *tensors[1:], ct=ct, res_dtype=res_dtype,
                                                    alpha=alpha))
    if inplace_into is not None:
        shape = inplace_into._shape
        full_shape = broadcast_shapes(*(t._shape for t in tensors))
        if full_shape != shape:
            raise RuntimeError(f"output with shape {list(shape)} doesn't match the broadcast shape "
                               f"{list(full_shape)}")
        P.check_inplace_cast(res_dtype or ct, inplace_into.dtype)
        target = inplace_into
        tensors = [tensors[0]] + [_copy_if_overlapping(target, t) for t in tensors[1:]]
    else:
        shape = broadcast_shapes(*(t._shape for t in tensors))
        target = _alloc(shape, res_dtype or ct, dev)
    ew.ternary(op, target, *(_view(t, shape) for t in tensors), ct, alpha)
    if inplace_into is not None:
        target._bump_version()
    elif target.dtype.is_floating_point and needs_grad(*tensors):
        G.record_ternary(op, *tensors, target, alpha)
    return _write_out(out, target) if out is not None else target


def where(condition, input=None, other=None, *, out=None):
    """Elements of input where condition holds, else of other; where(c) is nonzero(c, as_tuple=True)."""
    if input is None and other is None:
        from ._indexing import nonzero
        return nonzero(condition, as_tuple=True)
    if condition.dtype is not _dtype.bool_:
        if condition.dtype is _dtype.uint8:
            condition = condition.bool()
        else:
            raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                               f"{P.torch_name(condition.dtype)}")
    ct = P.result_type(input, other)
    return _ternary("where", condition, input, other, ct=ct, out=out)


def _check_lerp(input, end, weight):
    if isinstance(end, Tensor) and end.dtype is not input.dtype:
        raise RuntimeError(f"expected dtype {P.torch_name(input.dtype).lower()} for `end` but got dtype "
                           f"{P.torch_name(end.dtype).lower()}")
    if isinstance(weight, Tensor) and weight.dtype is not input.dtype:
        raise RuntimeError(f"expected dtype {P.torch_name(input.dtype).lower()} for `weight` but got dtype "
                           f"{P.torch_name(weight.dtype).lower()}")
    if not input.dtype.is_floating_point:
        kernel = "lerp_kernel_tensor" if isinstance(weight, Tensor) else "lerp_kernel_scalar"
        raise _not_implemented(kernel, input.dtype)


def lerp(input, end, weight, *, out=None):
    """input + weight * (end - input); weight a number or a tensor."""
    _check_lerp(input, end, weight)
    if not isinstance(weight, Tensor):
        return _binary("lerp", input, end, ct=P.result_type(input, end), alpha=weight, out=out)
    return _ternary("lerp", input, end, weight, ct=P.result_type(input, end), out=out)


def lerp_(self, end, weight):
    """In-place lerp."""
    _check_lerp(self, end, weight)
    if not isinstance(weight, Tensor):
        return _binary("lerp", self, end, ct=self.dtype, alpha=weight, inplace=True)
    return _ternary("lerp", self, end, weight, ct=self.dtype, inplace_into=self)


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 * tensor2."""
    return _ternary("addcmul", input, tensor1, tensor2, ct=P.result_type(input, tensor1, tensor2), alpha=value,
                    out=out)


def addcmul_(self, tensor1, tensor2, *, value=1):
    """In-place addcmul."""
    return _ternary("addcmul", self, tensor1, tensor2, ct=P.result_type(self, tensor1, tensor2), alpha=value,
                    inplace_into=self)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 / tensor2 (floating tensors)."""
    ct = P.result_type(input, tensor1, tensor2)
    if not ct.is_floating_point:
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future release "
                           "addcdiv will perform a true division of tensor1 and tensor2.")
    return _ternary("addcdiv", input, tensor1, tensor2, ct=ct, alpha=value, out=out)


def addcdiv_(self, tensor1, tensor2, *, value=1):
    """In-place addcdiv."""
    return _ternary("addcdiv", self, tensor1, tensor2, ct=P.result_type(self, tensor1, tensor2), alpha=value,
                    inplace_into=self)
