"""Batch, layer, group and instance norm against PyTorch: forward, gradients, running statistics, modules."""
import numpy as np
import pytest
import torch as T

import cltorch as torch
import cltorch.nn as nn
import cltorch.nn.functional as F
from cltorch.autograd import gradcheck

RNG = np.random.default_rng(3)


def f32(*shape, scale=1.0, shift=0.0):
    return (RNG.standard_normal(shape) * scale + shift).astype(np.float32)


def close(c, t, rtol=1e-4, atol=1e-5, msg=""):
    assert tuple(c.shape) == tuple(t.shape), msg
    np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol, err_msg=msg)


def run_both(fn_c, fn_t, arrays, grads=True, rtol=1e-4, atol=1e-5, view=None):
    """Apply both functions to tensors made from arrays (None stays None); compare output and grads."""
    cs = [None if a is None else torch.tensor(a, requires_grad=grads) for a in arrays]
    ts = [None if a is None else T.tensor(a, requires_grad=grads) for a in arrays]
    ca, ta = list(cs), list(ts)
    if view is not None:
        ca[0], ta[0] = view(ca[0]), view(ta[0])
    oc, ot = fn_c(*ca), fn_t(*ta)
    close(oc, ot, rtol, atol, "forward")
    if grads:
        up = f32(*ot.shape)
        oc.backward(torch.tensor(up))
        ot.backward(T.tensor(up))
        for i, (c, t) in enumerate(zip(cs, ts)):
            if t is not None:
                close(c.grad, t.grad, rtol * 10, atol * 10, f"grad {i}")
    return oc


# -- batch norm ----------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(4, 3), (33, 19), (5, 3, 7), (2, 3, 4, 5), (1, 3, 1023), (16, 2, 1030),
                                   (1, 2, 3, 2, 2)])
def test_batch_norm_training(shape):
    c = shape[1]
    x, w, b = f32(*shape, scale=3, shift=1), f32(c), f32(c)
    rm_c, rv_c = torch.zeros(c), torch.ones(c)
    rm_t, rv_t = T.zeros(c), T.ones(c)
    run_both(lambda x_, w_, b_: F.batch_norm(x_, rm_c, rv_c, w_, b_, training=True, momentum=0.3),
             lambda x_, w_, b_: T.nn.functional.batch_norm(x_, rm_t, rv_t, w_, b_, training=True, momentum=0.3),
             [x, w, b])
    close(rm_c, rm_t, msg="running_mean")
    close(rv_c, rv_t, msg="running_var")
    # without running statistics, weight or bias
    run_both(lambda x_: F.batch_norm(x_, None, None, training=True),
             lambda x_: T.nn.functional.batch_norm(x_, None, None, training=True), [x])


def test_batch_norm_eval_and_views():
    x, w, b = f32(6, 4, 5), f32(4), f32(4)
    rm, rv = f32(4), np.abs(f32(4)) + 0.5
    run_both(lambda x_, w_, b_: F.batch_norm(x_, torch.tensor(rm), torch.tensor(rv), w_, b_, eps=1e-3),
             lambda x_, w_, b_: T.nn.functional.batch_norm(x_, T.tensor(rm), T.tensor(rv), w_, b_, eps=1e-3),
             [x, w, b])
    # non-contiguous input (channels from a transposed view) in training mode
    xt = f32(5, 4, 6)
    run_both(lambda x_, w_: F.batch_norm(x_, None, None, w_, None, training=True),
             lambda x_, w_: T.nn.functional.batch_norm(x_, None, None, w_, None, training=True),
             [xt, f32(6)], view=lambda t: t.transpose(1, 2))
    out = F.batch_norm(torch.tensor(x), None, None, training=True)
    assert out.grad_fn is None  # nothing requires grad


def test_batch_norm_running_stats_do_not_record():
    rm, rv = torch.zeros(3), torch.ones(3)
    x = torch.tensor(f32(4, 3), requires_grad=True)
    version = rm._version
    y = F.batch_norm(x, rm, rv, training=True)
    assert rm.grad_fn is None and not rm.requires_grad and rv.grad_fn is None
    assert rm._version > version  # in-place update, as torch
    y.sum().backward()
    # strided running statistics are updated in place too
    buf_c, buf_t = torch.zeros(3, 2), T.zeros(3, 2)
    F.batch_norm(torch.tensor(x.detach().numpy()), buf_c[:, 0], buf_c[:, 1], training=True)
    T.nn.functional.batch_norm(T.tensor(x.detach().numpy()), buf_t[:, 0], buf_t[:, 1], training=True)
    close(buf_c, buf_t)


def test_batch_norm_errors():
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training, got input size "
                                         r"cltorch.Size\(\[1, 3\]\)"):
        F.batch_norm(torch.randn(1, 3), torch.zeros(3), torch.ones(3), training=True)
    with pytest.raises(RuntimeError, match="running_mean should contain 3 elements not 4"):
        F.batch_norm(torch.randn(4, 3), torch.zeros(4), torch.ones(4), training=True)
    with pytest.raises(RuntimeError, match="weight should contain 3 elements not 4"):
        F.batch_norm(torch.randn(4, 3), None, None, weight=torch.ones(4), training=True)
    with pytest.raises(RuntimeError, match="running_var must be defined in evaluation mode"):
        F.batch_norm(torch.randn(4, 3), torch.zeros(3), None)
    with pytest.raises(ValueError, match="must either both be None or neither be None"):
        F.batch_norm(torch.randn(4, 3), torch.zeros(3), None, training=True)
    with pytest.raises(RuntimeError, match="expect parameter to have scalar type of Float"):
        F.batch_norm(torch.randn(4, 3), None, None, torch.ones(3, dtype=torch.float64), training=True)
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.BatchNorm1d(3)(torch.randn(2, 3, 4, 5))
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        nn.BatchNorm2d(3)(torch.randn(2, 3, 4))
    with pytest.raises(ValueError, match=r"expected 5D input \(got 4D input\)"):
        nn.BatchNorm3d(3)(torch.randn(2, 3, 4, 4))


def test_batch_norm_empty_batch():
    rm = torch.zeros(3)
    x = torch.empty(0, 3, requires_grad=True)
    w = torch.ones(3, requires_grad=True)
    y = F.batch_norm(x, rm, torch.ones(3), w, w, training=True)
    assert tuple(y.shape) == (0, 3)
    y.sum().backward()
    assert tuple(x.grad.shape) == (0, 3) and w.grad.numpy().tolist() == [0.0, 0.0, 0.0]
    assert rm.numpy().tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("kw", [{}, {"momentum": None}, {"affine": False}, {"track_running_stats": False},
                                {"bias": False, "momentum": 0.5}])
def test_batch_norm_module_sequence(kw):
    mc, mt = nn.BatchNorm2d(3, **kw), T.nn.BatchNorm2d(3, **kw)
    assert repr(mc) == repr(mt)
    assert list(mc.state_dict()) == list(mt.state_dict())
    for step, train in enumerate((True, True, False, True, False)):
        mc.train(train)
        mt.train(train)
        x = f32(4, 3, 5, 3, scale=1 + step, shift=step)
        xc, xt = torch.tensor(x, requires_grad=True), T.tensor(x, requires_grad=True)
        yc, yt = mc(xc), mt(xt)
        close(yc, yt, msg=f"step {step}")
        up = f32(*x.shape)
        yc.backward(torch.tensor(up))
        yt.backward(T.tensor(up))
        close(xc.grad, xt.grad, 1e-3, 1e-4, f"input grad, step {step}")
        for (name, pc), (_, pt) in zip(mc.named_parameters(), mt.named_parameters()):
            close(pc.grad, pt.grad, 1e-3, 1e-4, f"{name} grad, step {step}")
        sc, st = mc.state_dict(), mt.state_dict()
        for key in st:
            assert sc[key].dtype.is_floating_point == st[key].dtype.is_floating_point, key
            close(sc[key], st[key], msg=f"{key}, step {step}")
    if mc.num_batches_tracked is not None:
        assert mc.num_batches_tracked.dtype == torch.int64 and mc.num_batches_tracked.item() == 3


def test_batch_norm_1d_and_3d_modules():
    for cls, shape in (("BatchNorm1d", (6, 4)), ("BatchNorm1d", (6, 4, 3)), ("BatchNorm3d", (2, 4, 2, 3, 2))):
        mc, mt = getattr(nn, cls)(4, eps=1e-3, momentum=0.2), getattr(T.nn, cls)(4, eps=1e-3, momentum=0.2)
        assert repr(mc) == repr(mt)
        x = f32(*shape)
        close(mc(torch.tensor(x)), mt(T.tensor(x)))
        close(mc.running_var, mt.running_var)
        mc.eval()
        mt.eval()
        close(mc(torch.tensor(x)), mt(T.tensor(x)))
    m = nn.BatchNorm1d(3)
    m.running_mean.fill_(2.0)
    m.num_batches_tracked.fill_(5)
    m.reset_running_stats()
    assert m.running_mean.numpy().tolist() == [0, 0, 0] and m.num_batches_tracked.item() == 0


# -- layer norm ----------------------------------------------------------------------------
@pytest.mark.parametrize("shape,ns", [((4, 7), (7,)), ((3, 5, 6), (5, 6)), ((1023,), (1023,)), ((2, 70000), (70000,)),
                                      ((2, 3, 1), (1,)), ((1, 1), (1,))])
def test_layer_norm(shape, ns):
    x, w, b = f32(*shape, scale=2, shift=3), f32(*ns), f32(*ns)
    run_both(lambda x_, w_, b_: F.layer_norm(x_, ns, w_, b_, 1e-4),
             lambda x_, w_, b_: T.nn.functional.layer_norm(x_, ns, w_, b_, 1e-4), [x, w, b], atol=3e-5)
    run_both(lambda x_: F.layer_norm(x_, list(ns)), lambda x_: T.nn.functional.layer_norm(x_, list(ns)), [x],
             atol=3e-5)
    run_both(lambda x_, w_: F.layer_norm(x_, ns, w_), lambda x_, w_: T.nn.functional.layer_norm(x_, ns, w_),
             [x, w], atol=3e-5)


def test_layer_norm_views_empty_and_errors():
    run_both(lambda x_, w_, b_: F.layer_norm(x_, (6,), w_, b_), lambda x_, w_, b_: T.nn.functional.layer_norm(
        x_, (6,), w_, b_), [f32(6, 5), f32(6), f32(6)], view=lambda t: t.t())
    x = torch.empty(0, 4, requires_grad=True)
    w = torch.ones(4, requires_grad=True)
    F.layer_norm(x, [4], w, w).sum().backward()
    assert w.grad.numpy().tolist() == [0.0] * 4
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[5\], expected input with shape \[\*, 5\], but "
                                           r"got input of size\[3, 4\]"):
        F.layer_norm(torch.randn(3, 4), [5])
    with pytest.raises(RuntimeError, match=r"Expected weight to be of same shape as normalized_shape, but got weight "
                                           r"of shape \[5\] and normalized_shape = \[4\]"):
        F.layer_norm(torch.randn(3, 4), [4], weight=torch.ones(5))
    with pytest.raises(TypeError, match="must be tuple of ints, not int"):
        F.layer_norm(torch.randn(3, 4), 4)


def test_layer_norm_module():
    for kw in ({}, {"elementwise_affine": False}, {"bias": False}, {"eps": 1e-3}):
        mc, mt = nn.LayerNorm([3, 4], **kw), T.nn.LayerNorm([3, 4], **kw)
        assert repr(mc) == repr(mt) and mc.normalized_shape == mt.normalized_shape
        assert list(mc.state_dict()) == list(mt.state_dict())
        x = f32(2, 3, 4)
        close(mc(torch.tensor(x)), mt(T.tensor(x)))
    assert repr(nn.LayerNorm(5)) == repr(T.nn.LayerNorm(5))


def test_norm_half_input():
    x = f32(8, 6)
    y = F.layer_norm(torch.tensor(x).half(), (6,), torch.ones(6).half(), torch.zeros(6).half())
    assert y.dtype == torch.float16
    np.testing.assert_allclose(y.float().numpy(), T.nn.functional.layer_norm(T.tensor(x), (6,)).numpy(), atol=5e-3)
    y = F.batch_norm(torch.tensor(x).half(), None, None, torch.ones(6), torch.zeros(6), training=True)
    assert y.dtype == torch.float16
    ref = T.nn.functional.batch_norm(T.tensor(x), None, None, training=True)
    np.testing.assert_allclose(y.float().numpy(), ref.numpy(), atol=5e-3)


# -- group norm and instance norm ----------------------------------------------------------
@pytest.mark.parametrize("shape,groups", [((2, 6, 5), 3), ((3, 4, 2, 3), 4), ((2, 4), 2), ((1, 2, 40000), 1),
                                          ((2, 6, 7), 1)])
def test_group_norm(shape, groups):
    c = shape[1]
    x, w, b = f32(*shape, scale=2, shift=-1), f32(c), f32(c)
    run_both(lambda x_, w_, b_: F.group_norm(x_, groups, w_, b_), lambda x_, w_, b_: T.nn.functional.group_norm(
        x_, groups, w_, b_), [x, w, b], atol=3e-5)
    run_both(lambda x_: F.group_norm(x_, groups), lambda x_: T.nn.functional.group_norm(x_, groups), [x], atol=3e-5)


def test_group_norm_module_and_errors():
    mc, mt = nn.GroupNorm(2, 4), T.nn.GroupNorm(2, 4)
    assert repr(mc) == repr(mt) and list(mc.state_dict()) == list(mt.state_dict())
    assert repr(nn.GroupNorm(1, 3, affine=False)) == repr(T.nn.GroupNorm(1, 3, affine=False))
    x = f32(3, 4, 5)
    close(mc(torch.tensor(x)), mt(T.tensor(x)))
    with pytest.raises(ValueError, match=r"num_channels \(6\) must be divisible by num_groups \(4\)"):
        nn.GroupNorm(4, 6)
    with pytest.raises(RuntimeError, match="Expected number of channels in input to be divisible by num_groups"):
        F.group_norm(torch.randn(2, 6, 4), 4)
    with pytest.raises(RuntimeError, match="Expected at least 2 dimensions for input tensor but received 1"):
        F.group_norm(torch.randn(6), 3)
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training, got input size "
                                         r"\[1, 4\]"):
        F.group_norm(torch.randn(1, 4), 4)


@pytest.mark.parametrize("kw", [{}, {"affine": True}, {"track_running_stats": True, "momentum": 0.3},
                                {"affine": True, "track_running_stats": True}])
def test_instance_norm_modules(kw):
    for cls, shape in (("InstanceNorm1d", (3, 4, 6)), ("InstanceNorm2d", (2, 4, 3, 3)), ("InstanceNorm1d", (4, 6))):
        mc, mt = getattr(nn, cls)(4, **kw), getattr(T.nn, cls)(4, **kw)
        assert repr(mc) == repr(mt) and list(mc.state_dict()) == list(mt.state_dict())
        for train in (True, False):
            mc.train(train)
            mt.train(train)
            x = f32(*shape, scale=2, shift=1)
            xc, xt = torch.tensor(x, requires_grad=True), T.tensor(x, requires_grad=True)
            yc, yt = mc(xc), mt(xt)
            close(yc, yt)
            up = f32(*shape)
            yc.backward(torch.tensor(up))
            yt.backward(T.tensor(up))
            close(xc.grad, xt.grad, 1e-3, 1e-4)
            for key, v in mt.state_dict().items():
                close(mc.state_dict()[key], v, msg=key)
    with pytest.raises(ValueError, match="Expected more than 1 spatial element when training"):
        F.instance_norm(torch.randn(2, 3, 1))
    with pytest.raises(ValueError, match=r"expected input's size at dim=1 to match num_features \(3\), but got: 4\."):
        nn.InstanceNorm1d(3, affine=True)(torch.randn(2, 4, 5))


# -- gradients: float64 gradcheck and double backward ---------------------------------------
def test_norm_gradcheck_float64():
    x = torch.tensor(RNG.standard_normal((4, 3, 2)), requires_grad=True)
    w = torch.tensor(RNG.standard_normal(3), requires_grad=True)
    b = torch.tensor(RNG.standard_normal(3), requires_grad=True)
    assert gradcheck(lambda a, c, d: F.batch_norm(a, None, None, c, d, training=True), (x, w, b))
    rm, rv = torch.tensor(RNG.standard_normal(3)), torch.tensor(RNG.uniform(0.5, 2, 3))
    assert gradcheck(lambda a, c, d: F.batch_norm(a, rm, rv, c, d), (x, w, b))
    wl = torch.tensor(RNG.standard_normal((3, 2)), requires_grad=True)
    bl = torch.tensor(RNG.standard_normal((3, 2)), requires_grad=True)
    assert gradcheck(lambda a, c, d: F.layer_norm(a, (3, 2), c, d * 2), (x, wl, bl))
    assert gradcheck(lambda a, c, d: F.group_norm(a, 3, c, d), (x, w, b))


def test_norm_double_backward():
    x = f32(5, 3, 4)
    w = f32(3)
    for kind in ("batch", "layer", "group"):
        grads = []
        for lib, F_ in ((torch, F), (T, T.nn.functional)):
            xx = lib.tensor(x, requires_grad=True)
            ww = lib.tensor(w, requires_grad=True)
            if kind == "batch":
                y = F_.batch_norm(xx, None, None, ww, None, training=True)
            elif kind == "layer":
                y = F_.layer_norm(xx, (4,))
            else:
                y = F_.group_norm(xx, 3, ww)
            (gx,) = lib.autograd.grad((y * y.detach().sin()).sum(), xx, create_graph=True)
            (gx * gx).sum().backward()
            grads.append((xx.grad.detach().numpy(), None if ww.grad is None else ww.grad.detach().numpy()))
        np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-3, atol=1e-4, err_msg=kind)
        if grads[1][1] is not None:
            np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-3, atol=1e-4, err_msg=kind)


def test_state_dict_without_num_batches_tracked_loads_like_torch():
    theirs = T.nn.BatchNorm1d(3)
    sd = {k: v for k, v in theirs.state_dict().items() if k != "num_batches_tracked"}
    theirs.load_state_dict(sd)
    ours = nn.BatchNorm1d(3)
    ours.num_batches_tracked.fill_(5)
    ours.load_state_dict({k: torch.tensor(v.numpy()) for k, v in sd.items()})
    assert ours.num_batches_tracked.item() == theirs.num_batches_tracked.item() == 0
