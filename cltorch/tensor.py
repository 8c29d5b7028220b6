"""The Tensor class: a strided view of device storage, with torch's methods."""
from __future__ import annotations

import builtins
import math

import numpy as np

from . import _dtype
from ._device import canonical, device, runtime
from .autograd.graph import needs_grad, record
from .backend import Storage
from .ops import copy as copy_ops
from .ops import fill as fill_ops
from .ops.layout import contiguous_strides, is_dense, numel


class Size(tuple):
    """A tensor shape: a tuple of ints printed as ``cltorch.Size([2, 3])``."""

    def __new__(cls, iterable=()):
        return super().__new__(cls, (int(s) for s in iterable))

    def __repr__(self) -> str:
        return f"cltorch.Size([{', '.join(str(s) for s in self)}])"

    __str__ = __repr__

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds."""
        return math.prod(self)

    def __getitem__(self, key):
        out = super().__getitem__(key)
        return Size(out) if isinstance(key, slice) else out

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def __reduce__(self):
        return (Size, (tuple(self),))


class _VersionCounter:
    """Counts in-place writes; shared by a tensor and its views."""

    __slots__ = ("value",)

    def __init__(self):
        self.value = 0


def _alloc(shape, dtype, dev) -> "Tensor":
    """A new dense tensor with uninitialised contents."""
    dev = canonical(dev)
    rt = runtime(dev)
    if dtype is _dtype.float64 and not rt.has_fp64:
        raise RuntimeError(
            f"float64 is not supported on device '{dev}' ({rt.info.name}): it lacks the cl_khr_fp64 "
            "extension. Use float32 or another device.")
    shape = tuple(int(s) for s in shape)
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(shape)}")
    storage = Storage(rt, numel(shape) * dtype.itemsize)
    return Tensor._make(storage, 0, shape, contiguous_strides(shape), dtype, dev)


class Tensor:
    """A multi-dimensional array on an OpenCL device."""

    __array_priority__ = 1000
    __hash__ = object.__hash__

    def __new__(cls, *args, **kwargs):
        return super().__new__(cls)

    def __init__(self, *args, device=None, dtype=None):
        # torch.Tensor(data) / torch.Tensor(2, 3): the legacy float constructor.
        from ._creation import legacy_new
        legacy_new(self, _dtype.get_default_dtype() if dtype is None else dtype, device, args)

    @classmethod
    def _make(cls, storage, offset, shape, stride, dtype, dev, version=None) -> "Tensor":
        t = object.__new__(cls)
        t._init_view(storage, offset, shape, stride, dtype, dev, version)
        return t

    def _init_view(self, storage, offset, shape, stride, dtype, dev, version=None) -> None:
        self._storage = storage
        self._offset = int(offset)
        self._shape = tuple(shape)
        self._stride = tuple(stride)
        self.dtype = dtype
        self.device = dev
        self._version_counter = version if version is not None else _VersionCounter()
        self.requires_grad = False
        self.grad = None
        self.grad_fn = None
        self._base = None
        self._output_nr = 0
        self._accumulator = None
        self._hooks = []

    # -- metadata ------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(self._shape)

    def size(self, dim=None):
        """The shape, or the length of one dimension."""
        if dim is None:
            return Size(self._shape)
        return self._shape[self._wrap_dim(dim)]

    def stride(self, dim=None):
        """Element strides, or the stride of one dimension."""
        if dim is None:
            return tuple(self._stride)
        return self._stride[self._wrap_dim(dim)]

    def storage_offset(self) -> int:
        """Offset of the first element in the storage, in elements."""
        return self._offset

    def dim(self) -> int:
        """Number of dimensions."""
        return len(self._shape)

    ndimension = dim

    @property
    def ndim(self) -> int:
        return len(self._shape)

    def numel(self) -> int:
        """Number of elements."""
        return numel(self._shape)

    nelement = numel

    def element_size(self) -> int:
        """Bytes per element."""
        return self.dtype.itemsize

    @property
    def itemsize(self) -> int:
        return self.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return self.numel() * self.dtype.itemsize

    def is_contiguous(self, memory_format=None) -> bool:
        """True when the elements are dense and row-major."""
        return is_dense(self)

    def is_floating_point(self) -> bool:
        """True for float16/32/64 tensors."""
        return self.dtype.is_floating_point

    def is_complex(self) -> bool:
        """Always False: cltorch has no complex dtypes."""
        return False

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        return self.device.type == "cpu"

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def _version(self) -> int:
        return self._version_counter.value

    def get_device(self) -> int:
        """The GPU index, or -1 for the cpu device (as torch)."""
        return -1 if self.device.type == "cpu" else (self.device.index or 0)

    def _wrap_dim(self, dim: int) -> int:
        n = max(len(self._shape), 1)
        if not -n <= dim < n:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
        return dim % n

    @property
    def _runtime(self):
        return self._storage.runtime

    # -- copies and conversion ----------------------------------------------
    def contiguous(self, memory_format=None) -> "Tensor":
        """self if already dense, else a dense copy on the same device."""
        return self if is_dense(self) else self.clone()

    def clone(self, memory_format=None) -> "Tensor":
        """A dense copy with its own storage (differentiable)."""
        out = _alloc(self._shape, self.dtype, self.device)
        copy_ops.copy_into(out, self)
        if needs_grad(self):
            record("CloneBackward0", out, (self,), lambda g: (g,))
        return out

    def _resize_for_out(self, shape, what: str = "out=") -> None:
        """Give an empty out= tensor the result's shape (torch resizes empty outputs); refuse other mismatches."""
        shape = tuple(shape)
        if self._shape == shape:
            return
        if self.numel() != 0:
            raise RuntimeError(f"{what} tensor has shape {list(self._shape)} but the result has shape {list(shape)}")
        fresh = _alloc(shape, self.dtype, self.device)
        self._init_view(fresh._storage, 0, fresh._shape, fresh._stride, self.dtype, self.device,
                        self._version_counter)

    def _bump_version(self) -> None:
        self._version_counter.value += 1

    def copy_(self, src, non_blocking: bool = False) -> "Tensor":
        """Copy src (broadcast to self's shape, any dtype or device) into self."""
        from ._creation import as_tensor_on
        from ._shape_utils import broadcast_strides
        src = as_tensor_on(src, self.device, None)
        if needs_grad(self, src):
            from ._tensor_autograd import adopt_inplace
            src = src.to(self.device, self.dtype)
            return adopt_inplace(self, src if src._shape == self._shape else src.expand(self._shape))
        if src.device != self.device:
            src = src._to_device(self.device)
        strides = broadcast_strides(src, self._shape, "copy_")
        copy_ops.copy_into(self, src, strides)
        self._bump_version()
        return self

    def _to_device(self, dev) -> "Tensor":
        dev = canonical(dev)
        if dev == self.device:
            return self
        out = _alloc(self._shape, self.dtype, dev)
        host = self._download()
        out._runtime.upload(out._storage.buffer, host)
        return out

    def _download(self) -> np.ndarray:
        """Dense host copy of the values (waits for the device)."""
        src = self.contiguous()
        host = np.empty(self._shape, dtype=self.dtype.np)
        if host.size:
            src._runtime.download(src._storage.buffer, host, src._offset * self.dtype.itemsize)
        return host

    def to(self, *args, **kwargs) -> "Tensor":
        """Move and/or convert: ``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(other)``."""
        dev, dt, copy = _parse_to_args(args, kwargs)
        dev = self.device if dev is None else canonical(dev)
        dt = self.dtype if dt is None else dt
        if dev == self.device and dt is self.dtype:
            return self.clone() if copy else self
        src = self._to_device(dev) if dev != self.device else self
        if dt is not src.dtype:
            out = _alloc(src._shape, dt, dev)
            copy_ops.copy_into(out, src)
            src = out
        elif copy and src is self:
            return self.clone()
        if needs_grad(self) and dt.is_floating_point:
            src_dtype, src_dev = self.dtype, self.device
            record("ToCopyBackward0", src, (self,), lambda g: (g.to(src_dev, src_dtype),))
        return src

    def cpu(self) -> "Tensor":
        """This tensor on the OpenCL CPU device."""
        return self.to("cpu")

    def cuda(self, device=None, non_blocking: bool = False) -> "Tensor":
        """This tensor on an OpenCL GPU (cuda:N)."""
        if device is None:
            device = "cuda"
        elif isinstance(device, int):
            device = f"cuda:{device}"
        return self.to(device)

    def type(self, dtype=None, non_blocking: bool = False):
        """The legacy type name (``cltorch.FloatTensor``), or a copy converted to dtype."""
        if dtype is None:
            from ._legacy import type_name
            return type_name(self)
        if isinstance(dtype, str):
            from ._legacy import dtype_from_type_name
            dtype = dtype_from_type_name(dtype)
        elif isinstance(dtype, builtins.type) and hasattr(dtype, "_cltorch_dtype"):
            dtype = dtype._cltorch_dtype
        return self.to(_dtype.to_dtype(dtype))

    def float(self) -> "Tensor":
        """Convert to float32."""
        return self.to(_dtype.float32)

    def double(self) -> "Tensor":
        """Convert to float64."""
        return self.to(_dtype.float64)

    def half(self) -> "Tensor":
        """Convert to float16."""
        return self.to(_dtype.float16)

    def long(self) -> "Tensor":
        """Convert to int64."""
        return self.to(_dtype.int64)

    def int(self) -> "Tensor":
        """Convert to int32."""
        return self.to(_dtype.int32)

    def short(self) -> "Tensor":
        """Convert to int16."""
        return self.to(_dtype.int16)

    def char(self) -> "Tensor":
        """Convert to int8."""
        return self.to(_dtype.int8)

    def byte(self) -> "Tensor":
        """Convert to uint8."""
        return self.to(_dtype.uint8)

    def bool(self) -> "Tensor":
        """Convert to bool."""
        return self.to(_dtype.bool_)

    # -- reading values ------------------------------------------------------
    def numpy(self, *, force: bool = False) -> np.ndarray:
        """A NumPy copy of a cpu-device tensor (other devices raise TypeError, as torch)."""
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        if self.device.type != "cpu" and not force:
            raise TypeError(f"can't convert {self.device} device type tensor to numpy. "
                            "Use Tensor.cpu() to copy the tensor to host memory first.")
        return self._download()

    def __array__(self, dtype=None, copy=None):
        arr = self.numpy(force=True) if self.device.type == "cpu" else self.numpy()
        return arr if dtype is None else arr.astype(dtype)

    def item(self):
        """The single value as a Python number."""
        n = self.numel()
        if n != 1:
            raise RuntimeError(f"a Tensor with {n} elements cannot be converted to Scalar")
        return self._download().reshape(()).item()

    def tolist(self):
        """Nested Python lists of the values (a number for 0-d tensors)."""
        return self._download().tolist()

    def __len__(self) -> int:
        if not self._shape:
            raise TypeError("len() of a 0-d tensor")
        return self._shape[0]

    def __bool__(self) -> bool:
        n = self.numel()
        if n != 1:
            raise RuntimeError(f"Boolean value of Tensor with {'no' if n == 0 else 'more than one'} value"
                               f"{'s' if n == 0 else ''} is ambiguous")
        return builtins.bool(self.item())

    def __float__(self) -> float:
        return builtins.float(self.item())

    def __int__(self) -> int:
        return builtins.int(self.item())

    def __index__(self) -> int:
        if self.dtype.is_floating_point or self.dtype is _dtype.bool_ or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return builtins.int(self.item())

    def __complex__(self) -> complex:
        return complex(self.item())

    def __format__(self, spec: str) -> str:
        if self.dim() == 0 and not self.requires_grad:
            return self.item().__format__(spec)
        return builtins.format(repr(self), spec)

    def __repr__(self) -> str:
        from ._tensor_str import tensor_repr
        return tensor_repr(self)

    __str__ = __repr__

    # -- in-place fills and random ------------------------------------------
    def fill_(self, value) -> "Tensor":
        """Set every element to value."""
        if isinstance(value, Tensor):
            if value.numel() != 1:
                raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                                   f"{value.dim()} dimensions.")
            return self.copy_(value)
        if needs_grad(self):
            from ._tensor_autograd import adopt_inplace
            return adopt_inplace(self, self.detach().new_full(self._shape, value))
        fill_ops.fill(self, value)
        self._bump_version()
        return self

    def zero_(self) -> "Tensor":
        """Set every element to zero."""
        return self.fill_(0)

    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator=None) -> "Tensor":
        """Fill with uniform values in [a, b)."""
        from ._sampling import fill_random
        return fill_random(self, "uniform", generator, a, b)

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator=None) -> "Tensor":
        """Fill with normal values."""
        from ._sampling import fill_random
        return fill_random(self, "normal", generator, mean, std)

    def random_(self, from_=None, to=None, *, generator=None) -> "Tensor":
        """Fill with integers from [from_, to) (defaults as torch: the dtype's range)."""
        from ._sampling import random_
        return random_(self, from_, to, generator)

    def bernoulli_(self, p=0.5, *, generator=None) -> "Tensor":
        """Fill with 0/1 draws of probability p (a float or a tensor)."""
        from ._sampling import bernoulli_
        return bernoulli_(self, p, generator)

    def exponential_(self, lambd: float = 1.0, *, generator=None) -> "Tensor":
        """Not yet implemented on the device."""
        raise NotImplementedError("exponential_ is not implemented in cltorch yet")

    # -- new_* constructors --------------------------------------------------
    def new_empty(self, *size, dtype=None, device=None, requires_grad=False) -> "Tensor":
        """An uninitialised tensor with this tensor's dtype and device by default."""
        from ._creation import empty
        return empty(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False) -> "Tensor":
        """Zeros with this tensor's dtype and device by default."""
        from ._creation import zeros
        return zeros(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False) -> "Tensor":
        """Ones with this tensor's dtype and device by default."""
        from ._creation import ones
        return ones(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False) -> "Tensor":
        """A filled tensor with this tensor's dtype and device by default."""
        from ._creation import full
        return full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device,
                    requires_grad=requires_grad)

    def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False) -> "Tensor":
        """A tensor from data with this tensor's dtype and device by default."""
        from ._creation import tensor
        return tensor(data, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set requires_grad in place (leaf tensors only, floating dtypes only)."""
        if requires_grad and not self.dtype.is_floating_point:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to use a "
                               "computed variable in a subgraph that doesn't require differentiation use "
                               "var_no_grad = var.detach().")
        self.requires_grad = builtins.bool(requires_grad)
        return self

    def __reduce_ex__(self, protocol):
        from ._creation import _rebuild_from_numpy
        return (_rebuild_from_numpy, (self._download(), str(self.device), self.requires_grad))

    def __deepcopy__(self, memo):
        out = self.clone()
        out.requires_grad = self.requires_grad
        memo[id(self)] = out
        return out


def _parse_to_args(args, kwargs):
    """Split Tensor.to's overloaded arguments into (device, dtype, copy)."""
    dev = kwargs.pop("device", None)
    dt = kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, Tensor):
            dev, dt = a.device, a.dtype
        elif isinstance(a, _dtype.dtype):
            dt = a
        elif isinstance(a, (str, device)) or (isinstance(a, builtins.int) and not isinstance(a, builtins.bool)):
            dev = a
        elif isinstance(a, builtins.bool):
            pass  # the positional non_blocking flag
        elif a is None:
            continue
        else:
            dt = _dtype.to_dtype(a)
    if dt is not None and not isinstance(dt, _dtype.dtype):
        dt = _dtype.to_dtype(dt)
    return dev, dt, copy
