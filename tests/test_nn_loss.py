"""Loss functions and modules against PyTorch: values, gradients, shapes, errors, reprs and state dicts."""
import warnings

import numpy as np
import pytest
import torch as T

import cltorch as torch
import cltorch.nn as nn
import cltorch.nn.functional as F
from cltorch.autograd import gradcheck

RNG = np.random.default_rng(11)
REDUCTIONS = ("none", "mean", "sum")


def _to_pair(a, grad):
    c = torch.tensor(a, requires_grad=grad and a.dtype.kind == "f")
    t = T.tensor(a, requires_grad=grad and a.dtype.kind == "f")
    return c, t


def compare(name, *arrays, grad=(0,), rtol=1e-5, atol=1e-6, view=None, **kw):
    """Run F.<name> in both libraries on the arrays; compare value, shape, dtype and the grads of ``grad``."""
    cs, ts = zip(*[_to_pair(a, i in grad) for i, a in enumerate(arrays)])
    ca, ta = list(cs), list(ts)
    if view is not None:  # a non-contiguous view of argument 0
        ca[0], ta[0] = view(ca[0]), view(ta[0])
    out_c = getattr(F, name)(*ca, **kw)
    out_t = getattr(T.nn.functional, name)(*ta, **kw)
    assert tuple(out_c.shape) == tuple(out_t.shape), (name, kw)
    assert str(out_c.dtype).split(".")[1] == str(out_t.dtype).split(".")[1]
    np.testing.assert_allclose(out_c.detach().numpy(), out_t.detach().numpy(), rtol=rtol, atol=atol,
                               err_msg=f"{name} {kw}")
    if grad and out_t.requires_grad:
        up = RNG.standard_normal(tuple(out_t.shape)).astype(arrays[0].dtype)
        out_c.backward(torch.tensor(up))
        out_t.backward(T.tensor(up))
        for i in grad:
            if ts[i].grad is None:
                assert cs[i].grad is None or not cs[i].grad.numpy().any()
                continue
            np.testing.assert_allclose(cs[i].grad.numpy(), ts[i].grad.numpy(), rtol=rtol * 10, atol=atol * 10,
                                       err_msg=f"grad {i} of {name} {kw}")
    return out_c


def f32(*shape, lo=None, hi=None):
    if lo is not None:
        return RNG.uniform(lo, hi, shape).astype(np.float32)
    return RNG.standard_normal(shape).astype(np.float32)


# -- regression losses ---------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
def test_regression(name, reduction):
    a, b = f32(7, 5) * 2, f32(7, 5)
    compare(name, a, b, grad=(0, 1), reduction=reduction)
    compare(name, f32(5, 7), b, grad=(0, 1), reduction=reduction, view=lambda t: t.t())
    compare(name, f32(1023), f32(1023), reduction=reduction)
    if name == "smooth_l1_loss":
        for beta in (0.0, 0.3, 2.5):
            compare(name, a, b, grad=(0, 1), reduction=reduction, beta=beta)
    if name == "huber_loss":
        compare(name, a, b, grad=(0, 1), reduction=reduction, delta=0.4)
    if name != "smooth_l1_loss":  # torch 2.x's elementwise weight
        w = np.abs(f32(7, 5))
        x, y = torch.tensor(a, requires_grad=True), T.tensor(a, requires_grad=True)
        cw, tw = torch.tensor(w, requires_grad=True), T.tensor(w, requires_grad=True)
        oc = getattr(F, name)(x, torch.tensor(b), reduction=reduction, weight=cw)
        ot = getattr(T.nn.functional, name)(y, T.tensor(b), reduction=reduction, weight=tw)
        np.testing.assert_allclose(oc.detach().numpy(), ot.detach().numpy(), rtol=1e-5)
        up = f32(*ot.shape)
        oc.backward(torch.tensor(up))
        ot.backward(T.tensor(up))
        np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(cw.grad.numpy(), tw.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_regression_edges():
    z = np.zeros((0,), np.float32)
    assert np.isnan(F.mse_loss(torch.tensor(z), torch.tensor(z)).item())
    assert F.l1_loss(torch.tensor(z), torch.tensor(z), reduction="sum").item() == 0
    with pytest.warns(UserWarning, match="different to the input size"):
        compare("mse_loss", f32(3), f32(3, 1))
    with pytest.warns(UserWarning, match="reduction='sum'"):
        assert F.mse_loss(torch.ones(3), torch.zeros(3), size_average=False).item() == 3
    with pytest.raises(ValueError, match="foo is not a valid value for reduction"):
        F.mse_loss(torch.ones(3), torch.zeros(3), reduction="foo")
    with pytest.raises(ValueError, match="Weights and input must have the same size"):
        F.mse_loss(torch.ones(2, 3), torch.zeros(2, 3), weight=torch.ones(3))
    with pytest.raises(RuntimeError, match="negative values for beta"):
        F.smooth_l1_loss(torch.ones(3), torch.zeros(3), beta=-1)
    with pytest.raises(RuntimeError, match="non-positive values for delta"):
        F.huber_loss(torch.ones(3), torch.zeros(3), delta=0)
    # at |d| == beta and d == 0 the gradients follow torch's branches
    d = np.array([-1.0, 0.0, 1.0, 0.5, -2.0], np.float32)
    compare("smooth_l1_loss", d, np.zeros(5, np.float32), grad=(0, 1))
    compare("l1_loss", d, np.zeros(5, np.float32), grad=(0, 1))


# -- binary cross entropy ------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce(reduction):
    p, t, w = f32(6, 4, lo=0.01, hi=0.99), f32(6, 4, lo=0, hi=1), f32(6, 4, lo=0.2, hi=2)
    compare("binary_cross_entropy", p, t, grad=(0, 1), reduction=reduction)
    compare("binary_cross_entropy", p, t, w, grad=(0, 1), reduction=reduction)
    compare("binary_cross_entropy", p, t, w[0], grad=(0,), reduction=reduction)  # broadcast weight
    edge = np.array([0.0, 1.0, 0.0, 1.0, 0.5], np.float32)  # saturated probabilities: clamped logs, huge grads
    tgt = np.array([0.0, 1.0, 1.0, 0.0, 0.3], np.float32)
    compare("binary_cross_entropy", edge, tgt, grad=(0,), reduction=reduction, rtol=1e-5)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits(reduction):
    x, t = f32(6, 4) * 30, f32(6, 4, lo=0, hi=1)  # large logits: the stable form must not overflow
    x[0, :] = 0.0  # gradient at exactly 0 is sigmoid(0) - t
    w, pw = f32(6, 4, lo=0.2, hi=2), f32(4, lo=0.5, hi=3)
    compare("binary_cross_entropy_with_logits", x, t, grad=(0, 1), reduction=reduction, rtol=1e-5, atol=1e-5)
    compare("binary_cross_entropy_with_logits", x, t, w, grad=(0, 1), reduction=reduction, atol=1e-5)
    (cx, tx), (ct_, tt_) = _to_pair(x, True), _to_pair(t, True)
    oc = F.binary_cross_entropy_with_logits(cx, ct_, torch.tensor(w), pos_weight=torch.tensor(pw),
                                            reduction=reduction)
    ot = T.nn.functional.binary_cross_entropy_with_logits(tx, tt_, T.tensor(w), pos_weight=T.tensor(pw),
                                                          reduction=reduction)
    np.testing.assert_allclose(oc.detach().numpy(), ot.detach().numpy(), rtol=1e-5, atol=1e-5)
    up = f32(*ot.shape)
    oc.backward(torch.tensor(up))
    ot.backward(T.tensor(up))
    for c, t_ in ((cx, tx), (ct_, tt_)):
        np.testing.assert_allclose(c.grad.numpy(), t_.grad.numpy(), rtol=1e-4, atol=1e-4)
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'pos_weight'"):
        F.binary_cross_entropy_with_logits(cx, ct_, pos_weight=torch.ones(4, requires_grad=True))
    with pytest.raises(ValueError, match=r"Target size \(cltorch.Size\(\[3, 1\]\)\) must be the same"):
        F.binary_cross_entropy_with_logits(torch.ones(3), torch.ones(3, 1))


def test_bce_errors_and_gradcheck():
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'weight'"):
        F.binary_cross_entropy(torch.rand(3), torch.rand(3), torch.rand(3, requires_grad=True))
    with pytest.raises(ValueError, match="is deprecated. Please ensure they have the same size"):
        F.binary_cross_entropy(torch.rand(3), torch.rand(3, 1))
    x = torch.tensor(RNG.standard_normal((3, 4)), requires_grad=True)
    t = torch.tensor(RNG.uniform(0, 1, (3, 4)), requires_grad=True)
    pw = torch.tensor(RNG.uniform(0.5, 2, 4))
    assert gradcheck(lambda a, b: F.binary_cross_entropy_with_logits(a, b, pos_weight=pw), (x, t))
    p = torch.tensor(RNG.uniform(0.1, 0.9, (3, 4)), requires_grad=True)
    assert gradcheck(lambda a, b: F.binary_cross_entropy(a, b), (p, t))


# -- class-index losses --------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_and_cross_entropy(reduction, weighted):
    w = f32(5, lo=0.1, hi=2) if weighted else None
    kw = dict(reduction=reduction)

    def both(name, x, target, **extra):
        cx, tx = _to_pair(x, True)
        cw = torch.tensor(w) if weighted else None
        tw = T.tensor(w) if weighted else None
        oc = getattr(F, name)(cx, torch.tensor(target), cw, **kw, **extra)
        ot = getattr(T.nn.functional, name)(tx, T.tensor(target), tw, **kw, **extra)
        assert tuple(oc.shape) == tuple(ot.shape)
        np.testing.assert_allclose(oc.detach().numpy(), ot.detach().numpy(), rtol=1e-5, atol=1e-6)
        up = f32(*ot.shape)
        oc.backward(torch.tensor(up))
        ot.backward(T.tensor(up))
        np.testing.assert_allclose(cx.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)

    x2, t2 = f32(7, 5), RNG.integers(0, 5, 7)
    t2[2] = 1
    t_ign = t2.copy()
    t_ign[[0, 3]] = 2
    x4, t4 = f32(2, 5, 3, 4), RNG.integers(0, 5, (2, 3, 4))
    x1, t1 = f32(5), np.array(3)
    for name in ("nll_loss", "cross_entropy"):
        both(name, x2, t2)
        both(name, x2, t_ign, ignore_index=2)
        both(name, x4, t4)
        both(name, x1, t1)
    for ls in (0.1, 1.0):
        both("cross_entropy", x2, t_ign, ignore_index=2, label_smoothing=ls)
        both("cross_entropy", x4, t4, label_smoothing=ls)
        both("cross_entropy", x1, t1, label_smoothing=ls)
    probs = RNG.dirichlet(np.ones(5), 7).astype(np.float32)
    both("cross_entropy", x2, probs)
    both("cross_entropy", x2, probs, label_smoothing=0.2)
    p4 = RNG.dirichlet(np.ones(5), (2, 3, 4)).astype(np.float32).transpose(0, 3, 1, 2).copy()
    both("cross_entropy", x4, p4)
    both("cross_entropy", x1, probs[0], label_smoothing=0.3)


def test_class_losses_edges():
    x = torch.randn(3, 5)
    assert np.isnan(F.nll_loss(x, torch.full((3,), -100, dtype=torch.long)).item())  # every target ignored
    assert np.isnan(F.cross_entropy(torch.randn(0, 5), torch.zeros(0, dtype=torch.long)).item())
    assert F.nll_loss(torch.randn(0, 5), torch.zeros(0, dtype=torch.long), reduction="sum").item() == 0
    assert np.isnan(F.cross_entropy(torch.randn(0, 5), torch.zeros(0, 5)).item())
    compare("nll_loss", f32(4, 3), np.array([0, 2, 1, 1], np.uint8))  # Byte targets are accepted
    with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte, but got Float"):
        F.nll_loss(x, torch.tensor([1.0, 0.0, 2.0]))
    with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte, but got Float"):
        F.cross_entropy(x, torch.tensor([1.0, 0.0, 2.0]))  # float target of the wrong shape
    with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte, but got Int"):
        F.nll_loss(x, torch.tensor([1, 0, 2], dtype=torch.int32))
    with pytest.raises(RuntimeError, match="Expected floating point type for target with class probabilities, "
                                           "got Long"):
        F.cross_entropy(x, torch.zeros(3, 5, dtype=torch.long))
    with pytest.raises(ValueError, match=r"Expected input batch_size \(3\) to match target batch_size \(2\)\."):
        F.nll_loss(x, torch.tensor([1, 0]))
    with pytest.raises(RuntimeError, match=r"Expected target size \[2, 4\], got \[2, 5\]"):
        F.nll_loss(torch.randn(2, 3, 4), torch.zeros(2, 5, dtype=torch.long))
    with pytest.raises(RuntimeError, match="multi-target not supported"):
        F.nll_loss(torch.randn(2, 3), torch.zeros(2, 1, dtype=torch.long))
    with pytest.raises(RuntimeError, match=r"for all 5 classes or no classes but got weight tensor of shape: \[4\]"):
        F.nll_loss(x, torch.tensor([1, 0, 2]), weight=torch.ones(4))
    with pytest.raises(ValueError, match=r"Expected 1 or more dimensions \(got 0\)"):
        F.nll_loss(torch.tensor(1.0), torch.tensor(0))
    with pytest.raises(IndexError, match=r"Target out of bounds: expected class indices in \[0, 5\)"):
        F.nll_loss(x, torch.tensor([1, 0, 5])).item()  # raised at the sync (tests/test_deferred_errors.py)
    with pytest.raises(RuntimeError, match="label_smoothing must be between 0.0 and 1.0"):
        F.cross_entropy(x, torch.tensor([1, 0, 2]), label_smoothing=1.5)
    with pytest.raises(RuntimeError, match="ignore_index is not supported for floating point target"):
        F.cross_entropy(x, torch.rand(3, 5), ignore_index=2)


def test_cross_entropy_noncontiguous_and_gradcheck():
    x = f32(5, 7)
    compare("cross_entropy", x, RNG.integers(0, 5, 7), view=lambda t: t.t())
    compare("cross_entropy", f32(1023, 3), RNG.integers(0, 3, 1023), label_smoothing=0.05)
    a = torch.tensor(RNG.standard_normal((4, 3)), requires_grad=True)
    w = torch.tensor(RNG.uniform(0.5, 2, 3))
    assert gradcheck(lambda v: F.cross_entropy(v, torch.tensor([0, 2, 1, 2]), w, label_smoothing=0.2), (a,))
    assert gradcheck(lambda v: F.nll_loss(v, torch.tensor([0, 2, 1, 2]), w, reduction="sum"), (a,))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multi_margin(reduction):
    x, t = f32(6, 4), RNG.integers(0, 4, 6)
    w = f32(4, lo=0.5, hi=2)
    for p in (1, 2):
        compare("multi_margin_loss", x, t, reduction=reduction, p=p, margin=0.7)
        cx, tx = _to_pair(x, True)
        oc = F.multi_margin_loss(cx, torch.tensor(t), p=p, weight=torch.tensor(w), reduction=reduction)
        ot = T.nn.functional.multi_margin_loss(tx, T.tensor(t), p=p, weight=T.tensor(w), reduction=reduction)
        np.testing.assert_allclose(oc.detach().numpy(), ot.detach().numpy(), rtol=1e-5, atol=1e-6)
    compare("multi_margin_loss", f32(4), np.array(1), reduction=reduction)
    with pytest.raises(ValueError, match="only p == 1 and p == 2 supported"):
        F.multi_margin_loss(torch.randn(2, 3), torch.tensor([0, 1]), p=3)


# -- divergences and likelihoods -----------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS + ("batchmean",))
def test_kl_div(reduction):
    logp = np.log(RNG.dirichlet(np.ones(5), 4)).astype(np.float32)
    q = RNG.dirichlet(np.ones(5), 4).astype(np.float32)
    q[0, 1] = 0.0  # 0 log 0 = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compare("kl_div", logp, q, grad=(0, 1), reduction=reduction)
        compare("kl_div", logp, np.log(q + 0.1), grad=(0, 1), reduction=reduction, log_target=True)
    if reduction == "mean":
        with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
            F.kl_div(torch.tensor(logp), torch.tensor(q))
    with pytest.raises(ValueError, match="batchmean is not a valid value for reduction"):
        F.mse_loss(torch.ones(3), torch.zeros(3), reduction="batchmean")


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_poisson_and_gaussian_nll(reduction):
    x, t = f32(5, 3), RNG.poisson(2.0, (5, 3)).astype(np.float32)
    compare("poisson_nll_loss", x, t, grad=(0,), reduction=reduction)
    compare("poisson_nll_loss", np.exp(x), t, grad=(0,), reduction=reduction, log_input=False)
    compare("poisson_nll_loss", x, t, grad=(0,), reduction=reduction, full=True)
    var = f32(5, 3, lo=0.1, hi=2)
    var[0, 0] = 1e-9  # clamped to eps but still differentiable
    compare("gaussian_nll_loss", x, t, var, grad=(0, 1, 2), reduction=reduction, rtol=1e-4)
    compare("gaussian_nll_loss", x, t, var[:, :1], grad=(0, 2), reduction=reduction, full=True, rtol=1e-4)
    compare("gaussian_nll_loss", x, t, var[:, 0], grad=(0, 2), reduction=reduction, rtol=1e-4)
    oc = F.gaussian_nll_loss(torch.tensor(x), torch.tensor(t), 0.5, reduction=reduction)
    ot = T.nn.functional.gaussian_nll_loss(T.tensor(x), T.tensor(t), 0.5, reduction=reduction)
    np.testing.assert_allclose(oc.numpy(), ot.numpy(), rtol=1e-5)
    with pytest.raises(ValueError, match="var is of incorrect size"):
        F.gaussian_nll_loss(torch.ones(3, 2), torch.zeros(3, 2), torch.ones(2))


# -- margin and embedding losses -----------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_margin_losses(reduction):
    a, b = f32(6, 5), f32(6, 5)
    y = np.array([1, -1, 1, -1, -1, 1], np.float32)
    compare("cosine_embedding_loss", a, b, y, grad=(0, 1), reduction=reduction, margin=0.2)
    compare("cosine_embedding_loss", a[0], b[0], np.array(-1.0, np.float32), grad=(0, 1), reduction=reduction,
            margin=-0.5)
    compare("margin_ranking_loss", a[:, 0], b[:, 0], y, grad=(0, 1), reduction=reduction, margin=0.3)
    compare("hinge_embedding_loss", a, np.where(a > 0, 1, -1).astype(np.float32), grad=(0,),
            reduction=reduction, margin=0.5)
    compare("soft_margin_loss", a, np.sign(b), grad=(0,), reduction=reduction)
    compare("multilabel_soft_margin_loss", a, (b > 0).astype(np.float32), grad=(0, 1), reduction=reduction)
    x0 = a.copy()
    x0[0] = 0.0  # log-sigmoid's gradient at exactly 0
    compare("multilabel_soft_margin_loss", x0, (b > 0).astype(np.float32), grad=(0,), reduction=reduction)
    n = f32(6, 5)
    for p, swap in ((2, False), (1, True), (3, False)):
        compare("triplet_margin_loss", a, b, n, grad=(0, 1, 2), reduction=reduction, p=p, swap=swap,
                margin=0.8, rtol=1e-5, atol=1e-5)
    compare("triplet_margin_loss", a[0], b[0], n[0], grad=(0,), reduction=reduction)


def test_margin_loss_errors():
    with pytest.raises(RuntimeError, match="multi-target not supported"):
        F.cosine_embedding_loss(torch.ones(3, 2), torch.zeros(3, 2), torch.ones(3, 1))
    with pytest.raises(RuntimeError, match=r"1D target tensor expects 2D input tensors, but found inputs with "
                                           r"sizes \[3, 2, 2\] and \[3, 2, 2\]\."):
        F.cosine_embedding_loss(torch.ones(3, 2, 2), torch.zeros(3, 2, 2), torch.ones(3))
    with pytest.raises(RuntimeError, match="All input tensors should have same dimension"):
        F.margin_ranking_loss(torch.ones(3), torch.zeros(3), torch.ones(3, 1))
    with pytest.raises(RuntimeError, match="anchor 2D, positive 1D, and negative 2D inputs"):
        F.triplet_margin_loss(torch.ones(3, 2), torch.zeros(2), torch.ones(3, 2))
    with pytest.raises(ValueError, match="margin must be greater than 0, got -1"):
        F.triplet_margin_loss(torch.ones(2), torch.zeros(2), torch.ones(2), margin=-1)
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'target'"):
        F.soft_margin_loss(torch.randn(3), torch.ones(3, requires_grad=True))
    with pytest.raises(RuntimeError, match="'nll_loss_forward' is not differentiable with respect to argument"):
        F.cross_entropy(torch.randn(3, 4), torch.tensor([0, 1, 2]), weight=torch.ones(4, requires_grad=True))
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        F.soft_margin_loss(torch.randn(3), torch.ones(3, 1))
    a = torch.tensor(RNG.standard_normal((3, 4)), requires_grad=True)
    b = torch.tensor(RNG.standard_normal((3, 4)), requires_grad=True)
    y = torch.tensor([1.0, -1.0, 1.0], dtype=torch.float64)
    assert gradcheck(lambda u, v: F.cosine_embedding_loss(u, v, y, margin=-0.9), (a, b))
    assert gradcheck(lambda u, v: F.triplet_margin_loss(u, v, u * 0.5 + 1.0), (a, b))


# -- modules -------------------------------------------------------------------------------
MODULES = [
    ("L1Loss", {}), ("MSELoss", {"reduction": "sum"}), ("SmoothL1Loss", {"beta": 0.5}), ("HuberLoss", {"delta": 2.0}),
    ("BCELoss", {}), ("BCEWithLogitsLoss", {}), ("NLLLoss", {"ignore_index": 1}),
    ("CrossEntropyLoss", {"label_smoothing": 0.1}), ("KLDivLoss", {"reduction": "batchmean", "log_target": True}),
    ("PoissonNLLLoss", {"full": True}), ("GaussianNLLLoss", {"eps": 1e-3}), ("CosineEmbeddingLoss", {"margin": 0.1}),
    ("MarginRankingLoss", {}), ("HingeEmbeddingLoss", {"margin": 2.0}), ("SoftMarginLoss", {}),
    ("MultiLabelSoftMarginLoss", {}), ("TripletMarginLoss", {"swap": True}), ("MultiMarginLoss", {"p": 2}),
]


@pytest.mark.parametrize("name,kw", MODULES)
def test_loss_module_attributes(name, kw):
    mc, mt = getattr(nn, name)(**kw), getattr(T.nn, name)(**kw)
    assert repr(mc) == repr(mt)
    assert list(mc.state_dict()) == list(mt.state_dict())
    assert mc.reduction == mt.reduction
    for attr in ("ignore_index", "label_smoothing", "beta", "delta", "margin", "p", "eps", "swap", "full",
                 "log_input", "log_target"):
        assert getattr(mc, attr, None) == getattr(mt, attr, None), attr


def test_loss_modules_forward_and_buffers():
    w = f32(4, lo=0.5, hi=2)
    mc = nn.CrossEntropyLoss(weight=torch.tensor(w), ignore_index=0, label_smoothing=0.2)
    mt = T.nn.CrossEntropyLoss(weight=T.tensor(w), ignore_index=0, label_smoothing=0.2)
    assert repr(mc) == repr(mt) and list(mc.state_dict()) == list(mt.state_dict()) == ["weight"]
    x, t = f32(5, 4), RNG.integers(0, 4, 5)
    np.testing.assert_allclose(mc(torch.tensor(x), torch.tensor(t)).item(), mt(T.tensor(x), T.tensor(t)).item(),
                               rtol=1e-5)
    mc = nn.BCEWithLogitsLoss(pos_weight=torch.tensor(w))
    mt = T.nn.BCEWithLogitsLoss(pos_weight=T.tensor(w))
    assert list(mc.state_dict()) == list(mt.state_dict()) == ["pos_weight"]
    y = (f32(5, 4) > 0).astype(np.float32)
    np.testing.assert_allclose(mc(torch.tensor(x), torch.tensor(y)).item(), mt(T.tensor(x), T.tensor(y)).item(),
                               rtol=1e-5)
    assert mc.double().pos_weight.dtype == torch.float64  # buffers follow the module
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        assert nn.MSELoss(size_average=False).reduction == "sum"
    with pytest.raises(ValueError, match="expected margin to be greater than 0"):
        nn.TripletMarginLoss(margin=0)
    m, v = nn.GaussianNLLLoss(), f32(5, 1, lo=0.1, hi=2)
    np.testing.assert_allclose(m(torch.tensor(x), torch.tensor(y), torch.tensor(v)).item(),
                               T.nn.GaussianNLLLoss()(T.tensor(x), T.tensor(y), T.tensor(v)).item(), rtol=1e-5)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_composite_losses_show_torch_grad_fn_names(reduction):
    x = np.random.default_rng(3).uniform(0.1, 0.9, size=(4, 3)).astype(np.float32)
    y = np.random.default_rng(4).uniform(size=(4, 3)).astype(np.float32)
    t = np.array([0, 1, 2, 1])
    for name in ["mse_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
                 "binary_cross_entropy_with_logits", "nll_loss", "cross_entropy"]:
        target = t if name in ("nll_loss", "cross_entropy") else y
        ours = getattr(F, name)(torch.tensor(x, requires_grad=True), torch.tensor(target), reduction=reduction)
        theirs = getattr(T.nn.functional, name)(T.tensor(x, requires_grad=True), T.tensor(target),
                                                reduction=reduction)
        assert type(ours.grad_fn).__name__ == type(theirs.grad_fn).__name__, name
