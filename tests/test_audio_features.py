"""Fades, mu-law, sliding-window CMN, deltas, masking and Vol against NumPy references; the seed-note workflow."""
from __future__ import annotations

import math

import numpy as np
import pytest

import cltorch
import cltorch.audio.functional as F
import cltorch.audio.transforms as T
from cltorch.autograd import gradcheck

RNG = np.random.default_rng(5)


def close(ours, ref, atol):
    np.testing.assert_allclose(ours.numpy(), ref, rtol=0, atol=atol)


def np_fade_curves(n, fade_in, fade_out, shape):
    """torchaudio's fade-in and fade-out gains over n samples."""
    def ramp(k):
        return np.linspace(0, 1, k) if k else np.zeros(0)
    fin, fout = ramp(fade_in), ramp(fade_out)
    curves = {
        "linear": (fin, 1 - fout),
        "exponential": (2.0 ** (fin - 1) * fin, 2.0 ** (-fout) * (1 - fout)),
        "logarithmic": (np.log10(0.1 + fin) + 1, np.log10(1.1 - fout) + 1),
        "quarter_sine": (np.sin(fin * np.pi / 2), np.sin(fout * np.pi / 2 + np.pi / 2)),
        "half_sine": (np.sin(fin * np.pi - np.pi / 2) / 2 + 0.5, np.sin(fout * np.pi + np.pi / 2) / 2 + 0.5),
    }
    a, b = curves[shape]
    gin = np.clip(np.concatenate([a, np.ones(n - fade_in)]), 0, 1)
    gout = np.clip(np.concatenate([np.ones(n - fade_out), b]), 0, 1)
    return gin * gout


@pytest.mark.parametrize("shape", ["linear", "exponential", "logarithmic", "quarter_sine", "half_sine"])
def test_fade_shapes(shape):
    x = RNG.uniform(-1, 1, (2, 3, 1023)).astype(np.float32)
    ours = T.Fade(fade_in_len=100, fade_out_len=257, fade_shape=shape)(cltorch.tensor(x))
    close(ours, x * np_fade_curves(1023, 100, 257, shape), 2e-6)


def test_fade_edges():
    x = RNG.uniform(-1, 1, (1, 50)).astype(np.float32)
    close(T.Fade()(cltorch.tensor(x)), x, 0)
    close(T.Fade(50, 50)(cltorch.tensor(x)), x * np_fade_curves(50, 50, 50, "linear"), 1e-6)
    with pytest.raises(RuntimeError, match="negative dimension"):
        T.Fade(fade_in_len=51)(cltorch.tensor(x))
    g = cltorch.tensor(x.astype(np.float64), requires_grad=True)
    assert gradcheck(lambda w: T.Fade(10, 20, "half_sine")(w), (g,))


def np_mulaw(x, qc=256):
    mu = qc - 1
    y = np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu)
    return ((y + 1) / 2 * mu + 0.5).astype(np.int64)


def np_mulaw_decode(q, qc=256):
    mu = qc - 1
    y = q / mu * 2 - 1
    return np.sign(y) * (np.exp(np.abs(y) * np.log1p(mu)) - 1) / mu


@pytest.mark.parametrize("qc", [256, 16])
def test_mu_law(qc):
    x = np.concatenate([np.linspace(-1, 1, 1001), RNG.uniform(-1, 1, 22)]).astype(np.float32).reshape(1, 1023)
    codes = T.MuLawEncoding(qc)(cltorch.tensor(x))
    assert codes.dtype == cltorch.int64 and tuple(codes.shape) == (1, 1023)
    ref = np_mulaw(x.astype(np.float64), qc)
    assert np.abs(codes.numpy() - ref).max() <= 1 and (codes.numpy() == ref).mean() > 0.99
    decoded = T.MuLawDecoding(qc)(codes)
    assert decoded.dtype == cltorch.float32
    close(decoded, np_mulaw_decode(codes.numpy().astype(np.float64), qc), 1e-6)
    assert np.abs(decoded.numpy() - x).max() < (0.05 if qc == 256 else 0.3)
    with pytest.warns(UserWarning, match="floating"):
        F.mu_law_encoding(cltorch.zeros(3, dtype=cltorch.int64), qc)
    with pytest.warns(UserWarning, match="torchaudio form"):  # the seed notes' abbreviated call encodes
        direct = T.MuLawEncoding(cltorch.tensor(x))
    assert direct.equal(T.MuLawEncoding()(cltorch.tensor(x)))


def np_cmn(x, cmn_window=600, min_cmn_window=100, center=False, norm_vars=False):
    """Kaldi's sliding-window CMN, frame by frame, in float64 ((..., time, freq))."""
    frames = x.shape[-2]
    out = np.zeros_like(x, dtype=np.float64)
    for t in range(frames):
        if center:
            start = t - cmn_window // 2
            end = start + cmn_window
        else:
            start, end = t - cmn_window, t + 1
        if start < 0:
            end -= start
            start = 0
        if not center and end > t:
            end = max(t + 1, min_cmn_window)
        if end > frames:
            start = max(start - (end - frames), 0)
            end = frames
        window = x[..., start:end, :].astype(np.float64)
        count = end - start
        mean = window.sum(-2) / count
        out[..., t, :] = x[..., t, :] - mean
        if norm_vars:
            var = (window ** 2).sum(-2) / count - mean ** 2
            out[..., t, :] = 0 if count == 1 else out[..., t, :] / np.sqrt(var)
    return out


@pytest.mark.parametrize("kw", [{}, {"center": True}, {"norm_vars": True},
                                {"cmn_window": 30, "min_cmn_window": 10}, {"cmn_window": 9, "min_cmn_window": 40},
                                {"cmn_window": 20, "center": True, "norm_vars": True},
                                {"cmn_window": 1, "norm_vars": True}])
@pytest.mark.parametrize("shape", [(700, 13), (2, 3, 150, 4), (1, 5)])
def test_sliding_window_cmn(kw, shape):
    # a two-frame variance cancels catastrophically in float32 (torchaudio gives NaNs there too): use float64
    dtype = np.float64 if kw.get("cmn_window", 600) < 5 else np.float32
    x = (RNG.standard_normal(shape) * 3 + 10).astype(dtype)
    ours = T.SlidingWindowCmn(**kw)(cltorch.tensor(x))
    ref = np_cmn(x, **kw)
    assert tuple(ours.shape) == shape
    scale = 1.0 if kw.get("norm_vars") else np.abs(x).max()
    close(ours, ref, 5e-5 * scale if not kw.get("norm_vars") else 2e-3)


def test_cmn_non_contiguous_and_gradient():
    base = RNG.standard_normal((40, 2, 6))
    view = cltorch.tensor(base).transpose(0, 1)
    close(F.sliding_window_cmn(view, 7, 3), np_cmn(base.transpose(1, 0, 2), 7, 3), 1e-12)
    x = cltorch.tensor(RNG.standard_normal((2, 12, 3)), requires_grad=True)
    assert gradcheck(lambda s: F.sliding_window_cmn(s, 5, 3), (x,))
    assert gradcheck(lambda s: F.sliding_window_cmn(s, 4, center=True, norm_vars=True), (x,))


def np_deltas(x, win_length=5, mode="edge"):
    n = (win_length - 1) // 2
    pad = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(n, n)], mode=mode)
    length = x.shape[-1]
    num = sum(k * (pad[..., n + k:n + k + length] - pad[..., n - k:n - k + length]) for k in range(1, n + 1))
    return num / (2 * sum(k * k for k in range(1, n + 1)))


@pytest.mark.parametrize("shape,win", [((40, 1023), 5), ((2, 3, 13, 7), 7), ((1,), 3), ((4, 2), 9)])
def test_compute_deltas(shape, win):
    x = RNG.standard_normal(shape).astype(np.float32)
    close(T.ComputeDeltas(win_length=win)(cltorch.tensor(x)), np_deltas(x.astype(np.float64), win), 2e-6)
    with pytest.raises(ValueError, match="Window length"):
        F.compute_deltas(cltorch.tensor(x), win_length=2)


def test_compute_deltas_modes_and_gradient():
    x = RNG.standard_normal((3, 20))
    close(F.compute_deltas(cltorch.tensor(x), 5, "constant"), np_deltas(x, 5, "constant"), 1e-12)
    close(F.compute_deltas(cltorch.tensor(x), 5, "reflect"), np_deltas(x, 5, "reflect"), 1e-12)
    g = cltorch.tensor(x, requires_grad=True)
    assert gradcheck(lambda s: F.compute_deltas(s, 5), (g,))
    assert gradcheck(lambda s: F.compute_deltas(s[:, :6], 7, "circular"), (g,))


def _band(mask_row):
    """Start and length of the single run of True in a boolean row (0, 0 when empty)."""
    idx = np.flatnonzero(mask_row)
    if idx.size == 0:
        return 0, 0
    assert np.all(np.diff(idx) == 1)
    return idx[0], idx.size


@pytest.mark.parametrize("iid", [False, True])
@pytest.mark.parametrize("which", ["freq", "time"])
def test_masking(iid, which):
    cltorch.manual_seed(123)
    spec = RNG.uniform(1, 2, (4, 2, 30, 40)).astype(np.float32)
    module = T.FrequencyMasking(12, iid_masks=iid) if which == "freq" else T.TimeMasking(12, iid_masks=iid)
    seen = set()
    for _ in range(6):
        out = module(cltorch.tensor(spec), -1.0).numpy()
        masked = out == -1.0
        assert np.array_equal(out[~masked], spec[~masked])
        for b in range(4):
            for c in range(2):
                m = masked[b, c]
                line = m.any(axis=1) if which == "freq" else m.any(axis=0)
                full = m[line] if which == "freq" else m[:, line]
                assert full.all()                              # whole rows / columns are masked
                start, width = _band(line)
                assert width < 12
                seen.add((start, width))
        if not iid:
            assert all(np.array_equal(masked[0, 0], masked[b, c]) for b in range(4) for c in range(2))
    assert len(seen) > 2


def test_masking_p_and_checks():
    spec = cltorch.ones((1, 10, 10))
    out = T.TimeMasking(100, p=0.05)(spec)                     # int(10 * 0.05) = 0 columns: unchanged
    assert out is spec
    with pytest.raises(ValueError, match="p must be between"):
        T.TimeMasking(5, p=1.5)
    with pytest.raises(ValueError, match="three dimensions"):
        F.mask_along_axis_iid(cltorch.ones((5, 5)), 3, 0.0, 1)
    with pytest.raises(ValueError, match="Only Frequency and Time"):
        F.mask_along_axis(cltorch.ones((2, 5, 5)), 3, 0.0, 0)


def test_vol():
    x = RNG.uniform(-1, 1, (2, 500)).astype(np.float32)
    close(T.Vol(1.7)(cltorch.tensor(x)), np.clip(x * 1.7, -1, 1), 1e-6)
    close(T.Vol(3.0, "db")(cltorch.tensor(x)), np.clip(x * 10 ** (3 / 20), -1, 1), 1e-6)
    close(T.Vol(0.5, "power")(cltorch.tensor(x)), np.clip(x * 10 ** (10 * math.log10(0.5) / 20), -1, 1), 1e-6)
    with pytest.raises(ValueError, match="gain must be positive"):
        T.Vol(-1.0)


def test_seed_note_workflow(tmp_path):
    """The calls of the user's notes, written as there with cltorch.audio as torchaudio."""
    import cltorch.audio as torchaudio
    sr = 16000
    t = np.arange(3 * sr) / sr
    audio = (0.5 * np.sin(2 * np.pi * (200 + 300 * t) * t)).astype(np.float32)[None]
    path = tmp_path / "speech.wav"
    torchaudio.save(str(path), cltorch.tensor(audio), sr, encoding="PCM_S", bits_per_sample=16)

    audioform, sample_rate = torchaudio.load(str(path))
    assert sample_rate == sr and tuple(audioform.shape) == (1, 3 * sr)
    new_sample_rate = sample_rate // 2
    resampled = torchaudio.transforms.Resample(sample_rate, new_sample_rate)(audioform)
    assert tuple(resampled.shape) == (1, 3 * sr // 2)
    assert tuple(torchaudio.transforms.Spectrogram()(audioform).shape) == (1, 201, 241)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert tuple(torchaudio.transforms.MelSpectrogram()(audioform).shape) == (1, 128, 241)
        mfcc = torchaudio.transforms.MFCC()(audioform)
    assert tuple(mfcc.shape) == (1, 40, 241)
    codes = torchaudio.transforms.MuLawEncoding()(audioform)
    assert codes.dtype == cltorch.int64 and 0 <= int(codes.min()) and int(codes.max()) <= 255
    faded = torchaudio.transforms.Fade(fade_in_len=30000, fade_out_len=30000)(audioform)
    close(faded, audioform.numpy() * np_fade_curves(3 * sr, 30000, 30000, "linear"), 1e-6)
    cmn = torchaudio.transforms.SlidingWindowCmn()(mfcc.transpose(-1, -2))
    close(cmn, np_cmn(mfcc.transpose(-1, -2).numpy()), 2e-3)
    louder = torchaudio.functional.gain(audioform, gain_db=5.0)
    close(louder, audioform.numpy() * 10 ** 0.25, 1e-6)
    dithered = torchaudio.functional.dither(audioform)
    assert np.abs(dithered.numpy() - audioform.numpy()).max() < 3 / 2 ** 15
    low = torchaudio.functional.lowpass_biquad(audioform, sample_rate, cutoff_freq=3000)
    high = torchaudio.functional.highpass_biquad(audioform, sample_rate, cutoff_freq=2000)
    # the sweep runs 200 -> 2000 Hz: the low-pass keeps it, the high-pass cuts its first second (< 800 Hz)
    assert np.abs(low.numpy()).max() > 0.45 and np.abs(high.numpy()[:, 1000:sr]).max() < 0.1
