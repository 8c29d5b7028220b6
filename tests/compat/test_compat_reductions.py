"""Reductions and scans compared with PyTorch: values, shapes, dtypes, named tuples and errors.

float32 carries the layout coverage (contiguous and strided inputs); the other
dtypes run contiguous only, to keep the number of compiled programs small.
"""
import math

import numpy as np
import pytest

from harness import DT, check, check_raises_same, check_same, torch  # noqa: F401

import cltorch

SHAPE = (3, 4, 5)
DIMS = [None, 0, -1, (0, 2), (1, -1, 0)]


def _nc(dtype) -> bool:
    return dtype == "float32"


@pytest.mark.parametrize("op", ["sum", "mean", "amax", "amin", "logsumexp", "std", "var", "norm"])
@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
def test_float_reductions_over_dims(op, dim, keepdim):
    if op == "logsumexp" and dim is None:
        dim = (0, 1, 2)
    if op == "norm":
        check(lambda lib, x: lib.norm(x, 2, dim, keepdim), [SHAPE])
        return
    check(op, [SHAPE], kwargs=dict(dim=dim, keepdim=keepdim) if dim is not None else {})


@pytest.mark.parametrize("dtype", ["float64", "float16", "int64", "int32", "uint8", "bool"])
@pytest.mark.parametrize("op", ["sum", "prod", "amax", "amin", "all", "any", "count_nonzero"])
def test_reductions_over_dtypes(op, dtype):
    if op == "prod":
        check(lambda lib, x: x.prod(1), [SHAPE], dtype, noncontiguous=False, low=-2, high=2)
        return
    check(op, [SHAPE], dtype, noncontiguous=False)
    check(op, [SHAPE], dtype, kwargs=dict(dim=1), noncontiguous=False)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "uint8"])
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_named_tuples(name, dtype):
    check(lambda lib, x: getattr(x, name)(), [SHAPE], dtype, noncontiguous=_nc(dtype))
    check(lambda lib, x: tuple(getattr(lib, name)(x, 1)), [SHAPE], dtype, int_valued=True, noncontiguous=_nc(dtype))
    check(lambda lib, x: tuple(getattr(x, name)(dim=-1, keepdim=True)), [SHAPE], dtype, int_valued=True,
          noncontiguous=_nc(dtype))


def test_max_result_type_and_repr():
    def fn(lib):
        r = lib.max(lib.tensor([[1, 5], [7, 2]]), 1)
        assert type(r).__name__ == "max" and r.values is r[0] and r.indices is r[1]
        return repr(r).replace("cltorch.", "torch.")
    assert fn(cltorch) == fn(torch)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_argmax_argmin(name, dim, keepdim):
    check(name, [SHAPE], kwargs=dict(dim=dim, keepdim=keepdim), int_valued=True)


def test_aminmax():
    check(lambda lib, x: tuple(lib.aminmax(x)), [SHAPE])
    check(lambda lib, x: tuple(lib.aminmax(x, dim=1, keepdim=True)), [SHAPE])


@pytest.mark.parametrize("kwargs", [dict(), dict(unbiased=False), dict(correction=0), dict(correction=2)])
def test_var_std_corrections(kwargs):
    check(lambda lib, x: x.var(1, **kwargs), [SHAPE])
    check(lambda lib, x: lib.std(x, **kwargs), [SHAPE])
    check(lambda lib, x: lib.var_mean(x, (0, 2), keepdim=True, **kwargs), [SHAPE])
    check(lambda lib, x: lib.std_mean(x, 1, **kwargs), [SHAPE])


@pytest.mark.parametrize("p", [1, 2, 3, 0, 0.5, -1, math.inf, -math.inf, "fro"])
def test_norm_orders(p):
    check(lambda lib, x: x.norm(p), [SHAPE])
    check(lambda lib, x: lib.norm(x, p, dim=1, keepdim=True), [SHAPE])


@pytest.mark.parametrize("op", ["cumsum", "cumprod"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_scans(op, dim):
    check(op, [SHAPE], kwargs=dict(dim=dim), low=0.5, high=1.5)


@pytest.mark.parametrize("dtype", ["float64", "float16", "int64", "int32", "bool"])
@pytest.mark.parametrize("op", ["cumsum", "cumprod"])
def test_scan_dtypes(op, dtype):
    check(op, [SHAPE], dtype, kwargs=dict(dim=1), low=-2, high=2, noncontiguous=False)


def test_dtype_arguments():
    check(lambda lib, x: x.sum(dtype=lib.float64), [SHAPE], "int32", noncontiguous=False)
    check(lambda lib, x: x.mean(1, dtype=lib.float64), [SHAPE], "int64", noncontiguous=False)
    check(lambda lib, x: x.cumsum(0, dtype=lib.float32), [SHAPE], "int64", noncontiguous=False)
    check(lambda lib, x: x.prod(dtype=lib.float64), [SHAPE], "float32", noncontiguous=False, low=0.5, high=1.5)


def test_special_values():
    vals = np.array([[1.0, math.nan, 3.0], [math.inf, -math.inf, 0.0], [2.0, 2.0, -1.0]], dtype=np.float32)
    for op in ("sum", "amax", "amin", "argmax", "argmin", "logsumexp", "var", "norm", "prod", "cumsum"):
        kwargs = {} if op in ("argmax", "argmin", "sum", "norm", "prod") else dict(dim=1)
        check(op, [vals], kwargs=kwargs, noncontiguous=False)
    check(lambda lib, x: tuple(x.max(1)), [vals], noncontiguous=False)
    check(lambda lib, x: tuple(x.min(0)), [vals], noncontiguous=False)


def test_empty_tensors():
    check_same(lambda lib: lib.zeros(0).sum())
    check_same(lambda lib: lib.zeros(0, 3).mean(0))
    check_same(lambda lib: lib.zeros(0, 3).prod(0))
    check_same(lambda lib: lib.zeros(0, 3).logsumexp(0))
    check_same(lambda lib: lib.zeros(0).all())
    check_same(lambda lib: lib.zeros(0).any())
    check_same(lambda lib: lib.zeros(0, 3).norm())
    check_same(lambda lib: lib.zeros(0, 3).amax(1))
    check_same(lambda lib: lib.zeros(0, 3).cumsum(0))


@pytest.mark.parametrize("fn", [
    lambda lib: lib.zeros(0).max(),
    lambda lib: lib.zeros(0).argmax(),
    lambda lib: lib.zeros(0).amax(),
    lambda lib: lib.zeros(0, 3).max(0),
    lambda lib: lib.zeros(0, 3).amax(0),
    lambda lib: lib.aminmax(lib.zeros(0)),
    lambda lib: lib.aminmax(lib.zeros(0, 3), dim=0),
    lambda lib: lib.zeros(0).norm(math.inf),
    lambda lib: lib.zeros(2, 3).sum(5),
    lambda lib: lib.zeros(2, 3).max(-3),
    lambda lib: lib.zeros(2, 3).sum((0, -2)),
    lambda lib: lib.zeros(2, 3).cumsum(2),
    lambda lib: lib.tensor([1, 2]).mean(),
    lambda lib: lib.tensor([1, 2]).mean(dtype=lib.int32),
    lambda lib: lib.tensor([1, 2]).var(),
    lambda lib: lib.tensor([1, 2]).norm(),
    lambda lib: lib.tensor([True]).argmax(),
    lambda lib: lib.zeros(3, 4).var(1, unbiased=True, correction=1),
    lambda lib: lib.zeros(3, 4).prod((0, 1)),
    lambda lib: lib.zeros(3, 4).logsumexp(None),
])
def test_errors_match(fn):
    check_same(fn)


def test_dim_out_of_range_message():
    with pytest.raises(IndexError, match=r"expected to be in range of \[-2, 1\], but got 5"):
        cltorch.zeros(2, 3).sum(5)
