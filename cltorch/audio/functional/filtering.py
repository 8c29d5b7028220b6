"""torchaudio.functional's filters and effects: lfilter, biquads, gain and dither on the device.

lfilter runs one work-item per (batch x channel) row, sequential in time (the
nature of an IIR recursion); its gradient is the same filter run backwards in
time. Biquad designs follow torchaudio's (SoX / Audio EQ Cookbook) formulas,
evaluated in the waveform's dtype: with NumPy scalars of that dtype when the
parameters are numbers, with cltorch ops when any is a tensor (so gradients
reach it).
"""
from __future__ import annotations

import math

import numpy as np

import cltorch

from .. import _autograd

Tensor = cltorch.Tensor


def lfilter(waveform: Tensor, a_coeffs: Tensor, b_coeffs: Tensor, clamp: bool = True,
            batching: bool = True) -> Tensor:
    """IIR filter a[0] y[t] = sum_k b[k] x[t-k] - sum_{k>=1} a[k] y[t-k] along the last dim (zero initial state)."""
    if tuple(a_coeffs.shape) != tuple(b_coeffs.shape):
        raise ValueError("Expected coeffs to be the same size."
                         f"Found: a_coeffs size: {a_coeffs.size()}, b_coeffs size: {b_coeffs.size()}")
    if a_coeffs.dim() > 2:
        raise ValueError(f"Expected coeffs to have greater than 1 dimension. Found: {a_coeffs.dim()}")
    if a_coeffs.dim() > 1:
        if batching:
            if waveform.dim() <= 0:
                raise ValueError(f"Expected waveform to have a positive number of dimensions.Found: {waveform.dim()}")
            if waveform.dim() < 2 or waveform.shape[-2] != a_coeffs.shape[0]:
                got = waveform.shape[-2] if waveform.dim() >= 2 else None
                raise ValueError("Expected number of batches in waveform and coeffs to be the same."
                                 f"Found: coeffs batches: {a_coeffs.shape[0]}, waveform batches: {got}")
        else:
            waveform = cltorch.stack([waveform] * a_coeffs.shape[0], -2)
    else:
        a_coeffs, b_coeffs = a_coeffs.unsqueeze(0), b_coeffs.unsqueeze(0)
    dt, dev = waveform.dtype, waveform.device
    a_coeffs = a_coeffs.to(device=dev, dtype=dt)
    b_coeffs = b_coeffs.to(device=dev, dtype=dt)
    shape = tuple(waveform.shape)
    rows = waveform.reshape(-1, shape[-1])
    a0 = a_coeffs[:, 0:1]
    out = _autograd.LFilter.apply(rows, a_coeffs / a0, b_coeffs / a0)
    if clamp:
        out = cltorch.clamp(out, min=-1.0, max=1.0)
    return out.reshape(shape)


def _is_tensor(v) -> bool:
    return isinstance(v, Tensor)


class _Math:
    """sin/cos/sqrt/exp and constants in the waveform's dtype: NumPy scalars, or cltorch ops for tensors."""

    def __init__(self, waveform, *params):
        self.tensors = any(_is_tensor(p) for p in params)
        self.dtype, self.device = waveform.dtype, waveform.device
        lib = cltorch if self.tensors else np
        self.sin, self.cos, self.sqrt, self.exp = lib.sin, lib.cos, lib.sqrt, lib.exp

    def __call__(self, value):
        if self.tensors:
            return cltorch.as_tensor(value, dtype=self.dtype, device=self.device)
        return self.dtype.np.type(value)


def biquad(waveform: Tensor, b0, b1, b2, a0, a1, a2) -> Tensor:
    """Second-order IIR filter with coefficients b0..b2 (numerator) and a0..a2 (denominator)."""
    coeffs = (b0, b1, b2, a0, a1, a2)
    dt, dev = waveform.dtype, waveform.device
    if any(_is_tensor(c) for c in coeffs):
        parts = [cltorch.as_tensor(c, dtype=dt, device=dev).reshape(1) for c in coeffs]
        b, a = cltorch.cat(parts[:3]), cltorch.cat(parts[3:])
    else:
        host = np.asarray([float(c) for c in coeffs], dtype=dt.np)
        b = cltorch.tensor(host[:3], dtype=dt, device=dev)
        a = cltorch.tensor(host[3:], dtype=dt, device=dev)
    return lfilter(waveform, a, b)


def _w0_alpha(m: _Math, sample_rate, freq, Q):
    w0 = m(freq) * (2 * math.pi) / sample_rate
    return w0, m.sin(w0) / 2 / m(Q)


def lowpass_biquad(waveform: Tensor, sample_rate: int, cutoff_freq, Q=0.707) -> Tensor:
    """Two-pole low-pass filter (Audio EQ Cookbook LPF)."""
    m = _Math(waveform, cutoff_freq, Q)
    w0, alpha = _w0_alpha(m, sample_rate, cutoff_freq, Q)
    cos = m.cos(w0)
    b0 = (1 - cos) / 2
    return biquad(waveform, b0, 1 - cos, b0, 1 + alpha, -2 * cos, 1 - alpha)


def highpass_biquad(waveform: Tensor, sample_rate: int, cutoff_freq, Q=0.707) -> Tensor:
    """Two-pole high-pass filter (Audio EQ Cookbook HPF)."""
    m = _Math(waveform, cutoff_freq, Q)
    w0, alpha = _w0_alpha(m, sample_rate, cutoff_freq, Q)
    cos = m.cos(w0)
    b0 = (1 + cos) / 2
    return biquad(waveform, b0, -1 - cos, b0, 1 + alpha, -2 * cos, 1 - alpha)


def bandpass_biquad(waveform: Tensor, sample_rate: int, central_freq, Q=0.707,
                    const_skirt_gain: bool = False) -> Tensor:
    """Two-pole band-pass filter: constant skirt gain (peak Q) or constant 0 dB peak gain."""
    m = _Math(waveform, central_freq, Q)
    w0, alpha = _w0_alpha(m, sample_rate, central_freq, Q)
    temp = m.sin(w0) / 2 if const_skirt_gain else alpha
    return biquad(waveform, temp, 0.0, -temp, 1 + alpha, -2 * m.cos(w0), 1 - alpha)


def bandreject_biquad(waveform: Tensor, sample_rate: int, central_freq, Q=0.707) -> Tensor:
    """Two-pole band-reject (notch) filter."""
    m = _Math(waveform, central_freq, Q)
    w0, alpha = _w0_alpha(m, sample_rate, central_freq, Q)
    cos = m.cos(w0)
    return biquad(waveform, 1.0, -2 * cos, 1.0, 1 + alpha, -2 * cos, 1 - alpha)


def allpass_biquad(waveform: Tensor, sample_rate: int, central_freq, Q=0.707) -> Tensor:
    """Two-pole all-pass filter."""
    m = _Math(waveform, central_freq, Q)
    w0, alpha = _w0_alpha(m, sample_rate, central_freq, Q)
    cos = m.cos(w0)
    return biquad(waveform, 1 - alpha, -2 * cos, 1 + alpha, 1 + alpha, -2 * cos, 1 - alpha)


def band_biquad(waveform: Tensor, sample_rate: int, central_freq, Q=0.707, noise: bool = False) -> Tensor:
    """Two-pole band filter (SoX 'band'), the noise mode for un-pitched audio."""
    m = _Math(waveform, central_freq, Q)
    w0 = m(central_freq) * (2 * math.pi) / sample_rate
    bw_hz = m(central_freq) / m(Q)
    a2 = m.exp(-2 * math.pi * bw_hz / sample_rate)
    a1 = -4 * a2 / (1 + a2) * m.cos(w0)
    b0 = m.sqrt(1 - a1 * a1 / (4 * a2)) * (1 - a2)
    if noise:
        b0 = m.sqrt(((1 + a2) * (1 + a2) - a1 * a1) * (1 - a2) / (1 + a2)) / b0 * b0
    return biquad(waveform, b0, 0.0, 0.0, 1.0, a1, a2)


def equalizer_biquad(waveform: Tensor, sample_rate: int, center_freq, gain, Q=0.707) -> Tensor:
    """Peaking equalizer: gain dB around center_freq."""
    m = _Math(waveform, center_freq, gain, Q)
    w0, alpha = _w0_alpha(m, sample_rate, center_freq, Q)
    A = m.exp(m(gain) / 40.0 * math.log(10))
    cos = m.cos(w0)
    return biquad(waveform, 1 + alpha * A, -2 * cos, 1 - alpha * A, 1 + alpha / A, -2 * cos, 1 - alpha / A)


def _shelf(waveform, sample_rate, gain, central_freq, Q, sign: int):
    m = _Math(waveform, gain, central_freq, Q)
    w0, alpha = _w0_alpha(m, sample_rate, central_freq, Q)
    A = m.exp(m(gain) / 40 * math.log(10))
    temp1 = 2 * m.sqrt(A) * alpha
    temp2 = (A - 1) * m.cos(w0)
    temp3 = (A + 1) * m.cos(w0)
    b0 = A * ((A + 1) - sign * temp2 + temp1)
    b1 = sign * 2 * A * ((A - 1) - sign * temp3)
    b2 = A * ((A + 1) - sign * temp2 - temp1)
    a0 = (A + 1) + sign * temp2 + temp1
    a1 = -sign * 2 * ((A - 1) + sign * temp3)
    a2 = (A + 1) + sign * temp2 - temp1
    return b0, b1, b2, a0, a1, a2


def bass_biquad(waveform: Tensor, sample_rate: int, gain, central_freq=100, Q=0.707) -> Tensor:
    """Low-shelf bass tone control: gain dB below central_freq."""
    b0, b1, b2, a0, a1, a2 = _shelf(waveform, sample_rate, gain, central_freq, Q, 1)
    return biquad(waveform, b0 / a0, b1 / a0, b2 / a0, a0 / a0, a1 / a0, a2 / a0)


def treble_biquad(waveform: Tensor, sample_rate: int, gain, central_freq=3000, Q=0.707) -> Tensor:
    """High-shelf treble tone control: gain dB above central_freq."""
    return biquad(waveform, *_shelf(waveform, sample_rate, gain, central_freq, Q, -1))


def gain(waveform: Tensor, gain_db: float = 1.0) -> Tensor:
    """Amplify (or attenuate) the whole waveform by gain_db decibels."""
    if gain_db == 0:
        return waveform
    return waveform * 10 ** (gain_db / 20)


def _random_samples(flat, channels: int, time: int, count: int):
    """Sum of `count` samples of rows-of-`time` flat, at random (channel, time) drawn on the device.

    As torchaudio does, channels are drawn from [0, channels - 1) and times from [0, time - 1)
    (both 0 when that range is empty)."""
    dev = flat.device

    def draw(high):
        if high > 0:
            return cltorch.randint(0, high, (count,), device=dev)
        return cltorch.zeros((count,), dtype=cltorch.int64, device=dev)

    idx = draw(channels - 1) * time + draw(time - 1)
    return flat.index_select(0, idx).sum()


def _apply_probability_distribution(waveform: Tensor, density_function: str = "TPDF") -> Tensor:
    shape = tuple(waveform.shape)
    x = waveform.reshape(-1, shape[-1])
    channels, time = x.shape
    signal_scaled = x * (2 ** 15 - 2)
    if density_function == "RPDF":
        dis = signal_scaled + (_random_samples(x.reshape(-1), channels, time, 1) - 0.5)
    elif density_function == "GPDF":
        dis = signal_scaled + _random_samples(x.reshape(-1), channels, time, 7)
    else:
        from ..._windows import bartlett_window
        dis = signal_scaled + bartlett_window(time, dtype=x.dtype, device=x.device)
    return (cltorch.round(dis) / 2 ** 15).reshape(shape)


def dither(waveform: Tensor, density_function: str = "TPDF", noise_shaping: bool = False) -> Tensor:
    """Dither to 16-bit resolution with TPDF, RPDF or GPDF noise, optionally noise-shaped."""
    dithered = _apply_probability_distribution(waveform, density_function)
    if not noise_shaping:
        return dithered
    error = dithered - waveform
    shifted = cltorch.cat([cltorch.zeros_like(error[..., :1]), error[..., :-1]], dim=-1)
    return dithered + shifted
