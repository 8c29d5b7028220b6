"""Differentiable wrappers of the audio.cl kernels (autograd.Function subclasses).

Each forward launches one kernel; each backward is the adjoint, itself a kernel
(or a few composed cltorch ops for the filter-coefficient gradients).
"""
from __future__ import annotations

import cltorch
from cltorch.autograd import Function
from cltorch.ops import audio as audio_ops


def dense(t):
    """t as a dense tensor at storage offset 0 (a copy only when needed)."""
    t = t.contiguous()
    return t if t.storage_offset() == 0 else t.clone()


def _empty(shape, like):
    return cltorch.empty(tuple(shape), dtype=like.dtype, device=like.device)


class Pad1d(Function):
    """Pad the last dim of a (rows, L) tensor: mode constant (zeros), reflect, replicate or circular."""

    @staticmethod
    def forward(ctx, x, left: int, right: int, mode: str):
        rows, length = x.shape
        out = _empty((rows, length + left + right), x)
        audio_ops.pad1d(out, x, left, mode)
        ctx.geom = (length, left, mode)
        return out

    @staticmethod
    def backward(ctx, g):
        length, left, mode = ctx.geom
        g = dense(g)
        dx = _empty((g.shape[0], length), g)
        audio_ops.pad1d_backward(dx, g, left, mode)
        return dx, None, None, None


class SpecPower(Function):
    """|X|^power of an (M, 2F) matrix of interleaved (re, im) pairs, as (M, F)."""

    @staticmethod
    def forward(ctx, y, power: float):
        y = dense(y)
        out = _empty((y.shape[0], y.shape[1] // 2), y)
        audio_ops.spec_power(out, y, power)
        ctx.save_for_backward(y)
        ctx.power = power
        return out

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        gy = _empty(y.shape, y)
        audio_ops.spec_power_backward(gy, dense(g), y, ctx.power)
        return gy, None


class OverlapAdd(Function):
    """Sum frames (rows, nf, N) placed hop apart; keep Lout samples from padded position start."""

    @staticmethod
    def forward(ctx, frames, hop: int, start: int, length: int):
        frames = dense(frames)
        out = _empty((frames.shape[0], length), frames)
        audio_ops.ola(out, frames, hop, start)
        ctx.geom = (frames.shape, hop, start)
        return out

    @staticmethod
    def backward(ctx, g):
        shape, hop, start = ctx.geom
        gf = _empty(shape, g)
        audio_ops.ola_backward(gf, dense(g), hop, start)
        return gf, None, None, None


class Resample(Function):
    """Polyphase windowed-sinc resampling of (rows, L) with a constant filter bank (new, klen)."""

    @staticmethod
    def forward(ctx, x, bank, orig: int, new: int, width: int, length: int):
        out = _empty((x.shape[0], length), x)
        audio_ops.resample(out, x, bank, orig, new, width)
        ctx.geom = (bank, orig, new, width, x.shape[1])
        return out

    @staticmethod
    def backward(ctx, g):
        bank, orig, new, width, in_len = ctx.geom
        g = dense(g)
        dx = _empty((g.shape[0], in_len), g)
        audio_ops.resample_backward(dx, g, bank, orig, new, width)
        return dx, None, None, None, None, None


def _identity_like(a):
    """Coefficients [1, 0, ..., 0] per filter, shaped like a (C, order)."""
    eye = cltorch.zeros(tuple(a.shape), dtype=a.dtype, device=a.device)
    eye[:, 0] = 1
    return eye


def _lagged_corr(u, v, order: int, channels: int):
    """c[ch, k] = sum over rows of channel ch and time of u[t] v[t - k], k < order (u, v (rows, L))."""
    length = u.shape[1]
    cols = []
    for k in range(order):
        if k >= length:
            cols.append(cltorch.zeros((channels,), dtype=u.dtype, device=u.device))
            continue
        prod = u[:, k:] * v[:, :length - k]
        cols.append(prod.reshape(-1, channels, length - k).sum(dim=(0, 2)))
    return cltorch.stack(cols, dim=1)


class LFilter(Function):
    """IIR filter of (rows, L) rows with normalized coefficients a, b (C, order); row r uses filter r % C."""

    @staticmethod
    def forward(ctx, x, a, b):
        a, b = dense(a), dense(b)
        y = _empty(x.shape, x)
        audio_ops.lfilter(y, x, a, b)
        ctx.save_for_backward(x, a, b, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, a, b, y = ctx.saved_tensors
        g = dense(g)
        need_x, need_a, need_b = ctx.needs_input_grad
        dx = da = db = None
        if need_x:
            # the adjoint of a causal LTI filter is the same filter run backwards in time
            dx = _empty(g.shape, g)
            audio_ops.lfilter(dx, g, a, b, reverse=True)
        if need_a or need_b:
            gu = _empty(g.shape, g)   # the gradient at the IIR input (after the FIR part)
            audio_ops.lfilter(gu, g, a, _identity_like(a), reverse=True)
            order, channels = a.shape[1], a.shape[0]
            if need_b:
                db = _lagged_corr(gu, x.contiguous(), order, channels)
            if need_a:
                da = -_lagged_corr(gu, y, order, channels)
        return dx, da, db


class WindowSum(Function):
    """out[r, t, f] = sum of x[r, lo[t]:hi[t], f]; the adjoint uses the transposed bounds (tlo, thi)."""

    @staticmethod
    def forward(ctx, x, bounds):
        x = dense(x)
        out = _empty(x.shape, x)
        audio_ops.window_sum(out, x, bounds[0], bounds[1])
        ctx.bounds = bounds
        return out

    @staticmethod
    def backward(ctx, g):
        g = dense(g)
        dx = _empty(g.shape, g)
        audio_ops.window_sum(dx, g, ctx.bounds[2], ctx.bounds[3])
        return dx, None
