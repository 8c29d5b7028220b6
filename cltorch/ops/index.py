"""Launchers for index.cl: advanced-index offsets, gather/scatter along one
dimension, masked fills and stream compaction (nonzero, masked_select, unique).

Operands are (tensor, strides) pairs whose strides view the tensor at the
launch shape (0 along broadcast or indexed dimensions). Kernels never touch
memory through a bad index: they set the runtime's error flag to ``code``;
reading it (``rt.take_error()``) is the caller's job. ``err`` picks another flag
buffer (the runtime's deferred_error_buffer for checks raised at the next sync).
"""
from __future__ import annotations

import math

import numpy as np

from ..backend import Storage
from .layout import contiguous_strides, kernel_scalar, numel, plan

_I64, _I32 = np.int64, np.int32


def _buf(t):
    return t._storage.buffer


def _ops(*pairs):
    return [(t._offset, st) for t, st in pairs]


def index_offsets(lin, idx, size: int, stride: int, first: bool, code: int) -> None:
    """lin (dense int64) (+)= wrap(idx) * stride; idx is a (tensor, strides) pair at lin's shape."""
    rt = lin._storage.runtime
    for strided, layout, count in plan(lin._shape, _ops((lin, lin._stride), idx)):
        k = rt.kernel("index.cl", "index_offsets", {"IDX": idx[0].dtype.tag, "CLT_STRIDED": strided})
        rt.launch(k, count, _buf(lin), _buf(idx[0]), _I64(size), _I64(stride), _I32(first), _I32(code),
                  rt.error_buffer, layout, _I64(count))


def check_index(idx, size: int, wrap: bool, code: int = 1, err=None) -> None:
    """Flag values of the index tensor outside [0, size) (negatives wrap when wrap)."""
    rt = idx._storage.runtime
    err = rt.error_buffer if err is None else err
    for strided, layout, count in plan(idx._shape, [(idx._offset, idx._stride)]):
        k = rt.kernel("index.cl", "index_check", {"IDX": idx.dtype.tag, "CLT_STRIDED": strided})
        rt.launch(k, count, _buf(idx), _I64(size), _I32(wrap), _I32(code), err, layout, _I64(count))


def _row_split(out, src_st, idx_st):
    """(rows, inner, idx row stride) when out is dense and each index value picks a dense
    row of src (trailing dims: src dense, index stride 0; leading: src stride 0), else None."""
    shape = out._shape
    if out._stride != contiguous_strides(shape):
        return None
    dense = contiguous_strides(shape)
    k = len(shape)
    while k > 0 and (shape[k - 1] == 1 or (idx_st[k - 1] == 0 and src_st[k - 1] == dense[k - 1])):
        k -= 1
    lead = [d for d in range(k) if shape[d] != 1]
    if not lead or any(src_st[d] != 0 for d in lead):
        return None
    q = idx_st[lead[-1]]
    lead_dense = contiguous_strides(shape[:k])
    if any(idx_st[d] != lead_dense[d] * q for d in lead):
        return None
    inner = numel(shape[k:])
    return numel(shape[:k]), inner, q


def gather_along(out, src, idx, size: int, stride: int, wrap: bool, code: int = 1, err=None) -> None:
    """out = src[base + idx * stride] over out's shape; size < 0 skips the range check."""
    rt = out._storage.runtime
    err = rt.error_buffer if err is None else err
    defines = {"OUT": out.dtype.tag, "A": src[0].dtype.tag, "IDX": idx[0].dtype.tag}
    rows = _row_split(out, src[1], idx[1]) if numel(out._shape) else None
    if rows is not None and rows[1] >= 8:
        nrows, inner, q = rows
        span = min(inner, 64) if rt.variant == "cpu" else 1
        n = nrows * ((inner + span - 1) // span)
        k = rt.kernel("index.cl", "gather_rows", defines)
        rt.launch(k, n, _buf(out), _I64(out._offset), _buf(src[0]), _I64(src[0]._offset), _buf(idx[0]),
                  _I64(idx[0]._offset), _I64(q), _I64(inner), _I64(span), _I64(size), _I64(stride), _I32(wrap),
                  _I32(code), err, _I64(n))
        return
    for strided, layout, count in plan(out._shape, _ops((out, out._stride), src, idx)):
        k = rt.kernel("index.cl", "gather_along", dict(defines, CLT_STRIDED=strided))
        rt.launch(k, count, _buf(out), _buf(src[0]), _buf(idx[0]), _I64(size), _I64(stride), _I32(wrap),
                  _I32(code), err, layout, _I64(count))


def scatter_along(dst, src, idx, shape, size: int, stride: int, wrap: bool, code: int = 1) -> None:
    """dst[base + idx * stride] = src over the launch shape (duplicates: one of the writes wins)."""
    t = dst[0]
    rt = t._storage.runtime
    defines = {"OUT": t.dtype.tag, "A": src[0].dtype.tag, "IDX": idx[0].dtype.tag}
    for strided, layout, count in plan(shape, _ops(dst, src, idx)):
        k = rt.kernel("index.cl", "scatter_along", dict(defines, CLT_STRIDED=strided))
        rt.launch(k, count, _buf(t), _buf(src[0]), _buf(idx[0]), _I64(size), _I64(stride), _I32(wrap),
                  _I32(code), rt.error_buffer, layout, _I64(count))


def scatter_fill_along(dst, idx, shape, value, size: int, stride: int, wrap: bool, code: int = 1) -> None:
    """dst[base + idx * stride] = value over the launch shape."""
    t = dst[0]
    rt = t._storage.runtime
    defines = {"OUT": t.dtype.tag, "IDX": idx[0].dtype.tag}
    v = kernel_scalar(t.dtype, value)
    for strided, layout, count in plan(shape, _ops(dst, idx)):
        k = rt.kernel("index.cl", "scatter_fill_along", dict(defines, CLT_STRIDED=strided))
        rt.launch(k, count, _buf(t), _buf(idx[0]), v, _I64(size), _I64(stride), _I32(wrap), _I32(code),
                  rt.error_buffer, layout, _I64(count))


def masked_fill(out, mask, value) -> None:
    """out[mask] = value in place; mask is a (tensor, strides) pair at out's shape."""
    rt = out._storage.runtime
    defines = {"OUT": out.dtype.tag, "M": mask[0].dtype.tag}
    v = kernel_scalar(out.dtype, value)
    for strided, layout, count in plan(out._shape, _ops((out, out._stride), mask)):
        k = rt.kernel("index.cl", "masked_fill", dict(defines, CLT_STRIDED=strided))
        rt.launch(k, count, _buf(out), _buf(mask[0]), v, layout, _I64(count))


def masked_copy(out, mask, src) -> None:
    """out[mask] = src[mask] in place; mask and src are (tensor, strides) pairs at out's shape."""
    rt = out._storage.runtime
    defines = {"OUT": out.dtype.tag, "M": mask[0].dtype.tag, "A": src[0].dtype.tag}
    for strided, layout, count in plan(out._shape, _ops((out, out._stride), mask, src)):
        k = rt.kernel("index.cl", "masked_copy", dict(defines, CLT_STRIDED=strided))
        rt.launch(k, count, _buf(out), _buf(mask[0]), _buf(src[0]), layout, _I64(count))


def _chunking(n: int, min_chunk: int = 64):
    chunk = max(min_chunk, math.isqrt(max(n, 1)) + 1)
    return chunk, (n + chunk - 1) // chunk


def minmax(idx) -> tuple:
    """(min, max) of a dense, non-empty integer tensor (reads two values back)."""
    rt = idx._storage.runtime
    n = numel(idx._shape)
    chunk, chunks = _chunking(n)
    part = Storage(rt, 16 * chunks)
    k = rt.kernel("index.cl", "index_minmax_chunks", {"IDX": idx.dtype.tag})
    rt.launch(k, chunks, part.buffer, _buf(idx), _I64(n), _I64(chunk), _I64(chunks))
    rt.launch_single(rt.kernel("index.cl", "index_minmax_final"), part.buffer, _I64(chunks))
    host = np.zeros(2, dtype=np.int64)
    rt.download(part.buffer, host)
    return int(host[0]), int(host[1])


def one_hot(out, idx, classes: int) -> None:
    """out (dense int64 [..., classes]) = one-hot rows of the dense idx."""
    rt = out._storage.runtime
    n = numel(out._shape)
    k = rt.kernel("index.cl", "one_hot", {"OUT": out.dtype.tag, "IDX": idx.dtype.tag})
    rt.launch(k, n, _buf(out), _buf(idx), _I64(classes), _I64(n))


# -- stream compaction -----------------------------------------------------------
class Scan:
    """Exclusive prefix sums of 0/1 flags held in a dense int64 tensor, in place.

    The chunk totals live in a small device buffer; ``total()`` reads the number
    of flagged elements back (the one readback of nonzero, masked_select, unique)."""

    def __init__(self, pos):
        self.pos = pos
        self.n = numel(pos._shape)
        rt = self.rt = pos._storage.runtime
        self.chunk, self.chunks = _chunking(self.n, 256 if rt.variant == "cpu" else 64)
        self.sums = Storage(rt, 8 * (self.chunks + 1))
        if self.n == 0:
            return
        args = (_buf(pos), _I64(self.n), _I64(self.chunk), _I64(self.chunks))
        rt.launch(rt.kernel("index.cl", "scan_chunk_sums"), self.chunks, self.sums.buffer, *args)
        rt.launch_single(rt.kernel("index.cl", "scan_chunk_totals"), self.sums.buffer, _I64(self.chunks))
        rt.launch(rt.kernel("index.cl", "scan_chunk_apply"), self.chunks, *args[:1], self.sums.buffer, *args[1:])

    def total(self) -> int:
        """How many elements were flagged (waits for the device)."""
        if self.n == 0:
            return 0
        host = np.zeros(1, dtype=np.int64)
        self.rt.download(self.sums.buffer, host, 8 * self.chunks)
        return int(host[0])


def flag_nonzero(pos, src, shape) -> Scan:
    """Flag the non-zero elements of src (a (tensor, strides) pair at shape) into dense pos, then scan."""
    rt = pos._storage.runtime
    dense = contiguous_strides(shape)
    for strided, layout, count in plan(shape, [(pos._offset, dense)] + _ops(src)):
        k = rt.kernel("index.cl", "flag_nonzero", {"A": src[0].dtype.tag, "CLT_STRIDED": strided})
        rt.launch(k, count, _buf(pos), _buf(src[0]), layout, _I64(count))
    return Scan(pos)


def compact_indices(flat, scan: Scan) -> None:
    """flat[k] = linear index of the k-th flagged element."""
    rt = scan.rt
    k = rt.kernel("index.cl", "compact_indices")
    rt.launch(k, scan.n, _buf(flat), _buf(scan.pos), scan.sums.buffer, _I64(scan.chunks), _I64(scan.n))


def unravel(out, flat, shape, count: int, transposed: bool = False) -> None:
    """Coordinates in shape of the count linear indices flat, into dense int64 out:
    [count, ndim], or [ndim, count] when transposed."""
    rt = out._storage.runtime
    ndim = len(shape)
    ps, ds = (1, count) if transposed else (ndim, 1)
    strides = contiguous_strides(shape)
    k = rt.kernel("index.cl", "unravel_column")
    for d in range(ndim):
        rt.launch(k, count, _buf(out), _buf(flat), _I64(ps), _I64(ds), _I64(d), _I64(max(strides[d], 1)),
                  _I64(max(shape[d], 1)), _I64(count))


def compact_values(out, src, shape, scan: Scan) -> None:
    """out[k] = the k-th flagged element of src (a (tensor, strides) pair at shape)."""
    rt = scan.rt
    defines = {"OUT": out.dtype.tag, "A": src[0].dtype.tag}
    ops = _ops(src) + [(scan.pos._offset, contiguous_strides(shape))]
    for strided, layout, count in plan(shape, ops):
        k = rt.kernel("index.cl", "compact_values", dict(defines, CLT_STRIDED=strided))
        rt.launch(k, count, _buf(out), _buf(src[0]), _buf(scan.pos), scan.sums.buffer, _I64(scan.chunks),
                  _I64(scan.n), layout, _I64(count))


def expand_values(dst, src, scan: Scan) -> None:
    """dst[i] = src[k] for the k-th flagged i (src dense); too short a src sets the error flag."""
    rt = scan.rt
    defines = {"OUT": dst.dtype.tag, "A": src.dtype.tag}
    ops = [(dst._offset, dst._stride), (scan.pos._offset, contiguous_strides(dst._shape))]
    for strided, layout, count in plan(dst._shape, ops):
        k = rt.kernel("index.cl", "expand_values", dict(defines, CLT_STRIDED=strided))
        rt.launch(k, count, _buf(dst), _buf(src), _buf(scan.pos), scan.sums.buffer, _I64(scan.chunks),
                  _I64(scan.n), _I64(numel(src._shape)), rt.error_buffer, layout, _I64(count))


def run_starts(starts, inverse, perm, scan: Scan) -> None:
    """starts[u] = first element of run u; inverse[perm[i]] = run of element i (either may be None)."""
    rt = scan.rt
    k = rt.kernel("index.cl", "run_starts_scatter")
    rt.launch(k, scan.n, _buf(starts), None if inverse is None else _buf(inverse),
              None if perm is None else _buf(perm), _buf(scan.pos), scan.sums.buffer, _I64(scan.chunks),
              _I32(inverse is not None), _I32(perm is not None), _I64(scan.n))


def run_lengths(counts, starts, runs: int, n: int) -> None:
    """counts[u] = length of run u from the run starts."""
    rt = counts._storage.runtime
    rt.launch(rt.kernel("index.cl", "run_lengths"), runs, _buf(counts), _buf(starts), _I64(runs), _I64(n))
