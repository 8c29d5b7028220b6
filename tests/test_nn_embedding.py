"""Embedding and EmbeddingBag (functional and modules) against real torch, forward and backward."""
import numpy as np
import pytest
import torch as T

import cltorch as torch
import cltorch.nn as nn
import cltorch.nn.functional as F
from cltorch.autograd import gradcheck

RNG = np.random.default_rng(7)


def both(arr, dtype=None, grad=False):
    """The same values as a torch and a cltorch tensor."""
    t, c = T.tensor(arr, dtype=dtype and getattr(T, dtype)), torch.tensor(arr, dtype=dtype and getattr(torch, dtype))
    if grad:
        t.requires_grad_(True)
        c.requires_grad_(True)
    return t, c


def close(c, t, rtol=1e-5, atol=1e-6):
    assert tuple(c.shape) == tuple(t.shape)
    assert str(c.dtype).split(".")[1] == str(t.dtype).split(".")[1]
    np.testing.assert_allclose(c.detach().numpy() if isinstance(c, T.Tensor) else c.numpy(force=True),
                               t.detach().numpy(), rtol=rtol, atol=atol)


def run(fn, weight, index, grad_dtype=np.float32, **kw):
    """fn(lib, weight, index, **kw) in both libraries: output and weight grad under one random upstream."""
    (tw, cw), (ti, ci) = both(weight, grad=True), both(index)
    t_out, c_out = fn(T, tw, ti, **kw), fn(torch, cw, ci, **kw)
    close(c_out, t_out)
    up = RNG.standard_normal(tuple(t_out.shape)).astype(grad_dtype)
    t_out.backward(T.tensor(up))
    c_out.backward(torch.tensor(up))
    close(cw.grad, tw.grad, rtol=1e-5, atol=1e-5)
    return cw, tw


# -- F.embedding ---------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 7), (), (0,), (2, 0)])
def test_embedding_shapes_and_repeats(shape):
    w = RNG.standard_normal((10, 3)).astype(np.float32)
    idx = RNG.integers(0, 4, shape)  # only 4 distinct rows: many repeats, whose gradients sum
    run(lambda L, w, i: L.nn.functional.embedding(i, w), w, idx)


@pytest.mark.parametrize("kw", [dict(padding_idx=2), dict(padding_idx=-1), dict(scale_grad_by_freq=True),
                                dict(padding_idx=0, scale_grad_by_freq=True)])
def test_embedding_options(kw):
    w = RNG.standard_normal((10, 5)).astype(np.float32)
    idx = RNG.integers(0, 10, (6, 9))
    idx[0, :3] = 9
    idx[1, :4] = 2
    idx[2, 0] = 0
    cw, _ = run(lambda L, w, i: L.nn.functional.embedding(i, w, **kw), w, idx)
    pad = kw.get("padding_idx")
    if pad is not None:
        assert not cw.grad[pad].abs().sum().item()


def test_embedding_int32_index_noncontiguous_and_float64():
    w = RNG.standard_normal((12, 4))
    idx = RNG.integers(0, 12, (5, 6)).astype(np.int32)
    run(lambda L, w, i: L.nn.functional.embedding(i.t(), w.t()), w.T.copy(), idx, grad_dtype=np.float64)
    run(lambda L, w, i: L.nn.functional.embedding(i[:, ::2], w[::2]), w, idx // 2, grad_dtype=np.float64)


def test_embedding_large_vocab_repeats_deterministic():
    V, D, N = 2000, 16, 4096
    w = RNG.standard_normal((V, D)).astype(np.float32)
    idx = RNG.integers(0, 50, N)  # heavy repetition
    cw, _ = run(lambda L, w, i: L.nn.functional.embedding(i, w), w, idx)
    grads = []
    for _ in range(2):
        cw.grad = None
        out = F.embedding(torch.tensor(idx), cw)
        out.backward(torch.ones_like(out))
        grads.append(cw.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])
    counts = np.bincount(idx, minlength=V).astype(np.float32)
    np.testing.assert_array_equal(grads[0], np.repeat(counts[:, None], D, 1))


def test_embedding_out_of_range_raises_index_error():
    w = torch.randn(10, 3)
    for bad in ([1, 10], [-1, 2], [[3, 4], [5, 100]]):
        with pytest.raises(IndexError, match="index out of range in self"):
            F.embedding(torch.tensor(bad), w)
        with pytest.raises(IndexError):
            T.nn.functional.embedding(T.tensor(bad), T.randn(10, 3))
    np.testing.assert_array_equal(F.embedding(torch.tensor([9]), w).numpy(), w[9:].numpy())  # flag cleared


def test_embedding_argument_errors():
    w = torch.randn(10, 3)
    with pytest.raises(RuntimeError, match="Long, Int"):
        F.embedding(torch.tensor([1.0]), w)
    with pytest.raises(RuntimeError, match="2-D"):
        F.embedding(torch.tensor([1]), torch.randn(10))
    with pytest.raises(AssertionError, match="Padding_idx"):
        F.embedding(torch.tensor([1]), w, padding_idx=10)
    with pytest.raises(AssertionError, match="Padding_idx"):
        nn.Embedding(10, 3, padding_idx=-11)
    with pytest.raises(AssertionError, match="2-dimensional"):
        nn.Embedding.from_pretrained(torch.randn(3))
    with pytest.raises(AssertionError, match="Shape of weight"):
        nn.Embedding(10, 3, _weight=torch.randn(3, 3))


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
def test_embedding_max_norm_renormalises_in_place(norm_type):
    w = (RNG.standard_normal((8, 4)) * 2).astype(np.float32)
    idx = np.array([[1, 3, 1], [5, 3, 7]])
    cw, tw = run(lambda L, w, i: L.nn.functional.embedding(i, w, max_norm=1.5, norm_type=norm_type), w, idx)
    close(cw, tw)  # referenced rows scaled in place, the others untouched
    assert cw._version > 0 and not np.allclose(cw.detach().numpy(), w)


def test_embedding_gradcheck_and_double_backward():
    w = torch.tensor(RNG.standard_normal((6, 3)), requires_grad=True)
    idx = torch.tensor([[0, 2, 2], [5, 0, 2]])
    assert gradcheck(lambda w: F.embedding(idx, w), (w,))
    res = {}
    for lib in (T, torch):
        x = lib.tensor(w.detach().numpy(), requires_grad=True)
        y = lib.nn.functional.embedding(lib.tensor(idx.numpy()), x * x, padding_idx=0).pow(2).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (g * g).sum().backward()
        res[lib] = x.grad.detach().numpy() if lib is T else x.grad.numpy()
    np.testing.assert_allclose(res[torch], res[T], rtol=1e-9)


# -- nn.Embedding --------------------------------------------------------------------------
def test_embedding_module_init_repr_and_sgd(restore_rng):
    torch.manual_seed(0)
    e = nn.Embedding(50, 8, padding_idx=-1)
    assert e.padding_idx == 49 and not e.weight[49].abs().sum().item()
    assert abs(e.weight.mean().item()) < 0.2 and 0.8 < e.weight.std().item() < 1.2
    for args, kw in [((10, 3), {}), ((10, 3), dict(padding_idx=0)),
                     ((10, 3), dict(padding_idx=-1, max_norm=1.0, scale_grad_by_freq=True, sparse=True)),
                     ((10, 3), dict(norm_type=1.0))]:
        assert repr(nn.Embedding(*args, **kw)) == repr(T.nn.Embedding(*args, **kw))
    pad_row = e.weight[49].detach().numpy().copy()
    opt = torch.optim.SGD(e.parameters(), lr=0.5)
    for _ in range(3):
        opt.zero_grad()
        e(torch.tensor([[49, 3, 49], [1, 49, 2]])).pow(2).sum().backward()
        opt.step()
    np.testing.assert_array_equal(e.weight[49].detach().numpy(), pad_row)


def test_from_pretrained_freeze_and_copy():
    vecs = RNG.standard_normal((7, 4)).astype(np.float32)
    frozen = nn.Embedding.from_pretrained(torch.tensor(vecs))
    assert not frozen.weight.requires_grad
    out = frozen(torch.tensor([1, 6]))
    assert not out.requires_grad
    np.testing.assert_array_equal(out.numpy(), vecs[[1, 6]])
    trainable = nn.Embedding.from_pretrained(torch.tensor(vecs), freeze=False, padding_idx=2)
    assert trainable.weight.requires_grad and trainable.padding_idx == 2
    assert repr(trainable) == repr(T.nn.Embedding.from_pretrained(T.tensor(vecs), freeze=False, padding_idx=2))
    trainable(torch.tensor([2, 2, 3])).sum().backward()
    np.testing.assert_array_equal(trainable.weight.grad.numpy()[[2, 3]], [[0] * 4, [1] * 4])
    e = nn.Embedding(7, 4)
    e.weight.data.copy_(torch.tensor(vecs))
    np.testing.assert_array_equal(e(torch.tensor([[0, 5]])).detach().numpy(), vecs[[[0, 5]]])
    assert e.weight.requires_grad and e.weight.is_leaf


# -- embedding_bag -------------------------------------------------------------------------
BAGS = [
    dict(mode="sum"), dict(mode="mean"), dict(mode="max"),
    dict(mode="mean", padding_idx=2), dict(mode="max", padding_idx=-3), dict(mode="sum", include_last_offset=True),
    dict(mode="mean", include_last_offset=True, padding_idx=0), dict(mode="max", include_last_offset=True),
]
IDX = np.array([1, 2, 2, 5, 4, 3, 2, 7, 7, 0, 9])
OFFSETS = np.array([0, 2, 2, 5, 10])  # an empty bag, a bag of one, repeats across bags


@pytest.mark.parametrize("kw", BAGS)
def test_embedding_bag_offsets(kw):
    w = RNG.standard_normal((10, 4)).astype(np.float32)
    # include_last_offset: offsets end with len(input), as documented (CSR layout)
    offsets = np.append(OFFSETS, len(IDX)) if kw.get("include_last_offset") else OFFSETS
    run(lambda L, w, i: L.nn.functional.embedding_bag(i, w, L.tensor(offsets), **kw), w, IDX)


@pytest.mark.parametrize("kw", BAGS[:5])
def test_embedding_bag_2d(kw):
    w = RNG.standard_normal((10, 4)).astype(np.float32)
    idx = RNG.integers(0, 10, (5, 3))
    idx[0] = 2
    run(lambda L, w, i: L.nn.functional.embedding_bag(i, w, **kw), w, idx)


def _bags_by_embedding(L, w, i, mode, offsets):
    """embedding_bag with scale_grad_by_freq written as embedding + per-bag sums/means."""
    rows = L.nn.functional.embedding(i.reshape(-1), w, scale_grad_by_freq=True)
    bounds = list(offsets) + [len(rows)]
    bags = [rows[a:b].sum(0) if mode == "sum" else rows[a:b].mean(0) for a, b in zip(bounds[:-1], bounds[1:])]
    return L.stack(bags)


@pytest.mark.parametrize("mode", ["sum", "mean"])
@pytest.mark.parametrize("two_d", [False, True])
def test_embedding_bag_scale_grad_by_freq(mode, two_d):
    # Compared with embedding(scale_grad_by_freq) + bag sums in torch: torch 2.13's CPU embedding_bag
    # divides by the wrong count for mixed counts (pytorch/pytorch#190063); CUDA and the docs agree with us.
    w = RNG.standard_normal((10, 4)).astype(np.float32)
    idx = RNG.integers(0, 4, (4, 3)) if two_d else np.array([1, 2, 2, 5, 4, 3, 2, 7, 7, 0, 9])
    offsets = list(range(0, idx.size, 3)) if two_d else [0, 2, 3, 5]
    (tw, cw), (ti, ci) = both(w, grad=True), both(idx)
    t_out = _bags_by_embedding(T, tw, ti, mode, offsets)
    c_out = F.embedding_bag(ci, cw, None if two_d else torch.tensor(offsets), mode=mode, scale_grad_by_freq=True)
    close(c_out, t_out)
    up = RNG.standard_normal(tuple(t_out.shape)).astype(np.float32)
    t_out.backward(T.tensor(up))
    c_out.backward(torch.tensor(up))
    close(cw.grad, tw.grad, atol=1e-5)


def test_embedding_bag_per_sample_weights():
    w = RNG.standard_normal((10, 4)).astype(np.float32)
    idx = np.array([1, 2, 2, 5, 4, 3])
    psw = RNG.standard_normal(6).astype(np.float32)
    res = {}
    for lib in (T, torch):
        weight = lib.tensor(w, requires_grad=True)
        p = lib.tensor(psw, requires_grad=True)
        out = lib.nn.functional.embedding_bag(lib.tensor(idx), weight, lib.tensor([0, 3, 3]), mode="sum",
                                              per_sample_weights=p, padding_idx=2)
        out.backward(lib.tensor(np.arange(out.numel(), dtype=np.float32).reshape(tuple(out.shape))))
        res[lib] = [out.detach().numpy(), weight.grad.numpy(), p.grad.numpy()]
    for c, t in zip(res[torch], res[T]):
        np.testing.assert_allclose(c, t, rtol=1e-5, atol=1e-5)


def test_embedding_bag_gradcheck():
    w = torch.tensor(RNG.standard_normal((6, 3)), requires_grad=True)
    p = torch.tensor(RNG.standard_normal(5), requires_grad=True)
    idx, off = torch.tensor([0, 2, 2, 5, 1]), torch.tensor([0, 2, 2])
    assert gradcheck(lambda w: F.embedding_bag(idx, w, off, mode="mean", padding_idx=5), (w,))
    assert gradcheck(lambda w: F.embedding_bag(idx, w, off, mode="max"), (w,))
    assert gradcheck(lambda w, p: F.embedding_bag(idx, w, off, mode="sum", per_sample_weights=p), (w, p))


def test_embedding_bag_errors():
    w = torch.randn(10, 3)
    cases = [
        (lambda L, w: L.nn.functional.embedding_bag(L.tensor([[1, 2]]), w, L.tensor([0])), ValueError),
        (lambda L, w: L.nn.functional.embedding_bag(L.tensor([1, 2]), w), ValueError),
        (lambda L, w: L.nn.functional.embedding_bag(L.tensor([1, 2]), w, L.tensor([[0]])), ValueError),
        (lambda L, w: L.nn.functional.embedding_bag(L.tensor([1, 2]), w, L.tensor([0]), mode="foo"), ValueError),
        (lambda L, w: L.nn.functional.embedding_bag(L.tensor([1, 2]), w, L.tensor([0]), mode="max",
                                                    scale_grad_by_freq=True), ValueError),
        (lambda L, w: L.nn.functional.embedding_bag(L.tensor([1, 2]), w, L.tensor([0]),
                                                    per_sample_weights=L.ones(2)), NotImplementedError),
        (lambda L, w: L.nn.functional.embedding_bag(L.tensor([1, 2]), w, L.tensor([1])), RuntimeError),
        (lambda L, w: L.nn.functional.embedding_bag(L.tensor([1, 2]), w, L.tensor([0, 5])), RuntimeError),
        (lambda L, w: L.nn.functional.embedding_bag(L.tensor([1, 12]), w, L.tensor([0])), RuntimeError),
        (lambda L, w: L.nn.functional.embedding_bag(L.tensor([1, 2]), w, L.tensor([0]), padding_idx=10),
         RuntimeError),
    ]
    for fn, exc in cases:
        with pytest.raises(exc):
            fn(T, T.tensor(w.numpy()))
        with pytest.raises(exc):
            fn(torch, w)
    assert F.embedding_bag(torch.tensor([1, 2]), w, torch.tensor([0])).shape == (1, 3)  # flag cleared


def test_embedding_bag_module_and_pretrained():
    for args, kw in [((10, 3), {}), ((10, 3), dict(mode="max", padding_idx=2, max_norm=2, include_last_offset=True)),
                     ((10, 3), dict(mode="sum", norm_type=1.0, scale_grad_by_freq=True))]:
        assert repr(nn.EmbeddingBag(*args, **kw)) == repr(T.nn.EmbeddingBag(*args, **kw))
    vecs = RNG.standard_normal((7, 4)).astype(np.float32)
    bag = nn.EmbeddingBag.from_pretrained(torch.tensor(vecs), mode="sum")
    tbag = T.nn.EmbeddingBag.from_pretrained(T.tensor(vecs), mode="sum")
    assert not bag.weight.requires_grad
    idx, off = [1, 2, 6, 6], [0, 1]
    close(bag(torch.tensor(idx), torch.tensor(off)), tbag(T.tensor(idx), T.tensor(off)))
    bag2 = nn.EmbeddingBag.from_pretrained(torch.tensor(vecs), freeze=False, mode="max")
    assert bag2.weight.requires_grad
    bag2(torch.tensor([[1, 2], [3, 3]])).sum().backward()
    assert bag2.weight.grad.shape == (7, 4)
