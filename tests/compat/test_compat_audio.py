"""cltorch.audio against torchaudio (skipped when torchaudio does not import).

Generated signals (sine sweeps, noise, speech-like chirps) go through the same
transform in both libraries; values must agree to float32 tolerance, and the
gradients of the differentiable transforms under a random upstream gradient.
"""
from __future__ import annotations

import warnings

import harness  # noqa: F401  (skips this module when torch does not import)
import numpy as np
import pytest

try:
    import torch
    import torchaudio
    import torchaudio.functional as TF
    import torchaudio.transforms as TT
except Exception as _exc:  # noqa: BLE001 - not installed, or an install whose extension does not load
    pytest.skip(f"torchaudio does not import ({_exc!r}); these tests compare against it", allow_module_level=True)

import cltorch
import cltorch.audio.functional as F
import cltorch.audio.transforms as T

SR = 16000
RNG = np.random.default_rng(2024)


def _signals() -> np.ndarray:
    """(3, 8000): a sine sweep, white noise, and a 'speech-like' chirp train with a 120 Hz pitch."""
    t = np.arange(8000) / SR
    sweep = 0.6 * np.sin(2 * np.pi * (100 + 3000 * t) * t)
    noise = 0.2 * RNG.standard_normal(t.size)
    pitch = 2 * np.pi * np.cumsum(120 + 30 * np.sin(2 * np.pi * 3 * t)) / SR
    envelope = 0.5 * (1 + np.sin(2 * np.pi * 4 * t)) ** 2 / 4
    speech = envelope * sum(np.sin(k * pitch) / k for k in range(1, 12))
    return np.stack([sweep, noise, speech]).astype(np.float32)


X = _signals()


def _both(x=X):
    return cltorch.tensor(x), torch.tensor(x)


def _check(ours, ref, rtol=3e-5):
    if ref.is_complex():
        ref = torch.view_as_real(ref)
    ref = ref.detach().numpy()
    assert tuple(ours.shape) == ref.shape
    scale = max(np.abs(ref).max(), 1e-12)
    np.testing.assert_allclose(ours.detach().numpy(), ref, rtol=0, atol=rtol * scale)


CASES = {
    "Spectrogram": (lambda m: m.Spectrogram(), 3e-5),
    "Spectrogram_opts": (lambda m: m.Spectrogram(n_fft=512, win_length=320, hop_length=160, power=1.0, pad=7,
                                                  normalized=True), 3e-5),
    "Spectrogram_complex": (lambda m: m.Spectrogram(n_fft=256, power=None, normalized="frame_length"), 3e-5),
    "Spectrogram_nocenter": (lambda m: m.Spectrogram(n_fft=300, hop_length=100, center=False, onesided=False), 3e-5),
    "MelSpectrogram": (lambda m: m.MelSpectrogram(sample_rate=SR), 3e-5),
    "MelSpectrogram_slaney": (lambda m: m.MelSpectrogram(sample_rate=SR, n_mels=64, f_min=40.0, f_max=7600.0,
                                                         norm="slaney", mel_scale="slaney"), 3e-5),
    "MFCC": (lambda m: m.MFCC(sample_rate=SR), 3e-5),
    "MFCC_logmels": (lambda m: m.MFCC(sample_rate=SR, n_mfcc=13, log_mels=True, melkwargs={"n_mels": 40}), 3e-5),
    "Resample_down": (lambda m: m.Resample(SR, 8000), 1e-5),
    "Resample_441": (lambda m: m.Resample(SR, 44100), 1e-5),
    "Resample_kaiser": (lambda m: m.Resample(SR, 22050, resampling_method="sinc_interp_kaiser"), 3e-5),
    "Fade_log": (lambda m: m.Fade(1000, 3000, "logarithmic"), 1e-6),
    "Fade_half_sine": (lambda m: m.Fade(2000, 500, "half_sine"), 1e-6),
    "Vol_db": (lambda m: m.Vol(4.0, "db"), 1e-6),
    "SpectralCentroid": (lambda m: m.SpectralCentroid(SR), 3e-5),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_transform_values(name):
    make, rtol = CASES[name]
    a, b = _both()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _check(make(T)(a), make(TT)(b), rtol)


def test_mulaw_and_dither_exact():
    a, b = _both(np.clip(X, -1, 1))
    enc = T.MuLawEncoding()(a)
    ref = TT.MuLawEncoding()(b)
    assert enc.dtype == cltorch.int64 and (enc.numpy() == ref.numpy()).all()
    _check(T.MuLawDecoding()(enc), TT.MuLawDecoding()(ref), 1e-6)
    _check(F.dither(a), TF.dither(b), 0)
    _check(F.dither(a, noise_shaping=True), TF.dither(b, noise_shaping=True), 1e-7)
    _check(F.gain(a, gain_db=5.0), TF.gain(b, gain_db=5.0), 0)


@pytest.mark.parametrize("design", ["lowpass", "highpass", "bandpass", "bandreject", "allpass", "equalizer", "bass",
                                    "treble", "band"])
def test_biquads(design):
    a, b = _both()
    calls = {
        "lowpass": lambda f, w: f.lowpass_biquad(w, SR, cutoff_freq=3000),
        "highpass": lambda f, w: f.highpass_biquad(w, SR, cutoff_freq=2000),
        "bandpass": lambda f, w: f.bandpass_biquad(w, SR, 1000.0, 2.0, const_skirt_gain=True),
        "bandreject": lambda f, w: f.bandreject_biquad(w, SR, 1000.0),
        "allpass": lambda f, w: f.allpass_biquad(w, SR, 1500.0),
        "equalizer": lambda f, w: f.equalizer_biquad(w, SR, 1000.0, 6.0),
        "bass": lambda f, w: f.bass_biquad(w, SR, 6.0, 300.0),
        "treble": lambda f, w: f.treble_biquad(w, SR, -6.0),
        "band": lambda f, w: f.band_biquad(w, SR, 1000.0, noise=True),
    }
    _check(calls[design](F, a), calls[design](TF, b), 3e-5)


def test_lfilter_banks():
    a, b = _both()
    ac = [[1.0, -0.6, 0.2], [1.5, 0.3, 0.0], [1.0, 0.1, -0.2]]
    bc = [[0.3, 0.2, 0.1], [0.5, 0.0, 0.2], [0.2, 0.2, 0.2]]
    _check(F.lfilter(a, cltorch.tensor(ac), cltorch.tensor(bc), clamp=False),
           TF.lfilter(b, torch.tensor(ac), torch.tensor(bc), clamp=False), 1e-5)
    _check(F.lfilter(a[0], cltorch.tensor(ac), cltorch.tensor(bc), batching=False),
           TF.lfilter(b[0], torch.tensor(ac), torch.tensor(bc), batching=False), 1e-5)


def test_feature_transforms_on_mfcc():
    mfcc = TT.MFCC(sample_rate=SR)(torch.tensor(X)).transpose(-1, -2).contiguous()
    ours = cltorch.tensor(mfcc.numpy())
    for kw in ({}, {"center": True}, {"cmn_window": 30, "min_cmn_window": 10}, {"norm_vars": True}):
        _check(T.SlidingWindowCmn(**kw)(ours), TT.SlidingWindowCmn(**kw)(mfcc), 1e-4)
    _check(T.ComputeDeltas()(ours), TT.ComputeDeltas()(mfcc), 1e-5)
    _check(T.ComputeDeltas(win_length=9)(ours), TT.ComputeDeltas(win_length=9)(mfcc), 1e-5)
    spec = TT.Spectrogram()(torch.tensor(X))
    for stype, top in (("power", 80.0), ("magnitude", None)):
        _check(T.AmplitudeToDB(stype, top)(cltorch.tensor(spec.numpy())), TT.AmplitudeToDB(stype, top)(spec), 1e-6)


def test_inverse_spectrogram_and_griffinlim():
    complex_spec = TT.Spectrogram(power=None)(torch.tensor(X))
    real = cltorch.tensor(torch.view_as_real(complex_spec).numpy())
    _check(T.InverseSpectrogram()(real, 8000), TT.InverseSpectrogram()(complex_spec, 8000), 1e-5)
    power = TT.Spectrogram(n_fft=256)(torch.tensor(X))
    ours = T.GriffinLim(n_fft=256, n_iter=4, rand_init=False)(cltorch.tensor(power.numpy()))
    _check(ours, TT.GriffinLim(n_fft=256, n_iter=4, rand_init=False)(power), 1e-3)


GRAD_CASES = {
    "Spectrogram": lambda m: m.Spectrogram(n_fft=128, hop_length=32),
    "Spectrogram_mag": lambda m: m.Spectrogram(n_fft=128, hop_length=50, power=1.0, pad_mode="replicate"),
    "MelSpectrogram": lambda m: m.MelSpectrogram(n_fft=128, n_mels=16),
    "Resample": lambda m: m.Resample(5, 3),
    "ComputeDeltas": lambda m: m.ComputeDeltas(),
    "Fade": lambda m: m.Fade(100, 100, "quarter_sine"),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_gradients(name):
    x = X[:, :600].astype(np.float64)
    a = cltorch.tensor(x, requires_grad=True)
    b = torch.tensor(x, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, ref = GRAD_CASES[name](T).double(), GRAD_CASES[name](TT).double()
        # the same constants on both sides: a near-zero |X| makes d|X| hinge on the window's last bits
        ours.load_state_dict({k: cltorch.tensor(v.numpy()) for k, v in ref.state_dict().items()})
        oa, ob = ours(a), ref(b)
    g = RNG.standard_normal(tuple(ob.shape))
    oa.backward(cltorch.tensor(g))
    ob.backward(torch.tensor(g))
    scale = np.abs(b.grad.numpy()).max()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=0, atol=1e-5 * scale)


def test_inverse_spectrogram_gradient():
    spec = RNG.standard_normal((2, 65, 12, 2))
    a = cltorch.tensor(spec, requires_grad=True)
    b = torch.tensor(spec, requires_grad=True)
    win_a = cltorch.audio.hann_window(128, dtype=cltorch.float64)
    oa = F.inverse_spectrogram(a, 700, 0, win_a, 128, 32, 128, False)
    ob = TF.inverse_spectrogram(torch.view_as_complex(b), 700, 0, torch.hann_window(128, dtype=torch.float64), 128,
                                32, 128, False)
    g = RNG.standard_normal(tuple(ob.shape))
    oa.backward(cltorch.tensor(g))
    ob.backward(torch.tensor(g))
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=0, atol=1e-9)


def test_same_exceptions():
    a, b = _both()
    for fn in (lambda f, w: f.resample(w.to(torch.int64) if isinstance(w, torch.Tensor) else w.to(cltorch.int64),
                                       4, 3),
               lambda f, w: f.compute_deltas(w, win_length=2),
               lambda f, w: f.lfilter(w, w[0, :3], w[0, :2])):
        with pytest.raises(Exception) as ours:
            fn(F, a)
        with pytest.raises(Exception) as ref:
            fn(TF, b)
        assert type(ours.value) is type(ref.value)
    with pytest.raises(RuntimeError):
        T.Spectrogram()(a[:, :100])
    with pytest.raises(RuntimeError):
        TT.Spectrogram()(b[:, :100])
    assert torchaudio.__version__
