"""cltorch.utils.data and cltorch.vision against torch.utils.data and torch's resampling.

Orders drawn from generators are not compared (the generators differ); batch
shapes, dtypes, collate structure, lengths and errors are.
"""
from __future__ import annotations

import collections

import harness  # noqa: F401  (skips this module when torch is missing)
import numpy as np
import pytest
import torch
import torch.utils.data as tud

import cltorch
import cltorch.utils.data as cud
from cltorch.vision.transforms import functional as VF

Pair = collections.namedtuple("Pair", "a b")


class Samples:
    """The same host samples for both libraries: arrays, numbers, strings, dicts, namedtuples."""

    def __init__(self, n=7):
        rng = np.random.default_rng(0)
        self.x = rng.standard_normal((n, 2, 3)).astype(np.float32)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return {"img": self.x[i], "label": int(i), "w": float(i) / 2, "ok": bool(i % 2), "name": f"s{i}",
                "pair": Pair(np.int16(i), [i, i + 1])}


def _structure(batch):
    """Types, shapes and dtypes of a collated batch, named alike for both libraries."""
    if hasattr(batch, "shape") and hasattr(batch, "dtype"):
        return ("tensor", tuple(batch.shape), str(batch.dtype).split(".")[-1], np.asarray(batch.tolist()).tolist())
    if isinstance(batch, dict):
        return {k: _structure(v) for k, v in batch.items()}
    if isinstance(batch, tuple) and hasattr(batch, "_fields"):
        return (type(batch).__name__,) + tuple(_structure(v) for v in batch)
    if isinstance(batch, (list, tuple)):
        return (type(batch).__name__, [_structure(v) for v in batch])
    return batch


@pytest.mark.parametrize("kw", [dict(batch_size=3), dict(batch_size=3, drop_last=True), dict(batch_size=None),
                                dict(batch_size=7)])
def test_loader_batches_match_torch(kw):
    ours = list(cud.DataLoader(Samples(), **kw))
    theirs = list(tud.DataLoader(Samples(), **kw))
    assert len(cud.DataLoader(Samples(), **kw)) == len(tud.DataLoader(Samples(), **kw)) == len(theirs)
    assert [_structure(b) for b in ours] == [_structure(b) for b in theirs]


def test_tensor_dataset_batches_match_torch():
    x = np.arange(30, dtype=np.float32).reshape(10, 3)
    y = np.arange(10)
    ours = list(cud.DataLoader(cud.TensorDataset(cltorch.from_numpy(x), cltorch.from_numpy(y)), batch_size=4))
    theirs = list(tud.DataLoader(tud.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=4))
    assert [_structure(b) for b in ours] == [_structure(b) for b in theirs]


def test_collate_and_convert_match_torch():
    batch = [(1, 2.0, "a", (np.float64(3), [True])), (4, 5.0, "b", (np.float64(6), [False]))]
    assert _structure(cud.default_collate(batch)) == _structure(tud.default_collate(batch))
    data = {"a": np.arange(3), "b": (np.int8(1), "s")}
    assert _structure(cud.default_convert(data)) == _structure(tud.default_convert(data))


@pytest.mark.parametrize("kw", [dict(num_workers=-1), dict(timeout=-1), dict(prefetch_factor=2),
                                dict(persistent_workers=True), dict(batch_size=None, drop_last=True),
                                dict(shuffle=True, sampler=[0, 1])])
def test_loader_option_errors_match_torch(kw):
    with pytest.raises(ValueError) as theirs:
        tud.DataLoader(Samples(), **kw)
    with pytest.raises(ValueError) as ours:
        cud.DataLoader(Samples(), **kw)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("lengths", [[0.5, 0.3, 0.2], [0.34, 0.33, 0.33], [0.1] * 10, [3, 8]])
def test_random_split_sizes_match_torch(lengths):
    ours = [len(s) for s in cud.random_split(list(range(11)), lengths)]
    theirs = [len(s) for s in tud.random_split(list(range(11)), lengths)]
    assert ours == theirs


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "nearest-exact"])
@pytest.mark.parametrize("size", [(5, 6), (17, 3)])
def test_resize_matches_interpolate(mode, size):
    x = np.random.default_rng(1).standard_normal((2, 3, 9, 11)).astype(np.float32)
    ours = VF.resize(cltorch.from_numpy(x), list(size), interpolation=VF.InterpolationMode(mode)).numpy()
    kw = {"align_corners": False} if mode == "bilinear" else {}
    theirs = torch.nn.functional.interpolate(torch.from_numpy(x), size=size, mode=mode, **kw).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_rotate_matches_grid_sample(mode):
    x = np.random.default_rng(2).standard_normal((1, 2, 8, 10)).astype(np.float32)
    matrix = VF.inverse_affine_matrix([0.0, 0.0], -25.0, [0.0, 0.0], 1.0, [0.0, 0.0])
    h, w = 8, 10
    ys, xs = np.meshgrid(np.arange(h) - (h - 1) / 2, np.arange(w) - (w - 1) / 2, indexing="ij")
    sx = matrix[0] * xs + matrix[1] * ys + matrix[2]
    sy = matrix[3] * xs + matrix[4] * ys + matrix[5]
    grid = np.stack([sx / (0.5 * w), sy / (0.5 * h)], axis=-1)[None].astype(np.float32)
    theirs = torch.nn.functional.grid_sample(torch.from_numpy(x), torch.from_numpy(grid), mode=mode,
                                             padding_mode="zeros", align_corners=False).numpy()
    ours = VF.rotate(cltorch.from_numpy(x), 25.0, interpolation=VF.InterpolationMode(mode)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)
