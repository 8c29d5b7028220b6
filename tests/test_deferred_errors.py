"""Deferred device-side errors: a bad cross_entropy target raises at the next sync, and a
training step with good targets never waits on the device."""
from __future__ import annotations

import numpy as np
import pytest
import torch as T

import cltorch as torch
import cltorch.nn.functional as F
from cltorch.backend.runtime import DeviceRuntime
from cltorch.utils.data import DataLoader, TensorDataset

_MESSAGE = r"Target out of bounds: expected class indices in \[0, 5\)"
_BLOCKING = ("download", "take_error", "synchronize")


@pytest.fixture
def blocking_reads(monkeypatch):
    """Counts of the runtime's blocking calls (download, take_error, synchronize) from here on."""
    calls = dict.fromkeys(_BLOCKING, 0)
    for name in _BLOCKING:
        real = getattr(DeviceRuntime, name)

        def counted(self, *args, _real=real, _name=name, **kwargs):
            calls[_name] += 1
            return _real(self, *args, **kwargs)
        monkeypatch.setattr(DeviceRuntime, name, counted)
    return calls


def _scores(requires_grad=False):
    rng = np.random.default_rng(0)
    return torch.tensor(rng.standard_normal((4, 5)).astype(np.float32), requires_grad=requires_grad)


@pytest.mark.parametrize("bad", [5, 7, -3])
def test_bad_target_raises_at_item_not_at_the_call(bad, blocking_reads):
    loss = F.cross_entropy(_scores(), torch.tensor([0, bad, 2, 1]))
    assert blocking_reads == dict.fromkeys(_BLOCKING, 0)  # nothing waited, nothing raised yet
    with pytest.raises(IndexError, match=_MESSAGE):
        loss.item()
    with pytest.raises(IndexError):  # torch raises for these targets too
        T.nn.functional.cross_entropy(T.zeros(4, 5), T.tensor([0, bad, 2, 1]))


def test_error_is_raised_once_and_cleared():
    x = _scores()
    with pytest.raises(IndexError, match=_MESSAGE):
        F.cross_entropy(x, torch.tensor([0, 9, 2, 1])).item()
    t = torch.tensor([0, 3, 2, 1])
    want = T.nn.functional.cross_entropy(T.tensor(x.numpy()), T.tensor(t.numpy())).item()
    assert F.cross_entropy(x, t).item() == pytest.approx(want, rel=1e-5)


def test_bad_target_raises_after_backward():
    x = _scores(requires_grad=True)
    with pytest.raises(IndexError, match=_MESSAGE):
        F.cross_entropy(x, torch.tensor([0, 1, 6, 1])).backward()
        x.grad.sum().item()


def test_bad_target_raises_at_synchronize():
    loss = F.cross_entropy(_scores(), torch.tensor([0, 1, 2, 5]))
    with pytest.raises(IndexError, match=_MESSAGE):
        torch.cuda.synchronize("cpu")
    loss.item()  # reported once; the value itself is meaningless
    loss = F.nll_loss(_scores(), torch.tensor([5, 1, 2, 0]), weight=torch.ones(5))
    with pytest.raises(IndexError, match=_MESSAGE):
        loss._runtime.synchronize()


def test_label_smoothing_with_weight_defers_too(blocking_reads):
    loss = F.cross_entropy(_scores(), torch.tensor([0, 1, 8, 1]), weight=torch.ones(5), label_smoothing=0.1)
    assert blocking_reads == dict.fromkeys(_BLOCKING, 0)
    with pytest.raises(IndexError, match=_MESSAGE):
        loss.tolist()


def test_deferred_and_immediate_checks_keep_their_own_errors():
    x = _scores()
    good = F.cross_entropy(x, torch.tensor([0, 1, 2, 3]))  # a pending check that passed
    with pytest.raises(RuntimeError, match="index is out of bounds for dimension 1 with size 5"):
        x.gather(1, torch.tensor([[7], [0], [0], [0]]))  # a direct call still raises at once
    assert np.isfinite(good.item())
    bad = F.cross_entropy(x, torch.tensor([0, 1, 2, 11]))
    with pytest.raises(IndexError, match=_MESSAGE):  # the earlier, deferred error surfaces first
        x.index_select(0, torch.tensor([0, 1]))
    assert np.isfinite(x.index_select(0, torch.tensor([0, 1])).sum().item())
    del bad


def test_backward_of_user_gather_and_index_select_does_not_wait(blocking_reads):
    x = _scores(requires_grad=True)
    y = x.gather(1, torch.tensor([[1], [0], [4], [4]])).sum() + x.index_select(1, torch.tensor([2, 2])).sum()
    calls = dict(blocking_reads)
    y.backward()
    assert blocking_reads == calls
    want = np.zeros((4, 5), np.float32)
    want[[0, 1, 2, 3], [1, 0, 4, 4]] += 1
    want[:, 2] += 2
    np.testing.assert_array_equal(x.grad.numpy(), want)


def _mlp(lib):
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Linear(12, 16), lib.nn.ReLU(), lib.nn.Linear(16, 5))


def test_training_step_with_good_targets_never_waits(blocking_reads):
    rng = np.random.default_rng(1)
    xs = rng.standard_normal((40, 12)).astype(np.float32)
    ys = rng.integers(0, 5, 40)
    ours, theirs = _mlp(torch), _mlp(T)
    theirs.load_state_dict({k: T.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    losses = {}
    before = dict(blocking_reads)
    for lib, model in ((torch, ours), (T, theirs)):
        opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        data = TensorDataset(torch.tensor(xs), torch.tensor(ys)) if lib is torch else None
        batches = DataLoader(data, batch_size=16) if lib is torch else [
            (T.tensor(xs[i:i + 16]), T.tensor(ys[i:i + 16])) for i in range(0, 40, 16)]
        for bx, by in batches:
            loss = lib.nn.functional.cross_entropy(model(bx), by)
            opt.zero_grad()
            loss.backward()
            opt.step()
        if lib is torch:
            assert blocking_reads == before
        losses[lib] = loss.item()
    assert losses[torch] == pytest.approx(losses[T], rel=1e-4)
