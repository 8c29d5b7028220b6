"""``seed_everything``: one seed for Python's random, NumPy and cltorch's generator."""
from __future__ import annotations

import os
import random

from ... import random as _cl_random
from .rank_zero import rank_zero_warn

_MAX = (1 << 32) - 1


def seed_everything(seed=None, workers: bool = False, verbose: bool = True) -> int:
    """Seed random, numpy.random and cltorch; returns the seed (also exported as PL_GLOBAL_SEED)."""
    if seed is None:
        env = os.environ.get("PL_GLOBAL_SEED")
        if env is None:
            seed = random.randint(0, _MAX)
            rank_zero_warn(f"No seed found, seed set to {seed}")
        else:
            try:
                seed = int(env)
            except ValueError:
                seed = random.randint(0, _MAX)
                rank_zero_warn(f"Invalid seed found: {env!r}, seed set to {seed}")
    seed = int(seed)
    if not 0 <= seed <= _MAX:
        rank_zero_warn(f"{seed} is not in bounds, numpy accepts from 0 to {_MAX}")
        seed = random.randint(0, _MAX)
    os.environ["PL_GLOBAL_SEED"] = str(seed)
    os.environ["PL_SEED_WORKERS"] = str(int(workers))
    random.seed(seed)
    try:
        import numpy as np
        np.random.seed(seed)
    except ImportError:  # pragma: no cover - numpy is a dependency
        pass
    _cl_random.manual_seed(seed)
    return seed


def reset_seed() -> None:
    """Re-apply the seed set by seed_everything, if any."""
    seed = os.environ.get("PL_GLOBAL_SEED")
    if seed is not None:
        seed_everything(int(seed), workers=bool(int(os.environ.get("PL_SEED_WORKERS", "0"))))
