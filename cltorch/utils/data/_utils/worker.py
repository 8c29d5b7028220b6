"""DataLoader worker processes: the loop each one runs, ``get_worker_info`` and the OpenCL guard.

Workers never touch OpenCL. A forked child inherits the parent's OpenCL
context and queue, and using either (or opening a new one) hangs the child,
so the first thing a worker does is make every device entry point raise a
clear error. Datasets used with workers therefore return host data (NumPy
arrays, numbers, PIL images, or the host-staged tensors of cltorch.vision's
transforms); workers collate it on the host and the main process uploads
each batch once.
"""
from __future__ import annotations

import os
import queue
import random
import sys
import traceback
from dataclasses import dataclass

import numpy as np

MP_STATUS_CHECK_INTERVAL = 5.0


class WorkerInfo:
    """What a worker knows about itself: id, num_workers, seed and its copy of the dataset."""

    __initialized = False

    def __init__(self, **kwargs):
        for k, v in kwargs.items():
            setattr(self, k, v)
        self.__keys = tuple(kwargs.keys())
        self.__initialized = True

    def __setattr__(self, key, val):
        if self.__initialized:
            raise RuntimeError(f"Cannot assign attributes to {self.__class__.__name__} objects")
        return super().__setattr__(key, val)

    def __repr__(self) -> str:
        items = [f"{k}={getattr(self, k)}" for k in self.__keys]
        return f"{self.__class__.__name__}({', '.join(items)})"


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """In a DataLoader worker: its WorkerInfo (id, num_workers, seed, dataset); in the main process: None."""
    return _worker_info


class ExceptionWrapper:
    """An exception raised in a worker, carried to the main process with its traceback."""

    def __init__(self, exc_info=None, where: str = "in background"):
        exc_info = exc_info or sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        """Raise the carried exception in this process."""
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        try:
            exception = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        raise exception


class KeyErrorMessage(str):
    """A KeyError message that prints its newlines."""

    def __repr__(self):
        return self


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    seed: int | None = None


class WorkerOpenCLError(RuntimeError):
    """Raised when code in a DataLoader worker process tries to use an OpenCL device."""


def _refuse(*_args, **_kwargs):
    info = get_worker_info()
    wid = info.id if info is not None else "?"
    raise WorkerOpenCLError(
        f"DataLoader worker {wid} tried to use an OpenCL device. Worker processes never touch OpenCL (a forked "
        "OpenCL context hangs): return host data from the dataset (NumPy arrays, numbers, PIL images, or "
        "cltorch.vision transforms' outputs, which stay on the host until collated) and the DataLoader uploads "
        "each batch once in the main process; or use num_workers=0.")


def block_opencl() -> None:
    """Make every device entry point of this (worker) process raise WorkerOpenCLError."""
    from .... import _device
    from ....backend import allocator, runtime
    for name in ("kernel", "launch", "launch_nd", "launch_single", "upload", "download", "copy_buffer",
                 "synchronize", "take_error"):
        setattr(runtime.DeviceRuntime, name, _refuse)
    allocator.CachingAllocator.malloc = _refuse
    _device.resolve_info = _refuse


def _numpy_seed(base_seed: int, worker_id: int) -> int:
    return (base_seed * 1_000_003 + worker_id * 7_919 + 12_345) % (2 ** 32)


def worker_loop(dataset_kind, dataset, index_queue, data_queue, done_event, auto_collation, collate_fn, drop_last,
                base_seed, init_fn, worker_id, num_workers, persistent_workers) -> None:
    """The body of one worker process: fetch the batches named on index_queue into data_queue."""
    global _worker_info
    from .... import random as cl_random
    from . import fetch
    try:
        block_opencl()
        seed = base_seed + worker_id
        random.seed(seed)
        cl_random.manual_seed(seed)
        np.random.seed(_numpy_seed(base_seed, worker_id))
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
        init_exception = None
        fetcher = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = fetch.create_fetcher(dataset_kind, dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            init_exception = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
        iteration_end = False
        parent = os.getppid()
        while True:
            try:
                r = index_queue.get(timeout=MP_STATUS_CHECK_INTERVAL)
            except queue.Empty:
                if os.getppid() != parent:
                    break
                continue
            if isinstance(r, _ResumeIteration):
                data_queue.put((r, None))
                iteration_end = False
                if fetcher is not None and dataset_kind == fetch.ITERABLE:
                    fetcher = fetch.create_fetcher(dataset_kind, dataset, auto_collation, collate_fn, drop_last)
                continue
            if r is None:
                break
            if done_event.is_set() or iteration_end:
                continue
            idx, index = r
            if init_exception is not None:
                data, init_exception = init_exception, None
            else:
                try:
                    data = fetcher.fetch(index)
                except Exception as e:
                    if isinstance(e, StopIteration) and dataset_kind == fetch.ITERABLE:
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                    else:
                        data = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
            data_queue.put((idx, data))
            del data, idx, index, r
    except KeyboardInterrupt:
        pass
    if done_event.is_set():
        data_queue.cancel_join_thread()
        data_queue.close()
