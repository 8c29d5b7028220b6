"""Launchers for audio.cl: STFT padding, power spectra, overlap-add, resampling, lfilter, window sums.

Outputs are dense tensors allocated by the caller. ``x`` operands marked strided
are read in place through (offset, row stride, column stride) of a 2-D
(rows, length) view; every other operand must be dense at storage offset 0
(the front end hands over fresh or contiguous tensors).
"""
from __future__ import annotations

import numpy as np

from .layout import kernel_scalar, numel

_I64, _I32 = np.int64, np.int32
PAD_MODES = {"constant": 0, "reflect": 1, "replicate": 2, "circular": 3}


def _buf(t):
    return t._storage.buffer


def _kernel(t, name: str):
    return t._storage.runtime.kernel("audio.cl", name, {"T": t.dtype.tag})


def _dense0(*ts) -> None:
    for t in ts:
        if t._offset != 0:
            raise ValueError("audio launchers take dense operands at storage offset 0")


def _launch_over(t, name: str, *args, over=None) -> None:
    """Run audio.cl's kernel name, built for t's dtype, with a work-item per element of over (default t).

    The element count goes last; nothing runs when there are none."""
    n = numel((t if over is None else over)._shape)
    if n:
        t._storage.runtime.launch(_kernel(t, name), n, *args, _I64(n))


def _strided(x):
    """(offset, row stride, column stride) of a 2-D view."""
    return _I64(x._offset), _I64(x._stride[0]), _I64(x._stride[1])


def pad1d(out, x, left: int, mode: str) -> None:
    """out (rows, Lp) = x (rows, L, strided) padded along its last dim (left pad ``left``)."""
    _dense0(out)
    _launch_over(out, "pad1d", _buf(out), _buf(x), *_strided(x), _I64(x._shape[1]), _I64(out._shape[1]), _I64(left),
                 _I32(PAD_MODES[mode]))


def pad1d_backward(dx, g, left: int, mode: str) -> None:
    """dx (rows, L) = the adjoint of pad1d applied to g (rows, Lp), both dense."""
    _dense0(dx, g)
    _launch_over(dx, "pad1d_backward", _buf(dx), _buf(g), _I64(dx._shape[1]), _I64(g._shape[1]), _I64(left),
                 _I32(PAD_MODES[mode]))


def _pmode(power: float) -> int:
    return 2 if power == 2.0 else (1 if power == 1.0 else 0)


def spec_power(out, y, power: float) -> None:
    """out (M, F) = |X|^power of y (M, 2F) holding interleaved (re, im), both dense."""
    _dense0(out, y)
    F = out._shape[-1]
    _launch_over(out, "spec_power", _buf(out), _buf(y), _I64(F), _I32(_pmode(power)), kernel_scalar(out.dtype, power))


def spec_power_backward(gy, g, y, power: float) -> None:
    """gy (M, 2F) = the gradient of spec_power at y for the output gradient g (M, F)."""
    _dense0(gy, g, y)
    _launch_over(gy, "spec_power_backward", _buf(gy), _buf(g), _buf(y), _I64(g._shape[-1]), _I32(_pmode(power)),
                 kernel_scalar(gy.dtype, power), over=g)


def ola(out, frames, hop: int, start: int) -> None:
    """out (rows, Lout) = overlap-add of frames (rows, nf, N) hop apart, read from padded position start."""
    _dense0(out, frames)
    _, nf, N = frames._shape
    _launch_over(out, "ola", _buf(out), _buf(frames), _I64(nf), _I64(N), _I64(hop), _I64(start), _I64(out._shape[1]))


def ola_backward(gframes, g, hop: int, start: int) -> None:
    """gframes (rows, nf, N) = the adjoint of ola applied to g (rows, Lout)."""
    _dense0(gframes, g)
    _, nf, N = gframes._shape
    _launch_over(gframes, "ola_backward", _buf(gframes), _buf(g), _I64(nf), _I64(N), _I64(hop), _I64(start),
                 _I64(g._shape[1]))


def resample(out, x, kernel, orig: int, new: int, width: int) -> None:
    """out (rows, Lout) = x (rows, L, strided) through the polyphase filter bank kernel (new, klen)."""
    _dense0(out, kernel)
    _launch_over(out, "resample", _buf(out), _buf(x), _buf(kernel), *_strided(x), _I64(x._shape[1]), _I64(orig),
                 _I64(new), _I64(width), _I64(kernel._shape[-1]), _I64(out._shape[1]))


def resample_backward(dx, g, kernel, orig: int, new: int, width: int) -> None:
    """dx (rows, L) = the adjoint of resample applied to g (rows, Lout), both dense."""
    _dense0(dx, g, kernel)
    _launch_over(dx, "resample_backward", _buf(dx), _buf(g), _buf(kernel), _I64(dx._shape[1]), _I64(orig), _I64(new),
                 _I64(width), _I64(kernel._shape[-1]), _I64(g._shape[1]))


def lfilter(y, x, a, b, reverse: bool = False) -> None:
    """y (rows, L) dense = IIR filter of x (rows, L, strided); a, b dense (C, order) divided by a[:, 0].

    Row r uses filter r % C; reverse runs the recursion backwards in time (the adjoint)."""
    _dense0(y, a, b)
    rows, L = y._shape
    if rows == 0 or L == 0:
        return
    C, order = a._shape
    rt = y._storage.runtime
    rt.launch(_kernel(y, "lfilter"), rows, _buf(y), _buf(x), _buf(a), _buf(b), *_strided(x), _I64(rows), _I64(C),
              _I64(L), _I64(order), _I32(bool(reverse)))


def window_sum(out, x, lo, hi, block: int = 128) -> None:
    """out[r, t, f] = sum of x[r, lo[t]:hi[t], f] (x, out dense (rows, L, F); lo, hi int64 (L,) nondecreasing)."""
    _dense0(out, x, lo, hi)
    rows, L, F = x._shape
    if rows == 0 or L == 0 or F == 0:
        return
    n = rows * ((L + block - 1) // block) * F
    rt = out._storage.runtime
    rt.launch(_kernel(out, "window_sum"), n, _buf(out), _buf(x), _buf(lo), _buf(hi), _I64(rows), _I64(L), _I64(F),
              _I64(block), _I64(n))
