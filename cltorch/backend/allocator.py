"""A per-device caching allocator for OpenCL buffers.

Freed buffers go back to a size-bucketed pool and are reused by later
allocations on the same device. Reuse is safe without events because every
kernel and transfer of a device goes through one in-order queue: whatever
used the old tensor is queued before whatever uses the new one.
"""
from __future__ import annotations

import gc
import threading

import pyopencl as cl


class OutOfMemoryError(RuntimeError):
    """Raised when a device allocation fails even after the cache was emptied."""


def _round_size(nbytes: int) -> int:
    if nbytes <= 512:
        return 512
    if nbytes <= (1 << 20):
        return (nbytes + 511) & ~511
    return (nbytes + (1 << 16) - 1) & ~((1 << 16) - 1)


def _fmt(nbytes: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if nbytes >= scale:
            return f"{nbytes / scale:.2f} {unit}"
    return f"{nbytes} bytes"


class CachingAllocator:
    """Hands out cl.Buffer objects, keeping freed ones for reuse."""

    def __init__(self, context, device_name: str, total_memory: int, max_alloc: int, limit: int | None):
        self.context = context
        self.device_name = device_name
        self.total_memory = total_memory
        self.max_alloc = max_alloc
        self.limit = limit
        self._pool: dict[int, list] = {}
        # re-entrant: a garbage collection inside malloc may free storages (and so call free) on this thread
        self._lock = threading.RLock()
        self.allocated = 0       # bytes held by live tensors
        self.reserved = 0        # bytes held by live tensors plus the pool
        self.peak = 0
        self.live_blocks = 0

    def _capacity(self) -> int:
        cap = self.total_memory
        if self.limit is not None:
            cap = min(cap, self.limit)
        return cap

    def _oom(self, nbytes: int, why: str) -> OutOfMemoryError:
        return OutOfMemoryError(
            f"OpenCL out of memory: tried to allocate {_fmt(nbytes)} on {self.device_name} ({why}); "
            f"{_fmt(self.allocated)} already allocated by tensors, limit {_fmt(self._capacity())}. "
            "Free tensors or call cltorch.cuda.empty_cache().")

    def malloc(self, nbytes: int):
        """Return (buffer, rounded_size) for at least nbytes bytes."""
        size = _round_size(nbytes)
        if size > self.max_alloc:
            raise self._oom(nbytes, f"larger than the device's largest single allocation, {_fmt(self.max_alloc)}")
        with self._lock:
            bucket = self._pool.get(size)
            buf = bucket.pop() if bucket else self._fresh(size, nbytes)
            self.allocated += size
            self.live_blocks += 1
            if self.allocated > self.peak:
                self.peak = self.allocated
        return buf, size

    def _fresh(self, size: int, nbytes: int):
        for attempt in (0, 1):
            if self.reserved + size <= self._capacity():
                try:
                    buf = cl.Buffer(self.context, cl.mem_flags.READ_WRITE, size)
                    self.reserved += size
                    return buf
                except (cl.MemoryError, cl.LogicError, cl.RuntimeError):
                    pass
            if attempt == 0:
                gc.collect()  # unreachable autograd graphs (reference cycles) may still hold buffers
                self._release_pool()
        raise self._oom(nbytes, "the device has no more free memory")

    def free(self, buf, size: int) -> None:
        """Return a buffer to the pool."""
        with self._lock:
            self.allocated -= size
            self.live_blocks -= 1
            bucket = self._pool.get(size)
            if bucket is None:
                self._pool[size] = [buf]
            else:
                bucket.append(buf)

    def _release_pool(self) -> None:
        for bucket in self._pool.values():
            for buf in bucket:
                self.reserved -= buf.size
                buf.release()
        self._pool.clear()

    def empty_cache(self) -> None:
        """Release every pooled buffer back to the driver."""
        with self._lock:
            self._release_pool()

    def reset_peak(self) -> None:
        """Restart max-allocated tracking from the current level."""
        self.peak = self.allocated
