"""Checkpoints cross between cltorch and real PyTorch in both directions (torch.load weights-only by default)."""
from __future__ import annotations

import io
from collections import OrderedDict

import numpy as np
import pytest

import harness  # noqa: F401  (skips this module when torch is missing)
from harness import ALL_DTYPES, assert_same, make_tensor, random_array, to_numpy
import torch

import cltorch


def _arrays(seed=0):
    rng = np.random.default_rng(seed)
    return {name: random_array((3, 4), name, rng) for name in ALL_DTYPES}


def _torch_model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2))


def _cltorch_model():
    return cltorch.nn.Sequential(cltorch.nn.Linear(6, 5), cltorch.nn.ReLU(), cltorch.nn.Linear(5, 2))


def _torch_bytes(obj, **kwargs) -> io.BytesIO:
    buf = io.BytesIO()
    torch.save(obj, buf, **kwargs)
    buf.seek(0)
    return buf


def _cltorch_bytes(obj, **kwargs) -> io.BytesIO:
    buf = io.BytesIO()
    cltorch.save(obj, buf, **kwargs)
    buf.seek(0)
    return buf


# -- torch.save -> cltorch.load ----------------------------------------------------------------
@pytest.mark.parametrize("zip_format", [True, False])
def test_torch_tensors_of_every_dtype_load(zip_format):
    arrays = _arrays()
    theirs = {name: make_tensor(torch, a) for name, a in arrays.items()}
    theirs["empty"] = torch.zeros(0, 3)
    theirs["scalar"] = torch.tensor(2.5, dtype=torch.float64)
    got = cltorch.load(_torch_bytes(theirs, _use_new_zipfile_serialization=zip_format))
    assert set(got) == set(theirs)
    for name, t in theirs.items():
        assert_same(got[name], t, rtol=0, atol=0, what=name)


def test_torch_views_sharing_storage_load_sharing_storage(tmp_path):
    base = torch.arange(20, dtype=torch.float32).reshape(4, 5)
    theirs = OrderedDict(base=base, t=base.t(), col=base[:, 2], sub=base[1:3, ::2])
    torch.save(theirs, tmp_path / "views.pt")
    got = cltorch.load(tmp_path / "views.pt")
    assert isinstance(got, OrderedDict) and list(got) == list(theirs)
    for key, t in theirs.items():
        assert_same(got[key], t, rtol=0, atol=0, what=key)
        assert got[key].stride() == t.stride() and got[key].storage_offset() == t.storage_offset()
        assert got[key]._storage is got["base"]._storage


def test_torch_state_dict_drives_the_matching_cltorch_model(tmp_path):
    model = _torch_model()
    torch.save(model.state_dict(), tmp_path / "sd.pt")
    ours = _cltorch_model()
    ours.load_state_dict(cltorch.load(tmp_path / "sd.pt"))
    x = np.random.default_rng(1).standard_normal((7, 6)).astype(np.float32)
    with torch.no_grad():
        want = model(torch.from_numpy(x))
    assert_same(ours(cltorch.from_numpy(x)).detach(), want, what="outputs")


def test_torch_parameters_and_requires_grad_load():
    p = torch.nn.Parameter(torch.randn(2, 3))
    got = cltorch.load(_torch_bytes({"p": p, "r": torch.ones(2, requires_grad=True), "dtype": torch.float16,
                                     "dev": torch.device("cpu"), "size": torch.Size([4, 1])}))
    assert type(got["p"]) is cltorch.nn.Parameter and got["p"].requires_grad
    assert_same(got["p"].detach(), p.detach(), rtol=0, atol=0)
    assert got["r"].requires_grad and got["dtype"] is cltorch.float16
    assert got["dev"] == cltorch.device("cpu") and got["size"] == cltorch.Size([4, 1])


def test_torch_whole_model_loads_with_weights_only_false():
    model = _torch_model()
    data = _torch_bytes(model)
    with pytest.raises(Exception, match="Weights only load failed") as info:
        cltorch.load(data)
    assert "torch.nn.modules.container.Sequential" in str(info.value)
    data.seek(0)
    ours = cltorch.load(data, weights_only=False)
    assert type(ours) is cltorch.nn.Sequential and type(ours[0]) is cltorch.nn.Linear
    x = np.random.default_rng(2).standard_normal((3, 6)).astype(np.float32)
    with torch.no_grad():
        want = model(torch.from_numpy(x))
    assert_same(ours(cltorch.from_numpy(x)).detach(), want, what="outputs")


def test_torch_dtypes_cltorch_lacks_are_named():
    with pytest.raises(TypeError, match="bfloat16"):
        cltorch.load(_torch_bytes(torch.ones(2, dtype=torch.bfloat16)))


# -- cltorch.save -> torch.load ----------------------------------------------------------------
@pytest.mark.parametrize("zip_format", [True, False])
def test_cltorch_tensors_of_every_dtype_load_in_torch(tmp_path, zip_format):
    arrays = _arrays(3)
    ours = {name: make_tensor(cltorch, a) for name, a in arrays.items()}
    ours["strided"] = make_tensor(cltorch, arrays["float32"], "strided")
    ours["empty"] = cltorch.zeros(2, 0)
    ours["scalar"] = cltorch.tensor(7, dtype=cltorch.int64)
    cltorch.save(ours, tmp_path / "ours.pt", _use_new_zipfile_serialization=zip_format)
    theirs = torch.load(tmp_path / "ours.pt")  # weights_only=True: the file names nothing torch would refuse
    assert set(theirs) == set(ours)
    for name, t in theirs.items():
        assert isinstance(t, torch.Tensor)
        assert_same(ours[name], t, rtol=0, atol=0, what=name)
        assert t.stride() == ours[name].stride()


def test_cltorch_views_load_sharing_storage_in_torch(tmp_path):
    base = cltorch.arange(12, dtype=cltorch.float32).reshape(3, 4)
    cltorch.save({"base": base, "t": base.t(), "row": base[2]}, tmp_path / "views.pt")
    for kwargs in ({}, {"mmap": True}):  # mmap maps storages in place: it needs the 64-byte alignment
        theirs = torch.load(tmp_path / "views.pt", **kwargs)
        ptr = theirs["base"].untyped_storage().data_ptr()
        assert theirs["t"].untyped_storage().data_ptr() == ptr == theirs["row"].untyped_storage().data_ptr()
        assert theirs["row"].storage_offset() == 8
        theirs["base"].add_(1)
        np.testing.assert_array_equal(theirs["row"].numpy(), [9, 10, 11, 12])


def test_cltorch_state_dict_drives_the_matching_torch_model(tmp_path):
    cltorch.manual_seed(3)
    ours = _cltorch_model()
    cltorch.save(ours.state_dict(), tmp_path / "sd.pt")
    model = _torch_model()
    model.load_state_dict(torch.load(tmp_path / "sd.pt"))
    x = np.random.default_rng(4).standard_normal((5, 6)).astype(np.float32)
    with torch.no_grad():
        want = model(torch.from_numpy(x))
    assert_same(ours(cltorch.from_numpy(x)).detach(), want, what="outputs")


def test_cltorch_parameters_and_metadata_load_in_torch():
    p = cltorch.nn.Parameter(cltorch.randn(2, 2))
    theirs = torch.load(_cltorch_bytes({"p": p, "frozen": cltorch.nn.Parameter(cltorch.ones(1), False),
                                        "r": cltorch.ones(2, requires_grad=True), "dtype": cltorch.int16,
                                        "dev": cltorch.device("cpu"), "size": cltorch.Size([2, 5]),
                                        "nested": [(1, 2.0, "x", None, True, b"raw", {3})]}))
    assert type(theirs["p"]) is torch.nn.Parameter and theirs["p"].requires_grad
    np.testing.assert_array_equal(to_numpy(theirs["p"]), p.detach().numpy())
    assert type(theirs["frozen"]) is torch.nn.Parameter and not theirs["frozen"].requires_grad
    assert theirs["r"].requires_grad and theirs["dtype"] is torch.int16
    assert theirs["dev"] == torch.device("cpu") and theirs["size"] == torch.Size([2, 5])
    assert theirs["nested"] == [(1, 2.0, "x", None, True, b"raw", {3})]


def test_both_libraries_refuse_the_same_custom_class():
    data = _cltorch_bytes({"obj": harness.DT("float32")})
    with pytest.raises(Exception, match="Weights only load failed"):
        torch.load(data)
    data.seek(0)
    with pytest.raises(Exception, match="Weights only load failed"):
        cltorch.load(data)
