"""Convolution layers: NumPy reference, gradcheck, double backward, chunking, messages, modules, training."""
import math

import numpy as np
import pytest
import torch as T

import cltorch as torch
import cltorch.nn as nn
import cltorch.nn.functional as F
from cltorch.autograd import gradcheck, gradgradcheck
from cltorch.ops import conv as conv_ops

RNG = np.random.default_rng(11)


def randn(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


def np_conv2d(x, w, b, stride, padding, dilation, groups):
    """Direct NumPy convolution: a sum over kernel taps of strided slices of the zero-padded input."""
    n, c, h, wd = x.shape
    oc, cg, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    xp = np.zeros((n, c, h + 2 * ph, wd + 2 * pw), np.float64)
    xp[:, :, ph:ph + h, pw:pw + wd] = x
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, oc, oh, ow))
    ocg = oc // groups
    for g in range(groups):
        xs = xp[:, g * cg:(g + 1) * cg]
        for i in range(kh):
            for j in range(kw):
                patch = xs[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh, j * dw:j * dw + sw * (ow - 1) + 1:sw]
                out[:, g * ocg:(g + 1) * ocg] += np.einsum("nchw,oc->nohw", patch, w[g * ocg:(g + 1) * ocg, :, i, j])
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out


@pytest.mark.parametrize("xs,ws,kw", [
    ((3, 4, 7, 5), (6, 2, 3, 3), dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2)),
    ((1, 3, 7, 5), (4, 3, 2, 3), dict(stride=(1, 2), padding=(0, 2), dilation=(2, 1), groups=1)),
    ((2, 4, 6, 6), (4, 1, 3, 3), dict(stride=(2, 2), padding=(1, 1), dilation=(1, 1), groups=4)),
])
def test_conv2d_matches_numpy(xs, ws, kw):
    x, w, b = randn(*xs), randn(*ws), randn(ws[0])
    ours = F.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(b), **kw)
    np.testing.assert_allclose(ours.numpy(), np_conv2d(x, w, b, **kw), rtol=1e-4, atol=1e-4)


def test_non_contiguous_input_matches_numpy():
    base = randn(2, 6, 5, 4)  # (N, H, W, C) in memory, viewed as (N, C, H, W) with a slice
    x = torch.tensor(base).permute(0, 3, 1, 2)[:, 1:, ::2]
    w = randn(5, 3, 2, 2)
    ours = F.conv2d(x, torch.tensor(w))
    ref = np_conv2d(base.transpose(0, 3, 1, 2)[:, 1:, ::2], w, None, (1, 1), (0, 0), (1, 1), 1)
    np.testing.assert_allclose(ours.numpy(), ref, rtol=1e-4, atol=1e-4)


# -- gradients --------------------------------------------------------------------------------
def _f64(*shape):
    return torch.tensor(RNG.standard_normal(shape), dtype=torch.float64, requires_grad=True)


def test_gradcheck_conv2d_float64():
    x, w, b = _f64(1, 4, 5, 4), _f64(4, 2, 2, 3), _f64(4)
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2),
                     (x, w, b), eps=1e-6, atol=1e-6)


def test_gradcheck_conv_transpose_float64():
    x, w, b = _f64(2, 2, 3, 2), _f64(2, 1, 2, 3), _f64(2)
    assert gradcheck(lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, output_padding=(1, 0), groups=2,
                                                        dilation=(1, 2)), (x, w, b), eps=1e-6, atol=1e-6)


def test_double_backward_float64():
    x, w = _f64(1, 2, 4, 3), _f64(2, 2, 2, 2)
    assert gradgradcheck(lambda x, w: F.conv2d(x, w, padding=1, stride=2), (x, w), eps=1e-6, atol=1e-6)


def test_gradient_penalty_matches_torch():
    """create_graph through conv: d/dw of |d(sum conv)/dx|^2, as in WGAN-GP."""
    x, w = randn(2, 3, 6, 5), randn(4, 3, 3, 3)
    results = []
    for lib in (torch, T):
        xt, wt = lib.tensor(x, requires_grad=True), lib.tensor(w, requires_grad=True)
        y = lib.nn.functional.conv2d(xt, wt, padding=1).tanh().sum()
        (gx,) = lib.autograd.grad(y, xt, create_graph=True)
        (gx * gx).sum().backward()
        results.append(wt.grad.numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-3, atol=1e-4)


def test_grad_fn_name_and_saved_tensor_check():
    x = torch.tensor(randn(1, 2, 4, 4), requires_grad=True)
    w = torch.tensor(randn(3, 2, 3, 3), requires_grad=True)
    y = F.conv2d(x * 1, w)
    assert y.grad_fn.name() == "ConvolutionBackward0"
    assert F.conv_transpose2d(y, w).grad_fn.name() == "ConvolutionBackward0"
    h = x * 2
    z = F.conv2d(h, w)
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_no_grad_records_nothing():
    x = torch.tensor(randn(1, 2, 4, 4), requires_grad=True)
    with torch.no_grad():
        y = F.conv2d(x, torch.tensor(randn(3, 2, 3, 3), requires_grad=True))
    assert y.grad_fn is None and not y.requires_grad


@pytest.mark.parametrize("name,xs,ws,kw", [
    ("conv2d", (5, 3, 7, 6), (4, 3, 3, 3), dict(padding=1, stride=2)),
    ("conv_transpose2d", (5, 4, 4, 3), (4, 2, 3, 3), dict(stride=2, output_padding=1, groups=2)),
])
def test_batch_chunks_give_the_same_result(monkeypatch, name, xs, ws, kw):
    """One image per column buffer (many chunks) gives what one chunk gives; the weight gradient sums them."""
    x, w, g = randn(*xs), randn(*ws), None
    results = []
    for limit in (conv_ops.COL_BYTES, 1):  # 1 byte: one image per chunk
        monkeypatch.setattr(conv_ops, "COL_BYTES", limit)
        xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
        y = getattr(F, name)(xt, wt, **kw)
        if g is None:
            g = randn(*y.shape)
        y.backward(torch.tensor(g))
        results.append((y.detach().numpy(), xt.grad.numpy(), wt.grad.numpy()))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_empty_batch_gives_zero_weight_grad():
    x = torch.zeros(0, 3, 5, 5, requires_grad=True)
    w = torch.tensor(randn(4, 3, 3, 3), requires_grad=True)
    b = torch.tensor(randn(4), requires_grad=True)
    y = F.conv2d(x, w, b, padding=1)
    assert tuple(y.shape) == (0, 4, 5, 5)
    y.sum().backward()
    assert tuple(x.grad.shape) == (0, 3, 5, 5)
    np.testing.assert_array_equal(w.grad.numpy(), np.zeros((4, 3, 3, 3), np.float32))
    np.testing.assert_array_equal(b.grad.numpy(), np.zeros(4, np.float32))


# -- messages ----------------------------------------------------------------------------------
def _message(fn, lib):
    with pytest.raises(Exception) as info:
        fn(lib)
    return type(info.value), str(info.value)


@pytest.mark.parametrize("fn", [
    lambda L: L.nn.functional.conv2d(L.zeros(2, 4, 5, 5), L.zeros(6, 3, 3, 3)),
    lambda L: L.nn.functional.conv2d(L.zeros(2, 4, 5, 5), L.zeros(6, 3, 3, 3), groups=2),
    lambda L: L.nn.functional.conv2d(L.zeros(2, 4, 5, 5), L.zeros(5, 2, 3, 3), groups=2),
    lambda L: L.nn.functional.conv2d(L.zeros(2, 4, 5, 5), L.zeros(6, 4, 7, 7)),
    lambda L: L.nn.functional.conv1d(L.zeros(2, 4, 5), L.zeros(6, 4, 3), dilation=3),
    lambda L: L.nn.functional.conv2d(L.zeros(2, 4, 5, 5), L.zeros(6, 4, 3, 3), padding="same", stride=2),
    lambda L: L.nn.functional.conv2d(L.zeros(2, 4, 5, 5), L.zeros(6, 4, 3, 3), padding="foo"),
    lambda L: L.nn.functional.conv2d(L.zeros(2, 4, 5, 5), L.zeros(6, 4, 3, 3), stride=(1, 2, 3)),
    lambda L: L.nn.functional.conv2d(L.zeros(2, 4, 5, 5), L.zeros(6, 4, 3, 3), L.zeros(5)),
    lambda L: L.nn.functional.conv2d(L.zeros(4, 5), L.zeros(6, 4, 3, 3)),
    lambda L: L.nn.functional.conv2d(L.zeros(2, 4, 5, 5), L.zeros(6, 4, 3, 3), L.zeros(6, dtype=L.float64)),
    lambda L: L.nn.functional.conv_transpose2d(L.zeros(2, 4, 5, 5), L.zeros(3, 3, 3, 3)),
    lambda L: L.nn.functional.conv_transpose2d(L.zeros(2, 4, 5, 5), L.zeros(4, 3, 3, 3), stride=2,
                                               output_padding=2),
    lambda L: L.nn.functional.conv_transpose1d(L.zeros(2, 4, 5), L.zeros(4, 3, 3), L.zeros(4)),
    lambda L: L.nn.functional.unfold(L.zeros(1, 2, 5, 5), 7),
    lambda L: L.nn.functional.fold(L.zeros(2, 12, 15), (5, 5), 2),
    lambda L: L.nn.functional.fold(L.zeros(2, 13, 16), (5, 5), 2),
    lambda L: L.nn.Conv2d(4, 4, 3, padding="foo"),
    lambda L: L.nn.ConvTranspose2d(4, 4, 3, padding_mode="reflect"),
    lambda L: L.nn.ConvTranspose2d(4, 3, 3, stride=2)(L.zeros(1, 4, 5, 5), output_size=[1, 12, 12]),
])
def test_messages_match_torch(fn):
    ours, theirs = _message(fn, torch), _message(fn, T)
    assert issubclass(ours[0], theirs[0].__mro__[[c.__module__ for c in theirs[0].__mro__].index("builtins")])
    assert ours[1].replace("cltorch", "torch") == theirs[1]


def test_type_message_names_both_types():
    with pytest.raises(RuntimeError, match=r"Input type \(cltorch.FloatTensor\) and weight type "
                                           r"\(cltorch.DoubleTensor\) should be the same"):
        F.conv2d(torch.zeros(1, 2, 3, 3), torch.zeros(1, 2, 1, 1, dtype=torch.float64))


# -- modules -----------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [lambda: nn.Conv2d(6, 8, (3, 5), groups=2),
                                  lambda: nn.ConvTranspose2d(6, 9, 3, groups=3), lambda: nn.Conv1d(3, 5, 4)])
def test_default_init_bounds(make):
    mod = make()
    fan_in = mod.weight.shape[1] * math.prod(mod.weight.shape[2:])
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_(a=sqrt(5)) gives the same bound as the bias
    w, b = mod.weight.detach().numpy(), mod.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.7 * bound
    assert np.abs(b).max() <= bound and np.abs(b).std() > 0
    assert mod.weight.requires_grad and mod.bias.requires_grad


def test_module_state_dict_loads_into_torch():
    ours = nn.Conv2d(3, 4, 3, padding=1)
    theirs = T.nn.Conv2d(3, 4, 3, padding=1)
    theirs.load_state_dict({k: T.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    x = randn(2, 3, 5, 6)
    np.testing.assert_allclose(ours(torch.tensor(x)).detach().numpy(), theirs(T.tensor(x)).detach().numpy(),
                               rtol=1e-4, atol=1e-5)


def test_fold_unfold_modules_in_torch_paths():
    from cltorch.nn.modules.fold import Fold, Unfold
    assert nn.Fold is Fold and nn.Unfold is Unfold
    x = torch.tensor(randn(2, 3, 5, 4))
    # every pixel is covered by exactly one 1x1 window: fold(unfold(x)) == x
    np.testing.assert_array_equal(Fold((5, 4), 1)(Unfold(1)(x)).numpy(), x.numpy())


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 4, 3, padding=1)
        self.act = nn.ReLU()
        self.c2 = nn.Conv2d(4, 4, 3, stride=2)
        self.fc = nn.Linear(4 * 3 * 3, 2)

    def forward(self, x):
        return self.fc(self.c2(self.act(self.c1(x))).flatten(1))


def test_small_cnn_trains():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 1, 7, 7)).astype(np.float32)
    labels = (x[:, 0, :, :3].sum(axis=(1, 2)) > x[:, 0, :, 4:].sum(axis=(1, 2))).astype(np.int64)
    target = torch.tensor(np.eye(2, dtype=np.float32)[labels])
    model = SmallCNN()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    xt = torch.tensor(x)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = ((model(xt) - target) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert all(np.isfinite(losses))
    assert losses[-1] < 0.5 * losses[0]
    assert all(p.grad is not None for p in model.parameters())
