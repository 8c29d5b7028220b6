"""Printing tensors the way torch does: aligned columns, 4 decimals, summaries."""
from __future__ import annotations

import math

import numpy as np

from . import _dtype

PRECISION = 4
THRESHOLD = 1000
EDGEITEMS = 3
LINEWIDTH = 80
SCI_MODE = None  # None: choose per tensor as torch; True/False: force (set_printoptions)


class _Formatter:
    """Chooses one number format (int, fixed or scientific) and width for all shown values."""

    def __init__(self, values: np.ndarray, dt):
        self.floating = dt.is_floating_point
        self.int_mode = True
        self.sci = False
        if not self.floating:
            self.width = max((len(self._fmt(v)) for v in values.ravel()), default=1)
            return
        # as torch: mode and column width come from the nonzero finite values only
        self.width = 1
        nonzero = values[np.isfinite(values) & (values != 0)]
        if not nonzero.size:
            return
        mags = np.abs(nonzero).astype(np.float64)
        hi, lo = mags.max(), mags.min()
        self.int_mode = bool(np.all(np.ceil(nonzero) == nonzero))
        if self.int_mode:
            self.sci = hi / lo > 1000.0 or hi > 1e8
        else:
            self.sci = hi / lo > 1000.0 or hi > 1e8 or lo < 1e-4
        if SCI_MODE is not None:
            self.sci = SCI_MODE
        self.width = max(len(self._fmt(v)) for v in nonzero.ravel())

    def _fmt(self, v) -> str:
        if isinstance(v, (bool, np.bool_)):
            return str(bool(v))
        if not self.floating:
            return str(int(v))
        v = float(v)
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        if self.sci:
            return f"{v:.{PRECISION}e}"
        if self.int_mode:
            return f"{v:.0f}."
        return f"{v:.{PRECISION}f}"

    def __call__(self, v) -> str:
        return self._fmt(v).rjust(self.width)


def _summary_values(arr: np.ndarray, summarize: bool) -> np.ndarray:
    if not summarize or arr.ndim == 0:
        return arr.ravel()
    parts = []

    def walk(a):
        if a.ndim == 1:
            parts.append(a[:EDGEITEMS] if a.shape[0] > 2 * EDGEITEMS else a)
            if a.shape[0] > 2 * EDGEITEMS:
                parts.append(a[-EDGEITEMS:])
            return
        rows = list(range(a.shape[0]))
        if a.shape[0] > 2 * EDGEITEMS:
            rows = rows[:EDGEITEMS] + rows[-EDGEITEMS:]
        for r in rows:
            walk(a[r])

    walk(arr)
    return np.concatenate([p.ravel() for p in parts]) if parts else arr.ravel()


def _format_array(arr: np.ndarray, fmt: _Formatter, indent: int, summarize: bool) -> str:
    if arr.ndim == 0:
        return fmt(arr.item()).strip()
    if arr.ndim == 1:
        items = [fmt(v) for v in arr.tolist()] if not (summarize and arr.shape[0] > 2 * EDGEITEMS) else (
            [fmt(v) for v in arr[:EDGEITEMS].tolist()] + [" ..."] + [fmt(v) for v in arr[-EDGEITEMS:].tolist()])
        per_line = max(1, (LINEWIDTH - indent) // (fmt.width + 2))
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    rows = list(range(arr.shape[0]))
    skip = summarize and arr.shape[0] > 2 * EDGEITEMS
    if skip:
        rows = rows[:EDGEITEMS] + [None] + rows[-EDGEITEMS:]
    sep = "," + "\n" * (arr.ndim - 1) + " " * (indent + 1)
    parts = ["..." if r is None else _format_array(arr[r], fmt, indent + 1, summarize) for r in rows]
    return "[" + sep.join(parts) + "]"


def tensor_repr(t) -> str:
    """``tensor([...], device=..., dtype=..., requires_grad=...)`` like torch."""
    prefix = "tensor("
    suffixes = []
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")
    arr = t._download() if t.numel() else np.empty(t._shape, dtype=t.dtype.np)
    if t.numel() == 0:
        body = "[]"
        if t.dim() != 1:
            suffixes.append(f"size={tuple(t._shape)}")
        show_dtype = t.dtype is not _dtype.get_default_dtype()
    else:
        summarize = t.numel() > THRESHOLD
        values = _summary_values(arr, summarize)
        if t.dtype is _dtype.float16:
            values = values.astype(np.float32)
        fmt = _Formatter(values, t.dtype)
        body = _format_array(arr.astype(np.float32) if t.dtype is _dtype.float16 else arr, fmt, len(prefix), summarize)
        show_dtype = t.dtype not in (_dtype.get_default_dtype(), _dtype.int64, _dtype.bool_)
    if show_dtype:
        suffixes.append(f"dtype={t.dtype}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{type(t.grad_fn).__name__}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return prefix + body + "".join(", " + s for s in suffixes) + ")"
