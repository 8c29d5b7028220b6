"""Smoke checks for the layer, optimizer, data and audio kernel families, each against NumPy.

Sizes are tiny so the battery stays quick under oclgrind's simulated GPU; the full
comparisons live in the test suite.
"""
from __future__ import annotations

import math

import numpy as np

import cltorch
from ._smoke import SmokeContext, smoke_check

_RNG = np.random.default_rng(1234)


def _t(ctx: SmokeContext, arr, grad: bool = False) -> cltorch.Tensor:
    return cltorch.tensor(np.asarray(arr), device=ctx.device, requires_grad=grad)


def _close(what: str, got, want, tol: float = 1e-4) -> None:
    got = got.detach().cpu().numpy() if isinstance(got, cltorch.Tensor) else np.asarray(got)
    if got.shape != np.shape(want) or not np.allclose(got, want, rtol=tol, atol=tol):
        raise AssertionError(f"{what}: got {got!r}, expected {np.asarray(want)!r}")


def _randn(*shape) -> np.ndarray:
    return _RNG.normal(size=shape).astype(np.float32)


@smoke_check
def check_softmax_rows(ctx: SmokeContext) -> None:
    x = _randn(5, 37) * 4
    e = np.exp(x - x.max(1, keepdims=True))
    want = e / e.sum(1, keepdims=True)
    t = _t(ctx, x, grad=True)
    y = cltorch.nn.functional.softmax(t, dim=1)
    _close("softmax", y, want)
    _close("log_softmax(dim=0)", cltorch.nn.functional.log_softmax(_t(ctx, x), dim=0),
           x - x.max(0) - np.log(np.exp(x - x.max(0)).sum(0)))
    g = _randn(5, 37)
    y.backward(_t(ctx, g))
    _close("softmax backward", t.grad, want * (g - (g * want).sum(1, keepdims=True)))


@smoke_check
def check_activations(ctx: SmokeContext) -> None:
    x = _randn(33)
    erf = np.vectorize(math.erf)
    t = _t(ctx, x, grad=True)
    y = cltorch.nn.functional.gelu(t)
    _close("gelu", y, 0.5 * x * (1 + erf(x / math.sqrt(2))))
    y.sum().backward()
    pdf = np.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    _close("gelu backward", t.grad, 0.5 * (1 + erf(x / math.sqrt(2))) + x * pdf)
    _close("leaky_relu", cltorch.nn.functional.leaky_relu(_t(ctx, x), 0.1), np.where(x > 0, x, 0.1 * x))


@smoke_check
def check_dropout_mask(ctx: SmokeContext) -> None:
    n = 4096 if ctx.small else 65536
    cltorch.manual_seed(7)
    x = _t(ctx, np.ones(n, np.float32), grad=True)
    y = cltorch.nn.functional.dropout(x, 0.25, True)
    out = y.detach().cpu().numpy()
    kept = out != 0
    if not np.allclose(out[kept], 1 / 0.75) or abs(kept.mean() - 0.75) > 0.03:
        raise AssertionError(f"dropout: kept {kept.mean():.3f} (want 0.75), values {np.unique(out)}")
    y.sum().backward()
    _close("dropout backward", x.grad, out)


def _conv2d_ref(x, w, b, pad):
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((n, o, h + 2 * pad - kh + 1, wd + 2 * pad - kw + 1), np.float64)
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            patch = xp[:, :, i:i + kh, j:j + kw]
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3]))
    return out + b[None, :, None, None]


@smoke_check
def check_conv2d(ctx: SmokeContext) -> None:
    x, w, b = _randn(2, 3, 6, 5), _randn(4, 3, 3, 3), _randn(4)
    tx, tw = _t(ctx, x, grad=True), _t(ctx, w, grad=True)
    y = cltorch.nn.functional.conv2d(tx, tw, _t(ctx, b), padding=1)
    _close("conv2d", y, _conv2d_ref(x, w, b, 1), 1e-3)
    y.sum().backward()
    # d(sum)/dw[o, c, i, j] is the sum of the input window each weight touches
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    want_w = np.stack([xp[:, :, i:i + 6, j:j + 5].sum((0, 2, 3)) for i in range(3) for j in range(3)], -1)
    _close("conv2d weight grad", tw.grad, np.broadcast_to(want_w.reshape(3, 3, 3), (4, 3, 3, 3)), 1e-3)


@smoke_check
def check_max_pool_and_interpolate(ctx: SmokeContext) -> None:
    x = _randn(2, 3, 6, 8)
    t = _t(ctx, x, grad=True)
    y = cltorch.nn.functional.max_pool2d(t, 2)
    want = x.reshape(2, 3, 3, 2, 4, 2).max((3, 5))
    _close("max_pool2d", y, want)
    y.sum().backward()
    _close("max_pool2d backward", t.grad, (x == np.repeat(np.repeat(want, 2, 2), 2, 3)).astype(np.float32))
    up = cltorch.nn.functional.interpolate(_t(ctx, x), scale_factor=2, mode="nearest")
    _close("interpolate nearest", up, np.repeat(np.repeat(x, 2, 2), 2, 3))


@smoke_check
def check_embedding(ctx: SmokeContext) -> None:
    w = _randn(10, 4)
    idx = np.array([[1, 3, 1], [9, 0, 1]])
    tw = _t(ctx, w, grad=True)
    y = cltorch.nn.functional.embedding(_t(ctx, idx), tw)
    _close("embedding", y, w[idx])
    g = _randn(2, 3, 4)
    y.backward(_t(ctx, g))
    want = np.zeros_like(w)
    np.add.at(want, idx.reshape(-1), g.reshape(-1, 4))
    _close("embedding backward (repeated indices)", tw.grad, want)


@smoke_check
def check_norm_layers(ctx: SmokeContext) -> None:
    x = _randn(6, 10) * 3 + 1
    mu, var = x.mean(1, keepdims=True), x.var(1, keepdims=True)
    _close("layer_norm", cltorch.nn.functional.layer_norm(_t(ctx, x), (10,)), (x - mu) / np.sqrt(var + 1e-5))
    rm, rv = _t(ctx, np.zeros(10, np.float32)), _t(ctx, np.ones(10, np.float32))
    y = cltorch.nn.functional.batch_norm(_t(ctx, x), rm, rv, training=True, momentum=0.5)
    _close("batch_norm", y, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5))
    _close("batch_norm running_var", rv, 0.5 + 0.5 * x.var(0, ddof=1))


@smoke_check
def check_lstm_steps(ctx: SmokeContext) -> None:
    lstm = cltorch.nn.LSTM(3, 4).to(ctx.device)
    params = {n: p.detach().cpu().numpy().astype(np.float64) for n, p in lstm.named_parameters()}
    x = _randn(5, 2, 3)
    out, (h_n, c_n) = lstm(_t(ctx, x))
    h, c = np.zeros((2, 4)), np.zeros((2, 4))
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    ref = []
    for step in range(5):
        gates = (x[step] @ params["weight_ih_l0"].T + params["bias_ih_l0"] + h @ params["weight_hh_l0"].T
                 + params["bias_hh_l0"])
        i, f, g, o = np.split(gates, 4, axis=1)
        c = sig(f) * c + sig(i) * np.tanh(g)
        h = sig(o) * np.tanh(c)
        ref.append(h)
    _close("lstm output", out, np.stack(ref), 1e-4)
    _close("lstm c_n", c_n, c[None], 1e-4)


@smoke_check
def check_optimizer_steps(ctx: SmokeContext) -> None:
    p0, g = _randn(17), _randn(17)
    cases = {
        "RMSprop": (dict(lr=0.01), lambda: p0 - 0.01 * g / (np.sqrt(0.01 * g * g) + 1e-8)),
        "Adagrad": (dict(lr=0.1), lambda: p0 - 0.1 * g / (np.sqrt(g * g) + 1e-10)),
        "Adam": (dict(lr=0.01), lambda: p0 - 0.01 * g / (np.abs(g) + 1e-8)),
        "SGD": (dict(lr=0.1, momentum=0.9), lambda: p0 - 0.1 * g),
    }
    for name, (kw, want) in cases.items():
        p = _t(ctx, p0, grad=True)
        p.grad = _t(ctx, g)
        getattr(cltorch.optim, name)([p], **kw).step()
        _close(f"{name} step", p, want(), 1e-4)


@smoke_check
def check_data_and_image_batches(ctx: SmokeContext) -> None:
    from .utils.data import DataLoader, TensorDataset
    from .vision import transforms
    x, y = _randn(10, 3), np.arange(10)
    loader = DataLoader(TensorDataset(_t(ctx, x), _t(ctx, y)), batch_size=4)
    xb, yb = next(iter(loader))
    _close("TensorDataset batch", xb, x[:4])
    _close("TensorDataset labels", yb, y[:4])
    img = _RNG.integers(0, 256, size=(5, 7, 3), dtype=np.uint8)
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5, 0.4, 0.3), (0.2, 0.3, 0.4))])
    batch, _ = next(iter(DataLoader([(tf(img), 0), (tf(img), 1)], batch_size=2)))
    want = (img.transpose(2, 0, 1) / 255.0 - np.array([0.5, 0.4, 0.3])[:, None, None]) / \
        np.array([0.2, 0.3, 0.4])[:, None, None]
    _close("ToTensor+Normalize batch", batch.to(ctx.device), np.stack([want, want]).astype(np.float32), 1e-4)


@smoke_check
def check_spectrogram(ctx: SmokeContext) -> None:
    from . import audio
    n_fft, hop = 16, 4
    sig = _randn(1, 64)
    spec = audio.transforms.Spectrogram(n_fft=n_fft, hop_length=hop)(_t(ctx, sig))
    padded = np.pad(sig[0], n_fft // 2, mode="reflect")
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
    frames = np.stack([padded[i:i + n_fft] * window for i in range(0, len(padded) - n_fft + 1, hop)])
    _close("spectrogram", spec, (np.abs(np.fft.rfft(frames, axis=1)) ** 2).T[None], 1e-3)
