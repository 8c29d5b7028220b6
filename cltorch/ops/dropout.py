"""Launcher for the fused dropout kernel of dropout.cl (mask drawn with Philox, applied in one pass)."""
from __future__ import annotations

import numpy as np

from .layout import kernel_scalar


def blocks_needed(nmask: int) -> int:
    """Philox counters one dropout call consumes (the generator advances by this)."""
    return (nmask + 3) // 4


def dropout(out, x, seed: int, base: int, keep_p: float, scale: float, shift_keep: float, shift_drop: float,
            nmask: int, inner: int) -> None:
    """out = x * (keep ? scale : 0) + (keep ? shift_keep : shift_drop) for dense out and x of nmask * inner items."""
    if nmask * inner == 0:
        return
    rt = x._storage.runtime
    affine = [kernel_scalar(x.dtype, v) for v in (scale, shift_keep, shift_drop)]
    k = rt.kernel("dropout.cl", "dropout", {"T": x.dtype.tag})
    rt.launch(k, blocks_needed(nmask) * inner, out._storage.buffer, np.int64(out._offset), x._storage.buffer,
              np.int64(x._offset), np.uint64(seed), np.uint64(base), np.float32(keep_p), *affine, np.int64(nmask),
              np.int64(inner))
