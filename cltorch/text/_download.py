"""cltorch.text's downloads and archive extraction (the shared helpers of cltorch.utils._download).

``fetch_url`` is the only function that touches the network; downloads here go
through this module's name, so tests can replace it.
"""
from __future__ import annotations

from ..utils import _download as _shared
from ..utils._download import USER_AGENT, created_dirs, extract_archive, extract_member, fetch_url, is_archive

__all__ = ["USER_AGENT", "created_dirs", "download_url", "extract_archive", "extract_member", "fetch_url",
           "is_archive"]


def download_url(url: str, path: str) -> str:
    """Download url to path through a temporary file in the same folder and a rename; returns path."""
    return _shared.download_file(url, path, fetch=fetch_url)
