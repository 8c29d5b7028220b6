"""A handwritten-digits set made on the fly: stroke skeletons of 0-9, randomly distorted and rasterised.

Each digit is a few pen strokes (lines, arcs, Bezier curves) in a unit box,
with two or three writing styles per digit (a 7 with or without a bar, an open
or closed 4, ...). Every sample resamples its glyph to evenly spaced pen
points, bends them with a smooth random displacement field ("elastic"
jitter), applies a random affine map (rotation, scale, shear, translation)
and splats each point as a Gaussian of random width, so the stroke thickness
and ink vary too; a little noise is added last. Everything is NumPy on the
host, made before any tensor exists, and the result depends only on the seed.
The images are 28x28 uint8 like MNIST, so both feed the same pipeline.
"""
from __future__ import annotations

import numpy as np

__all__ = ["make_digits", "glyph_strokes", "IMAGE_SIZE"]

IMAGE_SIZE = 28
_POINTS = 96          # pen points per glyph (spacing stays under a pixel at the largest scale)
_GLYPH_PIXELS = 19.0  # height of the unit glyph box in pixels before random scaling
_CHUNK = 2048         # samples rendered at once (bounds the temporary arrays)


# -- glyph skeletons ----------------------------------------------------------------

def _line(*points) -> np.ndarray:
    """A polyline through the points, sampled finely."""
    pts = np.asarray(points, dtype=np.float64)
    pieces = [np.linspace(a, b, 16, endpoint=False) for a, b in zip(pts[:-1], pts[1:])]
    return np.concatenate(pieces + [pts[-1:]])


def _arc(cx: float, cy: float, rx: float, ry: float, start_deg: float, end_deg: float) -> np.ndarray:
    """An elliptical arc; angles counter-clockwise from +x with y pointing down (90 is the top)."""
    t = np.radians(np.linspace(start_deg, end_deg, 64))
    return np.stack([cx + rx * np.cos(t), cy - ry * np.sin(t)], axis=1)


def _bezier(p0, p1, p2) -> np.ndarray:
    """A quadratic Bezier curve from p0 to p2 pulled towards p1."""
    t = np.linspace(0.0, 1.0, 48)[:, None]
    p0, p1, p2 = (np.asarray(p, dtype=np.float64) for p in (p0, p1, p2))
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t ** 2 * p2


def glyph_strokes() -> list:
    """For each digit 0-9, a list of styles; each style is a list of strokes, (M, 2) arrays of (x, y)."""
    return [
        [[_arc(0.5, 0.5, 0.30, 0.45, 90, 450)],
         [_arc(0.5, 0.5, 0.24, 0.46, 100, 460)]],
        [[_line((0.5, 0.04), (0.5, 0.96))],
         [_line((0.28, 0.24), (0.52, 0.04), (0.52, 0.96))],
         [_line((0.3, 0.22), (0.5, 0.04), (0.5, 0.96)), _line((0.3, 0.96), (0.72, 0.96))]],
        [[_arc(0.5, 0.3, 0.3, 0.25, 160, -30), _line((0.76, 0.42), (0.16, 0.95), (0.86, 0.95))],
         [_arc(0.5, 0.3, 0.3, 0.25, 170, -20), _bezier((0.78, 0.38), (0.45, 0.7), (0.15, 0.95)),
          _line((0.15, 0.95), (0.88, 0.92))]],
        [[_arc(0.48, 0.27, 0.28, 0.22, 160, -90), _arc(0.48, 0.72, 0.32, 0.24, 90, -200)],
         [_line((0.18, 0.05), (0.78, 0.05), (0.42, 0.42)), _arc(0.46, 0.7, 0.33, 0.26, 100, -200)]],
        [[_line((0.68, 0.96), (0.68, 0.04), (0.1, 0.66), (0.9, 0.66))],
         [_line((0.22, 0.04), (0.14, 0.6), (0.88, 0.6)), _line((0.66, 0.28), (0.66, 0.96))]],
        [[_line((0.82, 0.05), (0.26, 0.05), (0.22, 0.45)), _arc(0.48, 0.68, 0.32, 0.27, 140, -155)],
         [_line((0.22, 0.45), (0.26, 0.05), (0.8, 0.05)), _arc(0.47, 0.69, 0.33, 0.26, 150, -140)]],
        [[_bezier((0.76, 0.05), (0.2, 0.18), (0.2, 0.68)), _arc(0.49, 0.7, 0.29, 0.26, 180, 540)],
         [_line((0.7, 0.04), (0.24, 0.6)), _arc(0.5, 0.72, 0.28, 0.24, 160, 520)]],
        [[_line((0.12, 0.05), (0.86, 0.05), (0.4, 0.96))],
         [_line((0.12, 0.05), (0.86, 0.05), (0.42, 0.96)), _line((0.36, 0.5), (0.78, 0.5))],
         [_line((0.12, 0.16), (0.14, 0.05), (0.86, 0.05), (0.5, 0.96))]],
        [[_arc(0.5, 0.27, 0.25, 0.22, -90, 270), _arc(0.5, 0.72, 0.3, 0.24, 90, 450)],
         [_arc(0.5, 0.26, 0.22, 0.21, -80, 280), _arc(0.5, 0.71, 0.32, 0.25, 80, 440)]],
        [[_arc(0.5, 0.3, 0.3, 0.25, 0, 360), _line((0.8, 0.3), (0.74, 0.96))],
         [_arc(0.48, 0.3, 0.3, 0.25, 0, 360), _bezier((0.78, 0.3), (0.8, 0.92), (0.32, 0.95))]],
    ]


def _resample(strokes: list, count: int) -> tuple:
    """``count`` evenly spaced pen points over all strokes (shared among them by length) and the total length."""
    pieces, lengths = [], []
    for s in strokes:
        seg = np.linalg.norm(np.diff(s, axis=0), axis=1)
        cum = np.concatenate([[0.0], np.cumsum(seg)])
        pieces.append((s, cum))
        lengths.append(cum[-1])
    total = float(sum(lengths))
    shares = np.maximum(2, np.round(np.array(lengths) / total * count).astype(int))
    shares[np.argmax(shares)] += count - shares.sum()
    out = []
    for (s, cum), n in zip(pieces, shares):
        at = np.linspace(0.0, cum[-1], n)
        out.append(np.stack([np.interp(at, cum, s[:, 0]), np.interp(at, cum, s[:, 1])], axis=1))
    return np.concatenate(out), total


def _templates() -> list:
    """Per digit, per style: (pen points (K, 2) centred on the box middle, stroke length)."""
    out = []
    for styles in glyph_strokes():
        row = []
        for strokes in styles:
            pts, length = _resample(strokes, _POINTS)
            row.append((pts - 0.5, length))
        out.append(row)
    return out


# -- distortion and rendering ------------------------------------------------------------

def _distort(pts: np.ndarray, rng: np.random.Generator) -> tuple:
    """Elastic bend then a random affine map of (N, K, 2) unit-box points; returns pixel coordinates and scale."""
    n = pts.shape[0]
    # Smooth displacement: two sine waves along each axis, of random frequency, phase and strength.
    bent = pts.copy()
    for top in (0.06, 0.03):
        amp = rng.uniform(0.0, top, (n, 1, 2))
        freq = rng.uniform(0.5, 2.0, (n, 1, 2))
        phase = rng.uniform(0.0, 2 * np.pi, (n, 1, 2))
        bent += amp * np.sin(2 * np.pi * freq * pts[..., ::-1] + phase)
    angle = np.radians(rng.uniform(-18.0, 18.0, n))
    scale = rng.uniform(0.72, 1.12, n) * _GLYPH_PIXELS
    aspect = rng.uniform(0.75, 1.2, n)
    shear = rng.uniform(-0.35, 0.35, n)
    cos, sin = np.cos(angle), np.sin(angle)
    # A = R @ Shear @ diag(scale*aspect, scale): columns map the glyph's x and y axes.
    sx, sy = scale * aspect, scale
    a = np.empty((n, 2, 2))
    a[:, 0, 0], a[:, 0, 1] = cos * sx, (cos * shear - sin) * sy
    a[:, 1, 0], a[:, 1, 1] = sin * sx, (sin * shear + cos) * sy
    shift = (IMAGE_SIZE - 1) / 2 + rng.uniform(-2.5, 2.5, (n, 1, 2))
    return np.einsum("nij,nkj->nki", a, bent) + shift, scale


def _pressure(n: int, rng: np.random.Generator) -> np.ndarray:
    """(N, K) ink per pen point: a slow random swell along the path, the ends sometimes lifted early."""
    k = np.linspace(0.0, 1.0, _POINTS)
    swell = 1.0 + rng.uniform(0.0, 0.45, (n, 1)) * np.sin(2 * np.pi * (rng.uniform(0.5, 2.0, (n, 1)) * k
                                                                        + rng.uniform(0, 1, (n, 1))))
    idx = np.arange(_POINTS)
    lifted = (idx < rng.integers(0, 7, (n, 1))) | (idx >= _POINTS - rng.integers(0, 7, (n, 1)))
    return np.where(lifted, 0.0, swell)


def _gaussians(coord: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """exp(-(coord - pixel)^2 / 2 sigma^2) for every pixel centre: (N, K) -> (N, K, 28), float32."""
    d = coord[..., None].astype(np.float32) - np.arange(IMAGE_SIZE, dtype=np.float32)
    np.square(d, out=d)
    d *= (-0.5 / sigma ** 2).astype(np.float32)
    return np.exp(d, out=d)


def _render(pix: np.ndarray, spacing: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Splat (N, K, 2) pixel-space pen points as Gaussians; a saturating ink curve gives the stroke its edge."""
    n = pix.shape[0]
    sigma = rng.uniform(0.7, 1.35, (n, 1, 1))
    gx, gy = _gaussians(pix[..., 0], sigma), _gaussians(pix[..., 1], sigma)  # (N, K, W), (N, K, H)
    # Points spaced `spacing` apart sum to sigma*sqrt(2 pi)/spacing across a line; weight them back to 1.
    weight = spacing[:, None, None] / (sigma * np.sqrt(2 * np.pi)) * _pressure(n, rng)[..., None]
    gy *= weight.astype(np.float32)
    profile = np.matmul(gy.transpose(0, 2, 1), gx)  # (N, H, W)
    gain = rng.uniform(1.5, 3.2, (n, 1, 1)).astype(np.float32)
    ink = rng.uniform(0.7, 1.0, (n, 1, 1)).astype(np.float32)
    img = ink * np.clip(gain * profile, 0.0, 1.0)
    img += rng.standard_normal(img.shape, dtype=np.float32) * rng.uniform(0.0, 0.1, (n, 1, 1)).astype(np.float32)
    return (np.clip(img, 0.0, 1.0) * 255 + 0.5).astype(np.uint8)


def make_digits(count: int, seed: int = 0) -> tuple:
    """``count`` distorted digit images (count, 28, 28) uint8 and labels (count,) int64, balanced over 0-9."""
    if count < 0:
        raise ValueError(f"count must be non-negative, got {count}")
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(count, dtype=np.int64) % 10)
    images = np.empty((count, IMAGE_SIZE, IMAGE_SIZE), dtype=np.uint8)
    templates = _templates()
    style_pick = rng.random(count)
    for start in range(0, count, _CHUNK):
        lab = labels[start:start + _CHUNK]
        pick = style_pick[start:start + _CHUNK]
        pts = np.empty((len(lab), _POINTS, 2))
        length = np.empty(len(lab))
        for i, (digit, u) in enumerate(zip(lab, pick)):
            styles = templates[digit]
            pts[i], length[i] = styles[int(u * len(styles))]
        pix, scale = _distort(pts, rng)
        images[start:start + _CHUNK] = _render(pix, length * scale / _POINTS, rng)
    return images, labels
