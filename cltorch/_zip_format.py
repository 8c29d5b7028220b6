"""PyTorch's zip checkpoint layout: ``<archive>/data.pkl`` plus one ``<archive>/data/<key>`` record per storage.

Records are stored uncompressed and each record's data starts on a 64-byte
boundary (padding goes into the local header's extra field, as PyTorch's
writer does), so a reader can map storages straight from the file.
"""
from __future__ import annotations

import secrets
import struct
import sys
import zipfile

import numpy as np

ALIGNMENT = 64
FORMAT_VERSION = b"1"
FILE_VERSION = b"3\n"
_LOCAL_HEADER = 30
_ZIP64_LOCAL_EXTRA = 20
_PAD_ID = b"FB"
_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so the same object always gives the same bytes (bar the id record)


class ZipWriter:
    """Writes the records of one checkpoint archive, in PyTorch's order, to a binary file object."""

    def __init__(self, fh, archive_name: str):
        self._fh = fh
        self._prefix = archive_name
        try:
            self._start = fh.tell()
        except (OSError, AttributeError):
            self._start = None  # an unseekable stream: records are written unaligned
        self._zip = zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED, allowZip64=True)

    def write(self, name: str, data) -> None:
        """Add one record; data is bytes or a contiguous NumPy array."""
        view = memoryview(data).cast("B") if not isinstance(data, bytes) else data
        info = zipfile.ZipInfo(f"{self._prefix}/{name}", date_time=_DATE)
        info.compress_type = zipfile.ZIP_STORED
        info.extra = self._padding(info, len(view))
        self._zip.writestr(info, view)

    def _padding(self, info: zipfile.ZipInfo, nbytes: int) -> bytes:
        if self._start is None:
            return b""
        try:
            here = self._fh.tell() - self._start
        except OSError:
            return b""
        zip64 = nbytes * 1.05 > zipfile.ZIP64_LIMIT  # zipfile's own rule for adding the zip64 extra field
        header = _LOCAL_HEADER + len(info.filename.encode("utf-8")) + 4 + (_ZIP64_LOCAL_EXTRA if zip64 else 0)
        pad = -(here + header) % ALIGNMENT
        return _PAD_ID + struct.pack("<H", pad) + b"Z" * pad

    def write_checkpoint(self, pickled: bytes, storages, byteorder_record: bool = True) -> None:
        """data.pkl, the format records and one record per (key, host bytes) storage."""
        self.write("data.pkl", pickled)
        self.write(".format_version", FORMAT_VERSION)
        self.write(".storage_alignment", str(ALIGNMENT).encode())
        if byteorder_record:
            self.write("byteorder", sys.byteorder.encode())
        for key, host in storages:
            self.write(f"data/{key}", host() if callable(host) else host)
        self.write("version", FILE_VERSION)
        self.write(".data/serialization_id", str(secrets.randbits(128)).zfill(40).encode())

    def close(self) -> None:
        """Write the central directory (the file object stays open)."""
        self._zip.close()

    def abandon(self) -> None:
        """Give up after a failed write: release the archive without raising again."""
        try:
            self._zip.close()
        except Exception:  # noqa: BLE001 - the original error is the one to report
            pass


class ZipReader:
    """The records of a checkpoint archive, by name relative to its top-level folder."""

    def __init__(self, fh, label: str, path: str | None = None, use_mmap: bool = False):
        self._label = label
        self._fh = fh
        self._path = path if use_mmap else None
        try:
            self._zip = zipfile.ZipFile(fh)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise self._error(f"failed reading zip archive ({exc})") from None
        if not infos:
            raise self._error("the zip archive is empty")
        prefix = infos[0].filename.split("/", 1)[0]
        self._records = {}
        for info in infos:
            head, sep, rest = info.filename.partition("/")
            if head != prefix or not sep:
                raise self._error(f"records must all lie in one top-level folder ({prefix!r}), "
                                  f"found {info.filename!r}")
            self._records[rest] = info

    def _error(self, message: str) -> RuntimeError:
        return RuntimeError(f"cltorch.load: {self._label}: {message}; the checkpoint is corrupt or not a "
                            "cltorch/PyTorch checkpoint")

    def has(self, name: str) -> bool:
        """True when the archive holds this record."""
        return name in self._records

    def names(self):
        """The record names."""
        return self._records.keys()

    def read(self, name: str) -> bytes:
        """One record's bytes (checked against its CRC)."""
        info = self._records.get(name)
        if info is None:
            raise self._error(f"the archive has no record {name!r}")
        try:
            return self._zip.read(info)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise self._error(f"failed reading record {name!r} ({exc})") from None

    def read_array(self, name: str, nbytes: int) -> np.ndarray:
        """A storage record as uint8 (mapped from the file when mmap was asked for and the record allows it)."""
        info = self._records.get(name)
        if info is None:
            raise self._error(f"the archive has no record {name!r} (a storage is missing)")
        if info.file_size != nbytes:
            raise self._error(f"record {name!r} holds {info.file_size} bytes but its storage needs {nbytes} "
                              "(truncated?)")
        if self._path is not None and nbytes and info.compress_type == zipfile.ZIP_STORED:
            return np.memmap(self._path, dtype=np.uint8, mode="r", offset=self._data_offset(info), shape=(nbytes,))
        return np.frombuffer(self.read(name), dtype=np.uint8)

    def _data_offset(self, info: zipfile.ZipInfo) -> int:
        self._fh.seek(info.header_offset)
        header = self._fh.read(_LOCAL_HEADER)
        if len(header) != _LOCAL_HEADER or header[:4] != b"PK\x03\x04":
            raise self._error(f"bad local header for record {info.filename!r}")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        return info.header_offset + _LOCAL_HEADER + name_len + extra_len

    def close(self) -> None:
        """Release the archive (the file object stays open)."""
        self._zip.close()


def sniff(fh) -> str:
    """What a file holds, from its first bytes: 'zip', 'bad-zip', 'tar', 'pickle' or 'empty' or 'unknown'."""
    start = fh.tell()
    head = fh.read(512)
    fh.seek(start)
    if not head:
        return "empty"
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        ok = zipfile.is_zipfile(fh)
        fh.seek(start)
        return "zip" if ok else "bad-zip"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    if head[:1] == b"\x80":
        return "pickle"
    return "unknown"
