"""Functional transforms (torchvision.transforms.functional) for PIL images, NumPy images and tensors.

Images come in three kinds: PIL images, NumPy arrays (HxW or HxWxC, what
datasets return without Pillow) and cltorch tensors (..., C, H, W). Host images
are transformed on the host; ``to_tensor`` turns one into a host-staged tensor
whose upload and conversion happen once per batch in ``default_collate``.
Tensors are transformed on their device by kernels, never read back.
"""
from __future__ import annotations

import math
import numbers
from enum import Enum

import numpy as np

import cltorch
from cltorch.utils.data._utils.staging import StagedTensor

from .. import _pil
from . import _functional_host as H
from . import _functional_tensor as T


class InterpolationMode(Enum):
    """Resampling filters, named as torchvision's."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


def _mode(interpolation) -> str:
    if isinstance(interpolation, InterpolationMode):
        return interpolation.value
    if isinstance(interpolation, int):  # PIL constants, as torchvision still accepts
        return {0: "nearest", 2: "bilinear", 3: "bicubic", 4: "box", 5: "hamming", 1: "lanczos"}[interpolation]
    if isinstance(interpolation, str):
        return interpolation
    raise TypeError("Argument interpolation should be a InterpolationMode or a corresponding Pillow integer constant")


def _is_tensor(img) -> bool:
    return isinstance(img, cltorch.Tensor)


def _is_np(img) -> bool:
    return isinstance(img, np.ndarray)


def _check_kind(img) -> None:
    if not (_is_tensor(img) or _is_np(img) or _pil.is_pil(img)):
        raise TypeError(f"img should be PIL Image, NumPy image or Tensor. Got {type(img)}")


def get_dimensions(img) -> list:
    """[channels, height, width] of an image."""
    _check_kind(img)
    if _is_tensor(img):
        T.check_image(img)
        return [img.shape[-3] if img.dim() > 2 else 1, img.shape[-2], img.shape[-1]]
    if _is_np(img):
        return [H.channels(img), img.shape[0], img.shape[1]]
    return [len(img.getbands()), img.height, img.width]


def get_image_size(img) -> list:
    """[width, height] of an image."""
    _, h, w = get_dimensions(img)
    return [w, h]


def get_image_num_channels(img) -> int:
    """Number of channels of an image."""
    return get_dimensions(img)[0]


# -- conversions ------------------------------------------------------------------
def to_tensor(pic) -> cltorch.Tensor:
    """A PIL image or HxW(xC) array as a C x H x W tensor; uint8 becomes float in [0, 1].

    The result is host-staged: its upload and conversion run when first used, or once
    for the whole batch when default_collate stacks it."""
    if _pil.is_pil(pic):
        arr = H.pil_to_array(pic)
    elif _is_np(pic):
        H.check_np(pic)
        arr = pic
    else:
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.dtype == np.uint8:
        return StagedTensor(arr, cltorch.get_default_dtype(), perm=(2, 0, 1), mode=1, factor=255)
    return StagedTensor(arr, perm=(2, 0, 1))


def pil_to_tensor(pic) -> cltorch.Tensor:
    """A PIL image (or NumPy image) as a C x H x W tensor of its own dtype, unscaled (host-staged)."""
    if _pil.is_pil(pic):
        arr = np.asarray(pic)
    elif _is_np(pic):
        arr = pic
    else:
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    if arr.ndim == 2:
        arr = arr[:, :, None]
    return StagedTensor(arr, perm=(2, 0, 1))


def to_pil_image(pic, mode=None):
    """A PIL image from a C x H x W tensor (floats scaled by 255 on the device) or an HxW(xC) array."""
    Image = _pil.require("to_pil_image")
    if _is_tensor(pic):
        if pic.dim() not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.dim()} dimensions.")
        t = pic if pic.dim() == 3 else pic.unsqueeze(0)
        if t.dtype.is_floating_point and mode != "F":
            t = (t * 255).to(cltorch.uint8)
        arr = t.permute(1, 2, 0).numpy()
    elif _is_np(pic):
        arr = pic
    else:
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    img = Image.fromarray(np.ascontiguousarray(arr))
    return img.convert(mode) if mode is not None and img.mode != mode else img


def convert_image_dtype(image, dtype=cltorch.float32):
    """Convert a tensor image to dtype, rescaling values to the dtype's range."""
    if not _is_tensor(image):
        raise TypeError("Input img should be Tensor Image")
    return T.convert_image_dtype(image, cltorch._dtype.to_dtype(dtype))


def normalize(tensor, mean, std, inplace: bool = False):
    """Per-channel (x - mean) / std of a float tensor image (..., C, H, W)."""
    if not _is_tensor(tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    if not tensor.dtype.is_floating_point:
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.dim() < 3:
        raise ValueError(f"Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
                         f"{tensor.size()}")
    mean = [float(m) for m in (mean if isinstance(mean, (list, tuple)) else [mean])]
    std = [float(s) for s in (std if isinstance(std, (list, tuple)) else [std])]
    if any(s == 0 or abs(s) < 1e-45 for s in std):
        raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to division by zero.")
    return T.normalize(tensor, mean, std, inplace)


# -- geometry ---------------------------------------------------------------------
def _resized_size(h: int, w: int, size, max_size):
    if isinstance(size, numbers.Number):
        size = [int(size)]
    size = list(size)
    if len(size) == 2:
        if max_size is not None:
            raise ValueError("max_size should only be passed if size specifies the length of the smaller edge, i.e. "
                             "size should be an int or a sequence of length 1 in torchscript mode.")
        return [int(size[0]), int(size[1])]
    if len(size) != 1:
        raise ValueError(f"If size is a sequence, it should have 1 or 2 values, got {len(size)}")
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size[0], int(size[0] * long / short)
    if max_size is not None:
        if max_size <= size[0]:
            raise ValueError(f"max_size = {max_size} must be strictly greater than the requested size for the smaller "
                             f"edge size = {size}")
        if new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
    return [new_short, new_long] if w > h else [new_long, new_short]


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    """Resize to size (h, w), or so the shorter side is size. antialias is accepted; tensors resample without it."""
    mode = _mode(interpolation)
    _, h, w = get_dimensions(img)
    oh, ow = _resized_size(h, w, size, max_size)
    if [h, w] == [oh, ow]:
        return img
    if _pil.is_pil(img):
        return img.resize((ow, oh), H.pil_resample(mode))
    if _is_np(img):
        return H.np_resize(img, (oh, ow), mode)
    return T.resize(img, (oh, ow), mode)


def crop(img, top: int, left: int, height: int, width: int):
    """The height x width box at (top, left); parts outside the image are zero."""
    _check_kind(img)
    if _pil.is_pil(img):
        return img.crop((left, top, left + width, top + height))
    if _is_np(img):
        return H.np_crop(img, top, left, height, width)
    return T.crop(img, top, left, height, width)


def _pair(size, name="size"):
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, (tuple, list)) and len(size) == 1:
        return int(size[0]), int(size[0])
    if len(size) != 2:
        raise ValueError(f"Please provide only two dimensions (h, w) for {name}.")
    return int(size[0]), int(size[1])


def center_crop(img, output_size):
    """The central crop of output_size (zero padding first when the image is smaller)."""
    ch, cw = _pair(output_size)
    _, h, w = get_dimensions(img)
    if ch > h or cw > w:
        ltrb = [(cw - w) // 2 if cw > w else 0, (ch - h) // 2 if ch > h else 0,
                (cw - w + 1) // 2 if cw > w else 0, (ch - h + 1) // 2 if ch > h else 0]
        img = pad(img, ltrb, fill=0)
        _, h, w = get_dimensions(img)
        if ch == h and cw == w:
            return img
    return crop(img, int(round((h - ch) / 2.0)), int(round((w - cw) / 2.0)), ch, cw)


def resized_crop(img, top, left, height, width, size, interpolation=InterpolationMode.BILINEAR, antialias=True):
    """Crop, then resize to size."""
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


def _ltrb(padding):
    if isinstance(padding, numbers.Number):
        p = int(padding)
        return [p, p, p, p]
    padding = list(padding)
    if len(padding) == 1:
        return [int(padding[0])] * 4
    if len(padding) == 2:
        return [int(padding[0]), int(padding[1]), int(padding[0]), int(padding[1])]
    if len(padding) == 4:
        return [int(p) for p in padding]
    raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple")


def pad(img, padding, fill=0, padding_mode: str = "constant"):
    """Pad the borders: constant fill, or edge / reflect / symmetric copies."""
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    ltrb = _ltrb(padding)
    _check_kind(img)
    if _pil.is_pil(img):
        return H.array_to_pil(H.np_pad(H.pil_to_array(img), ltrb, fill, padding_mode))
    if _is_np(img):
        return H.np_pad(img, ltrb, fill, padding_mode)
    return T.pad(img, ltrb, fill, padding_mode)


def hflip(img):
    """Mirror left-right."""
    _check_kind(img)
    if _pil.is_pil(img):
        return img.transpose(_pil.Image.Transpose.FLIP_LEFT_RIGHT)
    if _is_np(img):
        return img[:, ::-1]
    return T.hflip(img)


def vflip(img):
    """Mirror top-bottom."""
    _check_kind(img)
    if _pil.is_pil(img):
        return img.transpose(_pil.Image.Transpose.FLIP_TOP_BOTTOM)
    if _is_np(img):
        return img[::-1]
    return T.vflip(img)


def inverse_affine_matrix(center, angle: float, translate, scale: float, shear) -> list:
    """The 2x3 matrix mapping output pixels back to input pixels for rotate-scale-shear about center, then translate.

    Forward map: M = T(translate) C R(angle) S(scale) Sh(shear) C^-1; this returns M^-1 row-major."""
    rot = math.radians(angle)
    sx, sy = math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    # rotation-shear part (unit determinant): [[a, b], [c, d]]
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    inv = [d / scale, -b / scale, 0.0, -c / scale, a / scale, 0.0]
    inv[2] = inv[0] * (-cx - tx) + inv[1] * (-cy - ty) + cx
    inv[5] = inv[3] * (-cx - tx) + inv[4] * (-cy - ty) + cy
    return inv


def _expanded_size(w: int, h: int, matrix) -> tuple:
    """(w, h) of the canvas that holds the whole rotated image (rotate(expand=True))."""
    corners = np.array([[-0.5 * w, -0.5 * h], [-0.5 * w, 0.5 * h], [0.5 * w, 0.5 * h], [0.5 * w, -0.5 * h]])
    m = np.array(matrix, dtype=np.float64).reshape(2, 3)
    inv = np.linalg.inv(np.vstack([m, [0, 0, 1]]))[:2]
    pts = corners @ inv[:, :2].T + inv[:, 2]
    tol = 1e-4
    lo = np.floor(pts.min(axis=0) + tol)
    hi = np.ceil(pts.max(axis=0) - tol)
    size = hi - lo
    return int(size[0]), int(size[1])


def _fill_arg(fill, img):
    if fill is None:
        return None
    if isinstance(fill, numbers.Number):
        return [float(fill)]
    return [float(f) for f in fill]


def rotate(img, angle: float, interpolation=InterpolationMode.NEAREST, expand: bool = False, center=None,
           fill=None):
    """Rotate counter-clockwise by angle degrees about center (default: the image centre)."""
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    mode = _mode(interpolation)
    _, h, w = get_dimensions(img)
    if _pil.is_pil(img):
        pil_fill = tuple(int(f) for f in fill) if isinstance(fill, (list, tuple)) else fill
        return img.rotate(angle, H.pil_resample(mode), expand, center, fillcolor=pil_fill)
    center_f = [0.0, 0.0] if center is None else [float(cc) - s * 0.5 for cc, s in zip(center, [w, h])]
    matrix = inverse_affine_matrix(center_f, -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    ow, oh = _expanded_size(w, h, matrix) if expand else (w, h)
    if _is_np(img):
        return H.np_warp(img, matrix, (oh, ow), mode, _fill_arg(fill, img))
    return T.warp(img, matrix, (oh, ow), mode, _fill_arg(fill, img))


def affine(img, angle: float, translate, scale: float, shear, interpolation=InterpolationMode.NEAREST, fill=None,
           center=None):
    """Rotate (clockwise, as torchvision's affine), scale, shear about center, then translate."""
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if not isinstance(translate, (list, tuple)) or len(translate) != 2:
        raise ValueError("Argument translate should be a sequence of length 2")
    if scale <= 0.0:
        raise ValueError("Argument scale should be positive")
    if isinstance(shear, numbers.Number):
        shear = [shear, 0.0]
    shear = list(shear)
    if len(shear) == 1:
        shear = [shear[0], shear[0]]
    if len(shear) != 2:
        raise ValueError(f"Shear should be a sequence containing two values. Got {shear}")
    mode = _mode(interpolation)
    _, h, w = get_dimensions(img)
    if _pil.is_pil(img):
        ctr = [w * 0.5, h * 0.5] if center is None else list(center)
        matrix = inverse_affine_matrix(ctr, angle, translate, scale, shear)
        pil_fill = tuple(int(f) for f in fill) if isinstance(fill, (list, tuple)) else fill
        return img.transform((w, h), _pil.Image.AFFINE, matrix, H.pil_resample(mode), fillcolor=pil_fill)
    center_f = [0.0, 0.0] if center is None else [float(cc) - s * 0.5 for cc, s in zip(center, [w, h])]
    matrix = inverse_affine_matrix(center_f, angle, [float(t) for t in translate], scale, shear)
    if _is_np(img):
        return H.np_warp(img, matrix, (h, w), mode, _fill_arg(fill, img))
    return T.warp(img, matrix, (h, w), mode, _fill_arg(fill, img))


# -- color ------------------------------------------------------------------------
def rgb_to_grayscale(img, num_output_channels: int = 1):
    """Grayscale with 1 or 3 output channels (ITU-R 601-2 luma)."""
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    _check_kind(img)
    if _pil.is_pil(img):
        g = img.convert("L")
        return g if num_output_channels == 1 else _pil.Image.merge("RGB", [g, g, g])
    if _is_np(img):
        return H.np_grayscale(img, num_output_channels)
    return T.rgb_to_grayscale(img, num_output_channels)


to_grayscale = rgb_to_grayscale


def erase(img, i: int, j: int, h: int, w: int, v, inplace: bool = False):
    """Set the box (i, j, h, w) of a tensor image to v (a number or tensor)."""
    if not _is_tensor(img):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    if not inplace:
        img = img.clone()
    img[..., i:i + h, j:j + w] = v
    return img
