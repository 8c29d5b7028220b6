"""A quick battery of device checks, each comparing a device result with NumPy.

``cltorch smoke`` and ``cltorch demo`` run it. A check is a small function
taking a :class:`SmokeContext`; it raises (usually ``AssertionError``) to fail.
Kernel families add their own checks with ``@smoke_check`` (or by appending
to ``CHECKS``). Checks use the public API plus NumPy; ``Tensor._make`` builds
strided views until view ops exist.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, List

import numpy as np

import cltorch

CHECKS: List[Callable[["SmokeContext"], None]] = []


@dataclass(frozen=True)
class SmokeContext:
    """What a check needs: the device name and whether to keep sizes small."""

    device: str
    small: bool = False

    @property
    def sizes(self) -> tuple:
        """Shapes to exercise, including the edge sizes 0, 1 and odd lengths."""
        base = ((0,), (1,), (7,), (3, 5))
        return base if self.small else base + ((1023,), (4097,), (65, 129))

    @property
    def samples(self) -> int:
        """How many random draws the statistical checks use."""
        return 4096 if self.small else 100_000

    def host(self, t: cltorch.Tensor) -> np.ndarray:
        """A NumPy copy of a tensor on this device."""
        return t.cpu().numpy()

    def has_fp64(self) -> bool:
        """Whether float64 tensors are allowed on this device (extension and settings)."""
        from . import _device
        return _device.runtime(_device.canonical(self.device)).has_fp64

    def dtypes(self) -> tuple:
        """The dtypes casts and transfers cover: all of them, float64 where the device has it."""
        return _CAST_DTYPES + ((cltorch.float64,) if self.has_fp64() else ())


def smoke_check(fn: Callable[[SmokeContext], None]) -> Callable[[SmokeContext], None]:
    """Register fn as a check; its name is the function name without ``check_``."""
    CHECKS.append(fn)
    return fn


def check_name(fn: Callable) -> str:
    """The name printed for a check: ``fn.smoke_name`` if set, else the name without ``check_``."""
    name = getattr(fn, "smoke_name", None) or fn.__name__
    return name[len("check_"):] if name.startswith("check_") else name


def resolve_device(name: str) -> str:
    """Make sure the device exists (RuntimeError listing the devices found if not)."""
    cltorch.empty(0, device=name)
    return name


# -- comparison helpers -------------------------------------------------------

def expect_shape(what: str, got: np.ndarray, want: np.ndarray) -> None:
    """Fail unless the shapes match."""
    if got.shape != want.shape:
        raise AssertionError(f"{what}: shape {got.shape} != expected {want.shape}")


def expect_equal(what: str, got: np.ndarray, want: np.ndarray) -> None:
    """Fail unless shapes, dtypes and values match exactly."""
    expect_shape(what, got, want)
    if got.dtype != want.dtype:
        raise AssertionError(f"{what}: dtype {got.dtype} != expected {want.dtype}")
    if not np.array_equal(got, want):
        bad = np.flatnonzero(got.reshape(-1) != want.reshape(-1))
        i = int(bad[0]) if bad.size else 0
        raise AssertionError(f"{what}: {bad.size} values differ, first at flat index {i}: "
                             f"{got.reshape(-1)[i]!r} != {want.reshape(-1)[i]!r}")


def expect_close(what: str, got: np.ndarray, want: np.ndarray, rtol: float = 1e-6, atol: float = 1e-6) -> None:
    """Fail unless shapes match and values agree within tolerance."""
    expect_shape(what, got, want)
    if not np.allclose(got.astype(np.float64), want.astype(np.float64), rtol=rtol, atol=atol):
        err = np.max(np.abs(got.astype(np.float64) - want.astype(np.float64)))
        raise AssertionError(f"{what}: max abs error {err:.3g} beyond rtol={rtol}, atol={atol}")


def expect_near(what: str, value: float, target: float, tol: float) -> None:
    """Fail unless a statistic is within tol of its target."""
    if not abs(value - target) <= tol:
        raise AssertionError(f"{what} = {value:.5f}, expected {target} +/- {tol:.4f}")


# -- creation -------------------------------------------------------------------

_FILL_VALUES = ((cltorch.float32, 2.5), (cltorch.int64, -7), (cltorch.bool, True), (cltorch.float16, 1.5))


def _check_fills(ctx: SmokeContext, dtype, value) -> None:
    """zeros, ones and full(value) of one dtype over every test shape."""
    for shape in ctx.sizes:
        for fn, want in ((cltorch.zeros, np.zeros), (cltorch.ones, np.ones)):
            got = ctx.host(fn(*shape, dtype=dtype, device=ctx.device))
            expect_equal(f"{fn.__name__}({shape}, {dtype})", got, want(shape, dtype=dtype.np))
        got = ctx.host(cltorch.full(shape, value, dtype=dtype, device=ctx.device))
        expect_equal(f"full({shape}, {value!r}, {dtype})", got, np.full(shape, value, dtype=dtype.np))


@smoke_check
def check_creation_fill(ctx: SmokeContext) -> None:
    """zeros, ones and full for float32, int64, bool and float16."""
    for dtype, value in _FILL_VALUES:
        _check_fills(ctx, dtype, value)
    t = cltorch.full((2,), 3, device=ctx.device)
    if t.dtype is not cltorch.int64:
        raise AssertionError(f"full with an int value gave {t.dtype}, expected cltorch.int64")


@smoke_check
def check_creation_float64(ctx: SmokeContext) -> None:
    """float64 works where the device has cl_khr_fp64, else it raises RuntimeError."""
    if ctx.has_fp64():
        _check_fills(ctx, cltorch.float64, 1.0 / 3.0)
        got = ctx.host(cltorch.arange(0.0, 1.0, 0.125, dtype=cltorch.float64, device=ctx.device))
        expect_close("arange float64", got, np.arange(0.0, 1.0, 0.125), rtol=1e-12, atol=1e-12)
        return
    try:
        cltorch.zeros(3, dtype=cltorch.float64, device=ctx.device)
    except RuntimeError:
        return
    raise AssertionError("float64 on a device without fp64 did not raise RuntimeError")


@smoke_check
def check_creation_arange(ctx: SmokeContext) -> None:
    """Integer and floating arange against np.arange."""
    n = 37 if ctx.small else 4097
    for args in ((n,), (2, 20, 3), (10, 0, -2), (0,)):
        got = ctx.host(cltorch.arange(*args, device=ctx.device))
        expect_equal(f"arange{args}", got, np.arange(*args, dtype=np.int64))
    got = ctx.host(cltorch.arange(-1.5, 2.0, 0.25, device=ctx.device))
    expect_equal("arange(-1.5, 2.0, 0.25)", got, np.arange(-1.5, 2.0, 0.25, dtype=np.float32))


@smoke_check
def check_creation_linspace(ctx: SmokeContext) -> None:
    """linspace against np.linspace, including 0 and 1 steps."""
    n = 50 if ctx.small else 1023
    for start, end, steps in ((0.0, 1.0, n), (-3.0, 5.0, 7), (2.0, 9.0, 1), (0.0, 1.0, 0)):
        got = ctx.host(cltorch.linspace(start, end, steps, device=ctx.device))
        want = np.linspace(start, end, steps, dtype=np.float32)
        expect_close(f"linspace({start}, {end}, {steps})", got, want, rtol=1e-6, atol=1e-6)


@smoke_check
def check_creation_eye(ctx: SmokeContext) -> None:
    """eye for square, wide, tall and empty shapes."""
    for n, m in ((1, None), (5, None), (3, 7), (6, 2), (0, None)):
        for dtype in (cltorch.float32, cltorch.int64, cltorch.bool):
            got = ctx.host(cltorch.eye(n, m, dtype=dtype, device=ctx.device))
            expect_equal(f"eye({n}, {m}, {dtype})", got, np.eye(n, m, dtype=dtype.np))


# -- copies and casts ---------------------------------------------------------

def _view(base: cltorch.Tensor, offset: int, shape: tuple, stride: tuple) -> cltorch.Tensor:
    """A strided view of base's storage (stand-in until view ops exist)."""
    return cltorch.Tensor._make(base._storage, base.storage_offset() + offset, shape, stride,
                                base.dtype, base.device)


def _host_view(arr: np.ndarray, offset: int, shape: tuple, stride: tuple) -> np.ndarray:
    """The NumPy counterpart of _view on a contiguous 1-D array."""
    item = arr.itemsize
    return np.lib.stride_tricks.as_strided(arr[offset:], shape, tuple(s * item for s in stride))


def _strided_cases(rows: int, cols: int) -> list:
    """(offset, shape, stride) of a transpose, a step-2 slice and a sliced transpose."""
    return [(0, (cols, rows), (1, cols)),
            (1, (rows // 2, cols - 1), (2 * cols, 1)),
            (cols + 1, (cols - 2, rows - 1), (1, cols))]


@smoke_check
def check_copy_strided(ctx: SmokeContext) -> None:
    """contiguous() of transposed and sliced views, and copy_ into a strided view."""
    rows, cols = (6, 5) if ctx.small else (70, 33)
    host = np.arange(rows * cols, dtype=np.float32)
    base = cltorch.tensor(host, device=ctx.device)
    for offset, shape, stride in _strided_cases(rows, cols):
        view = _view(base, offset, shape, stride)
        want = np.ascontiguousarray(_host_view(host, offset, shape, stride))
        expect_equal(f"view{shape}/{stride}+{offset}.contiguous()", ctx.host(view.contiguous()), want)
        expect_equal(f"view{shape}/{stride}+{offset}.clone()", ctx.host(view.clone()), want)
    dst = cltorch.zeros(rows * cols, device=ctx.device)
    offset, shape, stride = _strided_cases(rows, cols)[0]
    src = np.arange(np.prod(shape), dtype=np.float32).reshape(shape) + 0.5
    _view(dst, offset, shape, stride).copy_(cltorch.tensor(src, device=ctx.device))
    want = np.zeros(rows * cols, dtype=np.float32)
    _host_view(want, offset, shape, stride)[...] = src
    expect_equal("copy_ into a transposed view", ctx.host(dst), want)


_CAST_DTYPES = (cltorch.float32, cltorch.float16, cltorch.int64, cltorch.int32, cltorch.int16,
                cltorch.int8, cltorch.uint8, cltorch.bool)
_CAST_VALUES = np.array([0.0, 1.0, 2.75, -1.5, 3.0, -7.25, 100.5, 0.0, 42.0], dtype=np.float32)


def _cast_source(src_dt, dst_dt) -> np.ndarray:
    """Values both dtypes hold (no negatives around uint8); float casts truncate toward zero."""
    return np.abs(_CAST_VALUES) if cltorch.uint8 in (src_dt, dst_dt) else _CAST_VALUES


def _cast_pairs(dtypes, small: bool) -> list:
    """(source, target) pairs through float32 (and int64 unless small): each build is a program."""
    hubs = (cltorch.float32,) if small else (cltorch.float32, cltorch.int64)
    pairs = []
    for hub in hubs:
        for other in dtypes:
            pairs += [p for p in ((other, hub), (hub, other)) if p not in pairs]
    return pairs


@smoke_check
def check_copy_cast(ctx: SmokeContext) -> None:
    """Tensor.to(dtype) to and from float32/int64 for every dtype, dense and strided."""
    for src_dt, dst_dt in _cast_pairs(ctx.dtypes(), ctx.small):
        host = _cast_source(src_dt, dst_dt).astype(src_dt.np)
        t = cltorch.tensor(host, device=ctx.device)
        name = f"{src_dt} -> {dst_dt}"
        expect_equal(name, ctx.host(t.to(dst_dt)), host.astype(dst_dt.np))
        if src_dt is cltorch.float32:
            view = _view(t, 1, (4,), (2,))
            expect_equal(f"{name} (strided)", ctx.host(view.to(dst_dt)), host[1:9:2].astype(dst_dt.np))


# -- host <-> device --------------------------------------------------------------

def _sample_array(dtype, n: int, rng: np.random.Generator) -> np.ndarray:
    """n host values of dtype, with negatives where the dtype allows them."""
    if dtype is cltorch.bool:
        return rng.random(n) < 0.5
    if dtype.is_floating_point:
        return (rng.standard_normal(n) * 100).astype(dtype.np)
    info = np.iinfo(dtype.np)
    return rng.integers(max(info.min, -10 ** 6), min(info.max, 10 ** 6), size=n, dtype=dtype.np)


@smoke_check
def check_transfer_roundtrip(ctx: SmokeContext) -> None:
    """Host arrays survive upload and download bit for bit, through tensor(), to() and from_numpy()."""
    rng = np.random.default_rng(1234)
    n = 257 if ctx.small else 65537
    for dtype in ctx.dtypes():
        host = _sample_array(dtype, n, rng).reshape(-1, 1)
        expect_equal(f"tensor({dtype})", ctx.host(cltorch.tensor(host, device=ctx.device)), host)
        moved = cltorch.from_numpy(host).to(ctx.device)
        if moved.device != cltorch.empty(0, device=ctx.device).device:
            raise AssertionError(f"to({ctx.device!r}) gave a tensor on {moved.device}")
        expect_equal(f"from_numpy({dtype}).to(device)", ctx.host(moved), host)
    t = cltorch.tensor([[1.5, -2.0], [3.25, 4.0]], device=ctx.device)
    if t.tolist() != [[1.5, -2.0], [3.25, 4.0]]:
        raise AssertionError(f"tolist() gave {t.tolist()}")
    if cltorch.full((), 6, device=ctx.device).item() != 6:
        raise AssertionError("item() of a 0-d tensor is wrong")


# -- random -------------------------------------------------------------------------

def _draws(ctx: SmokeContext, seed: int) -> list:
    """One draw of each sampler after seeding the default generator."""
    n, dev = ctx.samples // 16, ctx.device
    cltorch.manual_seed(seed)
    draws = (cltorch.rand(n, device=dev), cltorch.randn(n, device=dev), cltorch.randint(0, 1000, (n,), device=dev),
             cltorch.randperm(50, device=dev), cltorch.bernoulli(cltorch.full((n,), 0.5, device=dev)))
    return [ctx.host(t) for t in draws]


@smoke_check
def check_random_seed(ctx: SmokeContext) -> None:
    """The same seed gives the same numbers twice; another seed gives others."""
    with cltorch.random.fork_rng():
        first, again, other = _draws(ctx, 2024), _draws(ctx, 2024), _draws(ctx, 7)
    for kind, a, b, c in zip(("rand", "randn", "randint", "randperm", "bernoulli"), first, again, other):
        expect_equal(f"{kind} repeated with the same seed", b, a)
        if kind != "bernoulli" and np.array_equal(a, c):
            raise AssertionError(f"{kind} gave the same numbers for seeds 2024 and 7")


@smoke_check
def check_random_rand(ctx: SmokeContext) -> None:
    """rand lies in [0, 1) with mean about 0.5 and variance about 1/12."""
    n = ctx.samples
    with cltorch.random.fork_rng():
        cltorch.manual_seed(11)
        x = ctx.host(cltorch.rand(n, device=ctx.device)).astype(np.float64)
    if x.min() < 0.0 or x.max() >= 1.0:
        raise AssertionError(f"rand outside [0, 1): min {x.min()}, max {x.max()}")
    expect_near("rand mean", x.mean(), 0.5, 6 * 0.2887 / np.sqrt(n))
    expect_near("rand variance", x.var(), 1 / 12, 6 * 0.0745 / np.sqrt(n))


@smoke_check
def check_random_randn(ctx: SmokeContext) -> None:
    """randn has mean about 0 and standard deviation about 1; normal() shifts and scales."""
    n = ctx.samples
    with cltorch.random.fork_rng():
        cltorch.manual_seed(12)
        x = ctx.host(cltorch.randn(n, device=ctx.device)).astype(np.float64)
        y = ctx.host(cltorch.normal(3.0, 0.5, (n,), device=ctx.device)).astype(np.float64)
    if not np.all(np.isfinite(x)):
        raise AssertionError("randn produced non-finite values")
    expect_near("randn mean", x.mean(), 0.0, 6 / np.sqrt(n))
    expect_near("randn std", x.std(), 1.0, 6 / np.sqrt(2 * n))
    expect_near("normal(3, 0.5) mean", y.mean(), 3.0, 6 * 0.5 / np.sqrt(n))
    expect_near("normal(3, 0.5) std", y.std(), 0.5, 6 * 0.5 / np.sqrt(2 * n))


@smoke_check
def check_random_randint(ctx: SmokeContext) -> None:
    """randint stays in [low, high) and reaches every value of a small range."""
    n = ctx.samples
    with cltorch.random.fork_rng():
        cltorch.manual_seed(13)
        x = ctx.host(cltorch.randint(-5, 12, (n,), device=ctx.device))
        small = ctx.host(cltorch.randint(3, (n,), dtype=cltorch.int32, device=ctx.device))
    if x.min() < -5 or x.max() >= 12:
        raise AssertionError(f"randint(-5, 12) gave values in [{x.min()}, {x.max()}]")
    expect_equal("randint(-5, 12) values seen", np.unique(x), np.arange(-5, 12, dtype=np.int64))
    expect_equal("randint(3) values seen", np.unique(small), np.arange(3, dtype=np.int32))


@smoke_check
def check_random_randperm(ctx: SmokeContext) -> None:
    """randperm(n) is a permutation of 0..n-1 (and not the identity for large n)."""
    sizes = (0, 1, 2, 100) if ctx.small else (0, 1, 2, 100, 10_000)
    with cltorch.random.fork_rng():
        cltorch.manual_seed(14)
        for n in sizes:
            p = ctx.host(cltorch.randperm(n, device=ctx.device))
            expect_equal(f"sorted(randperm({n}))", np.sort(p), np.arange(n, dtype=np.int64))
            if n >= 100 and np.array_equal(p, np.arange(n)):
                raise AssertionError(f"randperm({n}) returned the identity")


@smoke_check
def check_random_bernoulli(ctx: SmokeContext) -> None:
    """bernoulli draws 0/1 with the requested probability, from a tensor or a scalar p."""
    n = ctx.samples
    with cltorch.random.fork_rng():
        cltorch.manual_seed(15)
        x = ctx.host(cltorch.bernoulli(cltorch.full((n,), 0.3, device=ctx.device))).astype(np.float64)
        y = ctx.host(cltorch.zeros(n, device=ctx.device).bernoulli_(0.8)).astype(np.float64)
    for name, arr, p in (("bernoulli(0.3)", x, 0.3), ("bernoulli_(0.8)", y, 0.8)):
        if not np.all((arr == 0) | (arr == 1)):
            raise AssertionError(f"{name} produced values other than 0 and 1")
        expect_near(f"{name} mean", arr.mean(), p, 6 * np.sqrt(p * (1 - p) / n))


# -- running ------------------------------------------------------------------------

def _reason(exc: BaseException, limit: int = 500) -> str:
    """A one-line failure reason (long messages such as build logs are cut short)."""
    text = str(exc) if isinstance(exc, AssertionError) else f"{type(exc).__name__}: {exc}"
    text = " ".join(text.split()) or type(exc).__name__
    return text if len(text) <= limit else text[:limit - 3] + "..."


def run_smoke(device: str = "cpu", small: bool = False, echo: Callable[[str], None] = print) -> tuple:
    """Run every check on device, echo PASS/FAIL lines and a total; return (passed, failed).

    An unknown device raises the RuntimeError that lists the devices found.
    """
    from . import _smoke_nn, _smoke_ops, _smoke_reductions  # noqa: F401  (register the op families' checks)
    resolve_device(device)
    ctx = SmokeContext(device, small)
    passed = failed = 0
    for fn in list(CHECKS):
        try:
            fn(ctx)
        except Exception as exc:  # a failing check must not stop the battery
            failed += 1
            echo(f"FAIL {check_name(fn)}: {_reason(exc)}")
        else:
            passed += 1
            echo(f"PASS {check_name(fn)}")
    echo(f"smoke: {passed} passed, {failed} failed")
    return passed, failed
