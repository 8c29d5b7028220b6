"""cltorch.utils.data.DataLoader: batching, options and their errors, shuffling, workers, per-batch cost."""
from __future__ import annotations

import numpy as np
import pytest

import cltorch
from cltorch.utils.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    IterableDataset,
    SequentialSampler,
    Subset,
    TensorDataset,
    get_worker_info,
)
from cltorch.utils.data._utils.worker import WorkerOpenCLError


class CustomDataset(Dataset):
    """The seed program's dataset: a tensor per sample, built from Python lists."""

    def __init__(self):
        self.x_data = [[73, 80, 75], [93, 88, 93], [89, 91, 90], [96, 98, 100], [73, 66, 70]]
        self.y_data = [[152], [185], [180], [196], [142]]

    def __len__(self):
        return len(self.x_data)

    def __getitem__(self, idx):
        return cltorch.FloatTensor(self.x_data[idx]), cltorch.FloatTensor(self.y_data[idx])


class HostPairs(Dataset):
    """Host samples (NumPy row, int label): what worker processes may return."""

    def __init__(self, n):
        self.x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], int(i)


class Shards(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        start, step = (info.id, info.num_workers) if info is not None else (0, 1)
        return iter(range(start, self.n, step))

    def __len__(self):
        return self.n


def test_seed_custom_dataset_block(restore_rng):
    dataloader = DataLoader(CustomDataset(), batch_size=2, shuffle=True)
    seen = []
    for batch_idx, samples in enumerate(dataloader):
        x_train, y_train = samples
        assert x_train.dtype is cltorch.float32 and x_train.dim() == 2 and x_train.shape[1] == 3
        assert y_train.shape == (x_train.shape[0], 1)
        seen += [(tuple(r), y[0]) for r, y in zip(x_train.tolist(), y_train.tolist())]
        assert batch_idx < 3
    assert sorted(seen) == sorted((tuple(map(float, x)), float(y[0])) for x, y in
                                  zip(CustomDataset().x_data, CustomDataset().y_data))
    assert len(dataloader) == 3


def test_len_and_drop_last():
    ds = HostPairs(10)
    assert len(DataLoader(ds, batch_size=4)) == 3
    assert len(DataLoader(ds, batch_size=4, drop_last=True)) == 2
    shapes = [x.shape[0] for x, _ in DataLoader(ds, batch_size=4, drop_last=True)]
    assert shapes == [4, 4]
    assert [x.shape[0] for x, _ in DataLoader(ds, batch_size=4)] == [4, 4, 2]
    assert len(DataLoader(Shards(10), batch_size=4)) == 3
    assert len(DataLoader(Shards(10), batch_size=4, drop_last=True)) == 2


def test_batches_and_dataset_attribute():
    ds = HostPairs(5)
    loader = DataLoader(ds, batch_size=2)
    assert loader.dataset is ds
    batches = list(loader)
    x, y = batches[0]
    assert x.dtype is cltorch.float32 and x.tolist() == [[0, 1, 2], [3, 4, 5]]
    assert y.dtype is cltorch.int64 and y.tolist() == [0, 1]
    single = list(DataLoader(ds, batch_size=None))
    assert len(single) == 5 and single[1][0].tolist() == [3, 4, 5] and single[1][1] == 1


def test_option_errors_match_torch():
    ds = HostPairs(4)
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(ValueError, match="timeout option should be non-negative"):
        DataLoader(ds, timeout=-1)
    with pytest.raises(ValueError, match="prefetch_factor option could only be specified in multiprocessing"):
        DataLoader(ds, prefetch_factor=2)
    with pytest.raises(ValueError, match="persistent_workers option needs num_workers > 0"):
        DataLoader(ds, persistent_workers=True)
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(ds, sampler=SequentialSampler(ds), shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_sampler=BatchSampler(SequentialSampler(ds), 2, False), batch_size=2)
    with pytest.raises(ValueError, match="batch_size=None option disables auto-batching"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(Shards(3), shuffle=True)
    with pytest.raises(ValueError, match="expected unspecified sampler option"):
        DataLoader(Shards(3), sampler=[0])
    with pytest.raises(ValueError, match="multiprocessing_context can only be used"):
        DataLoader(ds, multiprocessing_context="fork")
    loader = DataLoader(ds)
    with pytest.raises(ValueError, match="batch_size attribute should not be set after DataLoader is initialized"):
        loader.batch_size = 3


def test_batch_sampler_and_sampler_options():
    ds = HostPairs(6)
    bs = BatchSampler(SequentialSampler(ds), 4, False)
    got = [y.tolist() for _, y in DataLoader(ds, batch_sampler=bs)]
    assert got == [[0, 1, 2, 3], [4, 5]]
    got = [y.tolist() for _, y in DataLoader(ds, sampler=[5, 0, 2], batch_size=2)]
    assert got == [[5, 0], [2]]


def test_shuffle_reproducible_with_seed_and_generator(restore_rng):
    ds = HostPairs(20)

    def order(**kw):
        return sum((y.tolist() for _, y in DataLoader(ds, batch_size=6, shuffle=True, **kw)), [])

    cltorch.manual_seed(7)
    a = order()
    cltorch.manual_seed(7)
    b = order()
    assert a == b and sorted(a) == list(range(20)) and a != list(range(20))
    g1, g2 = cltorch.Generator().manual_seed(11), cltorch.Generator().manual_seed(11)
    assert order(generator=g1) == order(generator=g2)


def test_tensor_dataset_fast_path_matches_sampler_order(restore_rng):
    x = cltorch.from_numpy(np.arange(46, dtype=np.float32).reshape(23, 2))
    y = cltorch.arange(23)
    ds = TensorDataset(x, y)
    g = cltorch.Generator().manual_seed(3)
    fast = [b for _, b in DataLoader(ds, batch_size=5, shuffle=True, generator=g, drop_last=True)]

    class Generic(TensorDataset):
        _cltorch_device = None  # no device-side batches: the sampler's host indices, uploaded per batch

    g = cltorch.Generator().manual_seed(3)
    slow = [b for _, b in DataLoader(Generic(x, y), batch_size=5, shuffle=True, generator=g, drop_last=True)]
    assert len(fast) == 4 and [b.tolist() for b in fast] == [b.tolist() for b in slow]
    assert sorted(sum((b.tolist() for b in fast), [])) != list(range(20))
    xs = [a for a, _ in DataLoader(Subset(ds, list(range(10, 23))), batch_size=4)]
    assert xs[0].tolist() == [[20, 21], [22, 23], [24, 25], [26, 27]] and xs[-1].shape == (1, 2)


def _count_commands(monkeypatch):
    from cltorch.backend.runtime import DeviceRuntime
    counts = {"upload": 0, "launch": 0}
    for name in counts:
        original = getattr(DeviceRuntime, name)

        def wrapper(self, *a, _orig=original, _name=name, **k):
            counts[_name] += 1
            return _orig(self, *a, **k)
        monkeypatch.setattr(DeviceRuntime, name, wrapper)
    return counts


def test_tensor_dataset_epoch_costs_one_kernel_per_batch(monkeypatch):
    ds = TensorDataset(cltorch.randn(64, 7), cltorch.randint(0, 3, (64,)))
    loader = DataLoader(ds, batch_size=8, shuffle=True)
    list(loader)
    counts = _count_commands(monkeypatch)
    list(loader)
    assert counts["upload"] == 0
    assert counts["launch"] <= 8 + 2  # one gather per batch, plus drawing the permutation


def test_host_dataset_costs_one_upload_per_batch(monkeypatch):
    loader = DataLoader(HostPairs(32), batch_size=8)
    list(loader)
    counts = _count_commands(monkeypatch)
    list(loader)
    assert counts["upload"] == 4 and counts["launch"] == 0


def test_workers_match_single_process_and_seed_workers():
    ds = HostPairs(37)
    ref = [(x.tolist(), y.tolist()) for x, y in DataLoader(ds, batch_size=5)]
    seen = []

    def init(worker_id):
        info = get_worker_info()
        assert info.id == worker_id and info.num_workers == 2 and info.dataset is not None

    got = [(x.tolist(), y.tolist()) for x, y in DataLoader(ds, batch_size=5, num_workers=2, worker_init_fn=init)]
    assert got == ref
    loader = DataLoader(ds, batch_size=10, num_workers=2, persistent_workers=True, prefetch_factor=1)
    for _ in range(2):
        seen.append([v for _, y in loader for v in y.tolist()])
    assert seen[0] == seen[1] == list(range(37))
    assert get_worker_info() is None


def test_iterable_dataset_sharded_across_workers():
    got = [b.tolist() for b in DataLoader(Shards(10), batch_size=3, num_workers=2)]
    assert got == [[0, 2, 4], [1, 3, 5], [6, 8], [7, 9]]
    assert [b.tolist() for b in DataLoader(Shards(5), batch_size=2)] == [[0, 1], [2, 3], [4]]


def test_worker_touching_opencl_gets_a_clear_error():
    with pytest.raises(WorkerOpenCLError, match="never touch OpenCL"):
        list(DataLoader(CustomDataset(), batch_size=2, num_workers=2))


def test_worker_exception_is_reraised_with_origin():
    class Broken(HostPairs):
        def __getitem__(self, i):
            if i == 3:
                raise KeyError("missing sample")
            return super().__getitem__(i)

    with pytest.raises(KeyError, match="in DataLoader worker process"):
        list(DataLoader(Broken(6), batch_size=2, num_workers=2))


def test_device_backed_dataset_with_workers_gathers_in_main_process():
    ds = TensorDataset(cltorch.arange(12).reshape(6, 2))
    got = [b[0].tolist() for b in DataLoader(ds, batch_size=4, num_workers=2)]
    assert got == [[[0, 1], [2, 3], [4, 5], [6, 7]], [[8, 9], [10, 11]]]
