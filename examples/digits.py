"""Handwritten-looking digits generated on the fly, and MNIST IDX files written from them.

The examples train on the real MNIST files when they are under ``--data``; otherwise they call
:func:`mnist_root`, which renders randomly distorted digit strokes into 28x28 images (MNIST's
size, centring and value range) and writes them as MNIST IDX files, so the very same
``datasets.MNIST`` code path reads them. Host-side data preparation only (NumPy).
"""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile

import numpy as np

# Each digit as strokes (polylines) on a unit square, y pointing down.
_ARC = np.linspace(0, 2 * np.pi, 17)


def _ellipse(cx, cy, rx, ry, start=0.0, stop=1.0):
    t = _ARC[int(start * 16):int(stop * 16) + 1]
    return list(zip(cx + rx * np.sin(t), cy - ry * np.cos(t)))


GLYPHS = {
    0: [_ellipse(0.5, 0.5, 0.3, 0.42)],
    1: [[(0.32, 0.25), (0.55, 0.08), (0.55, 0.92)]],
    2: [_ellipse(0.5, 0.32, 0.28, 0.24, 0.8125, 1.0) + _ellipse(0.5, 0.32, 0.28, 0.24, 0.0, 0.375)
        + [(0.2, 0.92), (0.82, 0.92)]],
    3: [_ellipse(0.48, 0.29, 0.25, 0.21, 0.75, 1.0) + _ellipse(0.48, 0.29, 0.25, 0.21, 0.0, 0.5),
        _ellipse(0.48, 0.71, 0.28, 0.21, 0.0, 0.75)],
    4: [[(0.65, 0.92), (0.65, 0.08), (0.18, 0.65), (0.85, 0.65)]],
    5: [[(0.78, 0.08), (0.3, 0.08), (0.27, 0.45)] + _ellipse(0.5, 0.66, 0.28, 0.26, 0.875, 1.0)
        + _ellipse(0.5, 0.66, 0.28, 0.26, 0.0, 0.625)],
    6: [[(0.72, 0.1), (0.45, 0.25), (0.25, 0.6)] + _ellipse(0.5, 0.68, 0.25, 0.24, 0.75, 1.0)
        + _ellipse(0.5, 0.68, 0.25, 0.24, 0.0, 0.75)],
    7: [[(0.18, 0.08), (0.82, 0.08), (0.42, 0.92)]],
    8: [_ellipse(0.5, 0.28, 0.22, 0.2), _ellipse(0.5, 0.7, 0.27, 0.22)],
    9: [_ellipse(0.5, 0.32, 0.25, 0.24) + [(0.75, 0.32), (0.7, 0.92)]],
}


def _segments(digit: int) -> np.ndarray:
    """(S, 2, 2) line segments of a glyph."""
    segs = []
    for stroke in GLYPHS[digit]:
        pts = np.asarray(stroke, dtype=np.float64)
        segs.append(np.stack([pts[:-1], pts[1:]], axis=1))
    return np.concatenate(segs)


_GRID = np.stack(np.meshgrid(np.arange(28) + 0.5, np.arange(28) + 0.5, indexing="xy"), axis=-1).reshape(-1, 2)


def render(digit: int, rng: np.random.Generator) -> np.ndarray:
    """One 28x28 uint8 image of digit: jittered, rotated, sheared, scaled and shifted strokes."""
    segs = _segments(digit) + rng.normal(0, 0.025, size=(1, 1, 2))
    segs = segs + rng.normal(0, 0.015, size=segs.shape)
    angle, shear = rng.normal(0, 0.18), rng.normal(0, 0.2)
    scale = rng.uniform(0.8, 1.05)
    c, s = np.cos(angle), np.sin(angle)
    mat = scale * np.array([[c, -s], [s, c]]) @ np.array([[1.0, shear], [0.0, 1.0]])
    # the unit square maps to a 20-pixel box centred in the 28x28 frame, as in MNIST
    pts = ((segs - 0.5) @ mat.T) * 20.0 + 14.0 + rng.uniform(-1.5, 1.5, size=2)
    a, b = pts[:, 0], pts[:, 1]
    ab = b - a
    t = ((_GRID[:, None, :] - a[None]) * ab[None]).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-9)[None]
    closest = a[None] + np.clip(t, 0, 1)[..., None] * ab[None]
    dist = np.sqrt(((_GRID[:, None, :] - closest) ** 2).sum(-1)).min(axis=1)
    width = rng.uniform(0.9, 1.8)
    ink = np.clip(width + 0.5 - dist, 0.0, 1.0)
    ink = np.clip(ink + rng.normal(0, 0.04, size=ink.shape), 0.0, 1.0)
    return (ink.reshape(28, 28) * 255).astype(np.uint8)


def generate(n: int, seed: int = 0):
    """(images (n, 28, 28) uint8, labels (n,) uint8) with the ten digits in turn, rendered by rng(seed)."""
    rng = np.random.default_rng(seed)
    labels = (np.arange(n) % 10).astype(np.uint8)
    rng.shuffle(labels)
    return np.stack([render(int(d), rng) for d in labels]) if n else np.zeros((0, 28, 28), np.uint8), labels


def write_idx(path: str, array: np.ndarray) -> None:
    """Write a uint8 array as an IDX file (the MNIST format: magic, big-endian dims, raw bytes)."""
    with open(path, "wb") as f:
        f.write(bytes([0, 0, 0x08, array.ndim]))
        f.writelines(int(d).to_bytes(4, "big") for d in array.shape)
        f.write(np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def has_mnist(root: str | None) -> bool:
    """Whether root holds the MNIST IDX files in torchvision's layout (root/MNIST/raw/*-ubyte[.gz])."""
    if not root:
        return False
    raw = os.path.join(root, "MNIST", "raw")
    names = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
    return all(os.path.isfile(os.path.join(raw, n)) or os.path.isfile(os.path.join(raw, n + ".gz")) for n in names)


def mnist_root(data: str | None, train_size: int, test_size: int, seed: int = 0) -> tuple:
    """(root, description): data when it holds MNIST, else a temporary folder (removed at exit) of generated digits."""
    if has_mnist(data):
        return data, f"MNIST from {data}"
    root = tempfile.mkdtemp(prefix="cltorch-digits-")
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    raw = os.path.join(root, "MNIST", "raw")
    os.makedirs(raw)
    for prefix, n, s in (("train", train_size, seed), ("t10k", test_size, seed + 1)):
        images, labels = generate(n, s)
        write_idx(os.path.join(raw, f"{prefix}-images-idx3-ubyte"), images)
        write_idx(os.path.join(raw, f"{prefix}-labels-idx1-ubyte"), labels)
    return root, f"generated digits ({train_size} train / {test_size} test; no MNIST files under {data or '--data'})"
