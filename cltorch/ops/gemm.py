"""Launcher for the batched GEMM kernels of gemm.cl.

``gemm(out, a, a_strides, b, b_strides, k, alpha, beta)`` computes
``out[..., M, N] = alpha * a @ b + beta * out`` where ``a`` is viewed at
``batch + (M, K)`` through ``a_strides`` and ``b`` at ``batch + (K, N)``
through ``b_strides`` (``batch`` is ``out``'s leading shape; stride 0
broadcasts). ``out`` may have any strides but must not overlap ``a`` or ``b``.
"""
from __future__ import annotations

import itertools

import numpy as np

from ..backend import Storage
from . import gemm_tune
from .fill import fill
from .layout import cached_scalar, coalesce, numel

MAXDIM = 8
_HEAD = 13  # M N K a_m a_k b_k b_n c_m c_n tiles_m tiles_n nbatch ndim
_FIELDS = _HEAD + MAXDIM + 3 * MAXDIM + 3

DOT_TILE = 4          # DR x DC outputs per work-item in gemm_dot (4 x 4; 4 x 1 or 1 x 4 for vectors)
PACK_MIN_WORK = 1 << 22  # M*N*K from which the CPU path packs B into column panels first
PACK_MIN_ROWS = 64       # ... when each panel is reused by at least this many rows of A
SPLIT_MIN_K = 4096       # smaller M on the CPU: K from which k is split into chunks of
SPLIT_CHUNK = 256        # at least this many steps, one partial product each, summed by a second GEMM
SPLIT_MAX_CHUNKS = 32
_PLAN_LIMIT = 2048

_plans: dict = {}  # (device, dtype, shapes, strides, offsets, k, tuned config) -> how the product runs


def _vector_width(dtype) -> int:
    return 8 if dtype.itemsize == 8 else 16


def _pack(mnk, strides, tiles, batch_shape, batch_strides, offsets) -> np.ndarray:
    """The gemm_t struct of gemm.cl as an int64 array."""
    buf = np.zeros(_FIELDS, dtype=np.int64)
    nbatch = numel(batch_shape)
    buf[:_HEAD] = [*mnk, *strides, *tiles, nbatch, len(batch_shape)]
    buf[_HEAD:_HEAD + MAXDIM] = 1
    buf[_HEAD:_HEAD + len(batch_shape)] = batch_shape
    for op, st in enumerate(batch_strides):
        base = _HEAD + MAXDIM + op * MAXDIM
        buf[base:base + len(st)] = st
    base = _HEAD + 4 * MAXDIM
    buf[base:base + 3] = offsets
    return buf


def _batches(batch_shape, batch_strides, offsets):
    """Coalesced batch layouts; more than MAXDIM batch dimensions loop on the host."""
    sizes, strides = coalesce(batch_shape, batch_strides)
    outer = len(sizes) - MAXDIM
    if outer <= 0:
        yield sizes, strides, offsets
        return
    inner = [st[outer:] for st in strides]
    for idx in itertools.product(*(range(s) for s in sizes[:outer])):
        offs = [off + sum(i * st[d] for d, i in enumerate(idx)) for off, st in zip(offsets, strides)]
        yield sizes[outer:], inner, offs


def _choose(rt, M, N, strides, dt, work) -> tuple:
    """(kernel name, defines, rows per tile, columns per tile, work-group side) for one problem.

    The CPU and GPU shapes come from the device's tuned configuration (gemm_tune)."""
    if rt.variant == "gpu":
        wg, wpt = gemm_tune.config(rt, work)
        return "gemm_gpu", {"WG": wg, "WPT": wpt}, wg * wpt, wg * wpt, wg
    if _dot_layout(N, strides):
        rows, cols = (DOT_TILE, 1) if N == 1 else ((1, DOT_TILE) if M == 1 else (DOT_TILE, DOT_TILE))
        extra = {} if rows == cols else {"DR": rows, "DC": cols}
        return "gemm_dot", extra, rows, cols, None
    rows, nv = gemm_tune.config(rt, work)
    vw = _vector_width(dt)
    if M == 1:
        rows, nv = 1, 1
    if N < nv * vw:
        nv = 1  # narrow problems and leftovers: one vector per row keeps the vector-load path
    return "gemm_cpu", {"RM": rows, "NV": nv}, rows, nv * vw, None


def _dot_layout(N, strides) -> bool:
    """A and B both contiguous along k, and B without unit column stride: gemm_dot's case."""
    a_m, a_k, b_k, b_n, _, _ = strides
    return a_k == 1 and b_k == 1 and (b_n != 1 or N == 1)


def _wants_transpose(M, N, strides) -> bool:
    """On the CPU, C^T = B^T A^T is faster when that gives B unit column stride and B lacks it."""
    a_m, a_k, b_k, b_n, _, _ = strides
    return b_n != 1 and a_m == 1 and not _dot_layout(N, strides)


def _wants_split(M, N, K, dt, strides) -> bool:
    """Few rows of A walking a long k down B's columns on the CPU: split k.

    Not for gemm_dot's layout (its rows stream well) nor for half (partial sums would round)."""
    return K >= SPLIT_MIN_K and M < PACK_MIN_ROWS and dt.tag != "f16" and not _dot_layout(N, strides)


def gemm(out, a, a_strides, b, b_strides, k: int, alpha=1, beta=0) -> None:
    """out = alpha * a @ b + beta * out over out's batch dimensions (beta 0: out is not read)."""
    rt = out._storage.runtime
    key = (rt, out.dtype, out._shape, out._stride, out._offset, a._offset, tuple(a_strides), b._offset,
           tuple(b_strides), k, gemm_tune._configs.get(rt))
    try:
        plan = _plans.get(key)
    except TypeError:  # a shape or strides given as a list: plan without memoising
        key = plan = None
    if plan is None:
        plan = _plan(rt, out, a, a_strides, b, b_strides, k)
        if key is not None:
            if len(_plans) >= _PLAN_LIMIT:
                _plans.clear()
            _plans[key] = plan
    kind = plan[0]
    if kind is None:
        return
    if kind == "packed":
        _gemm_packed(out, a, a_strides, b, b_strides, k, alpha, beta)
        return
    if kind == "split":
        _gemm_split_k(out, a, a_strides, b, b_strides, k, alpha, beta)
        return
    _, swap, launches = plan
    dt = out.dtype
    al, be = cached_scalar(dt, alpha), cached_scalar(dt, beta)
    c_buf, a_buf, b_buf = out._storage.buffer, a._storage.buffer, b._storage.buffer
    if swap:
        a_buf, b_buf = b_buf, a_buf
    for kern, packed, size, group in launches:
        if group:
            rt.launch_nd(kern, size, (group, group, 1), c_buf, a_buf, b_buf, al, be, packed)
        else:
            rt.launch(kern, size, c_buf, a_buf, b_buf, al, be, packed)


def _plan(rt, out, a, a_strides, b, b_strides, k):
    """How one problem runs: (None,), ("packed",), ("split",) or ("direct", swap, launches)."""
    M, N = out._shape[-2], out._shape[-1]
    batch = tuple(out._shape[:-2])
    if M == 0 or N == 0 or numel(batch) == 0:
        return (None,)
    dt = out.dtype
    nb = len(batch)
    # a single row or column has no meaningful stride along it: 0 keeps the kernel choice honest
    row = 0 if M == 1 else 1
    col = 0 if N == 1 else 1
    strides = (row * a_strides[nb], a_strides[nb + 1], b_strides[nb], col * b_strides[nb + 1],
               row * out._stride[nb], col * out._stride[nb + 1])
    if nb == 0 and rt.variant != "gpu":
        if _wants_packing(M, N, k, dt):
            return ("packed",)
        if _wants_split(M, N, k, dt, strides):
            return ("split",)
    batch_strides = [out._stride[:nb], tuple(a_strides[:nb]), tuple(b_strides[:nb])]
    offsets = [out._offset, a._offset, b._offset]
    swap = rt.variant != "gpu" and _wants_transpose(M, N, strides)
    if swap:
        a_m, a_k, b_k, b_n, c_m, c_n = strides
        M, N, strides = N, M, (b_n, b_k, a_k, a_m, c_n, c_m)
        batch_strides = [batch_strides[0], batch_strides[2], batch_strides[1]]
        offsets = [offsets[0], offsets[2], offsets[1]]
    launches = _direct(rt, M, N, k, strides, dt, batch, batch_strides, offsets)
    return ("direct", swap, launches)


def _direct(rt, M, N, k, strides, dt, batch, batch_strides, offsets) -> list:
    """[(kernel, packed gemm_t, global size, work-group side)] for one product without packing.

    When the tuned tile is several vectors wide and N is not a multiple of it, the
    leftover columns get their own launch with one-vector tiles, so that they also
    take the vector-load path instead of the column-by-column one."""
    name, extra, rows, cols, group = _choose(rt, M, N, strides, dt, M * N * k)
    if name == "gemm_cpu" and extra["NV"] > 1 and N % cols and N > cols:
        main = N - N % cols
        c_n, b_n = strides[5], strides[3]
        rest = list(offsets)
        rest[0] += main * c_n
        rest[2] += main * b_n
        return (_direct(rt, M, main, k, strides, dt, batch, batch_strides, offsets)
                + _direct(rt, M, N - main, k, strides, dt, batch, batch_strides, rest))
    tiles = ((M + rows - 1) // rows, (N + cols - 1) // cols)
    kern = rt.kernel("gemm.cl", name, dict(extra, DT=dt.tag))
    launches = []
    for sizes, bstrides, offs in _batches(batch, batch_strides, offsets):
        packed = _pack((M, N, k), strides, tiles, sizes, bstrides, offs)
        nbatch = numel(sizes)
        size = (tiles[1] * group, tiles[0] * group, nbatch) if group else tiles[0] * tiles[1] * nbatch
        launches.append((kern, packed, size, group))
    return launches


class _View:
    """The few fields the launchers read from a tensor: storage, offset, shape, strides, dtype."""

    __slots__ = ("_storage", "_offset", "_shape", "_stride", "dtype")

    def __init__(self, storage, offset, shape, stride, dtype):
        self._storage, self._offset, self._shape, self._stride, self.dtype = storage, offset, shape, stride, dtype


def _wants_packing(M, N, K, dt) -> bool:
    vw = _vector_width(dt)
    return M >= PACK_MIN_ROWS and N >= 2 * vw and K >= 2 * vw and M * N * K >= PACK_MIN_WORK


def _gemm_packed(out, a, a_strides, b, b_strides, k, alpha, beta) -> None:
    """Copy B's full column panels into a dense (panels, K, width) block, then run one GEMM per panel.

    Each work-item then streams its panel contiguously (no page-sized strides along k),
    which is what keeps large CPU GEMMs fast. The panel width is the tuned tile width
    (NV vectors); leftover columns use the plain path."""
    M, N = out._shape
    dt = out.dtype
    rt = out._storage.runtime
    nv = gemm_tune.config(rt, M * N * k)[1]
    width = _vector_width(dt) * nv
    panels = N // width
    if panels == 0:
        nv, width, panels = 1, _vector_width(dt), N // _vector_width(dt)
    (b_k, b_n), (c_m, c_n) = b_strides, out._stride
    packed = _View(Storage(rt, panels * k * width * dt.itemsize), 0, (panels, k, width),
                   (k * width, width, 1), dt)
    rt.launch(rt.kernel("gemm.cl", "gemm_pack_b", {"DT": dt.tag, "NV": nv}), panels * k, packed._storage.buffer,
              b._storage.buffer, np.int64(b._offset), np.int64(k), np.int64(b_k), np.int64(b_n), np.int64(panels))
    c_panels = _View(out._storage, out._offset, (panels, M, width), (width * c_n, c_m, c_n), dt)
    gemm(c_panels, a, (0,) + tuple(a_strides), packed, packed._stride, k, alpha, beta)
    rest = N - panels * width
    if rest:
        c_rest = _View(out._storage, out._offset + panels * width * c_n, (M, rest), (c_m, c_n), dt)
        b_rest = _View(b._storage, b._offset + panels * width * b_n, (k, rest), (b_k, b_n), dt)
        gemm(c_rest, a, a_strides, b_rest, b_strides, k, alpha, beta)


def _gemm_split_k(out, a, a_strides, b, b_strides, k, alpha, beta) -> None:
    """Few rows, long k: partial products over chunks of k (one batch each), then their sum.

    Neighbouring work-items then share the rows of B they walk, and long dot products
    get more than one work-item. The sum is a GEMM against a broadcast one."""
    M, N = out._shape
    dt = out.dtype
    rt = out._storage.runtime
    chunks = min(SPLIT_MAX_CHUNKS, k // SPLIT_CHUNK)
    kc = k // chunks
    rest = k - chunks * kc
    parts = chunks + (1 if rest else 0)
    (a_m, a_k), (b_k, b_n) = a_strides, b_strides
    part = _View(Storage(rt, parts * M * N * dt.itemsize), 0, (chunks, M, N), (M * N, N, 1), dt)
    gemm(part, a, (kc * a_k, a_m, a_k), b, (kc * b_k, b_k, b_n), kc)
    if rest:
        last = _View(part._storage, chunks * M * N, (M, N), (N, 1), dt)
        a_rest = _View(a._storage, a._offset + chunks * kc * a_k, (M, rest), (a_m, a_k), dt)
        b_rest = _View(b._storage, b._offset + chunks * kc * b_k, (rest, N), (b_k, b_n), dt)
        gemm(last, a_rest, (a_m, a_k), b_rest, (b_k, b_n), rest)
    one = _View(Storage(rt, dt.itemsize), 0, (1,), (1,), dt)
    fill(one, 1)
    # out[m, 0, n] = alpha * sum_p one * part[p, m, n] + beta * out[m, n]: a batch over m
    c = _View(out._storage, out._offset, (M, 1, N), (out._stride[0], 0, out._stride[1]), dt)
    gemm(c, one, (0, 0, 0), part, (N, M * N, 1), parts, alpha, beta)
