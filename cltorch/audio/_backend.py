"""FLAC, OGG/Vorbis, MP3 and other non-WAV formats through the optional ``soundfile`` package.

WAV never comes here (cltorch reads and writes it itself). When soundfile is
not installed, every entry point raises a RuntimeError naming the missing
extra and how to install it.
"""
from __future__ import annotations

import numpy as np

_SUBTYPES = {
    "PCM_S8": (8, "PCM_S"), "PCM_U8": (8, "PCM_U"), "PCM_16": (16, "PCM_S"), "PCM_24": (24, "PCM_S"),
    "PCM_32": (32, "PCM_S"), "FLOAT": (32, "PCM_F"), "DOUBLE": (64, "PCM_F"), "ULAW": (8, "ULAW"),
    "ALAW": (8, "ALAW"), "VORBIS": (0, "VORBIS"), "OPUS": (0, "OPUS"), "MPEG_LAYER_III": (0, "MP3"),
}
_FORMATS = {"flac": "FLAC", "ogg": "OGG", "vorbis": "OGG", "opus": "OGG", "mp3": "MP3", "aiff": "AIFF",
            "aif": "AIFF", "au": "AU", "caf": "CAF", "w64": "W64", "sph": "NIST"}


def soundfile(what: str):
    """The soundfile module, or a RuntimeError naming the missing extra."""
    try:
        import soundfile as sf
    except (ImportError, OSError) as exc:
        raise RuntimeError(f"cltorch.audio reads and writes WAV itself; {what} needs the optional 'soundfile' "
                           f"package (libsndfile). Install it with: pip install soundfile  ({exc})") from None
    return sf


def info(src, fmt) -> tuple:
    """(sample_rate, num_frames, num_channels, bits_per_sample, encoding) of a non-WAV file."""
    sf = soundfile(f"reading {fmt or 'this'} audio")
    try:
        meta = sf.info(src)
    except Exception as exc:
        raise RuntimeError(f"Failed to read audio metadata: {exc}") from exc
    bits, encoding = _SUBTYPES.get(meta.subtype, (0, meta.subtype))
    if meta.format == "FLAC":
        encoding = "FLAC"
    return int(meta.samplerate), int(meta.frames), int(meta.channels), bits, encoding


def read(src, fmt, frame_offset: int, num_frames: int) -> tuple:
    """(float32 samples (frames, channels), sample_rate) of a non-WAV file."""
    sf = soundfile(f"reading {fmt or 'this'} audio")
    try:
        data, rate = sf.read(src, frames=num_frames, start=frame_offset, dtype="float32", always_2d=True)
    except Exception as exc:
        raise RuntimeError(f"Failed to decode audio: {exc}") from exc
    return np.ascontiguousarray(data), int(rate)


def _subtype(fmt: str, encoding, bits):
    if encoding is None and bits is None:
        return None
    if encoding in (None, "PCM_S"):
        return {8: "PCM_S8", 16: "PCM_16", 24: "PCM_24", 32: "PCM_32", None: "PCM_16"}.get(bits)
    if encoding == "PCM_U":
        return "PCM_U8"
    if encoding == "PCM_F":
        return "DOUBLE" if bits == 64 else "FLOAT"
    return {"ULAW": "ULAW", "ALAW": "ALAW", "VORBIS": "VORBIS", "MP3": "MPEG_LAYER_III"}.get(encoding, encoding)


def write(dst, samples: np.ndarray, sample_rate: int, fmt: str, encoding, bits) -> None:
    """Write (frames, channels) samples in a non-WAV format."""
    sf = soundfile(f"writing {fmt} audio")
    major = _FORMATS.get(fmt.lower(), fmt.upper())
    try:
        sf.write(dst, samples, sample_rate, format=major, subtype=_subtype(fmt, encoding, bits))
    except Exception as exc:
        raise RuntimeError(f"Failed to encode {fmt} audio: {exc}") from exc
