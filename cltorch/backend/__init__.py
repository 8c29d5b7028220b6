"""OpenCL runtime: the only layer of cltorch that imports pyopencl."""
from . import _env  # noqa: F401
from .allocator import OutOfMemoryError
from .discovery import all_devices, describe_devices, name_map, names_for
from .programs import KernelBuildError, kernel_dir
from .runtime import DeviceRuntime, active_runtimes, runtime_for
from .storage import Storage

__all__ = ["OutOfMemoryError", "KernelBuildError", "DeviceRuntime", "Storage", "all_devices",
           "describe_devices", "name_map", "names_for", "kernel_dir", "runtime_for", "active_runtimes"]
