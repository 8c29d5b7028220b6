"""cltorch.audio.load / save / info: WAV round trips, hand-written headers, errors, optional soundfile."""
from __future__ import annotations

import builtins
import io
import os
import struct

import numpy as np
import pytest

import cltorch
import cltorch.audio as ta

RNG = np.random.default_rng(7)
FORMATS = [("PCM_U", 8), ("PCM_S", 16), ("PCM_S", 24), ("PCM_S", 32), ("PCM_F", 32), ("PCM_F", 64)]
GUID_TAIL = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"


def _signal(channels: int, frames: int) -> np.ndarray:
    t = np.arange(frames) / 8000.0
    sweep = 0.8 * np.sin(2 * np.pi * (50 + 900 * t) * t)
    rows = [sweep * (0.9 ** c) + 0.05 * RNG.standard_normal(frames) for c in range(channels)]
    return np.clip(np.stack(rows), -1, 0.999).astype(np.float32)


def _riff(chunks: list) -> bytes:
    """A RIFF/WAVE file from (id, payload) chunks, with pad bytes after odd payloads."""
    body = b"".join(cid + struct.pack("<I", len(p)) + p + (b"\x00" if len(p) % 2 else b"") for cid, p in chunks)
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body


def _fmt(tag: int, channels: int, rate: int, bits: int, extensible_tag: int | None = None) -> bytes:
    align = channels * bits // 8
    if extensible_tag is None:
        return struct.pack("<HHIIHH", tag, channels, rate, rate * align, align, bits)
    return (struct.pack("<HHIIHH", 0xFFFE, channels, rate, rate * align, align, bits)
            + struct.pack("<HHI", 22, bits, 0) + struct.pack("<H", extensible_tag) + GUID_TAIL)


def _quantized(x: np.ndarray, enc: str, bits: int) -> np.ndarray:
    """What a file of this encoding stores for x (float, [-1, 1)) as the value load(normalize=True) gives."""
    if enc == "PCM_F":
        return x.astype(np.float32 if bits == 32 else np.float64).astype(np.float64)
    top = 2.0 ** (bits - 1)
    return np.clip(np.round(x.astype(np.float64) * top), -top, top - 1) / top


@pytest.mark.parametrize("enc,bits", FORMATS)
@pytest.mark.parametrize("channels", [1, 2, 3])
def test_wav_round_trip(tmp_path, enc, bits, channels):
    x = _signal(channels, 1023)
    path = tmp_path / "a.wav"
    ta.save(path, cltorch.tensor(x), 8000, encoding=enc, bits_per_sample=bits)
    meta = ta.info(path)
    assert (meta.sample_rate, meta.num_frames, meta.num_channels, meta.bits_per_sample, meta.encoding) == \
        (8000, 1023, channels, bits, enc)
    y, sr = ta.load(path)
    assert sr == 8000 and y.dtype == cltorch.float32 and tuple(y.shape) == (channels, 1023)
    np.testing.assert_allclose(y.numpy(), _quantized(x, enc, bits), rtol=0, atol=1e-7)
    raw, _ = ta.load(path, normalize=False)
    native = {8: cltorch.uint8, 16: cltorch.int16, 24: cltorch.int32, 32: cltorch.int32}
    assert raw.dtype == (native[bits] if enc != "PCM_F" else (cltorch.float32 if bits == 32 else cltorch.float64))


def test_extensible_header_written_for_many_channels(tmp_path):
    path = tmp_path / "multi.wav"
    ta.save(path, cltorch.tensor(_signal(4, 10)), 16000, encoding="PCM_S", bits_per_sample=16)
    head = path.read_bytes()[:64]
    assert struct.unpack("<H", head[20:22])[0] == 0xFFFE
    assert head[44:46] == b"\x01\x00" and head[46:60] == GUID_TAIL


def test_hand_written_header_with_list_and_odd_chunks():
    data = np.array([[0, 1000], [-32768, 32767], [5, -5]], dtype="<i2")
    raw = _riff([(b"LIST", b"INFOISFT\x03\x00\x00\x00ab\x00"),   # odd-sized unknown chunk, then a pad byte
                 (b"fmt ", _fmt(1, 2, 22050, 16)),
                 (b"junk", b"xyz"),
                 (b"data", data.tobytes())])
    y, sr = ta.load(io.BytesIO(raw), normalize=False)
    assert sr == 22050 and y.dtype == cltorch.int16
    np.testing.assert_array_equal(y.numpy(), data.T)
    yn, _ = ta.load(io.BytesIO(raw))
    np.testing.assert_array_equal(yn.numpy(), data.T.astype(np.float32) / 32768)
    yt, _ = ta.load(io.BytesIO(raw), channels_first=False, frame_offset=1, num_frames=1)
    np.testing.assert_array_equal(yt.numpy(), data[1:2].astype(np.float32) / 32768)


def test_hand_written_extensible_24_bit_and_uint8():
    vals = np.array([-8388608, -1, 0, 1, 8388607], dtype=np.int64)
    packed = b"".join(int(v & 0xFFFFFF).to_bytes(3, "little") for v in vals)
    raw = _riff([(b"fmt ", _fmt(0, 1, 8000, 24, extensible_tag=1)), (b"data", packed + b"\x00")])
    y, _ = ta.load(io.BytesIO(raw), normalize=False)
    np.testing.assert_array_equal(y.numpy()[0], vals * 256)              # int32 of the full range
    yn, _ = ta.load(io.BytesIO(raw))
    np.testing.assert_allclose(yn.numpy()[0], vals / 2.0 ** 23, rtol=0, atol=1e-7)
    u8 = _riff([(b"fmt ", _fmt(1, 1, 8000, 8)), (b"data", bytes([0, 128, 255]))])
    yu, _ = ta.load(io.BytesIO(u8))
    np.testing.assert_array_equal(yu.numpy()[0], np.array([-1.0, 0.0, 127 / 128], dtype=np.float32))


def test_float_header_with_fact_chunk():
    data = np.array([0.5, -0.25, 1.5], dtype="<f8")
    raw = _riff([(b"fmt ", _fmt(3, 1, 44100, 64) + b"\x00\x00"), (b"fact", struct.pack("<I", 3)),
                 (b"data", data.tobytes())])
    meta = ta.info(io.BytesIO(raw))
    assert (meta.encoding, meta.bits_per_sample, meta.num_frames) == ("PCM_F", 64, 3)
    y, _ = ta.load(io.BytesIO(raw), normalize=False)
    assert y.dtype == cltorch.float64
    np.testing.assert_array_equal(y.numpy()[0], data)


def test_offsets_and_lengths(tmp_path):
    x = _signal(2, 100)
    path = tmp_path / "o.wav"
    ta.save(path, cltorch.tensor(x), 8000)
    y, _ = ta.load(path, frame_offset=90, num_frames=50)
    np.testing.assert_array_equal(y.numpy(), x[:, 90:])
    y, _ = ta.load(path, frame_offset=200)
    assert tuple(y.shape) == (2, 0)
    y, _ = ta.load(path, frame_offset=3, num_frames=0)
    assert tuple(y.shape) == (2, 0)


def test_save_defaults_by_dtype_and_channels_last(tmp_path):
    cases = [(cltorch.float32, "PCM_F", 32), (cltorch.float64, "PCM_F", 64), (cltorch.int32, "PCM_S", 32),
             (cltorch.int16, "PCM_S", 16), (cltorch.uint8, "PCM_U", 8)]
    for dt, enc, bits in cases:
        src = (cltorch.tensor(_signal(2, 7) * 100).to(dt) if not dt.is_floating_point
               else cltorch.tensor(_signal(2, 7)).to(dt))
        path = tmp_path / f"d_{enc}_{bits}.wav"
        ta.save(path, src.t(), 8000, channels_first=False)
        meta = ta.info(path)
        assert (meta.encoding, meta.bits_per_sample, meta.num_channels) == (enc, bits, 2)
        back, _ = ta.load(path, normalize=False)
        np.testing.assert_array_equal(back.numpy(), src.numpy())


def test_integer_conversions_on_save(tmp_path):
    src = cltorch.tensor(np.array([[-32768, -1, 0, 1, 32767]], dtype=np.int16))
    path = tmp_path / "i.wav"
    ta.save(path, src, 8000, encoding="PCM_S", bits_per_sample=32)
    back, _ = ta.load(path, normalize=False)
    np.testing.assert_array_equal(back.numpy(), src.numpy().astype(np.int64) * 65536)
    ta.save(path, cltorch.tensor([[-2.0, -1.0, 0.0, 0.5, 2.0]]), 8000, encoding="PCM_U")
    back, _ = ta.load(path, normalize=False)
    np.testing.assert_array_equal(back.numpy(), [[0, 0, 128, 192, 255]])


def test_file_objects_and_atomic_replace(tmp_path):
    x = _signal(1, 50)
    buf = io.BytesIO()
    ta.save(buf, cltorch.tensor(x), 8000, format="wav")
    buf.seek(0)
    y, _ = ta.load(buf)
    np.testing.assert_array_equal(y.numpy(), x)
    path = tmp_path / "keep.wav"
    ta.save(path, cltorch.tensor(x), 8000)
    before = path.read_bytes()
    with pytest.raises(ValueError, match="bits_per_sample"):
        ta.save(path, cltorch.tensor(x), 8000, bits_per_sample=12)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["keep.wav"]
    with pytest.raises(ValueError, match="format"):
        ta.save(io.BytesIO(), cltorch.tensor(x), 8000)
    with pytest.raises(ValueError, match="2D"):
        ta.save(tmp_path / "x.wav", cltorch.tensor(x[0]), 8000)
    with pytest.raises(ValueError, match="encoding"):
        ta.save(tmp_path / "x.wav", cltorch.tensor(x), 8000, encoding="ULAW")


def test_non_seekable_stream():
    data = np.arange(6, dtype="<i2")
    raw = _riff([(b"fmt ", _fmt(1, 1, 8000, 16)), (b"data", data.tobytes())])

    class Stream(io.RawIOBase):
        def __init__(self):
            self._b = io.BytesIO(raw)

        def readable(self):
            return True

        def read(self, n=-1):
            return self._b.read(n)

    y, _ = ta.load(Stream(), normalize=False)
    np.testing.assert_array_equal(y.numpy()[0], data)


@pytest.mark.parametrize("cut, message", [
    (0, "empty file"), (10, "too short"), (30, "truncated fmt"), (44 + 3, "truncated data"),
])
def test_truncated_files_raise(cut, message):
    raw = _riff([(b"fmt ", _fmt(1, 1, 8000, 16)), (b"data", np.arange(8, dtype="<i2").tobytes())])
    with pytest.raises(RuntimeError, match=message):
        ta.load(io.BytesIO(raw[:cut]))
    with pytest.raises(RuntimeError, match=message):
        ta.info(io.BytesIO(raw[:cut]))


@pytest.mark.parametrize("raw, message", [
    (b"RIFX" + b"\x00" * 40, "RIFX"),
    (_riff([(b"data", b"\x00\x00")]), "before the fmt"),
    (_riff([(b"fmt ", _fmt(1, 1, 8000, 16))]), "no data chunk"),
    (_riff([(b"fmt ", _fmt(6, 1, 8000, 8)), (b"data", b"\x00")]), "unsupported format tag"),
    (_riff([(b"fmt ", _fmt(1, 1, 8000, 12)), (b"data", b"\x00\x00")]), "12 bits"),
    (_riff([(b"fmt ", _fmt(1, 0, 8000, 16)), (b"data", b"\x00\x00")]), "zero channels"),
    (_riff([(b"fmt ", _fmt(1, 1, 8000, 16)[:10])]), "fmt chunk too short"),
])
def test_malformed_files_raise(tmp_path, raw, message):
    path = tmp_path / "bad.wav"
    path.write_bytes(raw)
    with pytest.raises(RuntimeError, match=message):
        ta.load(path)


def test_missing_file_raises(tmp_path):
    with pytest.raises(RuntimeError, match="No such file"):
        ta.load(tmp_path / "nope.wav")


def test_other_formats_without_soundfile_name_the_extra(tmp_path, monkeypatch):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "soundfile":
            raise ImportError("No module named 'soundfile'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    path = tmp_path / "a.flac"
    path.write_bytes(b"fLaC" + b"\x00" * 64)
    with pytest.raises(RuntimeError, match="pip install soundfile"):
        ta.load(path)
    with pytest.raises(RuntimeError, match="pip install soundfile"):
        ta.info(path)
    with pytest.raises(RuntimeError, match="pip install soundfile"):
        ta.save(tmp_path / "b.ogg", cltorch.zeros((1, 10)), 8000)
    assert ta.list_audio_backends() == ["wav"]


@pytest.mark.parametrize("ext", ["flac", "ogg"])
def test_soundfile_formats_when_installed(tmp_path, ext):
    pytest.importorskip("soundfile")
    x = _signal(2, 4000)
    path = tmp_path / f"s.{ext}"
    ta.save(path, cltorch.tensor(x), 16000)
    meta = ta.info(path)
    assert (meta.sample_rate, meta.num_channels) == (16000, 2)
    y, sr = ta.load(path)
    assert sr == 16000 and y.dtype == cltorch.float32 and y.shape[0] == 2
    if ext == "flac":
        assert meta.encoding == "FLAC" and meta.num_frames == 4000
        np.testing.assert_allclose(y.numpy(), x, atol=1 / 32768 + 1e-7)
