"""Transforms of host images: NumPy arrays (HxW or HxWxC) and PIL images.

These images are data that is not a tensor yet (decoded files, dataset samples),
so preparing them on the host is what torchvision does with PIL too. The NumPy
resampling follows the device kernels' conventions (half-pixel centres, fill
blending), so a host image and the same image as a tensor give the same result.
"""
from __future__ import annotations

import numpy as np

from .. import _pil

_PIL_RESAMPLE = {"nearest": 0, "nearest-exact": 0, "bilinear": 2, "bicubic": 3, "box": 4, "hamming": 5,
                 "lanczos": 1}


def hw(arr: np.ndarray) -> tuple:
    """(height, width) of a NumPy image."""
    return arr.shape[0], arr.shape[1]


def channels(arr: np.ndarray) -> int:
    """Channels of a NumPy image (1 for HxW)."""
    return 1 if arr.ndim == 2 else arr.shape[2]


def check_np(arr: np.ndarray) -> None:
    """Reject arrays that are not HxW or HxWxC images."""
    if arr.ndim not in (2, 3):
        raise ValueError(f"pic should be 2/3 dimensional. Got {arr.ndim} dimensions.")


def _as_round(values: np.ndarray, like: np.ndarray) -> np.ndarray:
    """Interpolated values back in the image's dtype (integers round half to even and clip)."""
    if np.issubdtype(like.dtype, np.integer):
        info = np.iinfo(like.dtype)
        return np.clip(np.rint(values), info.min, info.max).astype(like.dtype)
    return values.astype(like.dtype)


def np_crop(arr: np.ndarray, top: int, left: int, height: int, width: int) -> np.ndarray:
    """arr[top:top+height, left:left+width], zero-padded where the box leaves the image."""
    h, w = hw(arr)
    if top >= 0 and left >= 0 and top + height <= h and left + width <= w:
        return arr[top:top + height, left:left + width]
    out = np.zeros((height, width) + arr.shape[2:], dtype=arr.dtype)
    t0, l0 = max(top, 0), max(left, 0)
    t1, l1 = min(top + height, h), min(left + width, w)
    if t1 > t0 and l1 > l0:
        out[t0 - top:t1 - top, l0 - left:l1 - left] = arr[t0:t1, l0:l1]
    return out


def np_pad(arr: np.ndarray, ltrb, fill=0, mode: str = "constant") -> np.ndarray:
    """Pad left/top/right/bottom (negative values crop) with a constant or edge/reflect/symmetric copies."""
    pl, pt, pr, pb = ltrb
    if min(ltrb) < 0:
        h, w = hw(arr)
        arr = arr[max(-pt, 0):h - max(-pb, 0), max(-pl, 0):w - max(-pr, 0)]
        pl, pt, pr, pb = (max(v, 0) for v in ltrb)
    widths = [(pt, pb), (pl, pr)] + [(0, 0)] * (arr.ndim - 2)
    if mode == "constant":
        if isinstance(fill, (tuple, list)) and arr.ndim == 3:
            out = np.empty((arr.shape[0] + pt + pb, arr.shape[1] + pl + pr, arr.shape[2]), dtype=arr.dtype)
            out[...] = np.asarray(fill, dtype=arr.dtype).reshape(1, 1, -1)
            out[pt:pt + arr.shape[0], pl:pl + arr.shape[1]] = arr
            return out
        value = fill[0] if isinstance(fill, (tuple, list)) else fill
        return np.pad(arr, widths, mode="constant", constant_values=value)
    return np.pad(arr, widths, mode=mode)


def np_resize(arr: np.ndarray, size, mode: str) -> np.ndarray:
    """Resize to (height, width): nearest, nearest-exact or bilinear (half-pixel centres)."""
    h, w = hw(arr)
    oh, ow = size
    sy, sx = np.float32(h / oh), np.float32(w / ow)
    if mode in ("nearest", "nearest-exact"):
        off = np.float32(0.5 if mode == "nearest-exact" else 0.0)
        ys = np.minimum(np.floor((np.arange(oh, dtype=np.float32) + off) * sy).astype(np.int64), h - 1)
        xs = np.minimum(np.floor((np.arange(ow, dtype=np.float32) + off) * sx).astype(np.int64), w - 1)
        return arr[ys][:, xs]
    if mode != "bilinear":
        raise NotImplementedError(f"resize of a NumPy image supports nearest, nearest-exact and bilinear, not "
                                  f"{mode}; convert it to a PIL image for {mode}")
    fy = np.maximum(sy * (np.arange(oh, dtype=np.float32) + np.float32(0.5)) - np.float32(0.5), 0)
    fx = np.maximum(sx * (np.arange(ow, dtype=np.float32) + np.float32(0.5)) - np.float32(0.5), 0)
    y0 = np.minimum(fy.astype(np.int64), h - 1)
    x0 = np.minimum(fx.astype(np.int64), w - 1)
    y1, x1 = np.minimum(y0 + 1, h - 1), np.minimum(x0 + 1, w - 1)
    ly, lx = (fy - y0).astype(np.float32), (fx - x0).astype(np.float32)
    a = arr.astype(np.float32)
    if a.ndim == 3:
        ly, lx = ly[:, None, None], lx[None, :, None]
    else:
        ly, lx = ly[:, None], lx[None, :]
    top = a[y0][:, x0] * (1 - lx) + a[y0][:, x1] * lx
    bottom = a[y1][:, x0] * (1 - lx) + a[y1][:, x1] * lx
    return _as_round((1 - ly) * top + ly * bottom, arr)


def np_warp(arr: np.ndarray, matrix, out_size, mode: str, fill) -> np.ndarray:
    """Sample arr through an inverse affine matrix about the centres (the image_warp kernel's rules)."""
    h, w = hw(arr)
    oh, ow = out_size
    ct = np.float64 if arr.dtype == np.float64 else np.float32  # the kernel's arithmetic
    a = arr.astype(ct)
    if a.ndim == 2:
        a = a[:, :, None]
    sx, sy = warp_coords(h, w, oh, ow, matrix, ct)

    def tap(yy, xx):
        inside = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
        v = a[np.clip(yy, 0, h - 1), np.clip(xx, 0, w - 1)] * inside[..., None]
        return v, inside.astype(np.float64)

    if mode == "nearest":
        v, m = tap(np.rint(sy).astype(np.int64), np.rint(sx).astype(np.int64))
    elif mode == "bilinear":
        x0, y0 = np.floor(sx).astype(np.int64), np.floor(sy).astype(np.int64)
        lx, ly = sx - x0.astype(sx.dtype), sy - y0.astype(sy.dtype)
        v, m = 0.0, 0.0
        for dy, dx, wt in ((0, 0, (1 - ly) * (1 - lx)), (0, 1, (1 - ly) * lx), (1, 0, ly * (1 - lx)), (1, 1, ly * lx)):
            tv, tm = tap(y0 + dy, x0 + dx)
            v, m = v + wt[..., None] * tv, m + wt * tm
    else:
        raise NotImplementedError(f"warping a NumPy image supports nearest and bilinear, not {mode}")
    if fill is not None:
        f = np.broadcast_to(np.asarray(fill, dtype=ct).reshape(-1), (a.shape[2],))
        m = m[..., None]
        v = np.where(m < 0.5, f, v) if mode == "nearest" else v * m + (1 - m) * f
    out = _as_round(v, arr)
    return out[:, :, 0] if arr.ndim == 2 else out


def warp_coords(h: int, w: int, oh: int, ow: int, matrix, ct=np.float32):
    """Input coordinates (x, y) of each output pixel of an affine warp, computed as image_warp does."""
    half = ct(0.5)
    yc = np.arange(oh, dtype=ct)[:, None] - ct(oh - 1) * half
    xc = np.arange(ow, dtype=ct)[None, :] - ct(ow - 1) * half
    m0, m1, m2, m3, m4, m5 = (ct(v) for v in matrix)
    sx = m0 * xc + m1 * yc + m2 + ct(w - 1) * half
    sy = m3 * xc + m4 * yc + m5 + ct(h - 1) * half
    return sx, sy


def np_grayscale(arr: np.ndarray, num_output_channels: int) -> np.ndarray:
    """ITU-R 601-2 luma of an RGB (or already gray) image, repeated to num_output_channels."""
    if arr.ndim == 2 or arr.shape[2] == 1:
        g = arr if arr.ndim == 2 else arr[:, :, 0]
    else:
        f = arr.astype(np.float32)
        g = (np.float32(0.2989) * f[..., 0] + np.float32(0.587) * f[..., 1] + np.float32(0.114) * f[..., 2])
        g = g.astype(arr.dtype)
    if num_output_channels == 1:
        return g if arr.ndim == 2 else g[:, :, None]
    return np.repeat(g[:, :, None], num_output_channels, axis=2)


# -- PIL ----------------------------------------------------------------------
def pil_resample(mode: str) -> int:
    """PIL's resampling filter for an interpolation mode name."""
    return _PIL_RESAMPLE[mode]


def pil_to_array(img) -> np.ndarray:
    """The pixels of a PIL image as an HxW or HxWxC array (mode '1' as 0/255 uint8)."""
    if img.mode == "1":
        return np.asarray(img, dtype=np.uint8) * np.uint8(255)
    return np.asarray(img)


def array_to_pil(arr: np.ndarray):
    """A PIL image from an HxW(xC) array (mode from dtype and channels, as Image.fromarray)."""
    Image = _pil.require("converting to a PIL image")
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    return Image.fromarray(np.ascontiguousarray(arr))
