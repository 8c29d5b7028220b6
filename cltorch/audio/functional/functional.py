"""torchaudio.functional's spectral and feature functions on cltorch tensors.

Every function runs on the tensor's device: STFTs as DFT GEMMs (see
``cltorch.audio._stft``), filter banks and DCT matrices are host-prepared
constants applied by GEMM, and the rest composes cltorch ops or the kernels of
audio.cl. cltorch has no complex dtype: a complex spectrogram is a real tensor
with a trailing dimension of 2 holding (real, imaginary), the layout
``torch.view_as_real`` gives.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

import cltorch

from .. import _autograd, _stft
from .._resample import resample  # noqa: F401  (re-exported)

Tensor = cltorch.Tensor


def _get_spec_norms(normalized: str | bool) -> tuple:
    """(frame_length_norm, window_norm) from spectrogram's normalized argument."""
    if isinstance(normalized, str):
        if normalized not in ("frame_length", "window"):
            raise ValueError(f"Invalid normalized parameter: {normalized}")
        return normalized == "frame_length", normalized == "window"
    if isinstance(normalized, bool):
        return False, normalized
    raise TypeError("Input type not supported")


def _window_energy(window):
    return (window * window).sum().sqrt()


def spectrogram(waveform: Tensor, pad: int, window: Tensor | None, n_fft: int, hop_length: int, win_length: int,
                power: float | None, normalized: bool | str, center: bool = True, pad_mode: str = "reflect",
                onesided: bool = True, return_complex: bool | None = None) -> Tensor:
    """Spectrogram (..., freq, time) of waveform (..., time); power=None gives (..., freq, time, 2) (re, im)."""
    if return_complex is not None:
        warnings.warn("`return_complex` argument is now deprecated and is not effective. "
                      "`spectrogram(power=None)` always returns the complex spectrum (as a trailing dim of 2).")
    if not waveform.is_floating_point():
        raise RuntimeError(f"stft: expected a tensor of floating point dtype, but got {waveform.dtype}")
    _stft.check_params(n_fft, hop_length, win_length)
    shape = tuple(waveform.shape)
    x = waveform.reshape(-1, shape[-1])
    if pad > 0:
        x = _stft.pad_rows(x, pad, pad, "constant")
    frame_norm, window_norm = _get_spec_norms(normalized)
    w = _stft.full_window(window, n_fft, win_length, x.dtype, x.device)
    scale = _stft.frame_scale(n_fft, frame_norm)
    if window_norm:
        scale = scale / _window_energy(w)
    y = _stft.stft(x, w, n_fft, hop_length, center, pad_mode, onesided, scale)      # (rows, frames, 2F)
    rows, frames, nf = y.shape[0], y.shape[1], y.shape[2] // 2
    if power is None:
        return y.reshape(rows, frames, nf, 2).transpose(1, 2).reshape(shape[:-1] + (nf, frames, 2))
    mag = _autograd.SpecPower.apply(y.reshape(rows * frames, 2 * nf), float(power))
    return mag.reshape(rows, frames, nf).transpose(1, 2).reshape(shape[:-1] + (nf, frames))


def _check_complex(spec: Tensor) -> None:
    if spec.dim() < 3 or spec.shape[-1] != 2:
        raise ValueError("Expected `spectrogram` to be complex dtype. cltorch has no complex dtype: pass the "
                         f"(..., freq, time, 2) real layout that spectrogram(power=None) returns, got shape "
                         f"{list(spec.shape)}.")


def _as_frames(spec: Tensor):
    """(..., F, T, 2) complex layout -> (rows, T, 2F) GEMM operand, and the leading shape."""
    shape = tuple(spec.shape)
    nf, frames = shape[-3], shape[-2]
    z = spec.reshape(-1, nf, frames, 2).transpose(1, 2)
    return z.reshape(z.shape[0], frames, 2 * nf), shape[:-3]


def inverse_spectrogram(spectrogram: Tensor, length: int | None, pad: int, window: Tensor | None, n_fft: int,
                        hop_length: int, win_length: int, normalized: bool | str, center: bool = True,
                        pad_mode: str = "reflect", onesided: bool = True) -> Tensor:
    """Waveform (..., time) from a complex spectrogram (..., freq, time, 2): inverse DFT GEMM and overlap-add."""
    _check_complex(spectrogram)
    _stft.check_params(n_fft, hop_length, win_length)
    frame_norm, window_norm = _get_spec_norms(normalized)
    z, lead = _as_frames(spectrogram)
    w = _stft.full_window(window, n_fft, win_length, z.dtype, z.device)
    scale = math.sqrt(n_fft) if frame_norm else 1.0
    if window_norm:
        scale = scale * _window_energy(w)
    y = _stft.istft(z, w, n_fft, hop_length, center, onesided, scale,
                    length + 2 * pad if length is not None else None)
    if length is not None and pad > 0:
        y = y[:, pad:-pad]
    return y.reshape(lead + (y.shape[-1],))


def griffinlim(specgram: Tensor, window: Tensor | None, n_fft: int, hop_length: int, win_length: int,
               power: float, n_iter: int, momentum: float, length: int | None, rand_init: bool) -> Tensor:
    """Waveform (..., time) from a magnitude spectrogram (..., freq, frames) by fast Griffin-Lim."""
    if not 0 <= momentum < 1:
        raise ValueError(f"momentum must be in range [0, 1). Found: {momentum}")
    momentum = momentum / (1 + momentum)
    shape = tuple(specgram.shape)
    mags = specgram.reshape(-1, shape[-2], shape[-1])
    mags = mags.sqrt() if power == 2.0 else (mags if power == 1.0 else mags.pow(1.0 / power))
    rows, nf, frames = mags.shape
    mags = mags.transpose(1, 2).unsqueeze(-1)                                   # (rows, frames, F, 1)
    w = _stft.full_window(window, n_fft, win_length, specgram.dtype, specgram.device)
    if rand_init:
        angles = cltorch.rand((rows, frames, nf, 2), dtype=specgram.dtype, device=specgram.device)
    else:
        angles = cltorch.zeros((rows, frames, nf, 2), dtype=specgram.dtype, device=specgram.device)
        angles[..., 0] = 1.0

    def inverse(phases):
        return _stft.istft((mags * phases).reshape(rows, frames, 2 * nf), w, n_fft, hop_length, True, True, 1.0,
                           length)

    tprev = None
    for _ in range(n_iter):
        rebuilt = _stft.stft(inverse(angles), w, n_fft, hop_length, True, "reflect", True, 1.0)
        rebuilt = rebuilt.reshape(rows, -1, nf, 2)
        angles = rebuilt - tprev * momentum if (momentum and tprev is not None) else rebuilt
        magnitude = (angles[..., 0] * angles[..., 0] + angles[..., 1] * angles[..., 1]).sqrt() + 1e-16
        angles = angles / magnitude.unsqueeze(-1)
        tprev = rebuilt
    waveform = inverse(angles)
    return waveform.reshape(shape[:-2] + (waveform.shape[-1],))


def amplitude_to_DB(x: Tensor, multiplier: float, amin: float, db_multiplier: float,
                    top_db: float | None = None) -> Tensor:
    """multiplier * log10(max(x, amin)) - multiplier * db_multiplier, floored top_db below each example's max."""
    x_db = cltorch.log10(cltorch.clamp(x, min=amin)) * multiplier
    x_db = x_db - multiplier * db_multiplier
    if top_db is not None:
        shape = tuple(x_db.shape)
        packed = shape[-3] if x_db.dim() > 2 else 1
        x_db = x_db.reshape(-1, packed, shape[-2], shape[-1])
        floor = (x_db.amax(dim=(-3, -2, -1)) - top_db).view(-1, 1, 1, 1)
        x_db = cltorch.maximum(x_db, floor).reshape(shape)
    return x_db


def DB_to_amplitude(x: Tensor, ref: float, power: float) -> Tensor:
    """ref * (10^(0.1 x))^power: the inverse of amplitude_to_DB."""
    return cltorch.pow(cltorch.pow(10.0, x * 0.1), power) * ref


def _hz_to_mel(freq: float, mel_scale: str = "htk") -> float:
    if mel_scale not in ("slaney", "htk"):
        raise ValueError('mel_scale should be one of "htk" or "slaney".')
    if mel_scale == "htk":
        return 2595.0 * math.log10(1.0 + freq / 700.0)
    f_sp = 200.0 / 3
    if freq >= 1000.0:
        return 1000.0 / f_sp + math.log(freq / 1000.0) / (math.log(6.4) / 27.0)
    return freq / f_sp


def _mel_to_hz(mels: np.ndarray, mel_scale: str = "htk") -> np.ndarray:
    if mel_scale not in ("slaney", "htk"):
        raise ValueError('mel_scale should be one of "htk" or "slaney".')
    if mel_scale == "htk":
        return 700.0 * (10.0 ** (mels / 2595.0) - 1.0)
    f_sp = 200.0 / 3
    min_log_mel = 1000.0 / f_sp
    logstep = math.log(6.4) / 27.0
    return np.where(mels >= min_log_mel, 1000.0 * np.exp(logstep * (mels - min_log_mel)), f_sp * mels)


def _triangular(all_freqs: np.ndarray, f_pts: np.ndarray) -> np.ndarray:
    f_diff = f_pts[1:] - f_pts[:-1]
    slopes = f_pts[None, :] - all_freqs[:, None]
    down = -slopes[:, :-2] / f_diff[:-1]
    up = slopes[:, 2:] / f_diff[1:]
    return np.maximum(0.0, np.minimum(down, up))


def _to_device(host: np.ndarray) -> Tensor:
    dt = cltorch.get_default_dtype()
    return cltorch.tensor(host.astype(dt.np), dtype=dt)


def melscale_fbanks(n_freqs: int, f_min: float, f_max: float, n_mels: int, sample_rate: int,
                    norm: str | None = None, mel_scale: str = "htk") -> Tensor:
    """Triangular mel filter bank (n_freqs, n_mels): spectrogram^T @ fb gives mel bins."""
    if norm is not None and norm != "slaney":
        raise ValueError('norm must be one of None or "slaney"')
    all_freqs = np.linspace(0, sample_rate // 2, n_freqs)
    m_pts = np.linspace(_hz_to_mel(f_min, mel_scale), _hz_to_mel(f_max, mel_scale), n_mels + 2)
    f_pts = _mel_to_hz(m_pts, mel_scale)
    fb = _triangular(all_freqs, f_pts)
    if norm == "slaney":
        fb = fb * (2.0 / (f_pts[2:n_mels + 2] - f_pts[:n_mels]))[None, :]
    if n_mels and n_freqs and (fb.max(axis=0) == 0.0).any():
        warnings.warn("At least one mel filterbank has all zero values. "
                      f"The value for `n_mels` ({n_mels}) may be set too high. "
                      f"Or, the value for `n_freqs` ({n_freqs}) may be set too low.")
    return _to_device(fb)


def linear_fbanks(n_freqs: int, f_min: float, f_max: float, n_filter: int, sample_rate: int) -> Tensor:
    """Linear triangular filter bank (n_freqs, n_filter)."""
    all_freqs = np.linspace(0, sample_rate // 2, n_freqs)
    return _to_device(_triangular(all_freqs, np.linspace(f_min, f_max, n_filter + 2)))


def create_dct(n_mfcc: int, n_mels: int, norm: str | None) -> Tensor:
    """DCT-II matrix (n_mels, n_mfcc), orthonormal with norm='ortho', scaled by 2 with None."""
    if norm is not None and norm != "ortho":
        raise ValueError('norm must be either "ortho" or None')
    n = np.arange(float(n_mels))
    k = np.arange(float(n_mfcc))[:, None]
    dct = np.cos(math.pi / float(n_mels) * (n + 0.5) * k)
    if norm is None:
        dct = dct * 2.0
    else:
        dct[0] *= 1.0 / math.sqrt(2.0)
        dct = dct * math.sqrt(2.0 / float(n_mels))
    return _to_device(dct.T)


def _log1p_mu(mu: float, dtype) -> float:
    """log1p(mu) rounded as torch rounds it in the tensor's dtype."""
    return float(np.log1p(np.asarray(mu, dtype=dtype.np)))


def mu_law_encoding(x: Tensor, quantization_channels: int) -> Tensor:
    """Mu-law companding of x in [-1, 1] to int64 codes 0 .. quantization_channels - 1."""
    mu = quantization_channels - 1.0
    if not x.is_floating_point():
        warnings.warn("The input Tensor must be of floating type. This will be an error in the v0.12 release.")
        x = x.to(cltorch.float32)
    x_mu = cltorch.sign(x) * cltorch.log1p(cltorch.abs(x) * mu) / _log1p_mu(mu, x.dtype)
    return ((x_mu + 1) / 2 * mu + 0.5).to(cltorch.int64)


def mu_law_decoding(x_mu: Tensor, quantization_channels: int) -> Tensor:
    """Inverse mu-law: codes 0 .. quantization_channels - 1 back to [-1, 1]."""
    mu = quantization_channels - 1.0
    if not x_mu.is_floating_point():
        x_mu = x_mu.to(cltorch.float32)
    x = (x_mu / mu) * 2 - 1.0
    return cltorch.sign(x) * (cltorch.exp(cltorch.abs(x) * _log1p_mu(mu, x.dtype)) - 1.0) / mu


def _mask_extent(spec: Tensor, mask_param: int, axis: int, p: float, least: int, what: str) -> tuple:
    """torch's checks of a masking call; (size of axis, the largest mask width allowed)."""
    dim = spec.dim()
    if dim < least:
        raise ValueError(f"Spectrogram must have at least {what} dimensions ({dim} given).")
    if axis not in (dim - 2, dim - 1):
        raise ValueError("Only Frequency and Time masking are supported"
                         f" (axis {dim - 2} and axis {dim - 1} supported; {axis} given).")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"The value of p must be between 0.0 and 1.0 ({p} given).")
    size = spec.shape[axis]
    return size, (mask_param if p == 1.0 else min(mask_param, int(size * p)))


def mask_along_axis_iid(specgrams: Tensor, mask_param: int, mask_value, axis: int, p: float = 1.0) -> Tensor:
    """Mask [v0, v0 + v) along axis, v ~ U(0, mask_param), v0 ~ U(0, size - v), drawn per example on the device."""
    dim = specgrams.dim()
    size, mask_param = _mask_extent(specgrams, mask_param, axis, p, 3, "three")
    if mask_param < 1:
        return specgrams
    dev, dt = specgrams.device, specgrams.dtype
    lead = tuple(specgrams.shape[:dim - 2])
    value = cltorch.rand(lead, device=dev, dtype=dt) * mask_param
    min_value = cltorch.rand(lead, device=dev, dtype=dt) * (size - value)
    start = min_value.long()[..., None, None]
    end = (min_value.long() + value.long())[..., None, None]
    pos = cltorch.arange(0, size, device=dev, dtype=dt)
    moved = specgrams.transpose(axis, -1)
    cond = (pos >= start) & (pos < end)
    if isinstance(mask_value, Tensor):
        moved = cltorch.where(cond, mask_value.to(device=dev, dtype=dt), moved)
    else:
        moved = moved.masked_fill(cond, mask_value)
    return moved.transpose(axis, -1)


def mask_along_axis(specgram: Tensor, mask_param: int, mask_value: float, axis: int, p: float = 1.0) -> Tensor:
    """Mask [v0, v0 + v) along axis, the same interval for every example (drawn on the device)."""
    dim = specgram.dim()
    size, mask_param = _mask_extent(specgram, mask_param, axis, p, 2, "two")
    if mask_param < 1:
        return specgram
    dev, dt = specgram.device, specgram.dtype
    shape = tuple(specgram.shape)
    value = cltorch.rand((1,), device=dev, dtype=dt) * mask_param
    min_value = cltorch.rand((1,), device=dev, dtype=dt) * (size - value)
    start, end = min_value.long(), min_value.long() + value.long()
    pos = cltorch.arange(0, size, device=dev, dtype=dt)
    mask = (pos >= start) & (pos < end)
    if axis == dim - 2:
        mask = mask.unsqueeze(-1)
    out = specgram.reshape((-1,) + shape[-2:]).masked_fill(mask, mask_value)
    return out.reshape(shape)


def compute_deltas(specgram: Tensor, win_length: int = 5, mode: str = "replicate") -> Tensor:
    """Delta coefficients sum_n n (c[t+n] - c[t-n]) / (2 sum_n n^2) along the last dim, padded with mode."""
    shape = tuple(specgram.shape)
    if win_length < 3:
        raise ValueError(f"Window length should be greater than or equal to 3. Found win_length {win_length}")
    n = (win_length - 1) // 2
    denom = n * (n + 1) * (2 * n + 1) / 3
    x = specgram.reshape(-1, shape[-1])
    length = shape[-1]
    padded = _stft.pad_rows(x, n, n, mode)
    out = None
    for k in range(1, n + 1):
        term = (padded[:, n + k:n + k + length] - padded[:, n - k:n - k + length]) * k
        out = term if out is None else out + term
    return (out / denom).reshape(shape)


_CMN_BOUNDS: dict = {}


def _cmn_bounds(frames: int, cmn_window: int, min_cmn_window: int, center: bool, device) -> tuple:
    """Window [lo, hi) of every frame (Kaldi's rules), its transpose, and the window lengths (host array)."""
    key = (frames, cmn_window, min_cmn_window, center, str(device))
    hit = _CMN_BOUNDS.get(key)
    if hit is not None:
        return hit
    t = np.arange(frames, dtype=np.int64)
    if center:
        lo = t - cmn_window // 2
        hi = lo + cmn_window
    else:
        lo = t - cmn_window
        hi = t + 1
    neg = lo < 0
    hi = np.where(neg, hi - lo, hi)
    lo = np.where(neg, 0, lo)
    if not center:
        hi = np.where(hi > t, np.maximum(t + 1, min_cmn_window), hi)
    over = hi > frames
    lo = np.maximum(np.where(over, lo - (hi - frames), lo), 0)
    hi = np.where(over, frames, hi)
    s = np.arange(frames)
    tlo, thi = np.searchsorted(hi, s, side="right"), np.searchsorted(lo, s, side="right")
    up = [cltorch.tensor(np.ascontiguousarray(v, dtype=np.int64), dtype=cltorch.int64, device=device)
          for v in (lo, hi, tlo, thi)]
    hit = _CMN_BOUNDS[key] = (tuple(up), (hi - lo).astype(np.float64))
    return hit


def sliding_window_cmn(specgram: Tensor, cmn_window: int = 600, min_cmn_window: int = 100, center: bool = False,
                       norm_vars: bool = False) -> Tensor:
    """Sliding-window cepstral mean (and variance) normalisation of (..., time, freq) features."""
    shape = tuple(specgram.shape)
    frames, feats = shape[-2:]
    x = specgram.reshape(-1, frames, feats)
    if x.numel() == 0:
        return specgram.clone()
    bounds, counts = _cmn_bounds(frames, cmn_window, min_cmn_window, center, x.device)
    n = cltorch.tensor(counts.reshape(-1, 1).astype(x.dtype.np), dtype=x.dtype, device=x.device)
    sums = _autograd.WindowSum.apply(x, bounds)
    out = x - sums / n
    if norm_vars:
        sq = _autograd.WindowSum.apply(x * x, bounds)
        variance = sq / n - (sums * sums) / (n * n)
        out = out * variance.rsqrt()
        out = cltorch.where(n == 1, cltorch.zeros_like(out), out)
    return out.reshape(shape)


def spectral_centroid(waveform: Tensor, sample_rate: int, pad: int, window: Tensor, n_fft: int, hop_length: int,
                      win_length: int) -> Tensor:
    """Magnitude-weighted mean frequency of every frame, (..., time)."""
    spec = spectrogram(waveform, pad=pad, window=window, n_fft=n_fft, hop_length=hop_length, win_length=win_length,
                       power=1.0, normalized=False)
    freqs = cltorch.linspace(0, sample_rate // 2, steps=1 + n_fft // 2, device=spec.device,
                             dtype=spec.dtype).reshape(-1, 1)
    return (freqs * spec).sum(dim=-2) / spec.sum(dim=-2)
