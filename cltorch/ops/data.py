"""Launcher for data.cl: gather the rows of up to four tensors by one index vector in one kernel."""
from __future__ import annotations

import numpy as np

from .layout import contiguous_strides, numel

_I64 = np.int64


def _row_layout(t):
    """(row bytes, offset bytes, row stride bytes) when each row of t is dense, else None."""
    if t.dim() == 0:
        return None
    inner = t._shape[1:]
    if t._stride[1:] != contiguous_strides(inner) and numel(inner) > 1:
        return None
    size = t.dtype.itemsize
    return numel(inner) * size, t._offset * size, t._stride[0] * size


def gather_rows(outs, srcs, idx) -> bool:
    """outs[j][r] = srcs[j][idx[r]] for dense outs (B, ...) and int64 idx; False when a layout does not fit."""
    if not 1 <= len(srcs) <= 4 or idx.dtype.tag != "i64" or idx._stride[0] != 1:
        return False
    layouts = [_row_layout(s) for s in srcs]
    if any(lay is None for lay in layouts):
        return False
    word = 4 if all(v % 4 == 0 for lay in layouts for v in lay) else 1
    rt = outs[0]._storage.runtime
    B = idx._shape[0]
    args, total = [], 0
    for out, src, (row, off, stride) in zip(outs, srcs, layouts):
        w = row // word
        total += B * w
        if w == 0:
            out, src = outs[0], srcs[0]
        args += [out._storage.buffer, src._storage.buffer, _I64(off // word), _I64(stride // word), _I64(w)]
    for _ in range(4 - len(srcs)):
        args += [outs[0]._storage.buffer, srcs[0]._storage.buffer, _I64(0), _I64(0), _I64(0)]
    if total == 0:
        return True
    k = rt.kernel("data.cl", "gather_rows4", {"WORD": "uint" if word == 4 else "uchar"})
    rt.launch(k, total, idx._storage.buffer, _I64(idx._offset), _I64(B), *args, _I64(total))
    return True
