"""A WAV (RIFF/WAVE) reader and writer of our own, on NumPy arrays.

Reads PCM 8-bit (unsigned), 16/24/32-bit (signed), IEEE float 32/64, plain or
WAVE_FORMAT_EXTENSIBLE; skips unknown chunks (LIST, fact, ...) and honours the
pad byte after odd-sized chunks. Truncated or malformed files raise
RuntimeError naming what is wrong. Samples come back interleaved (frames,
channels) in their stored type; 24-bit samples as int32 scaled to the full
int32 range (as torchaudio returns them).
"""
from __future__ import annotations

import io
import struct
from dataclasses import dataclass

import numpy as np

PCM, IEEE_FLOAT, EXTENSIBLE = 0x0001, 0x0003, 0xFFFE
_GUID_TAIL = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
_STREAMING = 0xFFFFFFFF


@dataclass
class WavHeader:
    """What the fmt and data chunks say."""
    sample_rate: int
    num_channels: int
    bits_per_sample: int
    encoding: str            # PCM_S, PCM_U or PCM_F
    num_frames: int
    data_offset: int         # byte position of the first sample in the file

    @property
    def block_align(self) -> int:
        """Bytes per frame."""
        return self.num_channels * self.bits_per_sample // 8


def _fail(what: str, name: str):
    raise RuntimeError(f"Failed to read WAV file {name}: {what}")


def _read_exact(f, size: int, name: str, what: str) -> bytes:
    data = f.read(size)
    if len(data) != size:
        _fail(f"truncated {what} (expected {size} bytes, found {len(data)})", name)
    return data


def _parse_fmt(body: bytes, name: str) -> tuple:
    if len(body) < 16:
        _fail(f"fmt chunk too short ({len(body)} bytes)", name)
    tag, channels, rate, _, align, bits = struct.unpack("<HHIIHH", body[:16])
    if tag == EXTENSIBLE:
        if len(body) < 40:
            _fail("WAVE_FORMAT_EXTENSIBLE fmt chunk too short", name)
        sub = body[24:40]
        if sub[2:] != _GUID_TAIL:
            _fail("unknown WAVE_FORMAT_EXTENSIBLE sub-format GUID", name)
        tag = struct.unpack("<H", sub[:2])[0]
    if tag not in (PCM, IEEE_FLOAT):
        _fail(f"unsupported format tag 0x{tag:04x} (only PCM and IEEE float are read)", name)
    if channels == 0:
        _fail("zero channels", name)
    if rate == 0:
        _fail("zero sample rate", name)
    supported = (8, 16, 24, 32) if tag == PCM else (32, 64)
    if bits not in supported:
        kind = "PCM" if tag == PCM else "float"
        _fail(f"unsupported {kind} sample size of {bits} bits", name)
    if align != channels * bits // 8:
        _fail(f"block align {align} does not match {channels} channels of {bits} bits", name)
    encoding = "PCM_F" if tag == IEEE_FLOAT else ("PCM_U" if bits == 8 else "PCM_S")
    return rate, channels, bits, encoding


def read_header(f, name: str = "<stream>") -> WavHeader:
    """Parse the RIFF chunks of a seekable binary stream up to the data chunk."""
    head = f.read(12)
    if len(head) < 12:
        _fail("file too short for a RIFF header" if head else "empty file", name)
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        if head[:4] in (b"RIFX", b"RF64"):
            _fail(f"{head[:4].decode()} WAV files are not supported", name)
        _fail("not a RIFF/WAVE file", name)
    fmt = None
    while True:
        chunk = f.read(8)
        if len(chunk) < 8:
            if fmt is None:
                _fail("no fmt chunk", name)
            _fail("no data chunk", name)
        cid, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
        if cid == b"fmt ":
            fmt = _parse_fmt(_read_exact(f, size, name, "fmt chunk"), name)
            if size % 2:
                f.seek(1, io.SEEK_CUR)
        elif cid == b"data":
            if fmt is None:
                _fail("data chunk before the fmt chunk", name)
            rate, channels, bits, encoding = fmt
            start = f.tell()
            available = f.seek(0, io.SEEK_END) - start
            if size == _STREAMING:
                size = available
            elif size > available:
                _fail(f"truncated data chunk (header says {size} bytes, {available} present)", name)
            align = channels * bits // 8
            return WavHeader(rate, channels, bits, encoding, size // align, start)
        else:
            pos = f.tell()
            end = f.seek(0, io.SEEK_END)
            skip = size + (size % 2)
            if pos + size > end:
                _fail(f"truncated {cid.decode('latin-1')!r} chunk", name)
            f.seek(pos + skip)


def _decode(raw: bytes, bits: int, encoding: str, channels: int) -> np.ndarray:
    if encoding == "PCM_F":
        arr = np.frombuffer(raw, dtype="<f4" if bits == 32 else "<f8")
    elif bits == 8:
        arr = np.frombuffer(raw, dtype=np.uint8)
    elif bits == 16:
        arr = np.frombuffer(raw, dtype="<i2")
    elif bits == 32:
        arr = np.frombuffer(raw, dtype="<i4")
    else:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.uint32)
        arr = ((b[:, 0] << 8) | (b[:, 1] << 16) | (b[:, 2] << 24)).view(np.int32)
    return arr.astype(arr.dtype.newbyteorder("="), copy=False).reshape(-1, channels)


def read_samples(f, header: WavHeader, frame_offset: int = 0, num_frames: int = -1) -> np.ndarray:
    """Frames [frame_offset, frame_offset + num_frames) as an interleaved (frames, channels) array."""
    if frame_offset < 0:
        raise ValueError(f"frame_offset must be non-negative, got {frame_offset}")
    start = min(frame_offset, header.num_frames)
    stop = header.num_frames if num_frames < 0 else min(header.num_frames, start + num_frames)
    align = header.block_align
    f.seek(header.data_offset + start * align)
    raw = _read_exact(f, (stop - start) * align, "<data>", "sample data")
    return _decode(raw, header.bits_per_sample, header.encoding, header.num_channels)


def _fmt_chunk(channels: int, rate: int, bits: int, encoding: str) -> bytes:
    tag = IEEE_FLOAT if encoding == "PCM_F" else PCM
    align = channels * bits // 8
    if channels <= 2:
        body = struct.pack("<HHIIHH", tag, channels, rate, rate * align, align, bits)
        return body + (b"\x00\x00" if tag == IEEE_FLOAT else b"")
    # more than two channels: WAVE_FORMAT_EXTENSIBLE with the sub-format GUID
    mask = (1 << channels) - 1 if channels <= 18 else 0
    head = struct.pack("<HHIIHH", EXTENSIBLE, channels, rate, rate * align, align, bits)
    return head + struct.pack("<HHI", 22, bits, mask) + struct.pack("<H", tag) + _GUID_TAIL


def _encode(samples: np.ndarray, bits: int, encoding: str) -> bytes:
    if encoding == "PCM_F":
        return samples.astype("<f4" if bits == 32 else "<f8").tobytes()
    if bits == 8:
        return samples.astype(np.uint8).tobytes()
    if bits == 16:
        return samples.astype("<i2").tobytes()
    if bits == 32:
        return samples.astype("<i4").tobytes()
    v = samples.astype(np.int32).reshape(-1).view(np.uint32)
    out = np.empty((v.size, 3), dtype=np.uint8)
    out[:, 0], out[:, 1], out[:, 2] = v & 0xFF, (v >> 8) & 0xFF, (v >> 16) & 0xFF
    return out.tobytes()


def write(f, samples: np.ndarray, sample_rate: int, bits: int, encoding: str) -> None:
    """Write interleaved (frames, channels) samples already in the target type (24-bit as int32 in [-2^23, 2^23))."""
    frames, channels = samples.shape
    fmt = _fmt_chunk(channels, sample_rate, bits, encoding)
    data = _encode(np.ascontiguousarray(samples), bits, encoding)
    chunks = [b"fmt ", struct.pack("<I", len(fmt)), fmt]
    if encoding == "PCM_F":
        chunks += [b"fact", struct.pack("<II", 4, frames)]
    chunks += [b"data", struct.pack("<I", len(data)), data]
    if len(data) % 2:
        chunks.append(b"\x00")
    body = b"".join(chunks)
    f.write(b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body)
