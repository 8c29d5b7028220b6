"""Launchers for the normalisation kernels of norm.cl (batch/layer/group/instance norm, trunc_normal_).

Inputs are dense tensors viewed as (A, G, B): statistics group g holds the
elements x[a*G*B + g*B + b]. Statistics tensors (mean, rstd, partial sums) are
dense, offset-0 tensors in the kernels' compute dtype; the caller allocates
every output.
"""
from __future__ import annotations

import numpy as np

from .layout import kernel_scalar

# A chunk is walked twice by one work-item; keeping it small keeps it in cache
# and bounds the rounding of its float sums.
_MAX_CHUNK = 4096
_MIN_CHUNK = 256


def _buf(t):
    return t._storage.buffer


def _i64(v):
    return np.int64(v)


def chunking(rt, length: int, groups: int) -> tuple:
    """(chunk, P): split each group's ``length`` elements into P chunks so enough work-items run."""
    target = 8192 if rt.variant == "gpu" else 256
    want = max(1, -(-target // max(groups, 1)))
    p = min(want, max(1, length // _MIN_CHUNK))
    p = max(p, -(-length // _MAX_CHUNK), 1)
    chunk = max(1, -(-length // p))
    return chunk, -(-length // chunk) if length else 1


def row_runs(rt, rows: int, b: int) -> tuple:
    """(CH, Q): elementwise kernels give each work-item a run of CH elements, Q runs per row of b."""
    target = 8192 if rt.variant == "gpu" else 256
    per_row = max(1, -(-target // max(rows, 1)))
    ch = max(min(b, _MAX_CHUNK), 1)
    if per_row > 1:
        ch = max(min(ch, -(-b // per_row)), min(b, _MIN_CHUNK), 1)
    return ch, -(-b // ch) if b else 1


def _aff_mode(g: int, b: int, wdiv: int, wmod: int) -> dict:
    """The build flag naming how a row's affine index moves: fixed (batch norm), the column, or counted."""
    if wdiv == b and wmod == g:
        return {"AFF_GROUP": True}
    if wdiv == 1 and wmod == b:
        return {"AFF_COL": True}
    return {}


def _defines(x, w=None, r=None, **flags):
    d = {"T": x.dtype.tag, "W": (w if w is not None else x).dtype.tag, "R": (r if r is not None else x).dtype.tag}
    d.update({k: True for k, v in flags.items() if v})
    return d


def _wargs(x, w):
    """(buffer, offset) of an optional weight/bias; a harmless stand-in when absent."""
    return (_buf(w), _i64(w._offset)) if w is not None else (_buf(x), _i64(0))


def _flag(t):
    return np.int32(t is not None)


def stats(x, a: int, g: int, b: int, part, mean, rstd, eps: float, chunk: int, p: int, running=None) -> None:
    """Per-group mean and 1/sqrt(var + eps); ``running`` = (rmean, rvar, nbt|None, momentum) is updated in place."""
    rt = x._storage.runtime
    rm = rv = nbt = None
    momentum = 0.0
    if running is not None:
        rm, rv, nbt, momentum = running
    k = rt.kernel("norm.cl", "norm_stats_partial", _defines(x))
    rt.launch(k, g * p, _buf(x), _i64(x._offset), _buf(part), _i64(a), _i64(g), _i64(b), _i64(chunk), _i64(p))
    k = rt.kernel("norm.cl", "norm_stats_finalize", _defines(x, r=rm))
    rm_a = (_buf(rm), _i64(rm._offset)) if rm is not None else (_buf(part), _i64(0))
    rv_a = (_buf(rv), _i64(rv._offset)) if rv is not None else (_buf(part), _i64(0))
    nbt_a = (_buf(nbt), _i64(nbt._offset)) if nbt is not None else (_buf(part), _i64(0))
    rt.launch(k, g, _buf(part), _i64(g), _i64(p), _i64(a * b), _i64(chunk), kernel_scalar(x.dtype, eps),
              _buf(mean), _buf(rstd), *rm_a, *rv_a, *nbt_a, kernel_scalar(x.dtype, momentum),
              np.int32(rm is not None), np.int32(nbt is not None))


def apply(out, x, mean, rstd, w, bias, g: int, b: int, wdiv: int, wmod: int) -> None:
    """out = (x - mean[group]) * rstd[group] * w + bias over every element."""
    rows = int(np.prod(x._shape)) // b
    rt = x._storage.runtime
    ch, q = row_runs(rt, rows, b)
    k = rt.kernel("norm.cl", "norm_apply", _defines(x, w if w is not None else bias,
                                                    **_aff_mode(g, b, wdiv, wmod)))
    rt.launch(k, rows * q, _buf(out), _i64(out._offset), _buf(x), _i64(x._offset), _buf(mean), _buf(rstd),
              *_wargs(x, w), *_wargs(x, bias), _flag(w), _flag(bias), _i64(g), _i64(b), _i64(ch), _i64(q),
              _i64(wdiv), _i64(wmod), _i64(rows))


def rows_fwd(out, x, mean, rstd, w, bias, g: int, b: int, eps: float, wdiv: int, wmod: int) -> None:
    """Statistics and normalised output of contiguous groups, one work-item per group."""
    rt = x._storage.runtime
    k = rt.kernel("norm.cl", "norm_rows_fwd", _defines(x, w if w is not None else bias,
                                                       **_aff_mode(g, b, wdiv, wmod)))
    rt.launch(k, g, _buf(out), _i64(out._offset), _buf(x), _i64(x._offset), _buf(mean), _buf(rstd),
              *_wargs(x, w), *_wargs(x, bias), _flag(w), _flag(bias), _i64(g), _i64(b), kernel_scalar(x.dtype, eps),
              _i64(wdiv), _i64(wmod))


def grad_partial(gr, x, mean, rstd, w, part, view: tuple, chunk: int, p: int, sgroups: tuple,
                 wdiv: int, wmod: int) -> None:
    """Chunk sums of grad (times w when given) and of grad * xhat over the view (A, G, B).

    ``sgroups`` = (groups, group length) of the statistics; every run of B
    elements must lie in one statistics group, and one step of a must move a
    whole number of groups."""
    a, g, b = view
    s_g, s_b = sgroups
    if s_b % b or (g * b) % s_b:
        raise ValueError(f"norm_grad_partial: view {view} does not tile statistics groups of {s_b}")
    rt = x._storage.runtime
    k = rt.kernel("norm.cl", "norm_grad_partial", _defines(x, w))
    rt.launch(k, g * p, _buf(gr), _i64(gr._offset), _buf(x), _i64(x._offset), _buf(mean), _buf(rstd),
              *_wargs(x, w), _flag(w), _buf(part), _i64(a), _i64(g), _i64(b), _i64(chunk), _i64(p),
              _i64(s_b), _i64(s_g), _i64(g * b // s_b), _i64(wdiv), _i64(wmod))


def col_chunking(rt, rows: int, cols: int) -> tuple:
    """(chunk, P) of rows for grad_cols, whose work-items each take 8 columns."""
    target = 8192 if rt.variant == "gpu" else 256
    blocks = -(-cols // 8)
    p = max(1, min(-(-target // max(blocks, 1)), rows // 64))
    chunk = max(1, -(-rows // p))
    return chunk, -(-rows // chunk) if rows else 1


def grad_cols(gr, x, mean, rstd, part, rows: int, cols: int, chunk: int, p: int, by_row: bool) -> None:
    """grad_partial for a (rows, cols, 1) view: statistics per row (layer norm) or per column (batch norm)."""
    rt = x._storage.runtime
    k = rt.kernel("norm.cl", "norm_grad_cols", _defines(x))
    rt.launch(k, -(-cols // 8) * p, _buf(gr), _i64(gr._offset), _buf(x), _i64(x._offset), _buf(mean),
              _buf(rstd), _buf(part), _i64(rows), _i64(cols), _i64(chunk), _i64(p), np.int32(by_row))


def bwd_apply(dx, gr, x, mean, rstd, c1, c2, w, g: int, b: int, wdiv: int, wmod: int) -> None:
    """dx = rstd * (w * grad - c1 - xhat * c2) (c1, c2 None: statistics were constants)."""
    rows = int(np.prod(x._shape)) // b
    rt = x._storage.runtime
    ch, q = row_runs(rt, rows, b)
    has_c = c1 is not None
    k = rt.kernel("norm.cl", "norm_bwd_apply", _defines(x, w, **_aff_mode(g, b, wdiv, wmod)))
    c1b = _buf(c1) if has_c else _buf(mean)
    c2b = _buf(c2) if has_c else _buf(mean)
    rt.launch(k, rows * q, _buf(dx), _buf(gr), _i64(gr._offset), _buf(x), _i64(x._offset), _buf(mean),
              _buf(rstd), c1b, c2b, *_wargs(x, w), _flag(w), np.int32(has_c), _i64(g), _i64(b), _i64(ch), _i64(q),
              _i64(wdiv), _i64(wmod), _i64(rows))


def rows_bwd(dx, gr, x, mean, rstd, w, g: int, b: int, wdiv: int, wmod: int) -> None:
    """Input gradient of rows_fwd, one work-item per group."""
    rt = x._storage.runtime
    k = rt.kernel("norm.cl", "norm_rows_bwd", _defines(x, w, **_aff_mode(g, b, wdiv, wmod)))
    rt.launch(k, g, _buf(dx), _buf(gr), _i64(gr._offset), _buf(x), _i64(x._offset), _buf(mean), _buf(rstd),
              *_wargs(x, w), _flag(w), _i64(g), _i64(b), _i64(wdiv), _i64(wmod))


def trunc_normal_finish(x, mean: float, std: float, lo: float, hi: float) -> None:
    """In place on a dense tensor of uniform draws: clamp(mean + std*sqrt(2)*erfinv(x), lo, hi)."""
    n = int(np.prod(x._shape))
    if n == 0:
        return
    rt = x._storage.runtime
    s = lambda v: kernel_scalar(x.dtype, v)  # noqa: E731
    k = rt.kernel("norm.cl", "trunc_normal_finish", {"T": x.dtype.tag})
    rt.launch(k, n, _buf(x), _i64(x._offset), s(mean), s(std), s(lo), s(hi), _i64(n))


def orthonormalize_rows(q, scratch, j0: int, j1: int) -> None:
    """Gram-Schmidt (twice per row) of rows j0..j1-1 of a dense n x m tensor q, in place, against each other.

    Rows before j0 must already be projected out. ``scratch`` is a dense tensor
    of at least j1 - j0 + 1 elements of the kernels' compute dtype."""
    m = q._shape[1]
    rt = q._storage.runtime
    d = {"T": q.dtype.tag}
    dots, sub = rt.kernel("norm.cl", "orth_dots", d), rt.kernel("norm.cl", "orth_sub", d)
    nrm, scale = rt.kernel("norm.cl", "orth_norm", d), rt.kernel("norm.cl", "orth_scale", d)
    qb, qo, cb, mm, slot, k0 = _buf(q), _i64(q._offset), _buf(scratch), _i64(m), _i64(j1 - j0), _i64(j0)
    for j in range(j0, j1):
        jj = _i64(j)
        for _ in range(2 if j > j0 else 0):
            rt.launch(dots, j - j0, qb, qo, cb, k0, jj, mm)
            rt.launch(sub, m, qb, qo, cb, k0, jj, mm)
        rt.launch(nrm, 1, qb, qo, cb, slot, jj, mm)
        rt.launch(scale, m, qb, qo, cb, slot, jj, mm)
