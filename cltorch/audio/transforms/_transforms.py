"""torchaudio.transforms as cltorch.nn.Module subclasses.

Constants (windows, filter banks, DCT matrices, resampling filters) are
buffers, so ``module.to(device)`` moves them; forward passes run on the input
tensor's device.
"""
from __future__ import annotations

import math
import warnings
from typing import Callable

import cltorch
from cltorch.nn import Module

from .. import _resample
from .. import functional as F
from ..._windows import hann_window

Tensor = cltorch.Tensor


def _make_window(window_fn, win_length: int, wkwargs):
    return window_fn(win_length) if wkwargs is None else window_fn(win_length, **wkwargs)


def _window_on(window, ref):
    return window if window.device == ref.device else window.to(ref.device)


class Spectrogram(Module):
    """Spectrogram of a waveform; power=None gives the complex spectrum as a trailing (re, im) dim."""

    def __init__(self, n_fft: int = 400, win_length: int | None = None, hop_length: int | None = None,
                 pad: int = 0, window_fn: Callable[..., Tensor] = hann_window, power: float | None = 2.0,
                 normalized: bool | str = False, wkwargs: dict | None = None, center: bool = True,
                 pad_mode: str = "reflect", onesided: bool = True, return_complex: bool | None = None) -> None:
        super().__init__()
        self.n_fft = n_fft
        self.win_length = win_length if win_length is not None else n_fft
        self.hop_length = hop_length if hop_length is not None else self.win_length // 2
        self.register_buffer("window", _make_window(window_fn, self.win_length, wkwargs))
        self.pad, self.power, self.normalized = pad, power, normalized
        self.center, self.pad_mode, self.onesided = center, pad_mode, onesided
        if return_complex is not None:
            warnings.warn("`return_complex` argument is now deprecated and is not effective. "
                          "`Spectrogram(power=None)` always returns the complex spectrum.")

    def forward(self, waveform: Tensor) -> Tensor:
        """(..., time) -> (..., freq, frames) (or (..., freq, frames, 2) when power is None)."""
        return F.spectrogram(waveform, self.pad, _window_on(self.window, waveform), self.n_fft, self.hop_length,
                             self.win_length, self.power, self.normalized, self.center, self.pad_mode,
                             self.onesided)


class InverseSpectrogram(Module):
    """Waveform from a complex spectrogram (..., freq, frames, 2)."""

    def __init__(self, n_fft: int = 400, win_length: int | None = None, hop_length: int | None = None,
                 pad: int = 0, window_fn: Callable[..., Tensor] = hann_window, normalized: bool | str = False,
                 wkwargs: dict | None = None, center: bool = True, pad_mode: str = "reflect",
                 onesided: bool = True) -> None:
        super().__init__()
        self.n_fft = n_fft
        self.win_length = win_length if win_length is not None else n_fft
        self.hop_length = hop_length if hop_length is not None else self.win_length // 2
        self.register_buffer("window", _make_window(window_fn, self.win_length, wkwargs))
        self.pad, self.normalized = pad, normalized
        self.center, self.pad_mode, self.onesided = center, pad_mode, onesided

    def forward(self, spectrogram: Tensor, length: int | None = None) -> Tensor:
        """(..., freq, frames, 2) -> (..., time)."""
        return F.inverse_spectrogram(spectrogram, length, self.pad, _window_on(self.window, spectrogram), self.n_fft,
                                     self.hop_length, self.win_length, self.normalized, self.center, self.pad_mode,
                                     self.onesided)


class GriffinLim(Module):
    """Waveform from a magnitude spectrogram by fast Griffin-Lim phase recovery."""

    def __init__(self, n_fft: int = 400, n_iter: int = 32, win_length: int | None = None,
                 hop_length: int | None = None, window_fn: Callable[..., Tensor] = hann_window,
                 power: float = 2.0, wkwargs: dict | None = None, momentum: float = 0.99,
                 length: int | None = None, rand_init: bool = True) -> None:
        super().__init__()
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must be in the range [0, 1). Found: {momentum}")
        self.n_fft, self.n_iter = n_fft, n_iter
        self.win_length = win_length if win_length is not None else n_fft
        self.hop_length = hop_length if hop_length is not None else self.win_length // 2
        self.register_buffer("window", _make_window(window_fn, self.win_length, wkwargs))
        self.length, self.power, self.momentum, self.rand_init = length, power, momentum, rand_init

    def forward(self, specgram: Tensor) -> Tensor:
        """(..., freq, frames) -> (..., time)."""
        return F.griffinlim(specgram, _window_on(self.window, specgram), self.n_fft, self.hop_length,
                            self.win_length, self.power, self.n_iter, self.momentum, self.length, self.rand_init)


class AmplitudeToDB(Module):
    """Power or amplitude spectrogram to decibels, optionally floored top_db below each example's max."""

    def __init__(self, stype: str = "power", top_db: float | None = None) -> None:
        super().__init__()
        self.stype = stype
        if top_db is not None and top_db < 0:
            raise ValueError("top_db must be positive value")
        self.top_db = top_db
        self.multiplier = 10.0 if stype == "power" else 20.0
        self.amin = 1e-10
        self.ref_value = 1.0
        self.db_multiplier = math.log10(max(self.amin, self.ref_value))

    def forward(self, x: Tensor) -> Tensor:
        """Decibels of x."""
        return F.amplitude_to_DB(x, self.multiplier, self.amin, self.db_multiplier, self.top_db)


class MelScale(Module):
    """Linear-frequency spectrogram (..., n_stft, time) to mel bins (..., n_mels, time) by a filter-bank GEMM."""

    def __init__(self, n_mels: int = 128, sample_rate: int = 16000, f_min: float = 0.0,
                 f_max: float | None = None, n_stft: int = 201, norm: str | None = None,
                 mel_scale: str = "htk") -> None:
        super().__init__()
        self.n_mels, self.sample_rate = n_mels, sample_rate
        self.f_max = f_max if f_max is not None else float(sample_rate // 2)
        self.f_min, self.n_stft, self.norm, self.mel_scale = f_min, n_stft, norm, mel_scale
        if f_min > self.f_max:
            raise ValueError(f"Require f_min: {f_min} <= f_max: {self.f_max}")
        self.register_buffer("fb", F.melscale_fbanks(n_stft, self.f_min, self.f_max, n_mels, sample_rate, norm,
                                                     mel_scale))

    def forward(self, specgram: Tensor) -> Tensor:
        """(..., freq, time) -> (..., n_mels, time)."""
        fb = self.fb.to(device=specgram.device, dtype=specgram.dtype)
        return cltorch.matmul(specgram.transpose(-1, -2), fb).transpose(-1, -2)


class MelSpectrogram(Module):
    """Mel spectrogram: Spectrogram followed by MelScale."""

    def __init__(self, sample_rate: int = 16000, n_fft: int = 400, win_length: int | None = None,
                 hop_length: int | None = None, f_min: float = 0.0, f_max: float | None = None, pad: int = 0,
                 n_mels: int = 128, window_fn: Callable[..., Tensor] = hann_window, power: float = 2.0,
                 normalized: bool = False, wkwargs: dict | None = None, center: bool = True,
                 pad_mode: str = "reflect", onesided: bool | None = None, norm: str | None = None,
                 mel_scale: str = "htk") -> None:
        super().__init__()
        if onesided is not None:
            warnings.warn("Argument 'onesided' has been deprecated and has no influence on the behavior of this "
                          "module.")
        self.sample_rate, self.n_fft = sample_rate, n_fft
        self.win_length = win_length if win_length is not None else n_fft
        self.hop_length = hop_length if hop_length is not None else self.win_length // 2
        self.pad, self.power, self.normalized = pad, power, normalized
        self.n_mels, self.f_max, self.f_min = n_mels, f_max, f_min
        self.spectrogram = Spectrogram(n_fft=n_fft, win_length=self.win_length, hop_length=self.hop_length, pad=pad,
                                       window_fn=window_fn, power=power, normalized=normalized, wkwargs=wkwargs,
                                       center=center, pad_mode=pad_mode, onesided=True)
        self.mel_scale = MelScale(n_mels, sample_rate, f_min, f_max, n_fft // 2 + 1, norm, mel_scale)

    def forward(self, waveform: Tensor) -> Tensor:
        """(..., time) -> (..., n_mels, frames)."""
        return self.mel_scale(self.spectrogram(waveform))


class MFCC(Module):
    """Mel-frequency cepstral coefficients: DCT of the log (dB, top_db=80) mel spectrogram."""

    def __init__(self, sample_rate: int = 16000, n_mfcc: int = 40, dct_type: int = 2, norm: str = "ortho",
                 log_mels: bool = False, melkwargs: dict | None = None) -> None:
        super().__init__()
        if dct_type != 2:
            raise ValueError(f"DCT type not supported: {dct_type}")
        self.sample_rate, self.n_mfcc, self.dct_type, self.norm = sample_rate, n_mfcc, dct_type, norm
        self.top_db = 80.0
        self.amplitude_to_DB = AmplitudeToDB("power", self.top_db)
        self.MelSpectrogram = MelSpectrogram(sample_rate=sample_rate, **(melkwargs or {}))
        if n_mfcc > self.MelSpectrogram.n_mels:
            raise ValueError("Cannot select more MFCC coefficients than # mel bins")
        self.register_buffer("dct_mat", F.create_dct(n_mfcc, self.MelSpectrogram.n_mels, norm))
        self.log_mels = log_mels

    def forward(self, waveform: Tensor) -> Tensor:
        """(..., time) -> (..., n_mfcc, frames)."""
        mel = self.MelSpectrogram(waveform)
        mel = cltorch.log(mel + 1e-6) if self.log_mels else self.amplitude_to_DB(mel)
        dct = self.dct_mat.to(device=mel.device, dtype=mel.dtype)
        return cltorch.matmul(mel.transpose(-1, -2), dct).transpose(-1, -2)


class MuLawEncoding(Module):
    """Mu-law companding to int64 codes."""

    def __new__(cls, quantization_channels=256):
        # MuLawEncoding(waveform), as some notes abbreviate MuLawEncoding()(waveform): encode, and say so
        if isinstance(quantization_channels, Tensor):
            warnings.warn("MuLawEncoding(waveform) encodes with 256 channels; the torchaudio form is "
                          "MuLawEncoding(quantization_channels)(waveform)", stacklevel=2)
            return F.mu_law_encoding(quantization_channels, 256)
        return super().__new__(cls)

    def __init__(self, quantization_channels: int = 256) -> None:
        super().__init__()
        self.quantization_channels = quantization_channels

    def forward(self, x: Tensor) -> Tensor:
        """Codes of x (scaled to [-1, 1])."""
        return F.mu_law_encoding(x, self.quantization_channels)


class MuLawDecoding(Module):
    """Mu-law codes back to [-1, 1]."""

    def __init__(self, quantization_channels: int = 256) -> None:
        super().__init__()
        self.quantization_channels = quantization_channels

    def forward(self, x_mu: Tensor) -> Tensor:
        """Decoded signal of codes x_mu."""
        return F.mu_law_decoding(x_mu, self.quantization_channels)


class Resample(Module):
    """Resample from orig_freq to new_freq with a precomputed windowed-sinc filter bank."""

    def __init__(self, orig_freq: int = 16000, new_freq: int = 16000, resampling_method: str = "sinc_interp_hann",
                 lowpass_filter_width: int = 6, rolloff: float = 0.99, beta: float | None = None, *,
                 dtype=None) -> None:
        super().__init__()
        self.orig_freq, self.new_freq = orig_freq, new_freq
        self.gcd = math.gcd(int(orig_freq), int(new_freq))
        self.resampling_method = resampling_method
        self.lowpass_filter_width, self.rolloff, self.beta = lowpass_filter_width, rolloff, beta
        if orig_freq != new_freq:
            host, self.width = _resample.sinc_bank(orig_freq, new_freq, self.gcd, lowpass_filter_width, rolloff,
                                                   resampling_method, beta)
            dt = dtype if dtype is not None else cltorch.float32
            self.register_buffer("kernel", cltorch.tensor(host[:, None, :].astype(dt.np), dtype=dt))

    def forward(self, waveform: Tensor) -> Tensor:
        """(..., time) at orig_freq -> (..., ceil(time * new / orig)) at new_freq."""
        if self.orig_freq == self.new_freq:
            return waveform
        return _resample.apply_bank(waveform, self.orig_freq, self.new_freq, self.gcd, self.kernel, self.width)


class ComputeDeltas(Module):
    """Delta coefficients along the last dim."""

    def __init__(self, win_length: int = 5, mode: str = "replicate") -> None:
        super().__init__()
        self.win_length, self.mode = win_length, mode

    def forward(self, specgram: Tensor) -> Tensor:
        """Deltas of (..., freq, time)."""
        return F.compute_deltas(specgram, win_length=self.win_length, mode=self.mode)


class Fade(Module):
    """Fade in over the first fade_in_len samples and out over the last fade_out_len samples."""

    _SHAPES = ("linear", "exponential", "logarithmic", "quarter_sine", "half_sine")

    def __init__(self, fade_in_len: int = 0, fade_out_len: int = 0, fade_shape: str = "linear") -> None:
        super().__init__()
        self.fade_in_len, self.fade_out_len, self.fade_shape = fade_in_len, fade_out_len, fade_shape

    def forward(self, waveform: Tensor) -> Tensor:
        """waveform (..., time) times the fade curves."""
        length = waveform.shape[-1]
        dev = waveform.device
        return self._fade_in(length, dev) * self._fade_out(length, dev) * waveform

    def _ramp(self, count: int, rest: int, dev):
        if rest < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {rest}: [{rest}]")
        return cltorch.linspace(0, 1, count, device=dev), cltorch.ones((rest,), device=dev)

    def _fade_in(self, length: int, dev) -> Tensor:
        fade, ones = self._ramp(self.fade_in_len, length - self.fade_in_len, dev)
        shape = self.fade_shape
        if shape == "exponential":
            fade = cltorch.pow(2, fade - 1) * fade
        elif shape == "logarithmic":
            fade = cltorch.log10(fade + 0.1) + 1
        elif shape == "quarter_sine":
            fade = cltorch.sin(fade * (math.pi / 2))
        elif shape == "half_sine":
            fade = cltorch.sin(fade * math.pi - math.pi / 2) / 2 + 0.5
        return cltorch.cat((fade, ones)).clamp_(0, 1)

    def _fade_out(self, length: int, dev) -> Tensor:
        fade, ones = self._ramp(self.fade_out_len, length - self.fade_out_len, dev)
        shape = self.fade_shape
        if shape == "linear":
            fade = -fade + 1
        elif shape == "exponential":
            fade = cltorch.pow(2, -fade) * (1 - fade)
        elif shape == "logarithmic":
            fade = cltorch.log10(1.1 - fade) + 1
        elif shape == "quarter_sine":
            fade = cltorch.sin(fade * (math.pi / 2) + math.pi / 2)
        elif shape == "half_sine":
            fade = cltorch.sin(fade * math.pi + math.pi / 2) / 2 + 0.5
        return cltorch.cat((ones, fade)).clamp_(0, 1)


class _AxisMasking(Module):
    """Mask a random band along one of the last two axes."""

    def __init__(self, mask_param: int, axis: int, iid_masks: bool, p: float = 1.0) -> None:
        super().__init__()
        self.mask_param, self.axis, self.iid_masks, self.p = mask_param, axis, iid_masks, p

    def forward(self, specgram: Tensor, mask_value: float | Tensor = 0.0) -> Tensor:
        """specgram (..., freq, time) with one random band set to mask_value."""
        axis = self.axis + specgram.dim() - 3
        if self.iid_masks:
            return F.mask_along_axis_iid(specgram, self.mask_param, mask_value, axis, p=self.p)
        value = float(mask_value) if isinstance(mask_value, Tensor) else mask_value
        return F.mask_along_axis(specgram, self.mask_param, value, axis, p=self.p)


class FrequencyMasking(_AxisMasking):
    """Mask a random band of frequencies (width up to freq_mask_param)."""

    def __init__(self, freq_mask_param: int, iid_masks: bool = False) -> None:
        super().__init__(freq_mask_param, 1, iid_masks)


class TimeMasking(_AxisMasking):
    """Mask a random span of frames (width up to time_mask_param, at most p of the frames)."""

    def __init__(self, time_mask_param: int, iid_masks: bool = False, p: float = 1.0) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"The value of p must be between 0.0 and 1.0 ({p} given).")
        super().__init__(time_mask_param, 2, iid_masks, p=p)


class Vol(Module):
    """Scale the volume (amplitude ratio, power ratio or dB), then clamp to [-1, 1]."""

    def __init__(self, gain: float, gain_type: str = "amplitude") -> None:
        super().__init__()
        self.gain, self.gain_type = gain, gain_type
        if gain_type in ("amplitude", "power") and gain < 0:
            raise ValueError("If gain_type = amplitude or power, gain must be positive.")

    def forward(self, waveform: Tensor) -> Tensor:
        """The rescaled, clamped waveform."""
        if self.gain_type == "amplitude":
            waveform = waveform * self.gain
        if self.gain_type == "db":
            waveform = F.gain(waveform, self.gain)
        if self.gain_type == "power":
            waveform = F.gain(waveform, 10 * math.log10(self.gain))
        return cltorch.clamp(waveform, -1, 1)


class SlidingWindowCmn(Module):
    """Sliding-window cepstral mean (and variance) normalisation of (..., time, freq) features."""

    def __init__(self, cmn_window: int = 600, min_cmn_window: int = 100, center: bool = False,
                 norm_vars: bool = False) -> None:
        super().__init__()
        self.cmn_window, self.min_cmn_window, self.center, self.norm_vars = (cmn_window, min_cmn_window, center,
                                                                             norm_vars)

    def forward(self, specgram: Tensor) -> Tensor:
        """Normalised features, same shape."""
        return F.sliding_window_cmn(specgram, self.cmn_window, self.min_cmn_window, self.center, self.norm_vars)


class SpectralCentroid(Module):
    """Spectral centroid of every frame."""

    def __init__(self, sample_rate: int, n_fft: int = 400, win_length: int | None = None,
                 hop_length: int | None = None, pad: int = 0, window_fn: Callable[..., Tensor] = hann_window,
                 wkwargs: dict | None = None) -> None:
        super().__init__()
        self.sample_rate, self.n_fft = sample_rate, n_fft
        self.win_length = win_length if win_length is not None else n_fft
        self.hop_length = hop_length if hop_length is not None else self.win_length // 2
        self.register_buffer("window", _make_window(window_fn, self.win_length, wkwargs))
        self.pad = pad

    def forward(self, waveform: Tensor) -> Tensor:
        """(..., time) -> (..., frames)."""
        return F.spectral_centroid(waveform, self.sample_rate, self.pad, _window_on(self.window, waveform),
                                   self.n_fft, self.hop_length, self.win_length)
