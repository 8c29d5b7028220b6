"""The program loader: kernel sources, per-process caching, the on-disk binary cache and build errors."""
import json

import numpy as np
import pytest

import cltorch
from cltorch import _device
from cltorch.backend import programs


@pytest.fixture
def rt():
    return _device.runtime("cpu")


def test_kernel_dir_holds_sources():
    root = cltorch.backend.kernel_dir()
    assert root.is_dir()
    names = {p.name for p in root.iterdir()}
    assert {"copy.cl", "fill.cl", "random.cl", "common.h"} <= names
    for path in root.glob("*.cl"):
        text = programs.load_source(path.name)
        assert "__kernel" in text
        assert "#include" not in text  # local includes are inlined, so the cache key covers them
        if '#include "common.h"' in path.read_text():
            assert "layout_t" in text


def test_load_source_missing_file():
    with pytest.raises(cltorch.KernelBuildError, match="nosuch.cl"):
        programs.load_source("nosuch.cl")


def test_format_options_is_deterministic():
    a = programs.format_options({"OUT": "f32", "A": "i8", "FLAG": True, "OFF": False, "NDIM": 2, "BARE": None})
    b = programs.format_options({"NDIM": 2, "BARE": None, "FLAG": True, "OFF": False, "A": "i8", "OUT": "f32"})
    assert a == b == "-cl-std=CL1.2 -DA=i8 -DBARE -DFLAG -DNDIM=2 -DOUT=f32"


def test_kernel_is_cached_per_runtime(rt):
    defines = {"OUT": "f32", "A": "i16", "NDIM": 0}
    k1 = rt.kernel("copy.cl", "copy_cast", defines)
    k2 = rt.kernel("copy.cl", "copy_cast", dict(reversed(list(defines.items()))))
    assert k1 is k2
    k3 = rt.kernel("copy.cl", "copy_cast", {"OUT": "f32", "A": "i16", "NDIM": 0, "CLT_STRIDED": True})
    assert k3 is not k1
    assert rt.kernel("copy.cl", "copy_cast", {"CLT_STRIDED": True, "NDIM": 0, "OUT": "f32", "A": "i16"}) is k3
    k4 = rt.kernel("copy.cl", "copy_cast", {"OUT": "i16", "A": "f32", "NDIM": 0})
    assert k4 is not k1


def test_no_build_on_second_use(rt, monkeypatch):
    x = cltorch.tensor([1, 2, 3], dtype=cltorch.int16)
    np.testing.assert_array_equal(x.to(cltorch.float64).numpy(), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(cltorch.full((5,), 7, dtype=cltorch.int16).numpy(), np.full(5, 7, np.int16))

    def no_build(*args, **kwargs):
        raise AssertionError("a program was built on a hot path")

    monkeypatch.setattr(programs, "build_program", no_build)
    for _ in range(3):
        np.testing.assert_array_equal(x.to(cltorch.float64).numpy(), [1.0, 2.0, 3.0])
        np.testing.assert_array_equal(cltorch.full((5,), 7, dtype=cltorch.int16).numpy(), np.full(5, 7, np.int16))


def test_build_error_carries_file_options_and_log(rt):
    with pytest.raises(cltorch.KernelBuildError) as info:
        rt.kernel("copy.cl", "copy_cast", {"OUT": "nope", "A": "f32", "NDIM": 0})
    msg = str(info.value)
    assert isinstance(info.value, RuntimeError)
    assert "copy.cl" in msg
    assert "-DOUT=nope" in msg and "-DA=f32" in msg and "-cl-std=CL1.2" in msg
    assert "options:" in msg
    assert "STYPE_nope" in msg  # the compiler's own complaint
    assert rt.info.name in msg
    # a failed build is not cached: asking again fails again, and good kernels still build
    with pytest.raises(cltorch.KernelBuildError):
        rt.kernel("copy.cl", "copy_cast", {"OUT": "nope", "A": "f32", "NDIM": 0})
    assert rt.kernel("copy.cl", "copy_cast", {"OUT": "f64", "A": "u8", "NDIM": 0}) is not None
    np.testing.assert_array_equal(cltorch.tensor([250], dtype=cltorch.uint8).double().numpy(), [250.0])


def test_build_error_exported():
    assert cltorch.KernelBuildError is cltorch.backend.KernelBuildError
    assert issubclass(cltorch.KernelBuildError, RuntimeError)


def test_unknown_kernel_file_raises(rt):
    with pytest.raises(cltorch.KernelBuildError, match="missing.cl"):
        rt.kernel("missing.cl", "anything", {})


# -- the on-disk cache, across processes ----------------------------------------------------------

CACHE_SCRIPT = """
import json
import pyopencl as cl

real = cl.Program
built = {"source": 0, "binary": 0}


def counting_program(*args):
    built["source" if len(args) == 2 else "binary"] += 1
    return real(*args)


cl.Program = counting_program  # programs.py looks cl.Program up at call time

import cltorch
values = cltorch.arange(6).numpy().tolist()
print("RESULT", json.dumps({"values": values, "built": built}))
"""


def _result(proc):
    assert proc.returncode == 0, proc.stderr
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def _snapshot(root):
    return {p.relative_to(root): (p.stat().st_mtime_ns, p.read_bytes()) for p in root.rglob("*") if p.is_file()}


def test_disk_cache_written_loaded_and_repaired(run_python, tmp_path):
    cache = tmp_path / "programs"
    env = {"CLTORCH_CACHE_DIR": str(cache)}
    first = _result(run_python(CACHE_SCRIPT, env))
    assert first["values"] == [0, 1, 2, 3, 4, 5]
    assert first["built"]["source"] >= 1  # fill.cl for arange
    files = _snapshot(cache)
    assert len(files) == first["built"]["source"]
    for rel, (_, data) in files.items():
        assert rel.suffix == ".bin" and len(rel.parts) == 2 and rel.parts[0] == rel.name[:2]
        assert len(data) > 0
    assert not any(p.name.startswith(".tmp-") for p in cache.rglob("*"))

    second = _result(run_python(CACHE_SCRIPT, env))
    assert second["values"] == first["values"]
    assert second["built"] == {"source": 0, "binary": first["built"]["source"]}
    assert _snapshot(cache) == files  # loaded, not rewritten

    # a corrupt (or foreign) binary is rebuilt from source, and the entry repaired
    for p in cache.rglob("*.bin"):
        p.write_bytes(b"not a program binary")
    third = _result(run_python(CACHE_SCRIPT, env))
    assert third["values"] == first["values"]
    assert third["built"]["source"] == len(files)
    for p in cache.rglob("*.bin"):
        assert p.read_bytes() != b"not a program binary"


def test_disk_cache_off(run_python, tmp_path):
    home = tmp_path / "xdg"
    out = _result(run_python(CACHE_SCRIPT, {"CLTORCH_CACHE_DIR": "off", "XDG_CACHE_HOME": str(home)}))
    assert out["values"] == [0, 1, 2, 3, 4, 5]
    assert out["built"]["binary"] == 0
    assert not home.exists() or not any(home.rglob("*.bin"))


def test_default_cache_dir_follows_xdg(monkeypatch, tmp_path):
    from cltorch.backend import settings
    monkeypatch.delenv("CLTORCH_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert settings.cache_dir() == tmp_path / "cltorch" / "programs"
    monkeypatch.setenv("CLTORCH_CACHE_DIR", str(tmp_path / "x"))
    assert settings.cache_dir() == tmp_path / "x"
    for off in ("off", "0", "none", "OFF"):
        monkeypatch.setenv("CLTORCH_CACHE_DIR", off)
        assert settings.cache_dir() is None
