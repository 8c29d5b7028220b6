"""Atomic file writing: a temporary file in the target's folder, renamed over the target once complete.

Readers never see a half-written file and a failed write leaves the target as
it was and no temporary file behind. This module imports nothing from cltorch,
so every layer (the backend included) may use it.
"""
from __future__ import annotations

import contextlib
import os
import secrets
import stat

__all__ = ["atomic_open", "atomic_write"]


def _create_temp(folder: str, prefix: str, suffix: str):
    """Create a new file in folder with a random name; (fd, path). Mode 0o666 less the umask, as open() gives."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = os.path.join(folder, f"{prefix}{secrets.token_hex(6)}{suffix}")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue


def _fsync_directory(directory: str) -> None:
    """Make a rename in directory durable (POSIX only; elsewhere a no-op)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_open(path, mode: str = "wb", *, durable: bool = False, prefix: str | None = None,
                suffix: str = ".part", encoding: str | None = None, newline: str | None = None):
    """A file object ("wb" or "w") whose content replaces path only when the block completes without error.

    The target keeps the permission bits of the file it replaces; a symbolic link
    is followed (its target is replaced). ``durable`` fsyncs the file and the
    folder so the new content survives a crash. The temporary file is named
    ``prefix`` (default ``.<name>.``) + random hex + ``suffix``.
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_open: mode must be 'wb' or 'w', got {mode!r}")
    path = os.fspath(path)
    if os.path.islink(path):
        path = os.path.realpath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = _create_temp(folder, f".{os.path.basename(path)}." if prefix is None else prefix, suffix)
    try:
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as fh:
            yield fh
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        if os.path.exists(path):
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if durable:
        _fsync_directory(folder)


def atomic_write(path, data, **kwargs) -> None:
    """Write bytes (or str, in text mode) to path atomically; keyword arguments as for atomic_open."""
    mode = "w" if isinstance(data, str) else "wb"
    with atomic_open(path, mode, **kwargs) as fh:
        fh.write(data)
