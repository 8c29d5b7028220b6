"""Launchers for rnn.cl: the time loops of one recurrent layer direction, and the row gather.

Buffers are passed by duck type (``_storage``, ``_offset``, ``_shape``, ``_stride``,
``dtype``) and laid out by the caller: ``gates`` (L, N, G) dense time-major,
``hs`` (L+1, N, S) dense hidden states, S = H or an LSTM's proj_size (slot 0
before the first step of a forward direction, slot L for a reverse one), ``aux``
the cell states of an LSTM ((L+1, N, H)) or the saved ``gh_n + b_hn`` of a GRU
((L, N, H)). Each step is one GEMM (h_prev @ W_hh^T) and one fused gate kernel
(plus the projection GEMM); backward is one gate kernel and one GEMM
(dgates @ W_hh) per step.
"""
from __future__ import annotations

import numpy as np

from .gemm import _View, gemm
from .layout import kernel_scalar

GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}
_KERNEL = {"LSTM": "lstm_cell", "GRU": "gru_cell", "RNN_TANH": "rnn_tanh_cell", "RNN_RELU": "rnn_relu_cell"}


def _buf(t):
    return t._storage.buffer


def _rows(t, offset: int, rows: int, cols: int) -> _View:
    """A dense (rows, cols) matrix view of t's storage at element offset."""
    return _View(t._storage, offset, (rows, cols), (cols, 1), t.dtype)


def _slots(t: int, reverse: bool) -> tuple:
    """(previous, new) state slots of time step t."""
    return (t + 1, t) if reverse else (t, t + 1)


def _aux_slots(mode: str, aux, t: int, p: int, q: int, N: int, H: int) -> tuple:
    """Offsets of the previous/new cell state (LSTM) or of the saved gh_n + b_hn (GRU)."""
    if mode == "LSTM":
        return aux._offset + p * N * H, aux._offset + q * N * H
    if mode == "GRU":
        return 0, aux._offset + t * N * H
    return 0, 0


def forward_steps(mode: str, gates, gh, w_hh, b_ih, b_hh, hs, aux, y, y_off: int, y_strides, reverse: bool,
                  active=None, w_hr=None, m=None) -> None:
    """Run the recurrence of one direction: fills hs (and aux), writes y and turns gates into activations.

    y_off/y_strides place this direction's (t, n) output rows (time and batch strides);
    active[t] (host ints) is how many leading rows step t updates (packed batches).
    With an LSTM projection w_hr (P, H), the kernel writes o * tanh(c) into m ((L, N, H),
    zero for finished rows), a GEMM projects it into hs, and y is left to the caller."""
    L, N, G = gates._shape
    H = G // GATES[mode]
    S = w_hh._shape[1]                     # state width: H, or P with a projection
    if L == 0 or N == 0:
        return
    rt = hs._storage.runtime
    kern = rt.kernel("rnn.cl", _KERNEL[mode] + "_forward", {"T": gates.dtype.tag})
    has_bias = b_ih is not None
    bias_i, bias_h = (b_ih, b_hh) if has_bias else (hs, hs)
    bi, bh = (b_ih._offset, b_hh._offset) if has_bias else (0, 0)
    aux_t = aux if aux is not None else hs
    w_t = (w_hh._stride[1], w_hh._stride[0])
    out, (y_ts, y_ns) = (y, y_strides) if w_hr is None else (m, (N * H, H))
    out_off = y_off if w_hr is None else m._offset
    for s in range(L):
        t = L - 1 - s if reverse else s
        p, q = _slots(t, reverse)
        act = N if active is None else int(active[t])
        gemm(_rows(gh, gh._offset, act, G), _rows(hs, hs._offset + p * N * S, act, S), (S, 1), w_hh, w_t, S)
        ap, aq = _aux_slots(mode, aux, t, p, q, N, H)
        step = np.array([N, H, act, has_bias, bi, bh, gates._offset + t * N * G, gh._offset,
                         hs._offset + p * N * S, hs._offset + q * N * S, ap, aq, out_off + t * y_ts, y_ns,
                         S, w_hr is None], dtype=np.int64)
        rt.launch(kern, N * H, _buf(gates), _buf(gh), _buf(bias_i), _buf(bias_h), _buf(hs), _buf(aux_t),
                  _buf(out), step)
        if w_hr is not None:
            gemm(_rows(hs, hs._offset + q * N * S, act, S), _rows(m, m._offset + t * N * H, act, H), (H, 1),
                 w_hr, (w_hr._stride[1], w_hr._stride[0]), H)


def backward_steps(mode: str, gates, dgi, dgh, w_hh, hs, aux, dy, dy_off: int, dy_strides, dh, dc,
                   reverse: bool, active=None, w_hr=None, dhp=None, dm=None) -> None:
    """Walk one direction backwards: fills dgi (and dgh for a GRU) and leaves d h_0 in dh, d c_0 in dc.

    dh and dc (dense (N, S) and (N, H)) hold the gradients of the final states on entry; dy
    may be None (no gradient reached the output). For modes other than GRU pass dgh = dgi.
    With a projection w_hr, dhp ((L, N, P)) receives each step's projected-state gradient
    (zero for finished rows) and dm ((N, H)) is scratch for its product with w_hr."""
    L, N, G = gates._shape
    H = G // GATES[mode]
    S = w_hh._shape[1]
    if L == 0 or N == 0:
        return
    rt = hs._storage.runtime
    defines = {"T": gates.dtype.tag}
    kern = rt.kernel("rnn.cl", _KERNEL[mode] + "_backward", defines)
    has_dy = dy is not None
    dy_t = dy if has_dy else dh
    dc_t = dc if dc is not None else dh
    aux_t = aux if aux is not None else hs
    dy_ts, dy_ns = dy_strides if has_dy else (0, 0)
    beta = 1 if mode == "GRU" else 0
    proj = rt.kernel("rnn.cl", "lstm_proj_grad", defines) if w_hr is not None else None
    for s in range(L):
        t = s if reverse else L - 1 - s
        p, q = _slots(t, reverse)
        act = N if active is None else int(active[t])
        ap, aq = _aux_slots(mode, aux, t, p, q, N, H)
        dy_row = (dy_off + t * dy_ts) if has_dy else 0
        gate_dh, gate_dy = dh, has_dy
        if proj is not None:
            head = np.array([N, S, act, has_dy, dhp._offset + t * N * S, 0, 0, 0, 0, dy_row, dy_ns, dh._offset, 0],
                            dtype=np.int64)
            rt.launch(proj, N * S, _buf(dh), _buf(dy_t), _buf(dhp), head)
            gemm(_rows(dm, dm._offset, act, H), _rows(dhp, dhp._offset + t * N * S, act, S), (S, 1), w_hr,
                 w_hr._stride, S)
            gate_dh, gate_dy = dm, False
        step = np.array([N, H, act, gate_dy, gates._offset + t * N * G, hs._offset + p * N * S,
                         hs._offset + q * N * S, ap, aq, dy_row if gate_dy else 0, dy_ns,
                         gate_dh._offset, dc_t._offset], dtype=np.int64)
        rt.launch(kern, N * H, _buf(gates), _buf(dgi), _buf(dgh), _buf(hs), _buf(aux_t), _buf(dy_t),
                  _buf(gate_dh), _buf(dc_t), step)
        gemm(_rows(dh, dh._offset, act, S), _rows(dgh, dgh._offset + t * N * G, act, G), (G, 1), w_hh,
             w_hh._stride, G, 1, beta)


def rows_gather(out, src, idx, fill) -> None:
    """out[r] = src[idx[r]] (dense rows), or fill where idx[r] is -1 (or out of range)."""
    rows = out._shape[0] if out._shape else 1
    n = 1
    for s in out._shape:
        n *= s
    if n == 0:
        return
    inner = n // rows
    nsrc = src._shape[0] if src._shape else 1
    rt = out._storage.runtime
    kern = rt.kernel("rnn.cl", "rows_gather", {"T": out.dtype.tag})
    rt.launch(kern, n, _buf(out), np.int64(out._offset), _buf(src), np.int64(src._offset), _buf(idx),
              np.int64(idx._offset), np.int64(inner), np.int64(nsrc), kernel_scalar(out.dtype, fill), np.int64(n))
