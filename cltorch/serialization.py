"""``cltorch.save`` / ``cltorch.load``: PyTorch's checkpoint format, loaded weights-only by default.

Files are PyTorch's zip format with torch's pickle names, so ``torch.load``
reads what cltorch writes and cltorch reads what ``torch.save`` writes
(including the pre-1.6 non-zip stream). Every storage is written with the
location 'cpu' (PyTorch knows no OpenCL devices). On load, ``map_location=None``
puts each storage on the device its location names: 'cpu' is the OpenCL CPU
device and 'cuda:N' the N-th OpenCL GPU; a 'cuda' location with no GPU
raises, as in PyTorch, and asks for ``map_location``.
"""
from __future__ import annotations

import contextlib
import io
import os
import pickle
import pickletools
import warnings

import numpy as np

from . import _dtype, _legacy_checkpoint, _pickle_restricted, _pickle_torch, _zip_format
from ._atomic import atomic_open
from ._device import canonical, current_gpu_index, runtime
from ._device import device as _device
from ._pickle_restricted import add_safe_globals, clear_safe_globals, get_safe_globals
from ._pickle_torch import LoadedStorage, StorageType
from .backend import Storage

__all__ = ["save", "load", "add_safe_globals", "safe_globals", "get_safe_globals", "clear_safe_globals",
           "get_unsafe_globals_in_checkpoint", "DEFAULT_PROTOCOL"]

DEFAULT_PROTOCOL = 2

UNSAFE_MESSAGE = ("Re-running `cltorch.load` with `weights_only` set to `False` will likely succeed, but it can "
                  "result in arbitrary code execution. Do it only if you got the file from a trusted source.")


class safe_globals:
    """Context manager that admits these globals in weights-only loading inside its block."""

    def __init__(self, safe_globals: list):
        self.safe_globals = list(safe_globals)
        self._added: list = []

    def __enter__(self):
        present = get_safe_globals()
        add_safe_globals(self.safe_globals)
        self._added = [g for g in self.safe_globals if g not in present]
        return self

    def __exit__(self, *exc) -> bool:
        _pickle_restricted.remove_safe_globals(self._added)
        return False


# -- saving -----------------------------------------------------------------------------
def _is_path(f) -> bool:
    return isinstance(f, (str, os.PathLike))


def save(obj, f, pickle_module=pickle, pickle_protocol: int = DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization: bool = True, _disable_byteorder_record: bool = False) -> None:
    """Save obj to a path (written atomically) or a binary file object, in PyTorch's checkpoint format."""
    def write(fh, archive_name: str) -> None:
        _write_checkpoint(obj, fh, archive_name, pickle_module, pickle_protocol, _use_new_zipfile_serialization,
                          not _disable_byteorder_record)

    if _is_path(f):
        path = os.fspath(f)
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        with _atomic_output(path) as fh:
            write(fh, os.path.splitext(os.path.basename(path))[0] or "archive")
    elif hasattr(f, "write"):
        write(f, "archive")
    else:
        raise AttributeError(f"expected 'f' to be string, path, or a file-like object with a 'write' attribute, "
                             f"got {type(f).__name__}")


def _write_checkpoint(obj, fh, archive_name, pickle_module, protocol, zip_format, byteorder_record) -> None:
    buf = io.BytesIO()
    pickler = _pickle_torch.pickler_class(pickle_module)(buf, protocol=protocol)
    pickler.legacy_ids = not zip_format
    pickler.dump(obj)
    storages = pickler.storages
    if not zip_format:
        _legacy_checkpoint.write(fh, buf.getvalue(),
                                 [(key, _downloader(s), dtype.itemsize) for key, s, dtype in storages], protocol)
        return
    writer = _zip_format.ZipWriter(fh, archive_name)
    try:
        writer.write_checkpoint(buf.getvalue(), [(key, _downloader(s)) for key, s, _ in storages], byteorder_record)
    except BaseException:
        writer.abandon()
        raise
    writer.close()


def _downloader(storage: Storage):
    """A callable giving the storage's bytes on the host, so only one storage is on the host at a time."""
    def download() -> np.ndarray:
        host = np.empty(storage.nbytes, dtype=np.uint8)
        if storage.nbytes:
            storage.runtime.download(storage.buffer, host)
        return host
    return download


def _atomic_output(path: str):
    """A binary file that replaces path only once fully written and synced; on error path is untouched."""
    directory = os.path.dirname(os.path.abspath(os.path.realpath(path) if os.path.islink(path) else path))
    if not os.path.isdir(directory):
        raise RuntimeError(f"Parent directory {directory} does not exist.")
    return atomic_open(path, "wb", durable=True, suffix=".tmp")


# -- where storages go ------------------------------------------------------------------------
class CheckpointStorage:
    """A storage about to be loaded, as a ``map_location`` callable sees it (PyTorch passes a cpu storage).

    Moving it (``cpu()``, ``cuda()``, ``to()``) only chooses the device that
    the data is uploaded to, once.
    """

    def __init__(self, dtype, numel: int, dev):
        self.dtype = dtype
        self._numel = numel
        self.device = canonical(dev)

    def size(self) -> int:
        """Number of elements."""
        return self._numel

    def nbytes(self) -> int:
        """Size in bytes."""
        return self._numel * self.dtype.itemsize

    def element_size(self) -> int:
        """Bytes per element."""
        return self.dtype.itemsize

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    def to(self, device=None, non_blocking: bool = False) -> CheckpointStorage:
        """This storage bound for another device."""
        return CheckpointStorage(self.dtype, self._numel, _device_for(str(device)) if device is not None
                                 else self.device)

    def cpu(self) -> CheckpointStorage:
        """This storage bound for the cpu device."""
        return self.to("cpu")

    def cuda(self, device=None, non_blocking: bool = False) -> CheckpointStorage:
        """This storage bound for an OpenCL GPU."""
        if device is None:
            device = "cuda"
        elif isinstance(device, int):
            device = f"cuda:{device}"
        return self.to(device)

    def __repr__(self) -> str:
        return f"CheckpointStorage(dtype={self.dtype}, size={self._numel}, device='{self.device}')"


def _device_for(location: str):
    """The cltorch device for a storage location string ('cpu', 'cuda:1', 'opencl:0:0')."""
    try:
        d = _device(location)
    except (RuntimeError, TypeError):
        raise RuntimeError(f"don't know how to restore data location of a storage tagged with {location!r}: "
                           "cltorch has 'cpu', 'cuda[:N]' and 'opencl:P:D' devices; pass map_location "
                           "(e.g. map_location='cpu')") from None
    if d.type == "cuda":
        from . import cuda
        count = cuda.device_count()
        if count == 0:
            raise RuntimeError("Attempting to deserialize object on a CUDA device but cltorch.cuda.is_available() "
                               "is False (no OpenCL GPU was found). If you are running on a CPU-only machine, please "
                               "use cltorch.load with map_location=cltorch.device('cpu') to map your storages to "
                               "the CPU.")
        index = current_gpu_index() if d.index is None else d.index
        if index >= count:
            raise RuntimeError(f"Attempting to deserialize object on CUDA device {index} but "
                               f"cltorch.cuda.device_count() is {count}. Please use cltorch.load with map_location "
                               "to map your storages to an existing device.")
    dev = canonical(d)
    runtime(dev)  # an absent OpenCL device raises here, listing the devices found
    return dev


class _Restorer:
    """Decides each storage's device from its saved location and map_location (None, str, device, dict, callable)."""

    def __init__(self, map_location):
        if isinstance(map_location, bytes):
            map_location = map_location.decode("ascii")
        if not (map_location is None or isinstance(map_location, (str, _device, dict)) or callable(map_location)):
            raise TypeError(f"map_location must be None, a str, a cltorch.device, a dict or a callable, "
                            f"got {type(map_location).__name__}")
        self._map = map_location

    def __call__(self, dtype, numel: int, location: str):
        m = self._map
        if m is None:
            return _device_for(location)
        if isinstance(m, dict):
            return _device_for(str(m.get(location, location)))
        if isinstance(m, (str, _device)):
            return _device_for(str(m))
        result = m(CheckpointStorage(dtype, numel, "cpu"), location)
        if result is None:
            return _device_for(location)
        if not isinstance(result, CheckpointStorage):
            raise TypeError(f"map_location callable must return the storage it was given (optionally moved with "
                            f".cpu()/.cuda()/.to()) or None, got {type(result).__name__}")
        return result.device


def _allocate(dtype, dev, numel: int) -> LoadedStorage:
    rt = runtime(dev)
    if dtype is _dtype.float64 and not rt.has_fp64:
        raise RuntimeError(f"cltorch.load: float64 is not supported on device '{dev}' ({rt.info.name}): it lacks "
                           "the cl_khr_fp64 extension. Load with map_location to another device.")
    return LoadedStorage(Storage(rt, numel * dtype.itemsize), dtype, dev, 0, numel)


def _fill(loaded: LoadedStorage, host: np.ndarray, big_endian: bool = False) -> None:
    """Upload the storage's bytes (one transfer per storage)."""
    if big_endian and loaded.dtype.itemsize > 1:
        host = host.view(loaded.dtype.np.newbyteorder(">")).astype(loaded.dtype.np).view(np.uint8)
    if host.nbytes:
        loaded.storage.runtime.upload(loaded.storage.buffer, host)


def _text(value) -> str:
    return value.decode("ascii") if isinstance(value, bytes) else value


def _storage_id(pid, fields: int):
    """(dtype, key, location, numel, rest) of a ('storage', type, key, location, numel, ...) persistent id."""
    if not isinstance(pid, tuple) or len(pid) != fields + 1 or _text(pid[0]) != "storage":
        raise pickle.UnpicklingError(f"cltorch.load: unknown persistent id {pid!r} (corrupt checkpoint?)")
    storage_type, key, location, numel = pid[1:5]
    if not isinstance(storage_type, StorageType):
        raise pickle.UnpicklingError(f"cltorch.load: {storage_type!r} is not a storage type")
    if storage_type.dtype is None:
        raise _pickle_torch.unsupported_dtype_error(storage_type.torch_dtype)
    if type(numel) is not int or numel < 0 or not isinstance(key, (str, bytes, int)):
        raise pickle.UnpicklingError(f"cltorch.load: bad storage record {pid!r} (corrupt checkpoint?)")
    return storage_type.dtype, str(_text(key)), str(_text(location)), numel, pid[5:]


def _as_dtype(loaded: LoadedStorage, dtype) -> LoadedStorage:
    """The same device memory seen with another element type (a storage saved under two dtypes)."""
    if dtype is loaded.dtype:
        return loaded
    nbytes = loaded.numel * loaded.dtype.itemsize
    return LoadedStorage(loaded.storage, dtype, loaded.device, 0, nbytes // dtype.itemsize)


# -- loading ------------------------------------------------------------------------------------
def _weights_only_default(weights_only):
    truthy = ("1", "y", "yes", "true")
    force_on = os.getenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "0").lower() in truthy
    force_off = os.getenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "0").lower() in truthy
    if force_on and force_off:
        raise RuntimeError("Only one of `TORCH_FORCE_WEIGHTS_ONLY_LOAD` or `TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD` "
                           "should be set, but both were set.")
    if force_on:
        return True
    if weights_only is None:
        return not force_off
    return bool(weights_only)


def _weights_only_message(detail: str) -> str:
    return ("Weights only load failed. This file can still be loaded, to do so you have two options, do those "
            "steps only if you trust the source of the checkpoint.\n\t(1) " + UNSAFE_MESSAGE +
            "\n\t(2) Alternatively, to load with `weights_only=True` please check the recommended steps in the "
            "following error message.\n\tWeightsUnpickler error: " + detail)


def _allowed_globals() -> dict:
    return {**_pickle_restricted.base_allowed_globals(), **_pickle_torch.TORCH_NAMES,
            **_pickle_restricted.user_allowed_globals()}


def _unpickle(fh, persistent_load, weights_only: bool, pickle_module, load_args: dict):
    if weights_only:
        unpickler = _pickle_restricted.RestrictedUnpickler(
            fh, _allowed_globals(), persistent_load, _pickle_torch.set_tensor_state,
            encoding=load_args.get("encoding", "utf-8"), errors=load_args.get("errors", "strict"),
            explain_unknown=_pickle_torch.check_known)
        try:
            return unpickler.load()
        except _pickle_restricted.WeightsOnlyError as exc:
            raise pickle.UnpicklingError(_weights_only_message(str(exc))) from None
    unpickler = _pickle_torch.unpickler_class(pickle_module)(fh, **load_args)
    unpickler.persistent_load = persistent_load
    try:
        return unpickler.load()
    except EOFError:
        raise pickle.UnpicklingError("cltorch.load: the pickled data is truncated") from None


@contextlib.contextmanager
def _open_for_read(f):
    """(binary file object, label for messages, path or None)."""
    if _is_path(f):
        path = os.fsdecode(os.fspath(f))
        with open(path, "rb") as fh:
            yield fh, path, path
        return
    if not hasattr(f, "read"):
        raise AttributeError(f"expected 'f' to be string, path, or a file-like object with a 'read' attribute, "
                             f"got {type(f).__name__}")
    label = str(getattr(f, "name", "the checkpoint"))
    try:
        seekable = f.seekable() if hasattr(f, "seekable") else hasattr(f, "seek")
    except (OSError, ValueError):
        seekable = False
    yield (f if seekable else io.BytesIO(f.read())), label, None


def load(f, map_location=None, pickle_module=None, *, weights_only: bool | None = None, mmap: bool | None = None,
         **pickle_load_args):
    """Load an object saved with cltorch.save or torch.save; tensors come back as cltorch tensors.

    weights_only (default True) admits only tensors, containers, dtypes and
    the globals allowed by add_safe_globals/safe_globals, and never calls
    anything else. mmap=True maps storage records from the file instead of
    reading them into memory first (paths to zip checkpoints only).
    """
    weights_only = _weights_only_default(weights_only)
    if weights_only:
        if pickle_module is not None:
            raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
        if set(pickle_load_args) - {"encoding", "errors"}:
            warnings.warn("pickle_load_args only works if `weights_only=False`.", stacklevel=2)
    elif pickle_module is None:
        pickle_module = pickle
    pickle_load_args.setdefault("encoding", "utf-8")
    restore = _Restorer(map_location)
    if mmap and not _is_path(f):
        raise ValueError("f must be a file path in order to use the mmap argument")
    with _open_for_read(f) as (fh, label, path):
        kind = _zip_format.sniff(fh)
        if kind == "zip":
            reader = _zip_format.ZipReader(fh, label, path, use_mmap=bool(mmap))
            try:
                return _load_zip(reader, restore, weights_only, pickle_module, pickle_load_args)
            finally:
                reader.close()
        if mmap:
            raise RuntimeError("mmap can only be used with files saved with "
                               "`cltorch.save(_use_new_zipfile_serialization=True)`, please save your checkpoint "
                               "with this option in order to use mmap.")
        if kind == "pickle":
            return _load_legacy(fh, restore, weights_only, pickle_module, pickle_load_args)
        problems = {
            "empty": "the file is empty",
            "bad-zip": "failed reading zip archive: failed finding central directory (the zip archive is "
                       "truncated or corrupt)",
            "tar": "this is PyTorch's legacy .tar checkpoint format (before 0.4), which cltorch cannot read; "
                   "load it with torch.load and save it again",
            "unknown": "Invalid magic number; corrupt file? (not a cltorch/PyTorch checkpoint)",
        }
        raise RuntimeError(f"cltorch.load: {label}: {problems[kind]}")


def _load_zip(reader, restore, weights_only: bool, pickle_module, load_args: dict):
    if reader.has("constants.pkl") or any(n.startswith("code/") for n in reader.names()):
        raise RuntimeError("cltorch.load: this is a TorchScript archive (torch.jit.save), which cltorch cannot "
                           "load; load it with torch.jit.load and save its state_dict() with torch.save")
    if not reader.has("data.pkl"):
        raise RuntimeError("cltorch.load: the archive has no data.pkl record; not a cltorch/PyTorch checkpoint")
    byteorder = reader.read("byteorder") if reader.has("byteorder") else b"little"
    if byteorder not in (b"little", b"big"):
        raise ValueError("Unknown endianness type: " + byteorder.decode("ascii", "replace"))
    loaded: dict = {}

    def persistent_load(pid):
        dtype, key, location, numel, _ = _storage_id(pid, 4)
        entry = loaded.get(key)
        if entry is None:
            entry = _allocate(dtype, restore(dtype, numel, location), numel)
            _fill(entry, reader.read_array(f"data/{key}", numel * dtype.itemsize), byteorder == b"big")
            loaded[key] = entry
        return _as_dtype(entry, dtype)

    return _unpickle(io.BytesIO(reader.read("data.pkl")), persistent_load, weights_only, pickle_module, load_args)


def _plain_load(fh):
    """One pickle of plain data (the legacy headers), through the restricted interpreter."""
    def no_pid(pid):
        raise pickle.UnpicklingError("unexpected persistent id in a checkpoint header")
    try:
        return _pickle_restricted.RestrictedUnpickler(fh, {}, no_pid, _pickle_torch.set_tensor_state).load()
    except pickle.UnpicklingError as exc:
        raise RuntimeError(f"cltorch.load: corrupt checkpoint ({exc})") from None


def _load_legacy(fh, restore, weights_only: bool, pickle_module, load_args: dict):
    _legacy_checkpoint.read_header(fh, _plain_load)
    loaded: dict = {}
    pending: dict = {}

    def persistent_load(pid):
        if isinstance(pid, tuple) and pid and _text(pid[0]) == "module" and not weights_only:
            return pid[1]  # a whole-module pickle's source record: the class itself
        dtype, key, location, numel, (view,) = _storage_id(pid, 5)
        entry = loaded.get(key)
        if entry is None:
            entry = loaded[key] = _allocate(dtype, restore(dtype, numel, location), numel)
            pending[key] = _legacy_filler(entry, pending, key)
        entry = _as_dtype(entry, dtype)
        if view is None:
            return entry
        if not isinstance(view, tuple) or len(view) != 3:
            raise RuntimeError(f"cltorch.load: bad storage view {view!r} (corrupt checkpoint?)")
        _, offset, size = view
        if type(offset) is not int or type(size) is not int or not 0 <= offset <= offset + size <= entry.numel:
            raise RuntimeError(f"cltorch.load: bad storage view {view!r} (corrupt checkpoint?)")
        return LoadedStorage(entry.storage, dtype, entry.device, offset, size)

    result = _unpickle(fh, persistent_load, weights_only, pickle_module, load_args)
    _legacy_checkpoint.read_storages(fh, _plain_load, pending)
    if any(callable(v) for v in pending.values()):
        raise RuntimeError("cltorch.load: the legacy checkpoint lacks data for some storages (truncated?)")
    return result


def _legacy_filler(entry: LoadedStorage, pending: dict, key: str):
    def fill(numel: int, read) -> None:
        if numel != entry.numel:
            raise RuntimeError(f"cltorch.load: storage {key!r} holds {numel} elements, expected {entry.numel} "
                               "(corrupt checkpoint?)")
        _fill(entry, read(numel * entry.dtype.itemsize))
        pending[key] = None
    return fill


_STRING_OPS = ("SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8")


def get_unsafe_globals_in_checkpoint(f) -> list:
    """The ``module.name`` globals of a zip checkpoint that weights-only loading would refuse."""
    with _open_for_read(f) as (fh, label, _):
        if _zip_format.sniff(fh) != "zip":
            raise ValueError(f"{label}: expected a zip checkpoint written by cltorch.save or torch.save")
        reader = _zip_format.ZipReader(fh, label)
        try:
            data = reader.read("data.pkl")
        finally:
            reader.close()
    allowed = _allowed_globals()
    found, strings, memo, previous = set(), [], {}, None
    for op, arg, _ in pickletools.genops(data):
        # STACK_GLOBAL names the two strings pushed last, which may come back from the memo
        if op.name in _STRING_OPS:
            strings.append(arg)
        elif op.name in ("MEMOIZE", "BINPUT", "LONG_BINPUT"):
            memo[len(memo) if op.name == "MEMOIZE" else arg] = strings[-1] if previous in _STRING_OPS else None
        elif op.name in ("BINGET", "LONG_BINGET") and memo.get(arg) is not None:
            strings.append(memo[arg])
        elif op.name == "GLOBAL":
            found.add(_pickle_restricted.compat_name(*arg.split(" ", 1)))
        elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
            found.add(_pickle_restricted.compat_name(strings[-2], strings[-1]))
        if op.name not in ("MEMOIZE", "BINPUT", "LONG_BINPUT"):
            previous = op.name
    return sorted(n for n in found if n not in allowed)
