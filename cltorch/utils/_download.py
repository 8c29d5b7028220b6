"""Downloads and archive extraction shared by cltorch.vision and cltorch.text; they leave no partial files.

Every file is written to a temporary name in its folder and renamed once
complete (and, for downloads with an MD5, verified). The network is reached
only through the ``fetch`` callable the caller passes (each package keeps its
own ``fetch_url`` so that tests can replace it).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.request
import zipfile

from .._atomic import atomic_open

USER_AGENT = "cltorch"
_CHUNK = 1 << 20


def fetch_url(url: str, timeout: float = 30.0):
    """Open url for reading (a file-like response)."""
    return urllib.request.urlopen(urllib.request.Request(url, headers={"User-Agent": USER_AGENT}), timeout=timeout)


def calculate_md5(path: str, chunk_size: int = _CHUNK) -> str:
    """The MD5 hex digest of a file."""
    h = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            h.update(chunk)
    return h.hexdigest()


def check_integrity(path: str, md5: str | None = None) -> bool:
    """True when path is a file and (if md5 is given) its MD5 matches."""
    if not os.path.isfile(path):
        return False
    return md5 is None or calculate_md5(path) == md5


def download_file(url: str, path: str, md5: str | None = None, fetch=None) -> str:
    """Download url to path through a temporary file, verify md5 (RuntimeError on mismatch), rename; returns path."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    h = hashlib.md5(usedforsecurity=False) if md5 is not None else None
    with atomic_open(path) as out, (fetch or fetch_url)(url) as response:
        for chunk in iter(lambda: response.read(_CHUNK), b""):
            out.write(chunk)
            if h is not None:
                h.update(chunk)
        if h is not None and h.hexdigest() != md5:
            raise RuntimeError(f"MD5 mismatch for {url}: expected {md5}, got {h.hexdigest()}")
    return path


def is_archive(path: str) -> bool:
    """True for .zip, .tar, .tgz, .tar.gz, .tar.bz2 and .tar.xz names."""
    name = path.lower()
    return name.endswith((".zip", ".tar", ".tgz", ".tar.gz", ".tar.bz2", ".tar.xz"))


def _archive_members(path: str) -> list:
    if path.lower().endswith(".zip"):
        with zipfile.ZipFile(path) as z:
            return [n for n in z.namelist() if not n.endswith("/")]
    with tarfile.open(path) as t:
        return [m.name for m in t.getmembers() if m.isfile()]


def extract_member(archive: str, basename: str, dest: str) -> bool:
    """Write the archive's file named basename to dest (via a temporary file); False when it is absent."""
    members = [m for m in _archive_members(archive) if os.path.basename(m) == basename]
    if not members:
        return False
    with atomic_open(dest, prefix=f".{basename}.") as out:
        if archive.lower().endswith(".zip"):
            with zipfile.ZipFile(archive) as z, z.open(members[0]) as src:
                shutil.copyfileobj(src, out, _CHUNK)
        else:
            with tarfile.open(archive) as t:
                shutil.copyfileobj(t.extractfile(members[0]), out, _CHUNK)
    return True


def extract_archive(archive: str, folder: str) -> None:
    """Unpack archive into folder: into a temporary folder first, then each top-level entry renamed in place.

    Entries already present in folder are left as they are.
    """
    os.makedirs(folder, exist_ok=True)
    tmp = tempfile.mkdtemp(dir=folder, prefix=".extract-")
    try:
        if archive.lower().endswith(".zip"):
            with zipfile.ZipFile(archive) as z:
                z.extractall(tmp)
        else:
            with tarfile.open(archive) as t:
                if hasattr(tarfile, "data_filter"):
                    t.extractall(tmp, filter="data")
                else:  # pragma: no cover - Python without extraction filters
                    t.extractall(tmp)
        for entry in os.listdir(tmp):
            target = os.path.join(folder, entry)
            if not os.path.exists(target):
                os.rename(os.path.join(tmp, entry), target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class created_dirs:
    """Context manager: remove the (still empty) folders it made when the block fails (no empty leftovers)."""

    def __init__(self, *folders):
        self.folders = [os.path.abspath(f) for f in folders]
        self.made = []

    def __enter__(self):
        for folder in self.folders:
            cur = folder
            while cur and not os.path.exists(cur):
                self.made.append(cur)
                cur = os.path.dirname(cur)
            os.makedirs(folder, exist_ok=True)
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            for folder in self.made:
                try:
                    os.rmdir(folder)
                except OSError:
                    pass
        return False
