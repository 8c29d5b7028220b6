"""Pooling, unpooling and interpolation (functional and modules) against real torch, forward and backward."""
import numpy as np
import pytest
import torch as T

import cltorch as torch
import cltorch.nn as nn
import cltorch.nn.functional as F
from cltorch.autograd import gradcheck

RNG = np.random.default_rng(11)
LAYOUTS = ("contiguous", "transposed", "sliced")


def make(lib, arr, layout="contiguous", grad=False):
    """arr's values as a lib tensor: dense, a transpose of the last two dims, or every other column."""
    if layout == "transposed" and arr.ndim >= 2:
        base = np.ascontiguousarray(np.swapaxes(arr, -1, -2))
        t = (T.from_numpy(base) if lib is T else torch.from_numpy(base)).transpose(-1, -2)
    elif layout == "sliced" and arr.ndim >= 1:
        base = np.repeat(arr, 2, axis=-1).copy()
        base[..., 1::2] = np.nan  # a kernel reading the gaps turns its result into NaN
        t = (T.from_numpy(base) if lib is T else torch.from_numpy(base))[..., ::2]
    else:
        t = T.from_numpy(arr.copy()) if lib is T else torch.from_numpy(arr.copy())
    if grad:
        t = t.detach().requires_grad_(True) if lib is T else t.requires_grad_(True)
    return t


def np_of(t):
    return t.detach().numpy() if isinstance(t, T.Tensor) else t.numpy(force=True)


def compare(fn, shape, layout="contiguous", dtype=np.float32, rtol=1e-5, atol=1e-6, grad=True, arr=None):
    """fn(lib, x) in both libraries: outputs (values, shapes, dtypes) and input grads under a random upstream."""
    arr = RNG.standard_normal(shape).astype(dtype) if arr is None else arr
    results = {}
    up = None
    for lib in (T, torch):
        x = make(lib, arr, layout, grad=grad)
        out = fn(lib, x)
        outs = out if isinstance(out, tuple) else (out,)
        if up is None and grad:
            up = RNG.standard_normal(tuple(outs[0].shape)).astype(dtype)
        if grad and outs[0].numel():
            outs[0].backward(make(lib, up))
        results[lib] = ([(tuple(o.shape), str(o.dtype).split(".")[1], np_of(o)) for o in outs],
                        np_of(x.grad) if grad and x.grad is not None else None)
    (t_outs, t_grad), (c_outs, c_grad) = results[T], results[torch]
    for (ts, td, tv), (cs, cd, cv) in zip(t_outs, c_outs):
        assert cs == ts and cd == td
        np.testing.assert_allclose(cv, tv, rtol=rtol, atol=atol)
    if grad:
        assert (c_grad is None) == (t_grad is None)
        if t_grad is not None:
            np.testing.assert_allclose(c_grad, t_grad, rtol=rtol, atol=atol * 10)


# -- max pooling ---------------------------------------------------------------------------
MAX2D = [
    dict(kernel_size=3, stride=2),
    dict(kernel_size=3, stride=2, ceil_mode=True),
    dict(kernel_size=3, stride=1, padding=1),
    dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), dilation=2, ceil_mode=True),
    dict(kernel_size=2),
    dict(kernel_size=(2, 3), stride=(3, 2), padding=1, ceil_mode=True),
]


@pytest.mark.parametrize("kw", MAX2D)
@pytest.mark.parametrize("shape", [(3, 2, 7, 5), (1, 1, 8, 9), (2, 7, 5)])
def test_max_pool2d(kw, shape):
    compare(lambda L, x: L.nn.functional.max_pool2d(x, return_indices=True, **kw), shape)


@pytest.mark.parametrize("layout", LAYOUTS[1:])
def test_max_pool2d_noncontiguous(layout):
    compare(lambda L, x: L.nn.functional.max_pool2d(x, 3, 2, 1, return_indices=True), (2, 3, 7, 6), layout)
    compare(lambda L, x: L.nn.functional.max_pool2d(x.permute(1, 0, 2, 3), 2, 1, return_indices=True),
            (3, 2, 5, 7), layout)


@pytest.mark.parametrize("kw", [dict(kernel_size=3, stride=2), dict(kernel_size=3, stride=2, ceil_mode=True),
                                dict(kernel_size=4, stride=1, padding=2, dilation=1),
                                dict(kernel_size=2, stride=3, padding=1, dilation=2, ceil_mode=True)])
@pytest.mark.parametrize("shape", [(3, 2, 11), (4, 9)])
def test_max_pool1d(kw, shape):
    compare(lambda L, x: L.nn.functional.max_pool1d(x, return_indices=True, **kw), shape)
    compare(lambda L, x: L.nn.functional.max_pool1d(x, **kw), shape, "sliced")


def test_max_pool_ties_nan_and_integers():
    arr = np.round(RNG.standard_normal((2, 3, 6, 7))).astype(np.float32)  # many ties: first max wins
    arr[0, 0, 1, 1] = np.nan
    arr[1, 2, 2, 3] = arr[1, 2, 4, 4] = np.nan
    compare(lambda L, x: L.nn.functional.max_pool2d(x, 3, 1, 1, return_indices=True), None, arr=arr)
    ints = RNG.integers(-50, 50, (2, 3, 7, 5))
    for lib in (T, torch):
        out, idx = lib.nn.functional.max_pool2d(lib.tensor(ints), 3, 2, ceil_mode=True, return_indices=True)
        if lib is T:
            expect = (out.numpy(), idx.numpy())
        else:
            assert out.dtype == torch.int64
            np.testing.assert_array_equal(out.numpy(), expect[0])
            np.testing.assert_array_equal(idx.numpy(), expect[1])


def test_max_pool_float64_and_empty_batch():
    compare(lambda L, x: L.nn.functional.max_pool2d(x, 2, 1, return_indices=True), (2, 2, 4, 5), dtype=np.float64,
            rtol=1e-12, atol=1e-12)
    for fn in (lambda L, x: L.nn.functional.max_pool2d(x, 3, 2, return_indices=True),
               lambda L, x: L.nn.functional.avg_pool2d(x, 3, 2),
               lambda L, x: L.nn.functional.adaptive_avg_pool2d(x, 3),
               lambda L, x: L.nn.functional.adaptive_max_pool2d(x, (2, 3), return_indices=True),
               lambda L, x: L.nn.functional.interpolate(x, scale_factor=2, mode="bilinear")):
        compare(fn, (0, 3, 7, 5))



# Non-overlapping windows ((k - 1) * dilation + 1 <= stride): the backward where each output
# writes its own cell of grad_input (borders, gaps and padding included).
DISJOINT2D = [
    dict(kernel_size=2),
    dict(kernel_size=2, stride=3, padding=1),
    dict(kernel_size=3, ceil_mode=True),
    dict(kernel_size=(2, 3), stride=(2, 4), padding=1, ceil_mode=True),
    dict(kernel_size=2, stride=3, dilation=2, ceil_mode=True),
    dict(kernel_size=(1, 2), stride=(2, 5)),
]


@pytest.mark.parametrize("kw", DISJOINT2D)
@pytest.mark.parametrize("shape", [(2, 3, 7, 5), (1, 2, 9, 12)])
def test_max_pool2d_disjoint_windows(kw, shape):
    compare(lambda L, x: L.nn.functional.max_pool2d(x, return_indices=True, **kw), shape)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_max_pool_disjoint_strided_operands(layout):
    # strided input, and a transposed (strided) upstream gradient reaching the backward
    compare(lambda L, x: L.nn.functional.max_pool2d(x, 2, ceil_mode=True).transpose(-1, -2), (2, 3, 7, 9), layout)
    compare(lambda L, x: L.nn.functional.max_pool1d(x, 3, 4, 1, ceil_mode=True), (3, 2, 13), layout)


def test_max_pool_disjoint_ties_nan_float64():
    arr = np.round(RNG.standard_normal((2, 3, 7, 9))).astype(np.float32)  # ties: the saved argmax gets it all
    arr[0, 0, 1, 1] = arr[0, 1, 4, 4] = arr[0, 1, 4, 5] = np.nan
    compare(lambda L, x: L.nn.functional.max_pool2d(x, 2, return_indices=True), None, arr=arr)
    compare(lambda L, x: L.nn.functional.max_pool2d(x, (2, 3), (3, 3), 1, return_indices=True), None, arr=arr)
    compare(lambda L, x: L.nn.functional.max_pool2d(x, 3, ceil_mode=True, return_indices=True), (2, 2, 8, 7),
            dtype=np.float64, rtol=1e-12, atol=1e-12)


def test_max_pool_disjoint_backward_writes_every_element():
    from cltorch.ops import pool as pool_ops
    x = torch.tensor(RNG.standard_normal((2, 3, 9, 11)).astype(np.float32))
    for kw in (dict(kernel_size=2), dict(kernel_size=2, stride=4, padding=1, ceil_mode=True),
               dict(kernel_size=2, stride=3, dilation=2)):
        out, idx = F.max_pool2d(x, return_indices=True, **kw)
        k, s = kw["kernel_size"], kw.get("stride", kw["kernel_size"])
        p, d = kw.get("padding", 0), kw.get("dilation", 1)
        window = (k, k, s, s, p, p, d, d)
        assert pool_ops.windows_disjoint(window)
        g = torch.tensor(RNG.standard_normal(tuple(out.shape)).astype(np.float32))
        gi = torch.full(x.shape, float("nan"))  # an element the kernel skips stays NaN
        pool_ops.max_pool_backward(gi, g, idx, (9, 11) + tuple(out.shape[2:]), window)
        t_x = T.tensor(x.numpy(), requires_grad=True)
        T.nn.functional.max_pool2d(t_x, **kw).backward(T.tensor(g.numpy()))
        np.testing.assert_array_equal(gi.numpy(), t_x.grad.numpy())
    assert not pool_ops.windows_disjoint((3, 3, 2, 2, 0, 0, 1, 1))
    assert not pool_ops.windows_disjoint((2, 2, 2, 2, 0, 0, 2, 2))

# -- average pooling -----------------------------------------------------------------------
AVG2D = [
    dict(kernel_size=3, stride=2),
    dict(kernel_size=3, stride=2, ceil_mode=True, padding=1),
    dict(kernel_size=3, stride=2, ceil_mode=True, padding=1, count_include_pad=False),
    dict(kernel_size=(2, 3), stride=1, padding=(1, 1), count_include_pad=False),
    dict(kernel_size=3, stride=2, padding=1, divisor_override=5),
    dict(kernel_size=(4, 2), stride=(3, 1), padding=(2, 1), ceil_mode=True),
]


@pytest.mark.parametrize("kw", AVG2D)
@pytest.mark.parametrize("shape", [(3, 2, 7, 5), (2, 8, 7)])
def test_avg_pool2d(kw, shape):
    compare(lambda L, x: L.nn.functional.avg_pool2d(x, **kw), shape)


@pytest.mark.parametrize("kw", [dict(kernel_size=3, stride=2), dict(kernel_size=3, stride=2, padding=1,
                                                                  ceil_mode=True, count_include_pad=False),
                                dict(kernel_size=2, stride=1, padding=1)])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_avg_pool1d(kw, layout):
    compare(lambda L, x: L.nn.functional.avg_pool1d(x, **kw), (3, 2, 11), layout)
    compare(lambda L, x: L.nn.functional.avg_pool1d(x, **kw), (4, 9), layout)


def test_avg_pool2d_noncontiguous_and_integer():
    for layout in LAYOUTS[1:]:
        compare(lambda L, x: L.nn.functional.avg_pool2d(x, 3, 2, 1, ceil_mode=True), (2, 3, 7, 5), layout)
    ints = RNG.integers(-50, 50, (1, 2, 7, 5))
    t_out = T.nn.functional.avg_pool2d(T.tensor(ints), 3, 2, padding=1)
    c_out = F.avg_pool2d(torch.tensor(ints), 3, 2, padding=1)
    assert c_out.dtype == torch.int64
    np.testing.assert_array_equal(c_out.numpy(), t_out.numpy())


# -- adaptive pooling ----------------------------------------------------------------------
@pytest.mark.parametrize("size", [3, (2, 4), (None, 3), (7, 5), (9, 11), 1, (4, None)])
@pytest.mark.parametrize("layout", ("contiguous", "transposed"))
def test_adaptive_pool2d(size, layout):
    compare(lambda L, x: L.nn.functional.adaptive_avg_pool2d(x, size), (3, 2, 7, 5), layout)
    compare(lambda L, x: L.nn.functional.adaptive_max_pool2d(x, size, return_indices=True), (3, 2, 7, 5), layout)
    compare(lambda L, x: L.nn.functional.adaptive_max_pool2d(x, size), (2, 7, 5), layout)


@pytest.mark.parametrize("size", [1, 3, 4, 11, 15])
def test_adaptive_pool1d(size):
    compare(lambda L, x: L.nn.functional.adaptive_avg_pool1d(x, size), (3, 2, 11), "sliced")
    compare(lambda L, x: L.nn.functional.adaptive_max_pool1d(x, size, return_indices=True), (3, 2, 11))
    compare(lambda L, x: L.nn.functional.adaptive_avg_pool1d(x, size), (2, 11))


# -- unpooling -----------------------------------------------------------------------------
@pytest.mark.parametrize("kw,shape,size", [(dict(kernel_size=2), (2, 2, 8, 6), None),
                                           (dict(kernel_size=3, stride=2, padding=1), (1, 3, 7, 5), None),
                                           (dict(kernel_size=2), (1, 2, 7, 5), (1, 2, 7, 5)),
                                           (dict(kernel_size=3, stride=1), (1, 2, 7, 5), None)])
def test_max_unpool2d(kw, shape, size):
    arr = RNG.standard_normal(shape).astype(np.float32)

    def fn(L, x):
        y, i = L.nn.functional.max_pool2d(x, return_indices=True, **kw)
        return L.nn.functional.max_unpool2d(y * 2, i, output_size=size, **kw)
    compare(fn, None, arr=arr)


def test_max_unpool1d_and_unbatched():
    def fn1(L, x):
        y, i = L.nn.functional.max_pool1d(x, 3, 2, return_indices=True)
        return L.nn.functional.max_unpool1d(y, i, 3, 2, output_size=(x.shape[-1],))
    compare(fn1, (2, 3, 9))
    compare(fn1, (3, 9))

    def fn2(L, x):
        y, i = L.nn.functional.max_pool2d(x, 2, return_indices=True)
        return L.nn.functional.max_unpool2d(y, i, 2)
    compare(fn2, (3, 6, 4))


def test_max_unpool_bad_index():
    y = torch.ones(1, 1, 2, 2)
    with pytest.raises(RuntimeError, match="invalid max index: 9"):
        F.max_unpool2d(y, torch.tensor([[[[0, 1], [9, 3]]]]), 2, output_size=(3, 3))
    with pytest.raises(RuntimeError, match="type int64"):
        F.max_unpool2d(y, torch.zeros(1, 1, 2, 2, dtype=torch.int32), 2)
    assert F.max_unpool2d(y, torch.tensor([[[[0, 1], [4, 3]]]]), 2).sum().item() == 4.0  # flag was cleared


# -- lp pooling ----------------------------------------------------------------------------
def test_lp_pool():
    arr = np.abs(RNG.standard_normal((2, 3, 7, 5))).astype(np.float32) + 0.1
    compare(lambda L, x: L.nn.functional.lp_pool2d(x, 2, 3, 2), None, arr=arr, rtol=1e-4)
    compare(lambda L, x: L.nn.functional.lp_pool1d(x, 1.5, 3), None, arr=arr[0], rtol=1e-4)


# -- interpolation -------------------------------------------------------------------------
INTERP2D = [
    dict(scale_factor=2), dict(scale_factor=1.7), dict(scale_factor=(0.6, 2.5)), dict(size=(11, 3)),
    dict(size=5), dict(scale_factor=3, recompute_scale_factor=True), dict(scale_factor=0.5),
    dict(size=(7, 5)), dict(size=(1, 1)),
]


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "bilinear"])
@pytest.mark.parametrize("kw", INTERP2D)
def test_interpolate2d(mode, kw):
    # nearest copies values (exact); bilinear rounds its weights differently from torch's separable pass
    tol = dict(rtol=0, atol=1e-7) if mode != "bilinear" else dict(atol=1e-5)
    compare(lambda L, x: L.nn.functional.interpolate(x, mode=mode, **kw), (2, 3, 7, 5), **tol)


@pytest.mark.parametrize("kw", INTERP2D)
def test_bilinear_align_corners(kw):
    compare(lambda L, x: L.nn.functional.interpolate(x, mode="bilinear", align_corners=True, **kw), (2, 3, 7, 5),
            atol=1e-5)


@pytest.mark.parametrize("mode,align", [("nearest", None), ("nearest-exact", None), ("linear", False),
                                        ("linear", True), ("area", None)])
@pytest.mark.parametrize("kw", [dict(scale_factor=2.3), dict(size=4), dict(size=17), dict(scale_factor=0.5)])
def test_interpolate1d(mode, align, kw):
    compare(lambda L, x: L.nn.functional.interpolate(x, mode=mode, align_corners=align, **kw), (2, 3, 9),
            "sliced", atol=1e-5)


def test_interpolate_noncontiguous_float64_and_area():
    for layout in LAYOUTS[1:]:
        compare(lambda L, x: L.nn.functional.interpolate(x, scale_factor=1.5, mode="bilinear"), (1, 2, 5, 6), layout,
                atol=1e-5)
        compare(lambda L, x: L.nn.functional.interpolate(x, size=(9, 4)), (1, 2, 5, 6), layout)
    compare(lambda L, x: L.nn.functional.interpolate(x, scale_factor=2.5, mode="bilinear"), (1, 2, 4, 3),
            dtype=np.float64, rtol=1e-12, atol=1e-12)
    compare(lambda L, x: L.nn.functional.interpolate(x, size=(3, 2), mode="area"), (2, 2, 7, 5))
    u8 = RNG.integers(0, 255, (1, 2, 5, 4)).astype(np.uint8)
    np.testing.assert_array_equal(F.interpolate(torch.tensor(u8), scale_factor=1.5).numpy(),
                                  T.nn.functional.interpolate(T.tensor(u8), scale_factor=1.5).numpy())


def test_upsample_aliases():
    with pytest.warns(UserWarning, match="upsample_bilinear. is deprecated"):
        compare(lambda L, x: L.nn.functional.upsample_bilinear(x, scale_factor=2), (1, 2, 4, 3), atol=1e-5)
    with pytest.warns(UserWarning, match="upsample_nearest. is deprecated"):
        compare(lambda L, x: L.nn.functional.upsample_nearest(x, size=(5, 7)), (1, 2, 4, 3))
    with pytest.warns(UserWarning, match="upsample. is deprecated"):
        compare(lambda L, x: L.nn.functional.upsample(x, scale_factor=2, mode="bilinear"), (1, 2, 4, 3), atol=1e-5)


# -- gradcheck and double backward -----------------------------------------------------------
GRADCHECK = {
    "max_pool2d": lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True),
    "max_pool1d_dilated": lambda x: F.max_pool1d(x.reshape(2, 3, -1), 2, 1, dilation=2),
    "max_pool2d_disjoint": lambda x: F.max_pool2d(x, 2, 3, 1, ceil_mode=True),
    "avg_pool2d": lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
    "adaptive_avg": lambda x: F.adaptive_avg_pool2d(x, (3, 2)),
    "adaptive_max": lambda x: F.adaptive_max_pool2d(x, (2, 3)),
    "bilinear": lambda x: F.interpolate(x, scale_factor=1.6, mode="bilinear"),
    "bilinear_ac": lambda x: F.interpolate(x, size=(3, 6), mode="bilinear", align_corners=True),
    "nearest": lambda x: F.interpolate(x, size=(7, 3)),
    "unpool": lambda x: F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2),
}


@pytest.mark.parametrize("name", sorted(GRADCHECK))
def test_gradcheck(name):
    # distinct, well separated values so that argmax choices are stable under perturbation
    vals = RNG.permutation(2 * 3 * 5 * 4).astype(np.float64).reshape(2, 3, 5, 4) / 10
    x = torch.tensor(vals, requires_grad=True)
    assert gradcheck(GRADCHECK[name], (x,), eps=1e-6, atol=1e-5)


def test_double_backward_matches_torch():
    arr = RNG.standard_normal((2, 2, 5, 6))
    res = {}
    for lib in (T, torch):
        x = lib.tensor(arr, requires_grad=True)
        y = lib.nn.functional.avg_pool2d(x, 3, 2, 1).pow(2).sum() + lib.nn.functional.max_pool2d(x * x, 2, 1).sum()
        y = y + lib.nn.functional.interpolate(x, scale_factor=1.5, mode="bilinear").pow(2).sum()
        y = y + lib.nn.functional.adaptive_avg_pool2d(x, 3).pow(2).sum()
        y = y + lib.nn.functional.max_pool2d(x * x, 2, ceil_mode=True).pow(2).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (g * g).sum().backward()
        res[lib] = x.grad.detach().numpy() if lib is T else x.grad.numpy()
    np.testing.assert_allclose(res[torch], res[T], rtol=1e-9, atol=1e-10)


def test_overlapping_windows_are_deterministic():
    x = torch.randn(2, 4, 33, 31, requires_grad=True)
    grads = []
    for _ in range(2):
        x.grad = None
        F.max_pool2d(x, 5, 1, 2).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])


# -- errors --------------------------------------------------------------------------------
ERRORS = [
    (lambda L, x: L.nn.functional.max_pool2d(x, 3, padding=2), RuntimeError, "at most half"),
    (lambda L, x: L.nn.functional.max_pool2d(x, 3, padding=2, dilation=2), RuntimeError, "half of kernel size"),
    (lambda L, x: L.nn.functional.max_pool2d(x, 8), RuntimeError, "too small"),
    (lambda L, x: L.nn.functional.max_pool2d(x, 3, stride=0), RuntimeError, "stride should not be zero"),
    (lambda L, x: L.nn.functional.max_pool2d(x, 3, dilation=0), RuntimeError, "dilation"),
    (lambda L, x: L.nn.functional.max_pool2d(x, (3, 3, 3)), RuntimeError, "kernel_size"),
    (lambda L, x: L.nn.functional.max_pool2d(x[0, 0], 3), RuntimeError, None),
    (lambda L, x: L.nn.functional.max_pool2d(x[:, :0], 3), RuntimeError, None),
    (lambda L, x: L.nn.functional.avg_pool2d(x, 3, divisor_override=0), RuntimeError, "divisor"),
    (lambda L, x: L.nn.functional.avg_pool1d(x, 3), RuntimeError, "dimensions"),
    (lambda L, x: L.nn.functional.adaptive_avg_pool2d(x, (3, 4, 5)), RuntimeError, "output_size"),
    (lambda L, x: L.nn.functional.adaptive_avg_pool2d(x, -1), RuntimeError, "greater than or equal"),
    (lambda L, x: L.nn.functional.adaptive_max_pool2d(x.long(), 2), NotImplementedError, "Long"),
    (lambda L, x: L.nn.functional.interpolate(x, size=3, scale_factor=2), ValueError, "only one of"),
    (lambda L, x: L.nn.functional.interpolate(x), ValueError, "either size"),
    (lambda L, x: L.nn.functional.interpolate(x, size=3, align_corners=True), ValueError, "align_corners"),
    (lambda L, x: L.nn.functional.interpolate(x, size=3, mode="linear"), NotImplementedError, "linear mode"),
    (lambda L, x: L.nn.functional.interpolate(x[0], size=3, mode="bilinear"), NotImplementedError, "bilinear mode"),
    (lambda L, x: L.nn.functional.interpolate(x, size=(3,)), ValueError, "same number"),
    (lambda L, x: L.nn.functional.interpolate(x, scale_factor=0.1), RuntimeError, "greater than 0"),
    (lambda L, x: L.nn.functional.interpolate(x, size=3, recompute_scale_factor=True), ValueError, "recompute"),
    (lambda L, x: L.nn.functional.interpolate(x, size=3, mode="foo"), NotImplementedError, "Input Error"),
]


@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_errors_like_torch(case):
    fn, exc, match = ERRORS[case]
    arr = RNG.standard_normal((1, 2, 7, 5)).astype(np.float32)
    with pytest.raises(exc) as t_info:
        fn(T, T.tensor(arr))
    with pytest.raises(exc, match=match):
        fn(torch, torch.tensor(arr))
    if match is not None:
        assert match in str(t_info.value)


# -- modules -------------------------------------------------------------------------------
MODULES = [
    ("MaxPool1d", (3,), {}), ("MaxPool2d", (3,), {}),
    ("MaxPool2d", ((3, 2),), dict(stride=1, padding=1, dilation=2, return_indices=True, ceil_mode=True)),
    ("AvgPool1d", (3,), dict(stride=2, padding=1)), ("AvgPool2d", (3,), {}),
    ("AvgPool2d", ((3, 2),), dict(stride=2, padding=1, ceil_mode=True, count_include_pad=False, divisor_override=2)),
    ("AdaptiveAvgPool1d", (3,), {}), ("AdaptiveAvgPool2d", ((None, 3),), {}), ("AdaptiveMaxPool1d", (2,), {}),
    ("AdaptiveMaxPool2d", (2,), dict(return_indices=True)), ("MaxUnpool1d", (2,), {}), ("MaxUnpool2d", (2,), {}),
    ("MaxUnpool2d", ((2, 3),), dict(stride=1, padding=1)), ("LPPool1d", (1.5, 3, 2), {}), ("LPPool2d", (2, 3), {}),
    ("Upsample", (), dict(scale_factor=2)), ("Upsample", (), dict(size=3, mode="bilinear")),
    ("Upsample", (), dict(scale_factor=(2, 1.5), mode="bilinear", align_corners=True)),
    ("UpsamplingNearest2d", (), dict(scale_factor=2)), ("UpsamplingBilinear2d", (), dict(size=(3, 4))),
]


@pytest.mark.parametrize("case", range(len(MODULES)))
def test_module_repr_and_attributes(case):
    name, args, kwargs = MODULES[case]
    c, t = getattr(nn, name)(*args, **kwargs), getattr(T.nn, name)(*args, **kwargs)
    assert repr(c) == repr(t)
    for attr in ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices", "output_size",
                 "count_include_pad", "divisor_override", "size", "scale_factor", "mode", "align_corners",
                 "norm_type"):
        if hasattr(t, attr):
            assert getattr(c, attr) == getattr(t, attr), attr


def test_modules_forward_like_torch():
    arr = RNG.standard_normal((2, 3, 8, 6)).astype(np.float32)
    for name, args, kwargs in MODULES:
        if "Unpool" in name or name.startswith("LP"):
            continue
        spatial_1d = name.endswith("1d")
        a = arr[:, :, 0] if spatial_1d else arr
        c_mod, t_mod = getattr(nn, name)(*args, **kwargs), getattr(T.nn, name)(*args, **kwargs)
        c_out, t_out = c_mod(torch.tensor(a)), t_mod(T.tensor(a))
        c_out = c_out[0] if isinstance(c_out, tuple) else c_out
        t_out = t_out[0] if isinstance(t_out, tuple) else t_out
        np.testing.assert_allclose(c_out.numpy(), t_out.numpy(), rtol=1e-5, atol=1e-6, err_msg=name)
    pool, unpool = nn.MaxPool2d(2, return_indices=True), nn.MaxUnpool2d(2)
    y, i = pool(torch.tensor(arr))
    tp, tu = T.nn.MaxPool2d(2, return_indices=True), T.nn.MaxUnpool2d(2)
    ty, ti = tp(T.tensor(arr))
    np.testing.assert_allclose(unpool(y, i, output_size=(8, 6)).numpy(), tu(ty, ti, output_size=(8, 6)).numpy())


# -- rows longer than one work-item's span (CPU variant) and the one-element GPU variant -------
WIDE = {
    "max_pool": lambda L, x: L.nn.functional.max_pool2d(x, 3, 2, 1, return_indices=True),
    "max_pool_dilated": lambda L, x: L.nn.functional.max_pool2d(x, (2, 3), 1, 1, dilation=2),
    "max_pool_disjoint": lambda L, x: L.nn.functional.max_pool2d(x, (2, 3), (2, 4), 1, ceil_mode=True),
    "avg_pool": lambda L, x: L.nn.functional.avg_pool2d(x, 3, 1, 1, count_include_pad=False),
    "adaptive_avg": lambda L, x: L.nn.functional.adaptive_avg_pool2d(x, (4, 11)),
    "adaptive_max": lambda L, x: L.nn.functional.adaptive_max_pool2d(x, (3, 23)),
    "nearest": lambda L, x: L.nn.functional.interpolate(x, scale_factor=1.7),
    "nearest_exact_down": lambda L, x: L.nn.functional.interpolate(x, size=(4, 19), mode="nearest-exact"),
    "bilinear": lambda L, x: L.nn.functional.interpolate(x, size=(9, 50), mode="bilinear"),
    "bilinear_down_ac": lambda L, x: L.nn.functional.interpolate(x, size=(4, 17), mode="bilinear", align_corners=True),
    "unpool": lambda L, x: L.nn.functional.max_unpool2d(*L.nn.functional.max_pool2d(x, 2, return_indices=True), 2),
}


@pytest.mark.parametrize("name", sorted(WIDE))
def test_wide_rows(name):
    compare(WIDE[name], (2, 3, 6, 38), "transposed", atol=1e-5)


def test_gpu_variant_one_element_per_work_item(run_python):
    code = """
        import numpy as np, torch as T, cltorch
        import sys; sys.path.insert(0, "tests")
        from test_nn_pool import WIDE, compare
        for name, fn in sorted(WIDE.items()):
            compare(fn, (2, 3, 6, 22), atol=1e-5)
        print("ok")
    """
    proc = run_python(code, env={"CLTORCH_KERNEL_VARIANT": "gpu"})
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), proc.stderr[-3000:]


def test_max_pool1d_messages_like_torch():
    for kw in (dict(kernel_size=3, padding=2), dict(kernel_size=8), dict(kernel_size=3, dilation=0),
               dict(kernel_size=0), dict(kernel_size=3, stride=-1), dict(kernel_size=3, padding=-1)):
        with pytest.raises(RuntimeError) as t_info:
            T.nn.functional.max_pool1d(T.zeros(1, 2, 7), **kw)
        with pytest.raises(RuntimeError) as c_info:
            F.max_pool1d(torch.zeros(1, 2, 7), **kw)
        assert str(c_info.value) == str(t_info.value)
