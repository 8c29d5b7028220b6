"""Layer and training benchmark cases: Conv2d and LSTM forward+backward, an MLP epoch, a CNN step.

The cltorch and PyTorch sides run the same code (``lib`` is either module);
the NumPy side is the hand-written reference of ``_bench_numpy``.
"""
from __future__ import annotations

import numpy as np

from . import _bench_numpy as ref
from ._bench import Row, time_within

SECTION = "Layers and training"


def _libs(ctx):
    """(name, module, device) for cltorch and, when it imports, PyTorch."""
    out = [("cltorch", ctx.cltorch, ctx.device)]
    if ctx.torch is not None:
        out.append(("torch", ctx.torch, ctx.torch_device))
    return out


def _ms(times: dict) -> dict:
    return {k: t * 1e3 for k, t in times.items()}


def conv2d(ctx) -> list:
    """nn.Conv2d(32, 32, 3, padding=1) forward and backward (input and weight gradients)."""
    n = ctx.size["batch"]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 32, 28, 28), dtype=np.float32)
    g = rng.standard_normal((n, 32, 28, 28), dtype=np.float32)
    fns = {}
    for name, lib, dev in _libs(ctx):
        conv = lib.nn.Conv2d(32, 32, 3, padding=1).to(dev)
        tx = lib.tensor(x, device=dev, requires_grad=True)
        tg = lib.tensor(g, device=dev)

        def step(conv=conv, tx=tx, tg=tg):
            conv.weight.grad = conv.bias.grad = tx.grad = None
            conv(tx).backward(tg)
        fns[name] = step
    w = rng.standard_normal((32, 32, 3, 3), dtype=np.float32) / 17
    b = np.zeros(32, np.float32)

    def numpy_step():
        _, cols = ref.conv_forward(x, w, b, 1)
        ref.conv_backward(g, x.shape, w, cols, 1)
    fns["numpy"] = numpy_step
    times = ctx.measure(fns, ctx.size["model_rounds"])
    return [Row(SECTION, f"Conv2d 32->32 3x3 pad 1 on {n}x32x28x28, forward+backward", "ms", False, _ms(times))]


def lstm(ctx) -> list:
    """nn.LSTM forward over a sequence and backward of a random upstream gradient."""
    t_len, n, inp, hidden = ctx.size["lstm"]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((t_len, n, inp), dtype=np.float32)
    g = np.ones((t_len, n, hidden), np.float32)
    fns = {}
    for name, lib, dev in _libs(ctx):
        layer = lib.nn.LSTM(inp, hidden).to(dev)
        tx = lib.tensor(x, device=dev, requires_grad=True)
        tg = lib.tensor(g, device=dev)

        def step(layer=layer, tx=tx, tg=tg):
            for p in layer.parameters():
                p.grad = None
            tx.grad = None
            out, _ = layer(tx)
            out.backward(tg)
        fns[name] = step
    scale = 1.0 / np.sqrt(hidden)
    w_ih = (rng.standard_normal((4 * hidden, inp)) * scale).astype(np.float32)
    w_hh = (rng.standard_normal((4 * hidden, hidden)) * scale).astype(np.float32)
    bias = np.zeros(4 * hidden, np.float32)
    fns["numpy"] = lambda: ref.lstm_forward_backward(x, w_ih, w_hh, bias)
    times = ctx.measure(fns, ctx.size["model_rounds"])
    return [Row(SECTION, f"LSTM {inp}->{hidden}, {t_len} steps, batch {n}, forward+backward", "ms", False,
                _ms(times), **time_within("torch", 2.5))]


def _mlp(lib):
    return lib.nn.Sequential(lib.nn.Linear(784, 256), lib.nn.ReLU(), lib.nn.Linear(256, 10))


def _cnn(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(32 * 7 * 7, 10))


def _trainer(lib, dev, model, xs, ys, batch: int):
    """A function running SGD steps over (xs, ys) batch by batch; returns the last loss tensor."""
    model = model.to(dev)
    opt = lib.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = lib.nn.functional.cross_entropy
    tx = lib.tensor(xs, device=dev)
    ty = lib.tensor(ys, device=dev)

    def run(count=len(xs)):
        loss = None
        for i in range(0, count, batch):
            loss = loss_fn(model(tx[i:i + batch]), ty[i:i + batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
        return loss
    return run


def mlp_epoch(ctx) -> list:
    """One epoch of a 784-256-10 MLP with SGD, batch 64, over random samples: seconds."""
    samples = ctx.size["mlp_samples"]
    batch = 64
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((samples, 784), dtype=np.float32)
    ys = rng.integers(0, 10, samples).astype(np.int64)
    fns = {}
    for name, lib, dev in _libs(ctx):
        run = _trainer(lib, dev, _mlp(lib), xs, ys, batch)
        run(min(samples, 8 * batch))  # warm-up: kernels built, allocator pools filled
        fns[name] = run
    net = ref.MLP(rng)

    def numpy_epoch():
        for i in range(0, samples, batch):
            net.step(xs[i:i + batch], ys[i:i + batch])
    fns["numpy"] = numpy_epoch
    times = ctx.measure(fns, ctx.size["mlp_rounds"], warmup=0, prime=False)
    return [Row(SECTION, f"MLP 784-256-10 epoch, {samples} samples, batch {batch}, SGD", "s", False, times,
                **time_within("torch", 1.5))]


def cnn_step(ctx) -> list:
    """One SGD training step of a small CNN on a batch of 28x28 images: ms."""
    batch = ctx.size["batch"]
    steps = 8 if ctx.mode != "tiny" else 2
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((batch * steps, 1, 28, 28), dtype=np.float32)
    ys = rng.integers(0, 10, batch * steps).astype(np.int64)
    fns = {}
    for name, lib, dev in _libs(ctx):
        run = _trainer(lib, dev, _cnn(lib), xs, ys, batch)
        run(batch)
        fns[name] = run
    net = ref.CNN(rng)

    def numpy_steps():
        for i in range(0, len(xs), batch):
            net.step(xs[i:i + batch], ys[i:i + batch])
    fns["numpy"] = numpy_steps
    times = ctx.measure(fns, ctx.size["model_rounds"], warmup=0, prime=False)
    return [Row(SECTION, f"small CNN training step, batch {batch}, 1x28x28", "ms", False,
                {k: t / steps * 1e3 for k, t in times.items()}, **time_within("torch", 2.5))]


CASES = [("conv2d", conv2d), ("lstm", lstm), ("mlp epoch", mlp_epoch), ("cnn step", cnn_step)]
