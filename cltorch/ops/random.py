"""Philox-based random kernels. Every function fills a dense output and takes
the (seed, offset) it should use; advancing the generator is the caller's job."""
from __future__ import annotations

import numpy as np

from .layout import is_dense, numel

_U64 = np.uint64


def _defines(dst, extra=None):
    d = {"OUT": dst.dtype.tag}
    if dst.dtype.tag == "f16":
        d["OUT_IS_HALF"] = True
    if dst.dtype.tag == "f64":
        d["OUT_IS_DOUBLE"] = True
    d.update(extra or {})
    return d


def blocks_needed(dst, kind: str = "float") -> int:
    """How many Philox counters a fill of dst consumes (the generator advances by this)."""
    n = numel(dst._shape)
    if kind == "randperm":
        return n
    per = 2 if (dst.dtype.tag == "f64" and kind in ("uniform", "normal")) else 4
    return (n + per - 1) // per


def _acc(rt):
    return np.float64 if rt.has_fp64 else np.float32


def _check_fresh(dst) -> None:
    if dst._offset != 0 or not is_dense(dst):
        raise ValueError("random kernels write dense outputs from offset 0; pass a fresh tensor")


def _launch_blocks(dst, name, seed, offset, *args, extra=None, kind="float"):
    n = numel(dst._shape)
    if n == 0:
        return
    _check_fresh(dst)
    rt = dst._storage.runtime
    k = rt.kernel("random.cl", name, _defines(dst, extra))
    rt.launch(k, blocks_needed(dst, kind), dst._storage.buffer, _U64(seed), _U64(offset), *args, np.int64(n))


def uniform(dst, seed: int, offset: int, low: float, high: float) -> None:
    """Uniform floats in [low, high)."""
    acc = _acc(dst._storage.runtime) if dst._storage.buffer is not None else np.float32
    _launch_blocks(dst, "uniform", seed, offset, acc(low), acc(high), kind="uniform")


def normal(dst, seed: int, offset: int, mean: float, std: float) -> None:
    """Normal floats with the given mean and standard deviation."""
    acc = _acc(dst._storage.runtime) if dst._storage.buffer is not None else np.float32
    _launch_blocks(dst, "normal", seed, offset, acc(mean), acc(std), kind="normal")


def normal_tensor(dst, mean, std, seed: int, offset: int) -> None:
    """Normal floats with per-element mean and std (dense, dst's dtype and shape)."""
    n = numel(dst._shape)
    if n == 0:
        return
    _check_fresh(dst)
    rt = dst._storage.runtime
    k = rt.kernel("random.cl", "normal_tensor", _defines(dst))
    rt.launch(k, (n + 3) // 4, dst._storage.buffer, mean._storage.buffer, std._storage.buffer,
              _U64(seed), _U64(offset), np.int64(n))


def randint(dst, seed: int, offset: int, low: int, high: int) -> None:
    """Integers uniform in [low, high)."""
    span = (int(high) - int(low)) % (1 << 64)
    _launch_blocks(dst, "randint", seed, offset, np.int64(low), _U64(span))


def bernoulli_scalar(dst, seed: int, offset: int, p: float) -> None:
    """Ones with probability p, zeros otherwise."""
    _launch_blocks(dst, "bernoulli_scalar", seed, offset, np.float32(p))


def bernoulli_tensor(dst, p, seed: int, offset: int) -> None:
    """Ones with per-element probability p (dense, same shape as dst)."""
    n = numel(dst._shape)
    if n == 0:
        return
    _check_fresh(dst)
    rt = dst._storage.runtime
    k = rt.kernel("random.cl", "bernoulli_tensor", _defines(dst, {"A": p.dtype.tag}))
    rt.launch(k, (n + 3) // 4, dst._storage.buffer, p._storage.buffer, _U64(seed), _U64(offset), np.int64(n))


def randperm(dst, seed: int, offset: int) -> None:
    """A random permutation of 0..n-1 (one work-item runs Fisher-Yates)."""
    n = numel(dst._shape)
    if n == 0:
        return
    _check_fresh(dst)
    rt = dst._storage.runtime
    k = rt.kernel("random.cl", "randperm", _defines(dst))
    rt.launch_single(k, dst._storage.buffer, _U64(seed), _U64(offset), np.int64(n))
