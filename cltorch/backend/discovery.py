"""Find OpenCL platforms and devices and map torch-style names onto them.

Names: ``cpu`` is one OpenCL CPU device, ``cuda:N`` (alias ``gpu:N``) the N-th
OpenCL GPU of any vendor, ``opencl:P:D`` device D of platform P exactly. The
``CLTORCH_DEVICES`` environment variable overrides the mapping, e.g.
``CLTORCH_DEVICES="cpu=opencl:1:0,cuda:0=opencl:0:0"`` or ``cuda=none`` to hide
every GPU.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache

from . import _env  # noqa: F401  (sets PoCL defaults before pyopencl loads a platform)
import pyopencl as cl

ENV_DEVICES = "CLTORCH_DEVICES"


@dataclass(frozen=True)
class DeviceInfo:
    """One OpenCL device as found on this machine, with the names that map to it."""

    platform_index: int
    device_index: int
    platform_name: str
    platform_version: str
    name: str
    type_bits: int
    compute_units: int
    global_mem: int
    max_alloc: int
    local_mem: int
    max_work_group: int
    extensions: tuple
    driver_version: str
    cl_device: object = field(compare=False, repr=False, hash=False)

    @property
    def exact_name(self) -> str:
        return f"opencl:{self.platform_index}:{self.device_index}"

    @property
    def is_gpu(self) -> bool:
        return bool(self.type_bits & cl.device_type.GPU)

    @property
    def is_cpu(self) -> bool:
        return bool(self.type_bits & cl.device_type.CPU)

    @property
    def type_name(self) -> str:
        """'cpu', 'gpu', 'accelerator' or several joined by '|' (oclgrind reports all three)."""
        kinds = [name for name, bit in (("gpu", cl.device_type.GPU), ("cpu", cl.device_type.CPU),
                                          ("accelerator", cl.device_type.ACCELERATOR))
                 if self.type_bits & int(bit)]
        return "|".join(kinds) or "custom"

    @property
    def has_fp64(self) -> bool:
        return "cl_khr_fp64" in self.extensions

    @property
    def has_fp16(self) -> bool:
        return "cl_khr_fp16" in self.extensions

    @property
    def is_pocl(self) -> bool:
        return "Portable Computing Language" in self.platform_name or "pocl" in self.platform_version.lower()


def _pocl_version(info: DeviceInfo) -> tuple:
    m = re.search(r"PoCL (\d+)\.(\d+)", info.platform_version, re.IGNORECASE)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def _is_pip_pocl(info: DeviceInfo) -> bool:
    # pip's pocl-binary-distribution is a release candidate; distro builds say "+debian" etc.
    return info.is_pocl and "-rc" in info.platform_version


@lru_cache(maxsize=None)
def all_devices() -> tuple:
    """Every OpenCL device of every platform, in platform order."""
    found = []
    try:
        platforms = cl.get_platforms()
    except cl.Error:
        platforms = []
    for p_idx, plat in enumerate(platforms):
        try:
            devs = plat.get_devices()
        except cl.Error:
            continue
        for d_idx, dev in enumerate(devs):
            found.append(DeviceInfo(
                platform_index=p_idx, device_index=d_idx,
                platform_name=plat.name.strip(), platform_version=plat.version.strip(),
                name=dev.name.strip(), type_bits=int(dev.type),
                compute_units=int(dev.max_compute_units), global_mem=int(dev.global_mem_size),
                max_alloc=int(dev.max_mem_alloc_size), local_mem=int(dev.local_mem_size),
                max_work_group=int(dev.max_work_group_size),
                extensions=tuple(dev.extensions.split()), driver_version=dev.driver_version.strip(),
                cl_device=dev))
    return tuple(found)


def _cpu_preference(info: DeviceInfo) -> tuple:
    """Sort key: pure CPU devices first, system PoCL before pip's, newest PoCL first."""
    pure_cpu = info.type_bits & ~int(cl.device_type.DEFAULT) == int(cl.device_type.CPU)
    return (not pure_cpu, _is_pip_pocl(info), tuple(-v for v in _pocl_version(info)),
            info.platform_index, info.device_index)


def _parse_override(text: str, devices: tuple) -> dict:
    """Parse CLTORCH_DEVICES into {'cpu': info|None, 'cuda': [info, ...] | None}."""
    by_exact = {d.exact_name: d for d in devices}
    out: dict = {}
    for entry in filter(None, (e.strip() for e in text.split(","))):
        if "=" not in entry:
            raise RuntimeError(f"{ENV_DEVICES}: entry {entry!r} should look like 'cuda:0=opencl:0:0'")
        name, target = (s.strip() for s in entry.split("=", 1))
        m = re.fullmatch(r"(cpu|cuda|gpu)(?::(\d+))?", name)
        if not m:
            raise RuntimeError(f"{ENV_DEVICES}: unknown device name {name!r} (use cpu, cuda or cuda:N)")
        kind, idx = ("cuda" if m.group(1) == "gpu" else m.group(1)), int(m.group(2) or 0)
        if target == "none":
            info = None
        elif target in by_exact:
            info = by_exact[target]
        else:
            raise RuntimeError(f"{ENV_DEVICES}: {target!r} is not an OpenCL device here; "
                               f"found: {', '.join(by_exact) or 'none'}")
        if kind == "cpu":
            out["cpu"] = info
        else:
            gpus = out.setdefault("cuda", [])
            if info is None:
                gpus.clear()
                out["cuda_none"] = True
                continue
            while len(gpus) <= idx:
                gpus.append(None)
            gpus[idx] = info
    if "cuda" in out:
        out["cuda"] = [g for g in out["cuda"] if g is not None]
    return out


@lru_cache(maxsize=None)
def name_map() -> dict:
    """Return {'cpu': DeviceInfo|None, 'cuda': [DeviceInfo, ...]} after applying the override."""
    devices = all_devices()
    cpus = sorted((d for d in devices if d.is_cpu), key=_cpu_preference)
    gpus = [d for d in devices if d.is_gpu]
    mapping = {"cpu": cpus[0] if cpus else None, "cuda": gpus}
    override = os.environ.get(ENV_DEVICES, "").strip()
    if override:
        parsed = _parse_override(override, devices)
        if "cpu" in parsed:
            mapping["cpu"] = parsed["cpu"]
        if "cuda" in parsed:
            mapping["cuda"] = parsed["cuda"]
    return mapping


def names_for(info: DeviceInfo) -> list:
    """The torch-style names that resolve to this device."""
    mapping = name_map()
    names = []
    if mapping["cpu"] is info:
        names.append("cpu")
    for i, g in enumerate(mapping["cuda"]):
        if g is info:
            names.append(f"cuda:{i}")
    names.append(info.exact_name)
    return names


def describe_devices() -> str:
    """A short human-readable list of devices, for error messages."""
    lines = []
    for d in all_devices():
        lines.append(f"  {d.exact_name} [{d.type_name}] {d.name} ({d.platform_name}) -> {', '.join(names_for(d))}")
    return "\n".join(lines) or "  (no OpenCL platform found)"


def reset() -> None:
    """Forget cached discovery results (tests change CLTORCH_DEVICES)."""
    name_map.cache_clear()
