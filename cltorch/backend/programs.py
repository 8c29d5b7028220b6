"""Load kernel sources from cl_kernels/, build them once per (device, options), cache on disk.

Sources are plain OpenCL C 1.2 files; dtypes and operators enter only through
``-D`` macros. ``#include "x.h"`` lines are inlined here so that the cache key
covers every byte the compiler sees.
"""
from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

import pyopencl as cl

from .._atomic import atomic_write
from . import settings

_INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"\s*$', re.MULTILINE)


class KernelBuildError(RuntimeError):
    """An OpenCL program failed to build; carries the file, options and build log."""


def kernel_dir() -> Path:
    """The folder holding the .cl sources: inside the installed package, or the repo root."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "cl_kernels", here.parent / "cl_kernels"):
        if candidate.is_dir():
            return candidate
    raise RuntimeError(f"cltorch: kernel sources not found next to {here}; the installation is incomplete")


@lru_cache(maxsize=None)
def load_source(filename: str) -> str:
    """Read a kernel file with its local #include files inlined."""
    root = kernel_dir()

    def expand(name: str, seen: tuple) -> str:
        if name in seen:
            return ""
        path = root / name
        if not path.is_file():
            raise KernelBuildError(f"kernel file {name!r} not found in {root}")
        text = path.read_text()
        return _INCLUDE.sub(lambda m: expand(m.group(1), seen + (name,)), text)

    return expand(filename, ())


def format_options(defines: dict) -> str:
    """Turn {'T': 'float', 'OP': 'a+b'} into a deterministic '-D' option string."""
    parts = ["-cl-std=CL1.2"]
    for key in sorted(defines):
        value = defines[key]
        if value is None or value is True:
            parts.append(f"-D{key}")
        elif value is False:
            continue
        else:
            parts.append(f"-D{key}={value}")
    return " ".join(parts)


def _cache_path(info, source: str, options: str) -> Path | None:
    root = settings.cache_dir()
    if root is None:
        return None
    key = hashlib.sha256("\x00".join(
        (info.platform_name, info.platform_version, info.name, info.driver_version, source, options)
    ).encode()).hexdigest()
    return root / key[:2] / f"{key}.bin"


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, data, prefix=".tmp-", suffix="")


def build_program(context, info, filename: str, options: str):
    """Build (or load from the disk cache) one program for one device."""
    source = load_source(filename)
    device = info.cl_device
    path = _cache_path(info, source, options)
    if path is not None and path.is_file():
        try:
            prg = cl.Program(context, [device], [path.read_bytes()])
            prg.build(options=options, devices=[device])
            return prg
        except (cl.Error, OSError):
            pass  # stale or foreign binary: rebuild from source below
    try:
        prg = cl.Program(context, source).build(options=options, devices=[device])
    except cl.Error as exc:
        hint = ""
        if "unknown target CPU" in str(exc):
            hint = ("\nhint: this PoCL build's LLVM does not know this processor; install a newer PoCL "
                    "(Debian/Ubuntu: apt-get install pocl-opencl-icd) and cltorch will prefer it.")
        raise KernelBuildError(
            f"building cl_kernels/{filename} for {info.name} ({info.platform_version}) failed\n"
            f"options: {options}\nbuild log:\n{exc}{hint}") from None
    if path is not None:
        try:
            _write_atomic(path, prg.get_info(cl.program_info.BINARIES)[0])
        except OSError:
            pass  # a read-only cache folder only costs rebuild time
    return prg
