"""Launcher for the inclusive scans of scan.cl (cumsum, cumprod) along one dim."""
from __future__ import annotations

import math

import numpy as np

from ..backend import Storage
from .layout import MAXDIM, coalesce

_FIELDS = 3 * MAXDIM + 8
_MAX_CHUNKS = 1024


def fits(x, dim: int) -> bool:
    """Whether the dims other than dim coalesce into at most MAXDIM dims."""
    shape = [s for d, s in enumerate(x._shape) if d != dim]
    sizes, _ = coalesce(shape, [[st for d, st in enumerate(x._stride) if d != dim]])
    return len(sizes) <= MAXDIM


def _chunks(rt, nlines: int, length: int) -> int:
    cu = max(rt.info.compute_units, 1)
    target = cu * rt.work_group * (4 if rt.variant == "gpu" else 1)
    min_chunk = 256 if rt.variant == "gpu" else 4096
    if nlines >= target or length < 2 * min_chunk:
        return 1
    return max(1, min(math.ceil(target / nlines), length // min_chunk, _MAX_CHUNKS))


def scan(op: str, x, dim: int, out, ct) -> None:
    """out = inclusive scan (op SUM or PROD) of x along dim, computed in ct; out is dense."""
    n = math.prod(x._shape)
    if n == 0:
        return
    shape = x._shape or (1,)
    istrides = x._stride or (1,)
    ostrides = out._stride or (1,)
    other = [d for d in range(len(shape)) if d != dim]
    ks, (kst, ost) = coalesce([shape[d] for d in other], [[istrides[d] for d in other], [ostrides[d] for d in other]])
    if len(ks) > MAXDIM:
        raise ValueError("scan: too many non-mergeable dims; make the input contiguous first")
    length, nlines = shape[dim], n // shape[dim]
    rt = out._storage.runtime
    defines = {"A": x.dtype.tag, "CT": ct.tag, "OUT": out.dtype.tag, "SCAN_" + op: True}
    nchunks = _chunks(rt, nlines, length)
    chunk = math.ceil(length / nchunks)
    nchunks = math.ceil(length / chunk)
    buf = np.zeros(_FIELDS, dtype=np.int64)
    buf[:MAXDIM] = 1
    buf[:len(ks)] = ks
    buf[MAXDIM:MAXDIM + len(kst)] = kst
    buf[2 * MAXDIM:2 * MAXDIM + len(ost)] = ost
    buf[3 * MAXDIM:] = (len(ks), x._offset, length, istrides[dim], ostrides[dim], nlines, chunk, nchunks)
    a, o = x._storage.buffer, out._storage.buffer
    if nchunks == 1:
        rt.launch(rt.kernel("scan.cl", "scan_lines", defines), nlines, o, a, buf)
        return
    tot = Storage(rt, nlines * nchunks * 8)
    rt.launch(rt.kernel("scan.cl", "scan_totals", defines), nlines * nchunks, tot.buffer, a, buf)
    rt.launch(rt.kernel("scan.cl", "scan_carries", defines), nlines, tot.buffer, buf)
    rt.launch(rt.kernel("scan.cl", "scan_chunks", defines), nlines * nchunks, o, a, tot.buffer, buf)
