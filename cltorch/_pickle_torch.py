"""cltorch objects under PyTorch's pickle names: what cltorch.save writes and what cltorch.load reads back.

A checkpoint names ``torch._utils._rebuild_tensor_v2``, ``torch.FloatStorage``,
``torch.float32`` ... so that real PyTorch can load cltorch's files and
cltorch can load PyTorch's. Writing those names needs the pure-Python
pickler: the C pickler looks every global up by importing its module, and
cltorch never imports torch.
"""
from __future__ import annotations

import importlib
import pickle
from collections import OrderedDict

from . import _dtype
from ._device import device
from .nn.parameter import Buffer, Parameter
from .tensor import Size, Tensor


class TorchGlobal:
    """A global written into pickles by name only (``torch._utils._rebuild_tensor_v2``)."""

    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str):
        self.module = module
        self.name = name

    def __repr__(self) -> str:
        return f"{self.module}.{self.name}"

    def __call__(self, *args, **kwargs):
        # pickle's save_reduce insists on a callable; this name is only ever written, never called
        raise TypeError(f"{self!r} is a name for pickles, not a function")


class StorageType:
    """A torch storage class named by a checkpoint (``torch.FloatStorage``), standing for its dtype."""

    def __init__(self, name: str, dtype, torch_dtype: str):
        self.name = name
        self.dtype = dtype  # a cltorch dtype, or None when cltorch has no such dtype
        self.torch_dtype = torch_dtype

    def __repr__(self) -> str:
        return f"StorageType(torch.{self.name}, dtype=torch.{self.torch_dtype})"


class LoadedStorage:
    """A checkpoint storage after upload: device memory seen as ``numel`` elements of ``dtype``."""

    __slots__ = ("storage", "dtype", "device", "offset", "numel")

    def __init__(self, storage, dtype, dev, offset: int, numel: int):
        self.storage, self.dtype, self.device, self.offset, self.numel = storage, dtype, dev, offset, numel


class _StorageRef:
    """Placeholder that the pickler turns into a persistent id."""

    __slots__ = ("pid",)

    def __init__(self, pid):
        self.pid = pid


_STORAGE_NAMES = {_dtype.float32: "FloatStorage", _dtype.float64: "DoubleStorage", _dtype.float16: "HalfStorage",
                  _dtype.int64: "LongStorage", _dtype.int32: "IntStorage", _dtype.int16: "ShortStorage",
                  _dtype.int8: "CharStorage", _dtype.uint8: "ByteStorage", _dtype.bool_: "BoolStorage"}
_UNSUPPORTED_STORAGES = {"BFloat16Storage": "bfloat16", "ComplexFloatStorage": "complex64",
                         "ComplexDoubleStorage": "complex128", "QInt8Storage": "qint8", "QUInt8Storage": "quint8",
                         "QInt32Storage": "qint32", "QUInt4x2Storage": "quint4x2", "QUInt2x4Storage": "quint2x4"}
_UNSUPPORTED_DTYPES = ("bfloat16", "complex32", "complex64", "complex128", "uint16", "uint32", "uint64",
                       "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "qint8", "quint8",
                       "qint32", "quint4x2", "quint2x4")

STORAGE_WRITE_NAMES = {d: TorchGlobal("torch", n) for d, n in _STORAGE_NAMES.items()}
DTYPE_WRITE_NAMES = {d: TorchGlobal("torch", d.name) for d in _dtype.ALL}
_W_REBUILD_V2 = TorchGlobal("torch._utils", "_rebuild_tensor_v2")
_W_REBUILD_PARAMETER = TorchGlobal("torch._utils", "_rebuild_parameter")
_W_REBUILD_FROM_TYPE = TorchGlobal("torch._tensor", "_rebuild_from_type_v2")
_W_DEVICE = TorchGlobal("torch", "device")
_W_SIZE = TorchGlobal("torch", "Size")
SAVED_LOCATION = "cpu"  # PyTorch cannot know OpenCL devices; every storage is written as a cpu storage


# -- rebuilding tensors (the functions torch's names resolve to) ----------------------
def _as_ints(values, what: str) -> tuple:
    if not isinstance(values, (tuple, list)) or not all(type(v) is int for v in values):
        raise RuntimeError(f"cltorch.load: a tensor's {what} must be a tuple of ints, got {values!r} "
                           "(corrupt checkpoint?)")
    return tuple(values)


def _view_of(storage, storage_offset, size, stride) -> Tensor:
    """A tensor over a loaded storage, checked to lie inside it (a bad file must not read out of bounds)."""
    if not isinstance(storage, LoadedStorage):
        raise RuntimeError(f"cltorch.load: expected a storage to rebuild a tensor from, got {type(storage)}")
    size, stride = _as_ints(size, "size"), _as_ints(stride, "stride")
    if type(storage_offset) is not int or len(size) != len(stride) or min(size + stride + (storage_offset,)) < 0:
        raise RuntimeError(f"cltorch.load: invalid tensor geometry: size {list(size)}, stride {list(stride)}, "
                           f"storage offset {storage_offset!r} (corrupt checkpoint?)")
    if all(size):
        last = storage_offset + sum((n - 1) * s for n, s in zip(size, stride))
        if last >= storage.numel:
            raise RuntimeError(f"cltorch.load: a tensor of size {list(size)}, stride {list(stride)} and storage "
                               f"offset {storage_offset} does not fit in its storage of {storage.numel} elements "
                               "(corrupt checkpoint?)")
    return Tensor._make(storage.storage, storage.offset + storage_offset, size, stride, storage.dtype,
                        storage.device)


def rebuild_tensor(storage, storage_offset, size, stride) -> Tensor:
    """torch._utils._rebuild_tensor."""
    return _view_of(storage, storage_offset, size, stride)


def rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                      metadata=None) -> Tensor:
    """torch._utils._rebuild_tensor_v2 (backward hooks and metadata are not restored)."""
    t = _view_of(storage, storage_offset, size, stride)
    if requires_grad:
        t.requires_grad_(True)
    return t


def rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype,
                      metadata=None) -> Tensor:
    """torch._utils._rebuild_tensor_v3: the storage is untyped bytes, the tensor's dtype is given."""
    if not isinstance(storage, LoadedStorage) or not isinstance(dtype, _dtype.dtype):
        raise RuntimeError("cltorch.load: _rebuild_tensor_v3 needs a storage and a dtype (corrupt checkpoint?)")
    nbytes = storage.numel * storage.dtype.itemsize
    retyped = LoadedStorage(storage.storage, dtype, storage.device, storage.offset * storage.dtype.itemsize
                            // dtype.itemsize, nbytes // dtype.itemsize)
    return rebuild_tensor_v2(retyped, storage_offset, size, stride, requires_grad, backward_hooks)


def rebuild_parameter(data, requires_grad, backward_hooks=None) -> Parameter:
    """torch._utils._rebuild_parameter."""
    if not isinstance(data, Tensor):
        raise RuntimeError(f"cltorch.load: a Parameter needs tensor data, got {type(data)}")
    return Parameter(data, bool(requires_grad))


def rebuild_parameter_with_state(data, requires_grad, backward_hooks, state) -> Parameter:
    """torch._utils._rebuild_parameter_with_state: a Parameter with extra Python attributes."""
    p = rebuild_parameter(data, requires_grad)
    set_tensor_state(p, state)
    return p


_REBUILDERS = (rebuild_tensor, rebuild_tensor_v2, rebuild_tensor_v3, rebuild_parameter,
               rebuild_parameter_with_state)


def rebuild_from_type_v2(func, new_type, args, state):
    """torch._tensor._rebuild_from_type_v2: a tensor subclass (or a tensor with attributes)."""
    if func not in _REBUILDERS or not isinstance(new_type, type) or not issubclass(new_type, Tensor):
        raise RuntimeError(f"cltorch.load: cannot rebuild a {new_type!r} through {func!r}")
    t = func(*args)
    if type(t) is not new_type:
        out = object.__new__(new_type)
        out.__dict__.update(t.__dict__)
        t = out
    set_tensor_state(t, state)
    return t


def rebuild_device_tensor_from_cpu_tensor(data, dtype, dev, requires_grad) -> Tensor:
    """torch._utils._rebuild_device_tensor_from_cpu_tensor: data moved to dev (falls back to data's device)."""
    if not isinstance(data, Tensor):
        raise RuntimeError(f"cltorch.load: expected tensor data, got {type(data)}")
    t = data.to(dtype=dtype)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _unsupported(kind: str):
    def rebuild(*args, **kwargs):
        raise RuntimeError(f"cltorch.load: the checkpoint holds {kind}, which cltorch does not support")
    rebuild.__name__ = f"_rebuild_{kind.replace(' ', '_')}"
    return rebuild


_TENSOR_INTERNALS = frozenset(Tensor._make(None, 0, (), (), _dtype.float32, None).__dict__) | {"persistent"}


def set_tensor_state(t: Tensor, state) -> None:
    """Apply pickled Python attributes to a tensor, never overwriting its storage, geometry or autograd fields."""
    if state is None:
        return
    slots = None
    if isinstance(state, tuple) and len(state) == 2:
        state, slots = state
    for part in (state, slots):
        if not part:
            continue
        if not isinstance(part, dict):
            raise RuntimeError(f"cltorch.load: tensor state must be a dict, got {type(part)}")
        for key, value in part.items():
            # an attribute named like an internal field would let a file re-point the tensor at other memory
            if isinstance(key, str) and key not in _TENSOR_INTERNALS and not hasattr(type(t), key):
                setattr(t, key, value)


# -- the names ----------------------------------------------------------------------
def _read_names() -> dict:
    """{"torch.name": object} for everything a tensor checkpoint may name."""
    names = {
        "torch._utils._rebuild_tensor": rebuild_tensor,
        "torch._utils._rebuild_tensor_v2": rebuild_tensor_v2,
        "torch._utils._rebuild_tensor_v3": rebuild_tensor_v3,
        "torch._utils._rebuild_parameter": rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": rebuild_parameter_with_state,
        "torch._utils._rebuild_device_tensor_from_cpu_tensor": rebuild_device_tensor_from_cpu_tensor,
        "torch._tensor._rebuild_from_type_v2": rebuild_from_type_v2,
        "torch.nn.parameter.Parameter": Parameter,
        "torch.Tensor": Tensor,
        "torch.Size": Size,
        "torch.device": device,
    }
    for kind, fn in (("quantized tensors", "_rebuild_qtensor"), ("sparse tensors", "_rebuild_sparse_tensor"),
                     ("meta tensors", "_rebuild_meta_tensor_no_storage"),
                     ("nested tensors", "_rebuild_nested_tensor"), ("tensor subclasses", "_rebuild_wrapper_subclass"),
                     ("NumPy-backed device tensors", "_rebuild_device_tensor_from_numpy")):
        names[f"torch._utils.{fn}"] = _unsupported(kind)
    for d in _dtype.ALL:
        names[f"torch.{d.name}"] = d
    storages = [StorageType(n, d, d.name) for d, n in _STORAGE_NAMES.items()]
    storages += [StorageType(n, None, t) for n, t in _UNSUPPORTED_STORAGES.items()]
    for st in storages:
        names[f"torch.{st.name}"] = st
        names[f"torch.cuda.{st.name}"] = st
    untyped = StorageType("UntypedStorage", _dtype.uint8, "uint8")
    names["torch.storage.UntypedStorage"] = names["torch.UntypedStorage"] = untyped
    return names


TORCH_NAMES = _read_names()


def check_known(module: str, name: str) -> None:
    """Raise a specific error for torch names that cltorch knows it cannot provide (bfloat16, ...)."""
    if module == "torch" and name in _UNSUPPORTED_DTYPES:
        raise unsupported_dtype_error(name)


def unsupported_dtype_error(name: str) -> TypeError:
    """The error for a torch dtype that cltorch lacks."""
    return TypeError(f"cltorch.load: the checkpoint uses torch.{name}, which cltorch does not support "
                     f"(cltorch dtypes: {', '.join(d.name for d in _dtype.ALL)}); convert it with PyTorch first")


def resolve_torch_name(module: str, name: str):
    """The cltorch object for a pickled ``torch.*`` global (checkpoint names first, then the mirrored layout).

    Returns None for globals outside torch, which pickle resolves as usual.
    """
    full = f"{module}.{name}"
    found = TORCH_NAMES.get(full)
    if found is not None:
        return found
    check_known(module, name)
    if module != "torch" and not module.startswith("torch."):
        return None
    target = "cl" + module
    try:
        obj = importlib.import_module(target)
        for part in name.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        raise AttributeError(f"cltorch.load: the checkpoint names {full}, but cltorch has no {target}.{name} "
                             "(the class or function was not ported to cltorch)") from None
    return obj


# -- writing --------------------------------------------------------------------------
class TorchPicklerMixin:
    """Pickler hooks: tensors as torch rebuild calls over persistent storage ids, dtypes as torch names.

    After ``dump`` ``self.storages`` lists ``(key, Storage, dtype)`` in the order
    keys were given; views of one storage share a key.
    """

    legacy_ids = False  # the pre-zip format adds a view_metadata field to each id

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.storages: list = []
        self._storage_keys: dict = {}  # id(Storage) -> (key, dtype)

    def persistent_id(self, obj):
        """The ('storage', type, key, location, numel) id for a storage placeholder, else None."""
        if type(obj) is _StorageRef:
            return obj.pid
        return None

    def reducer_override(self, obj):
        """Tensors, devices and sizes as torch writes them; everything else as pickle does."""
        if isinstance(obj, Tensor):
            return self._reduce_tensor(obj)
        t = type(obj)
        if t is device:
            return (_W_DEVICE, (str(obj),))
        if t is Size:
            return (_W_SIZE, (tuple(obj),))
        return NotImplemented

    def _storage_ref(self, t: Tensor) -> _StorageRef:
        entry = self._storage_keys.get(id(t._storage))
        if entry is None:  # the storage stays alive in self.storages, so its id is not reused meanwhile
            key = str(len(self.storages))
            entry = self._storage_keys[id(t._storage)] = (key, t.dtype)
            self.storages.append((key, t._storage, t.dtype))
        elif entry[1] is not t.dtype:
            raise RuntimeError("Cannot save multiple tensors or storages that view the same data as different "
                               f"types: {entry[1]} and {t.dtype}")
        numel = t._storage.nbytes // t.dtype.itemsize
        pid = ("storage", STORAGE_WRITE_NAMES[t.dtype], entry[0], SAVED_LOCATION, numel)
        return _StorageRef(pid + (None,) if self.legacy_ids else pid)

    def _reduce_tensor(self, t: Tensor):
        if isinstance(t, Parameter):
            data = Tensor._make(t._storage, t._offset, t._shape, t._stride, t.dtype, t.device)
            return (_W_REBUILD_PARAMETER, (data, bool(t.requires_grad), OrderedDict()))
        args = (self._storage_ref(t), t._offset, tuple(t._shape), tuple(t._stride), bool(t.requires_grad),
                OrderedDict())
        if type(t) in (Tensor, Buffer):
            return (_W_REBUILD_V2, args)
        return (_W_REBUILD_FROM_TYPE, (_W_REBUILD_V2, type(t), args, {}))

    def _save_torch_global(self, obj: TorchGlobal) -> None:
        if self.proto >= 4:
            self.save(obj.module)
            self.save(obj.name)
            self.write(pickle.STACK_GLOBAL)
        else:
            self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode("ascii"))
        self.memoize(obj)

    def _save_dtype(self, obj) -> None:
        self.save(DTYPE_WRITE_NAMES[obj])


def pickler_class(pickle_module):
    """A Pickler class with the torch-name hooks, built on pickle_module's pure-Python Pickler."""
    if pickle_module is pickle:
        base = pickle._Pickler
    else:
        base = getattr(pickle_module, "Pickler", None)
        if not (isinstance(base, type) and issubclass(base, pickle._Pickler)):
            raise TypeError(f"cltorch.save: the Pickler of pickle_module {getattr(pickle_module, '__name__', '?')} "
                            "does not derive from pickle._Pickler; cltorch.save needs the pure-Python pickler "
                            "to write torch's global names")
    dispatch = dict(base.dispatch)
    dispatch[TorchGlobal] = TorchPicklerMixin._save_torch_global
    dispatch[_dtype.dtype] = TorchPicklerMixin._save_dtype
    return type("TorchNamePickler", (TorchPicklerMixin, base), {"dispatch": dispatch})


def unpickler_class(pickle_module):
    """An Unpickler class (for weights_only=False) that maps torch's names onto cltorch's objects."""

    class TorchNameUnpickler(pickle_module.Unpickler):
        """Resolves ``torch.*`` globals to cltorch and everything else as pickle does."""

        def find_class(self, module, name):
            found = resolve_torch_name(module, name)
            return found if found is not None else super().find_class(module, name)

    return TorchNameUnpickler
