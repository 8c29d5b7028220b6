"""Settings read from the environment, in one place so they are documented once."""
from __future__ import annotations

import os
from pathlib import Path


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def disable_fp64() -> bool:
    """CLTORCH_DISABLE_FP64=1 makes every device act as if it lacked cl_khr_fp64."""
    return _flag("CLTORCH_DISABLE_FP64")


def disable_fp16() -> bool:
    """CLTORCH_DISABLE_FP16=1 makes every device act as if it lacked cl_khr_fp16."""
    return _flag("CLTORCH_DISABLE_FP16")


def memory_limit() -> int | None:
    """CLTORCH_MEMORY_LIMIT caps bytes per device (suffixes K, M, G allowed)."""
    text = os.environ.get("CLTORCH_MEMORY_LIMIT", "").strip().upper()
    if not text:
        return None
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1], 1)
    return int(float(text.rstrip("KMGB") or 0) * scale)


def cache_dir() -> Path | None:
    """Where built program binaries are kept (CLTORCH_CACHE_DIR, 'off' disables)."""
    text = os.environ.get("CLTORCH_CACHE_DIR", "").strip()
    if text.lower() in ("off", "0", "none"):
        return None
    if text:
        return Path(text)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cltorch" / "programs"


def variant_override() -> str | None:
    """CLTORCH_KERNEL_VARIANT=cpu|gpu forces the kernel configuration family."""
    text = os.environ.get("CLTORCH_KERNEL_VARIANT", "").strip().lower()
    return text if text in ("cpu", "gpu") else None
