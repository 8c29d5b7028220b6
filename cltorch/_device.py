"""The ``cltorch.device`` class and how device names resolve to OpenCL devices."""
from __future__ import annotations

import re

from .backend import discovery
from .backend.runtime import DeviceRuntime, runtime_for

_TYPES = ("cpu", "cuda", "gpu", "opencl")
_current_gpu = 0


class device:
    """A device name: ``cpu``, ``cuda[:N]`` (``gpu[:N]`` is an alias) or ``opencl:P:D``."""

    __slots__ = ("type", "index", "platform")

    def __init__(self, type, index=None):
        platform = None
        if isinstance(type, device):
            type, index, platform = type.type, type.index, type.platform
        elif isinstance(type, int) and not isinstance(type, bool):
            type, index = "cuda", type
        elif isinstance(type, str):
            text = type.strip()
            m = re.fullmatch(r"opencl:(\d+):(\d+)", text)
            if m:
                type, platform, index = "opencl", int(m.group(1)), int(m.group(2))
            else:
                m = re.fullmatch(r"([a-z]+)(?::(\d+))?", text)
                if not m or m.group(1) not in _TYPES or m.group(1) == "opencl":
                    raise RuntimeError(
                        f"Expected one of cpu, cuda, gpu, opencl device type at start of device string: {text}"
                        if not m or m.group(1) not in _TYPES else
                        f"Invalid device string: '{text}' (an OpenCL device is named 'opencl:PLATFORM:DEVICE')")
                type = m.group(1)
                if m.group(2) is not None:
                    if index is not None:
                        raise RuntimeError(f"type (string) must not include an index because index was passed "
                                           f"explicitly: {text}")
                    index = int(m.group(2))
        else:
            raise TypeError(f"device() received an invalid combination of arguments - got ({type!r})")
        if type == "gpu":
            type = "cuda"
        if index is not None:
            index = int(index)
            if index < 0:
                raise RuntimeError(f"Device index must not be negative, got {index}")
        if type == "cpu" and index not in (None, 0):
            raise RuntimeError(f"cpu device index must be 0 or None, got {index}")
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "index", index)
        object.__setattr__(self, "platform", platform)

    def __setattr__(self, name, value):
        raise AttributeError("cltorch.device is immutable")

    def __str__(self) -> str:
        if self.type == "opencl":
            return f"opencl:{self.platform}:{self.index}"
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        if self.type == "opencl":
            return f"device(type='opencl', platform={self.platform}, index={self.index})"
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except RuntimeError:
                return False
        if not isinstance(other, device):
            return NotImplemented
        return (self.type, self.index, self.platform) == (other.type, other.index, other.platform)

    def __hash__(self) -> int:
        return hash((self.type, self.index, self.platform))

    def __reduce__(self):
        return (device, (str(self),))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _no_device_error(what: str, detail: str) -> RuntimeError:
    return RuntimeError(
        f"{what}: {detail}\nOpenCL devices found:\n{discovery.describe_devices()}\n"
        "Pick one with device='cpu', 'cuda:N' or 'opencl:P:D', or map names with "
        "CLTORCH_DEVICES (e.g. CLTORCH_DEVICES='cuda=opencl:0:0'); run `cltorch devices` to list them.")


def current_gpu_index() -> int:
    """The index that a bare 'cuda' means."""
    return _current_gpu


def set_current_gpu_index(index: int) -> None:
    """Make a bare 'cuda' mean cuda:index."""
    global _current_gpu
    gpus = discovery.name_map()["cuda"]
    if not 0 <= index < len(gpus):
        raise _no_device_error(f"invalid device ordinal cuda:{index}",
                               f"{len(gpus)} OpenCL GPU(s) available")
    _current_gpu = int(index)


def canonical(d=None) -> device:
    """The device a tensor created with ``d`` reports (bare 'cuda' gets its index)."""
    if d is None:
        return _CPU
    if not isinstance(d, device):
        d = device(d)
    if d.type == "cpu":
        return _CPU
    if d.type == "cuda" and d.index is None:
        return device("cuda", _current_gpu)
    if d.type == "opencl":
        info = resolve_info(d)
        for name in discovery.names_for(info):
            if name == "cpu" or name.startswith("cuda:"):
                return device(name)
    return d


def resolve_info(d) -> discovery.DeviceInfo:
    """The OpenCL device behind a device name, or a RuntimeError that lists what exists."""
    if not isinstance(d, device):
        d = device(d)
    mapping = discovery.name_map()
    if d.type == "cpu":
        if mapping["cpu"] is None:
            raise _no_device_error("no OpenCL CPU device found for 'cpu'",
                                   "install PoCL (pip install pocl-binary-distribution, or Debian's pocl-opencl-icd)")
        return mapping["cpu"]
    if d.type == "cuda":
        idx = _current_gpu if d.index is None else d.index
        gpus = mapping["cuda"]
        if idx >= len(gpus):
            detail = ("no OpenCL GPU was found" if not gpus else
                      f"only {len(gpus)} OpenCL GPU(s) found (cuda:0..cuda:{len(gpus) - 1})")
            raise _no_device_error(f"device '{d}' is not available", detail)
        return gpus[idx]
    for info in discovery.all_devices():
        if (info.platform_index, info.device_index) == (d.platform, d.index):
            return info
    raise _no_device_error(f"device '{d}' is not available", "no such OpenCL platform/device pair")


_runtime_cache: dict = {}


def runtime(d) -> DeviceRuntime:
    """The runtime (context, queue, allocator, kernels) for a device name."""
    rt = _runtime_cache.get(d)
    if rt is None:
        rt = runtime_for(resolve_info(d))
        _runtime_cache[d] = rt
    return rt


def forget_resolutions() -> None:
    """Drop cached name resolutions (after CLTORCH_DEVICES changes)."""
    _runtime_cache.clear()
    discovery.reset()


_CPU = device("cpu")
