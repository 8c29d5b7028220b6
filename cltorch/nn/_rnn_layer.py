"""One recurrent layer (one or two directions) as a single autograd node with a fused backward.

Forward, per direction: the input projection of every time step in one GEMM
(x (L*N, Hin) @ W_ih^T), then per step one GEMM (h @ W_hh^T) and one fused gate
kernel (cltorch/ops/rnn.py). Backward, per direction: one fused gate-backward
kernel and one GEMM per step, then one GEMM each for dW_ih, dW_hh and dx over
all steps, using the hidden states saved by the forward pass.
"""
from __future__ import annotations

from .._matmul_core import product, view
from .._promotion import torch_name
from ..autograd.grad_mode import is_grad_enabled, no_grad
from ..autograd.graph import needs_grad, record
from ..ops import copy as copy_ops
from ..ops import fill as fill_ops
from ..ops import rnn as rnn_ops
from ..ops.layout import is_dense
from ..tensor import _alloc

GATES = rnn_ops.GATES


def _req(t) -> bool:
    return t is not None and getattr(t, "requires_grad", False)


def _slab(t, index: int, rows: int, cols: int):
    """Dense block ``index`` of shape (rows, cols) of a dense tensor, as a tensor view."""
    return view(t, (rows, cols), (cols, 1), t._offset + index * rows * cols)


def _dense(t):
    return t if t is None or is_dense(t) else t.contiguous()


def _set_state(dst, src) -> None:
    """dst = src, or zeros when src is None."""
    if src is None:
        fill_ops.fill(dst, 0)
    else:
        copy_ops.copy_into(dst, src)


def _copy_projected(y, y_off, y_strides, hs, reverse, active) -> None:
    """The projected states of an LSTM with proj_size are its output (zero after a packed row's end)."""
    L, N, S = hs.shape[0] - 1, hs.shape[1], hs.shape[2]
    first = 0 if reverse else 1
    if active is None:
        out = view(y, (L, N, S), (y_strides[0], y_strides[1], 1), y._offset + y_off)
        copy_ops.copy_into(out, view(hs, (L, N, S), (N * S, S, 1), hs._offset + first * N * S))
        return
    for t in range(L):
        act = int(active[t])
        row = y._offset + y_off + t * y_strides[0]
        copy_ops.copy_into(view(y, (act, S), (y_strides[1], 1), row), _slab(hs, t + first, N, S)[:act])
        if act < N:
            fill_ops.fill(view(y, (N - act, S), (y_strides[1], 1), row + act * y_strides[1]), 0)


class _Direction:
    """What one direction's forward keeps for backward."""

    __slots__ = ("gates", "hs", "aux", "m", "reverse")

    def __init__(self, gates, hs, aux, m, reverse):
        self.gates, self.hs, self.aux, self.m, self.reverse = gates, hs, aux, m, reverse


def _forward(mode, x, hx, cx, weights, batch_first_out, active):
    L, N, Hin = x.shape
    D = len(weights)
    H = weights[0][1].shape[0] // GATES[mode]
    S = weights[0][1].shape[1]                 # state width: H, or proj_size
    G = GATES[mode] * H
    dt, dev = x.dtype, x.device
    xd = _dense(x)
    x_mat = view(xd, (L * N, Hin), (Hin, 1))
    if batch_first_out:
        y = _alloc((N, L, D * S), dt, dev)
        y_strides = (D * S, L * D * S)
    else:
        y = _alloc((L, N, D * S), dt, dev)
        y_strides = (N * D * S, D * S)
    h_n = _alloc((D, N, S), dt, dev)
    c_n = _alloc((D, N, H), dt, dev) if mode == "LSTM" else None
    gh = _alloc((N, G), dt, dev)
    dirs = []
    for d, (w_ih, w_hh, b_ih, b_hh, w_hr) in enumerate(weights):
        reverse = d == 1
        first, last = (L, 0) if reverse else (0, L)
        gates = product(x_mat, view(w_ih, (Hin, G), (w_ih._stride[1], w_ih._stride[0])))
        gates = view(gates, (L, N, G), (N * G, G, 1))
        hs = _alloc((L + 1, N, S), dt, dev)
        _set_state(_slab(hs, first, N, S), None if hx is None else hx[d])
        aux = m = None
        if mode == "LSTM":
            aux = _alloc((L + 1, N, H), dt, dev)
            _set_state(_slab(aux, first, N, H), None if cx is None else cx[d])
        elif mode == "GRU":
            aux = _alloc((L, N, H), dt, dev)
        if w_hr is not None:
            m = _alloc((L, N, H), dt, dev)
        rnn_ops.forward_steps(mode, gates, gh, w_hh, _dense(b_ih), _dense(b_hh), hs, aux, y, d * S, y_strides,
                              reverse, active, w_hr, m)
        if w_hr is not None:
            _copy_projected(y, d * S, y_strides, hs, reverse, active)
        copy_ops.copy_into(_slab(h_n, d, N, S), _slab(hs, last, N, S))
        if c_n is not None:
            copy_ops.copy_into(_slab(c_n, d, N, H), _slab(aux, last, N, H))
        dirs.append(_Direction(gates, hs, aux, m, reverse))
    return y, h_n, c_n, x_mat, y_strides, dirs


def rnn_layer(mode: str, x, hx, cx, weights, batch_first_out: bool = False, active=None):
    """Run one layer: x (L, N, Hin) time-major (any strides); hx, cx (D, N, H) or None.

    weights holds (w_ih, w_hh, b_ih, b_hh, w_hr) per direction (biases and the LSTM
    projection w_hr may be None); active[t] (host ints) limits step t to the leading rows
    of a packed batch. Returns (y, h_n, c_n): y is (L, N, D*S), or (N, L, D*S) with
    batch_first_out, S the state width (hidden size, or proj_size); c_n is None unless
    mode is 'LSTM'."""
    flat = [t for w in weights for t in w]
    _check_operands(x, (hx, cx), [t for t in flat if t is not None])
    inputs = (x, hx, cx, *flat)
    with no_grad():
        y, h_n, c_n, x_mat, y_strides, dirs = _forward(mode, x, hx, cx, weights, batch_first_out, active)
    if not needs_grad(*[t for t in inputs if t is not None]):
        return y, h_n, c_n

    def backward(g_y, g_h, g_c=None):
        if is_grad_enabled():
            raise RuntimeError(f"cltorch: double backward (create_graph=True) through {_label(mode)} layers is not "
                               "supported; their backward runs fused kernels that are not differentiable.")
        return _backward(mode, x, hx, cx, weights, x_mat, y_strides, dirs, active, g_y, g_h, g_c)

    outputs = (y, h_n) if c_n is None else (y, h_n, c_n)
    saved = [t for t in (x, *flat) if t is not None]
    record(f"{_label(mode)}Backward", outputs, inputs, backward, saved)
    return y, h_n, c_n


def _check_operands(x, states, params) -> None:
    """torch's errors for hidden states or parameters on another device or of another dtype than x."""
    for kind, group in (("hidden", [h for h in states if h is not None]), ("parameter", params)):
        for t in group:
            if t.device != x.device:
                raise RuntimeError(f"Input and {kind} tensors are not at the same device, found input tensor at "
                                   f"{x.device} and {kind} tensor at {t.device}")
            if t.dtype is not x.dtype:
                first, second = (t, x) if kind == "hidden" else (x, t)
                raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {torch_name(first.dtype)} and "
                                   f"{torch_name(second.dtype)}")


def _label(mode: str) -> str:
    return "RNN" if mode.startswith("RNN") else mode


def _backward(mode, x, hx, cx, weights, x_mat, y_strides, dirs, active, g_y, g_h, g_c):
    L, N, Hin = x.shape
    D = len(weights)
    H = weights[0][1].shape[0] // GATES[mode]
    S = weights[0][1].shape[1]
    G = GATES[mode] * H
    dt, dev = x.dtype, x.device
    g_y = None if g_y is None else _dense(g_y)
    dh0 = _alloc((D, N, S), dt, dev)
    dc0 = _alloc((D, N, H), dt, dev) if mode == "LSTM" else None
    dx = _alloc((L, N, Hin), dt, dev) if _req(x) else None
    dx_mat = None if dx is None else view(dx, (L * N, Hin), (Hin, 1))
    grads = []
    for d, ((w_ih, w_hh, b_ih, b_hh, w_hr), info) in enumerate(zip(weights, dirs)):
        dh = _slab(dh0, d, N, S)
        _set_state(dh, None if g_h is None else g_h[d])
        dc = None
        if dc0 is not None:
            dc = _slab(dc0, d, N, H)
            _set_state(dc, None if g_c is None else g_c[d])
        dgi = _alloc((L, N, G), dt, dev)
        dgh = _alloc((L, N, G), dt, dev) if mode == "GRU" else dgi
        dhp = _alloc((L, N, S), dt, dev) if w_hr is not None else None
        dm = _alloc((N, H), dt, dev) if w_hr is not None else None
        rnn_ops.backward_steps(mode, info.gates, dgi, dgh, w_hh, info.hs, info.aux, g_y, d * S, y_strides, dh, dc,
                               info.reverse, active, w_hr, dhp, dm)
        dgi_t = view(dgi, (G, L * N), (1, G))
        dgh_t = view(dgh, (G, L * N), (1, G))
        h_prev = view(info.hs, (L * N, S), (S, 1), info.hs._offset + (N * S if info.reverse else 0))
        gw_ih = product(dgi_t, x_mat) if _req(w_ih) else None
        gw_hh = product(dgh_t, h_prev) if _req(w_hh) else None
        gb_ih = view(dgi, (L * N, G), (G, 1)).sum(0) if _req(b_ih) else None
        gb_hh = None
        if _req(b_hh):
            gb_hh = view(dgh, (L * N, G), (G, 1)).sum(0) if (mode == "GRU" or gb_ih is None) else gb_ih.clone()
        gw_hr = None
        if _req(w_hr):
            gw_hr = product(view(dhp, (S, L * N), (1, S)), view(info.m, (L * N, H), (H, 1)))
        grads += [gw_ih, gw_hh, gb_ih, gb_hh, gw_hr]
        if dx_mat is not None:
            product(view(dgi, (L * N, G), (G, 1)), w_ih, c=dx_mat, beta=0 if d == 0 else 1)
    return (dx, dh0 if _req(hx) else None, dc0 if _req(cx) else None, *grads)
