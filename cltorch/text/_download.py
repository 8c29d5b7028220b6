"""Downloads and archive extraction that leave no partial files (temporary names, then a rename).

``fetch_url`` is the only function that touches the network (tests replace it).
"""
from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
import urllib.request
import zipfile

USER_AGENT = "cltorch"


def fetch_url(url: str, timeout: float = 30.0):
    """Open url for reading (a file-like response)."""
    return urllib.request.urlopen(urllib.request.Request(url, headers={"User-Agent": USER_AGENT}), timeout=timeout)


def _temp_in(folder: str, name: str) -> str:
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".part")
    os.close(fd)
    return tmp


def download_url(url: str, path: str) -> str:
    """Download url to path through a temporary file in the same folder and a rename; returns path."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = _temp_in(folder, os.path.basename(path))
    try:
        with open(tmp, "wb") as out, fetch_url(url) as response:
            shutil.copyfileobj(response, out, 1 << 20)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
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
    tmp = _temp_in(os.path.dirname(os.path.abspath(dest)), basename)
    try:
        with open(tmp, "wb") as out:
            if archive.lower().endswith(".zip"):
                with zipfile.ZipFile(archive) as z, z.open(members[0]) as src:
                    shutil.copyfileobj(src, out, 1 << 20)
            else:
                with tarfile.open(archive) as t:
                    src = t.extractfile(members[0])
                    shutil.copyfileobj(src, out, 1 << 20)
        os.replace(tmp, dest)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
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
    """Context manager: remove the (still empty) folders it made when the block fails."""

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
