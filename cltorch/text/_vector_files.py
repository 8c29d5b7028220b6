"""Reading word-vector files (GloVe / word2vec text, word2vec binary) and their fast reload cache.

Everything here is host-side file decoding into NumPy; tensors are made by the callers.
The cache is ``<prefix>.npy`` (float32 rows) and ``<prefix>.itos.json`` (the words), each
written through a temporary file and a rename.
"""
from __future__ import annotations

import gzip
import io
import json
import logging
import os
import warnings

import numpy as np

from .._atomic import atomic_open, atomic_write

logger = logging.getLogger(__name__)

_TEXT_BYTES = frozenset(b"0123456789.-+eEinfINFaAN \t\r\n")


def _read_bytes(path: str) -> bytes:
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        return f.read()


def _header(first_line: bytes):
    """(count, dim) when the line is a word2vec header "N D", else None."""
    parts = first_line.split()
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        return int(parts[0]), int(parts[1])
    return None


def _looks_binary(raw: bytes, start: int, dim: int) -> bool:
    """Whether the first record after a header holds raw float32 bytes rather than decimal text."""
    space = raw.find(b" ", start)
    if space < 0:
        return False
    sample = raw[space + 1:space + 1 + 4 * dim]
    return any(b not in _TEXT_BYTES for b in sample)


def read_vectors(path: str, max_vectors: int | None = None) -> tuple:
    """(words, float32 array) from a GloVe/word2vec text file (optionally .gz) or a word2vec binary file."""
    raw = _read_bytes(path)
    newline = raw.find(b"\n")
    first = raw[:newline if newline >= 0 else len(raw)]
    header = _header(first)
    if header is not None:
        start = newline + 1
        if _looks_binary(raw, start, header[1]):
            return _read_binary(raw, start, header, max_vectors, path)
        raw = raw[start:]
    return _read_text(raw, max_vectors, path)


def _read_binary(raw: bytes, pos: int, header: tuple, max_vectors, path: str) -> tuple:
    count, dim = header
    if max_vectors is not None:
        count = min(count, max_vectors)
    width = 4 * dim
    words, arr = [], np.empty((count, dim), dtype=np.float32)
    for i in range(count):
        space = raw.find(b" ", pos)
        if space < 0 or space + 1 + width > len(raw):
            raise RuntimeError(f"{path}: word2vec binary file is truncated at vector {i} of {count}")
        words.append(raw[pos:space].strip(b"\n\r").decode("utf-8", errors="replace"))
        arr[i] = np.frombuffer(raw, dtype="<f4", count=dim, offset=space + 1)
        pos = space + 1 + width
    return words, arr


def _read_text(raw: bytes, max_vectors, path: str) -> tuple:
    lines = [ln for ln in raw.split(b"\n") if ln.strip()]
    if max_vectors is not None:
        lines = lines[:max_vectors]
    if not lines:
        return [], np.zeros((0, 0), dtype=np.float32)
    dim = len(lines[0].rstrip().split(b" ")) - 1
    fast = _read_text_fast(lines, dim)
    words, arr = fast if fast is not None else _read_text_slow(lines, dim, path)
    return [w.decode("utf-8", errors="replace") for w in words], arr


def _read_text_fast(lines: list, dim: int):
    """NumPy's C parser over the whole body when every line is 'word' plus exactly dim numbers."""
    if dim < 1:
        return None
    body = b"\n".join(lines)
    if b"\r" in body or b"\t" in body or body.count(b" ") != len(lines) * dim:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            arr = np.loadtxt(io.BytesIO(body), dtype=np.float32, delimiter=" ", usecols=range(1, dim + 1),
                             comments=None, quotechar=None, ndmin=2)
    except ValueError:
        return None
    if arr.shape != (len(lines), dim):
        return None
    return [ln[:ln.find(b" ")] for ln in lines], arr


def _read_text_slow(lines: list, dim: int, path: str) -> tuple:
    """Line by line: words with spaces, stray whitespace, one-number lines skipped as headers."""
    words, rows = [], []
    for ln in lines:
        parts = ln.split()
        if len(parts) == 2 and dim != 1:
            logger.warning("Skipping token %r with 1-dimensional vector; likely a header", parts[0])
            continue
        if len(parts) - 1 < dim:
            raise RuntimeError(f"{path}: vector for token {parts[0]!r} has {len(parts) - 1} dimensions, but "
                               f"previously read vectors have {dim} dimensions. All vectors must have the same "
                               "number of dimensions.")
        words.append(b" ".join(parts[:len(parts) - dim]))
        try:
            rows.append(np.array(parts[len(parts) - dim:], dtype=np.float32))
        except ValueError:
            raise RuntimeError(f"{path}: the vector of token {words[-1]!r} holds something that is not a "
                               "number") from None
    arr = np.stack(rows) if rows else np.zeros((0, dim), dtype=np.float32)
    return words, arr


# -- cache --------------------------------------------------------------------------
def cache_paths(prefix: str) -> tuple:
    """The (vectors .npy, words .itos.json) paths of a cache prefix."""
    return prefix + ".npy", prefix + ".itos.json"


def load_cache(prefix: str, source: str | None = None):
    """(words, array) from the cache, or None when absent, incomplete or older than source."""
    npy, itos = cache_paths(prefix)
    if not (os.path.isfile(npy) and os.path.isfile(itos)):
        return None
    if source is not None and os.path.isfile(source):
        if os.path.getmtime(source) > min(os.path.getmtime(npy), os.path.getmtime(itos)):
            return None
    try:
        with open(itos, encoding="utf-8") as f:
            words = json.load(f)
        arr = np.load(npy, allow_pickle=False)
    except (OSError, ValueError):
        return None
    if arr.ndim != 2 or len(words) != arr.shape[0] or arr.dtype != np.float32:
        return None
    return words, arr


def save_cache(prefix: str, words: list, arr: np.ndarray) -> None:
    """Write the cache files (each atomically); a folder that cannot be written only logs a warning."""
    npy, itos = cache_paths(prefix)
    try:
        os.makedirs(os.path.dirname(os.path.abspath(prefix)), exist_ok=True)
        atomic_write(itos, json.dumps(words, ensure_ascii=False).encode("utf-8"))
        with atomic_open(npy) as f:
            np.save(f, np.ascontiguousarray(arr, dtype=np.float32), allow_pickle=False)
    except OSError as e:
        logger.warning("could not write the vectors cache %s: %s", prefix, e)
