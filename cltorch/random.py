"""Random number generators: seeds and Philox counters, shared by every device.

A generator is a (seed, offset) pair. Each random kernel reads numbers at
counters offset, offset+1, ... and the generator then advances past them, so
the same seed gives the same numbers on every OpenCL device.
"""
from __future__ import annotations

import contextlib
import os

import numpy as np

from ._device import device as _device_cls

DEFAULT_SEED = 67280421310721  # torch's initial seed, so a fresh process starts alike
_MASK = (1 << 64) - 1


class Generator:
    """A counter-based (Philox) random generator."""

    def __init__(self, device="cpu"):
        self.device = _device_cls(device)
        self._seed = DEFAULT_SEED
        self._offset = 0

    def manual_seed(self, seed) -> "Generator":
        """Reset to a known seed."""
        seed = int(seed)
        if not -(1 << 63) <= seed <= _MASK:
            raise RuntimeError(f"Overflow when unpacking long: seed {seed} is outside the 64-bit range")
        self._seed = seed & _MASK
        self._offset = 0
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy and return the seed."""
        self.manual_seed(int.from_bytes(os.urandom(8), "little") & ((1 << 63) - 1))
        return self._seed

    def initial_seed(self) -> int:
        """The seed this generator was last seeded with."""
        return self._seed

    def get_state(self):
        """The state as a uint8 cpu tensor (seed and offset, 16 bytes)."""
        from ._creation import from_numpy
        return from_numpy(np.array([self._seed, self._offset], dtype=np.uint64).view(np.uint8).copy())

    def set_state(self, state) -> "Generator":
        """Restore a state from get_state()."""
        arr = np.asarray(state.numpy() if hasattr(state, "numpy") else state, dtype=np.uint8)
        if arr.size != 16:
            raise RuntimeError(f"RNG state is wrong size: expected 16 bytes, got {arr.size}")
        seed, offset = arr.view(np.uint64)
        self._seed, self._offset = int(seed), int(offset)
        return self

    def take(self, blocks: int) -> tuple:
        """Reserve ``blocks`` Philox counters; return (seed, first counter)."""
        start = self._offset
        self._offset = (self._offset + int(blocks)) & _MASK
        return self._seed, start


default_generator = Generator()


def manual_seed(seed) -> Generator:
    """Seed the default generator (used by every device)."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the default generator non-deterministically and return the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The default generator's seed."""
    return default_generator.initial_seed()


def get_rng_state():
    """The default generator's state."""
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    """Restore the default generator's state."""
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled: bool = True, **_ignored):
    """Restore the default generator's state on exit."""
    if not enabled:
        yield
        return
    state = (default_generator._seed, default_generator._offset)
    try:
        yield
    finally:
        default_generator._seed, default_generator._offset = state
