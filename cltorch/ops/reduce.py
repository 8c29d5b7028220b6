"""Launcher for the reduction kernels of reduce.cl.

The input is described by two groups of dimensions: kept dims (which output
element) and reduced dims (which input elements feed it). Each group is
coalesced separately, so any strides (transposed, sliced, expanded) reduce
without a copy. Long reductions are cut into chunks reduced in parallel and
combined in a second small pass.
"""
from __future__ import annotations

import math

import numpy as np

from ..backend import Storage
from .layout import MAXDIM, coalesce

# Reductions whose result does not depend on the order of the reduced elements.
ORDER_FREE = {"SUM", "PROD", "MAX", "MIN", "ALL", "ANY", "LSE", "VAR"}
_STATE_BYTES = 32  # upper bound of sizeof(state_t), checked in reduce.cl
_FIELDS = 4 * MAXDIM + 8
_MAX_CHUNKS = 1024


def split_dims(shape, strides, dims, order_free: bool):
    """(kept sizes, kept strides, reduced sizes, reduced strides), each group coalesced.

    Kept dims keep their order (outputs are row-major); reduced dims of an
    order-free reduction are sorted so the smallest stride runs innermost.
    """
    kept = [d for d in range(len(shape)) if d not in dims]
    red = list(dims)
    if order_free:
        red.sort(key=lambda d: -abs(strides[d]))
    ksizes, kstrides = coalesce([shape[d] for d in kept], [[strides[d] for d in kept]])
    rsizes, rstrides = coalesce([shape[d] for d in red], [[strides[d] for d in red]])
    return ksizes, kstrides[0], rsizes, rstrides[0]


def fits(shape, strides, dims, order_free: bool) -> bool:
    """Whether both dim groups coalesce into at most MAXDIM dims each."""
    ks, _, rs, _ = split_dims(shape, strides, dims, order_free)
    return len(ks) <= MAXDIM and len(rs) <= MAXDIM


def _pack(ks, kst, rs, rst, offset, nout, nred, chunk, nchunks, ngroups) -> np.ndarray:
    buf = np.zeros(_FIELDS, dtype=np.int64)
    buf[0:MAXDIM] = 1
    buf[2 * MAXDIM:3 * MAXDIM] = 1
    buf[0:len(ks)] = ks
    buf[MAXDIM:MAXDIM + len(kst)] = kst
    buf[2 * MAXDIM:2 * MAXDIM + len(rs)] = rs
    buf[3 * MAXDIM:3 * MAXDIM + len(rst)] = rst
    buf[4 * MAXDIM:] = (len(ks), len(rs), offset, nout, nred, chunk, nchunks, ngroups)
    return buf


def _plan_gpu(rt, nout: int, nred: int, rows_dense: bool):
    """(split, nchunks) on a GPU: split means a work-group per (output, chunk), lanes coalesced.

    One work-item per output is used when neighbouring outputs are neighbours
    in memory (their reads coalesce) and there are enough of them, or when the
    reductions are too short for a work-group.
    """
    cu, wg = max(rt.info.compute_units, 1), rt.work_group
    if nred < wg or (not rows_dense and nout >= cu * wg):
        return False, 1
    want = math.ceil(cu * 16 / nout)
    return True, max(1, min(want, nred // (4 * wg), _MAX_CHUNKS))


def _chunks_cpu(rt, nitems: int, nred: int, width: int) -> int:
    """How many contiguous chunks each reduction is cut into on a CPU (1: a single pass).

    nitems work-items (outputs or column groups) each read width elements per
    reduced index; chunks are added until the device has enough work-items.
    """
    cu = max(rt.info.compute_units, 1)
    min_elems = 8192
    target = cu * 4 * rt.work_group
    if nitems >= target or nred * width < 2 * min_elems:
        return 1
    return max(1, min(math.ceil(target / nitems), nred * width // min_elems, _MAX_CHUNKS))


def reduce(red: str, x, dims, out, ct, *, out2=None, aux=None, pre=None, post=None, param=0.0) -> None:
    """Reduce x over dims into the dense tensor out (kept dims row-major).

    red: SUM PROD MAX MIN ARGMAX ARGMIN ALL ANY LSE VAR; pre: ABS SQ POW NZ;
    post: MEAN SQRT ROOT. out2 receives int64 indices (ARGMAX/ARGMIN), aux holds
    one shift per output (VAR's means, in the accumulation dtype).
    """
    rt = out._storage.runtime
    key = (rt, red, x.dtype, ct, out.dtype, x._shape, x._stride, x._offset, tuple(dims), pre, post)
    try:
        plan = _plans.get(key)
    except TypeError:  # shape or strides given as lists: plan without memoising
        key = plan = None
    if plan is None:
        plan = _plan(rt, red, x, dims, out, ct, pre, post)
        if key is not None:
            if len(_plans) >= _PLAN_LIMIT:
                _plans.clear()
            _plans[key] = plan
    if plan is None:
        return
    full, partial, combine, layout, ngroups, nchunks, lanes, nout = plan
    pval = np.float64(param) if ct.tag == "f64" else np.float32(param)
    dummy = out._storage.buffer
    a_buf = x._storage.buffer if x._storage.buffer is not None else dummy
    aux_buf = aux._storage.buffer if aux is not None else dummy
    out2_buf = out2._storage.buffer if out2 is not None else dummy
    if full is not None:
        rt.launch(full, ngroups, out._storage.buffer, out2_buf, a_buf, aux_buf, layout, pval)
        return
    part = Storage(rt, nout * nchunks * _STATE_BYTES)
    rt.launch(partial, ngroups * nchunks * lanes, part.buffer, a_buf, aux_buf, layout, pval)
    rt.launch(combine, nout, out._storage.buffer, out2_buf, part.buffer, layout, pval)


_PLAN_LIMIT = 2048
_plans: dict = {}  # (device, op, dtypes, x's layout, dims) -> kernels, packed layout and launch sizes


def _plan(rt, red, x, dims, out, ct, pre, post):
    """(full kernel or None, partial, combine, layout, ngroups, nchunks, lanes, nout), or None (no output)."""
    shape, strides, dims = x._shape, x._stride, tuple(dims)
    if not shape:
        shape, strides, dims = (1,), (1,), (0,)
    ks, kst, rs, rst = split_dims(shape, strides, dims, red in ORDER_FREE)
    if len(ks) > MAXDIM or len(rs) > MAXDIM:
        raise ValueError("reduce: too many non-mergeable dims; make the input contiguous first")
    nout, nred = math.prod(ks), math.prod(rs)
    if nout == 0:
        return None
    if not rs:
        rs, rst = [1], [0]
    defines = {"A": x.dtype.tag, "CT": ct.tag, "OUT": out.dtype.tag, "RED_" + red: True}
    if pre:
        defines["PRE_" + pre] = True
    if post:
        defines["POST_" + post] = True
    if rt.variant == "gpu":
        defines["RED_WG"] = rt.work_group
    ngroups, width = nout, 1
    if rt.variant == "gpu":
        split, nchunks = _plan_gpu(rt, nout, nred, not ks or abs(rst[-1]) <= abs(kst[-1]))
    else:
        if ks and ks[-1] >= 4 and abs(kst[-1]) < abs(rst[-1]):
            cols = 64 if ks[-1] >= 64 else 16
            defines["COLS"] = cols
            ngroups, width = nout // ks[-1] * math.ceil(ks[-1] / cols), cols
        nchunks = _chunks_cpu(rt, ngroups, nred, width) if nred else 1
        split = nchunks > 1
    chunk = math.ceil(nred / nchunks) if nred else 0
    nchunks = math.ceil(nred / chunk) if nred else 1
    layout = _pack(ks, kst, rs, rst, x._offset, nout, nred, chunk, nchunks, ngroups)
    if not split:
        return rt.kernel("reduce.cl", "reduce_full", defines), None, None, layout, ngroups, nchunks, 1, nout
    lanes = rt.work_group if rt.variant == "gpu" else 1  # GPUs: a work-group per chunk
    return (None, rt.kernel("reduce.cl", "reduce_partial", defines), rt.kernel("reduce.cl", "reduce_combine", defines),
            layout, ngroups, nchunks, lanes, nout)
