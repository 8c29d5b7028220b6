"""lfilter, biquads, resampling, gain and dither against NumPy references written from the formulas."""
from __future__ import annotations

import math

import numpy as np
import pytest

import cltorch
import cltorch.audio.functional as F
import cltorch.audio.transforms as T
from cltorch.autograd import gradcheck

RNG = np.random.default_rng(11)


def noisy_sweeps(shape, sr=16000):
    n = shape[-1]
    t = np.arange(n) / sr
    rows = int(np.prod(shape[:-1]))
    out = [0.5 * np.sin(2 * np.pi * (80 + 40 * r + 3000 * t) * t) + 0.1 * RNG.standard_normal(n) for r in range(rows)]
    return np.stack(out).reshape(shape).astype(np.float32)


def np_lfilter(x, a, b):
    """Direct form: a0 y[n] = sum_k b[k] x[n-k] - sum_{k>=1} a[k] y[n-k], float64, rows along the last dim."""
    x = np.asarray(x, dtype=np.float64)
    y = np.zeros_like(x)
    for n in range(x.shape[-1]):
        acc = sum(b[k] * x[..., n - k] for k in range(len(b)) if n - k >= 0)
        acc = acc - sum(a[k] * y[..., n - k] for k in range(1, len(a)) if n - k >= 0)
        y[..., n] = acc / a[0]
    return y


def cookbook(kind, sr, f0, Q=0.707, gain=0.0):
    """Audio EQ Cookbook biquad coefficients (b, a)."""
    w0 = 2 * math.pi * f0 / sr
    alpha = math.sin(w0) / (2 * Q)
    c = math.cos(w0)
    A = 10 ** (gain / 40)
    table = {
        "lowpass": ([(1 - c) / 2, 1 - c, (1 - c) / 2], [1 + alpha, -2 * c, 1 - alpha]),
        "highpass": ([(1 + c) / 2, -(1 + c), (1 + c) / 2], [1 + alpha, -2 * c, 1 - alpha]),
        "bandpass": ([alpha, 0, -alpha], [1 + alpha, -2 * c, 1 - alpha]),
        "bandpass_skirt": ([math.sin(w0) / 2, 0, -math.sin(w0) / 2], [1 + alpha, -2 * c, 1 - alpha]),
        "bandreject": ([1, -2 * c, 1], [1 + alpha, -2 * c, 1 - alpha]),
        "allpass": ([1 - alpha, -2 * c, 1 + alpha], [1 + alpha, -2 * c, 1 - alpha]),
        "equalizer": ([1 + alpha * A, -2 * c, 1 - alpha * A], [1 + alpha / A, -2 * c, 1 - alpha / A]),
    }
    return table[kind]


def close(ours, ref, atol):
    np.testing.assert_allclose(ours.numpy(), ref, rtol=0, atol=atol)


@pytest.mark.parametrize("shape", [(1,), (7,), (1023,), (2, 3, 400)])
def test_lfilter_matches_direct_form(shape):
    x = noisy_sweeps(shape) if len(shape) > 1 else RNG.uniform(-0.5, 0.5, shape).astype(np.float32)
    a = [1.3, -0.6, 0.2, -0.05]
    b = [0.2, 0.4, 0.1, 0.05]
    ours = F.lfilter(cltorch.tensor(x), cltorch.tensor(a), cltorch.tensor(b), clamp=False)
    close(ours, np_lfilter(x, a, b), 1e-5)
    clamped = F.lfilter(cltorch.tensor(x * 8), cltorch.tensor(a), cltorch.tensor(b))
    close(clamped, np.clip(np_lfilter(x * 8, a, b), -1, 1), 1e-5)


def test_lfilter_filter_banks_and_batching():
    x = noisy_sweeps((2, 3, 300))
    a = np.array([[1.0, -0.5, 0.1], [2.0, 0.2, 0.0], [1.0, 0.1, -0.3]])
    b = np.array([[0.3, 0.2, 0.1], [0.5, 0.0, 0.1], [0.2, 0.2, 0.2]])
    ours = F.lfilter(cltorch.tensor(x), cltorch.tensor(a), cltorch.tensor(b), clamp=False)
    ref = np.stack([np_lfilter(x[:, i], a[i], b[i]) for i in range(3)], axis=1)
    close(ours, ref, 1e-5)
    mono = noisy_sweeps((2, 300))
    ours = F.lfilter(cltorch.tensor(mono), cltorch.tensor(a), cltorch.tensor(b), clamp=False, batching=False)
    assert tuple(ours.shape) == (2, 3, 300)
    close(ours, np.stack([np_lfilter(mono, a[i], b[i]) for i in range(3)], axis=1), 1e-5)
    with pytest.raises(ValueError, match="same size"):
        F.lfilter(cltorch.tensor(mono), cltorch.ones(3), cltorch.ones(2))
    with pytest.raises(ValueError, match="number of batches"):
        F.lfilter(cltorch.tensor(x), cltorch.ones(2, 3), cltorch.ones(2, 3))


def test_lfilter_non_contiguous_and_float64():
    base = noisy_sweeps((3, 2, 500)).astype(np.float64)
    view = cltorch.tensor(base).transpose(0, 1)[..., ::2]
    a, b = [1.0, -1.2, 0.5], [0.1, 0.2, 0.1]
    ref = np_lfilter(np.ascontiguousarray(base.transpose(1, 0, 2)[..., ::2]), a, b)
    ours = F.lfilter(view, cltorch.tensor(a, dtype=cltorch.float64), cltorch.tensor(b, dtype=cltorch.float64),
                     clamp=False)
    assert ours.dtype == cltorch.float64
    close(ours, ref, 1e-12)


def test_lfilter_gradients():
    x = cltorch.tensor(RNG.uniform(-0.4, 0.4, (2, 2, 25)), requires_grad=True)
    f64 = cltorch.float64
    a = cltorch.tensor([[1.1, -0.4, 0.2], [0.9, 0.3, -0.1]], dtype=f64, requires_grad=True)
    b = cltorch.tensor([[0.3, 0.2, 0.1], [0.5, -0.2, 0.1]], dtype=f64, requires_grad=True)
    assert gradcheck(lambda s, p, q: F.lfilter(s, p, q, clamp=False), (x, a, b))
    a1 = cltorch.tensor([1.2, -0.5, 0.1], dtype=f64, requires_grad=True)
    b1 = cltorch.tensor([0.4, 0.3, 0.2], dtype=f64, requires_grad=True)
    assert gradcheck(lambda s, p, q: F.lfilter(s * 3, p, q), (x, a1, b1))


@pytest.mark.parametrize("kind", ["lowpass", "highpass", "bandpass", "bandpass_skirt", "bandreject", "allpass",
                                  "equalizer"])
def test_biquads_match_cookbook(kind):
    sr, f0 = 16000, 1500.0
    x = noisy_sweeps((2, 800))
    wave = cltorch.tensor(x)
    ours = {
        "lowpass": lambda: F.lowpass_biquad(wave, sr, f0),
        "highpass": lambda: F.highpass_biquad(wave, sr, f0),
        "bandpass": lambda: F.bandpass_biquad(wave, sr, f0, 2.0),
        "bandpass_skirt": lambda: F.bandpass_biquad(wave, sr, f0, 2.0, const_skirt_gain=True),
        "bandreject": lambda: F.bandreject_biquad(wave, sr, f0),
        "allpass": lambda: F.allpass_biquad(wave, sr, f0),
        "equalizer": lambda: F.equalizer_biquad(wave, sr, f0, 6.0),
    }[kind]()
    b, a = cookbook(kind, sr, f0, 2.0 if kind.startswith("bandpass") else 0.707, 6.0)
    close(ours, np.clip(np_lfilter(x, a, b), -1, 1), 2e-5)


def test_seed_note_calls_and_biquad():
    x = noisy_sweeps((1, 4000))
    wave = cltorch.tensor(x)
    close(F.lowpass_biquad(wave, 16000, cutoff_freq=3000),
          np.clip(np_lfilter(x, *cookbook("lowpass", 16000, 3000)[::-1]), -1, 1), 2e-5)
    close(F.highpass_biquad(wave, 16000, cutoff_freq=2000),
          np.clip(np_lfilter(x, *cookbook("highpass", 16000, 2000)[::-1]), -1, 1), 2e-5)
    close(F.biquad(wave, 0.2, 0.1, 0.05, 1.5, -0.3, 0.1),
          np.clip(np_lfilter(x, [1.5, -0.3, 0.1], [0.2, 0.1, 0.05]), -1, 1), 2e-5)
    close(F.gain(wave, gain_db=5.0), x * 10 ** 0.25, 1e-6)
    assert F.gain(wave, 0) is wave


def test_biquad_with_tensor_parameters_is_differentiable():
    x = cltorch.tensor(RNG.uniform(-0.3, 0.3, (1, 30)))
    q = cltorch.tensor(0.9, dtype=cltorch.float64, requires_grad=True)
    f0 = cltorch.tensor(2500.0, dtype=cltorch.float64, requires_grad=True)
    out = F.lowpass_biquad(x, 16000, f0, q)
    b, a = cookbook("lowpass", 16000, 2500.0, 0.9)
    close(out.detach(), np.clip(np_lfilter(x.numpy(), a, b), -1, 1), 1e-12)
    assert gradcheck(lambda c, qq: F.lowpass_biquad(x, 16000, c, qq), (f0, q))


def np_resample(x, orig, new, lowpass_filter_width=6, rolloff=0.99, method="hann", beta=14.769656459379492):
    """Bandlimited interpolation written from the formula: y[o] = sum_n x[n] h(n / orig - o / new)."""
    g = math.gcd(orig, new)
    orig, new = orig // g, new // g
    base = min(orig, new) * rolloff
    width = math.ceil(lowpass_filter_width * orig / base)
    length = x.shape[-1]
    out_len = math.ceil(new * length / orig)
    y = np.zeros(x.shape[:-1] + (out_len,))
    for o in range(out_len):
        j = o // new
        n = np.arange(j * orig - width, j * orig + width + orig)
        keep = (n >= 0) & (n < length)
        t = np.clip((n / orig - o / new) * base, -lowpass_filter_width, lowpass_filter_width)
        if method == "hann":
            win = np.cos(t * math.pi / lowpass_filter_width / 2) ** 2
        else:
            win = np.i0(beta * np.sqrt(1 - (t / lowpass_filter_width) ** 2)) / np.i0(beta)
        h = np.sinc(t) * win * base / orig
        y[..., o] = (x[..., n[keep]] * h[keep]).sum(-1)
    return y


@pytest.mark.parametrize("orig,new,shape", [(16000, 8000, (2, 1023)), (3, 2, (7,)), (2, 5, (2, 2, 101)),
                                            (44100, 16000, (1, 2000)), (8000, 11025, (1, 300))])
def test_resample_matches_formula(orig, new, shape):
    x = noisy_sweeps(shape) if len(shape) > 1 else RNG.uniform(-1, 1, shape).astype(np.float32)
    ours = T.Resample(orig, new)(cltorch.tensor(x))
    ref = np_resample(x.astype(np.float64), orig, new)
    assert tuple(ours.shape) == ref.shape
    close(ours, ref, 2e-6)
    close(F.resample(cltorch.tensor(x), orig, new), ref, 2e-6)


def test_resample_kaiser_options_and_identity():
    x = noisy_sweeps((2, 500)).astype(np.float64)
    ours = F.resample(cltorch.tensor(x), 4, 3, lowpass_filter_width=9, rolloff=0.9,
                      resampling_method="sinc_interp_kaiser", beta=8.0)
    close(ours, np_resample(x, 4, 3, 9, 0.9, "kaiser", 8.0), 1e-10)
    module = T.Resample(4, 3, resampling_method="sinc_interp_kaiser")
    close(module(cltorch.tensor(x)), np_resample(x, 4, 3, method="kaiser"), 1e-6)
    wave = cltorch.tensor(x)
    assert F.resample(wave, 5, 5) is wave and T.Resample(5, 5)(wave) is wave
    with pytest.raises(ValueError, match="Invalid resampling method"):
        F.resample(wave, 4, 3, resampling_method="cubic")
    with pytest.raises(TypeError, match="floating point"):
        F.resample(cltorch.ones(10, dtype=cltorch.int64), 4, 3)


def test_resample_non_contiguous_and_gradient():
    base = noisy_sweeps((3, 2, 400))
    view = cltorch.tensor(base).transpose(0, 1)[..., 1::2]
    ref = np_resample(np.ascontiguousarray(base.transpose(1, 0, 2)[..., 1::2]).astype(np.float64), 3, 4)
    close(T.Resample(3, 4)(view), ref, 2e-6)
    x = cltorch.tensor(RNG.uniform(-1, 1, (2, 40)), requires_grad=True)
    assert gradcheck(lambda s: F.resample(s, 5, 3), (x,))
    assert gradcheck(lambda s: F.resample(s, 2, 3), (x,))


def test_dither_distributions():
    x = noisy_sweeps((2, 3, 200)).astype(np.float32)
    up, down = 2 ** 15 - 2, 2 ** 15
    n = x.shape[-1]
    bartlett = 1 - np.abs(2 * np.arange(n) / n - 1)
    ref = np.round(x.astype(np.float32) * np.float32(up) + bartlett.astype(np.float32)) / down
    close(F.dither(cltorch.tensor(x)), ref, 1e-7)
    shaped = F.dither(cltorch.tensor(x), noise_shaping=True).numpy()
    err = ref - x
    close(cltorch.tensor(shaped), ref + np.concatenate([np.zeros_like(err[..., :1]), err[..., :-1]], -1), 1e-6)
    const = np.full((3, 50), 0.25, dtype=np.float32)
    close(F.dither(cltorch.tensor(const), "RPDF"), np.round(0.25 * up + 0.25 - 0.5) / down + 0 * const, 1e-7)
    close(F.dither(cltorch.tensor(const), "GPDF"), np.round(0.25 * up + 7 * 0.25) / down + 0 * const, 1e-7)
    mono = cltorch.tensor(noisy_sweeps((1, 100)))
    for kind in ("RPDF", "GPDF"):
        out = F.dither(mono, kind).numpy() * down - mono.numpy() * up
        assert out.shape == (1, 100) and np.abs(out).max() < 8.5
