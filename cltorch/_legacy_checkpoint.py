"""PyTorch's pre-1.6 checkpoint stream: pickles for a magic number, protocol and system info,
the object pickle, the storage keys, then each storage as an int64 element count and raw bytes.
"""
from __future__ import annotations

import pickle
import struct
import sys

import numpy as np

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001
_SYS_INFO = {"protocol_version": PROTOCOL_VERSION, "little_endian": sys.byteorder == "little",
             "type_sizes": {"short": 2, "int": 4, "long": 4}}


def write(fh, pickled: bytes, storages, protocol: int) -> None:
    """Write the stream; storages are (key, host uint8 array, itemsize)."""
    for header in (MAGIC_NUMBER, PROTOCOL_VERSION, _SYS_INFO):
        pickle.dump(header, fh, protocol=protocol)
    fh.write(pickled)
    pickle.dump([key for key, _, _ in storages], fh, protocol=protocol)
    for _, host, itemsize in storages:
        data = host() if callable(host) else host
        fh.write(struct.pack("<q", data.nbytes // itemsize))
        fh.write(memoryview(data).cast("B"))


def read_header(fh, load_plain) -> None:
    """Check the three header pickles; load_plain loads one pickle of plain data."""
    try:
        magic = load_plain(fh)
    except pickle.UnpicklingError as exc:
        raise RuntimeError(f"Invalid magic number; corrupt file? (not a cltorch/PyTorch checkpoint: {exc})") from None
    if magic != MAGIC_NUMBER:
        raise RuntimeError("Invalid magic number; corrupt file? (not a cltorch/PyTorch checkpoint)")
    protocol = load_plain(fh)
    if protocol != PROTOCOL_VERSION:
        raise RuntimeError(f"Invalid protocol version: {protocol}")
    info = load_plain(fh)
    if not isinstance(info, dict) or not info.get("little_endian", True):
        raise RuntimeError("cltorch.load: big-endian legacy checkpoints are not supported")


def read_storages(fh, load_plain, pending: dict) -> None:
    """Read the storage data after the object pickle and hand each block to pending[key](host array)."""
    keys = load_plain(fh)
    if not isinstance(keys, list):
        raise RuntimeError("cltorch.load: corrupt legacy checkpoint (bad storage key list)")
    for key in keys:
        fill = pending.get(key)
        if fill is None:
            raise RuntimeError(f"cltorch.load: corrupt legacy checkpoint (unknown storage key {key!r})")
        count = fh.read(8)
        if len(count) != 8:
            raise RuntimeError("cltorch.load: the legacy checkpoint is truncated")
        numel = struct.unpack("<q", count)[0]
        fill(numel, lambda nbytes: _read_exact(fh, nbytes))


def _read_exact(fh, nbytes: int) -> np.ndarray:
    buf = bytearray(nbytes)
    view = memoryview(buf)
    got = 0
    while got < nbytes:
        n = fh.readinto(view[got:]) if hasattr(fh, "readinto") else _copy_into(fh, view[got:])
        if not n:
            raise RuntimeError("cltorch.load: the legacy checkpoint is truncated")
        got += n
    return np.frombuffer(buf, dtype=np.uint8)


def _copy_into(fh, view) -> int:
    data = fh.read(len(view))
    view[:len(data)] = data
    return len(data)

