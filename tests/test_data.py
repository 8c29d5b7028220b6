"""cltorch.utils.data: datasets, random_split, samplers and collation (no DataLoader iteration here)."""
from __future__ import annotations

import collections

import numpy as np
import pytest

import cltorch
from cltorch.utils.data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    StackDataset,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    default_convert,
    random_split,
)
from cltorch.utils.data._utils.collate import TensorBatch
from cltorch.utils.data._utils.staging import StagedTensor


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return i * i


class Count(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def test_module_layout_mirrors_torch():
    from cltorch.utils.data.dataloader import DataLoader
    from cltorch.utils.data.dataset import TensorDataset as TD
    from cltorch.utils.data.sampler import RandomSampler as RS
    assert DataLoader is cltorch.utils.data.DataLoader and TD is TensorDataset and RS is RandomSampler


def test_tensor_dataset_items_and_size_check():
    x = cltorch.arange(12).reshape(6, 2)
    y = cltorch.arange(6) * 10
    ds = TensorDataset(x, y)
    assert len(ds) == 6
    a, b = ds[4]
    assert a.tolist() == [8, 9] and b.item() == 40
    a, b = ds[-1]
    assert a.tolist() == [10, 11]
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(x, cltorch.arange(5))


@pytest.mark.parametrize("n", [1, 7, 1023])
def test_tensor_dataset_getitems_gathers_batches(n):
    rng = np.random.default_rng(n)
    xs = rng.standard_normal((n, 3, 5)).astype(np.float32)
    ys = rng.integers(0, 9, n)
    x = cltorch.from_numpy(xs)
    y = cltorch.from_numpy(ys)
    idx = rng.integers(-n, n, 11).tolist()
    batch = TensorDataset(x, y).__getitems__(idx)
    assert isinstance(batch, TensorBatch) and len(batch) == 11
    np.testing.assert_array_equal(batch.columns[0].numpy(), xs[idx])
    np.testing.assert_array_equal(batch.columns[1].numpy(), ys[idx])
    s0 = batch[3]
    np.testing.assert_array_equal(s0[0].numpy(), xs[idx[3]])
    with pytest.raises(IndexError, match="out of bounds"):
        TensorDataset(x, y).__getitems__([n])


def test_tensor_dataset_non_contiguous_and_byte_rows():
    base = cltorch.from_numpy(np.arange(60, dtype=np.float32).reshape(6, 10))
    view = base.t()  # (10, 6), rows strided
    bytes_ = cltorch.from_numpy(np.arange(30, dtype=np.uint8).reshape(10, 3))
    b = TensorDataset(view, bytes_).__getitems__([9, 0, 3])
    np.testing.assert_array_equal(b.columns[0].numpy(), base.numpy().T[[9, 0, 3]])
    np.testing.assert_array_equal(b.columns[1].numpy(), np.arange(30, dtype=np.uint8).reshape(10, 3)[[9, 0, 3]])


def test_tensor_dataset_gather_keeps_autograd():
    w = cltorch.ones(4, 2, requires_grad=True)
    b = TensorDataset(w).__getitems__([1, 1, 3])
    b.columns[0].sum().backward()
    assert w.grad.tolist() == [[0, 0], [2, 2], [0, 0], [1, 1]]


def test_concat_subset_stack_chain():
    a, b = Squares(3), Squares(4)
    c = a + b
    assert isinstance(c, ConcatDataset) and len(c) == 7 and c.cumulative_sizes == [3, 7]
    assert [c[i] for i in range(7)] == [0, 1, 4, 0, 1, 4, 9] and c[-1] == 9
    with pytest.raises(ValueError, match="absolute value of index"):
        c[-8]
    with pytest.raises(AssertionError):
        ConcatDataset([])
    with pytest.raises(AssertionError, match="IterableDataset"):
        ConcatDataset([Count(2)])
    s = Subset(b, [3, 1])
    assert len(s) == 2 and s[0] == 9 and s.__getitems__([1, 0]) == [1, 9]
    st = StackDataset(a, Squares(3))
    assert st[2] == (4, 4)
    assert StackDataset(p=a, q=a)[1] == {"p": 1, "q": 1}
    with pytest.raises(ValueError, match="Size mismatch between datasets"):
        StackDataset(a, b)
    ch = Count(2) + Count(3)
    assert isinstance(ch, ChainDataset) and list(ch) == [0, 1, 0, 1, 2] and len(ch) == 5


def test_subset_of_tensor_dataset_gathers_through_indices():
    x = cltorch.arange(20).reshape(10, 2)
    s = Subset(TensorDataset(x), [9, 2, 5])
    b = s.__getitems__([2, 0])
    assert b.columns[0].tolist() == [[10, 11], [18, 19]]
    b = s._cltorch_gather(cltorch.tensor([1, 2]))
    assert b.columns[0].tolist() == [[4, 5], [10, 11]]


def test_random_split_lengths_fractions_and_generator(restore_rng):
    ds = Squares(10)
    parts = random_split(ds, [3, 7], generator=cltorch.Generator().manual_seed(1))
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))
    again = random_split(ds, [3, 7], generator=cltorch.Generator().manual_seed(1))
    assert again[0].indices == parts[0].indices
    # fractions: floor, then the remainder one by one from the first split (torch's rule)
    assert [len(p) for p in random_split(Squares(11), [0.5, 0.3, 0.2])] == [6, 3, 2]
    assert [len(p) for p in random_split(Squares(10), [0.34, 0.33, 0.33])] == [4, 3, 3]
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        random_split(Squares(2), [1.0, 0.0])
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(ds, [3, 3])
    with pytest.raises(ValueError, match="Fraction at index 0 is not between 0 and 1"):
        random_split(ds, [-0.5, 1.5])


def test_sequential_and_random_samplers(restore_rng):
    ds = Squares(9)
    assert list(SequentialSampler(ds)) == list(range(9))
    cltorch.manual_seed(3)
    first = list(RandomSampler(ds))
    cltorch.manual_seed(3)
    assert list(RandomSampler(ds)) == first and sorted(first) == list(range(9))
    g = cltorch.Generator().manual_seed(5)
    s = RandomSampler(ds, generator=g)
    e1, e2 = list(s), list(s)
    assert sorted(e1) == sorted(e2) == list(range(9)) and e1 != e2
    more = list(RandomSampler(ds, num_samples=20))
    assert len(more) == 20 and sorted(more[:18]) == sorted(list(range(9)) * 2)
    rep = list(RandomSampler(ds, replacement=True, num_samples=50))
    assert len(rep) == 50 and all(0 <= i < 9 for i in rep)
    with pytest.raises(TypeError, match="replacement should be a boolean value"):
        RandomSampler(ds, replacement=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        RandomSampler(ds, num_samples=0)


def test_subset_random_and_weighted_samplers(restore_rng):
    cltorch.manual_seed(0)
    got = list(SubsetRandomSampler([10, 20, 30]))
    assert sorted(got) == [10, 20, 30]
    w = WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 400)
    draws = np.array(list(w))
    assert len(draws) == 400 and set(draws.tolist()) <= {1, 3}
    assert 0.6 < (draws == 3).mean() < 0.9
    no_rep = list(WeightedRandomSampler([1.0, 5.0, 0.0, 2.0], 3, replacement=False))
    assert sorted(no_rep) == [0, 1, 3]
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        WeightedRandomSampler([1.0], 0)
    with pytest.raises(ValueError, match="replacement should be a boolean"):
        WeightedRandomSampler([1.0], 1, replacement=None)
    with pytest.raises(ValueError, match="weights should be a 1d sequence"):
        WeightedRandomSampler([[1.0]], 1)


def test_batch_sampler():
    s = SequentialSampler(range(7))
    assert list(BatchSampler(s, 3, False)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(BatchSampler(s, 3, True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(BatchSampler(s, 3, False)) == 3 and len(BatchSampler(s, 3, True)) == 2
    with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
        BatchSampler(s, 0, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean value"):
        BatchSampler(s, 2, 1)
    order = list(BatchSampler(s, 3, False)._device_batches("cpu"))
    assert [b.tolist() for b in order] == [[0, 1, 2], [3, 4, 5], [6]]


Point = collections.namedtuple("Point", "x y")


def test_default_collate_structures():
    out = default_collate([(1, 2.5, True, "a"), (3, 4.5, False, "b")])
    assert isinstance(out, list) and len(out) == 4
    assert out[0].dtype is cltorch.int64 and out[0].tolist() == [1, 3]
    assert out[1].dtype is cltorch.float64 and out[1].tolist() == [2.5, 4.5]
    assert out[2].dtype is cltorch.bool and out[2].tolist() == [True, False]
    assert out[3] == ("a", "b")
    d = default_collate([{"a": np.ones((2, 3), np.float32), "b": np.int32(4)},
                         {"a": np.zeros((2, 3), np.float32), "b": np.int32(5)}])
    assert d["a"].shape == (2, 2, 3) and d["a"].dtype is cltorch.float32 and d["a"].sum().item() == 6
    assert d["b"].dtype is cltorch.int32 and d["b"].tolist() == [4, 5]
    p = default_collate([Point(1, [2, 3]), Point(4, [5, 6])])
    assert isinstance(p, Point) and p.x.tolist() == [1, 4] and [t.tolist() for t in p.y] == [[2, 5], [3, 6]]
    t = default_collate([cltorch.ones(2), cltorch.zeros(2)])
    assert t.tolist() == [[1, 1], [0, 0]]
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([np.array(["x"]), np.array(["y"])])


def test_default_collate_results_are_plain_tensors_and_one_upload(monkeypatch):
    from cltorch.backend.runtime import DeviceRuntime
    calls = []
    original = DeviceRuntime.upload

    def counting(self, *a, **k):
        calls.append(1)
        return original(self, *a, **k)

    monkeypatch.setattr(DeviceRuntime, "upload", counting)
    batch = [(np.full((2, 2), i, np.uint8), i, float(i)) for i in range(5)]
    x, y, z = default_collate(batch)
    assert len(calls) == 1
    assert type(x) is cltorch.Tensor and type(y) is cltorch.Tensor
    assert x[:, 0, 0].tolist() == [0, 1, 2, 3, 4] and y.tolist() == [0, 1, 2, 3, 4] and z.dtype is cltorch.float64


def test_default_convert():
    out = default_convert({"a": np.arange(3), "b": (1, "s"), "c": np.float32(2)})
    assert isinstance(out["a"], cltorch.Tensor) and out["a"].tolist() == [0, 1, 2]
    assert out["b"] == [1, "s"]
    assert out["c"].dtype is cltorch.float32
    t = cltorch.ones(2)
    assert default_convert(t) is t
    strs = np.array(["a"])
    assert default_convert(strs) is strs


def test_staged_tensor_is_lazy_and_pickles_on_host():
    import pickle
    raw = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    t = StagedTensor(raw, cltorch.float32, perm=(2, 0, 1), mode=1, factor=255)
    assert t.is_staged and t.shape == (4, 2, 3) and t.dtype is cltorch.float32
    back = pickle.loads(pickle.dumps(t))
    assert isinstance(back, StagedTensor) and back.is_staged
    np.testing.assert_allclose(back.numpy(), raw.transpose(2, 0, 1).astype(np.float32) / 255, rtol=1e-6)
    assert (t + 1).shape == (4, 2, 3) and not t.is_staged
