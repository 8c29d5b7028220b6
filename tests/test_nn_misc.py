"""Dropout (fused Philox kernel), Flatten/Unflatten, Bilinear and Linear init, pad, normalize and distances,
against real torch."""
import math
import warnings

import numpy as np
import pytest
import torch as T

import cltorch as torch
import cltorch.nn as nn
import cltorch.nn.functional as F

RNG = np.random.default_rng(3)
TF = T.nn.functional


def _r(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


def _grads_match(ours_fn, theirs_fn, *arrays, rtol=1e-5, atol=1e-6):
    """Forward values and input gradients (random upstream gradient) of both libraries agree."""
    a = [torch.tensor(x, requires_grad=True) for x in arrays]
    b = [T.tensor(x, requires_grad=True) for x in arrays]
    ya, yb = ours_fn(*a), theirs_fn(*b)
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=rtol, atol=atol)
    g = RNG.standard_normal(tuple(yb.shape)).astype(arrays[0].dtype)
    ya.backward(torch.tensor(g))
    yb.backward(T.tensor(g))
    for ta, tb in zip(a, b):
        np.testing.assert_allclose(ta.grad.numpy(), tb.grad.numpy(), rtol=rtol, atol=atol)


# -- dropout -------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_statistics_scale_and_gradient(p, restore_rng):
    x = torch.tensor(RNG.uniform(1, 2, 40001).astype(np.float32), requires_grad=True)
    y = F.dropout(x, p)
    kept = y.detach().numpy() != 0
    assert abs(kept.mean() - (1 - p)) < 0.015
    np.testing.assert_allclose(y.detach().numpy()[kept], x.detach().numpy()[kept] / (1 - p), rtol=1e-6)
    g = _r(40001)
    y.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), g * kept / (1 - p), rtol=1e-6)


def test_dropout_same_seed_same_mask_and_fresh_masks(restore_rng):
    x = torch.ones(3, 1000)
    torch.manual_seed(5)
    first, second = F.dropout(x, 0.5).numpy(), F.dropout(x, 0.5).numpy()
    torch.manual_seed(5)
    assert np.array_equal(F.dropout(x, 0.5).numpy(), first)
    assert not np.array_equal(first, second)


def test_dropout_edge_probabilities_eval_and_errors():
    x = torch.tensor(_r(5, 7))
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert F.alpha_dropout(x, 0.5) is x  # training defaults to False there
    assert np.array_equal(F.dropout(x, 1.0).numpy(), np.zeros((5, 7), np.float32))
    assert F.dropout(torch.zeros(0, 3), 0.5).shape == (0, 3)
    for bad in (-0.1, 1.5):
        for fn in (F.dropout, F.dropout2d, F.alpha_dropout):
            with pytest.raises(ValueError, match=f"dropout probability has to be between 0 and 1, but got {bad}"):
                fn(x, bad)
        with pytest.raises(ValueError):
            nn.Dropout(bad)
    with pytest.raises(RuntimeError):
        F.dropout(torch.arange(4), 0.5)


def test_dropout_non_contiguous_input_and_float64():
    base = torch.tensor(RNG.uniform(1, 2, (40, 60)))
    x = base.t()[::2]
    y = F.dropout(x, 0.25)
    assert y.dtype == torch.float64 and tuple(y.shape) == (30, 40)
    kept = y.numpy() != 0
    np.testing.assert_allclose(y.numpy()[kept], x.numpy()[kept] / 0.75, rtol=1e-12)


def test_dropout_inplace():
    x = torch.tensor(RNG.uniform(1, 2, 1000).astype(np.float32))
    before = x.numpy().copy()
    out = F.dropout(x, 0.3, inplace=True)
    assert out is x
    kept = x.numpy() != 0
    np.testing.assert_allclose(x.numpy()[kept], before[kept] / 0.7, rtol=1e-6)
    leaf = torch.tensor(before, requires_grad=True)
    h = leaf * 1
    F.dropout(h, 0.3, inplace=True)
    h.sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy(), (h.detach().numpy() != 0) / 0.7, rtol=1e-6)


@pytest.mark.parametrize("fn,shape,mask_dims", [(F.dropout1d, (4, 6, 9), 2), (F.dropout1d, (6, 9), 1),
                                                (F.dropout2d, (3, 5, 4, 4), 2), (F.dropout3d, (2, 5, 2, 3, 3), 2),
                                                (F.dropout3d, (5, 2, 3, 3), 1)])
def test_channel_dropout_masks_whole_channels(fn, shape, mask_dims):
    x = torch.tensor(RNG.uniform(1, 2, shape).astype(np.float32), requires_grad=True)
    y = fn(x, 0.5)
    yn = y.detach().numpy().reshape(math.prod(shape[:mask_dims]), -1)
    kept = yn[:, 0] != 0
    assert np.all((yn != 0) == kept[:, None])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy().reshape(yn.shape), np.repeat(kept[:, None], yn.shape[1], 1) * 2.0)


def test_channel_dropout_shape_rules_follow_torch():
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input"):
        F.dropout1d(torch.zeros(3), 0.5)
    with pytest.warns(UserWarning, match="dropout2d: Received a 2-D input"):
        F.dropout2d(torch.ones(3, 4), 0.5)
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        F.dropout2d(torch.ones(3, 4, 5), 0.5)
    with pytest.warns(UserWarning, match="dropout3d: Received a 3-D input"):
        F.dropout3d(torch.ones(3, 4, 5), 0.5)
    with pytest.raises(RuntimeError, match="Feature dropout requires at least 2 dimensions"):
        F.feature_alpha_dropout(torch.zeros(3), 0.5, True)


def test_alpha_dropout_keeps_selu_statistics_and_gradient():
    x = torch.tensor(_r(200000), requires_grad=True)
    y = F.alpha_dropout(x, 0.2, training=True)
    yn = y.detach().numpy()
    assert abs(yn.mean()) < 0.02 and abs(yn.std() - 1) < 0.02
    a = 1 / math.sqrt((1.7580993408473766 ** 2 * 0.2 + 1) * 0.8)
    dropped = np.isclose(yn, -1.7580993408473766 * a * 0.8, rtol=1e-6)
    assert abs(dropped.mean() - 0.2) < 0.01
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.where(dropped, 0, a), rtol=1e-6)
    # feature version: each (n, c) channel is either all dropped or all kept
    xf = _r(8, 6, 5)
    f = F.feature_alpha_dropout(torch.tensor(xf), 0.5, True).numpy()
    a = 1 / math.sqrt((1.7580993408473766 ** 2 * 0.5 + 1) * 0.5)
    kept = np.isclose(f, xf * a + 1.7580993408473766 * a * 0.5, rtol=1e-5, atol=1e-6)
    dropped = np.isclose(f, -1.7580993408473766 * a * 0.5, rtol=1e-6)
    assert np.all(kept.all(axis=2) | dropped.all(axis=2))
    assert 0 < dropped.all(axis=2).sum() < 48


def test_dropout_double_backward():
    x = torch.tensor(_r(50).astype(np.float64), requires_grad=True)
    torch.manual_seed(1)
    y = F.dropout(x, 0.4)
    (g,) = torch.autograd.grad((y * y).sum(), x, create_graph=True)
    g.sum().backward()
    kept = y.detach().numpy() != 0
    np.testing.assert_allclose(x.grad.numpy(), 2 * kept / 0.6 ** 2, rtol=1e-12)


@pytest.mark.parametrize("cls", ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
                                 "FeatureAlphaDropout"])
def test_dropout_modules(cls):
    for args in ((), (0.3,), (0.2, True)):
        assert repr(getattr(nn, cls)(*args)) == repr(getattr(T.nn, cls)(*args))
    m = getattr(nn, cls)(0.5)
    shape = (4, 6, 3) if cls == "Dropout1d" else (4, 6, 3, 3, 2)
    x = torch.tensor(RNG.uniform(1, 2, shape).astype(np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        train_out = m(x).numpy()
        m.eval()
        assert m(x) is x
    assert not np.array_equal(train_out, x.numpy())


# -- flatten -------------------------------------------------------------------------------
def test_flatten_unflatten():
    x = _r(2, 3, 4, 5)
    for args in ((), (0,), (2,), (1, 2), (0, -2)):
        ours, theirs = nn.Flatten(*args), T.nn.Flatten(*args)
        assert repr(ours) == repr(theirs)
        assert tuple(ours(torch.tensor(x)).shape) == tuple(theirs(T.tensor(x)).shape)
    for dim, size in ((1, (3, 1)), (-1, [5, 1]), (3, (-1, 5)), (2, (2, 2))):
        ours, theirs = nn.Unflatten(dim, size), T.nn.Unflatten(dim, size)
        assert repr(ours) == repr(theirs)
        np.testing.assert_array_equal(ours(torch.tensor(x)).numpy(), theirs(T.tensor(x)).numpy())
    for bad in (5, (2.0, 3)):
        with pytest.raises(TypeError) as ours:
            nn.Unflatten(1, bad)
        with pytest.raises(TypeError) as theirs:
            T.nn.Unflatten(1, bad)
        assert str(ours.value) == str(theirs.value)
    a = torch.tensor(x, requires_grad=True)
    nn.Flatten()(a).sum().backward()
    assert np.array_equal(a.grad.numpy(), np.ones_like(x))


# -- bilinear and linear init ----------------------------------------------------------------
@pytest.mark.parametrize("lead", [(), (6,), (2, 7)])
def test_bilinear_matches_torch(lead):
    x1, x2, w, b = _r(*lead, 3), _r(*lead, 4), _r(5, 3, 4), _r(5)
    _grads_match(F.bilinear, TF.bilinear, x1, x2, w, b, rtol=1e-4, atol=1e-5)
    _grads_match(lambda p, q, r: F.bilinear(p, q, r), lambda p, q, r: TF.bilinear(p, q, r), x1, x2, w,
                 rtol=1e-4, atol=1e-5)


def test_bilinear_errors_and_module():
    cases = [((2, 3), (3, 4), (5, 3, 4), None), ((2, 3), (2, 5), (5, 3, 4), None), ((2, 4), (2, 4), (5, 3, 4), None),
             ((2, 3), (2, 4), (5, 3, 4), (6,)), ((2, 3), (2, 1, 4), (5, 3, 4), None)]
    for s1, s2, sw, sb in cases:
        args = [np.zeros(s) for s in (s1, s2, sw)] + [np.zeros(sb) if sb else None]
        with pytest.raises(RuntimeError) as ours:
            F.bilinear(*[torch.tensor(a) if a is not None else None for a in args])
        with pytest.raises(RuntimeError) as theirs:
            TF.bilinear(*[T.tensor(a) if a is not None else None for a in args])
        assert str(ours.value) == str(theirs.value)
    m = nn.Bilinear(20, 30, 40)
    assert repr(m) == repr(T.nn.Bilinear(20, 30, 40)) and repr(nn.Bilinear(2, 3, 4, bias=False)) == repr(
        T.nn.Bilinear(2, 3, 4, bias=False))
    bound = 1 / math.sqrt(20)
    w = m.weight.detach().numpy()
    assert w.shape == (40, 20, 30) and np.abs(w).max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound and np.abs(m.bias.detach().numpy()).max() <= bound
    assert m(torch.zeros(7, 20), torch.zeros(7, 30)).shape == (7, 40)
    with pytest.raises(ValueError, match="in1_features must be > 0"):
        nn.Bilinear(0, 3, 2)


def test_linear_default_init_and_empty_edges():
    m = nn.Linear(300, 200)
    bound = 1 / math.sqrt(300)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert np.abs(w).max() <= bound and abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert np.abs(b).max() <= bound and abs(b.std() - bound / math.sqrt(3)) < 0.15 * bound
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        empty_in = nn.Linear(0, 3)
    assert empty_in.bias.tolist() == [0.0, 0.0, 0.0]
    assert empty_in(torch.zeros(2, 0)).tolist() == [[0.0] * 3] * 2
    with pytest.warns(UserWarning):
        empty_out = nn.Linear(3, 0)
    assert tuple(empty_out.weight.shape) == (0, 3) and tuple(empty_out(torch.zeros(4, 3)).shape) == (4, 0)


# -- pad -----------------------------------------------------------------------------------
CONSTANT_CASES = [((2, 3), (1, 2)), ((2, 3), (-1, 2)), ((2, 3), (0, 0, -2, 0)), ((3, 4, 5), (1, 1, 2, 0, 1, 1)),
                  ((2, 3, 4, 5, 6), (1, -1, 0, 2)), ((7,), (3, 0)), ((2, 3), (-3, 0)), ((2, 3), ())]


@pytest.mark.parametrize("shape,pads", CONSTANT_CASES)
def test_constant_pad(shape, pads):
    _grads_match(lambda t: F.pad(t, pads), lambda t: TF.pad(t, pads), _r(*shape))
    _grads_match(lambda t: F.pad(t, pads, value=1.5), lambda t: TF.pad(t, pads, value=1.5), _r(*shape))


def test_constant_pad_dtypes_and_views():
    x = np.arange(12).reshape(3, 4)
    got = F.pad(torch.tensor(x), (1, 1), value=2.5)
    assert got.dtype == torch.int64 and got.tolist() == TF.pad(T.tensor(x), (1, 1), value=2.5).tolist()
    b = np.array([[True, False]])
    assert F.pad(torch.tensor(b), (1, 0), value=2.0).tolist() == TF.pad(T.tensor(b), (1, 0), value=2.0).tolist()
    y = _r(5, 6)
    np.testing.assert_array_equal(F.pad(torch.tensor(y).t()[1:4], (2, 1, 0, 1), value=-1.0).numpy(),
                                  TF.pad(T.tensor(y).t()[1:4], (2, 1, 0, 1), value=-1.0).numpy())


INDEX_CASES = [((1, 2, 5), (2, 3)), ((2, 5), (4, 4)), ((1, 2, 5), (-2, 3)), ((1, 2, 5), (3, -2)),
               ((2, 3, 4, 5), (1, 2, 3, 0)), ((3, 4, 5), (2, 1, -1, 2)), ((1, 2, 3, 4, 5), (1, 1, 2, 2, 1, 0)),
               ((2, 3, 4, 5), (0, 1, 1, 0, 2, 2))]


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape,pads", INDEX_CASES)
def test_index_pads(mode, shape, pads):
    _grads_match(lambda t: F.pad(t, pads, mode=mode), lambda t: TF.pad(t, pads, mode=mode), _r(*shape))


def _same_error(exc, fn_ours, fn_theirs):
    with pytest.raises(exc) as ours:
        fn_ours()
    with pytest.raises(exc) as theirs:
        fn_theirs()
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("shape,pads,mode,value", [
    ((2, 3), (1,), "constant", None), ((2, 3), (1, 2, 3, 4, 5, 6), "constant", None),
    ((2, 3), (-4, 0), "constant", None), ((1, 2, 3), (1, 1), "foo", None), ((1, 2, 3), (1, 1), "reflect", 1.0),
    ((3,), (1, 1), "reflect", None), ((1, 1, 2, 3), (2, 2), "replicate", None),
    ((1, 2, 3), (3, 0), "reflect", None), ((1, 3, 3), (0, 0, 0, 3), "reflect", None),
    ((1, 2, 0), (1, 1), "replicate", None), ((1, 0, 2, 2), (1, 1, 1, 1), "reflect", None),
    ((1, 5), (6, 0), "circular", None), ((1, 3), (-3, 0), "replicate", None)])
def test_pad_errors_match_torch(shape, pads, mode, value):
    exc = NotImplementedError if mode == "foo" or (mode != "constant" and len(pads) // 2 + 1 > len(shape)) \
        or (mode == "replicate" and len(shape) == 4 and len(pads) == 2) else RuntimeError
    _same_error(exc, lambda: F.pad(torch.zeros(*shape), pads, mode, value),
                lambda: TF.pad(T.zeros(*shape), pads, mode, value))


def test_pad_rejects_float_pads():
    with pytest.raises(TypeError):
        F.pad(torch.zeros(2, 3), (1, 2.5))


PAD_MODULES = [("ZeroPad1d", (2,)), ("ZeroPad2d", (1,)), ("ZeroPad2d", ((1, 1, 2, 0),)), ("ZeroPad3d", (1,)),
               ("ConstantPad1d", (2, 3.5)), ("ConstantPad2d", ((1, 0, 2, 1), -1.0)), ("ConstantPad3d", (1, 2)),
               ("ReflectionPad1d", ((1, 2),)), ("ReflectionPad2d", (1,)), ("ReflectionPad3d", (1,)),
               ("ReplicationPad1d", (3,)), ("ReplicationPad2d", ((1, 2, 0, 1),)), ("ReplicationPad3d", (1,)),
               ("CircularPad1d", (2,)), ("CircularPad2d", (1,)), ("CircularPad3d", (1,))]


@pytest.mark.parametrize("cls,args", PAD_MODULES, ids=[f"{c}{a}" for c, a in PAD_MODULES])
def test_pad_modules(cls, args):
    ours, theirs = getattr(nn, cls)(*args), getattr(T.nn, cls)(*args)
    assert repr(ours) == repr(theirs)
    dims = int(cls[-2])
    x = _r(*((2, 3, 4, 5, 6)[:dims + 2]))
    np.testing.assert_array_equal(ours(torch.tensor(x)).numpy(), theirs(T.tensor(x)).numpy())


# -- normalize and distances ---------------------------------------------------------------
@pytest.mark.parametrize("p,dim", [(2.0, 1), (1.0, 0), (3.0, -1), (float("inf"), 1)])
def test_normalize(p, dim):
    x = _r(4, 6)
    x[1] = 0.0
    _grads_match(lambda t: F.normalize(t, p, dim), lambda t: TF.normalize(t, p, dim), x, rtol=1e-4, atol=1e-5)


def test_normalize_out_and_errors():
    x = _r(3, 5)
    out = torch.empty(3, 5)
    res = F.normalize(torch.tensor(x), out=out)
    assert res is out
    np.testing.assert_allclose(out.numpy(), TF.normalize(T.tensor(x)).numpy(), rtol=1e-6)
    _same_error(IndexError, lambda: F.normalize(torch.zeros(4)), lambda: TF.normalize(T.zeros(4)))
    np.testing.assert_allclose(F.normalize(torch.tensor(x[0]), dim=0).numpy(),
                               TF.normalize(T.tensor(x[0]), dim=0).numpy(), rtol=1e-6)


@pytest.mark.parametrize("s1,s2,dim", [((4, 6), (4, 6), 1), ((4, 6), (6,), 1), ((4, 6), (6,), -1),
                                       ((3, 4, 5), (3, 1, 5), 1), ((5,), (5,), 0)])
def test_cosine_similarity(s1, s2, dim):
    _grads_match(lambda a, b: F.cosine_similarity(a, b, dim), lambda a, b: TF.cosine_similarity(a, b, dim),
                 _r(*s1), _r(*s2), rtol=1e-4, atol=1e-5)


def test_cosine_similarity_eps_and_errors():
    zero, x = np.zeros((2, 3), np.float32), _r(2, 3)
    np.testing.assert_allclose(F.cosine_similarity(torch.tensor(zero), torch.tensor(x)).numpy(),
                               TF.cosine_similarity(T.tensor(zero), T.tensor(x)).numpy())
    small = x * 1e-9
    np.testing.assert_allclose(F.cosine_similarity(torch.tensor(small), torch.tensor(x), eps=1e-6).numpy(),
                               TF.cosine_similarity(T.tensor(small), T.tensor(x), eps=1e-6).numpy(), rtol=1e-5)
    _same_error(RuntimeError, lambda: F.cosine_similarity(torch.arange(3), torch.arange(3), dim=0),
                lambda: TF.cosine_similarity(T.arange(3), T.arange(3), dim=0))
    with pytest.raises(RuntimeError, match="must match the size"):
        F.cosine_similarity(torch.zeros(2, 3), torch.zeros(2, 4))


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("keepdim", [False, True])
def test_pairwise_distance(p, keepdim):
    for s1, s2 in (((4, 6), (4, 6)), ((4, 6), (6,)), ((5,), (5,))):
        _grads_match(lambda a, b: F.pairwise_distance(a, b, p, keepdim=keepdim),
                     lambda a, b: TF.pairwise_distance(a, b, p, keepdim=keepdim), _r(*s1), _r(*s2),
                     rtol=1e-4, atol=1e-5)


def test_distance_modules():
    x1, x2 = _r(4, 6), _r(4, 6)
    for ours, theirs in ((nn.CosineSimilarity(), T.nn.CosineSimilarity()),
                         (nn.CosineSimilarity(dim=0, eps=1e-6), T.nn.CosineSimilarity(dim=0, eps=1e-6)),
                         (nn.PairwiseDistance(), T.nn.PairwiseDistance()),
                         (nn.PairwiseDistance(p=1.0, keepdim=True), T.nn.PairwiseDistance(p=1.0, keepdim=True))):
        assert repr(ours) == repr(theirs)
        np.testing.assert_allclose(ours(torch.tensor(x1), torch.tensor(x2)).numpy(),
                                   theirs(T.tensor(x1), T.tensor(x2)).numpy(), rtol=1e-5, atol=1e-6)
    assert F.pairwise_distance(torch.tensor(1.0), torch.tensor(2.0)).item() == pytest.approx(
        TF.pairwise_distance(T.tensor(1.0), T.tensor(2.0)).item())
