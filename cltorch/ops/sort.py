"""Launchers for sort.cl: the bitonic row sort, binary searches in sorted rows
(searchsorted, sorted-index scatter reductions) and unique's run flags."""
from __future__ import annotations

import numpy as np

from ..backend import Storage
from .layout import contiguous_strides, kernel_scalar, plan

_I64, _I32 = np.int64, np.int32


def _buf(t):
    return t._storage.buffer


def sort_rows(keys, pos, n: int, descending: bool) -> None:
    """Sort every row of the dense [rows, P] keys (P a power of two, the first n real) in place.

    pos (dense int64 [rows, P]) receives each key's original position. Chunks
    of C keys are sorted by a bitonic network inside one work-item each. GPUs
    then run the rest of the network, O(P log^2 P) work per row, each step of
    distance >= C in its own launch; CPUs merge runs instead, log2(P / C)
    passes of O(P) work each (merge_runs)."""
    rows, P = keys._shape
    rt = keys._storage.runtime
    total = rows * P
    if total == 0:
        return
    tag = {"T": keys.dtype.tag}
    rt.launch(rt.kernel("sort.cl", "sort_init_positions", tag), total, _buf(pos), _I64(P), _I64(total))
    if P < 2:
        return
    lp = P.bit_length() - 1
    merge = rt.variant == "cpu"
    # Steps of distance below the chunk run inside one work-item per chunk (in cache).
    lc = min(lp, (5 if merge else 6))
    chunks = total >> lc
    chunk = rt.kernel("sort.cl", "bitonic_chunk", tag)
    common = (_buf(keys), _buf(pos), _I32(lp), _I64(n))
    dmask = (1 << lc) - 1 if merge else -1
    rt.launch(chunk, chunks, *common, _I32(lc), _I64(2), _I64(1 << lc), _I64(dmask), _I32(descending),
              _I64(chunks))
    if merge:
        _merge_passes(rt, keys, pos, total, n, 1 << lc, P, descending)
        return
    step = rt.kernel("sort.cl", "bitonic_step", tag)
    pairs = total // 2
    for lk in range(lc + 1, lp + 1):
        for lj in range(lk - 1, lc - 1, -1):
            rt.launch(step, pairs, *common, _I64(1 << lk), _I32(lj), _I32(descending), _I64(pairs))
        rt.launch(chunk, chunks, *common, _I32(lc), _I64(1 << lk), _I64(1 << lk), _I64(-1), _I32(descending),
                  _I64(chunks))


def _merge_passes(rt, keys, pos, total: int, n: int, run: int, P: int, descending: bool) -> None:
    """Merge sorted runs of length run up to P, ping-ponging through scratch buffers (CPU variant)."""
    if run >= P:
        return
    size = keys.dtype.itemsize
    scratch = (Storage(rt, total * size), Storage(rt, total * 8))
    src, dst = (_buf(keys), _buf(pos)), (scratch[0].buffer, scratch[1].buffer)
    k = rt.kernel("sort.cl", "merge_runs", {"T": keys.dtype.tag})
    while run < P:
        E = min(256, 2 * run)
        items = total // E
        rt.launch(k, items, *src, *dst, _I64(n), _I64(run), _I64(E), _I32(descending), _I64(items))
        src, dst = dst, src
        run *= 2
    if src[0] is not _buf(keys):
        rt.copy_buffer(_buf(keys), src[0], total * size)
        rt.copy_buffer(_buf(pos), src[1], total * 8)


def search_sorted(out, values, seq, sorter, m: int, s: int, right: bool) -> None:
    """out = insertion points of values in the rows of seq (pairs at out's shape; seq's last stride 0).

    sorter, when given, is laid out like seq and shares its row offsets."""
    rt = out._storage.runtime
    defines = {"T": seq[0].dtype.tag, "OUT": out.dtype.tag}
    ops = [(out._offset, out._stride), (values[0]._offset, values[1]), (seq[0]._offset, seq[1])]
    for strided, layout, count in plan(out._shape, ops):
        k = rt.kernel("sort.cl", "search_sorted", dict(defines, CLT_STRIDED=strided))
        rt.launch(k, count, _buf(out), _buf(values[0]), _buf(seq[0]), None if sorter is None else _buf(sorter),
                  _I32(sorter is not None), _I64(m), _I64(s), _I32(right), layout, _I64(count))


def scatter_reduce_sorted(out, src, keys, perm, coord_strides, K: int, ks: int, ss: int, ct, red: str,
                          alpha=1, include_self: bool = True) -> None:
    """Fold src into out (a view of self) at positions named by a sorted index.

    src and keys are (tensor, strides) pairs at out's shape (stride 0 along the
    scattered dimension); perm is laid out like keys; coord_strides has 1 along
    that dimension and 0 elsewhere."""
    rt = out._storage.runtime
    defines = {"OUT": out.dtype.tag, "A": src[0].dtype.tag, "T": keys[0].dtype.tag, "CT": ct.tag, "RED": red,
               "RED_IS_MEAN": red == "mean"}
    ops = [(out._offset, out._stride), (src[0]._offset, src[1]), (keys[0]._offset, keys[1]), (0, coord_strides)]
    a = kernel_scalar(ct, alpha)
    for strided, layout, count in plan(out._shape, ops):
        k = rt.kernel("sort.cl", "scatter_reduce_sorted", dict(defines, CLT_STRIDED=strided))
        rt.launch(k, count, _buf(out), _buf(src[0]), _buf(keys[0]), _buf(perm), _I64(K), _I64(ks), _I64(ss), a,
                  _I32(include_self), layout, _I64(count))


def flag_run_starts(pos, keys, n: int) -> None:
    """pos[i] = 1 where dense sorted keys start a new run of equal values."""
    rt = pos._storage.runtime
    k = rt.kernel("sort.cl", "flag_run_starts", {"T": keys.dtype.tag})
    rt.launch(k, n, _buf(pos), _buf(keys), _I64(n))


def flag_slice_starts(pos, data, perm, width: int, n: int) -> None:
    """pos[i] = 1 where slice perm[i] of dense data [n, width] differs from slice perm[i-1]."""
    rt = pos._storage.runtime
    k = rt.kernel("sort.cl", "flag_slice_starts", {"T": data.dtype.tag})
    rt.launch(k, n, _buf(pos), _buf(data), None if perm is None else _buf(perm), _I32(perm is not None),
              _I64(width), _I64(n))


def accumulate_runs(dst, rest_strides, rest_shape, vals, keys, perm, nb: int) -> None:
    """dst[base + keys[p]] += vals[perm[p]] for sorted element offsets keys (index_put_ with accumulate).

    vals is dense [nb, *rest_shape]; dst's rest dims have rest_strides."""
    rt = dst._storage.runtime
    defines = {"OUT": dst.dtype.tag, "A": vals.dtype.tag, "T": keys.dtype.tag, "CT": dst.dtype.tag,
               "ACCUMULATE_RUNS": True}
    shape = (nb,) + tuple(rest_shape)
    w = 1
    for s in rest_shape:
        w *= s
    ops = [(dst._offset, (0,) + tuple(rest_strides)), (0, (0,) + contiguous_strides(rest_shape)),
           (0, (1,) + (0,) * len(rest_shape))]
    for strided, layout, count in plan(shape, ops):
        k = rt.kernel("sort.cl", "accumulate_runs", dict(defines, CLT_STRIDED=strided))
        rt.launch(k, count, _buf(dst), _buf(vals), _buf(keys), _buf(perm), _I64(nb), _I64(w), layout, _I64(count))
