"""cltorch.save / cltorch.load: round trips, PyTorch's zip layout, weights-only safety, map_location, bad files."""
from __future__ import annotations

import io
import os
import pickle
import pickletools
import struct
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import cltorch
from cltorch import _pickle_torch, _zip_format
from cltorch.backend.runtime import DeviceRuntime
from cltorch.serialization import add_safe_globals, clear_safe_globals, get_safe_globals, safe_globals

DTYPES = ("float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool")


class Point:
    """A user class: weights-only loading must refuse it unless allow-listed."""

    def __init__(self, x, y):
        self.x, self.y = x, y


class Exploit:
    """Unpickling this runs a shell command that creates a marker file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class TaggedTensor(cltorch.Tensor):
    """A tensor subclass (saved through torch._tensor._rebuild_from_type_v2)."""


@pytest.fixture(autouse=True)
def _empty_allow_list():
    clear_safe_globals()
    yield
    clear_safe_globals()


def values(rng, shape, name):
    if name == "bool":
        return rng.random(shape) < 0.5
    if name in ("float32", "float64", "float16"):
        return rng.standard_normal(shape).astype(name)
    info = np.iinfo(name)
    return rng.integers(max(info.min, -100), min(info.max, 100), size=shape).astype(name)


def roundtrip(obj, **load_kwargs):
    buf = io.BytesIO()
    cltorch.save(obj, buf)
    buf.seek(0)
    return cltorch.load(buf, **load_kwargs)


def assert_tensor_equal(got, want):
    assert isinstance(got, cltorch.Tensor)
    assert got.dtype is want.dtype and tuple(got.shape) == tuple(want.shape)
    np.testing.assert_array_equal(got.numpy(force=True), want.numpy(force=True))


def rewrite_zip(data: bytes, transform) -> bytes:
    """A copy of a zip checkpoint with each record passed through transform(name, bytes) (None drops it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            new = transform(info.filename.split("/", 1)[1], src.read(info))
            if new is not None:
                dst.writestr(info.filename, new)
    return out.getvalue()


def checkpoint_bytes(obj, **kwargs) -> bytes:
    buf = io.BytesIO()
    cltorch.save(obj, buf, **kwargs)
    return buf.getvalue()


# -- round trips -----------------------------------------------------------------------
@pytest.mark.parametrize("name", DTYPES)
def test_every_dtype_round_trips_through_a_path(tmp_path, name):
    rng = np.random.default_rng(len(name))
    t = cltorch.from_numpy(values(rng, (3, 5), name))
    if t.dtype.is_floating_point:
        t.requires_grad_(True)
    path = tmp_path / f"{name}.pt"
    cltorch.save(t, path)
    got = cltorch.load(path)
    assert_tensor_equal(got, t)
    assert got.requires_grad == t.requires_grad
    assert got.device == cltorch.device("cpu")


@pytest.mark.parametrize("shape", [(), (0,), (3, 0), (1,), (7, 1, 3)])
def test_zero_d_empty_and_odd_shapes(shape):
    t = cltorch.from_numpy(np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape))
    got = roundtrip({"t": t})["t"]
    assert_tensor_equal(got, t)


def test_views_share_one_storage_after_loading(make_view):
    base = cltorch.arange(24, dtype=cltorch.float32).reshape(4, 6)
    views = {"base": base, "t": base.t(), "row": base[2], "col": base[:, 3], "strided": base[::2, 1::2],
             "raw": make_view(base, 5, (2, 3), (1, 7))}
    got = roundtrip(views)
    for key, want in views.items():
        assert_tensor_equal(got[key], want)
        assert got[key].stride() == want.stride() and got[key].storage_offset() == want.storage_offset()
        assert got[key]._storage is got["base"]._storage
    got["base"].add_(100)  # one storage: a write through the base shows through every view
    np.testing.assert_array_equal(got["col"].numpy(), base[:, 3].numpy() + 100)


def test_a_view_saved_alone_keeps_the_whole_storage():
    base = cltorch.arange(10, dtype=cltorch.int32)
    got = roundtrip(base[6:8])
    np.testing.assert_array_equal(got.numpy(), [6, 7])
    assert got.storage_offset() == 6 and got._storage.nbytes == 40


def test_storage_is_uploaded_once_for_all_its_views(monkeypatch):
    base = cltorch.arange(12, dtype=cltorch.float32).reshape(3, 4)
    data = checkpoint_bytes([base, base.t(), base[1], base[:, 2]])
    calls = []
    original = DeviceRuntime.upload
    monkeypatch.setattr(DeviceRuntime, "upload", lambda self, *a, **k: (calls.append(1), original(self, *a, **k)))
    got = cltorch.load(io.BytesIO(data))
    assert len(calls) == 1
    assert_tensor_equal(got[3], base[:, 2])


def test_nested_containers_keep_their_types():
    t = cltorch.tensor([1.5, -2.0])
    obj = {"list": [t, 1, 2.5, "s", None, True], "tuple": (t, (False, -3)), "nested": {"deep": {"x": t[1]}},
           "ordered": OrderedDict(a=1, b=t), "set": {1, 2}, "bytes": b"\x00\xffab", "big": 2**70, "neg": -7}
    got = roundtrip(obj)
    assert isinstance(got["tuple"], tuple) and isinstance(got["tuple"][1], tuple)
    assert got["list"][1:] == [1, 2.5, "s", None, True]
    assert got["tuple"][1] == (False, -3)
    assert isinstance(got["ordered"], OrderedDict) and list(got["ordered"]) == ["a", "b"]
    assert got["set"] == {1, 2} and got["bytes"] == b"\x00\xffab" and got["big"] == 2**70 and got["neg"] == -7
    assert_tensor_equal(got["nested"]["deep"]["x"], t[1])
    assert got["list"][0] is got["tuple"][0] is got["ordered"]["b"]  # one object saved twice stays one


def test_dtypes_devices_and_sizes_round_trip():
    obj = {"dtypes": [getattr(cltorch, n) for n in DTYPES], "device": cltorch.device("cpu"),
           "size": cltorch.Size([2, 3])}
    got = roundtrip(obj)
    assert got["dtypes"] == obj["dtypes"] and got["device"] == cltorch.device("cpu")
    assert isinstance(got["size"], cltorch.Size) and got["size"] == cltorch.Size([2, 3])


def test_parameters_and_requires_grad_are_restored():
    p = cltorch.nn.Parameter(cltorch.ones(2, 3))
    frozen = cltorch.nn.Parameter(cltorch.zeros(2), requires_grad=False)
    got = roundtrip({"p": p, "frozen": frozen, "leaf": cltorch.ones(2, requires_grad=True)})
    assert type(got["p"]) is cltorch.nn.Parameter and got["p"].requires_grad
    assert type(got["frozen"]) is cltorch.nn.Parameter and not got["frozen"].requires_grad
    assert type(got["leaf"]) is cltorch.Tensor and got["leaf"].requires_grad and got["leaf"].is_leaf
    assert_tensor_equal(got["p"].detach(), p.detach())


def _model():
    return cltorch.nn.Sequential(cltorch.nn.Linear(5, 7), cltorch.nn.ReLU(), cltorch.nn.Linear(7, 3))


def test_state_dict_loads_into_a_fresh_model(tmp_path):
    cltorch.manual_seed(0)
    model = _model()
    cltorch.save(model.state_dict(), tmp_path / "sd.pt")
    cltorch.manual_seed(1)
    fresh = _model()
    sd = cltorch.load(tmp_path / "sd.pt")
    assert isinstance(sd, OrderedDict) and list(sd) == list(model.state_dict())
    fresh.load_state_dict(sd)
    x = cltorch.randn(4, 5)
    np.testing.assert_array_equal(fresh(x).detach().numpy(), model(x).detach().numpy())


def test_whole_model_needs_weights_only_false(tmp_path):
    model = _model()
    cltorch.save(model, tmp_path / "model.pt")
    with pytest.raises(pickle.UnpicklingError, match="Sequential"):
        cltorch.load(tmp_path / "model.pt")
    again = cltorch.load(tmp_path / "model.pt", weights_only=False)
    assert type(again) is type(model) and type(again[0]) is cltorch.nn.Linear
    x = cltorch.randn(2, 5)
    np.testing.assert_array_equal(again(x).detach().numpy(), model(x).detach().numpy())
    assert cltorch.serialization.get_unsafe_globals_in_checkpoint(tmp_path / "model.pt") == [
        "cltorch.nn.modules.activation.ReLU", "cltorch.nn.modules.container.Sequential",
        "cltorch.nn.modules.linear.Linear"]


def test_tensor_subclass_round_trips_when_its_class_is_admitted():
    t = cltorch.Tensor._make(cltorch.ones(3)._storage, 0, (3,), (1,), cltorch.float32, cltorch.device("cpu"))
    tagged = object.__new__(TaggedTensor)
    tagged.__dict__.update(t.__dict__)
    data = checkpoint_bytes({"t": tagged})
    with pytest.raises(pickle.UnpicklingError, match="TaggedTensor"):
        cltorch.load(io.BytesIO(data))
    with safe_globals([TaggedTensor]):
        got = cltorch.load(io.BytesIO(data))["t"]
    assert type(got) is TaggedTensor
    assert type(cltorch.load(io.BytesIO(data), weights_only=False)["t"]) is TaggedTensor
    np.testing.assert_array_equal(got.numpy(), [1, 1, 1])


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_pickle_protocols(protocol):
    t = cltorch.arange(6, dtype=cltorch.int64).reshape(2, 3)
    buf = io.BytesIO()
    cltorch.save({"t": t, "view": t[:, 1], "s": "text", "b": b"xy", "set": {3}}, buf, pickle_protocol=protocol)
    buf.seek(0)
    got = cltorch.load(buf)
    assert_tensor_equal(got["view"], t[:, 1])
    assert got["view"]._storage is got["t"]._storage and got["b"] == b"xy" and got["set"] == {3}


def test_legacy_stream_format_round_trips():
    base = cltorch.arange(6, dtype=cltorch.float64).reshape(2, 3)
    data = checkpoint_bytes({"a": base, "b": base[1], "p": cltorch.nn.Parameter(cltorch.ones(2))},
                            _use_new_zipfile_serialization=False)
    assert not zipfile.is_zipfile(io.BytesIO(data))
    got = cltorch.load(io.BytesIO(data))
    assert_tensor_equal(got["b"], base[1])
    assert got["b"]._storage is got["a"]._storage and type(got["p"]) is cltorch.nn.Parameter


# -- the file format --------------------------------------------------------------------------
def test_zip_layout_matches_pytorch(tmp_path):
    path = tmp_path / "my.ckpt.pt"
    cltorch.save({"w": cltorch.ones(3, 3), "b": cltorch.zeros(5, dtype=cltorch.int64)}, path)
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        assert names[0] == "my.ckpt/data.pkl"
        assert {"my.ckpt/byteorder", "my.ckpt/version", "my.ckpt/data/0", "my.ckpt/data/1"} <= set(names)
        assert z.read("my.ckpt/byteorder") == b"little"
        raw = path.read_bytes()
        for info in z.infolist():
            assert info.compress_type == zipfile.ZIP_STORED
            name_len, extra_len = struct.unpack("<HH", raw[info.header_offset + 26:info.header_offset + 30])
            start = info.header_offset + 30 + name_len + extra_len
            if "/data/" in info.filename:
                assert start % 64 == 0, f"{info.filename} data starts at {start}, not 64-byte aligned"
            assert raw[start:start + info.file_size] == z.read(info)
        ops = list(pickletools.genops(z.read("my.ckpt/data.pkl")))
    globals_written = {arg for op, arg, _ in ops if op.name == "GLOBAL"}
    assert globals_written == {"torch._utils _rebuild_tensor_v2", "torch FloatStorage", "torch LongStorage",
                               "collections OrderedDict"}
    assert sum(op.name == "BINPERSID" for op, _, _ in ops) == 2
    buf = io.BytesIO()
    cltorch.save(cltorch.ones(1), buf)
    assert zipfile.ZipFile(buf).namelist()[0] == "archive/data.pkl"


def test_storages_shared_under_two_dtypes_are_refused():
    t = cltorch.zeros(4, dtype=cltorch.int32)
    other = cltorch.Tensor._make(t._storage, 0, (4,), (1,), cltorch.float32, t.device)
    with pytest.raises(RuntimeError, match="same data as different types"):
        checkpoint_bytes([t, other])


# -- atomic writes and file objects ----------------------------------------------------------------
class Unpicklable:
    def __reduce__(self):
        raise ValueError("cannot pickle this")


def test_failed_save_leaves_the_old_file_and_no_temp_file(tmp_path):
    path = tmp_path / "ckpt.pt"
    cltorch.save({"v": cltorch.ones(2)}, path)
    before = path.read_bytes()
    with pytest.raises(ValueError, match="cannot pickle this"):
        cltorch.save({"v": cltorch.zeros(2), "bad": Unpicklable()}, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["ckpt.pt"]
    np.testing.assert_array_equal(cltorch.load(path)["v"].numpy(), [1, 1])


def test_failure_while_writing_storages_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    cltorch.save([cltorch.ones(2)], path)
    before = path.read_bytes()
    original = _zip_format.ZipWriter.write

    def failing(self, name, data):
        if name == "data/1":
            raise OSError("disk full")
        original(self, name, data)

    monkeypatch.setattr(_zip_format.ZipWriter, "write", failing)
    with pytest.raises(OSError, match="disk full"):
        cltorch.save([cltorch.zeros(2), cltorch.zeros(3)], path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["ckpt.pt"]


def test_save_into_a_missing_directory_raises(tmp_path):
    with pytest.raises(RuntimeError, match="Parent directory"):
        cltorch.save(cltorch.ones(1), tmp_path / "nope" / "x.pt")


def test_save_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    path = tmp_path / "ckpt.pt"
    cltorch.save(cltorch.ones(1), path)
    os.chmod(path, 0o640)
    cltorch.save(cltorch.ones(2), path)
    assert (os.stat(path).st_mode & 0o777) == 0o640


class ReadOnlyStream:
    """A readable stream that cannot seek (a pipe, a socket)."""

    def __init__(self, data):
        self._buf = io.BytesIO(data)

    def read(self, n=-1):
        return self._buf.read(n)


def test_file_objects_in_and_out():
    t = cltorch.arange(5, dtype=cltorch.int16)
    buf = io.BytesIO()
    cltorch.save({"t": t}, buf)
    buf.seek(0)
    assert_tensor_equal(cltorch.load(buf)["t"], t)
    assert_tensor_equal(cltorch.load(ReadOnlyStream(buf.getvalue()))["t"], t)
    with pytest.raises(AttributeError, match="file-like"):
        cltorch.save(t, 123)
    with pytest.raises(AttributeError, match="file-like"):
        cltorch.load(123)


def test_mmap(tmp_path):
    t = cltorch.arange(100, dtype=cltorch.float32)
    cltorch.save({"t": t, "v": t[10:20]}, tmp_path / "m.pt")
    got = cltorch.load(tmp_path / "m.pt", mmap=True)
    assert_tensor_equal(got["v"], t[10:20])
    with pytest.raises(ValueError, match="file path"):
        cltorch.load(io.BytesIO(checkpoint_bytes(t)), mmap=True)
    cltorch.save(t, tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="mmap can only be used"):
        cltorch.load(tmp_path / "legacy.pt", mmap=True)


# -- plain pickling (multiprocessing) -------------------------------------------------------------
def test_plain_pickle_of_tensors_and_parameters():
    base = cltorch.arange(12, dtype=cltorch.float64).reshape(3, 4)
    view = base.t()[1:]
    got = pickle.loads(pickle.dumps(view))
    assert_tensor_equal(got, view)
    p = pickle.loads(pickle.dumps(cltorch.nn.Parameter(cltorch.ones(2, dtype=cltorch.float16))))
    assert type(p) is cltorch.nn.Parameter and p.requires_grad and p.dtype is cltorch.float16
    b = pickle.loads(pickle.dumps(cltorch.tensor([True, False])))
    assert b.dtype is cltorch.bool and b.tolist() == [True, False]
    r = pickle.loads(pickle.dumps(cltorch.ones(2, requires_grad=True)))
    assert r.requires_grad and r.is_leaf


# -- weights-only loading -----------------------------------------------------------------------
def test_weights_only_refuses_a_custom_class_with_a_clear_error():
    data = checkpoint_bytes({"pt": Point(1, 2), "t": cltorch.ones(1)})
    with pytest.raises(pickle.UnpicklingError) as info:
        cltorch.load(io.BytesIO(data))
    message = str(info.value)
    full = f"{Point.__module__}.{Point.__qualname__}"
    assert "Weights only load failed" in message and f"Unsupported global: GLOBAL {full}" in message
    assert "`weights_only` set to `False`" in message and "trusted source" in message
    assert "cltorch.serialization.add_safe_globals" in message
    got = cltorch.load(io.BytesIO(data), weights_only=False)
    assert (got["pt"].x, got["pt"].y) == (1, 2)


def test_safe_globals_context_and_allow_list_functions():
    data = checkpoint_bytes([Point(3, 4)])
    with safe_globals([Point]):
        assert cltorch.load(io.BytesIO(data))[0].y == 4
    assert get_safe_globals() == []
    with pytest.raises(pickle.UnpicklingError):
        cltorch.load(io.BytesIO(data))
    add_safe_globals([Point])
    assert get_safe_globals() == [Point]
    assert cltorch.load(io.BytesIO(data))[0].x == 3
    with safe_globals([Point]):  # already allowed before the block: still allowed after it
        pass
    assert get_safe_globals() == [Point]
    clear_safe_globals()
    assert get_safe_globals() == []
    with safe_globals([(Point, f"{Point.__module__}.Point")]):
        assert cltorch.load(io.BytesIO(data))[0].x == 3
    with pytest.raises(ValueError):
        add_safe_globals([(Point,)])


def test_malicious_pickle_is_rejected_without_running(tmp_path):
    marker = tmp_path / "pwned"
    payload = pickle.dumps({"x": Exploit(marker)}, protocol=2)
    zipped = io.BytesIO()
    writer = _zip_format.ZipWriter(zipped, "archive")
    writer.write_checkpoint(payload, [])
    writer.close()
    add_safe_globals([os.system])  # even an allow-listed os.system stays blocked
    for data in (zipped.getvalue(), payload, pickle.dumps(Exploit(marker), protocol=4)):
        with pytest.raises((pickle.UnpicklingError, RuntimeError)) as info:
            cltorch.load(io.BytesIO(data))
        assert "system" in str(info.value) or "magic number" in str(info.value)
        assert not marker.exists()
    evil_eval = (b"\x80\x02cbuiltins\neval\nX\x0b\x00\x00\x00print(1234)\x85R.")
    with pytest.raises(pickle.UnpicklingError, match="eval"):
        cltorch._pickle_restricted.restricted_load(evil_eval, {}, None, None)


def test_weights_only_limits_build_and_calls():
    def load(payload):
        return cltorch._pickle_restricted.restricted_load(payload, {"collections.OrderedDict": OrderedDict},
                                                          None, None)

    # BUILD on a plain dict that is not allow-listed
    with pytest.raises(pickle.UnpicklingError, match="Can only build"):
        load(b"\x80\x02}q\x00}q\x01X\x01\x00\x00\x00aK\x01sb.")
    # SETITEM on a list, APPEND on a dict
    with pytest.raises(pickle.UnpicklingError, match="SETITEM"):
        load(b"\x80\x02]K\x01K\x02s.")
    with pytest.raises(pickle.UnpicklingError, match="append"):
        load(b"\x80\x02}K\x01a.")


def test_pickle_module_with_weights_only_is_refused():
    data = checkpoint_bytes(cltorch.ones(1))
    with pytest.raises(RuntimeError, match="explicit pickle_module"):
        cltorch.load(io.BytesIO(data), pickle_module=pickle)
    assert cltorch.load(io.BytesIO(data), pickle_module=pickle, weights_only=False).tolist() == [1.0]


def test_tensor_state_cannot_touch_internals():
    t = cltorch.ones(2)
    _pickle_torch.set_tensor_state(t, {"_offset": 10**9, "_storage": None, "note": "ok"})
    assert t._offset == 0 and t._storage is not None and t.note == "ok"


# -- map_location ------------------------------------------------------------------------------------
@pytest.mark.parametrize("where", [None, "cpu", cltorch.device("cpu"), {"cpu": "cpu"}, b"cpu"])
def test_map_location_to_cpu(where):
    t = cltorch.arange(4, dtype=cltorch.float32)
    got = roundtrip(t, map_location=where)
    assert got.device == cltorch.device("cpu")
    assert_tensor_equal(got, t)


def test_map_location_callables():
    t = cltorch.arange(4, dtype=cltorch.int8)
    seen = []

    def keep(storage, location):
        seen.append((location, storage.dtype, storage.size(), str(storage.device)))
        return storage

    assert_tensor_equal(roundtrip(t, map_location=keep), t)
    assert seen == [("cpu", cltorch.int8, 4, "cpu")]
    assert_tensor_equal(roundtrip(t, map_location=lambda s, loc: None), t)
    assert_tensor_equal(roundtrip(t, map_location=lambda s, loc: s.cpu()), t)
    with pytest.raises(TypeError, match="map_location callable"):
        roundtrip(t, map_location=lambda s, loc: "cpu")
    with pytest.raises(TypeError, match="map_location must be"):
        roundtrip(t, map_location=3)


def saved_at(location, obj) -> bytes:
    """A checkpoint whose storages are tagged with another location than 'cpu'."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(_pickle_torch, "SAVED_LOCATION", location)
        return checkpoint_bytes(obj)


def test_cuda_location_without_a_gpu_asks_for_map_location(no_gpu):
    data = saved_at("cuda:0", {"t": cltorch.ones(3)})
    with pytest.raises(RuntimeError, match="map_location"):
        cltorch.load(io.BytesIO(data))
    for where in ("cpu", {"cuda:0": "cpu"}, lambda s, loc: s.cpu()):
        got = cltorch.load(io.BytesIO(data), map_location=where)["t"]
        assert got.device == cltorch.device("cpu") and got.tolist() == [1, 1, 1]
    with pytest.raises(RuntimeError, match="map_location"):
        cltorch.load(io.BytesIO(data), map_location=lambda s, loc: s.cuda())


def test_unknown_location_is_explained():
    data = saved_at("mps", cltorch.ones(1))
    with pytest.raises(RuntimeError, match="don't know how to restore data location.*'mps'"):
        cltorch.load(io.BytesIO(data))
    assert cltorch.load(io.BytesIO(data), map_location={"mps": "cpu"}).tolist() == [1.0]


def test_big_endian_checkpoints_are_byte_swapped():
    t = cltorch.tensor([1.5, -2.25, 3.0], dtype=cltorch.float64)

    def to_big(name, data):
        if name == "byteorder":
            return b"big"
        if name.startswith("data/"):
            return np.frombuffer(data, dtype="<f8").astype(">f8").tobytes()
        return data

    got = cltorch.load(io.BytesIO(rewrite_zip(checkpoint_bytes(t), to_big)))
    assert_tensor_equal(got, t)


# -- bad files ---------------------------------------------------------------------------------------
def _fake_tensor_checkpoint(size, stride, offset, numel=4) -> bytes:
    """A checkpoint whose tensor claims the given geometry over a storage of numel floats."""
    ref = _pickle_torch._StorageRef(("storage", _pickle_torch.STORAGE_WRITE_NAMES[cltorch.float32], "0", "cpu",
                                     numel))

    class Fake:
        def __reduce__(self):
            return (_pickle_torch._W_REBUILD_V2, (ref, offset, size, stride, False, OrderedDict()))

    buf = io.BytesIO()
    _pickle_torch.pickler_class(pickle)(buf, protocol=2).dump(Fake())
    out = io.BytesIO()
    writer = _zip_format.ZipWriter(out, "archive")
    writer.write_checkpoint(buf.getvalue(), [("0", np.zeros(numel, dtype=np.float32))])
    writer.close()
    return out.getvalue()


def test_tensor_geometry_outside_its_storage_is_refused():
    assert cltorch.load(io.BytesIO(_fake_tensor_checkpoint((2, 2), (2, 1), 0))).shape == (2, 2)
    for size, stride, offset in [((5,), (1,), 0), ((2, 2), (2, 1), 1), ((2,), (-1,), 1), ((2,), (1, 1), 0)]:
        with pytest.raises(RuntimeError, match="corrupt checkpoint"):
            cltorch.load(io.BytesIO(_fake_tensor_checkpoint(size, stride, offset)))


def test_corrupt_and_foreign_files_raise_clear_errors(tmp_path):
    good = checkpoint_bytes({"a": cltorch.ones(4), "b": cltorch.zeros(2)})
    cases = {
        "empty": (b"", "empty"),
        "garbage": (b"hello, not a checkpoint", "magic number"),
        "truncated": (good[: len(good) // 2], "truncated or corrupt"),
        "raw pickle": (pickle.dumps({"a": 1}), "magic number"),
        "no storage": (rewrite_zip(good, lambda n, d: None if n == "data/1" else d), "no record 'data/1'"),
        "short storage": (rewrite_zip(good, lambda n, d: d[:-1] if n == "data/0" else d), "truncated"),
        "short data.pkl": (rewrite_zip(good, lambda n, d: d[:-5] if n == "data.pkl" else d), "truncated"),
        "no data.pkl": (rewrite_zip(good, lambda n, d: None if n == "data.pkl" else d), "data.pkl"),
        "tar": (b"\0" * 257 + b"ustar" + b"\0" * 300, "tar"),
    }
    for data, pattern in cases.values():
        with pytest.raises((RuntimeError, pickle.UnpicklingError), match=pattern):
            cltorch.load(io.BytesIO(data))
    script = io.BytesIO()
    with zipfile.ZipFile(script, "w") as z:
        z.writestr("m/data.pkl", b"")
        z.writestr("m/constants.pkl", b"")
        z.writestr("m/code/__torch__.py", b"")
    with pytest.raises(RuntimeError, match="TorchScript"):
        cltorch.load(io.BytesIO(script.getvalue()))
    legacy = checkpoint_bytes({"a": cltorch.ones(4)}, _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="truncated"):
        cltorch.load(io.BytesIO(legacy[:-3]))


def test_randomly_damaged_checkpoints_fail_cleanly():
    """Flipped bytes and truncations give RuntimeError/UnpicklingError (or a valid result), never anything else."""
    base = cltorch.arange(12, dtype=cltorch.float32).reshape(3, 4)
    obj = OrderedDict(a=base, b=base.t(), c=[1, 2.5, "x", (3, None)], p=cltorch.nn.Parameter(cltorch.ones(2)),
                      i=cltorch.tensor([1, 2]))
    rng = np.random.default_rng(7)
    for zip_format in (True, False):
        good = checkpoint_bytes(obj, _use_new_zipfile_serialization=zip_format)
        for trial in range(150):
            data = bytearray(good[: int(rng.integers(1, len(good)))] if trial % 3 == 0 else good)
            for pos in rng.integers(0, len(data), size=int(rng.integers(1, 4))):
                data[pos] = int(rng.integers(0, 256))
            try:
                got = cltorch.load(io.BytesIO(bytes(data)))
            except (RuntimeError, pickle.UnpicklingError):
                continue
            for t in (v for v in (got.values() if isinstance(got, dict) else ()) if isinstance(v, cltorch.Tensor)):
                t.detach().numpy()  # whatever loads is readable: its views lie inside their storages
