"""Device storage: one allocator block that tensors (and their views) share."""
from __future__ import annotations


class Storage:
    """A block of device memory from a runtime's caching allocator."""

    __slots__ = ("runtime", "buffer", "nbytes", "_block", "__weakref__")

    def __init__(self, runtime, nbytes: int):
        self.runtime = runtime
        self.nbytes = int(nbytes)
        self.buffer = None  # set first: __del__ runs even when malloc raises
        if self.nbytes > 0:
            self.buffer, self._block = runtime.allocator.malloc(self.nbytes)
        else:
            self.buffer, self._block = None, 0

    def __del__(self):
        buf = self.buffer
        if buf is not None:
            self.buffer = None
            try:
                self.runtime.allocator.free(buf, self._block)
            except Exception:  # interpreter shutdown: the allocator may be gone
                pass
