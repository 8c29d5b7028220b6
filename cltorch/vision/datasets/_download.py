"""Downloads that leave no partial files: temporary file in the target folder, MD5 check, atomic rename.

``fetch_url`` is the only function that touches the network (tests replace it).
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.request

USER_AGENT = "cltorch"


def fetch_url(url: str, timeout: float = 30.0):
    """Open url for reading (a file-like response)."""
    return urllib.request.urlopen(urllib.request.Request(url, headers={"User-Agent": USER_AGENT}), timeout=timeout)


def calculate_md5(path: str, chunk_size: int = 1 << 20) -> str:
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


def download_url(url: str, root: str, filename: str | None = None, md5: str | None = None) -> str:
    """Download url to root/filename through a temporary file, verify md5, then rename; returns the path."""
    filename = filename or os.path.basename(url)
    path = os.path.join(root, filename)
    if check_integrity(path, md5):
        return path
    os.makedirs(root, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=root, prefix=f".{filename}.", suffix=".part")
    try:
        h = hashlib.md5(usedforsecurity=False)
        with os.fdopen(fd, "wb") as out, fetch_url(url) as response:
            for chunk in iter(lambda: response.read(1 << 20), b""):
                out.write(chunk)
                h.update(chunk)
        if md5 is not None and h.hexdigest() != md5:
            raise RuntimeError(f"MD5 mismatch for {url}: expected {md5}, got {h.hexdigest()}")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path


def download_from_mirrors(filename: str, md5: str | None, mirrors, root: str) -> str:
    """Try each mirror in turn; OSError listing every failure when none works."""
    errors = []
    for mirror in mirrors:
        url = f"{mirror}{filename}"
        try:
            return download_url(url, root, filename, md5)
        except (OSError, RuntimeError, ValueError) as e:
            errors.append(f"{url}: {e}")
    raise OSError("\n".join(errors))


def write_atomic(path: str, data: bytes) -> None:
    """Write bytes to path through a temporary file in the same folder and a rename."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def missing_files_error(name: str, folder: str, files, errors=None) -> RuntimeError:
    """The error for a dataset whose files are absent: which files to place where (and why download failed)."""
    lines = [f"  {f}" + (f"  (md5 {md5})" if md5 else "") for f, md5 in files]
    head = (f"{name}: could not download the dataset (no network?)" if errors else
            "Dataset not found. You can use download=True to download it, or place the files yourself")
    msg = f"{head}.\nPlace these files in {folder}:\n" + "\n".join(lines)
    if errors:
        msg += "\nDownload attempts:\n" + "\n".join(f"  {e}" for e in errors)
    return RuntimeError(msg)


class created_dirs:
    """Context manager: remove the folders it made when the block fails (no empty leftovers)."""

    def __init__(self, *folders):
        self.folders = [os.path.abspath(f) for f in folders]
        self.made = []

    def __enter__(self):
        for folder in self.folders:
            parts, cur = [], folder
            while cur and not os.path.exists(cur):
                parts.append(cur)
                cur = os.path.dirname(cur)
            os.makedirs(folder, exist_ok=True)
            self.made.extend(parts)
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            for folder in self.made:
                try:
                    os.rmdir(folder)
                except OSError:
                    pass
        return False
