"""torchaudio.load / save / info: WAV by our own codec, other formats through soundfile.

Decoding happens on the host (it is file parsing); the samples are uploaded in
their stored integer or float type and normalised to float32 on the device.
save downloads the tensor (the caller asked for its values), encodes on the
host and replaces the destination atomically.
"""
from __future__ import annotations

import contextlib
import io
import os

import numpy as np

import cltorch

from .._atomic import atomic_open
from . import _backend, _wav


class AudioMetaData:
    """Metadata of an audio file: sample_rate, num_frames, num_channels, bits_per_sample, encoding."""

    def __init__(self, sample_rate: int, num_frames: int, num_channels: int, bits_per_sample: int, encoding: str):
        self.sample_rate = sample_rate
        self.num_frames = num_frames
        self.num_channels = num_channels
        self.bits_per_sample = bits_per_sample
        self.encoding = encoding

    def __repr__(self) -> str:
        return (f"AudioMetaData(sample_rate={self.sample_rate}, num_frames={self.num_frames}, "
                f"num_channels={self.num_channels}, bits_per_sample={self.bits_per_sample}, "
                f"encoding={self.encoding})")

    def __eq__(self, other) -> bool:
        return isinstance(other, AudioMetaData) and vars(self) == vars(other)


def _is_file_like(obj) -> bool:
    return hasattr(obj, "read") or hasattr(obj, "write")


@contextlib.contextmanager
def _reader(uri):
    """A seekable binary stream on uri (a path or a file object) and a name for messages."""
    if _is_file_like(uri):
        seekable = getattr(uri, "seekable", lambda: False)()
        stream = uri if seekable else io.BytesIO(uri.read())
        yield stream, getattr(uri, "name", "<file object>")
        return
    path = os.fspath(uri)
    if not os.path.exists(path):
        raise RuntimeError(f"Failed to open the input \"{path}\" (No such file or directory).")
    with open(path, "rb") as f:
        yield f, path


def _is_wav(stream, name, fmt) -> bool:
    if fmt is not None:
        return fmt.lower() in ("wav", "wave")
    pos = stream.tell()
    head = stream.read(12)
    stream.seek(pos)
    if head[:4] in (b"RIFF", b"RIFX", b"RF64"):
        return True
    return str(name).lower().endswith((".wav", ".wave")) or len(head) < 12


def _ext(uri) -> str | None:
    if _is_file_like(uri):
        return None
    ext = os.path.splitext(os.fspath(uri))[1].lower().lstrip(".")
    return ext or None


def info(uri, format: str | None = None, buffer_size: int = 4096, backend: str | None = None) -> AudioMetaData:
    """Sample rate, length, channels, bit depth and encoding of an audio file."""
    with _reader(uri) as (stream, name):
        if _is_wav(stream, name, format):
            h = _wav.read_header(stream, str(name))
            return AudioMetaData(h.sample_rate, h.num_frames, h.num_channels, h.bits_per_sample, h.encoding)
        return AudioMetaData(*_backend.info(stream, format or _ext(uri)))


def _normalize(t, encoding: str, bits: int):
    """Stored samples to float32 in [-1, 1] on the device (torchaudio's scaling)."""
    if encoding == "PCM_F":
        return t.to(cltorch.float32)
    if bits == 8:
        return t.to(cltorch.float32) * (1.0 / 128) - 1.0
    # 24-bit samples were widened to the full int32 range
    return t * (1.0 / 2 ** (15 if bits == 16 else 31))


def load(uri, frame_offset: int = 0, num_frames: int = -1, normalize: bool = True, channels_first: bool = True,
         format: str | None = None, buffer_size: int = 4096, backend: str | None = None) -> tuple:
    """(waveform, sample_rate): waveform [channels, time] (or [time, channels]), float32 when normalize."""
    with _reader(uri) as (stream, name):
        if _is_wav(stream, name, format):
            h = _wav.read_header(stream, str(name))
            samples = _wav.read_samples(stream, h, frame_offset, num_frames)
            encoding, bits, rate = h.encoding, h.bits_per_sample, h.sample_rate
        else:
            samples, rate = _backend.read(stream, format or _ext(uri), frame_offset, num_frames)
            encoding, bits = "PCM_F", 32
    host = np.ascontiguousarray(samples.T if channels_first else samples)
    waveform = cltorch.from_numpy(host)
    if normalize and not (encoding == "PCM_F" and bits == 32):
        waveform = _normalize(waveform, encoding, bits)
    return waveform, rate


_DTYPE_DEFAULTS = {"float32": ("PCM_F", 32), "float64": ("PCM_F", 64), "int32": ("PCM_S", 32),
                   "int16": ("PCM_S", 16), "uint8": ("PCM_U", 8)}


def _wav_encoding(dtype_name: str, encoding, bits) -> tuple:
    """(encoding, bits) for a WAV file, with torchaudio's defaults and checks."""
    if bits not in (None, 8, 16, 24, 32, 64):
        raise ValueError(f"Invalid bits_per_sample {bits} for WAV encoding.")
    if encoding is None:
        if bits is None:
            return _DTYPE_DEFAULTS[dtype_name]
        return ("PCM_U" if bits == 8 else "PCM_F" if bits == 64 else "PCM_S"), bits
    if encoding == "PCM_S":
        bits = bits if bits is not None else (16 if dtype_name in ("int16", "uint8") else 32)
        if bits not in (16, 24, 32):
            raise ValueError(f"Invalid bits_per_sample {bits} for encoding PCM_S (16, 24 or 32).")
        return encoding, bits
    if encoding == "PCM_U":
        if bits not in (None, 8):
            raise ValueError(f"Invalid bits_per_sample {bits} for encoding PCM_U (only 8).")
        return encoding, 8
    if encoding == "PCM_F":
        bits = bits if bits is not None else (64 if dtype_name == "float64" else 32)
        if bits not in (32, 64):
            raise ValueError(f"Invalid bits_per_sample {bits} for encoding PCM_F (32 or 64).")
        return encoding, bits
    raise ValueError(f"Unsupported encoding {encoding!r} for WAV: cltorch writes PCM_S, PCM_U and PCM_F.")


def _as_unit_float(data: np.ndarray) -> np.ndarray:
    """Samples of any supported dtype as float64 in [-1, 1)."""
    kind = data.dtype
    if kind == np.uint8:
        return (data.astype(np.float64) - 128.0) / 128.0
    if kind == np.int16:
        return data / 32768.0
    if kind == np.int32:
        return data / 2147483648.0
    return data.astype(np.float64)


def _quantize(data: np.ndarray, encoding: str, bits: int) -> np.ndarray:
    if encoding == "PCM_F":
        target = np.float32 if bits == 32 else np.float64
        return data.astype(target) if data.dtype.kind == "f" else _as_unit_float(data).astype(target)
    src_bits = {np.dtype(np.int16): 16, np.dtype(np.int32): 32}.get(data.dtype)
    if src_bits is not None and encoding == "PCM_S" and bits == src_bits:
        return data
    top = 2.0 ** (bits - 1)
    q = np.clip(np.round(_as_unit_float(data) * top), -top, top - 1)
    if encoding == "PCM_U":
        return (q + 128).astype(np.uint8)
    return q.astype(np.int32)


def save(uri, src, sample_rate: int, channels_first: bool = True, format: str | None = None,
         encoding: str | None = None, bits_per_sample: int | None = None, buffer_size: int = 4096,
         backend: str | None = None, compression=None) -> None:
    """Write a 2-D waveform ([channels, time], or [time, channels]) to a file or file object."""
    if not isinstance(src, cltorch.Tensor):
        raise TypeError(f"src must be a Tensor, got {type(src).__name__}")
    if src.dim() != 2:
        raise ValueError(f"Expected 2D Tensor, got {src.dim()}D.")
    fmt = (format or _ext(uri) or "").lower()
    if not fmt:
        raise ValueError("format must be given when saving to a file object or a path without an extension.")
    dtype_name = str(src.dtype).split(".")[-1]
    if dtype_name not in _DTYPE_DEFAULTS:
        raise ValueError(f"Unsupported dtype for saving audio: {src.dtype} (float32, float64, int32, int16, uint8).")
    data = src.detach().numpy()
    data = data.T if channels_first else data
    if fmt in ("wav", "wave"):
        enc, bits = _wav_encoding(dtype_name, encoding, bits_per_sample)
        samples = _quantize(data, enc, bits)
        if enc == "PCM_S" and bits == 24:
            samples = samples.astype(np.int32)

        def write(f):
            _wav.write(f, samples, int(sample_rate), bits, enc)
    else:
        samples = np.ascontiguousarray(data if data.dtype in (np.int16, np.int32, np.float32, np.float64)
                                       else _as_unit_float(data).astype(np.float32))

        def write(f):
            _backend.write(f, samples, int(sample_rate), fmt, encoding, bits_per_sample)
    if _is_file_like(uri):
        write(uri)
    else:
        with atomic_open(uri, suffix=".tmp") as f:
            write(f)
