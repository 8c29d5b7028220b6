"""One OpenCL context, in-order queue, allocator and kernel cache per device."""
from __future__ import annotations

import atexit
import struct
import threading

import numpy as np
import pyopencl as cl

from . import discovery, programs, settings
from .allocator import CachingAllocator


class DeviceRuntime:
    """Everything cltorch keeps for one OpenCL device."""

    def __init__(self, info: discovery.DeviceInfo):
        self.info = info
        self.context = cl.Context([info.cl_device])
        self.queue = cl.CommandQueue(self.context, info.cl_device)
        self.allocator = CachingAllocator(
            self.context, f"{info.exact_name} ({info.name})", info.global_mem, info.max_alloc,
            settings.memory_limit())
        variant = settings.variant_override() or ("gpu" if info.is_gpu else "cpu")
        self.variant = variant
        # CPUs (PoCL) run a work-group as a loop in one thread: a fixed, modest size
        # keeps the number of compiled work-group variants at one per kernel.
        self.work_group = min(256 if variant == "gpu" else 64, info.max_work_group)
        self.has_fp64 = info.has_fp64 and not settings.disable_fp64()
        self.has_fp16 = info.has_fp16 and not settings.disable_fp16()
        self._programs: dict = {}
        self._kernels: dict = {}
        # kernel -> True once its scalar/struct argument types are declared (typed set_args,
        # ~1 us instead of ~20-40 us), False when they could not be and args go one by one
        self._typed: dict = {}
        self._lock = threading.Lock()
        self._error_buf = None
        self._deferred_buf = None
        # (exception type, message) of the first deferred check whose flag nobody has read yet (defer_error)
        self._pending = None

    # -- programs and kernels ------------------------------------------------
    def kernel(self, filename: str, name: str, defines: dict | None = None):
        """The cached Kernel object for (file, kernel name, -D defines)."""
        # the hot key is unsorted (one call site always lists its defines in one order); a miss
        # falls back to the sorted key, so every order shares one Kernel object
        key = (filename, name, tuple(defines.items()) if defines else ())
        k = self._kernels.get(key)
        if k is not None:
            return k
        with self._lock:
            skey = (filename, name, tuple(sorted((defines or {}).items())))
            k = self._kernels.get(skey)
            if k is None:
                options = programs.format_options(self._device_defines(defines or {}))
                pkey = (filename, options)
                prg = self._programs.get(pkey)
                if prg is None:
                    prg = programs.build_program(self.context, self.info, filename, options)
                    self._programs[pkey] = prg
                k = getattr(prg, name)
                self._kernels[skey] = k
            self._kernels[key] = k
        return k

    def _device_defines(self, defines: dict) -> dict:
        out = dict(defines)
        if self.has_fp64:
            out["CLT_HAS_FP64"] = True
        if self.has_fp16:
            out["CLT_HAS_FP16"] = True
        out["CLT_VARIANT_" + self.variant.upper()] = True
        return out

    # -- launching -----------------------------------------------------------
    def set_args(self, kernel, args) -> None:
        """Set a kernel's arguments; the first call declares their types so later calls skip introspection."""
        typed = self._typed.get(kernel)
        if typed is None:
            typed = self._typed[kernel] = _declare_arg_types(kernel, args)
        if typed:
            try:
                kernel.set_args(*args)
                return
            except (TypeError, ValueError, OverflowError, struct.error):
                # a caller passed another kind of value than the first call did: go generic for good
                self._typed[kernel] = False
        for i, value in enumerate(args):
            kernel.set_arg(i, value)

    def launch(self, kernel, n: int, *args) -> None:
        """Run a 1-D kernel over n items (rounded up to the work-group size)."""
        if n <= 0:
            return
        wg = self.work_group
        self.set_args(kernel, args)
        _enqueue(self.queue, kernel, (((n + wg - 1) // wg) * wg,), (wg,))

    def launch_nd(self, kernel, global_size, local_size, *args) -> None:
        """Run a kernel over an explicit N-D range (sizes already rounded by the caller)."""
        self.set_args(kernel, args)
        _enqueue(self.queue, kernel, tuple(global_size), tuple(local_size) if local_size is not None else None)

    def launch_single(self, kernel, *args) -> None:
        """Run a kernel as one work-item (sequential algorithms such as Fisher-Yates)."""
        self.set_args(kernel, args)
        _enqueue(self.queue, kernel, (1,), (1,))

    # -- transfers -----------------------------------------------------------
    def upload(self, buf, host: np.ndarray, byte_offset: int = 0) -> None:
        """Copy a contiguous host array into a buffer without waiting."""
        if host.nbytes:
            cl.enqueue_copy(self.queue, buf, np.ascontiguousarray(host), dst_offset=byte_offset, is_blocking=False)

    def download(self, buf, host: np.ndarray, byte_offset: int = 0) -> None:
        """Copy a buffer into a contiguous host array, waiting for the result (and raising a deferred error)."""
        if host.nbytes:
            pending = self._read_deferred() if self._pending is not None else None
            cl.enqueue_copy(self.queue, host, buf, src_offset=byte_offset, is_blocking=True)
            if pending is not None:
                self._raise_deferred(*pending)

    def copy_buffer(self, dst, src, nbytes: int, dst_offset: int = 0, src_offset: int = 0) -> None:
        """Device-side byte copy between two buffers of this device."""
        if nbytes:
            cl.enqueue_copy(self.queue, dst, src, byte_count=nbytes, dst_offset=dst_offset, src_offset=src_offset)

    # -- device-side error flags ------------------------------------------
    @property
    def error_buffer(self):
        """A one-int device buffer kernels set to report bad input (bad index, division by zero)."""
        if self._error_buf is None:
            self._error_buf = self._flag_buffer()
        return self._error_buf

    @property
    def deferred_error_buffer(self):
        """The flag of checks registered with defer_error (kept apart so an immediate check never sees them)."""
        if self._deferred_buf is None:
            self._deferred_buf = self._flag_buffer()
        return self._deferred_buf

    def _flag_buffer(self):
        buf = cl.Buffer(self.context, cl.mem_flags.READ_WRITE, 4)
        cl.enqueue_fill_buffer(self.queue, buf, np.int32(0), 0, 4)
        return buf

    def defer_error(self, exc_type, message: str) -> None:
        """Register a check just launched against deferred_error_buffer; it raises at the next sync.

        Like CUDA's asynchronous device asserts: take_error, download (item, tolist,
        numpy, print) and synchronize read the flag and raise the latest exception
        registered since the last read when it is set. Nothing waits here, and only
        the latest registration is kept (one flag cannot say which check set it; the
        first would be a stale check that passed long ago in a loop that never syncs)."""
        self._pending = (exc_type, message)

    def _read_deferred(self):
        """Queue a read of the deferred flag (no wait) and take the pending check: (flag, event, check)."""
        flag = np.zeros(1, dtype=np.int32)
        event = cl.enqueue_copy(self.queue, flag, self.deferred_error_buffer, is_blocking=False)
        pending, self._pending = self._pending, None
        return flag, event, pending

    def _raise_deferred(self, flag, event, pending) -> None:
        event.wait()
        if flag[0]:
            cl.enqueue_fill_buffer(self.queue, self._deferred_buf, np.int32(0), 0, 4)
            exc_type, message = pending
            raise exc_type(message)

    def take_error(self) -> int:
        """Read and clear the error flag (waits for queued kernels); a deferred error raises first."""
        pending = self._read_deferred() if self._pending is not None else None
        flag = np.zeros(1, dtype=np.int32)
        if self._error_buf is not None:
            cl.enqueue_copy(self.queue, flag, self._error_buf, is_blocking=True)
            if flag[0]:
                cl.enqueue_fill_buffer(self.queue, self._error_buf, np.int32(0), 0, 4)
        if pending is not None:
            self._raise_deferred(*pending)
        return int(flag[0])

    def synchronize(self) -> None:
        """Wait for every queued command of this device; a deferred error raises here."""
        pending = self._read_deferred() if self._pending is not None else None
        self.queue.finish()
        if pending is not None:
            self._raise_deferred(*pending)


_enqueue = cl.enqueue_nd_range_kernel


def _declare_arg_types(kernel, args) -> bool:
    """Declare NumPy scalars and packed structs (NumPy arrays passed by value) as typed arguments.

    Buffers, None and local memory stay generic. Returns False when pyopencl refuses."""
    types = []
    for value in args:
        if isinstance(value, np.generic):
            types.append(value.dtype)
        elif isinstance(value, np.ndarray):
            types.append(np.dtype((np.void, value.nbytes)))
        else:
            types.append(None)
    try:
        kernel.set_scalar_arg_dtypes(types)
    except Exception:  # noqa: BLE001 - any refusal just means the slower generic path
        return False
    return True


_runtimes: dict = {}
_runtimes_lock = threading.Lock()


@atexit.register
def _drain_queues() -> None:
    """Finish queued kernels before the interpreter tears down buffers (else drivers may crash at exit)."""
    for rt in list(_runtimes.values()):
        try:
            rt.queue.finish()
        except Exception:
            pass


def runtime_for(info: discovery.DeviceInfo) -> DeviceRuntime:
    """The (lazily created) runtime of one OpenCL device."""
    rt = _runtimes.get(info.exact_name)
    if rt is None:
        with _runtimes_lock:
            rt = _runtimes.get(info.exact_name)
            if rt is None:
                rt = DeviceRuntime(info)
                _runtimes[info.exact_name] = rt
    return rt


def active_runtimes() -> list:
    """Runtimes created so far in this process."""
    return list(_runtimes.values())
