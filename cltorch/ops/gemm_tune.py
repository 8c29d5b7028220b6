"""GEMM autotuning: time a handful of kernel configurations once per device, keep the winner on disk.

A configuration is two numbers. CPU (gemm_cpu): rows of C per work-item (RM)
and vectors of C per row (NV, each VW wide). GPU (gemm_gpu): the work-group
side (WG) and the elements per work-item side (WPT). The first GEMM of at
least ``TUNE_MIN_WORK`` multiply-adds on a device without a stored result runs
the tuning (a few seconds, once per machine) and writes
``<cache dir>/tuning/gemm-<device key>.json`` atomically. CLTORCH_GEMM_TUNE=off
keeps the defaults; with the program cache off (CLTORCH_CACHE_DIR=off) nothing
is tuned either.
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
import time

import numpy as np

from .._atomic import atomic_write
from ..backend import settings

CPU_CANDIDATES = ((6, 1), (8, 1), (6, 2), (8, 2), (12, 2), (4, 4))
GPU_CANDIDATES = ((16, 4), (16, 2), (8, 4), (8, 8))
DEFAULTS = {"cpu": (6, 2), "gpu": (16, 4)}  # cpu: best of the candidates on a 2-core Zen 5 (PoCL 3.1)
TUNE_MIN_WORK = 1 << 24      # M*N*K of the first product that triggers tuning (256^3)
TUNE_SIZE = 768              # square problem timed per candidate
TUNE_ROUNDS = 5

_configs: dict = {}          # runtime -> (a, b)
_lock = threading.Lock()


def candidates(rt) -> tuple:
    """The configurations worth trying on this device."""
    if rt.variant == "gpu":
        return tuple(c for c in GPU_CANDIDATES if c[0] * c[0] <= rt.info.max_work_group)
    return CPU_CANDIDATES


def default(rt) -> tuple:
    """The configuration used until (or instead of) tuning."""
    if rt.variant == "gpu" and rt.info.max_work_group < 256:
        return (8, 4)
    return DEFAULTS[rt.variant]


def _enabled() -> bool:
    return os.environ.get("CLTORCH_GEMM_TUNE", "").strip().lower() not in ("off", "0", "no", "false")


def tuning_path(rt):
    """The JSON file holding this device's tuned configuration, or None when caching is off."""
    root = settings.cache_dir()
    if root is None:
        return None
    info = rt.info
    key = hashlib.sha256("\x00".join((info.platform_name, info.platform_version, info.name, info.driver_version,
                                      rt.variant)).encode()).hexdigest()[:20]
    return root / "tuning" / f"gemm-{key}.json"


def _load(rt):
    path = tuning_path(rt)
    if path is None or not path.is_file():
        return None
    try:
        cfg = tuple(json.loads(path.read_text())["config"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return cfg if cfg in candidates(rt) else None


def config(rt, work: int = 0) -> tuple:
    """The configuration for this device; tunes first when ``work`` (M*N*K) is large and nothing is stored."""
    cfg = _configs.get(rt)
    if cfg is not None:
        return cfg
    with _lock:
        cfg = _configs.get(rt)
        if cfg is not None:
            return cfg
        cfg = _load(rt)
        if cfg is None:
            if work < TUNE_MIN_WORK or not _enabled() or tuning_path(rt) is None:
                return default(rt)
            cfg = tune(rt)["config"]
        _configs[rt] = cfg
    return cfg


def forced(rt, cfg):
    """Context manager: run GEMMs of this device with configuration cfg (tests, tuning)."""
    return _Forced(rt, tuple(cfg))


class _Forced:
    def __init__(self, rt, cfg):
        self.rt, self.cfg = rt, cfg

    def __enter__(self):
        self.saved = _configs.get(self.rt)
        _configs[self.rt] = self.cfg
        return self

    def __exit__(self, *exc):
        if self.saved is None:
            _configs.pop(self.rt, None)
        else:
            _configs[self.rt] = self.saved


def _problem(rt, n: int):
    """Three dense n x n float32 operands on the device (c, a, b) as launcher views."""
    from ..backend import Storage
    from .gemm import _View
    from .. import _dtype
    rng = np.random.default_rng(0)
    views = []
    for _ in range(3):
        st = Storage(rt, n * n * 4)
        rt.upload(st.buffer, rng.random((n, n), dtype=np.float32))
        views.append(_View(st, 0, (n, n), (n, 1), _dtype.float32))
    return views


def tune(rt, save: bool = True, size: int = TUNE_SIZE) -> dict:
    """Time every candidate on a size x size x size float32 product; store and return the winner.

    Returns {"config": best, "gflops": {config string: best GFLOPS}}. Rounds interleave
    the candidates and each keeps its best time, so a noisy machine hurts all of them alike."""
    from .gemm import gemm
    c, a, b = _problem(rt, size)
    flops = 2.0 * size ** 3
    best: dict = {}
    cands = candidates(rt)
    for cand in cands:  # build and warm up every variant before timing any
        with forced(rt, cand):
            gemm(c, a, a._stride, b, b._stride, size)
    rt.synchronize()
    for _ in range(TUNE_ROUNDS):
        for cand in cands:
            with forced(rt, cand):
                start = time.perf_counter()
                gemm(c, a, a._stride, b, b._stride, size)
                rt.synchronize()
                elapsed = time.perf_counter() - start
            best[cand] = min(best.get(cand, elapsed), elapsed)
    winner = min(cands, key=lambda k: best[k])
    result = {"config": winner, "gflops": {f"{k[0]}x{k[1]}": round(flops / best[k] / 1e9, 1) for k in cands}}
    _configs[rt] = winner
    path = tuning_path(rt)
    if save and path is not None:
        record = {"device": rt.info.name, "platform": rt.info.platform_version, "variant": rt.variant,
                  "size": size, "config": list(winner), "gflops": result["gflops"]}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, json.dumps(record, indent=1), prefix=".tmp-", suffix="")
        except OSError:
            pass  # a read-only cache folder only means tuning again next time
    return result
