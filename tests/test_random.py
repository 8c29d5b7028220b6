"""Random sampling on the device: seeding, generators, distributions and in-place fills."""
import numpy as np
import pytest

import cltorch

pytestmark = pytest.mark.usefixtures("restore_rng")

N = 200_000
SIZES = (0, 1, 7, 1023, 4097)

DRAWS = {
    "rand": lambda g=None: cltorch.rand(1000, generator=g),
    "rand_f64": lambda g=None: cltorch.rand(1000, dtype=cltorch.float64, generator=g),
    "randn": lambda g=None: cltorch.randn(3, 333, generator=g),
    "randint": lambda g=None: cltorch.randint(0, 1000, (1000,), generator=g),
    "randperm": lambda g=None: cltorch.randperm(1000, generator=g),
    "bernoulli": lambda g=None: cltorch.bernoulli(cltorch.full((1000,), 0.5), generator=g),
    "bernoulli_p": lambda g=None: cltorch.bernoulli(cltorch.zeros(1000), p=0.5, generator=g),
    "normal": lambda g=None: cltorch.normal(2.0, 3.0, (1000,), generator=g),
    "normal_tensor": lambda g=None: cltorch.normal(cltorch.zeros(1000), cltorch.ones(1000), generator=g),
    "uniform_": lambda g=None: cltorch.empty(1000).uniform_(-2, 2, generator=g),
    "normal_": lambda g=None: cltorch.empty(1000, dtype=cltorch.float64).normal_(generator=g),
    "random_": lambda g=None: cltorch.empty(1000, dtype=cltorch.int32).random_(0, 1000, generator=g),
    "bernoulli_": lambda g=None: cltorch.empty(1000).bernoulli_(0.5, generator=g),
}


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_manual_seed_determinism(name):
    draw = DRAWS[name]
    cltorch.manual_seed(1234)
    a = draw().numpy()
    b = draw().numpy()
    cltorch.manual_seed(1234)
    a2 = draw().numpy()
    b2 = draw().numpy()
    np.testing.assert_array_equal(a, a2)
    np.testing.assert_array_equal(b, b2)
    assert not np.array_equal(a, b), "the generator must advance between calls"
    cltorch.manual_seed(4321)
    c = draw().numpy()
    assert not np.array_equal(a, c), "different seeds must give different numbers"


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_generator_argument(name):
    draw = DRAWS[name]
    g1 = cltorch.Generator().manual_seed(99)
    g2 = cltorch.Generator()
    assert g2.manual_seed(99) is g2
    cltorch.manual_seed(5)
    state = cltorch.get_rng_state()
    a = draw(g1).numpy()
    # drawing from g1 leaves the default generator untouched
    np.testing.assert_array_equal(cltorch.get_rng_state().numpy(), state.numpy())
    np.testing.assert_array_equal(a, draw(g2).numpy())
    s = g1.get_state()
    b = draw(g1).numpy()
    g1.set_state(s)
    np.testing.assert_array_equal(draw(g1).numpy(), b)
    assert not np.array_equal(a, b)


def test_manual_seed_returns_default_generator_and_initial_seed():
    g = cltorch.manual_seed(77)
    assert g is cltorch.default_generator
    assert cltorch.initial_seed() == 77
    assert cltorch.Generator().manual_seed(12).initial_seed() == 12
    s = cltorch.seed()
    assert cltorch.initial_seed() == s


def test_rng_state_round_trip():
    cltorch.manual_seed(3)
    cltorch.rand(10)
    state = cltorch.get_rng_state()
    assert state.dtype is cltorch.uint8 and state.shape == (16,)
    a = cltorch.randn(100).numpy()
    cltorch.set_rng_state(state)
    np.testing.assert_array_equal(cltorch.randn(100).numpy(), a)
    with pytest.raises(RuntimeError):
        cltorch.set_rng_state(cltorch.zeros(3, dtype=cltorch.uint8))


def test_generator_state_round_trip_matches_fresh_generator():
    g = cltorch.Generator().manual_seed(2024)
    first = cltorch.rand(7, generator=g).numpy()
    state = g.get_state()
    second = cltorch.rand(7, generator=g).numpy()
    h = cltorch.Generator().set_state(state)
    np.testing.assert_array_equal(cltorch.rand(7, generator=h).numpy(), second)
    g.manual_seed(2024)
    np.testing.assert_array_equal(cltorch.rand(7, generator=g).numpy(), first)


def test_seed_out_of_range_raises():
    with pytest.raises(RuntimeError):
        cltorch.manual_seed(1 << 64)
    cltorch.manual_seed(-1)  # negative seeds are accepted, as torch
    assert cltorch.rand(3).shape == (3,)


# -- distributions ---------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [cltorch.float32, cltorch.float64])
def test_rand_moments(dtype):
    cltorch.manual_seed(0)
    x = cltorch.rand(N, dtype=dtype).numpy()
    assert x.dtype == dtype.np
    assert x.min() >= 0 and x.max() < 1
    assert abs(x.mean() - 0.5) < 0.004
    assert abs(x.var() - 1 / 12) < 0.002
    counts, _ = np.histogram(x, bins=10, range=(0, 1))
    assert np.all(np.abs(counts - N / 10) < 700), counts


def test_rand_float64_has_more_than_float32_resolution():
    cltorch.manual_seed(1)
    x = cltorch.rand(1000, dtype=cltorch.float64).numpy()
    scaled = x * 2 ** 24
    assert not np.all(scaled == np.floor(scaled)), "float64 samples look like 24-bit floats"


@pytest.mark.parametrize("dtype", [cltorch.float32, cltorch.float64])
def test_randn_moments(dtype):
    cltorch.manual_seed(0)
    x = cltorch.randn(N, dtype=dtype).numpy()
    assert x.dtype == dtype.np and np.isfinite(x).all()
    assert abs(x.mean()) < 0.012
    assert abs(x.std() - 1) < 0.01
    assert abs(np.mean(np.abs(x) < 1) - 0.6827) < 0.006
    assert abs(np.mean(x ** 3)) < 0.05  # symmetric


@pytest.mark.parametrize("dtype", [cltorch.float32, cltorch.float64])
def test_normal_with_numbers(dtype):
    cltorch.manual_seed(0)
    x = cltorch.normal(3.0, 2.0, (N,), dtype=dtype).numpy()
    assert x.dtype == dtype.np
    assert abs(x.mean() - 3) < 0.025
    assert abs(x.std() - 2) < 0.02
    assert cltorch.normal(0.0, 1.0, size=(2, 3)).shape == (2, 3)
    with pytest.raises(RuntimeError):
        cltorch.normal(0.0, -1.0, (3,))


def test_normal_with_tensors():
    cltorch.manual_seed(0)
    mean = cltorch.full((N,), 5.0)
    x = cltorch.normal(mean, 0.5).numpy()
    assert abs(x.mean() - 5) < 0.01 and abs(x.std() - 0.5) < 0.01
    y = cltorch.normal(-1.0, cltorch.full((N,), 3.0, dtype=cltorch.float64))
    assert y.dtype is cltorch.float64
    assert abs(y.numpy().mean() + 1) < 0.03 and abs(y.numpy().std() - 3) < 0.03
    # mean and std broadcast together; std 0 gives exactly the mean
    m = cltorch.tensor([[1.0], [2.0], [3.0]])
    s = cltorch.zeros(1, 4)
    z = cltorch.normal(m, s)
    assert z.shape == (3, 4)
    np.testing.assert_array_equal(z.numpy(), np.repeat(np.array([[1.0], [2.0], [3.0]], dtype=np.float32), 4, 1))


def test_float16_rand_stays_below_one():
    cltorch.manual_seed(0)
    x = cltorch.rand(N, dtype=cltorch.float16)
    assert x.dtype is cltorch.float16
    v = x.numpy()
    assert v.dtype == np.float16
    assert v.min() >= 0 and v.max() < 1
    assert abs(v.astype(np.float64).mean() - 0.5) < 0.005
    h = cltorch.randn(N, dtype=cltorch.float16).numpy().astype(np.float64)
    assert np.isfinite(h).all() and abs(h.mean()) < 0.015 and abs(h.std() - 1) < 0.015
    u = cltorch.empty(N, dtype=cltorch.float16).uniform_(-1, 1).numpy()
    assert u.min() >= -1 and u.max() < 1


@pytest.mark.parametrize("n", SIZES)
def test_rand_sizes(n):
    for dt in (cltorch.float32, cltorch.float64, cltorch.float16):
        x = cltorch.rand(n, dtype=dt).numpy()
        assert x.shape == (n,)
        assert np.all((x >= 0) & (x < 1))
        y = cltorch.randn(n, dtype=dt).numpy()
        assert y.shape == (n,) and np.isfinite(y).all()
    if n >= 7:
        # every element is written (no stale zeros at the tail of a partial block)
        x = cltorch.rand(n).numpy()
        assert np.count_nonzero(x) >= n - 2
        assert len(np.unique(x)) > n * 0.9


def test_size_forms():
    assert cltorch.rand(2, 3).shape == (2, 3)
    assert cltorch.rand((2, 3)).shape == (2, 3)
    assert cltorch.randn([4]).shape == (4,)
    assert cltorch.rand(size=(5, 1)).shape == (5, 1)
    assert cltorch.rand(2, requires_grad=True).requires_grad


@pytest.mark.parametrize("fn", [cltorch.rand, cltorch.randn])
@pytest.mark.parametrize("dtype", [cltorch.int64, cltorch.int32, cltorch.uint8, cltorch.bool])
def test_float_samplers_reject_int_dtypes(fn, dtype):
    with pytest.raises(RuntimeError):
        fn(3, dtype=dtype)


# -- randint ---------------------------------------------------------------------------------

def test_randint_high_only():
    cltorch.manual_seed(0)
    x = cltorch.randint(10, (N,))
    assert x.dtype is cltorch.int64 and x.shape == (N,)
    v = x.numpy()
    assert v.min() == 0 and v.max() == 9
    counts = np.bincount(v, minlength=10)
    assert np.all(np.abs(counts - N / 10) < 700), counts


def test_randint_low_high():
    cltorch.manual_seed(0)
    v = cltorch.randint(-5, 3, (3, 20000)).numpy()
    assert v.shape == (3, 20000)
    assert set(np.unique(v).tolist()) == set(range(-5, 3))
    assert abs(v.mean() - (-1.5)) < 0.05


def test_randint_keyword_forms_and_dtype():
    assert cltorch.randint(5, size=(4,)).shape == (4,)
    assert cltorch.randint(2, 5, size=(2, 2)).shape == (2, 2)
    for dt in (cltorch.int32, cltorch.int16, cltorch.uint8, cltorch.float64):
        v = cltorch.randint(3, 100, (2000,), dtype=dt)
        assert v.dtype is dt
        a = v.numpy()
        assert a.min() >= 3 and a.max() < 100 and np.all(a == np.floor(a))
    with pytest.raises(TypeError):
        cltorch.randint(5)


def test_randint_wide_span():
    cltorch.manual_seed(0)
    v = cltorch.randint(0, 2 ** 40, (5000,)).numpy()
    assert v.min() >= 0 and v.max() < 2 ** 40
    assert np.mean(v >= 2 ** 32) > 0.9  # the high bits are used
    w = cltorch.randint(-2 ** 62, 2 ** 62, (5000,)).numpy()
    assert w.min() >= -2 ** 62 and w.max() < 2 ** 62
    assert (w < 0).any() and (w > 0).any()


@pytest.mark.parametrize("low, high", [(3, 3), (5, 2), (0, 0), (-1, -2)])
def test_randint_empty_range_raises(low, high):
    with pytest.raises(RuntimeError):
        cltorch.randint(low, high, (3,))


def test_randint_single_value_range():
    np.testing.assert_array_equal(cltorch.randint(4, 5, (17,)).numpy(), np.full(17, 4))


# -- randperm ----------------------------------------------------------------------------------

@pytest.mark.parametrize("n", SIZES)
def test_randperm_is_permutation(n):
    cltorch.manual_seed(n)
    p = cltorch.randperm(n)
    assert p.dtype is cltorch.int64 and p.shape == (n,)
    v = p.numpy()
    np.testing.assert_array_equal(np.sort(v), np.arange(n))
    if n >= 7:
        assert not np.array_equal(v, np.arange(n))


def test_randperm_dtype_and_errors():
    p = cltorch.randperm(300, dtype=cltorch.int32)
    assert p.dtype is cltorch.int32
    np.testing.assert_array_equal(np.sort(p.numpy()), np.arange(300))
    q = cltorch.randperm(50, dtype=cltorch.float32)
    np.testing.assert_array_equal(np.sort(q.numpy()), np.arange(50, dtype=np.float32))
    with pytest.raises(RuntimeError):
        cltorch.randperm(-1)


def test_randperm_is_uniform_over_positions():
    cltorch.manual_seed(0)
    firsts = np.array([cltorch.randperm(4).numpy()[0] for _ in range(400)])
    counts = np.bincount(firsts, minlength=4)
    assert np.all(counts > 60), counts


# -- bernoulli ----------------------------------------------------------------------------------

def test_bernoulli_with_probability_tensor():
    cltorch.manual_seed(0)
    np.testing.assert_array_equal(cltorch.bernoulli(cltorch.zeros(1000)).numpy(), np.zeros(1000, np.float32))
    np.testing.assert_array_equal(cltorch.bernoulli(cltorch.ones(1000)).numpy(), np.ones(1000, np.float32))
    x = cltorch.bernoulli(cltorch.full((N,), 0.3))
    assert x.dtype is cltorch.float32
    v = x.numpy()
    assert set(np.unique(v).tolist()) <= {0.0, 1.0}
    assert abs(v.mean() - 0.3) < 0.005
    # per-element probabilities
    p = np.tile(np.array([0.0, 0.1, 0.9, 1.0]), N // 4)
    y = cltorch.bernoulli(cltorch.tensor(p)).numpy().reshape(-1, 4)
    assert y.dtype == np.float64
    assert (y[:, 0] == 0).all() and (y[:, 3] == 1).all()
    assert abs(y[:, 1].mean() - 0.1) < 0.01 and abs(y[:, 2].mean() - 0.9) < 0.01


def test_bernoulli_with_scalar_p():
    cltorch.manual_seed(0)
    x = cltorch.bernoulli(cltorch.zeros(N, dtype=cltorch.float64), p=0.7)
    assert x.dtype is cltorch.float64 and x.shape == (N,)
    assert abs(x.numpy().mean() - 0.7) < 0.005
    assert not cltorch.bernoulli(cltorch.ones(50), p=0.0).numpy().any()


def test_bernoulli_of_non_contiguous_probabilities(make_view):
    base = cltorch.tensor(np.array([0.0, 1.0] * 50, dtype=np.float32))
    view = make_view(base, 1, (10, 5), (2, 20))  # odd positions only: every element is 1.0
    assert not view.is_contiguous()
    np.testing.assert_array_equal(cltorch.bernoulli(view).numpy(), np.ones((10, 5), np.float32))
    zeros = make_view(base, 0, (10, 5), (2, 20))  # even positions: every element is 0.0
    np.testing.assert_array_equal(cltorch.bernoulli(zeros).numpy(), np.zeros((10, 5), np.float32))


def test_bernoulli_rejects_int_probabilities():
    with pytest.raises(RuntimeError):
        cltorch.bernoulli(cltorch.zeros(3, dtype=cltorch.int64))


# -- in-place fills -----------------------------------------------------------------------------------

def test_uniform_inplace():
    cltorch.manual_seed(0)
    t = cltorch.empty(N)
    out = t.uniform_(-3, 5)
    assert out is t
    v = t.numpy()
    assert v.min() >= -3 and v.max() < 5
    assert abs(v.mean() - 1) < 0.03
    with pytest.raises(RuntimeError):
        cltorch.empty(3).uniform_(2, 1)


# random.cl's uniform kernel tests `v >= high` in ACC_FLOAT (double on this device) and only then
# narrows v to the output type, where it can round up to `high`; the float64 branch has no check.
@pytest.mark.parametrize("dtype, low, high", [(cltorch.float32, 1000.0, 1001.0), (cltorch.float16, 100.0, 101.0),
                                              (cltorch.float64, 1.0, 1.0 + 2 ** -40)])
def test_uniform_never_returns_upper_bound(dtype, low, high):
    cltorch.manual_seed(0)
    v = cltorch.empty(N, dtype=dtype).uniform_(low, high).numpy()
    assert v.min() >= low
    assert v.max() < high, f"{np.count_nonzero(v == high)} of {N} samples equal the open upper bound"


def test_normal_inplace():
    cltorch.manual_seed(0)
    t = cltorch.empty(N, dtype=cltorch.float64)
    assert t.normal_(-2, 0.5) is t
    v = t.numpy()
    assert abs(v.mean() + 2) < 0.01 and abs(v.std() - 0.5) < 0.01
    with pytest.raises(RuntimeError):
        cltorch.empty(3).normal_(0, -1)


def test_random_inplace():
    cltorch.manual_seed(0)
    a = cltorch.empty(5000, dtype=cltorch.int64).random_(10).numpy()
    assert a.min() == 0 and a.max() == 9
    b = cltorch.empty(5000, dtype=cltorch.int16).random_(-4, 4).numpy()
    assert b.min() == -4 and b.max() == 3
    c = cltorch.empty(5000, dtype=cltorch.uint8).random_().numpy()
    assert c.min() >= 0 and c.max() <= 255 and c.max() > 200
    d = cltorch.empty(5000, dtype=cltorch.float32).random_().numpy()
    assert d.min() >= 0 and d.max() <= 2 ** 24 and np.all(d == np.floor(d)) and d.max() > 2 ** 20
    e = cltorch.empty(5000, dtype=cltorch.bool).random_().numpy()
    assert e.any() and not e.all()
    with pytest.raises(RuntimeError):
        cltorch.empty(3, dtype=cltorch.int32).random_(5, 5)


def test_bernoulli_inplace():
    cltorch.manual_seed(0)
    t = cltorch.empty(N)
    assert t.bernoulli_(0.25) is t
    assert abs(t.numpy().mean() - 0.25) < 0.005
    u = cltorch.empty(4, 1000, dtype=cltorch.float64)
    u.bernoulli_(cltorch.tensor([[0.0], [1.0], [0.0], [1.0]]))
    np.testing.assert_array_equal(u.numpy(), np.repeat(np.array([[0.0], [1.0], [0.0], [1.0]]), 1000, 1))
    with pytest.raises(RuntimeError):
        cltorch.empty(3).bernoulli_(1.5)


@pytest.mark.parametrize("dtype", [cltorch.int64, cltorch.int32, cltorch.bool])
def test_float_inplace_fills_reject_int_tensors(dtype):
    with pytest.raises(RuntimeError):
        cltorch.zeros(3, dtype=dtype).uniform_()
    with pytest.raises(RuntimeError):
        cltorch.zeros(3, dtype=dtype).normal_()


def test_inplace_bumps_version():
    t = cltorch.zeros(10)
    v = t._version
    t.uniform_()
    t.normal_()
    t.bernoulli_(0.5)
    t.random_(0, 3)
    assert t._version == v + 4


SENTINEL = -7.0


def _view_setup(make_view, dtype=cltorch.float32):
    """A (6, 5) transposed view from offset 3 inside a 40-element storage full of SENTINEL."""
    base = cltorch.full((40,), SENTINEL, dtype=dtype)
    view = make_view(base, 3, (6, 5), (1, 7))
    mask = np.zeros(40, dtype=bool)
    np.lib.stride_tricks.as_strided(mask[3:], shape=(6, 5), strides=(1, 7))[...] = True
    assert mask.sum() == 30
    return base, view, mask


@pytest.mark.parametrize("op", ["uniform_", "normal_", "random_", "bernoulli_", "bernoulli_tensor"])
def test_inplace_on_non_contiguous_view(make_view, op):
    cltorch.manual_seed(0)
    base, view, mask = _view_setup(make_view)
    if op == "uniform_":
        view.uniform_(10, 11)
    elif op == "normal_":
        view.normal_(100, 0.1)
    elif op == "random_":
        view.random_(20, 25)
    elif op == "bernoulli_":
        view.bernoulli_(1.0)
    else:
        view.bernoulli_(cltorch.ones(5))
    b = base.numpy()
    np.testing.assert_array_equal(b[~mask], np.full((~mask).sum(), SENTINEL, dtype=np.float32))
    inside = b[mask]
    if op == "uniform_":
        assert np.all((inside >= 10) & (inside < 11))
        assert len(np.unique(inside)) == 30
    elif op == "normal_":
        assert np.all(np.abs(inside - 100) < 1)
    elif op == "random_":
        assert np.all((inside >= 20) & (inside < 25) & (inside == np.floor(inside)))
    else:
        np.testing.assert_array_equal(inside, np.ones(30, dtype=np.float32))
    # the view reads back the same values as the storage positions it covers
    np.testing.assert_array_equal(np.sort(view.numpy().ravel()), np.sort(inside))


def test_inplace_view_matches_dense_draw(make_view):
    # a view draws the same numbers a dense tensor of its shape would, in row-major order
    base, view, _ = _view_setup(make_view)
    cltorch.manual_seed(42)
    view.uniform_()
    cltorch.manual_seed(42)
    dense = cltorch.empty(6, 5).uniform_()
    np.testing.assert_array_equal(view.numpy(), dense.numpy())


def test_inplace_on_int_view(make_view):
    base, view, mask = _view_setup(make_view, cltorch.int32)
    view.random_(0, 2)
    b = base.numpy()
    np.testing.assert_array_equal(b[~mask], np.full((~mask).sum(), -7, dtype=np.int32))
    assert set(np.unique(b[mask]).tolist()) <= {0, 1}
