"""cltorch.audio: torchaudio's commonly used API with the numerics in OpenCL kernels.

``load``/``save``/``info`` read and write WAV themselves (FLAC, OGG, MP3 through
the optional ``soundfile`` package); ``transforms`` and ``functional`` mirror
torchaudio's modules and run on the input tensor's device. Imported on demand:
``import cltorch.audio as torchaudio``.
"""
from __future__ import annotations

from . import functional, transforms
from ._io import AudioMetaData, info, load, save
from .._windows import (
    bartlett_window,
    blackman_window,
    hamming_window,
    hann_window,
    kaiser_window,
)

__all__ = [
    "AudioMetaData",
    "bartlett_window",
    "blackman_window",
    "functional",
    "hamming_window",
    "hann_window",
    "info",
    "kaiser_window",
    "list_audio_backends",
    "load",
    "save",
    "transforms",
]


def list_audio_backends() -> list:
    """Available I/O backends: 'wav' (built in) and 'soundfile' when installed."""
    try:
        import soundfile  # noqa: F401
    except (ImportError, OSError):
        return ["wav"]
    return ["wav", "soundfile"]
