"""Views: ops that reinterpret a tensor's shape and strides over the same storage.

Nothing here launches a kernel except reshape/ravel when no view is possible
(they copy through contiguous(), as torch does). Every view shares its base's
storage and version counter and records the root tensor in ``_base``; when an
input requires grad, each op records its backward (torch's node names) beside it.
"""
from __future__ import annotations

import operator
import warnings
from functools import partial
from collections.abc import Sequence

from . import _dtype
from ._promotion import torch_name
from ._registry import mark_backward, register
from ._shape_utils import broadcast_shapes as _broadcast_shapes
from ._shape_utils import parse_size
from ._view_grads import keep_history_current, sum_to, track
from .autograd.grad_mode import no_grad
from .autograd.graph import needs_grad, record
from .ops.layout import contiguous_strides, numel
from .tensor import Size, Tensor

__all__ = ["reshape", "flatten", "unflatten", "squeeze", "unsqueeze", "transpose", "swapaxes", "swapdims", "t",
           "permute", "movedim", "moveaxis", "atleast_1d", "atleast_2d", "atleast_3d",
           "ravel", "broadcast_to", "broadcast_tensors", "broadcast_shapes", "adjoint"]


# -- helpers shared by the shape modules ------------------------------------------
def alias_view(t: Tensor, shape, stride, offset=None) -> Tensor:
    """A tensor over t's storage that shares its version counter and records its root base."""
    v = Tensor._make(t._storage, t._offset if offset is None else offset, tuple(shape), tuple(stride), t.dtype,
                     t.device, t._version_counter)
    v._base = t if t._base is None else t._base
    return v


def wrap_dim(dim, ndim: int, scalar_ok: bool = True) -> int:
    """dim in [0, ndim) from a possibly negative dim; a 0-d tensor accepts 0 and -1 when scalar_ok."""
    dim = operator.index(dim)
    if ndim == 0 and not scalar_ok:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


def _dims_arg(dims, fn: str) -> tuple:
    """f(0, 1), f((0, 1)) or f([0, 1]) as a tuple of ints."""
    if len(dims) == 1 and isinstance(dims[0], Sequence):
        dims = tuple(dims[0])
    try:
        return tuple(operator.index(d) for d in dims)
    except TypeError:
        raise TypeError(f"{fn}(): argument 'dims' must be tuple of ints") from None


def _dim_list(dim) -> tuple:
    return tuple(dim) if isinstance(dim, Sequence) else (dim,)


def infer_size(shape, n: int) -> tuple:
    """shape with its one -1 replaced so that it holds n elements (torch's rules and messages)."""
    infer, known = None, 1
    for i, s in enumerate(shape):
        if s == -1:
            if infer is not None:
                raise RuntimeError("only one dimension can be inferred")
            infer = i
        elif s < 0:
            raise RuntimeError(f"invalid shape dimension {s}")
        else:
            known *= s
    if infer is None and known == n:
        return tuple(shape)
    if infer is not None and (known == n or (known > 0 and n % known == 0)):
        if known == 0:
            raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {list(shape)} because the "
                               "unspecified dimension size -1 can be any value and is ambiguous")
        out = list(shape)
        out[infer] = n // known
        return tuple(out)
    raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {n}")


def view_strides(old_shape, old_stride, new_shape):
    """Strides that make new_shape address the same elements in the same order, or None.

    The old dims are split into runs that are contiguous with each other; each
    run must be covered exactly by consecutive new dims, which then step
    through it with the run's innermost stride.
    """
    if numel(old_shape) == 0:
        return tuple(old_stride) if tuple(old_shape) == tuple(new_shape) else contiguous_strides(new_shape)
    if not old_shape:
        return contiguous_strides(new_shape)
    new_stride = [0] * len(new_shape)
    j = len(new_shape) - 1
    run_stride, run_len, covered = old_stride[-1], 1, 1
    for d in range(len(old_shape) - 1, -1, -1):
        run_len *= old_shape[d]
        if d > 0 and (old_shape[d - 1] == 1 or old_stride[d - 1] == run_len * run_stride):
            continue  # dim d-1 continues the same run
        while j >= 0 and (covered < run_len or new_shape[j] == 1):
            new_stride[j] = covered * run_stride
            covered *= new_shape[j]
            j -= 1
        if covered != run_len:
            return None
        if d > 0:
            run_stride, run_len, covered = old_stride[d - 1], 1, 1
    return tuple(new_stride) if j == -1 else None


# -- view / reshape ----------------------------------------------------------------
def _view_dtype(self: Tensor, dt) -> Tensor:
    """Reinterpret the bytes as another dtype (torch's rules for differing element sizes).

    As in torch the result shares storage and version counter but, being a
    non-differentiable view, has no ``_base``."""
    dt = _dtype.to_dtype(dt)
    old, new = self.dtype.itemsize, dt.itemsize
    if old == new:
        return _retyped(self, self._shape, self._stride, self._offset, dt)
    what = f"to view {torch_name(self.dtype)} as {torch_name(dt)} (different element sizes)"
    if self.dim() == 0:
        raise RuntimeError(f"self.dim() cannot be 0 {what}")
    if self._stride[-1] != 1:
        raise RuntimeError(f"self.stride(-1) must be 1 {what}, but got {self._stride[-1]}")
    shape, stride = list(self._shape), list(self._stride)
    if new > old:
        ratio = new // old
        if shape[-1] % ratio:
            raise RuntimeError(f"self.size(-1) must be divisible by {ratio} {what}, but got {shape[-1]}")
        if self._offset % ratio:
            raise RuntimeError(f"self.storage_offset() must be divisible by {ratio} {what}, but got "
                               f"{self._offset}")
        for d in range(len(stride) - 1):
            if stride[d] % ratio:
                raise RuntimeError(f"self.stride({d}) must be divisible by {ratio} {what}, but got {stride[d]}")
        shape[-1] //= ratio
        stride = [s // ratio for s in stride[:-1]] + [1]
        offset = self._offset // ratio
    else:
        ratio = old // new
        shape[-1] *= ratio
        stride = [s * ratio for s in stride[:-1]] + [1]
        offset = self._offset * ratio
    return _retyped(self, shape, stride, offset, dt)


def _retyped(t: Tensor, shape, stride, offset, dt) -> Tensor:
    return Tensor._make(t._storage, offset, tuple(shape), tuple(stride), dt, t.device, t._version_counter)


def _view(self: Tensor, *shape, dtype=None) -> Tensor:
    """A view with a new shape (one size may be -1), or ``view(dtype)`` reinterpreting the bytes."""
    if dtype is not None or (len(shape) == 1 and isinstance(shape[0], _dtype.dtype)):
        return _view_dtype(self, dtype if dtype is not None else shape[0])
    shape = infer_size(parse_size(shape, "view"), self.numel())
    stride = view_strides(self._shape, self._stride, shape)
    if stride is None:
        raise RuntimeError(
            f"view size {list(shape)} is not compatible with input tensor's size {list(self._shape)} and stride "
            f"{list(self._stride)}: at least one dimension spans across two contiguous subspaces. "
            "Use .reshape(...) instead.")
    return _viewed(self, shape, stride)


def _viewed(t: Tensor, shape, stride) -> Tensor:
    """A view of t with a new shape (same elements, same order): ViewBackward0."""
    old = t._shape
    return track("ViewBackward0", alias_view(t, shape, stride), (t,), lambda g: (g.reshape(old),))


def reshape(input: Tensor, shape) -> Tensor:
    """input with a new shape: a view when the strides allow it, else a contiguous copy."""
    shape = infer_size(parse_size((shape,), "reshape"), input.numel())
    stride = view_strides(input._shape, input._stride, shape)
    if stride is not None:
        return _viewed(input, shape, stride)
    src = input.clone()
    out = Tensor._make(src._storage, src._offset, shape, contiguous_strides(shape), src.dtype, src.device,
                       src._version_counter)
    old = src._shape
    return track("UnsafeViewBackward0", out, (src,), lambda g: (g.reshape(old),))


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims start_dim..end_dim into one (a view when possible)."""
    if input.dim() == 0:
        return reshape(input, (1,))
    s, e = wrap_dim(start_dim, input.dim()), wrap_dim(end_dim, input.dim())
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shape = input._shape
    return reshape(input, shape[:s] + (numel(shape[s:e + 1]),) + shape[e + 1:])


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    """Split dimension dim into sizes (one may be -1); always a view."""
    sizes = parse_size((sizes,), "unflatten")
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    if input.dim() == 0:
        raise RuntimeError(f"unflatten: Dimension specified as {dim} but tensor has no dimensions")
    d = wrap_dim(dim, input.dim())
    length = input._shape[d]
    if -1 in sizes:
        sizes = infer_size(sizes, length)
    elif numel(sizes) != length:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
                           f"({length}) in the input tensor")
    return _view(input, input._shape[:d] + tuple(sizes) + input._shape[d + 1:])


def ravel(input: Tensor) -> Tensor:
    """A 1-D tensor of the elements: a view of a contiguous input, else a copy."""
    return _view(input.contiguous(), -1)


# -- inserting, removing and reordering dims ----------------------------------------
def squeeze(input: Tensor, dim=None) -> Tensor:
    """Drop size-1 dims: all of them, or only those listed in dim."""
    out = _squeeze_view(input, dim)
    old = input._shape
    return track(f"SqueezeBackward{_squeeze_kind(dim)}", out, (input,), lambda g: (g.reshape(old),))


def _squeeze_kind(dim) -> int:
    """0, 1 or 2: which of torch's squeeze overloads (no dim, one dim, dims) dim selects."""
    return 0 if dim is None else 2 if isinstance(dim, Sequence) else 1


def _squeeze_view(input: Tensor, dim) -> Tensor:
    if dim is None:
        drop = {d for d, s in enumerate(input._shape) if s == 1}
    else:
        drop = {d for d in (wrap_dim(x, input.dim()) for x in _dim_list(dim))
                if input.dim() and input._shape[d] == 1}
    keep = [d for d in range(input.dim()) if d not in drop]
    return alias_view(input, [input._shape[d] for d in keep], [input._stride[d] for d in keep])


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dim at position dim (in [-ndim-1, ndim])."""
    n = input.dim() + 1
    dim = operator.index(dim)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    dim %= n
    shape, stride = list(input._shape), list(input._stride)
    new_stride = 1 if dim >= input.dim() else shape[dim] * stride[dim]
    shape.insert(dim, 1)
    stride.insert(dim, new_stride)
    return track("UnsqueezeBackward0", alias_view(input, shape, stride), (input,), lambda g: (g.squeeze(dim),))


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dims (a view)."""
    a, b = wrap_dim(dim0, input.dim()), wrap_dim(dim1, input.dim())
    return track("TransposeBackward0", _swapped(input, a, b), (input,), lambda g: (g.transpose(a, b),))


def _swapped(input: Tensor, a: int, b: int) -> Tensor:
    shape, stride = list(input._shape), list(input._stride)
    if input.dim():
        shape[a], shape[b] = shape[b], shape[a]
        stride[a], stride[b] = stride[b], stride[a]
    return alias_view(input, shape, stride)


swapaxes = swapdims = transpose


def t(input: Tensor) -> Tensor:
    """Transpose a matrix; 0-d and 1-d tensors come back as views of themselves."""
    if input.dim() > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.dim()}D")
    return track("TBackward0", _swapped(input, 0, max(input.dim() - 1, 0)), (input,), lambda g: (g.t(),))


def permute(input: Tensor, dims) -> Tensor:
    """Reorder the dims: result dim i is input dim dims[i]."""
    dims = _dims_arg((dims,), "permute")
    if len(dims) != input.dim():
        raise RuntimeError(f"permute(): the ordering {list(dims)} has {len(dims)} dims but the input tensor of size "
                           f"{list(input._shape)} has {input.dim()}")
    order = [wrap_dim(d, input.dim()) for d in dims]
    if len(set(order)) != len(order):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    out = alias_view(input, [input._shape[d] for d in order], [input._stride[d] for d in order])
    inverse = tuple(sorted(range(len(order)), key=order.__getitem__))
    return track("PermuteBackward0", out, (input,), lambda g: (g.permute(inverse),))


def movedim(input: Tensor, source, destination) -> Tensor:
    """Move dims from positions source to positions destination; the others keep their order."""
    if isinstance(source, Sequence) != isinstance(destination, Sequence):
        raise TypeError("movedim(): source and destination must both be ints or both be sequences of ints, got "
                        f"{type(source).__name__} and {type(destination).__name__}")
    src, dst = _dim_list(source), _dim_list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) should "
                           f"contain the same number of dims as destination ({list(dst)} dims)")
    n = input.dim()
    src_w, dst_w = [wrap_dim(d, n) for d in src], [wrap_dim(d, n) for d in dst]
    for name, given, wrapped in (("source", src, src_w), ("destination", dst, dst_w)):
        if len(set(wrapped)) != len(wrapped):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(given)})")
    if n == 0:
        return permute(input, ())
    order = [None] * n
    for s, d in zip(src_w, dst_w):
        order[d] = s
    moved = set(src_w)
    rest = iter(d for d in range(n) if d not in moved)
    order = [next(rest) if o is None else o for o in order]
    return permute(input, order)


moveaxis = movedim


def adjoint(input: Tensor) -> Tensor:
    """The conjugate transpose of the last two dims (a plain transpose for real dtypes)."""
    return _matrix_transpose(input, "mH")


def _matrix_transpose(input: Tensor, name: str) -> Tensor:
    if input.dim() < 2:
        raise RuntimeError(f"tensor.{name} is only supported on matrices or batches of matrices. "
                           f"Got {input.dim()}-D tensor.")
    return transpose(input, -2, -1)


def _numpy_T(input: Tensor) -> Tensor:
    n = input.dim()
    if n not in (0, 2):
        warnings.warn(f"x.T on a {n}-D tensor reverses all its dims; PyTorch deprecates this for tensors that are "
                      "not 2-D. Use x.mT to transpose batches of matrices, or x.permute(...) to reverse the dims.",
                      UserWarning, stacklevel=3)
    return permute(input, tuple(range(n - 1, -1, -1)))


def _H(input: Tensor) -> Tensor:
    if input.dim() not in (0, 2):
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {input.dim()}-D tensor.")
    return transpose(input, 0, 1) if input.dim() == 2 else permute(input, ())


# -- expanding ------------------------------------------------------------------------
def _expand(self: Tensor, *sizes) -> Tensor:
    """A view with size-1 dims repeated (stride 0) and new leading dims; -1 keeps a size."""
    sizes = parse_size(sizes, "expand")
    nd, td = len(sizes), self.dim()
    if nd < td:
        raise RuntimeError(f"expand(size={list(sizes)}): the number of sizes provided ({nd}) must be greater or "
                           f"equal to the number of dimensions in the tensor ({td}); tensor sizes "
                           f"{list(self._shape)}")
    shape, stride = [0] * nd, [0] * nd
    for i in range(nd - 1, -1, -1):
        d = i - (nd - td)
        if d >= 0:
            size, st = self._shape[d], self._stride[d]
        else:
            size, st = 1, (shape[i + 1] * stride[i + 1] if i + 1 < nd else 1)
        target = sizes[i]
        if target == -1:
            if d < 0:
                raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a leading, "
                                   f"non-existing dimension {i}")
            target = size
        if target < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {target}: {list(sizes)}")
        if size != target:
            if size != 1:
                raise RuntimeError(f"The expanded size of the tensor ({target}) must match the existing size "
                                   f"({size}) at non-singleton dimension {i}.  Target sizes: {list(sizes)}.  "
                                   f"Tensor sizes: {list(self._shape)}")
            size, st = target, 0
        shape[i], stride[i] = size, st
    old = self._shape
    return track("ExpandBackward0", alias_view(self, shape, stride), (self,), lambda g: (sum_to(g, old),))


def broadcast_to(input: Tensor, size) -> Tensor:
    """input expanded to size (a view)."""
    return _expand(input, *parse_size((size,), "broadcast_to"))


def broadcast_shapes(*shapes) -> Size:
    """The shape that tensors of the given shapes broadcast to."""
    return Size(_broadcast_shapes(*((s,) if isinstance(s, int) else tuple(s) for s in shapes)))


def broadcast_tensors(*tensors) -> tuple:
    """Views of the tensors expanded to their common broadcast shape."""
    if len(tensors) == 1 and isinstance(tensors[0], Sequence):
        tensors = tuple(tensors[0])
    shape = _broadcast_shapes(*(x._shape for x in tensors))
    return tuple(x if x._shape == shape else _expand(x, *shape) for x in tensors)


# -- atleast_nd -------------------------------------------------------------------------
def _atleast(fn_name: str, one):
    def fn(*tensors):
        if len(tensors) == 1 and isinstance(tensors[0], Tensor):
            return one(tensors[0])
        if len(tensors) == 1 and isinstance(tensors[0], Sequence):
            tensors = tuple(tensors[0])
        return tuple(one(x) for x in tensors)
    fn.__name__ = fn_name
    fn.__doc__ = f"Views with at least {fn_name[-2]} dimensions (a tuple when given several tensors)."
    return fn


def _one_1d(x: Tensor) -> Tensor:
    return reshape(x, (1,)) if x.dim() == 0 else x


def _one_2d(x: Tensor) -> Tensor:
    return reshape(x, (1, 1)) if x.dim() == 0 else unsqueeze(x, 0) if x.dim() == 1 else x


def _one_3d(x: Tensor) -> Tensor:
    if x.dim() == 0:
        return reshape(x, (1, 1, 1))
    if x.dim() == 1:
        return unsqueeze(unsqueeze(x, 0), -1)
    return unsqueeze(x, -1) if x.dim() == 2 else x


atleast_1d = _atleast("atleast_1d", _one_1d)
atleast_2d = _atleast("atleast_2d", _one_2d)
atleast_3d = _atleast("atleast_3d", _one_3d)


# -- Tensor methods ----------------------------------------------------------------------
def _in_place(view_fn, name, backward, doc: str):
    """A method that gives this tensor the shape and strides view_fn would give a view.

    Like torch it counts as an in-place write (the version goes up); with autograd
    the tensor's history gains node name(*args) whose gradient is backward(g, old_shape, *args).
    """
    def method(self: Tensor, *args, **kwargs) -> Tensor:
        with no_grad():
            v = view_fn(self, *args, **kwargs)
        tracked = needs_grad(self)
        if tracked:
            from ._tensor_autograd import check_inplace
            check_inplace(self)
            old = self._shape
            record(name(*args, **kwargs), self, (self,), lambda g: (backward(g, old, *args, **kwargs),))
        self._shape, self._stride = v._shape, v._stride
        self._bump_version()
        if tracked:
            keep_history_current(self)
        return self
    method.__doc__ = doc
    return method


def _reshape_back(g: Tensor, old, *args, **kwargs) -> Tensor:
    return g.reshape(old)


def _transpose_back(g: Tensor, old, dim0, dim1) -> Tensor:
    return g.transpose(dim0, dim1)


def _t_back(g: Tensor, old) -> Tensor:
    return g.t()


def _squeeze_name(dim=None) -> str:
    return f"SqueezeBackward{3 + _squeeze_kind(dim)}"


def _view_as(self: Tensor, other: Tensor) -> Tensor:
    """A view with other's shape."""
    return _view(self, other._shape)


def _reshape_method(self: Tensor, *shape) -> Tensor:
    """Tensor.reshape(*shape) or reshape(shape): see reshape."""
    return reshape(self, parse_size(shape, "reshape"))


def _reshape_as(self: Tensor, other: Tensor) -> Tensor:
    """reshape to other's shape."""
    return reshape(self, other._shape)


def _permute_method(self: Tensor, *dims) -> Tensor:
    """Tensor.permute(*dims) or permute(dims): see permute."""
    return permute(self, _dims_arg(dims, "permute"))


def _expand_as(self: Tensor, other: Tensor) -> Tensor:
    """expand to other's shape."""
    return _expand(self, *other._shape)


_METHODS = {
    "view": _view, "view_as": _view_as, "reshape": _reshape_method, "reshape_as": _reshape_as,
    "flatten": flatten, "unflatten": unflatten, "ravel": ravel,
    "squeeze": squeeze, "unsqueeze": unsqueeze,
    "squeeze_": _in_place(squeeze, _squeeze_name, _reshape_back,
                          "In-place squeeze: changes this tensor's shape and strides."),
    "unsqueeze_": _in_place(unsqueeze, lambda dim: "UnsqueezeBackward1", _reshape_back, "In-place unsqueeze."),
    "transpose": transpose, "swapaxes": swapaxes, "swapdims": swapdims, "t": t,
    "transpose_": _in_place(transpose, lambda dim0, dim1: "TransposeBackward1", _transpose_back,
                            "In-place transpose."),
    "t_": _in_place(t, lambda: "TBackward1", _t_back, "In-place t()."),
    "permute": _permute_method, "movedim": movedim, "moveaxis": moveaxis, "adjoint": adjoint,
    "expand": _expand, "expand_as": _expand_as, "broadcast_to": broadcast_to,
}
_METHODS["swapaxes_"] = _METHODS["swapdims_"] = _METHODS["transpose_"]
for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _fn)
Tensor.T = property(_numpy_T, doc="The dims in reverse order (a view).")
Tensor.mT = property(partial(_matrix_transpose, name="mT"), doc="The last two dims swapped (a view).")
Tensor.mH = property(partial(_matrix_transpose, name="mH"), doc="The conjugate of mT (mT for real dtypes).")
Tensor.H = property(_H, doc="The conjugate transpose of a matrix (a view).")

register("view view_as reshape_as expand expand_as", "views", forms=("method",))
register("squeeze_ unsqueeze_ transpose_ swapaxes_ swapdims_ t_", "views", forms=("method",))
register("reshape flatten unflatten ravel squeeze unsqueeze transpose swapaxes swapdims t permute movedim moveaxis "
         "adjoint broadcast_to", "views")
register("atleast_1d atleast_2d atleast_3d broadcast_tensors broadcast_shapes", "views", forms=("function",))
mark_backward("view view_as reshape reshape_as flatten unflatten ravel squeeze unsqueeze squeeze_ unsqueeze_ "
              "transpose swapaxes swapdims t transpose_ swapaxes_ swapdims_ t_ permute movedim moveaxis adjoint expand "
              "expand_as broadcast_to atleast_1d atleast_2d atleast_3d broadcast_tensors")
