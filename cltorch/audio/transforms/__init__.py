"""cltorch.audio.transforms: torchaudio.transforms as cltorch.nn modules."""
from __future__ import annotations

from ._transforms import (
                          MFCC,
                          AmplitudeToDB,
                          ComputeDeltas,
                          Fade,
                          FrequencyMasking,
                          GriffinLim,
                          InverseSpectrogram,
                          MelScale,
                          MelSpectrogram,
                          MuLawDecoding,
                          MuLawEncoding,
                          Resample,
                          SlidingWindowCmn,
                          SpectralCentroid,
                          Spectrogram,
                          TimeMasking,
                          Vol,
)

__all__ = [
                          "MFCC",
                          "AmplitudeToDB",
                          "ComputeDeltas",
                          "Fade",
                          "FrequencyMasking",
                          "GriffinLim",
                          "InverseSpectrogram",
                          "MelScale",
                          "MelSpectrogram",
                          "MuLawDecoding",
                          "MuLawEncoding",
                          "Resample",
                          "SlidingWindowCmn",
                          "SpectralCentroid",
                          "Spectrogram",
                          "TimeMasking",
                          "Vol",
]
