"""Host-side random numbers that follow cltorch's generators.

Samplers' worker seeds and the random parameters of vision transforms are
drawn on the host (no device round trip per sample), yet reproducibly:
numbers come from NumPy's Philox keyed by the cltorch generator's seed and a
block of counters reserved from it, so ``cltorch.manual_seed(s)`` replays the
same draws and other random ops advance past them.
"""
from __future__ import annotations

import weakref

import numpy as np

from .... import random as _random

_BLOCKS = 64  # counters reserved per refill; NumPy's Philox-4x64 gives 4 doubles per counter


class _Stream:
    __slots__ = ("state", "buf", "pos")

    def __init__(self):
        self.state, self.buf, self.pos = None, np.empty(0), 0


_streams: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def uniform(n: int, generator=None) -> np.ndarray:
    """n floats in [0, 1) drawn from ``generator`` (cltorch's default generator when None)."""
    g = _random.default_generator if generator is None else generator
    s = _streams.get(g)
    if s is None:
        s = _streams[g] = _Stream()
    if s.state != (g._seed, g._offset) or s.pos + n > s.buf.size:
        blocks = max(_BLOCKS, n // 4 + 1)
        seed, start = g.take(blocks)
        bits = np.random.Philox(key=seed, counter=start)
        s.buf = np.random.Generator(bits).random(blocks * 4)
        s.pos = 0
        s.state = (g._seed, g._offset)
    out = s.buf[s.pos:s.pos + n]
    s.pos += n
    return out


def rand(generator=None) -> float:
    """One float in [0, 1)."""
    return float(uniform(1, generator)[0])


def randint(low: int, high: int, generator=None) -> int:
    """One integer in [low, high)."""
    return int(low + min(int(rand(generator) * (high - low)), high - low - 1))


def seed64(generator=None) -> int:
    """A non-negative 63-bit integer (worker base seeds)."""
    hi, lo = uniform(2, generator)
    return (int(hi * (1 << 31)) << 32) | int(lo * (1 << 32))
