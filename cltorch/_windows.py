"""Window functions with torch's formulas (periodic by default), for ``window_fn`` arguments.

``cltorch.hann_window`` and friends, also the defaults of cltorch.audio's
transforms. A window is a constant: its values are prepared on the host once and
uploaded, like a filter bank.
"""
from __future__ import annotations

import numpy as np

from . import _dtype
from ._creation import tensor


def _finish(values: np.ndarray, dtype, device, requires_grad: bool):
    dt = dtype if dtype is not None else _dtype.get_default_dtype()
    out = tensor(values.astype(dt.np), dtype=dt, device=device)
    return out.requires_grad_(True) if requires_grad else out


def _window(window_length: int, periodic: bool, formula) -> np.ndarray:
    """formula(n, N) for n = 0 .. window_length - 1, N = window_length if periodic else window_length - 1.

    Lengths 0 and 1 give ones; a negative length is torch's RuntimeError."""
    if window_length < 0:
        raise RuntimeError(f"window_length must be non-negative, got {window_length}")
    if window_length <= 1:
        return np.ones(window_length)
    return formula(np.arange(window_length), window_length if periodic else window_length - 1)


def _cosine_sum(window_length: int, periodic: bool, coeffs) -> np.ndarray:
    def formula(n, denom):
        phase = 2.0 * np.pi * n / denom
        return sum(c * np.cos(k * phase) for k, c in enumerate(coeffs))
    return _window(window_length, periodic, formula)


def hann_window(window_length: int, periodic: bool = True, *, dtype=None, device=None, requires_grad=False):
    """0.5 - 0.5 cos(2 pi n / N): torch.hann_window."""
    return _finish(_cosine_sum(window_length, periodic, (0.5, -0.5)), dtype, device, requires_grad)


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54, beta: float = 0.46, *,
                   dtype=None, device=None, requires_grad=False):
    """alpha - beta cos(2 pi n / N): torch.hamming_window."""
    return _finish(_cosine_sum(window_length, periodic, (alpha, -beta)), dtype, device, requires_grad)


def blackman_window(window_length: int, periodic: bool = True, *, dtype=None, device=None, requires_grad=False):
    """0.42 - 0.5 cos(2 pi n / N) + 0.08 cos(4 pi n / N): torch.blackman_window."""
    return _finish(_cosine_sum(window_length, periodic, (0.42, -0.5, 0.08)), dtype, device, requires_grad)


def bartlett_window(window_length: int, periodic: bool = True, *, dtype=None, device=None, requires_grad=False):
    """The triangle 1 - |2n / N - 1|: torch.bartlett_window."""
    values = _window(window_length, periodic, lambda n, denom: 1.0 - np.abs(2.0 * n / denom - 1.0))
    return _finish(values, dtype, device, requires_grad)


def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *, dtype=None, device=None,
                  requires_grad=False):
    """I0(beta sqrt(1 - (2n / N - 1)^2)) / I0(beta): torch.kaiser_window."""
    def formula(n, denom):
        ratio = np.clip(1.0 - (2.0 * n / denom - 1.0) ** 2, 0.0, None)
        return np.i0(beta * np.sqrt(ratio)) / np.i0(beta)
    return _finish(_window(window_length, periodic, formula), dtype, device, requires_grad)


__all__ = ["hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"]
