"""cltorch._atomic: the one atomic-write helper every layer uses."""
from __future__ import annotations

import os

import pytest

from cltorch._atomic import atomic_open, atomic_write


@pytest.mark.parametrize("durable", [False, True])
def test_writes_bytes_and_text(tmp_path, durable):
    atomic_write(tmp_path / "a.bin", b"\x00\x01", durable=durable)
    atomic_write(str(tmp_path / "b.txt"), "héllo\n", encoding="utf-8", durable=durable)
    assert (tmp_path / "a.bin").read_bytes() == b"\x00\x01"
    assert (tmp_path / "b.txt").read_bytes() == "héllo\n".encode()
    assert sorted(os.listdir(tmp_path)) == ["a.bin", "b.txt"]


def test_failure_leaves_the_target_and_no_temporary_file(tmp_path):
    path = tmp_path / "f.txt"
    path.write_text("old")
    with pytest.raises(KeyError), atomic_open(path, "w") as fh:
        fh.write("new, half")
        raise KeyError("boom")
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["f.txt"]


def test_temporary_name_and_replacement(tmp_path):
    with atomic_open(tmp_path / "x.bin", prefix=".tmp-", suffix="") as fh:
        fh.write(b"1")
        seen = os.listdir(tmp_path)
    assert len(seen) == 1 and seen[0].startswith(".tmp-")
    assert (tmp_path / "x.bin").read_bytes() == b"1" and os.listdir(tmp_path) == ["x.bin"]
    with atomic_open(tmp_path / "y.bin"):
        seen = sorted(set(os.listdir(tmp_path)) - {"x.bin"})
    assert len(seen) == 1 and seen[0].startswith(".y.bin.") and seen[0].endswith(".part")


def test_keeps_mode_and_follows_symlinks(tmp_path):
    target = tmp_path / "real.txt"
    target.write_text("a")
    os.chmod(target, 0o640)
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    atomic_write(link, "b")
    assert link.is_symlink() and target.read_text() == "b"
    assert (os.stat(target).st_mode & 0o777) == 0o640


def test_new_file_mode_follows_umask(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write(tmp_path / "n.bin", b"")
    finally:
        os.umask(old)
    assert (os.stat(tmp_path / "n.bin").st_mode & 0o777) == 0o644


def test_rejects_other_modes(tmp_path):
    with pytest.raises(ValueError, match="mode"), atomic_open(tmp_path / "z", "ab"):
        pass
