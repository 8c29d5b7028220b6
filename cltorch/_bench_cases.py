"""Kernel-level benchmark cases: GEMM, batched matmul, elementwise, softmax, sums, dispatch latency."""
from __future__ import annotations

import numpy as np

from ._bench import Row, at_least, at_most

FLOP_PER_SAMPLE = 4e8  # small GEMMs repeat inside one timed sample until about this much work


def _inputs(ctx, *shapes, seed: int = 0):
    """The same random float32 arrays as NumPy arrays, cltorch tensors and (if any) PyTorch tensors."""
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s, dtype=np.float32) for s in shapes]
    ours = [ctx.cltorch.tensor(a, device=ctx.device) for a in arrays]
    theirs = [ctx.torch.from_numpy(a).to(ctx.torch_device) for a in arrays] if ctx.torch else [None] * len(arrays)
    return arrays, ours, theirs


def _fns(ctx, ours, numpy, theirs) -> dict:
    return {"cltorch": ours, "numpy": numpy, "torch": theirs if ctx.torch else None}


def _count(n: int) -> str:
    """4194304 -> '4M', 4096 -> '4096'."""
    return f"{n >> 20}M" if n >= (1 << 20) and n % (1 << 20) == 0 else str(n)


def _values(times: dict, scale=None) -> dict:
    """Seconds per call -> the reported figure (scale(seconds)) per implementation."""
    return {k: (scale(t) if scale else t) for k, t in times.items()}


def sgemm(ctx) -> list:
    """C = A @ B for square float32 matrices: GFLOPS."""
    rows = []
    gpu = ctx.torch_device == "cuda"
    for n in ctx.size["gemm"]:
        (a, b), (ta, tb), (xa, xb) = _inputs(ctx, (n, n), (n, n))
        flops = 2.0 * n ** 3
        inner = max(1, int(FLOP_PER_SAMPLE // flops))
        rounds = ctx.size["rounds"] if n < 2048 else max(3, ctx.size["rounds"] - 2)
        times = ctx.measure(_fns(ctx, lambda: ta @ tb, lambda: a @ b, lambda: xa @ xb), rounds, inner)
        target = {}
        if gpu and n >= 512:
            target = at_least("torch", 0.5)
        elif not gpu and n in (512, 1024):
            target = at_least("numpy", 0.85)
        elif not gpu and n >= 2048:
            target = at_least("numpy", 0.70)
        rows.append(Row("GEMM", f"sgemm {n}x{n}x{n}", "GFLOPS", True, _values(times, lambda t: flops / t / 1e9),
                        **target))
    return rows


def batched_matmul(ctx) -> list:
    """torch.bmm-style batched products: GFLOPS."""
    rows = []
    n = ctx.size["gemm"][0] if ctx.mode == "tiny" else 128
    for batch, m in ((64, n), (16, 2 * n)):
        (a, b), (ta, tb), (xa, xb) = _inputs(ctx, (batch, m, m), (batch, m, m))
        flops = 2.0 * batch * m ** 3
        inner = max(1, int(FLOP_PER_SAMPLE // flops))
        times = ctx.measure(_fns(ctx, lambda: ta @ tb, lambda: a @ b, lambda: xa @ xb), ctx.size["rounds"], inner)
        rows.append(Row("GEMM", f"batched matmul {batch}x({m}x{m} @ {m}x{m})", "GFLOPS", True,
                        _values(times, lambda t: flops / t / 1e9)))
    return rows


def elementwise(ctx) -> list:
    """add, mul and exp over one large float32 vector: GB/s moved."""
    n = ctx.size["ew"]
    (x, y), (tx, ty), (px, py) = _inputs(ctx, (n,), (n,))
    cases = (("add", 3, lambda: tx + ty, lambda: x + y, lambda: px + py),
             ("mul", 3, lambda: tx * ty, lambda: x * y, lambda: px * py),
             ("exp", 2, lambda: tx.exp(), lambda: np.exp(x), lambda: px.exp()))
    rows = []
    for name, arrays, ours, numpy, theirs in cases:
        nbytes = arrays * n * 4
        times = ctx.measure(_fns(ctx, ours, numpy, theirs), 2 * ctx.size["rounds"] + 1)
        rows.append(Row("Elementwise and reductions", f"{name}, {_count(n)} float32", "GB/s", True,
                        _values(times, lambda t: nbytes / t / 1e9), **at_least("numpy", 0.6)))
    return rows


def softmax_rows(ctx) -> list:
    """Row softmax of a (rows, cols) float32 matrix (cltorch.nn.functional.softmax): ms."""
    r, c = ctx.size["rows"]
    (x,), (tx,), (px,) = _inputs(ctx, (r, c))
    softmax = ctx.cltorch.nn.functional.softmax

    def numpy_softmax():
        e = np.exp(x - x.max(axis=1, keepdims=True))
        e /= e.sum(axis=1, keepdims=True)
        return e

    times = ctx.measure(_fns(ctx, lambda: softmax(tx, dim=1), numpy_softmax,
                             lambda: ctx.torch.softmax(px, dim=1)), 2 * ctx.size["rounds"] + 1)
    return [Row("Elementwise and reductions", f"softmax over rows, {r}x{c}", "ms", False,
                _values(times, lambda t: t * 1e3), **at_least("numpy", 1.0))]


def sums(ctx) -> list:
    """Full-tensor, row and column sums: GB/s read."""
    n = ctx.size["ew"]
    r, c = ctx.size["rows"]
    (v, m), (tv, tm), (pv, pm) = _inputs(ctx, (n,), (r, c))
    cases = (("sum, all elements", v.nbytes, lambda: tv.sum(), lambda: v.sum(), lambda: pv.sum(),
              at_least("numpy", 1.0)),
             (f"sum over rows (dim=1), {r}x{c}", m.nbytes, lambda: tm.sum(1), lambda: m.sum(1), lambda: pm.sum(1),
              {}),
             (f"sum over columns (dim=0), {r}x{c}", m.nbytes, lambda: tm.sum(0), lambda: m.sum(0),
              lambda: pm.sum(0), {}))
    rows = []
    for name, nbytes, ours, numpy, theirs, target in cases:
        label = f"{name}, {_count(n)} float32" if name.endswith("elements") else name
        times = ctx.measure(_fns(ctx, ours, numpy, theirs), 2 * ctx.size["rounds"] + 1)
        rows.append(Row("Elementwise and reductions", label, "GB/s", True,
                        _values(times, lambda t: nbytes / t / 1e9), **target))
    return rows


def dispatch(ctx) -> list:
    """Host time per small op: a loop of ops on a 16-element tensor, synchronised once at the end."""
    (x, y), (tx, ty), (px, py) = _inputs(ctx, (16,), (16,))
    count = ctx.size["dispatch"]
    cases = (("a + b", lambda: tx + ty, lambda: x + y, lambda: px + py),
             ("a * 2.0", lambda: tx * 2.0, lambda: x * 2.0, lambda: px * 2.0),
             ("a.exp()", lambda: tx.exp(), lambda: np.exp(x), lambda: px.exp()))
    rows = []
    for name, ours, numpy, theirs in cases:
        times = ctx.measure(_fns(ctx, ours, numpy, theirs), ctx.size["rounds"], inner=count, warmup=count // 10 + 1)
        rows.append(Row("Dispatch latency (16 elements, host time per op)", name, "us", False,
                        _values(times, lambda t: t * 1e6), **at_most(10, "us")))
    return rows


CASES = [("sgemm", sgemm), ("batched matmul", batched_matmul), ("elementwise", elementwise),
         ("softmax", softmax_rows), ("sums", sums), ("dispatch", dispatch)]
