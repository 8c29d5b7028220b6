"""Host-side random numbers that follow cltorch's generators.

Samplers' worker seeds and the random parameters of vision transforms are
drawn on the host (no device round trip per sample), yet reproducibly:
numbers come from NumPy's Philox keyed by the cltorch generator's seed and a
block of counters reserved from it, so ``cltorch.manual_seed(s)`` replays the
same draws and other random ops advance past them.
"""
from __future__ import annotations

import numpy as np

from .... import random as _random

def uniform(n: int, generator=None) -> np.ndarray:
    """n floats in [0, 1) drawn from ``generator`` (cltorch's default generator when None).

    Each call reserves its own counters (NumPy's Philox-4x64 gives 4 doubles per counter), so the
    generator's state alone fixes every later draw: a restored state replays them exactly.
    """
    g = _random.default_generator if generator is None else generator
    seed, start = g.take(n // 4 + 1)
    return np.random.Generator(np.random.Philox(key=seed, counter=start)).random(n)


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
