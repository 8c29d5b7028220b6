"""cltorch.nn.init: distributions checked statistically, exact fills, orthogonality, errors and generators."""
import math

import numpy as np
import pytest
import torch as T

import cltorch as torch
from cltorch.nn import init
from cltorch.nn.init import _orthonormal_rows

N = 400_000  # samples for the statistical checks: mean/std errors ~ 1/sqrt(N)


def stats(t):
    a = t.numpy().astype(np.float64).ravel()
    return a.mean(), a.std(), a.min(), a.max()


def test_uniform_normal_constant():
    t = torch.empty(N)
    assert init.uniform_(t, -2.0, 3.0) is t
    mean, std, lo, hi = stats(t)
    assert lo >= -2 and hi < 3 and abs(mean - 0.5) < 0.02 and abs(std - 5 / math.sqrt(12)) < 0.02
    mean, std, _, _ = stats(init.normal_(t, 1.0, 2.0))
    assert abs(mean - 1.0) < 0.02 and abs(std - 2.0) < 0.02
    assert np.all(init.constant_(torch.empty(3, 5), 0.25).numpy() == 0.25)
    assert np.all(init.ones_(torch.empty(7)).numpy() == 1) and np.all(init.zeros_(torch.ones(7)).numpy() == 0)


@pytest.mark.parametrize("mean,std,a,b", [(0.0, 1.0, -2.0, 2.0), (0.5, 2.0, -1.0, 3.0), (0.0, 0.02, -0.04, 0.04),
                                          (0.0, 1.0, 1.0, 4.0)])
def test_trunc_normal(mean, std, a, b):
    t = torch.empty(N // 4, 4)
    assert init.trunc_normal_(t, mean, std, a, b) is t
    m, s, lo, hi = stats(t)
    ref = T.distributions.Normal(mean, std)
    alpha, beta = (a - mean) / std, (b - mean) / std
    phi = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    z = float(ref.cdf(T.tensor(b)) - ref.cdf(T.tensor(a)))
    want_mean = mean + std * (phi(alpha) - phi(beta)) / z
    want_var = std ** 2 * (1 + (alpha * phi(alpha) - beta * phi(beta)) / z - ((phi(alpha) - phi(beta)) / z) ** 2)
    assert a <= lo and hi <= b
    assert abs(m - want_mean) < 0.01 * std and abs(s - math.sqrt(want_var)) < 0.01 * std


def test_trunc_normal_float64_and_views():
    t = torch.empty(N // 4, dtype=torch.float64)
    m, s, lo, hi = stats(init.trunc_normal_(t))
    assert -2 <= lo and hi <= 2 and abs(m) < 0.01 and abs(s - 0.8796) < 0.01
    base = torch.zeros(6, 4)
    view = base.t()[1:]  # strided view: only its elements change
    init.trunc_normal_(view, 5.0, 1.0, 4.0, 6.0)
    b = base.numpy()
    assert np.all(b[:, 0] == 0) and np.all((b[:, 1:] >= 4) & (b[:, 1:] <= 6))
    with pytest.warns(UserWarning, match="mean is more than 2 std from"):
        init.trunc_normal_(torch.empty(10), mean=10.0)


def test_generator_reproducible():
    g1, g2 = torch.Generator().manual_seed(7), torch.Generator().manual_seed(7)
    for fn in (init.uniform_, init.normal_, init.trunc_normal_, init.xavier_uniform_, init.kaiming_normal_,
               init.orthogonal_):
        a, b = torch.empty(20, 30), torch.empty(20, 30)
        fn(a, generator=g1)
        fn(b, generator=g2)
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=fn.__name__)
    c = init.normal_(torch.empty(20, 30), generator=torch.Generator().manual_seed(8))
    assert not np.array_equal(c.numpy(), a.numpy())


def test_eye_and_dirac():
    for shape in ((3, 5), (5, 3), (4, 4)):
        np.testing.assert_array_equal(init.eye_(torch.empty(*shape)).numpy(),
                                      T.nn.init.eye_(T.empty(*shape)).numpy())
    for shape, groups in (((6, 3, 3), 1), ((4, 2, 3, 3), 2), ((6, 4, 3, 3, 3), 3), ((2, 5, 4), 1)):
        np.testing.assert_array_equal(init.dirac_(torch.ones(*shape), groups).numpy(),
                                      T.nn.init.dirac_(T.ones(*shape), groups).numpy())
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.eye_(torch.empty(3))
    with pytest.raises(ValueError, match="Only tensors with 3, 4, or 5 dimensions are supported"):
        init.dirac_(torch.empty(3, 3))
    with pytest.raises(ValueError, match="dim 0 must be divisible by groups"):
        init.dirac_(torch.empty(5, 3, 3), 2)


def test_fan_based_initialisers():
    w = torch.empty(200, 100, 3, 3)  # fan_in 900, fan_out 1800
    _, std, lo, hi = stats(init.xavier_uniform_(w, gain=2.0))
    bound = 2.0 * math.sqrt(6.0 / 2700)
    assert -bound <= lo and hi <= bound and abs(std - bound / math.sqrt(3)) < 0.01 * bound
    _, std, _, _ = stats(init.xavier_normal_(w))
    assert abs(std - math.sqrt(2.0 / 2700)) < 0.01 * std
    _, std, lo, hi = stats(init.kaiming_uniform_(w, a=math.sqrt(5)))
    bound = math.sqrt(6.0 / (1 + 5)) / math.sqrt(900)
    assert -bound <= lo and hi <= bound and abs(std - bound / math.sqrt(3)) < 0.01 * bound
    _, std, _, _ = stats(init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu"))
    assert abs(std - math.sqrt(2.0 / 1800)) < 0.01 * std
    assert init._calculate_fan_in_and_fan_out(w) == T.nn.init._calculate_fan_in_and_fan_out(T.empty(200, 100, 3, 3))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(torch.empty(5))
    with pytest.raises(ValueError, match=r"Mode fan_avg not supported, please use one of \['fan_in', 'fan_out'\]"):
        init.kaiming_normal_(w, mode="fan_avg")
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        init.kaiming_uniform_(torch.empty(0, 3))
    for name, param in (("tanh", None), ("leaky_relu", 0.3), ("selu", None), ("conv2d", None)):
        assert init.calculate_gain(name, param) == T.nn.init.calculate_gain(name, param)
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("gelu")


@pytest.mark.parametrize("shape", [(7, 7), (5, 9), (9, 5), (6, 2, 3, 2), (1, 4), (64, 32)])
def test_orthogonal(shape):
    w = torch.empty(*shape)
    assert init.orthogonal_(w, gain=1.5) is w
    m = w.numpy().reshape(shape[0], -1).astype(np.float64)
    gram = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
    np.testing.assert_allclose(gram, 2.25 * np.eye(min(m.shape)), atol=2e-5)


def test_orthonormal_rows_match_torch_qr():
    """The device Gram-Schmidt gives torch's q * sign(diag(r)) for the same matrix."""
    a = np.random.default_rng(2).standard_normal((40, 12))
    q, r = T.linalg.qr(T.tensor(a))
    want = (q * r.diag().sign()).numpy()
    got = _orthonormal_rows(torch.tensor(a.T.copy())).numpy().T
    np.testing.assert_allclose(got, want, atol=1e-10)


def test_orthogonal_and_sparse_edges():
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions are supported"):
        init.orthogonal_(torch.empty(4))
    assert tuple(init.orthogonal_(torch.empty(0, 3)).shape) == (0, 3)
    w = torch.empty(20, 300)
    init.sparse_(w, 0.25, std=0.5)
    a = w.numpy()
    assert np.all((a == 0).sum(0) == 5)
    nz = a[a != 0]
    assert abs(nz.std() - 0.5) < 0.03
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.sparse_(torch.empty(3, 3, 3), 0.1)


def test_initialisers_keep_leaves_and_graph_free():
    p = torch.nn.Parameter(torch.empty(8, 6))
    for fn in (init.trunc_normal_, init.orthogonal_, init.eye_, lambda t: init.sparse_(t, 0.5)):
        out = fn(p)
        assert out is p and p.grad_fn is None and p.requires_grad and p.is_leaf
    d = torch.nn.Parameter(torch.empty(4, 4, 3))
    assert init.dirac_(d) is d and d.grad_fn is None
