"""Plain NumPy forward and backward passes: the NumPy column of the layer and training benchmarks.

Written the way one would by hand (im2col plus BLAS for convolutions, one
matrix product per LSTM step), only for timing: they are not part of cltorch.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv_forward(x, w, b, pad: int):
    """Stride-1 2-D convolution by im2col: returns (output, columns)."""
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = sliding_window_view(xp, (kh, kw), axis=(2, 3))          # n, c, ho, wo, kh, kw
    ho, wo = win.shape[2], win.shape[3]
    cols = np.ascontiguousarray(win.transpose(0, 2, 3, 1, 4, 5)).reshape(n * ho * wo, c * kh * kw)
    out = cols @ w.reshape(o, -1).T + b
    return np.ascontiguousarray(out.reshape(n, ho, wo, o).transpose(0, 3, 1, 2)), cols


def conv_backward(dout, x_shape, w, cols, pad: int, need_input_grad: bool = True):
    """Gradients (dx or None, dw, db) of conv_forward."""
    n, c, h, wd = x_shape
    o, _, kh, kw = w.shape
    ho, wo = dout.shape[2], dout.shape[3]
    dmat = dout.transpose(0, 2, 3, 1).reshape(-1, o)
    dw = (dmat.T @ cols).reshape(w.shape)
    db = dmat.sum(axis=0)
    if not need_input_grad:
        return None, dw, db
    dcols = (dmat @ w.reshape(o, -1)).reshape(n, ho, wo, c, kh, kw)
    dxp = np.zeros((n, c, h + 2 * pad, wd + 2 * pad), dtype=dout.dtype)
    for i in range(kh):
        for j in range(kw):
            dxp[:, :, i:i + ho, j:j + wo] += dcols[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    return dxp[:, :, pad:pad + h, pad:pad + wd], dw, db


def pool_forward(x):
    """2x2 max pooling (even sizes): returns (output, argmax mask)."""
    n, c, h, w = x.shape
    blocks = x.reshape(n, c, h // 2, 2, w // 2, 2)
    out = blocks.max(axis=(3, 5))
    mask = blocks == out[:, :, :, None, :, None]
    return out, mask


def pool_backward(dout, mask):
    """Gradient of pool_forward (ties share the gradient, fine for timing)."""
    n, c, h2, _, w2, _ = mask.shape
    return (mask * dout[:, :, :, None, :, None]).reshape(n, c, 2 * h2, 2 * w2)


def cross_entropy_grad(logits, labels):
    """Mean cross-entropy loss and its gradient with respect to the logits."""
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    rows = np.arange(len(labels))
    loss = -np.log(p[rows, labels]).mean()
    p[rows, labels] -= 1
    return loss, p / len(labels)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def lstm_forward_backward(x, w_ih, w_hh, b):
    """One LSTM layer (gates i, f, g, o) over x (T, N, I), then backward of sum(outputs): the gradients."""
    t_len, n, _ = x.shape
    hidden = w_hh.shape[1]
    xg = (x.reshape(t_len * n, -1) @ w_ih.T + b).reshape(t_len, n, 4 * hidden)
    h = np.zeros((n, hidden), np.float32)
    c = np.zeros((n, hidden), np.float32)
    cache = []
    for t in range(t_len):
        g = xg[t] + h @ w_hh.T
        i, f, gg, o = (_sigmoid(g[:, :hidden]), _sigmoid(g[:, hidden:2 * hidden]),
                       np.tanh(g[:, 2 * hidden:3 * hidden]), _sigmoid(g[:, 3 * hidden:]))
        c_prev, h_prev = c, h
        c = f * c_prev + i * gg
        tc = np.tanh(c)
        h = o * tc
        cache.append((i, f, gg, o, c_prev, h_prev, tc))
    dw_ih, dw_hh = np.zeros_like(w_ih), np.zeros_like(w_hh)
    db = np.zeros_like(b)
    dx = np.empty_like(x)
    dh_next = np.zeros((n, hidden), np.float32)
    dc_next = np.zeros((n, hidden), np.float32)
    for t in reversed(range(t_len)):
        i, f, gg, o, c_prev, h_prev, tc = cache[t]
        dh = 1.0 + dh_next
        dc = dc_next + dh * o * (1 - tc * tc)
        dg = np.concatenate([dc * gg * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - gg * gg),
                             dh * tc * o * (1 - o)], axis=1)
        dw_ih += dg.T @ x[t]
        dw_hh += dg.T @ h_prev
        db += dg.sum(axis=0)
        dx[t] = dg @ w_ih
        dh_next = dg @ w_hh
        dc_next = dc * f
    return dx, dw_ih, dw_hh, db


class MLP:
    """784-256-10 ReLU network trained by plain SGD."""

    def __init__(self, rng, lr: float = 0.01):
        self.w1 = (rng.standard_normal((256, 784)) / 28).astype(np.float32)
        self.b1 = np.zeros(256, np.float32)
        self.w2 = (rng.standard_normal((10, 256)) / 16).astype(np.float32)
        self.b2 = np.zeros(10, np.float32)
        self.lr = lr

    def step(self, x, y) -> float:
        """One forward, backward and update on a batch; returns the loss."""
        h = x @ self.w1.T + self.b1
        r = np.maximum(h, 0)
        z = r @ self.w2.T + self.b2
        loss, dz = cross_entropy_grad(z, y)
        dr = dz @ self.w2
        dh = dr * (h > 0)
        for p, g in ((self.w2, dz.T @ r), (self.b2, dz.sum(0)), (self.w1, dh.T @ x), (self.b1, dh.sum(0))):
            p -= self.lr * g
        return loss


class CNN:
    """conv(1->16) relu pool conv(16->32) relu pool linear(1568->10), trained by plain SGD."""

    def __init__(self, rng, lr: float = 0.01):
        self.k1 = (rng.standard_normal((16, 1, 3, 3)) / 3).astype(np.float32)
        self.c1 = np.zeros(16, np.float32)
        self.k2 = (rng.standard_normal((32, 16, 3, 3)) / 12).astype(np.float32)
        self.c2 = np.zeros(32, np.float32)
        self.w = (rng.standard_normal((10, 32 * 7 * 7)) / 40).astype(np.float32)
        self.b = np.zeros(10, np.float32)
        self.lr = lr

    def step(self, x, y) -> float:
        """One forward, backward and update on a batch; returns the loss."""
        a1, cols1 = conv_forward(x, self.k1, self.c1, 1)
        r1 = np.maximum(a1, 0)
        p1, m1 = pool_forward(r1)
        a2, cols2 = conv_forward(p1, self.k2, self.c2, 1)
        r2 = np.maximum(a2, 0)
        p2, m2 = pool_forward(r2)
        flat = p2.reshape(len(x), -1)
        z = flat @ self.w.T + self.b
        loss, dz = cross_entropy_grad(z, y)
        dflat = dz @ self.w
        dw, db = dz.T @ flat, dz.sum(0)
        da2 = pool_backward(dflat.reshape(p2.shape), m2) * (a2 > 0)
        dp1, dk2, dc2 = conv_backward(da2, p1.shape, self.k2, cols2, 1)
        da1 = pool_backward(dp1, m1) * (a1 > 0)
        _, dk1, dc1 = conv_backward(da1, x.shape, self.k1, cols1, 1, need_input_grad=False)
        for p, g in ((self.w, dw), (self.b, db), (self.k2, dk2), (self.c2, dc2), (self.k1, dk1), (self.c1, dc1)):
            p -= self.lr * g
        return loss
