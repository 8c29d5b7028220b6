"""Transforms of tensor images (..., C, H, W) on the device.

Each runs as kernels on the tensor's device (image.cl for normalisation, dtype
conversion, resize and affine warps; cltorch ops for crops, flips, pads and
grayscale). A tensor that requires grad is resampled through differentiable
gathers instead, whose tap positions and weights depend only on the geometry.
"""
from __future__ import annotations

import numpy as np

import cltorch
from cltorch.autograd import is_grad_enabled
from cltorch.ops import image as image_ops
from cltorch.ops.layout import contiguous_strides
from cltorch.utils.data._utils.staging import StagedTensor

_MODES = {"nearest": 0, "bilinear": 1, "nearest-exact": 2}


def check_image(t) -> None:
    """Tensor images have at least two dimensions (H, W)."""
    if t.dim() < 2:
        raise TypeError(f"Tensor is not a torch image: expected at least 2 dimensions, got shape {list(t.shape)}")


def _needs_grad(t) -> bool:
    return t.requires_grad and is_grad_enabled()


def _planes(t):
    """t viewed (or copied) as (P, H, W) planes."""
    return t.reshape(-1, t.shape[-2], t.shape[-1])


def _channels(t) -> int:
    return t.shape[-3] if t.dim() >= 3 else 1


def _small(values, dtype, device):
    return cltorch.tensor(np.asarray(values, dtype=dtype.np), dtype=dtype, device=device)


def _as4(t):
    """(B, C, H, W) strides of t when its leading dimensions merge into one, else None."""
    shape, stride = t.shape, t.stride()
    c = _channels(t)
    if t.dim() <= 3:
        sc = stride[-3] if t.dim() == 3 else 0
        return (1, c, shape[-2], shape[-1]), (0, sc, stride[-2], stride[-1])
    lead, lead_st = shape[:-3], stride[:-3]
    for i in range(len(lead) - 1):
        if lead[i + 1] != 1 and lead[i] != 1 and lead_st[i] != lead_st[i + 1] * lead[i + 1]:
            return None
    sb = next((st for s, st in zip(reversed(lead), reversed(lead_st)) if s != 1), 0)
    return (int(np.prod(lead)), c, shape[-2], shape[-1]), (sb, stride[-3], stride[-2], stride[-1])


def convert(t, dtype, mode: int, factor, mean=None, std=None, out=None):
    """One image_convert launch: out = normalise(rescale(t)) in dtype (out may be t itself)."""
    if out is None:
        out = cltorch.empty(tuple(t.shape), dtype=dtype, device=t.device)
    lay = _as4(t)
    if lay is None:
        t = t.contiguous()
        lay = _as4(t)
    shape4, strides4 = lay
    view = cltorch.Tensor._make(out._storage, out._offset, shape4, contiguous_strides(shape4), out.dtype, out.device)
    params = None
    if mean is not None:
        tag = image_ops.compute_tag(t.dtype, dtype)
        pdt = cltorch.float64 if tag == "f64" else cltorch.float32
        c = shape4[1]
        params = _small(np.concatenate([np.broadcast_to(np.asarray(mean, dtype=np.float64), (c,)),
                                        np.broadcast_to(np.asarray(std, dtype=np.float64), (c,))]), pdt, t.device)
    image_ops.convert(view, t, strides4, mode, factor, params)
    return out


def normalize(t, mean, std, inplace: bool):
    """(t - mean[c]) / std[c] per channel."""
    c = _channels(t)
    if len(mean) not in (1, c) or len(std) not in (1, c):
        bad = len(mean) if len(mean) not in (1, c) else len(std)
        raise RuntimeError(f"The size of tensor a ({c}) must match the size of tensor b ({bad}) at non-singleton "
                           "dimension 0")
    if isinstance(t, StagedTensor) and t.is_staged and t._mean is None and t.dtype.is_floating_point:
        if inplace:
            t._mean, t._std = tuple(float(m) for m in mean), tuple(float(s) for s in std)
            return t
        return t.restage(mean=mean, std=std)
    if _needs_grad(t):
        m = _small(mean, t.dtype, t.device).view(-1, 1, 1)
        s = _small(std, t.dtype, t.device).view(-1, 1, 1)
        return t.sub_(m).div_(s) if inplace else (t - m) / s
    if inplace and t.is_contiguous():
        return convert(t, t.dtype, 0, 1, mean, std, out=t)
    result = convert(t, t.dtype, 0, 1, mean, std)
    return t.copy_(result) if inplace else result


def _max_value(dtype) -> float:
    return float(np.iinfo(dtype.np).max) if not dtype.is_floating_point else 1.0


def convert_image_dtype(t, dtype):
    """Rescale pixel values to dtype's range: ints to [0, 1] floats and back, ints by powers of two."""
    if t.dtype is dtype:
        return t
    src_float, dst_float = t.dtype.is_floating_point, dtype.is_floating_point
    if src_float and dst_float:
        mode, factor = 0, 1
    elif src_float:
        if (t.dtype is cltorch.float32 and dtype in (cltorch.int32, cltorch.int64)) or (
                t.dtype is cltorch.float64 and dtype is cltorch.int64):
            raise RuntimeError(f"The cast from {t.dtype} to {dtype} cannot be performed safely.")
        mode, factor = 2, _max_value(dtype) + 1.0 - 1e-3
    elif dst_float:
        mode, factor = 1, _max_value(t.dtype)
    else:
        in_max, out_max = int(_max_value(t.dtype)), int(_max_value(dtype))
        if in_max > out_max:
            mode, factor = 3, (in_max + 1) // (out_max + 1)
        else:
            mode, factor = 2, (out_max + 1) // (in_max + 1)
    if isinstance(t, StagedTensor) and t.is_staged and t._mode == 0 and t._mean is None and t.dtype is \
            _host_dtype(t):
        return t.restage(dtype=dtype, mode=mode, factor=factor)
    if _needs_grad(t) and dst_float:
        return t.to(dtype) / factor if mode == 1 else t.to(dtype)
    return convert(t, dtype, mode, factor)


def _host_dtype(t):
    from cltorch import _dtype
    return _dtype.from_numpy_dtype(t._raw.dtype)


def crop(t, top: int, left: int, height: int, width: int):
    """The box as a view when inside the image, else zero-padded (a kernel)."""
    h, w = t.shape[-2], t.shape[-1]
    if top >= 0 and left >= 0 and top + height <= h and left + width <= w:
        if isinstance(t, StagedTensor) and t.is_staged:
            return _staged_slice(t, slice(top, top + height), slice(left, left + width))
        return t[..., top:top + height, left:left + width]
    padded = pad(t, [max(-left, 0), max(-top, 0), max(left + width - w, 0), max(top + height - h, 0)], 0,
                 "constant")
    top, left = max(top, 0), max(left, 0)
    return padded[..., top:top + height, left:left + width]


def _staged_slice(t, sl_h=slice(None), sl_w=slice(None), flip_h=False, flip_w=False):
    """A staged tensor's host array cropped or flipped along its H/W axes (no upload yet)."""
    nd = len(t._perm)
    index = [slice(None)] * t._raw.ndim
    index[t._perm[nd - 2]] = slice(None, None, -1) if flip_h else sl_h
    index[t._perm[nd - 1]] = slice(None, None, -1) if flip_w else sl_w
    return t.restage(raw=t._raw[tuple(index)])


def hflip(t):
    """Mirror left-right."""
    if isinstance(t, StagedTensor) and t.is_staged:
        return _staged_slice(t, flip_w=True)
    return cltorch.flip(t, [-1])


def vflip(t):
    """Mirror top-bottom."""
    if isinstance(t, StagedTensor) and t.is_staged:
        return _staged_slice(t, flip_h=True)
    return cltorch.flip(t, [-2])


def _pad_index(n: int, before: int, after: int, mode: str) -> np.ndarray:
    """Source positions of a padded axis for edge/reflect/symmetric padding."""
    pos = np.arange(-before, n + after)
    if mode == "edge":
        return np.clip(pos, 0, n - 1)
    if mode == "reflect":
        period = 2 * (n - 1) if n > 1 else 1
        p = np.mod(pos, period)
        return np.where(p >= n, period - p, p)
    period = 2 * n
    p = np.mod(pos, period)
    return np.where(p >= n, period - 1 - p, p)


def pad(t, ltrb, fill, mode: str):
    """Pad the last two dimensions: constant fill, or edge/reflect/symmetric copies (one gather per axis)."""
    pl, pt, pr, pb = (int(v) for v in ltrb)
    if min(pl, pt, pr, pb) < 0:
        h, w = t.shape[-2], t.shape[-1]
        t = t[..., max(-pt, 0):h - max(-pb, 0), max(-pl, 0):w - max(-pr, 0)]
        pl, pt, pr, pb = max(pl, 0), max(pt, 0), max(pr, 0), max(pb, 0)
    h, w = t.shape[-2], t.shape[-1]
    shape = tuple(t.shape[:-2]) + (h + pt + pb, w + pl + pr)
    if mode == "constant":
        if isinstance(fill, (tuple, list)) and len(fill) > 1:
            out = _small(fill, t.dtype, t.device).view(-1, 1, 1).expand(*shape).contiguous()
        else:
            value = fill[0] if isinstance(fill, (tuple, list)) else fill
            out = cltorch.full(shape, value if value is not None else 0, dtype=t.dtype, device=t.device)
        out[..., pt:pt + h, pl:pl + w] = t
        return out
    if mode == "reflect" and (max(pl, pr) >= w or max(pt, pb) >= h):
        raise RuntimeError(f"Padding size should be less than the corresponding input dimension, but got: padding "
                           f"({pl}, {pr}) at dimension 3 of input {list(t.shape)}")
    rows = _small(_pad_index(h, pt, pb, mode), cltorch.int64, t.device)
    cols = _small(_pad_index(w, pl, pr, mode), cltorch.int64, t.device)
    return t.index_select(-2, rows).index_select(-1, cols)


def rgb_to_grayscale(t, num_output_channels: int):
    """Luma 0.2989 R + 0.587 G + 0.114 B (cast back to the image dtype), repeated num_output_channels times."""
    c = _channels(t)
    if c not in (1, 3):
        raise TypeError(f"Input image tensor permitted channel values are [1, 3], but found {c}")
    if c == 1:
        g = t
    else:
        f = t if t.dtype.is_floating_point else t.to(cltorch.float32)
        red, green, blue = f.unbind(-3)
        g = (0.2989 * red + 0.587 * green + 0.114 * blue).to(t.dtype).unsqueeze(-3)
    if num_output_channels == 3:
        return g.expand(*g.shape[:-3], 3, *g.shape[-2:]).contiguous()
    return g


def resize(t, size, mode: str):
    """Resize the last two dimensions to size (h, w): nearest, nearest-exact or bilinear."""
    if mode not in _MODES:
        raise NotImplementedError(f"resize of tensors supports nearest, nearest-exact and bilinear, not {mode}")
    oh, ow = size
    h, w = t.shape[-2], t.shape[-1]
    if _needs_grad(t):
        return _sample_composed(t, *_resize_taps(h, w, oh, ow, mode, t.dtype.np), fill=None)
    src = _planes(t)
    out = cltorch.empty((src.shape[0], oh, ow), dtype=t.dtype, device=t.device)
    image_ops.resize(out, src, _MODES[mode])
    return out.reshape(*t.shape[:-2], oh, ow)


def warp(t, matrix, out_size, mode: str, fill):
    """Sample through an inverse affine matrix (about the centres); fill blends where samples leave the image."""
    if mode not in ("nearest", "bilinear"):
        raise NotImplementedError(f"affine warps of tensors support nearest and bilinear, not {mode}")
    oh, ow = out_size
    c = _channels(t)
    fills = None
    if fill is not None:
        fills = [float(v) for v in (fill if isinstance(fill, (tuple, list)) else [fill])]
        if len(fills) not in (1, c):
            raise ValueError(f"The number of elements in 'fill' does not match the number of channels of the image "
                             f"({len(fills)} != {c})")
        fills = fills * c if len(fills) == 1 else fills
    if _needs_grad(t):
        taps = _warp_taps(t.shape[-2], t.shape[-1], oh, ow, matrix, mode, t.dtype.np)
        return _sample_composed(t, *taps, fill=fills)
    src = _planes(t)
    out = cltorch.empty((src.shape[0], oh, ow), dtype=t.dtype, device=t.device)
    ftensor = None
    if fills is not None:
        ct = cltorch.float64 if t.dtype is cltorch.float64 else cltorch.float32
        ftensor = _small(fills, ct, t.device)
    image_ops.warp(out, src, matrix, _MODES[mode], c, ftensor)
    return out.reshape(*t.shape[:-2], oh, ow)


# -- differentiable resampling (tensors that require grad) ----------------------
def _resize_taps(h, w, oh, ow, mode, ct=np.float32):
    """Tap positions and weights of a resize, in the kernel's arithmetic (float32, or float64 images)."""
    ct = np.float64 if ct == np.float64 else np.float32
    sy, sx = ct(h / oh), ct(w / ow)
    if mode != "bilinear":
        off = ct(0.5 if mode == "nearest-exact" else 0.0)
        ys = np.minimum(np.floor((np.arange(oh, dtype=ct) + off) * sy), h - 1).astype(np.int64)
        xs = np.minimum(np.floor((np.arange(ow, dtype=ct) + off) * sx), w - 1).astype(np.int64)
        yy, xx = np.meshgrid(ys, xs, indexing="ij")
        return [(yy, xx)], [np.ones((oh, ow))], np.ones((oh, ow))
    half = ct(0.5)
    fy = np.maximum(sy * (np.arange(oh, dtype=ct) + half) - half, 0)
    fx = np.maximum(sx * (np.arange(ow, dtype=ct) + half) - half, 0)
    y0, x0 = np.minimum(fy.astype(np.int64), h - 1), np.minimum(fx.astype(np.int64), w - 1)
    ly, lx = np.meshgrid(fy - y0, fx - x0, indexing="ij")
    Y0, X0 = np.meshgrid(y0, x0, indexing="ij")
    Y1, X1 = np.minimum(Y0 + 1, h - 1), np.minimum(X0 + 1, w - 1)
    taps = [(Y0, X0), (Y0, X1), (Y1, X0), (Y1, X1)]
    weights = [(1 - ly) * (1 - lx), (1 - ly) * lx, ly * (1 - lx), ly * lx]
    return taps, weights, np.ones((oh, ow))


def _warp_taps(h, w, oh, ow, matrix, mode, ct=np.float32):
    """Tap positions, weights and in-bounds mass of an affine warp, in the kernel's arithmetic."""
    from ._functional_host import warp_coords
    sx, sy = warp_coords(h, w, oh, ow, matrix, np.float64 if ct == np.float64 else np.float32)
    if mode == "nearest":
        corners = [(np.rint(sy).astype(np.int64), np.rint(sx).astype(np.int64), np.ones_like(sx))]
    else:
        x0, y0 = np.floor(sx).astype(np.int64), np.floor(sy).astype(np.int64)
        lx, ly = sx - x0.astype(sx.dtype), sy - y0.astype(sy.dtype)
        corners = [(y0, x0, (1 - ly) * (1 - lx)), (y0, x0 + 1, (1 - ly) * lx), (y0 + 1, x0, ly * (1 - lx)),
                   (y0 + 1, x0 + 1, ly * lx)]
    taps, weights, mask = [], [], np.zeros_like(sx)
    for yy, xx, wt in corners:
        inside = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
        taps.append((np.clip(yy, 0, h - 1), np.clip(xx, 0, w - 1)))
        weights.append(wt * inside)
        mask += wt * inside
    return taps, weights, mask


def _sample_composed(t, taps, weights, mask, fill):
    """sum_k weights_k * t[taps_k] with gathers (autograd flows through index_select)."""
    h, w = t.shape[-2], t.shape[-1]
    oh, ow = mask.shape
    flat = t.reshape(*t.shape[:-2], h * w)
    out = None
    for (yy, xx), wt in zip(taps, weights):
        lin = _small((yy * w + xx).reshape(-1), cltorch.int64, t.device)
        term = flat.index_select(-1, lin) * _small(wt.reshape(-1), t.dtype, t.device)
        out = term if out is None else out + term
    if fill is not None:
        m = mask.reshape(-1)
        f = _small(fill, t.dtype, t.device).view(-1, 1)
        if len(taps) == 1:
            keep = _small(m >= 0.5, cltorch.bool, t.device)
            out = cltorch.where(keep, out, f)
        else:
            mt = _small(m, t.dtype, t.device)
            out = out * mt + (1 - mt) * f
    return out.reshape(*t.shape[:-2], oh, ow)
