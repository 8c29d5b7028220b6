"""Launchers for shape.cl: triangle masks (tril/triu) over the last two dims."""
from __future__ import annotations

import numpy as np

from .layout import plan


def _geometry(t, diagonal):
    rows, cols = t._shape[-2], t._shape[-1]
    return np.int64(rows), np.int64(cols), np.int64(diagonal)


def triangle(out, src, upper: bool, diagonal: int) -> None:
    """out = src with the elements outside the lower (or upper) triangle set to zero; same dtype and shape."""
    rt = out._storage.runtime
    geom = _geometry(out, diagonal)
    # plan() keeps row-major order and never splits the last two dims across launches,
    # so each launch's linear index still yields the element's row and column.
    for strided, layout, count in plan(out._shape, [(out._offset, out._stride), (src._offset, src._stride)]):
        k = rt.kernel("shape.cl", "tri_copy", {"OUT": out.dtype.tag, "TRI_UPPER": upper, "CLT_STRIDED": strided})
        rt.launch(k, count, out._storage.buffer, src._storage.buffer, layout, *geom, np.int64(count))


def triangle_(t, upper: bool, diagonal: int) -> None:
    """Zero, in place, the elements of t outside the lower (or upper) triangle."""
    rt = t._storage.runtime
    geom = _geometry(t, diagonal)
    for strided, layout, count in plan(t._shape, [(t._offset, t._stride)]):
        k = rt.kernel("shape.cl", "tri_zero", {"OUT": t.dtype.tag, "TRI_UPPER": upper, "CLT_STRIDED": strided})
        rt.launch(k, count, t._storage.buffer, layout, *geom, np.int64(count))
