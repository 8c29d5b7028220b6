"""Short-time Fourier transforms as DFT GEMMs on the device.

A forward STFT pads the rows (reflect by default, a kernel), takes every frame
as a strided view (no copy) and multiplies the frames by a DFT basis whose
columns interleave (cos, -sin) per frequency, with the window and any
normalisation folded into the basis. The GEMM output, (rows, frames, 2F), is
then already torch.view_as_real's layout of the complex spectrum, stored time
major exactly as torch.stft stores it. The inverse multiplies by the inverse
(real-output) basis, windows the frames and overlap-adds them (a kernel),
dividing by the summed squared window. The bases are host-prepared constants,
uploaded once per (n_fft, onesided, dtype, device).
"""
from __future__ import annotations

import functools
import math

import numpy as np

import cltorch

from . import _autograd

_BASIS_CACHE: dict = {}


def n_freqs(n_fft: int, onesided: bool) -> int:
    """Number of frequency bins of an n_fft-point transform."""
    return n_fft // 2 + 1 if onesided else n_fft


@functools.lru_cache(maxsize=32)
def _host_basis(n_fft: int, onesided: bool, inverse: bool) -> np.ndarray:
    nf = n_freqs(n_fft, onesided)
    n = np.arange(n_fft)
    f = np.arange(nf)
    # reduce f * n modulo n_fft in integers first so large products keep their accuracy
    phase = 2.0 * np.pi * (np.outer(n, f) % n_fft) / n_fft          # (n_fft, nf)
    if not inverse:
        basis = np.empty((n_fft, 2 * nf))
        basis[:, 0::2] = np.cos(phase)
        basis[:, 1::2] = -np.sin(phase)
        return basis
    # real part of the inverse DFT; a one-sided spectrum counts its mirrored bins twice
    # (not DC, nor Nyquist for even n_fft), and their imaginary parts are ignored as in irfft
    weight = np.ones(nf)
    if onesided:
        weight[1:] = 2.0
        if n_fft % 2 == 0:
            weight[-1] = 1.0
    basis = np.empty((2 * nf, n_fft))
    basis[0::2, :] = (weight[:, None] * np.cos(phase.T)) / n_fft
    basis[1::2, :] = -(weight[:, None] * np.sin(phase.T)) / n_fft
    if onesided:
        basis[1, :] = 0.0
        if n_fft % 2 == 0:
            basis[-1, :] = 0.0
    return basis


def dft_basis(n_fft: int, onesided: bool, inverse: bool, dtype, device):
    """The cached DFT basis on device: (n_fft, 2F) forward, (2F, n_fft) inverse."""
    key = (n_fft, onesided, inverse, dtype, str(device))
    basis = _BASIS_CACHE.get(key)
    if basis is None:
        host = _host_basis(n_fft, onesided, inverse).astype(dtype.np)
        basis = _BASIS_CACHE[key] = cltorch.tensor(host, dtype=dtype, device=device)
    return basis


def full_window(window, n_fft: int, win_length: int, dtype, device):
    """The window (ones when None) zero-padded on both sides to n_fft, as torch.stft centres it."""
    if window is None:
        window = cltorch.ones((win_length,), dtype=dtype, device=device)
    if window.dim() != 1 or window.shape[0] != win_length:
        raise RuntimeError(f"stft: expected a 1D window tensor of size equal to win_length={win_length}, but got "
                           f"window with size {list(window.shape)}")
    if window.device != device or window.dtype != dtype:
        window = window.to(device=device, dtype=dtype)
    if win_length == n_fft:
        return window
    left = (n_fft - win_length) // 2
    return _autograd.Pad1d.apply(window.reshape(1, -1), left, n_fft - win_length - left, "constant").reshape(-1)


def pad_rows(x, left: int, right: int, mode: str):
    """Pad the last dim of rows x (rows, L) with F.pad's checks (mode constant/reflect/replicate/circular)."""
    rows, length = x.shape
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if mode != "constant":
        if length == 0:
            raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor with possibly 0 batch size and other non-zero "
                               f"dimensions for input, but got: [{rows}, {length}]")
        limit = {"reflect": length - 1, "circular": length}.get(mode)
        if limit is not None and (left > limit or right > limit):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, "
                               f"but got: padding ({left}, {right}) at dimension 1 of input [{rows}, {length}]")
    if left == 0 and right == 0:
        return x
    return _autograd.Pad1d.apply(x, left, right, mode)


def check_params(n_fft: int, hop_length: int, win_length: int) -> None:
    """torch.stft's argument checks."""
    if hop_length <= 0:
        raise RuntimeError(f"stft: expected hop_length > 0, but got hop_length={hop_length}")
    if win_length <= 0 or win_length > n_fft:
        raise RuntimeError(f"stft: expected 0 < win_length <= n_fft, but got win_length={win_length}")


def stft(x, window, n_fft: int, hop_length: int, center: bool, pad_mode: str, onesided: bool, scale):
    """The complex STFT of rows x (rows, L) as (rows, frames, 2F) interleaved (re, im).

    ``window`` is the full n_fft window; ``scale`` multiplies it (a number or a 0-d tensor)."""
    length = x.shape[1]
    if center:
        half = n_fft // 2
        x = pad_rows(x, half, half, pad_mode)
        length += 2 * half
    if n_fft <= 0 or n_fft > length:
        raise RuntimeError(f"stft: expected 0 < n_fft <= {length}, but got n_fft={n_fft}")
    frames = x.unfold(-1, n_fft, hop_length)                         # (rows, nf, n_fft), a view
    basis = dft_basis(n_fft, onesided, False, x.dtype, x.device)
    w = window if isinstance(scale, (int, float)) and scale == 1 else window * scale
    return cltorch.matmul(frames, w.reshape(-1, 1) * basis)


def istft(z, window, n_fft: int, hop_length: int, center: bool, onesided: bool, scale, length=None):
    """Rows of waveform (rows, Lout) from a complex STFT z (rows, frames, 2F), least-squares overlap-add."""
    _, nframes, twice_f = z.shape
    expected = n_freqs(n_fft, onesided)
    if twice_f != 2 * expected:
        raise RuntimeError(f"istft: expected the frequency dimension (dim -2) of the spectrogram to be "
                           f"{'n_fft / 2 + 1' if onesided else 'n_fft'} ({expected}) but got {twice_f // 2}")
    if nframes == 0:
        raise RuntimeError("istft: input tensor cannot be empty (0 frames)")
    basis = dft_basis(n_fft, onesided, True, z.dtype, z.device)
    if not (isinstance(scale, (int, float)) and scale == 1):
        basis = basis * scale
    frames = cltorch.matmul(z, basis) * window                      # (rows, nf, n_fft)
    start = n_fft // 2 if center else 0
    full = n_fft + hop_length * (nframes - 1)
    out_len = length if length is not None else full - 2 * start
    y = _autograd.OverlapAdd.apply(frames, hop_length, start, out_len)
    sq = (window * window).reshape(1, 1, -1).expand(1, nframes, n_fft)
    env = _autograd.OverlapAdd.apply(sq, hop_length, start, out_len)
    # positions no frame covers (envelope ~ 0) are left unscaled instead of raising as torch does
    safe = cltorch.where(env > 1e-11, env, cltorch.ones_like(env))
    return y / safe


def frame_scale(n_fft: int, frame_length_norm: bool) -> float:
    """torch.stft's normalized=True factor."""
    return 1.0 / math.sqrt(n_fft) if frame_length_norm else 1.0
