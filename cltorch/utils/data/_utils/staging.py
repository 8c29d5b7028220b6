"""Host-staged tensors: data still in a host (NumPy) array, uploaded and converted on first use.

A ``StagedTensor`` is a cltorch ``Tensor`` whose device storage does not exist
yet. It holds the host array ``raw``, a permutation of its axes and a pending
conversion (cast, rescale by a factor, per-channel normalisation). Reading any
device field (``_storage``) uploads ``raw`` once and runs the conversion as one
``image.cl`` kernel. Vision transforms given host images (PIL or NumPy) return
staged tensors, and ``default_collate`` stacks the host arrays of a batch, so a
batch costs one upload and one conversion kernel instead of one per sample.
DataLoader worker processes never touch OpenCL: they return staged batches,
which pickle as host arrays, and the main process uploads them.
"""
from __future__ import annotations

import numpy as np

from .... import _dtype
from ...._creation import from_host
from ...._device import canonical
from ....ops import image as image_ops
from ....ops.layout import contiguous_strides
from ....tensor import Tensor, _alloc, _VersionCounter

_PARAMS: dict = {}
_PARAMS_MAX = 64


def _host_dtype(arr: np.ndarray) -> np.ndarray:
    """arr, widened on the host where cltorch has no matching dtype (uint16/uint32 -> int32/int64)."""
    if arr.dtype == np.uint16:
        return arr.astype(np.int32)
    if arr.dtype in (np.uint32, np.uint64):
        return arr.astype(np.int64)
    return arr


class StagedTensor(Tensor):
    """A tensor whose values are a host array plus a pending conversion, materialised on first use."""

    def __init__(self, raw, dtype=None, device=None, perm=None, mode: int = 0, factor=1, mean=None, std=None):
        raw = _host_dtype(np.asarray(raw))
        self._raw = raw
        self._perm = tuple(range(raw.ndim)) if perm is None else tuple(perm)
        self._mode, self._factor = int(mode), factor
        self._mean = None if mean is None else tuple(float(m) for m in mean)
        self._std = None if std is None else tuple(float(s) for s in std)
        self._st = self._off = self._strd = None
        self._shape = tuple(raw.shape[p] for p in self._perm)
        self.dtype = _dtype.from_numpy_dtype(raw.dtype) if dtype is None else dtype
        self.device = canonical(device)
        self._version_counter = _VersionCounter()
        self.requires_grad = False
        self.grad = None
        self.grad_fn = None
        self._base = None
        self._output_nr = 0
        self._accumulator = None
        self._hooks = []

    # -- lazily materialised device fields ------------------------------------
    def _field(name):
        def get(self):
            if self._st is None:
                self._materialize()
            return getattr(self, name)

        def put(self, value):
            object.__setattr__(self, name, value)
        return property(get, put)

    _storage = _field("_st")
    _offset = _field("_off")
    _stride = _field("_strd")
    del _field

    @property
    def is_staged(self) -> bool:
        """True while the values are still only on the host."""
        return self._st is None

    def pending(self) -> tuple:
        """The pending conversion as a hashable key (for batching compatible samples)."""
        return (self._raw.dtype, self._raw.shape, self._perm, self.dtype, self.device, self._mode, self._factor,
                self._mean, self._std)

    def restage(self, raw=None, perm=None, dtype=None, mode=None, factor=None, mean=None, std=None) -> "StagedTensor":
        """A staged copy with some of raw / perm / conversion settings replaced."""
        new = object.__new__(StagedTensor)
        new.__dict__.update(self.__dict__)
        new._version_counter = _VersionCounter()
        new._hooks = []
        if raw is not None or perm is not None:
            new._raw = self._raw if raw is None else raw
            new._perm = self._perm if perm is None else tuple(perm)
            new._shape = tuple(new._raw.shape[p] for p in new._perm)
        if dtype is not None:
            new.dtype = dtype
        if mode is not None:
            new._mode, new._factor = int(mode), factor
        if mean is not None:
            new._mean, new._std = tuple(float(m) for m in mean), tuple(float(v) for v in std)
        return new

    def _materialize(self) -> None:
        materialize([self])

    def _adopt(self, out: Tensor) -> None:
        object.__setattr__(self, "_st", out._storage)
        object.__setattr__(self, "_off", out._offset)
        object.__setattr__(self, "_strd", out._stride)
        self._raw = None

    def resolve(self) -> Tensor:
        """A plain Tensor with these values (uploading and converting now if still staged)."""
        st = self._storage
        return Tensor._make(st, self._offset, self._shape, self._stride, self.dtype, self.device)

    def __reduce_ex__(self, protocol):
        if self._st is not None:
            return self.resolve().__reduce_ex__(protocol)
        return (_rebuild, (self._raw, self.dtype.name, str(self.device), self._perm, self._mode, self._factor,
                           self._mean, self._std))


def _rebuild(raw, name, device, perm, mode, factor, mean, std) -> StagedTensor:
    return StagedTensor(raw, _dtype.to_dtype(name), device, perm, mode, factor, mean, std)


def _params(t: StagedTensor, tag: str, channels: int) -> Tensor:
    """The cached device tensor [mean..., std...] for a normalisation (uploaded once per setting)."""
    key = (t.device, tag, t._mean, t._std, channels)
    p = _PARAMS.get(key)
    if p is None:
        mean = np.broadcast_to(np.asarray(t._mean), (channels,))
        std = np.broadcast_to(np.asarray(t._std), (channels,))
        dt = _dtype.float64 if tag == "f64" else _dtype.float32
        p = from_host(np.concatenate([mean, std]).astype(dt.np), dt, t.device)
        if len(_PARAMS) >= _PARAMS_MAX:
            _PARAMS.clear()
        _PARAMS[key] = p
    return p


def _host_layout(t: StagedTensor):
    """(host array to upload, its axes' order as tensor dims, whether a kernel must convert it)."""
    raw, perm = t._raw, t._perm
    plain = t._mode == 0 and t._mean is None and _dtype.from_numpy_dtype(raw.dtype) is t.dtype
    if plain or raw.ndim > 4:  # tensor order on the host; four strides describe the rest
        return np.ascontiguousarray(raw.transpose(perm)), tuple(range(raw.ndim)), not plain
    return np.ascontiguousarray(raw), perm, True


def materialize(items) -> None:
    """Upload the host arrays of staged tensors in one transfer, then run each pending conversion.

    The arrays are packed into one byte buffer at 8-byte aligned offsets; a tensor needing no
    conversion becomes a view of that buffer, the others get one image_convert kernel each."""
    items = [t for t in items if t._st is None]
    if not items:
        return
    by_device: dict = {}
    for t in items:
        by_device.setdefault(t.device, []).append(t)
    for dev, group in by_device.items():
        layouts = [_host_layout(t) for t in group]
        offsets, total = [], 0
        for arr, _, _ in layouts:
            offsets.append(total)
            total += (arr.nbytes + 7) // 8 * 8
        packed = np.empty(max(total, 1), dtype=np.uint8)
        for (arr, _, _), off in zip(layouts, offsets):
            packed[off:off + arr.nbytes] = arr.reshape(-1).view(np.uint8)
        buf = from_host(packed, _dtype.uint8, dev)
        for t, (arr, perm, convert), off in zip(group, layouts, offsets):
            src_dt = _dtype.from_numpy_dtype(arr.dtype)
            src = Tensor._make(buf._storage, off // arr.itemsize, arr.shape, contiguous_strides(arr.shape), src_dt,
                               dev)
            t._adopt(_convert(t, src, perm) if convert else src)


def _convert(t: StagedTensor, src: Tensor, perm) -> Tensor:
    """t's pending conversion of the uploaded host array src (read through perm): one kernel."""
    shape = t._shape
    strides = [src._stride[p] for p in perm]
    if len(shape) > 4:
        shape4 = (int(np.prod(shape[:-3])),) + tuple(shape[-3:])
        strides4 = list(contiguous_strides(shape4))
    else:
        pad = 4 - len(shape)
        shape4 = (1,) * pad + tuple(shape)
        strides4 = [0] * pad + strides
    out = _alloc(shape, t.dtype, t.device)
    view = Tensor._make(out._storage, 0, shape4, contiguous_strides(shape4), t.dtype, t.device)
    tag = image_ops.compute_tag(src.dtype, t.dtype)
    params = _params(t, tag, shape4[1]) if t._mean is not None else None
    image_ops.convert(view, src, strides4, t._mode, t._factor, params)
    return out


def stack(items) -> StagedTensor | None:
    """One staged batch holding the samples' host arrays stacked, or None when their settings differ."""
    first = items[0]
    key = first.pending()
    if any(not isinstance(x, StagedTensor) or not x.is_staged or x.pending() != key for x in items):
        return None
    raw = np.stack([x._raw for x in items])
    return first.restage(raw=raw, perm=(0,) + tuple(p + 1 for p in first._perm))


def from_numbers(values, dtype) -> StagedTensor:
    """A staged 1-D tensor of Python numbers (collated labels)."""
    return StagedTensor(np.asarray(values, dtype=dtype.np), dtype)


class DeferredStack(list):
    """Samples a worker could not stack on the host (differing conversions): stacked in the main process."""


def _leaves(data, out: list) -> list:
    if isinstance(data, StagedTensor):
        if data.is_staged:
            out.append(data)
    elif isinstance(data, DeferredStack):
        out.extend(x for x in data if isinstance(x, StagedTensor) and x.is_staged)
    elif isinstance(data, dict):
        for v in data.values():
            _leaves(v, out)
    elif isinstance(data, (list, tuple)):
        for v in data:
            _leaves(v, out)
    return out


def resolve_all(data):
    """data with every StagedTensor inside (lists, tuples, dicts, namedtuples) turned into a plain Tensor.

    All staged arrays of the batch go up in one transfer."""
    materialize(_leaves(data, []))
    return _resolve(data)


def _resolve(data):
    if isinstance(data, StagedTensor):
        return data.resolve()
    if isinstance(data, DeferredStack):
        from .... import stack
        return stack([x.resolve() if isinstance(x, StagedTensor) else x for x in data], 0)
    if isinstance(data, Tensor) or isinstance(data, (str, bytes)):
        return data
    if isinstance(data, dict):
        try:
            return type(data)({k: _resolve(v) for k, v in data.items()})
        except TypeError:
            return {k: _resolve(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(_resolve(v) for v in data))
    if isinstance(data, tuple):
        return tuple(_resolve(v) for v in data)
    if isinstance(data, list):
        return [_resolve(v) for v in data]
    return data
