"""cltorch.audio.functional: torchaudio.functional's API on cltorch tensors (computed on their device)."""
from __future__ import annotations

from .filtering import (
                        allpass_biquad,
                        band_biquad,
                        bandpass_biquad,
                        bandreject_biquad,
                        bass_biquad,
                        biquad,
                        dither,
                        equalizer_biquad,
                        gain,
                        highpass_biquad,
                        lfilter,
                        lowpass_biquad,
                        treble_biquad,
)
from .functional import (
                        DB_to_amplitude,
                        amplitude_to_DB,
                        compute_deltas,
                        create_dct,
                        griffinlim,
                        inverse_spectrogram,
                        linear_fbanks,
                        mask_along_axis,
                        mask_along_axis_iid,
                        melscale_fbanks,
                        mu_law_decoding,
                        mu_law_encoding,
                        resample,
                        sliding_window_cmn,
                        spectral_centroid,
                        spectrogram,
)

__all__ = [
    "DB_to_amplitude", "allpass_biquad", "amplitude_to_DB", "band_biquad", "bandpass_biquad", "bandreject_biquad",
    "bass_biquad", "biquad", "compute_deltas", "create_dct", "dither", "equalizer_biquad", "gain", "griffinlim",
    "highpass_biquad", "inverse_spectrogram", "lfilter", "linear_fbanks", "lowpass_biquad", "mask_along_axis",
    "mask_along_axis_iid", "melscale_fbanks", "mu_law_decoding", "mu_law_encoding", "resample",
    "sliding_window_cmn", "spectral_centroid", "spectrogram", "treble_biquad",
]
