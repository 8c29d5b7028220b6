"""Process-wide settings torch scripts call: print options, thread count, determinism."""
from __future__ import annotations

from . import _tensor_str

_state = {"threads": None, "deterministic": False, "warn_only": False}

_PROFILES = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80), "full": (4, float("inf"), 3, 80)}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None) -> None:
    """Set how tensors print (torch.set_printoptions): digits, summarising threshold, edge items, width."""
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"profile must be one of {sorted(_PROFILES)}, got {profile!r}")
        (_tensor_str.PRECISION, _tensor_str.THRESHOLD, _tensor_str.EDGEITEMS,
         _tensor_str.LINEWIDTH) = _PROFILES[profile]
    if precision is not None:
        _tensor_str.PRECISION = int(precision)
    if threshold is not None:
        _tensor_str.THRESHOLD = threshold
    if edgeitems is not None:
        _tensor_str.EDGEITEMS = int(edgeitems)
    if linewidth is not None:
        _tensor_str.LINEWIDTH = int(linewidth)
    _tensor_str.SCI_MODE = sci_mode


def get_num_threads() -> int:
    """Threads the host side may use (PoCL sizes its own pool from the CPU count)."""
    import os
    return _state["threads"] or os.cpu_count() or 1


def set_num_threads(n: int) -> None:
    """Record the requested host thread count; PoCL's pool is fixed once OpenCL starts (POCL_MAX_PTHREAD_COUNT)."""
    if int(n) < 1:
        raise RuntimeError(f"set_num_threads expects a positive integer, but got {n}")
    _state["threads"] = int(n)


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Accept torch's determinism switch: every cltorch kernel is already deterministic (no atomics)."""
    _state["deterministic"], _state["warn_only"] = bool(mode), bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    """Whether use_deterministic_algorithms(True) was called."""
    return _state["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """Whether determinism was requested with warn_only=True."""
    return _state["warn_only"]


__all__ = ["set_printoptions", "get_num_threads", "set_num_threads", "use_deterministic_algorithms",
           "are_deterministic_algorithms_enabled", "is_deterministic_algorithms_warn_only_enabled"]
