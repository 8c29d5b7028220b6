"""How index checks report: at once (a blocking read of the device error flag), deferred to the
device's next sync (a loss's targets, like CUDA's device asserts), or skipped (a backward whose
saved index its forward already checked). The mode is per thread."""
from __future__ import annotations

import contextlib
import threading


class _Checks(threading.local):
    """How index checks report in this thread: None (at once), ("defer", exc, message) or "skip"."""

    mode = None


_checks = _Checks()


@contextlib.contextmanager
def _checks_mode(mode):
    previous, _checks.mode = _checks.mode, mode
    try:
        yield
    finally:
        _checks.mode = previous


def deferred_index_errors(exc, message: str):
    """Index checks of gather/index_select inside raise exc(message) at the device's next sync, not now."""
    return _checks_mode(("defer", exc, message))


def validated_indices():
    """Skip index range checks inside: the indices were checked when they were first used (backward)."""
    return _checks_mode("skip")


def indices_validated() -> bool:
    """True inside validated_indices (index checks skipped)."""
    return _checks.mode == "skip"


def flag_buffer(rt):
    """The error flag buffer the current mode's kernels write."""
    return rt.error_buffer if _checks.mode is None else rt.deferred_error_buffer


def raise_if_flagged(rt, message: str, exc) -> None:
    """Read the device error flag once (waits) and raise when a kernel set it (or defer/skip, by mode)."""
    mode = _checks.mode
    if mode is None:
        if rt.take_error():
            raise exc(message)
    elif mode != "skip":
        rt.defer_error(mode[1], mode[2])
