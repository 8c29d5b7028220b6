"""Convolutions against PyTorch: forward, input/weight/bias gradients, modules, errors."""
import numpy as np
import pytest

import harness
from harness import check, check_raises_same

import cltorch
import torch

pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel lengths")

TOL = dict(rtol=1e-4, atol=1e-4, grad_rtol=1e-4, grad_atol=2e-4)


def _conv(name, **kw):
    def fn(lib, x, w, b=None):
        return getattr(lib.nn.functional, name)(x, w, b, **kw)
    fn.__name__ = f"{name}({kw})"
    return fn


CONV2D = [
    # (input shape, weight shape, bias, kwargs)
    ((2, 4, 7, 5), (6, 4, 3, 3), True, {}),
    ((3, 4, 7, 5), (6, 4, 3, 3), False, dict(stride=2, padding=1)),
    ((1, 4, 7, 5), (6, 4, 3, 2), True, dict(padding=(1, 2), dilation=2)),
    ((3, 4, 7, 5), (6, 2, 3, 3), True, dict(groups=2, stride=(2, 1))),
    ((3, 4, 7, 5), (4, 1, 3, 3), False, dict(groups=4, padding="same")),           # depthwise
    ((3, 4, 7, 5), (8, 1, 3, 3), True, dict(groups=4, padding=1, stride=2)),       # depthwise, multiplier 2
    ((2, 3, 7, 5), (5, 3, 4, 2), True, dict(padding="same", dilation=(1, 2))),     # asymmetric 'same'
    ((2, 3, 7, 5), (5, 3, 3, 3), True, dict(padding="valid", dilation=2)),
    ((3, 4, 7, 5), (6, 4, 1, 1), True, {}),                                          # pointwise: a plain GEMM
    ((3, 4, 7, 5), (6, 2, 1, 1), False, dict(groups=2)),
    ((3, 4, 7, 5), (6, 4, 1, 1), True, dict(stride=2)),
    ((2, 3, 9, 9), (4, 3, 5, 5), True, dict(stride=3, padding=2, dilation=1)),
]


@pytest.mark.parametrize("xs,ws,bias,kw", CONV2D, ids=[f"{c[0]}-{c[1]}-{c[3]}" for c in CONV2D])
def test_conv2d(xs, ws, bias, kw):
    shapes = [xs, ws] + ([(ws[0],)] if bias else [])
    check(_conv("conv2d", **kw), shapes, grad=True, **TOL)


CONV1D = [
    ((2, 4, 9), (6, 4, 3), True, {}),
    ((3, 4, 9), (6, 2, 3), True, dict(stride=2, groups=2, padding=2)),
    ((1, 4, 10), (4, 1, 4), False, dict(padding="same", dilation=3, groups=4)),
    ((3, 4, 9), (6, 4, 1), True, {}),
]


@pytest.mark.parametrize("xs,ws,bias,kw", CONV1D, ids=[f"{c[0]}-{c[1]}-{c[3]}" for c in CONV1D])
def test_conv1d(xs, ws, bias, kw):
    shapes = [xs, ws] + ([(ws[0],)] if bias else [])
    check(_conv("conv1d", **kw), shapes, grad=True, **TOL)


def test_conv3d():
    check(_conv("conv3d", padding=1, stride=(1, 2, 1), dilation=(1, 1, 2)), [(2, 2, 4, 5, 6), (3, 2, 2, 3, 2), (3,)],
          grad=True, noncontiguous=False, **TOL)


TRANSPOSED = [
    ("conv_transpose2d", (2, 4, 5, 6), (4, 3, 3, 3), True, {}),
    ("conv_transpose2d", (2, 4, 5, 6), (4, 3, 3, 3), True, dict(stride=2, padding=1, output_padding=1)),
    ("conv_transpose2d", (3, 4, 5, 6), (4, 3, 3, 2), False, dict(stride=(2, 3), groups=2, dilation=2,
                                                                  output_padding=(1, 0))),
    ("conv_transpose2d", (2, 4, 5, 5), (4, 3, 3, 3), True, dict(dilation=3, output_padding=2)),  # op >= stride
    ("conv_transpose2d", (2, 4, 5, 6), (4, 1, 3, 3), True, dict(groups=4, padding=1)),
    ("conv_transpose2d", (2, 4, 5, 6), (4, 3, 1, 1), True, {}),
    ("conv_transpose1d", (3, 4, 7), (4, 2, 3), True, dict(stride=2, output_padding=1, groups=2)),
    ("conv_transpose1d", (1, 4, 7), (4, 3, 4), True, dict(padding=2, dilation=2)),
]


@pytest.mark.parametrize("name,xs,ws,bias,kw", TRANSPOSED, ids=[f"{c[0]}-{c[1]}-{c[2]}-{c[4]}" for c in TRANSPOSED])
def test_conv_transpose(name, xs, ws, bias, kw):
    shapes = [xs, ws] + ([(ws[1] * kw.get("groups", 1),)] if bias else [])
    check(_conv(name, **kw), shapes, grad=True, **TOL)


def test_conv_transpose3d():
    check(_conv("conv_transpose3d", stride=2, padding=1, output_padding=(1, 0, 1)),
          [(1, 2, 3, 4, 3), (2, 3, 2, 3, 3), (3,)], grad=True, noncontiguous=False, **TOL)


@pytest.mark.parametrize("name,xs,ws", [("conv2d", (4, 7, 5), (6, 4, 3, 3)), ("conv1d", (4, 9), (6, 4, 3)),
                                        ("conv_transpose2d", (4, 5, 6), (4, 3, 3, 3))])
def test_unbatched_input(name, xs, ws):
    check(_conv(name, stride=2), [xs, ws, (ws[1] if "transpose" in name else ws[0],)], grad=True, **TOL)


def test_empty_batch():
    check(_conv("conv2d", padding=1), [(0, 4, 7, 5), (6, 4, 3, 3), (6,)], grad=True, noncontiguous=False)
    check(_conv("conv_transpose2d", stride=2), [(0, 4, 5, 6), (4, 3, 3, 3), (3,)], grad=True,
          noncontiguous=False)


def test_non_contiguous_views():
    """A transposed (NHWC-strided) input and a sliced weight, besides harness's own strided layouts."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 7, 5, 4)).astype(np.float32)
    w = rng.standard_normal((6, 4, 3, 5)).astype(np.float32)
    g = rng.standard_normal((2, 6, 4, 3)).astype(np.float32)
    outs = []
    for lib in (cltorch, torch):
        xt = lib.tensor(x).requires_grad_()
        wt = lib.tensor(w).requires_grad_()
        y = lib.nn.functional.conv2d(xt.permute(0, 3, 1, 2)[:, :, ::2], wt[:, :, :, 1:4], stride=(1, 1),
                                     padding=(1, 0))
        y.backward(lib.tensor(g))
        outs.append((y, xt.grad, wt.grad))
    for c, t in zip(*outs):
        harness.assert_same(c, t, rtol=1e-4, atol=1e-4)


def test_expanded_upstream_gradient():
    def fn(lib, x, w, b):
        return lib.nn.functional.conv2d(x, w, b, padding=1).sum()
    check(fn, [(2, 3, 5, 4), (4, 3, 3, 3), (4,)], grad=True, noncontiguous=False, **TOL)


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=(2, 3), dilation=(1, 2), padding=1, stride=2)])
def test_unfold_fold(kw):
    def unfold(lib, x):
        return lib.nn.functional.unfold(x, **kw)
    check(unfold, [(2, 3, 6, 7)], grad=True, **TOL)
    cols = torch.nn.functional.unfold(torch.zeros(2, 3, 6, 7), **kw).shape

    def fold(lib, c):
        return lib.nn.functional.fold(c, (6, 7), **kw)
    check(fold, [tuple(cols)], grad=True, **TOL)
    check(fold, [tuple(cols[1:])], grad=True, **TOL)  # unbatched


def test_unfold_fold_modules():
    check(lambda lib, x: lib.nn.Fold((6, 7), 3, padding=1)(lib.nn.Unfold(3, padding=1)(x)), [(2, 3, 6, 7)],
          grad=True, **TOL)


MODULES = ["Conv1d(3, 4, 3)", "Conv2d(3, 4, 3)", "Conv2d(4, 6, (3, 5), stride=2, padding=1, dilation=2, groups=2, "
           "bias=False)", "Conv2d(4, 4, 3, padding='same', groups=4)", "Conv3d(2, 2, 3)",
           "ConvTranspose1d(2, 4, 3, groups=2)", "ConvTranspose2d(3, 4, 3, stride=2, output_padding=1)",
           "ConvTranspose3d(2, 4, (1, 2, 3), dilation=2)", "Unfold(3)", "Fold((4, 5), 2, padding=1)",
           "Conv2d(4, 4, (3, 4), padding='same', padding_mode='reflect')"]


@pytest.mark.parametrize("spec", MODULES)
def test_module_repr_and_parameters(spec):
    t, c = eval("torch.nn." + spec), eval("cltorch.nn." + spec)
    assert repr(c) == repr(t)
    assert [(n, tuple(p.shape)) for n, p in c.named_parameters()] == \
           [(n, tuple(p.shape)) for n, p in t.named_parameters()]
    for attr in ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups",
                 "output_padding", "transposed", "padding_mode", "_reversed_padding_repeated_twice"):
        assert getattr(c, attr, None) == getattr(t, attr, None), attr


def _copy_params(c_mod, t_mod):
    with torch.no_grad():
        for (_, cp), (_, tp) in zip(c_mod.named_parameters(), t_mod.named_parameters()):
            tp.copy_(torch.from_numpy(cp.detach().numpy()))


@pytest.mark.parametrize("spec,xs,kw", [
    ("ConvTranspose2d(4, 3, 3, stride=2)", (1, 4, 5, 5), dict(output_size=[12, 12])),
    ("ConvTranspose2d(4, 3, 3, stride=2)", (1, 4, 5, 5), dict(output_size=[1, 3, 11, 12])),
    ("ConvTranspose2d(4, 3, 3, stride=2)", (4, 5, 5), dict(output_size=[12, 11])),
    ("ConvTranspose1d(4, 3, 3, stride=3, padding=1)", (2, 4, 5), dict(output_size=[15])),
    ("Conv2d(4, 6, 3, stride=2, padding=1)", (2, 4, 7, 5), {}),
])
def test_module_forward_backward(spec, xs, kw):
    c_mod, t_mod = eval("cltorch.nn." + spec), eval("torch.nn." + spec)
    _copy_params(c_mod, t_mod)
    x = np.random.default_rng(1).standard_normal(xs).astype(np.float32)
    cx, tx = cltorch.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    cy, ty = c_mod(cx, **kw), t_mod(tx, **kw)
    harness.assert_same(cy, ty, rtol=1e-4, atol=1e-5)
    g = np.random.default_rng(2).standard_normal(tuple(ty.shape)).astype(np.float32)
    cy.backward(cltorch.tensor(g))
    ty.backward(torch.tensor(g))
    harness.assert_same(cx.grad, tx.grad, rtol=1e-4, atol=1e-4)
    harness.assert_same(c_mod.weight.grad, t_mod.weight.grad, rtol=1e-4, atol=1e-4)


def test_transpose_bad_output_size():
    x = np.zeros((1, 4, 5, 5), np.float32)
    check_raises_same(lambda lib, x: lib.nn.ConvTranspose2d(4, 3, 3, stride=2)(x, output_size=[13, 13]), [x])
    check_raises_same(lambda lib, x: lib.nn.ConvTranspose2d(4, 3, 3, stride=2)(x, output_size=[1, 12, 12]), [x])


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_padding_modes(mode):
    spec = f"Conv2d(3, 4, 3, padding=(1, 2), padding_mode='{mode}')"
    c_mod, t_mod = eval("cltorch.nn." + spec), eval("torch.nn." + spec)
    x = np.random.default_rng(4).standard_normal((2, 3, 6, 5)).astype(np.float32)
    if not hasattr(cltorch.nn.functional, "pad"):
        with pytest.raises(NotImplementedError, match="functional.pad"):
            c_mod(cltorch.tensor(x))
        return
    _copy_params(c_mod, t_mod)
    harness.assert_same(c_mod(cltorch.tensor(x)), t_mod(torch.tensor(x)), rtol=1e-4, atol=1e-5)


# -- errors: the same exception type as torch (messages are checked in tests/test_nn_conv.py) ------------
def _arr(*shape):
    return np.zeros(shape, np.float32)


BAD_CALLS = [
    ("conv2d", (_arr(2, 4, 5, 5), _arr(6, 3, 3, 3)), {}),                       # wrong channels
    ("conv2d", (_arr(2, 4, 5, 5), _arr(6, 3, 3, 3)), dict(groups=2)),
    ("conv2d", (_arr(2, 4, 5, 5), _arr(5, 2, 3, 3)), dict(groups=2)),           # out channels % groups
    ("conv2d", (_arr(2, 4, 5, 5), _arr(6, 4, 7, 7)), {}),                       # kernel larger than padded input
    ("conv2d", (_arr(2, 4, 0, 5), _arr(6, 4, 3, 3)), {}),
    ("conv2d", (_arr(2, 4, 5, 5), _arr(6, 4, 3, 3)), dict(padding="same", stride=2)),
    ("conv2d", (_arr(2, 4, 5, 5), _arr(6, 4, 3, 3)), dict(padding="foo")),
    ("conv2d", (_arr(2, 4, 5, 5), _arr(6, 4, 3, 3)), dict(stride=0)),
    ("conv2d", (_arr(2, 4, 5, 5), _arr(6, 4, 3, 3)), dict(padding=-1)),
    ("conv2d", (_arr(2, 4, 5, 5), _arr(6, 4, 3, 3)), dict(dilation=0)),
    ("conv2d", (_arr(2, 4, 5, 5), _arr(6, 4, 3, 3)), dict(groups=0)),
    ("conv2d", (_arr(2, 4, 5, 5), _arr(6, 4, 3, 3)), dict(stride=(1, 2, 3))),
    ("conv2d", (_arr(2, 4, 5, 5), _arr(6, 4, 3, 3), _arr(5)), {}),
    ("conv2d", (_arr(4, 5), _arr(6, 4, 3, 3)), {}),
    ("conv2d", (_arr(1, 2, 4, 5, 5), _arr(6, 4, 3, 3)), {}),
    ("conv2d", (_arr(2, 4, 5, 5), _arr(6, 4, 3)), {}),
    ("conv2d", (_arr(2, 4, 5, 5), _arr(6, 4, 3, 3).astype(np.float64)), {}),
    ("conv2d", (_arr(2, 4, 5, 5), _arr(6, 4, 3, 3), _arr(6).astype(np.float64)), {}),
    ("conv2d", (_arr(2, 4, 5, 5).astype(bool), _arr(6, 4, 3, 3).astype(bool)), {}),
    ("conv1d", (_arr(2, 4, 5), _arr(6, 4, 3)), dict(padding=(1, 1))),
    ("conv1d", (_arr(2, 4, 5), _arr(6, 4, 3)), dict(dilation=3)),
    ("conv_transpose2d", (_arr(2, 4, 5, 5), _arr(4, 3, 3, 3)), dict(stride=2, output_padding=2)),
    ("conv_transpose2d", (_arr(2, 4, 5, 5), _arr(3, 3, 3, 3)), {}),
    ("conv_transpose2d", (_arr(2, 4, 5, 5), _arr(4, 3, 3, 3)), dict(groups=3)),
    ("conv_transpose2d", (_arr(2, 4, 5, 5), _arr(4, 3, 3, 3)), dict(padding="same")),
    ("conv_transpose1d", (_arr(2, 4, 5), _arr(4, 3, 3), _arr(4)), {}),
    ("conv_transpose1d", (_arr(1, 2, 4, 5), _arr(4, 3, 3)), {}),
    ("unfold", (_arr(2, 3, 5, 5),), dict(kernel_size=2, stride=0)),
    ("unfold", (_arr(2, 3, 5, 5),), dict(kernel_size=2, padding=-1)),
    ("unfold", (_arr(2, 3, 5, 5),), dict(kernel_size=(2, 2, 2))),
    ("unfold", (_arr(2, 3, 5, 5, 5),), dict(kernel_size=2)),
    ("unfold", (_arr(1, 2, 5, 5),), dict(kernel_size=7)),
    ("unfold", (_arr(2, 3, 5, 5).astype(np.int32),), dict(kernel_size=2)),
    ("fold", (_arr(2, 12, 15),), dict(output_size=(5, 5), kernel_size=2)),
    ("fold", (_arr(2, 13, 16),), dict(output_size=(5, 5), kernel_size=2)),
    ("fold", (_arr(12),), dict(output_size=(5, 5), kernel_size=2)),
]


@pytest.mark.parametrize("name,args,kw", BAD_CALLS, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD_CALLS)])
def test_bad_arguments_raise_like_torch(name, args, kw):
    check_raises_same(lambda lib, *a, **k: getattr(lib.nn.functional, name)(*a, **k), args, kw)


@pytest.mark.parametrize("spec", ["Conv2d(3, 4, 3, groups=2)", "Conv2d(4, 3, 3, groups=2)",
                                  "Conv2d(4, 4, 3, padding_mode='foo')", "Conv2d(4, 4, 3, padding='foo')",
                                  "Conv2d(4, 4, 3, padding='same', stride=2)", "Conv2d(4, 4, 3, groups=0)",
                                  "ConvTranspose2d(4, 4, 3, padding_mode='reflect')"])
def test_bad_module_arguments(spec):
    check_raises_same(lambda lib: eval("lib.nn." + spec))

