"""torchaudio's windowed-sinc resampling: the polyphase filter bank (host constant) and its application.

Frequencies are reduced by their gcd to (orig, new); output sample j * new + p
is the dot of phase p's filter (2 * width + orig taps) with the input starting
at j * orig - width, zeros outside the signal. The bank is prepared on the host
once per parameter set and applied on the device by one kernel (resample in
audio.cl), whose backward is the transposed gather.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

import cltorch

from . import _autograd

KAISER_BETA = 14.769656459379492
_BANKS: dict = {}


def _check_freqs(orig_freq, new_freq) -> None:
    if not (int(orig_freq) == orig_freq and int(new_freq) == new_freq):
        raise Exception(  # noqa: TRY002 - torchaudio raises this plain Exception
            "Frequencies must be of integer type to ensure quality resampling computation. "
            "To work around this, manually convert both frequencies to integer values "
            "that maintain their resampling rate ratio before passing them into the function. "
            "Example: To downsample a 44100 hz waveform by a factor of 8, use "
            "`orig_freq=8` and `new_freq=1` instead of `orig_freq=44100` and `new_freq=5512.5`.")


def _method(resampling_method: str) -> str:
    legacy = {"sinc_interpolation": "sinc_interp_hann", "kaiser_window": "sinc_interp_kaiser"}
    if resampling_method in legacy:
        warnings.warn(f'"{resampling_method}" resampling method name is being deprecated and replaced by '
                      f'"{legacy[resampling_method]}" in the next release. The default behavior remains unchanged.',
                      stacklevel=4)
        return legacy[resampling_method]
    if resampling_method not in ("sinc_interp_hann", "sinc_interp_kaiser"):
        raise ValueError(f"Invalid resampling method: {resampling_method}")
    return resampling_method


def sinc_bank(orig_freq: int, new_freq: int, gcd: int, lowpass_filter_width: int = 6, rolloff: float = 0.99,
              resampling_method: str = "sinc_interp_hann", beta=None) -> tuple:
    """(filters (new, 2 * width + orig) float64, width) for the reduced frequencies, as torchaudio builds them."""
    _check_freqs(orig_freq, new_freq)
    method = _method(resampling_method)
    orig, new = int(orig_freq) // gcd, int(new_freq) // gcd
    if lowpass_filter_width <= 0:
        raise ValueError("Low pass filter width should be positive.")
    base_freq = min(orig, new) * rolloff
    width = math.ceil(lowpass_filter_width * orig / base_freq)
    idx = np.arange(-width, width + orig, dtype=np.float64)[None, :] / orig
    t = (np.arange(0, -new, -1, dtype=np.float64)[:, None] / new + idx) * base_freq
    t = np.clip(t, -lowpass_filter_width, lowpass_filter_width)
    if method == "sinc_interp_hann":
        window = np.cos(t * math.pi / lowpass_filter_width / 2) ** 2
    else:
        b = KAISER_BETA if beta is None else float(beta)
        window = np.i0(b * np.sqrt(np.clip(1 - (t / lowpass_filter_width) ** 2, 0, None))) / np.i0(b)
    t = t * math.pi
    with np.errstate(invalid="ignore", divide="ignore"):
        kernels = np.where(t == 0, 1.0, np.sin(t) / np.where(t == 0, 1.0, t))
    return kernels * window * (base_freq / orig), width


def bank_tensor(orig_freq, new_freq, gcd, lowpass_filter_width, rolloff, resampling_method, beta, dtype, device):
    """The filter bank as a cached (new, 1, taps) device tensor, and its width."""
    key = (int(orig_freq), int(new_freq), gcd, lowpass_filter_width, float(rolloff),
           _method(resampling_method), beta, dtype, str(device))
    hit = _BANKS.get(key)
    if hit is None:
        host, width = sinc_bank(orig_freq, new_freq, gcd, lowpass_filter_width, rolloff, resampling_method, beta)
        bank = cltorch.tensor(host[:, None, :].astype(dtype.np), dtype=dtype, device=device)
        hit = _BANKS[key] = (bank, width)
    return hit


def apply_bank(waveform, orig_freq: int, new_freq: int, gcd: int, bank, width: int):
    """Resample waveform (..., time) with a (new, 1, taps) filter bank."""
    if not waveform.is_floating_point():
        raise TypeError(f"Expected floating point type for waveform tensor, but received {waveform.dtype}.")
    orig, new = int(orig_freq) // gcd, int(new_freq) // gcd
    shape = tuple(waveform.shape)
    x = waveform.reshape(-1, shape[-1])
    length = shape[-1]
    if bank.device != waveform.device or bank.dtype != waveform.dtype:
        bank = bank.to(device=waveform.device, dtype=waveform.dtype)
    filters = _autograd.dense(bank.reshape(bank.shape[0], bank.shape[-1]))
    target = math.ceil(new * length / orig)
    out = _autograd.Resample.apply(x, filters, orig, new, width, target)
    return out.reshape(shape[:-1] + (target,))


def resample(waveform, orig_freq: int, new_freq: int, lowpass_filter_width: int = 6, rolloff: float = 0.99,
             resampling_method: str = "sinc_interp_hann", beta=None):
    """Resample waveform (..., time) from orig_freq to new_freq with a windowed-sinc filter (torchaudio's)."""
    if orig_freq <= 0.0 or new_freq <= 0.0:
        raise ValueError("Original frequency and desired frequecy should be positive")
    if orig_freq == new_freq:
        return waveform
    if not waveform.is_floating_point():
        raise TypeError(f"Expected floating point type for waveform tensor, but received {waveform.dtype}.")
    gcd = math.gcd(int(orig_freq), int(new_freq))
    bank, width = bank_tensor(orig_freq, new_freq, gcd, lowpass_filter_width, rolloff, resampling_method, beta,
                              waveform.dtype, waveform.device)
    return apply_bank(waveform, orig_freq, new_freq, gcd, bank, width)
