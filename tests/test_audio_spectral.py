"""Spectrograms, inverse STFT, Griffin-Lim, mel filter banks, DCT, MFCC and dB against NumPy references."""
from __future__ import annotations

import math

import numpy as np
import pytest

import cltorch
import cltorch.audio.functional as F
import cltorch.audio.transforms as T
from cltorch.audio import hann_window
from cltorch.autograd import gradcheck

RNG = np.random.default_rng(3)
PADS = {"reflect": "reflect", "constant": "constant", "replicate": "edge", "circular": "wrap"}


def chirp(n: int, sr: int = 16000, f0: float = 100.0, f1: float = 4000.0) -> np.ndarray:
    """A linear sine sweep from f0 to f1 Hz over n samples."""
    t = np.arange(n) / sr
    return np.sin(2 * np.pi * (f0 + (f1 - f0) * t / (2 * t[-1] if n > 1 else 1)) * t)


def signals(batch: tuple, n: int) -> np.ndarray:
    """Sweeps plus noise shaped (*batch, n), float32."""
    rows = int(np.prod(batch)) if batch else 1
    out = np.stack([chirp(n, f0=100 + 50 * i) * 0.5 + 0.1 * RNG.standard_normal(n) for i in range(rows)])
    return out.reshape(tuple(batch) + (n,)).astype(np.float32)


def np_hann(n: int) -> np.ndarray:
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)


def np_stft(x, n_fft, hop, win, center=True, pad_mode="reflect", onesided=True):
    """Complex STFT (..., F, frames) of float64 x (..., L) from numpy.fft."""
    w = np.zeros(n_fft)
    left = (n_fft - len(win)) // 2
    w[left:left + len(win)] = win
    if center:
        pad = [(0, 0)] * (x.ndim - 1) + [(n_fft // 2, n_fft // 2)]
        x = np.pad(x, pad, mode=PADS[pad_mode])
    count = 1 + (x.shape[-1] - n_fft) // hop
    frames = np.stack([x[..., i * hop:i * hop + n_fft] for i in range(count)], axis=-2) * w
    spec = np.fft.rfft(frames, axis=-1) if onesided else np.fft.fft(frames, axis=-1)
    return np.swapaxes(spec, -1, -2)


def np_istft(spec, n_fft, hop, win, length=None):
    """Least-squares inverse of np_stft (centered, onesided)."""
    frames = np.fft.irfft(np.swapaxes(spec, -1, -2), n=n_fft, axis=-1) * win
    count = frames.shape[-2]
    full = n_fft + hop * (count - 1)
    y = np.zeros(frames.shape[:-2] + (full,))
    env = np.zeros(full)
    for i in range(count):
        y[..., i * hop:i * hop + n_fft] += frames[..., i, :]
        env[i * hop:i * hop + n_fft] += win ** 2
    y = y / np.where(env > 1e-11, env, 1.0)
    start = n_fft // 2
    end = start + length if length is not None else full - start
    out = y[..., start:end]
    if length is not None and out.shape[-1] < length:
        out = np.concatenate([out, np.zeros(out.shape[:-1] + (length - out.shape[-1],))], axis=-1)
    return out


def np_hz_to_mel(f, scale):
    if scale == "htk":
        return 2595.0 * np.log10(1.0 + f / 700.0)
    f = np.asarray(f, dtype=np.float64)
    return np.where(f >= 1000, 15.0 + np.log(np.maximum(f, 1e-9) / 1000) / (np.log(6.4) / 27), 3 * f / 200)


def np_mel_to_hz(m, scale):
    if scale == "htk":
        return 700.0 * (10 ** (m / 2595.0) - 1)
    return np.where(m >= 15.0, 1000 * np.exp(np.log(6.4) / 27 * (m - 15.0)), 200 * m / 3)


def np_fbanks(n_freqs, f_min, f_max, n_mels, sr, norm=None, scale="htk"):
    """Triangles between consecutive mel points, evaluated bin by bin."""
    freqs = np.linspace(0, sr // 2, n_freqs)
    pts = np_mel_to_hz(np.linspace(np_hz_to_mel(f_min, scale), np_hz_to_mel(f_max, scale), n_mels + 2), scale)
    fb = np.zeros((n_freqs, n_mels))
    for m in range(n_mels):
        lo, mid, hi = pts[m], pts[m + 1], pts[m + 2]
        for k, f in enumerate(freqs):
            rise, fall = (f - lo) / (mid - lo), (hi - f) / (hi - mid)
            fb[k, m] = max(0.0, min(rise, fall))
        if norm == "slaney":
            fb[:, m] *= 2.0 / (hi - lo)
    return fb


def np_dct(n_mfcc, n_mels, norm):
    out = np.zeros((n_mels, n_mfcc))
    for k in range(n_mfcc):
        for n in range(n_mels):
            out[n, k] = math.cos(math.pi * k * (2 * n + 1) / (2 * n_mels))
        if norm == "ortho":
            out[:, k] *= math.sqrt((1 if k else 0.5) * 2 / n_mels)
        else:
            out[:, k] *= 2
    return out


def np_db(x, multiplier, top_db=None):
    db = multiplier * np.log10(np.maximum(x, 1e-10))
    if top_db is not None:
        lead = db.reshape((-1,) + db.shape[-3:]) if db.ndim > 2 else db[None, None]
        floor = lead.max(axis=(-3, -2, -1), keepdims=True) - top_db
        db = np.maximum(lead, floor).reshape(db.shape)
    return db


def close(ours, ref, rtol=2e-5, scale=None):
    ref = np.asarray(ref)
    scale = np.abs(ref).max() if scale is None else scale
    np.testing.assert_allclose(ours.numpy(), ref, rtol=0, atol=rtol * max(scale, 1e-12))


@pytest.mark.parametrize("batch,n", [((), 1023), ((2,), 4097), ((2, 3), 400), ((1,), 201)])
def test_spectrogram_power_matches_numpy(batch, n):
    x = signals(batch, n)
    ref = np.abs(np_stft(x.astype(np.float64), 400, 200, np_hann(400))) ** 2
    out = T.Spectrogram()(cltorch.tensor(x))
    assert tuple(out.shape) == ref.shape and out.stride()[-2] == 1      # time-major storage, as torch.stft
    close(out, ref)


@pytest.mark.parametrize("kw", [
    {"n_fft": 512, "win_length": 300, "hop_length": 128, "power": 1.0},
    {"n_fft": 255, "hop_length": 64, "power": 1.5, "pad_mode": "constant"},
    {"n_fft": 64, "hop_length": 7, "power": 2.0, "pad_mode": "replicate"},
    {"n_fft": 64, "hop_length": 16, "power": 2.0, "pad_mode": "circular"},
    {"n_fft": 128, "hop_length": 32, "power": 1.0, "center": False},
])
def test_spectrogram_options(kw):
    x = signals((2,), 1023).astype(np.float64)
    n_fft = kw["n_fft"]
    win_length = kw.get("win_length", n_fft)
    ref = np.abs(np_stft(x, n_fft, kw["hop_length"], np_hann(win_length), kw.get("center", True),
                         kw.get("pad_mode", "reflect"))) ** kw["power"]
    out = T.Spectrogram(**kw).double()(cltorch.tensor(x))
    close(out, ref, rtol=1e-6)


def test_spectrogram_normalized_pad_and_twosided():
    x = signals((2,), 777).astype(np.float64)
    win = np_hann(400)
    padded = np.pad(x, [(0, 0), (9, 9)])
    ref = np_stft(padded, 400, 200, win) / np.sqrt((win ** 2).sum())
    out = T.Spectrogram(pad=9, normalized=True, power=None).double()(cltorch.tensor(x))
    assert tuple(out.shape) == ref.shape + (2,)
    close(out, np.stack([ref.real, ref.imag], -1), rtol=1e-6)
    full = np_stft(x, 400, 200, win, onesided=False) / np.sqrt(400)
    out = T.Spectrogram(normalized="frame_length", onesided=False, power=1.0).double()(cltorch.tensor(x))
    close(out, np.abs(full), rtol=1e-6)
    with pytest.raises(ValueError, match="Invalid normalized"):
        F.spectrogram(cltorch.tensor(x), 0, None, 400, 200, 400, 2.0, "bogus")


def test_spectrogram_non_contiguous_input():
    base = signals((3, 2), 900)
    view = cltorch.tensor(base).transpose(0, 1)[:, :, ::2]
    ref = np.abs(np_stft(np.ascontiguousarray(base.transpose(1, 0, 2)[:, :, ::2]).astype(np.float64), 128, 32,
                         np_hann(128))) ** 2
    close(T.Spectrogram(n_fft=128, hop_length=32)(view), ref)


def test_spectrogram_errors():
    short = cltorch.tensor(signals((), 100))
    with pytest.raises(RuntimeError, match="Padding size"):
        T.Spectrogram()(short)
    with pytest.raises(RuntimeError, match="win_length"):
        T.Spectrogram(n_fft=64, win_length=65)(cltorch.tensor(signals((), 300)))
    with pytest.raises(RuntimeError):
        F.spectrogram(cltorch.zeros(10, dtype=cltorch.int64), 0, None, 4, 2, 4, 2.0, False)


def test_spectrogram_gradient():
    x = cltorch.tensor(signals((2,), 70).astype(np.float64), requires_grad=True)
    win = hann_window(16, dtype=cltorch.float64)
    for power in (2.0, 1.0, None):
        assert gradcheck(lambda a, p=power: F.spectrogram(a, 2, win, 16, 5, 16, p, False), (x,))
    w = hann_window(12, dtype=cltorch.float64).requires_grad_(True)
    assert gradcheck(lambda a, b: F.spectrogram(a, 0, b, 16, 4, 12, 1.5, "window"), (x, w))


@pytest.mark.parametrize("length", [None, 1000, 1203])
def test_inverse_spectrogram_matches_numpy_and_round_trips(length):
    x = signals((2,), 1100).astype(np.float64)
    spec = np_stft(x, 256, 64, np_hann(256))
    ref = np_istft(spec, 256, 64, np_hann(256), length)
    ours = T.InverseSpectrogram(n_fft=256, hop_length=64, wkwargs={"dtype": cltorch.float64})(
        cltorch.tensor(np.stack([spec.real, spec.imag], -1)), length)
    close(ours, ref, rtol=1e-9)
    wave = cltorch.tensor(x)
    rt = T.InverseSpectrogram(n_fft=256, hop_length=64, pad=5, normalized=True).double()(
        T.Spectrogram(n_fft=256, hop_length=64, pad=5, normalized=True, power=None).double()(wave), 1100)
    close(rt, x, rtol=1e-9)


def test_inverse_spectrogram_checks_and_gradient():
    with pytest.raises(ValueError, match="complex"):
        T.InverseSpectrogram()(cltorch.zeros(201, 10))
    with pytest.raises(RuntimeError, match="frequency"):
        T.InverseSpectrogram(n_fft=64)(cltorch.zeros(30, 10, 2))
    spec = cltorch.tensor(RNG.standard_normal((1, 17, 6, 2)), requires_grad=True)
    win = hann_window(32, dtype=cltorch.float64)
    assert gradcheck(lambda s: F.inverse_spectrogram(s, 90, 2, win, 32, 8, 32, "frame_length"), (spec,))


def _np_griffinlim(mag, n_fft, hop, n_iter, momentum):
    win = np_hann(n_fft)
    m = momentum / (1 + momentum)
    angles = np.ones(mag.shape, dtype=complex)
    tprev = 0
    for _ in range(n_iter):
        rebuilt = np_stft(np_istft(mag * angles, n_fft, hop, win), n_fft, hop, win)
        angles = rebuilt - m * tprev
        angles = angles / (np.abs(angles) + 1e-16)
        tprev = rebuilt
    return np_istft(mag * angles, n_fft, hop, win)


def test_griffinlim_matches_numpy_and_converges():
    x = signals((), 2048).astype(np.float64)
    power = np.abs(np_stft(x, 128, 32, np_hann(128))) ** 2
    ref = _np_griffinlim(np.sqrt(power), 128, 32, 6, 0.99)
    ours = T.GriffinLim(n_fft=128, hop_length=32, n_iter=6, rand_init=False,
                        wkwargs={"dtype": cltorch.float64})(cltorch.tensor(power))
    close(ours, ref, rtol=1e-7)
    target = np.sqrt(power)

    def distance(n_iter):
        gl = T.GriffinLim(n_fft=128, hop_length=32, n_iter=n_iter, power=2.0)
        wave = gl(cltorch.tensor(power.astype(np.float32))).numpy().astype(np.float64)
        return np.linalg.norm(np.abs(np_stft(wave, 128, 32, np_hann(128))) - target) / np.linalg.norm(target)

    assert distance(24) < 0.5 * distance(1)
    with pytest.raises(ValueError, match="momentum"):
        T.GriffinLim(momentum=1.0)


@pytest.mark.parametrize("norm,scale", [(None, "htk"), ("slaney", "slaney"), ("slaney", "htk")])
def test_melscale_fbanks(norm, scale):
    ours = F.melscale_fbanks(201, 30.0, 7600.0, 40, 16000, norm, scale)
    close(ours, np_fbanks(201, 30.0, 7600.0, 40, 16000, norm, scale), rtol=1e-5)
    with pytest.warns(UserWarning, match="all zero values"):
        F.melscale_fbanks(20, 0.0, 8000.0, 64, 16000)
    with pytest.raises(ValueError):
        F.melscale_fbanks(20, 0.0, 8000.0, 8, 16000, norm="bogus")


def test_linear_fbanks_and_dct():
    freqs = np.linspace(0, 8000, 65)
    pts = np.linspace(0, 8000, 12)
    ref = np.array([[max(0.0, min((f - pts[m]) / (pts[m + 1] - pts[m]), (pts[m + 2] - f) / (pts[m + 2] - pts[m + 1])))
                     for m in range(10)] for f in freqs])
    close(F.linear_fbanks(65, 0.0, 8000.0, 10, 16000), ref, rtol=1e-6)
    for norm in ("ortho", None):
        close(F.create_dct(13, 40, norm), np_dct(13, 40, norm), rtol=1e-6)
    d = F.create_dct(40, 40, "ortho").numpy().astype(np.float64)
    np.testing.assert_allclose(d.T @ d, np.eye(40), atol=1e-5)


@pytest.mark.parametrize("kw", [{}, {"n_mels": 64, "norm": "slaney", "mel_scale": "slaney", "f_min": 20.0,
                                     "f_max": 7000.0, "n_fft": 512, "hop_length": 160}])
def test_melspectrogram(kw):
    x = signals((2,), 3000)
    n_fft, hop = kw.get("n_fft", 400), kw.get("hop_length", 200)
    spec = np.abs(np_stft(x.astype(np.float64), n_fft, hop, np_hann(n_fft))) ** 2
    fb = np_fbanks(n_fft // 2 + 1, kw.get("f_min", 0.0), kw.get("f_max", 8000.0), kw.get("n_mels", 128), 16000,
                   kw.get("norm"), kw.get("mel_scale", "htk"))
    ref = np.swapaxes(np.swapaxes(spec, -1, -2) @ fb, -1, -2)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = T.MelSpectrogram(**kw)(cltorch.tensor(x))
    close(ours, ref, rtol=3e-5)


@pytest.mark.parametrize("stype,top_db", [("power", None), ("power", 80.0), ("magnitude", 30.0)])
@pytest.mark.parametrize("shape", [(40, 30), (2, 40, 30), (2, 3, 40, 30)])
def test_amplitude_to_db(stype, top_db, shape):
    x = np.abs(RNG.standard_normal(shape)).astype(np.float32) ** 4 * 1e3
    x.flat[::17] = 0.0
    ours = T.AmplitudeToDB(stype, top_db)(cltorch.tensor(x))
    close(ours, np_db(x.astype(np.float64), 10.0 if stype == "power" else 20.0, top_db), rtol=1e-6)
    back = F.DB_to_amplitude(F.amplitude_to_DB(cltorch.tensor(x) + 1.0, 10.0, 1e-10, 0.0), 1.0, 1.0)
    close(back, x + 1.0, rtol=1e-5)
    with pytest.raises(ValueError, match="top_db"):
        T.AmplitudeToDB(top_db=-1.0)


@pytest.mark.parametrize("log_mels", [False, True])
def test_mfcc(log_mels):
    x = signals((2,), 4000)
    spec = np.abs(np_stft(x.astype(np.float64), 400, 200, np_hann(400))) ** 2
    mel = np.swapaxes(np.swapaxes(spec, -1, -2) @ np_fbanks(201, 0.0, 8000.0, 64, 16000), -1, -2)
    mel = np.log(mel + 1e-6) if log_mels else np_db(mel, 10.0, 80.0)
    ref = np.swapaxes(np.swapaxes(mel, -1, -2) @ np_dct(20, 64, "ortho"), -1, -2)
    ours = T.MFCC(n_mfcc=20, log_mels=log_mels, melkwargs={"n_mels": 64})(cltorch.tensor(x))
    assert tuple(ours.shape) == (2, 20, 21)
    close(ours, ref, rtol=2e-5)
    with pytest.raises(ValueError, match="DCT type"):
        T.MFCC(dct_type=3)
    with pytest.raises(ValueError, match="MFCC coefficients"):
        T.MFCC(n_mfcc=50, melkwargs={"n_mels": 40})


def test_melscale_gradient_and_module_buffers():
    x = cltorch.tensor(signals((1,), 300).astype(np.float64), requires_grad=True)
    mel = T.MelSpectrogram(n_fft=64, n_mels=8).double()
    assert set(dict(mel.named_buffers())) == {"spectrogram.window", "mel_scale.fb"}
    assert gradcheck(lambda a: mel(a[:, :90]), (x,))
    mfcc = T.MFCC(n_mfcc=4, melkwargs={"n_fft": 32, "n_mels": 6})
    assert set(mfcc.state_dict()) == {"dct_mat", "MelSpectrogram.spectrogram.window", "MelSpectrogram.mel_scale.fb"}
