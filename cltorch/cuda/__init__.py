"""``cltorch.cuda``: the torch.cuda API, answered by OpenCL GPUs of any vendor."""
from __future__ import annotations

from .. import _device
from .. import random as _random
from .._legacy import CUDA_TYPES
from ..backend import OutOfMemoryError, discovery

FloatTensor = CUDA_TYPES["FloatTensor"]
DoubleTensor = CUDA_TYPES["DoubleTensor"]
HalfTensor = CUDA_TYPES["HalfTensor"]
LongTensor = CUDA_TYPES["LongTensor"]
IntTensor = CUDA_TYPES["IntTensor"]
ShortTensor = CUDA_TYPES["ShortTensor"]
CharTensor = CUDA_TYPES["CharTensor"]
ByteTensor = CUDA_TYPES["ByteTensor"]
BoolTensor = CUDA_TYPES["BoolTensor"]


def is_available() -> bool:
    """True when at least one OpenCL GPU (any vendor) is present."""
    return device_count() > 0


def device_count() -> int:
    """How many OpenCL GPUs 'cuda:N' can name."""
    return len(discovery.name_map()["cuda"])


def _index(device) -> int:
    if device is None:
        return _device.current_gpu_index()
    if isinstance(device, int):
        return device
    d = _device.device(device)
    return d.index if d.index is not None else _device.current_gpu_index()


def get_device_name(device=None) -> str:
    """The OpenCL name of a GPU."""
    return _device.resolve_info(_device.device("cuda", _index(device))).name


def get_device_properties(device=None):
    """The discovery record (name, memory, compute units) of a GPU."""
    return _device.resolve_info(_device.device("cuda", _index(device)))


def current_device() -> int:
    """The index a bare 'cuda' means."""
    return _device.current_gpu_index()


def set_device(device) -> None:
    """Make a bare 'cuda' mean this GPU."""
    _device.set_current_gpu_index(_index(device))


def _runtime(device):
    if device is not None and not isinstance(device, int) and _device.device(device).type != "cuda":
        return _device.runtime(_device.canonical(device))  # cltorch also reports the cpu device
    return _device.runtime(_device.device("cuda", _index(device)))


def synchronize(device=None) -> None:
    """Wait for all work queued on a GPU."""
    _runtime(device).synchronize()


def manual_seed(seed) -> None:
    """Seed the generator (one generator serves every device)."""
    _random.manual_seed(seed)


def manual_seed_all(seed) -> None:
    """Seed the generator (one generator serves every device)."""
    _random.manual_seed(seed)


def seed_all() -> None:
    """Seed the generator from the operating system's entropy."""
    _random.seed()


def memory_allocated(device=None) -> int:
    """Bytes held by live tensors on a GPU."""
    return _runtime(device).allocator.allocated


def max_memory_allocated(device=None) -> int:
    """Peak bytes held by live tensors on a GPU since start or the last reset."""
    return _runtime(device).allocator.peak


def memory_reserved(device=None) -> int:
    """Bytes the caching allocator holds on a GPU (live plus cached)."""
    return _runtime(device).allocator.reserved


def reset_peak_memory_stats(device=None) -> None:
    """Restart max_memory_allocated from the current level."""
    _runtime(device).allocator.reset_peak()


def empty_cache() -> None:
    """Release cached (unused) buffers of every OpenCL device (GPUs and the cpu device) to the driver."""
    from ..backend import active_runtimes
    for rt in active_runtimes():
        rt.allocator.empty_cache()


def set_per_process_memory_fraction(fraction: float, device=None) -> None:
    """Cap this process's allocations on a GPU to a fraction of its memory."""
    if not 0 <= fraction <= 1:
        raise ValueError(f"Invalid fraction value: {fraction}. Allowed range: 0~1")
    alloc = _runtime(device).allocator
    alloc.limit = int(alloc.total_memory * fraction)


__all__ = ["is_available", "device_count", "get_device_name", "current_device", "set_device", "synchronize",
           "manual_seed", "manual_seed_all", "memory_allocated", "max_memory_allocated", "memory_reserved",
           "empty_cache", "OutOfMemoryError", "set_per_process_memory_fraction", "reset_peak_memory_stats"]
