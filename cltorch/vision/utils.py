"""``make_grid`` and ``save_image``: look at a batch of images.

The grid is built on the device (fills, copies, min/max scaling without reading
values back); ``save_image`` then reads the finished uint8 grid once and writes a
PNG, through Pillow when installed (any format it knows) or through a small zlib
PNG writer, always via a temporary file and a rename.
"""
from __future__ import annotations

import io
import math
import os
import struct
import zlib

import numpy as np

import cltorch

from .._atomic import atomic_write
from . import _pil


def _as_batch(tensor) -> cltorch.Tensor:
    if isinstance(tensor, (list, tuple)):
        tensor = cltorch.stack(list(tensor), dim=0)
    if not isinstance(tensor, cltorch.Tensor):
        raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    if tensor.dim() == 2:
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 3:
        if tensor.shape[0] == 1:
            tensor = cltorch.cat((tensor, tensor, tensor), 0)
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 4 and tensor.shape[1] == 1:
        tensor = cltorch.cat((tensor, tensor, tensor), 1)
    return tensor


def _scale(t, low, high):
    """(t clamped to [low, high] - low) / max(high - low, 1e-5); low/high may be device tensors."""
    span = (high - low).clamp(min=1e-5) if isinstance(high, cltorch.Tensor) else max(high - low, 1e-5)
    return (t.clamp(min=low, max=high) - low) / span if not isinstance(low, cltorch.Tensor) else \
        (cltorch.minimum(cltorch.maximum(t, low), high) - low) / span


def make_grid(tensor, nrow: int = 8, padding: int = 2, normalize: bool = False, value_range=None,
              scale_each: bool = False, pad_value: float = 0.0, **kwargs) -> cltorch.Tensor:
    """Arrange a (B, C, H, W) batch (or list of images) into one image grid, nrow images per row."""
    if "range" in kwargs:
        value_range = kwargs.pop("range")
    tensor = _as_batch(tensor)
    if normalize:
        tensor = tensor.clone()
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max are numbers")
        if value_range is not None:
            tensor = _scale(tensor, float(value_range[0]), float(value_range[1]))
        elif scale_each:
            low = tensor.amin(dim=(1, 2, 3), keepdim=True)
            high = tensor.amax(dim=(1, 2, 3), keepdim=True)
            tensor = _scale(tensor, low, high)
        else:
            tensor = _scale(tensor, tensor.amin(), tensor.amax())
    if tensor.shape[0] == 1:
        return tensor.squeeze(0)
    nmaps, channels, h, w = tensor.shape
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    height, width = h + padding, w + padding
    grid = cltorch.full((channels, height * ymaps + padding, width * xmaps + padding), pad_value,
                        dtype=tensor.dtype, device=tensor.device)
    k = 0
    for y in range(ymaps):
        for x in range(xmaps):
            if k >= nmaps:
                break
            top, left = y * height + padding, x * width + padding
            grid[:, top:top + h, left:left + w] = tensor[k]
            k += 1
    return grid


def _png_bytes(arr: np.ndarray) -> bytes:
    """A PNG file of an HxW (gray) or HxWx3/4 uint8 image (no filtering, zlib level 6)."""
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    color = {2: 0, 3: {3: 2, 4: 6}.get(arr.shape[-1])}[arr.ndim]
    if color is None:
        raise ValueError(f"cannot write a PNG of shape {arr.shape}")
    h, w = arr.shape[:2]
    raw = np.concatenate([np.zeros((h, 1), dtype=np.uint8), np.ascontiguousarray(arr).reshape(h, -1)], axis=1)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw.tobytes(), 6))
            + chunk(b"IEND", b""))


def _encode(arr: np.ndarray, fmt: str | None, name: str) -> bytes:
    fmt = (fmt or os.path.splitext(name)[1].lstrip(".") or "png").lower()
    if _pil.Image is not None:
        buf = io.BytesIO()
        img = _pil.Image.fromarray(arr[:, :, 0] if arr.shape[2] == 1 else arr)
        img.save(buf, format={"jpg": "JPEG"}.get(fmt, fmt.upper()))
        return buf.getvalue()
    if fmt != "png":
        _pil.require(f"save_image in format {fmt!r} (without Pillow only PNG is written)")
    return _png_bytes(arr)


def save_image(tensor, fp, format: str | None = None, **kwargs) -> None:
    """Save a tensor (or batch, arranged with make_grid's keyword arguments) as an image file."""
    grid = make_grid(tensor, **kwargs)
    pixels = (grid * 255 + 0.5).clamp(0, 255).to(cltorch.uint8).permute(1, 2, 0).numpy()
    if isinstance(fp, (str, os.PathLike)):
        path = os.fspath(fp)
        atomic_write(path, _encode(pixels, format, path))
    else:
        fp.write(_encode(pixels, format, getattr(fp, "name", "") or ""))
