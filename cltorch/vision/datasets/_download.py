"""cltorch.vision's dataset downloads: mirrors, MD5 check, and the message for files that could not be fetched.

``fetch_url`` is the only function that touches the network; downloads here go
through this module's name, so tests can replace it. The file handling is
cltorch.utils._download's.
"""
from __future__ import annotations

import os

from ...utils import _download as _shared
from ...utils._download import USER_AGENT, calculate_md5, check_integrity, created_dirs, fetch_url

__all__ = ["USER_AGENT", "calculate_md5", "check_integrity", "created_dirs", "download_from_mirrors",
           "download_url", "fetch_url", "missing_files_error"]


def download_url(url: str, root: str, filename: str | None = None, md5: str | None = None) -> str:
    """Download url to root/filename through a temporary file, verify md5, then rename; returns the path."""
    filename = filename or os.path.basename(url)
    path = os.path.join(root, filename)
    if check_integrity(path, md5):
        return path
    return _shared.download_file(url, path, md5, fetch=fetch_url)


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


def missing_files_error(name: str, folder: str, files, errors=None) -> RuntimeError:
    """The error for a dataset whose files are absent: which files to place where (and why download failed)."""
    lines = [f"  {f}" + (f"  (md5 {md5})" if md5 else "") for f, md5 in files]
    head = (f"{name}: could not download the dataset (no network?)" if errors else
            "Dataset not found. You can use download=True to download it, or place the files yourself")
    msg = f"{head}.\nPlace these files in {folder}:\n" + "\n".join(lines)
    if errors:
        msg += "\nDownload attempts:\n" + "\n".join(f"  {e}" for e in errors)
    return RuntimeError(msg)

