"""nn.utils: clip_grad_norm_ / clip_grad_value_ against NumPy, device-side clipping, vector conversion."""
import math

import numpy as np
import pytest

import cltorch as torch
from cltorch.backend.runtime import DeviceRuntime
from cltorch.nn.utils import (clip_grad_norm, clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_,
                              get_total_norm, parameters_to_vector, vector_to_parameters)

RNG = np.random.default_rng(17)
GRADS = [RNG.standard_normal((4, 3)).astype(np.float32), None, RNG.standard_normal(1023).astype(np.float32),
         RNG.standard_normal(1).astype(np.float32) * 7, np.zeros(0, dtype=np.float32)]


def params_with(grads=GRADS, dtype=torch.float32):
    out = []
    for g in grads:
        p = torch.zeros(2 if g is None else g.shape, dtype=dtype, requires_grad=True)
        if g is not None:
            p.grad = torch.tensor(g, dtype=dtype)
        out.append(p)
    return out


def numpy_norm(arrays, norm_type):
    flat = np.concatenate([a.astype(np.float64).ravel() for a in arrays if a is not None])
    if norm_type == math.inf:
        return np.abs(flat).max()
    return (np.abs(flat) ** norm_type).sum() ** (1 / norm_type)


@pytest.mark.parametrize("norm_type", [2.0, 1, 3, 0.5])
@pytest.mark.parametrize("max_norm", [0.5, 1e4])
def test_clip_grad_norm_against_numpy(norm_type, max_norm):
    params = params_with()
    total = clip_grad_norm_(params, max_norm, norm_type=norm_type)
    expected = numpy_norm(GRADS, norm_type)
    assert total.shape == () and total.dtype is torch.float32 and total.device == params[0].device
    np.testing.assert_allclose(total.item(), expected, rtol=1e-5)
    scale = min(1.0, max_norm / (expected + 1e-6))
    for p, g in zip(params, GRADS):
        if g is None:
            assert p.grad is None
        else:
            np.testing.assert_allclose(p.grad.numpy(), g * scale, rtol=1e-5, atol=1e-7)


def test_inf_norm_and_single_tensor():
    grads = [g for g in GRADS if g is not None and g.size]
    params = params_with(grads)
    total = clip_grad_norm_(params, 1.0, norm_type="inf")
    assert total.item() == np.float32(numpy_norm(grads, math.inf))
    np.testing.assert_allclose(max(np.abs(p.grad.numpy()).max() for p in params), 1.0, rtol=1e-5)
    one = params_with([grads[0]])[0]
    total_one = clip_grad_norm_(one, 0.1)
    np.testing.assert_allclose(total_one.item(), np.linalg.norm(grads[0]), rtol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(one.grad.numpy()), 0.1, rtol=1e-5)


def test_clipping_stays_on_the_device(monkeypatch):
    params = params_with()
    clip_grad_norm_(params, 0.5)  # compile the kernels outside the watched call
    reads = []
    real = DeviceRuntime.download
    params = params_with()
    monkeypatch.setattr(DeviceRuntime, "download", lambda self, *a, **k: reads.append(1) or real(self, *a, **k))
    clip_grad_norm_(params, 0.5)
    clip_grad_value_(params, 0.1)
    monkeypatch.undo()
    assert reads == []


def test_empty_and_gradless_parameters():
    total = clip_grad_norm_([], 1.0)
    assert total.item() == 0.0 and total.shape == ()
    assert clip_grad_norm_([torch.zeros(3, requires_grad=True)], 1.0).item() == 0.0
    with pytest.warns(UserWarning, match="empty generator"):
        clip_grad_norm_((p for p in []), 1.0)
    empty = params_with([np.zeros(0, dtype=np.float32)])
    assert clip_grad_norm_(empty, 1.0).item() == 0.0
    with pytest.raises(RuntimeError, match="inf norm on an empty tensor"):
        clip_grad_norm_(empty, 1.0, norm_type=math.inf)


def test_non_finite_norms():
    p = torch.zeros(3, requires_grad=True)
    p.grad = torch.tensor([1.0, float("inf"), 2.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    total = clip_grad_norm_([p], 1.0)
    assert math.isinf(total.item())
    np.testing.assert_array_equal(p.grad.numpy(), [0.0, np.nan, 0.0])  # grads times 1/inf, as torch


def test_total_norm_helpers_and_deprecated_alias():
    params = params_with()
    total = get_total_norm([p.grad for p in params if p.grad is not None], 2.0)
    np.testing.assert_allclose(total.item(), numpy_norm(GRADS, 2), rtol=1e-5)
    clip_grads_with_norm_(params, 1.0, total)
    np.testing.assert_allclose(np.sqrt(sum((p.grad.numpy() ** 2).sum() for p in params if p.grad is not None)),
                               1.0, rtol=1e-5)
    with pytest.warns(FutureWarning):
        clip_grad_norm(params, 1.0)


def test_clip_grad_value():
    params = params_with()
    clip_grad_value_(params, 0.25)
    for p, g in zip(params, GRADS):
        if g is not None:
            np.testing.assert_array_equal(p.grad.numpy(), np.clip(g, -0.25, 0.25))
    assert params[1].grad is None


def test_parameters_to_vector_and_back():
    a = torch.tensor(RNG.standard_normal((2, 3)).astype(np.float32), requires_grad=True)
    b = torch.tensor(RNG.standard_normal(4).astype(np.float32), requires_grad=True)
    vec = parameters_to_vector([a, b])
    np.testing.assert_array_equal(vec.detach().numpy(),
                                  np.concatenate([a.detach().numpy().ravel(), b.detach().numpy()]))
    new = torch.arange(10.0)
    vector_to_parameters(new, [a, b])
    np.testing.assert_array_equal(a.detach().numpy(), np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(b.detach().numpy(), np.arange(6.0, 10.0))
    assert a.shape == (2, 3) and a.requires_grad and a.is_leaf
    with pytest.raises(TypeError, match="expected torch.Tensor"):
        vector_to_parameters([1.0], [a])
