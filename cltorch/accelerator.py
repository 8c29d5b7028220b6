"""``cltorch.accelerator`` (torch 2.6+): the current accelerator, here the OpenCL GPU."""
from __future__ import annotations

from . import _device, cuda


def is_available() -> bool:
    """True when an OpenCL GPU exists."""
    return cuda.is_available()


def current_accelerator(check_available: bool = False):
    """device('cuda') when an OpenCL GPU exists, else None."""
    if cuda.is_available():
        return _device.device("cuda")
    return None


def device_count() -> int:
    """How many OpenCL GPUs exist."""
    return cuda.device_count()


def current_device_index() -> int:
    """The index of the current GPU."""
    return cuda.current_device()


current_device_idx = current_device_index


def set_device_index(device) -> None:
    """Select the current GPU."""
    cuda.set_device(device)


set_device_idx = set_device_index


def synchronize(device=None) -> None:
    """Wait for all work queued on a GPU."""
    cuda.synchronize(device)
