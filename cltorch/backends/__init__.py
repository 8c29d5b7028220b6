"""``cltorch.backends``: the switches scripts set on torch's backends, mapped onto what OpenCL has.

cuDNN and MPS do not exist here; their flags are kept so scripts that set them run unchanged, and
``mps.is_available()`` is False. ``opencl`` reports whether an OpenCL GPU backs 'cuda'.
"""
from __future__ import annotations

import types


class _Flags(types.ModuleType):
    """A module-like namespace of settable flags (torch.backends.cudnn.benchmark = True)."""


def _flags(name: str, **values) -> _Flags:
    mod = _Flags(f"cltorch.backends.{name}")
    mod.__dict__.update(values)
    return mod


def _gpu_available() -> bool:
    from .. import cuda
    return cuda.is_available()


cudnn = _flags("cudnn", enabled=True, benchmark=False, deterministic=False, allow_tf32=True,
               is_available=lambda: False, version=lambda: None)
mps = _flags("mps", is_available=lambda: False, is_built=lambda: False)
opencl = _flags("opencl", is_available=_gpu_available)
cuda = _flags("cuda", is_built=lambda: True, matmul=_flags("cuda.matmul", allow_tf32=False))

__all__ = ["cudnn", "mps", "opencl", "cuda"]
