"""Matrix products: matmul and its relatives, the add*mm family, trace, tensordot and einsum.

Every product is one launch of the batched GEMM kernel (gemm.cl) over strided
views of the operands, so transposed and sliced inputs are read in place.
"""
from __future__ import annotations

import math
import numbers

from . import _dtype
from . import _linalg_grads as G
from ._einsum import einsum
from ._matmul_core import (as_matrix, check_operands, check_tensor, dense_like, ones_vector, overlaps, product,
                           shape_str, store_out, view)
from ._registry import NUMERIC, mark_backward, register
from ._shape_utils import broadcast_strides
from ._tensor_autograd import adopt_inplace
from .autograd.graph import needs_grad
from .ops import copy as copy_ops
from .ops.layout import contiguous_strides
from .tensor import Tensor

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger", "addmm", "addmv", "addbmm",
           "baddbmm", "addr", "trace", "tensordot", "einsum", "chain_matmul"]


def _cannot_multiply(a_shape, b_shape):
    return RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({shape_str(a_shape)} and "
                        f"{shape_str(b_shape)})")


def _drop_dim(t: Tensor, d: int) -> Tensor:
    """View of t without its size-1 dimension d."""
    return view(t, t._shape[:d] + t._shape[d + 1:], t._stride[:d] + t._stride[d + 1:])


def _row(v: Tensor) -> Tensor:
    """A 1-D tensor as a (1, n) matrix view."""
    return view(v, (1, v._shape[0]), (0, v._stride[0]))


def _col(v: Tensor) -> Tensor:
    """A 1-D tensor as an (n, 1) matrix view."""
    return view(v, (v._shape[0], 1), (v._stride[0], 1))


def _require_dim(t: Tensor, dims: int, fn: str, what: str) -> None:
    if t.dim() != dims:
        kind = {1: "a vector", 2: "a matrix", 3: "a 3D tensor"}[dims]
        raise RuntimeError(f"{fn}: {what} must be {kind}, but got a {t.dim()}-D tensor of shape "
                           f"{list(t._shape)}")


# -- products ---------------------------------------------------------------
def _dot(a: Tensor, b: Tensor, fn: str) -> Tensor:
    if a.dim() != 1 or b.dim() != 1:
        raise RuntimeError(f"{fn}: 1D tensors expected, but got {a.dim()}D and {b.dim()}D tensors")
    check_operands(fn, a, b)
    if a._shape[0] != b._shape[0]:
        raise RuntimeError(f"{fn}: inconsistent tensor size, expected tensors of shapes {list(a._shape)} and "
                           f"{list(b._shape)} to have the same number of elements")
    res = product(_row(a), _col(b))
    return view(res, (), ())


def dot(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Inner product of two 1-D tensors, as a 0-d tensor."""
    check_tensor(input, "dot", "input")
    check_tensor(other, "dot", "tensor")
    G.refuse_out("dot", out, input, other)
    res = G.track("DotBackward0", _dot(input, other, "dot"), (input, other), G.dot)
    return store_out(out, res, "dot")


def vdot(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """dot with the first argument conjugated (the same for real dtypes)."""
    check_tensor(input, "vdot", "input")
    check_tensor(other, "vdot", "other")
    G.refuse_out("vdot", out, input, other)
    res = G.track("VdotBackward0", _dot(input, other, "vdot"), (input, other), G.dot)
    return store_out(out, res, "vdot")


def _mv(mat: Tensor, vec: Tensor, fn: str) -> Tensor:
    _require_dim(mat, 2, fn, "mat")
    _require_dim(vec, 1, fn, "vec")
    check_operands(fn, mat, vec)
    if mat._shape[1] != vec._shape[0]:
        raise RuntimeError(f"{fn}: size mismatch, matrix ({shape_str(mat._shape)}) and vector "
                           f"({vec._shape[0]}) cannot be multiplied")
    return _drop_dim(product(mat, _col(vec)), 1)


def mv(input: Tensor, vec: Tensor, *, out=None) -> Tensor:
    """Matrix-vector product: (n, m) @ (m,) -> (n,)."""
    check_tensor(input, "mv", "input")
    check_tensor(vec, "mv", "vec")
    G.refuse_out("mv", out, input, vec)
    res = G.track("MvBackward0", _mv(input, vec, "mv"), (input, vec), G.mv)
    return store_out(out, res, "mv")


def _mm(a: Tensor, b: Tensor, fn: str) -> Tensor:
    _require_dim(a, 2, fn, "self")
    _require_dim(b, 2, fn, "mat2")
    check_operands(fn, a, b)
    if a._shape[1] != b._shape[0]:
        raise _cannot_multiply(a._shape, b._shape)
    return product(a, b)


def mm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:
    """Matrix product of two 2-D tensors: (n, m) @ (m, p) -> (n, p)."""
    check_tensor(input, "mm", "input")
    check_tensor(mat2, "mm", "mat2")
    G.refuse_out("mm", out, input, mat2)
    res = G.track("MmBackward0", _mm(input, mat2, "mm"), (input, mat2), G.mm)
    return store_out(out, res, "mm")


def _check_bmm(b1: Tensor, b2: Tensor, fn: str) -> None:
    _require_dim(b1, 3, fn, "batch1")
    _require_dim(b2, 3, fn, "batch2")
    check_operands(fn, b1, b2)
    if b1._shape[0] != b2._shape[0] or b1._shape[2] != b2._shape[1]:
        raise RuntimeError(f"{fn}: batch1 and batch2 shapes cannot be multiplied ({list(b1._shape)} and "
                           f"{list(b2._shape)}): expected batch2 to have size [{b1._shape[0]}, {b1._shape[2]}] "
                           f"in its first two dimensions")


def bmm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:
    """Batched matrix product of 3-D tensors: (b, n, m) @ (b, m, p) -> (b, n, p), no broadcasting."""
    check_tensor(input, "bmm", "input")
    check_tensor(mat2, "bmm", "mat2")
    _check_bmm(input, mat2, "bmm")
    G.refuse_out("bmm", out, input, mat2)
    res = G.track("BmmBackward0", product(input, mat2), (input, mat2), G.bmm)
    return store_out(out, res, "bmm")


def matmul(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Matrix product with torch's rules for 1-D, 2-D and batched (broadcast) operands."""
    check_tensor(input, "matmul", "input")
    check_tensor(other, "matmul", "other")
    da, db = input.dim(), other.dim()
    if da == 0 or db == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {da}D and {db}D")
    G.refuse_out("matmul", out, input, other)
    res = _matmul(input, other, da, db)
    maker = G.dot if da == db == 1 else G.mv if (da, db) == (2, 1) else G.mm if da == db == 2 else G.matmul
    res = G.track(G.matmul_name(da, db), res, (input, other), maker)
    return store_out(out, res, "matmul")


def _matmul(input: Tensor, other: Tensor, da: int, db: int) -> Tensor:
    if da == 1 and db == 1:
        return _dot(input, other, "matmul")
    if da == 2 and db == 1:
        return _mv(input, other, "matmul")
    check_operands("matmul", input, other)
    a = _row(input) if da == 1 else input
    b = _col(other) if db == 1 else other
    if a._shape[-1] != b._shape[-2]:
        raise _cannot_multiply(input._shape, other._shape)
    res = product(a, b)
    if db == 1:
        res = _drop_dim(res, res.dim() - 1)
    elif da == 1:
        res = _drop_dim(res, res.dim() - 2)
    return res


def chain_matmul(*matrices, out=None) -> Tensor:
    """Product of a sequence of 2-D tensors, left to right."""
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    res = matrices[0]
    check_tensor(res, "chain_matmul", "matrices")
    _require_dim(res, 2, "chain_matmul", "each operand")
    G.refuse_out("chain_matmul", out, *matrices)
    for m in matrices[1:]:
        check_tensor(m, "chain_matmul", "matrices")
        res = G.track("MmBackward0", _mm(res, m, "chain_matmul"), (res, m), G.mm)
    return store_out(out, res if len(matrices) > 1 else res.clone(), "chain_matmul")


# -- outer products ---------------------------------------------------------
def outer(input: Tensor, vec2: Tensor, *, out=None) -> Tensor:
    """Outer product of two 1-D tensors (types promote, as for mul)."""
    from ._elementwise import mul
    for t, name in ((input, "self"), (vec2, "vec2")):
        check_tensor(t, "outer", name)
        if t.dim() != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t.dim()}-D")
    G.refuse_out("outer", out, input, vec2)
    col = input.unsqueeze(1) if needs_grad(input) else _col(input)
    return store_out(out, mul(col, vec2), "outer")


ger = outer


# -- add* products ----------------------------------------------------------
def _scaled_sum(fn: str, input, a: Tensor, b: Tensor, shape, beta, alpha, inplace=None) -> Tensor:
    """beta * input + alpha * (a @ b) of the given result shape; into ``inplace`` when given."""
    check_tensor(input, fn, "input")
    check_operands(fn, input, a, b)
    _check_scalars(fn, a.dtype, beta, alpha)
    if inplace is not None:
        _check_inplace_shape(fn, inplace, shape)
        if not overlaps(inplace, a, b):
            product(a, b, c=inplace, alpha=alpha, beta=beta)
            inplace._bump_version()
            return inplace
        res = _scaled_sum(fn, inplace, a, b, shape, beta, alpha)
        return inplace.copy_(res)
    strides = broadcast_strides(input, tuple(shape), fn)
    res = dense_like(shape, a)
    if beta != 0:
        copy_ops.copy_into(res, input, strides)
    return product(a, b, c=res, alpha=alpha, beta=beta)


def _check_inplace_shape(fn: str, self: Tensor, shape) -> None:
    if tuple(self._shape) != tuple(shape):
        raise RuntimeError(f"{fn}: the tensor updated in place has shape {list(self._shape)}, but the "
                           f"product has shape {list(shape)}")


def _inplace_with_grad(fn: str, self: Tensor, shape, op, *args, beta, alpha) -> Tensor:
    """An in-place add* product with autograd: computed out of place on a clone, then adopted by self."""
    check_tensor(self, fn, "input")
    _check_inplace_shape(fn, self, shape)
    return adopt_inplace(self, op(self.clone(), *args, beta=beta, alpha=alpha))


def _check_scalars(fn: str, dt, beta, alpha) -> None:
    if not dt.is_floating_point:
        for name, value in (("beta", beta), ("alpha", alpha)):
            if isinstance(value, float) and not isinstance(value, bool):
                raise RuntimeError(f"{fn}: for integral input tensors, argument {name} must not be a floating "
                                   f"point number.")
    for value in (beta, alpha):
        if not isinstance(value, numbers.Number):
            raise TypeError(f"{fn}: alpha and beta must be numbers, not {type(value).__name__}")


def _mm_shape(fn: str, mat1: Tensor, mat2: Tensor) -> tuple:
    check_tensor(mat1, fn, "mat1")
    check_tensor(mat2, fn, "mat2")
    _require_dim(mat1, 2, fn, "mat1")
    _require_dim(mat2, 2, fn, "mat2")
    if mat1._shape[1] != mat2._shape[0]:
        raise _cannot_multiply(mat1._shape, mat2._shape)
    return (mat1._shape[0], mat2._shape[1])


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """beta * input + alpha * (mat1 @ mat2); input broadcasts to the product's shape."""
    shape = _mm_shape("addmm", mat1, mat2)
    G.refuse_out("addmm", out, input, mat1, mat2)
    res = _scaled_sum("addmm", input, mat1, mat2, shape, beta, alpha)
    res = G.track("AddmmBackward0", res, (input, mat1, mat2), G.addmm, beta, alpha)
    return store_out(out, res, "addmm")


def addmm_(self: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """In-place addmm."""
    shape = _mm_shape("addmm_", mat1, mat2)
    if needs_grad(self, mat1, mat2):
        return _inplace_with_grad("addmm_", self, shape, addmm, mat1, mat2, beta=beta, alpha=alpha)
    return _scaled_sum("addmm_", self, mat1, mat2, shape, beta, alpha, inplace=self)


def _mv_shape(fn: str, mat: Tensor, vec: Tensor) -> tuple:
    check_tensor(mat, fn, "mat")
    check_tensor(vec, fn, "vec")
    _require_dim(mat, 2, fn, "mat")
    _require_dim(vec, 1, fn, "vec")
    if mat._shape[1] != vec._shape[0]:
        raise RuntimeError(f"{fn}: size mismatch, matrix ({shape_str(mat._shape)}) and vector "
                           f"({vec._shape[0]}) cannot be multiplied")
    return (mat._shape[0], 1)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """beta * input + alpha * (mat @ vec)."""
    shape = _mv_shape("addmv", mat, vec)
    check_tensor(input, "addmv", "input")
    if input.dim() > 1:
        broadcast_strides(input, shape[:1], "addmv")
    inp = _col(input) if input.dim() == 1 else input
    G.refuse_out("addmv", out, input, mat, vec)
    res = _drop_dim(_scaled_sum("addmv", inp, mat, _col(vec), shape, beta, alpha), 1)
    res = G.track("AddmvBackward0", res, (input, mat, vec), G.addmv, beta, alpha)
    return store_out(out, res, "addmv")


def addmv_(self: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:
    """In-place addmv."""
    shape = _mv_shape("addmv_", mat, vec)
    _require_dim(self, 1, "addmv_", "self")
    if needs_grad(self, mat, vec):
        return _inplace_with_grad("addmv_", self, shape[:1], addmv, mat, vec, beta=beta, alpha=alpha)
    _scaled_sum("addmv_", _col(self), mat, _col(vec), shape, beta, alpha, inplace=_col(self))
    return self


def _bmm_shape(fn: str, b1: Tensor, b2: Tensor) -> tuple:
    check_tensor(b1, fn, "batch1")
    check_tensor(b2, fn, "batch2")
    _check_bmm(b1, b2, fn)
    return (b1._shape[0], b1._shape[1], b2._shape[2])


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """beta * input + alpha * bmm(batch1, batch2); input broadcasts to (b, n, p)."""
    shape = _bmm_shape("baddbmm", batch1, batch2)
    G.refuse_out("baddbmm", out, input, batch1, batch2)
    res = _scaled_sum("baddbmm", input, batch1, batch2, shape, beta, alpha)
    res = G.track("BaddbmmBackward0", res, (input, batch1, batch2), G.baddbmm, beta, alpha)
    return store_out(out, res, "baddbmm")


def baddbmm_(self: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """In-place baddbmm."""
    shape = _bmm_shape("baddbmm_", batch1, batch2)
    if needs_grad(self, batch1, batch2):
        return _inplace_with_grad("baddbmm_", self, shape, baddbmm, batch1, batch2, beta=beta, alpha=alpha)
    return _scaled_sum("baddbmm_", self, batch1, batch2, shape, beta, alpha, inplace=self)


def _batch_as_k(batch1: Tensor, batch2: Tensor):
    """(n, b*m) and (b*m, p) matrices whose product is the sum over the batch of batch1[i] @ batch2[i]."""
    return as_matrix(batch1, (1,), (0, 2)), as_matrix(batch2, (0, 1), (2,))


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """beta * input + alpha * sum_i batch1[i] @ batch2[i]."""
    b, n, p = _bmm_shape("addbmm", batch1, batch2)
    a2, b2 = _batch_as_k(batch1, batch2)
    G.refuse_out("addbmm", out, input, batch1, batch2)
    res = _scaled_sum("addbmm", input, a2, b2, (n, p), beta, alpha)
    res = G.track("AddbmmBackward0", res, (input, batch1, batch2), G.addbmm, beta, alpha)
    return store_out(out, res, "addbmm")


def addbmm_(self: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """In-place addbmm."""
    b, n, p = _bmm_shape("addbmm_", batch1, batch2)
    if needs_grad(self, batch1, batch2):
        return _inplace_with_grad("addbmm_", self, (n, p), addbmm, batch1, batch2, beta=beta, alpha=alpha)
    a2, b2 = _batch_as_k(batch1, batch2)
    return _scaled_sum("addbmm_", self, a2, b2, (n, p), beta, alpha, inplace=self)


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """beta * input + alpha * outer(vec1, vec2), as a rank-1 GEMM."""
    for t, name in ((vec1, "vec1"), (vec2, "vec2")):
        check_tensor(t, "addr", name)
        _require_dim(t, 1, "addr", name)
    shape = (vec1._shape[0], vec2._shape[0])
    G.refuse_out("addr", out, input, vec1, vec2)
    res = _scaled_sum("addr", input, _col(vec1), _row(vec2), shape, beta, alpha)
    res = G.track("AddrBackward0", res, (input, vec1, vec2), G.addr, beta, alpha)
    return store_out(out, res, "addr")


def addr_(self: Tensor, vec1: Tensor, vec2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """In-place addr."""
    for t, name in ((vec1, "vec1"), (vec2, "vec2")):
        check_tensor(t, "addr_", name)
        _require_dim(t, 1, "addr_", name)
    shape = (vec1._shape[0], vec2._shape[0])
    if needs_grad(self, vec1, vec2):
        return _inplace_with_grad("addr_", self, shape, addr, vec1, vec2, beta=beta, alpha=alpha)
    return _scaled_sum("addr_", self, _col(vec1), _row(vec2), shape, beta, alpha, inplace=self)


# -- reductions to products -------------------------------------------------
def trace(input: Tensor) -> Tensor:
    """Sum of the main diagonal of a 2-D tensor (integers sum in int64, as torch)."""
    check_tensor(input, "trace", "input")
    if input.dim() != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.dim()}")
    n = min(input._shape)
    diag = view(input, (1, n), (0, input._stride[0] + input._stride[1]))
    if not input.dtype.is_floating_point:
        diag = diag.to(_dtype.int64)
    return G.track("TraceBackward0", view(product(diag, ones_vector(n, diag)), (), ()), (input,), G.trace)


def _tensordot_dims(a: Tensor, b: Tensor, dims):
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, numbers.Integral):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(a.dim(), b.dim()):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        return list(range(a.dim() - dims, a.dim())), list(range(dims))
    da, db = dims
    da = [da] if isinstance(da, numbers.Integral) else list(da)
    db = [db] if isinstance(db, numbers.Integral) else list(db)
    if len(da) != len(db):
        raise RuntimeError(f"both dimension lists should have same length, got {len(da)} and {len(db)}")
    return [a._wrap_dim(d) for d in da], [b._wrap_dim(d) for d in db]


def tensordot(a: Tensor, b: Tensor, dims=2, out=None) -> Tensor:
    """Contract dimensions dims of a with those of b (an int: a's last and b's first dims)."""
    check_tensor(a, "tensordot", "a")
    check_tensor(b, "tensordot", "b")
    check_operands("tensordot", a, b)
    ca, cb = _tensordot_dims(a, b, dims)
    for i, j in zip(ca, cb):
        if a._shape[i] != b._shape[j]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a._shape[i]} in dim "
                               f"{i} and second has size {b._shape[j]} in dim {j} (shapes {list(a._shape)} "
                               f"and {list(b._shape)})")
    fa = [d for d in range(a.dim()) if d not in ca]
    fb = [d for d in range(b.dim()) if d not in cb]
    shape = tuple(a._shape[d] for d in fa) + tuple(b._shape[d] for d in fb)
    G.refuse_out("tensordot", out, a, b)
    if needs_grad(a, b):
        # composed of differentiable views and mm, as torch does (its result reports ViewBackward0)
        k = math.prod(a._shape[d] for d in ca)
        a2 = a.permute(fa + ca).reshape(math.prod(a._shape[d] for d in fa), k)
        b2 = b.permute(cb + fb).reshape(k, math.prod(b._shape[d] for d in fb))
        return a2.mm(b2).reshape(shape)
    res = product(as_matrix(a, fa, ca), as_matrix(b, cb, fb))
    return store_out(out, view(res, shape, contiguous_strides(shape)), "tensordot")


def inner(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Sum of products over the last dimension of both (a plain product when one is 0-d)."""
    check_tensor(input, "inner", "input")
    check_tensor(other, "inner", "other")
    if input.dim() == 0 or other.dim() == 0:
        from ._elementwise import mul
        return store_out(out, mul(input, other), "inner")
    if input._shape[-1] != other._shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input._shape)} and {list(other._shape)}")
    return store_out(out, tensordot(input, other, ([-1], [-1])), "inner")


# -- registry and Tensor methods --------------------------------------------
register("matmul mm bmm mv dot vdot inner outer ger addmm addmv addbmm baddbmm addr trace", "linalg", NUMERIC)
register("addmm_ addmv_ addbmm_ baddbmm_ addr_", "linalg", NUMERIC, forms=("method",))
register("tensordot einsum chain_matmul", "linalg", NUMERIC, forms=("function",))
mark_backward("matmul mm bmm mv dot vdot inner outer ger addmm addmm_ addmv addmv_ addbmm addbmm_ baddbmm "
              "baddbmm_ addr addr_ trace tensordot einsum chain_matmul")

for _name in ("matmul mm bmm mv dot vdot inner outer ger addmm addmm_ addmv addmv_ addbmm addbmm_ baddbmm "
              "baddbmm_ addr addr_ trace").split():
    setattr(Tensor, _name, globals()[_name])


def _tensor_matmul(self, other):
    if not isinstance(other, Tensor):
        return NotImplemented
    return matmul(self, other)


def _tensor_rmatmul(self, other):
    if not isinstance(other, Tensor):
        return NotImplemented
    return matmul(other, self)


Tensor.__matmul__ = _tensor_matmul
Tensor.__rmatmul__ = _tensor_rmatmul
# no __imatmul__, as in torch: ``a @= b`` binds a to the new tensor a @ b and leaves the old one alone
