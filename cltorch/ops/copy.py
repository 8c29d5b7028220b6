"""Strided copies with dtype conversion on one device."""
from __future__ import annotations

import numpy as np

from .layout import is_dense, numel, plan


def copy_into(dst, src, src_strides=None) -> None:
    """dst[...] = src[...] converted to dst.dtype; src_strides lets src be broadcast to dst's shape."""
    n = numel(dst._shape)
    if n == 0:
        return
    rt = dst._storage.runtime
    strides = src._stride if src_strides is None else src_strides
    if (dst.dtype is src.dtype and src_strides is None and is_dense(dst) and is_dense(src)):
        size = dst.dtype.itemsize
        rt.copy_buffer(dst._storage.buffer, src._storage.buffer, n * size,
                       dst_offset=dst._offset * size, src_offset=src._offset * size)
        return
    for strided, layout, count in plan(dst._shape, [(dst._offset, dst._stride), (src._offset, strides)]):
        k = rt.kernel("copy.cl", "copy_cast", {"OUT": dst.dtype.tag, "A": src.dtype.tag, "CLT_STRIDED": strided})
        rt.launch(k, count, dst._storage.buffer, src._storage.buffer, layout, np.int64(count))
