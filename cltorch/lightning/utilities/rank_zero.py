"""Messages and warnings from the (only) process, as pytorch_lightning's rank-zero helpers."""
from __future__ import annotations

import functools
import logging
import warnings

log = logging.getLogger("cltorch.lightning")


def rank_zero_only(fn):
    """Decorator: run fn on rank zero only (cltorch.lightning always runs one process)."""
    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        return fn(*args, **kwargs)
    return wrapped


rank_zero_only.rank = 0


def rank_zero_warn(message, category=UserWarning, stacklevel: int = 3) -> None:
    """Warn once per call site."""
    warnings.warn(message, category, stacklevel=stacklevel)


def rank_zero_info(message) -> None:
    """Log an informational message."""
    log.info(message)


def rank_zero_debug(message) -> None:
    """Log a debug message."""
    log.debug(message)
