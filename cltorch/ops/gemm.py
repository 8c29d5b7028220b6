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
from .fill import fill
from .layout import coalesce, kernel_scalar, numel

MAXDIM = 8
_HEAD = 13  # M N K a_m a_k b_k b_n c_m c_n tiles_m tiles_n nbatch ndim
_FIELDS = _HEAD + MAXDIM + 3 * MAXDIM + 3

CPU_ROWS = 6          # RM: rows of C per work-item in gemm_cpu (6 measured best of 4..16)
DOT_TILE = 4          # DR x DC outputs per work-item in gemm_dot (4 x 4; 4 x 1 or 1 x 4 for vectors)
GPU_TILE, GPU_GROUP = 64, 16  # gemm_gpu: C tile and work-group side (halved below 256 work-items)
PACK_MIN_WORK = 1 << 22  # M*N*K from which the CPU path packs B into column panels first
PACK_MIN_ROWS = 64       # ... when each panel is reused by at least this many rows of A
SPLIT_MIN_K = 4096       # smaller M on the CPU: K from which k is split into chunks of
SPLIT_CHUNK = 256        # at least this many steps, one partial product each, summed by a second GEMM
SPLIT_MAX_CHUNKS = 32


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


def _choose(rt, M, N, strides) -> tuple:
    """(kernel name, defines, rows per tile, columns per tile) for one problem."""
    a_m, a_k, b_k, b_n, _, _ = strides
    if rt.variant == "gpu":
        if rt.info.max_work_group < GPU_GROUP * GPU_GROUP:
            small = GPU_GROUP // 2
            return "gemm_gpu", {"WG": small}, small * GPU_TILE // GPU_GROUP, None
        return "gemm_gpu", {}, GPU_TILE, GPU_TILE
    if _dot_layout(N, strides):
        rows, cols = (DOT_TILE, 1) if N == 1 else ((1, DOT_TILE) if M == 1 else (DOT_TILE, DOT_TILE))
        extra = {} if rows == cols else {"DR": rows, "DC": cols}
        return "gemm_dot", extra, rows, cols
    rows = 1 if M == 1 else CPU_ROWS
    return "gemm_cpu", {"RM": rows}, rows, None


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
    M, N = out._shape[-2], out._shape[-1]
    batch = tuple(out._shape[:-2])
    if M == 0 or N == 0 or numel(batch) == 0:
        return
    rt = out._storage.runtime
    dt = out.dtype
    nb = len(batch)
    # a single row or column has no meaningful stride along it: 0 keeps the kernel choice honest
    row = 0 if M == 1 else 1
    col = 0 if N == 1 else 1
    strides = (row * a_strides[nb], a_strides[nb + 1], b_strides[nb], col * b_strides[nb + 1],
               row * out._stride[nb], col * out._stride[nb + 1])
    if nb == 0 and rt.variant != "gpu":
        if _wants_packing(M, N, k, dt):
            _gemm_packed(out, a, a_strides, b, b_strides, k, alpha, beta)
            return
        if _wants_split(M, N, k, dt, strides):
            _gemm_split_k(out, a, a_strides, b, b_strides, k, alpha, beta)
            return
    batch_strides = [out._stride[:nb], a_strides[:nb], b_strides[:nb]]
    offsets = [out._offset, a._offset, b._offset]
    bufs = (out._storage.buffer, a._storage.buffer, b._storage.buffer)
    if rt.variant != "gpu" and _wants_transpose(M, N, strides):
        a_m, a_k, b_k, b_n, c_m, c_n = strides
        M, N, strides = N, M, (b_n, b_k, a_k, a_m, c_n, c_m)
        batch_strides = [batch_strides[0], batch_strides[2], batch_strides[1]]
        offsets = [offsets[0], offsets[2], offsets[1]]
        bufs = (bufs[0], bufs[2], bufs[1])
    name, extra, rows, cols = _choose(rt, M, N, strides)
    cols = cols or (rows if name == "gemm_gpu" else _vector_width(dt))
    tiles = ((M + rows - 1) // rows, (N + cols - 1) // cols)
    kern = rt.kernel("gemm.cl", name, dict(extra, DT=dt.tag))
    al, be = kernel_scalar(dt, alpha), kernel_scalar(dt, beta)
    for sizes, bstrides, offs in _batches(batch, batch_strides, offsets):
        packed = _pack((M, N, k), strides, tiles, sizes, bstrides, offs)
        nbatch = numel(sizes)
        if name == "gemm_gpu":
            g = extra.get("WG", GPU_GROUP)
            rt.launch_nd(kern, (tiles[1] * g, tiles[0] * g, nbatch), (g, g, 1), *bufs, al, be, packed)
        else:
            rt.launch(kern, tiles[0] * tiles[1] * nbatch, *bufs, al, be, packed)


class _View:
    """The few fields the launchers read from a tensor: storage, offset, shape, strides, dtype."""

    __slots__ = ("_storage", "_offset", "_shape", "_stride", "dtype")

    def __init__(self, storage, offset, shape, stride, dtype):
        self._storage, self._offset, self._shape, self._stride, self.dtype = storage, offset, shape, stride, dtype


def _wants_packing(M, N, K, dt) -> bool:
    vw = _vector_width(dt)
    return M >= PACK_MIN_ROWS and N >= 2 * vw and K >= 2 * vw and M * N * K >= PACK_MIN_WORK


def _gemm_packed(out, a, a_strides, b, b_strides, k, alpha, beta) -> None:
    """Copy B's full column panels into a dense (panels, K, VW) block, then run one GEMM per panel.

    Each work-item then streams its panel contiguously (no page-sized strides along k),
    which is what keeps large CPU GEMMs fast. Leftover columns (N % VW) use the plain path."""
    M, N = out._shape
    dt = out.dtype
    vw = _vector_width(dt)
    panels = N // vw
    (b_k, b_n), (c_m, c_n) = b_strides, out._stride
    packed = _View(Storage(out._storage.runtime, panels * k * vw * dt.itemsize), 0, (panels, k, vw),
                   (k * vw, vw, 1), dt)
    rt = out._storage.runtime
    rt.launch(rt.kernel("gemm.cl", "gemm_pack_b", {"DT": dt.tag}), panels * k, packed._storage.buffer,
              b._storage.buffer, np.int64(b._offset), np.int64(k), np.int64(b_k), np.int64(b_n), np.int64(panels))
    c_panels = _View(out._storage, out._offset, (panels, M, vw), (vw * c_n, c_m, c_n), dt)
    gemm(c_panels, a, (0,) + tuple(a_strides), packed, packed._stride, k, alpha, beta)
    rest = N - panels * vw
    if rest:
        c_rest = _View(out._storage, out._offset + panels * vw * c_n, (M, rest), (c_m, c_n), dt)
        b_rest = _View(b._storage, b._offset + panels * vw * b_n, (k, rest), (b_k, b_n), dt)
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
