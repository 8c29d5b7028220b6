"""Pillow as an optional extra: the PIL.Image module or None, and the checks that use it.

Without Pillow, datasets return images as HxW / HxWxC uint8 NumPy arrays, which every
transform accepts; only decoding image files (ImageFolder's default loader), PIL
conversions and non-PNG ``save_image`` formats need it.
"""
from __future__ import annotations

try:
    from PIL import Image
except ImportError:  # pragma: no cover - depends on the environment
    Image = None


def available() -> bool:
    """True when Pillow can be imported."""
    return Image is not None


def is_pil(obj) -> bool:
    """True for a PIL image."""
    return Image is not None and isinstance(obj, Image.Image)


def from_array(arr):
    """An HxW / HxWxC uint8 array as a PIL image when Pillow is installed, else the array itself."""
    return arr if Image is None else Image.fromarray(arr)


def require(what: str):
    """The PIL.Image module, or an ImportError saying that ``what`` needs Pillow and how to get it."""
    if Image is None:
        raise ImportError(f"{what} needs Pillow, which is not installed: pip install Pillow "
                          "(or install cltorch with its 'images' extra: pip install 'cltorch[images]').")
    return Image
