"""Creation functions compared with PyTorch: values, shapes, result dtypes and errors."""
import warnings

import numpy as np
import pytest

from harness import ALL_DTYPES, check, check_raises_same, check_same, torch  # noqa: F401

import cltorch

SHAPES = [(), (0,), (1,), (7,), (2, 3), (2, 0, 3), (1, 1, 4)]

# Known mismatches with torch, waiting for a fix in the library (tests/compat/conftest.py turns
# each entry into a strict xfail).
XFAIL = {}


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("fn", ["zeros", "ones", "empty"])
def test_zeros_ones_empty_shapes(fn, shape):
    if fn == "empty":
        check_same(lambda lib: tuple(lib.empty(shape).shape))
        check_same(lambda lib: lib.empty(shape).dtype)
        return
    if shape:
        check_same(lambda lib: getattr(lib, fn)(*shape))
    check_same(lambda lib: getattr(lib, fn)(shape))
    check_same(lambda lib: getattr(lib, fn)(list(shape)))


@pytest.mark.parametrize("fn", ["zeros", "ones", "empty"])
def test_creation_without_size_raises(fn):
    check_raises_same(lambda lib: getattr(lib, fn)())


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_zeros_ones_dtypes(dtype):
    check_same(lambda lib: lib.zeros(2, 3, dtype=getattr(lib, dtype)))
    check_same(lambda lib: lib.ones(4, dtype=getattr(lib, dtype)))
    check_same(lambda lib: lib.empty(2, dtype=getattr(lib, dtype)).dtype)


@pytest.mark.parametrize("value", [0, 3, -7, 2 ** 40, 2.5, -0.0, True, False, float("inf"), float("nan")],
                         ids=repr)
def test_full_dtype_follows_value(value):
    check_same(lambda lib: lib.full((2, 3), value))
    check_same(lambda lib: lib.full((), value))
    check_same(lambda lib: lib.full([4], value, dtype=lib.float64))


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_full_with_dtype(dtype):
    check_same(lambda lib: lib.full((3,), 1, dtype=getattr(lib, dtype)))
    check_same(lambda lib: lib.full((2, 2), True, dtype=getattr(lib, dtype)))


def test_full_bad_values():
    check_same(lambda lib: lib.full((2,), 2.5, dtype=lib.int64))
    check_same(lambda lib: lib.full((2,), -1, dtype=lib.uint8))
    check_raises_same(lambda lib: lib.full((-1,), 1.0))
    check_raises_same(lambda lib: lib.zeros(2, -3))
    check_raises_same(lambda lib: lib.ones(-1))


ARANGE_CASES = [(5,), (2, 9), (2, 9, 3), (9, 2, -2), (0, 1, 0.1), (-1.0, 1.0, 0.25), (0, 10, 3.5), (1, 2.5, 0.5),
                (0,), (3, 3), (10, 0, -3), (0.5,), (0, 5, 1.0), (-3, 3)]


@pytest.mark.parametrize("args", ARANGE_CASES, ids=str)
def test_arange(args):
    check_same(lambda lib: lib.arange(*args))


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "int32", "int8", "uint8"])
def test_arange_dtype(dtype):
    check_same(lambda lib: lib.arange(10, dtype=getattr(lib, dtype)))
    check_same(lambda lib: lib.arange(1, 7, 2, dtype=getattr(lib, dtype)))


def test_arange_keywords_and_tensor_args():
    check_same(lambda lib: lib.arange(start=1, end=4))
    check_same(lambda lib: lib.arange(end=4))
    check_same(lambda lib: lib.arange(lib.tensor(5)))
    check_same(lambda lib: lib.arange(lib.tensor(1.5), 4))


@pytest.mark.parametrize("args", [(0, 5, 0), (5, 0, 1), (0, 5, -1)], ids=str)
def test_arange_errors(args):
    check_raises_same(lambda lib: lib.arange(*args))


LINSPACE_CASES = [(0, 1, 5), (-1, 1, 1), (-1, 1, 0), (0, 1, 2), (2, -3, 7), (0, 10, 11), (0.5, 0.25, 3),
                  (0, 1, 100), (1e-3, 1e3, 9)]


@pytest.mark.parametrize("args", LINSPACE_CASES, ids=str)
def test_linspace(args):
    check_same(lambda lib: lib.linspace(*args))
    check_same(lambda lib: lib.linspace(*args, dtype=lib.float64))


def test_linspace_dtypes_and_errors():
    check_same(lambda lib: lib.linspace(0, 10, 5, dtype=lib.int64))
    check_same(lambda lib: lib.linspace(0, 1, 4, dtype=lib.float16))
    check_same(lambda lib: lib.linspace(lib.tensor(0.0), lib.tensor(2.0), 5))
    check_raises_same(lambda lib: lib.linspace(0, 1, -1))


@pytest.mark.parametrize("args", [(3,), (2, 4), (4, 2), (0,), (1,), (3, 0)], ids=str)
def test_eye(args):
    check_same(lambda lib: lib.eye(*args))
    check_same(lambda lib: lib.eye(*args, dtype=lib.int64))
    check_same(lambda lib: lib.eye(*args, dtype=lib.bool))


def test_eye_errors():
    check_raises_same(lambda lib: lib.eye(-1))
    check_raises_same(lambda lib: lib.eye(2, -1))


# -- tensor(): dtype inference and type promotion of mixed data -----------------------
TENSOR_DATA = [
    3, -7, 2.5, True, False, [1, 2, 3], [1.0, 2, 3], [1, 2.0], [True, 1], [True, 2.5], [False, True],
    [[1, 2], [3, 4]], [[1], [2.5]], [[True], [2]], [], [[], []], [[[1.5]], [[2.5]]], (1, 2), ((1, 2), (3, 4)),
    [1, True, 2.5], [2 ** 40, 1], [-0.0], [float("inf"), float("nan")], [[0, 1], [True, False]],
]


@pytest.mark.parametrize("data", TENSOR_DATA, ids=repr)
def test_tensor_infers_dtype(data):
    check_same(lambda lib: lib.tensor(data))
    check_same(lambda lib: lib.as_tensor(data))


@pytest.mark.parametrize("data", TENSOR_DATA[:12], ids=repr)
def test_tensor_infers_dtype_with_default_float64(data, restore_default_dtype):
    try:
        for lib in (torch, cltorch):
            lib.set_default_dtype(lib.float64)
        check_same(lambda lib: lib.tensor(data))
    finally:
        torch.set_default_dtype(torch.float32)


@pytest.mark.parametrize("np_dtype", ["float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint8",
                                      "bool"])
def test_tensor_from_numpy_keeps_dtype(np_dtype):
    arr = (np.arange(6).reshape(2, 3) % 3).astype(np_dtype)
    check_same(lambda lib: lib.tensor(arr))
    check_same(lambda lib: lib.from_numpy(arr.copy()))
    check_same(lambda lib: lib.as_tensor(arr))
    check_same(lambda lib: lib.tensor(arr[:, ::2]))
    check_same(lambda lib: lib.tensor(arr.T))


@pytest.mark.parametrize("value", [np.float64(1.5), np.float32(2.5), np.int32(3), np.int64(-4), np.bool_(True),
                                   np.float16(0.5), np.uint8(200)], ids=repr)
def test_tensor_from_numpy_scalars(value):
    check_same(lambda lib: lib.tensor(value))


@pytest.mark.parametrize("data, dtype", [([1.7, -2.7], "int64"), ([1, 0, 2], "bool"), ([300, -1], "float16"),
                                         ([True, False], "float32"), ([0.5, 1.5], "bool"), ([1, 2], "float64"),
                                         (2.9, "int32")], ids=str)
def test_tensor_explicit_dtype(data, dtype):
    check_same(lambda lib: lib.tensor(data, dtype=getattr(lib, dtype)))


def test_tensor_of_0d_tensors_and_tensor_copies():
    check_same(lambda lib: lib.tensor([lib.tensor(1.5), lib.tensor(2.0)]))
    check_same(lambda lib: lib.tensor([lib.tensor(1), lib.tensor(2)]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check_same(lambda lib: lib.tensor(lib.arange(3)))
        check_same(lambda lib: lib.tensor(lib.arange(3), dtype=lib.float64))


def test_tensor_requires_grad():
    check_same(lambda lib: lib.tensor([1.0, 2.0], requires_grad=True).requires_grad)
    check_same(lambda lib: lib.zeros(2, requires_grad=True).requires_grad)
    check_same(lambda lib: lib.tensor([1.0]).requires_grad)
    check_raises_same(lambda lib: lib.tensor([1, 2], requires_grad=True))
    check_raises_same(lambda lib: lib.zeros(2, dtype=lib.int64, requires_grad=True))


@pytest.mark.parametrize("data", [[[1, 2], [3]], [[1], 2], [[[1]], [2]]], ids=repr)
def test_tensor_ragged_raises(data):
    check_raises_same(lambda lib: lib.tensor(data))


@pytest.mark.parametrize("data", ["a", [1, "b"], object(), [None]], ids=["'a'", "[1, 'b']", "object", "[None]"])
def test_tensor_bad_data_raises(data):
    check_raises_same(lambda lib: lib.tensor(data))


# -- *_like and new_* -----------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int8", "bool", "float16"])
def test_like_functions(dtype):
    src = (np.arange(6).reshape(2, 3) % 2).astype(dtype)
    check_same(lambda lib: lib.zeros_like(lib.tensor(src)))
    check_same(lambda lib: lib.ones_like(lib.tensor(src)))
    check_same(lambda lib: lib.full_like(lib.tensor(src), 1))
    check_same(lambda lib: lib.full_like(lib.tensor(src), 0.75, dtype=lib.float32))
    check_same(lambda lib: lib.zeros_like(lib.tensor(src), dtype=lib.int16))
    check_same(lambda lib: lib.empty_like(lib.tensor(src)).dtype)
    check_same(lambda lib: tuple(lib.empty_like(lib.tensor(src)).shape))


def test_like_of_0d_and_empty():
    check_same(lambda lib: lib.ones_like(lib.tensor(2.5)))
    check_same(lambda lib: lib.zeros_like(lib.zeros(0, 3)))
    check_same(lambda lib: lib.full_like(lib.zeros(2, dtype=lib.int32), 7.9))
    check_same(lambda lib: lib.ones_like(lib.zeros(2), requires_grad=True).requires_grad)


def test_new_constructors():
    check_same(lambda lib: lib.zeros(2, dtype=lib.int32).new_zeros(3))
    check_same(lambda lib: lib.zeros(2, dtype=lib.int32).new_ones((2, 2)))
    check_same(lambda lib: lib.zeros(2, dtype=lib.float64).new_full((2,), 3))
    check_same(lambda lib: lib.zeros(2, dtype=lib.float64).new_tensor([1, 2]))
    check_same(lambda lib: lib.zeros(2, dtype=lib.int8).new_empty(4).dtype)
    check_same(lambda lib: lib.zeros(2).new_zeros(3, dtype=lib.bool))


# -- result dtypes of the conversion methods -----------------------------------------
@pytest.mark.parametrize("method", ["float", "double", "half", "long", "int", "short", "char", "byte", "bool"])
def test_conversion_methods(method):
    src = np.array([-2.7, -1.0, 0.0, 0.5, 1.9, 3.0, 100.25])
    check(f"Tensor.{method}", [src], "float32")
    check(f"Tensor.{method}", [np.array([-3, 0, 2, 7, 127])], "int64")
    check(f"Tensor.{method}", [np.array([True, False])], "bool", noncontiguous=False)


@pytest.mark.parametrize("target", ALL_DTYPES)
def test_to_dtype(target):
    check(lambda lib, x: x.to(getattr(lib, target)), [np.array([-2.5, 0.0, 1.0, 3.75])], "float32")
    check(lambda lib, x: x.to(dtype=getattr(lib, target)), [np.array([-5, 0, 1, 100])], "int32",
          noncontiguous=False)


def test_default_dtype_functions(restore_default_dtype):
    check_same(lambda lib: lib.get_default_dtype())
    try:
        for lib in (torch, cltorch):
            lib.set_default_dtype(lib.float64)
        check_same(lambda lib: lib.get_default_dtype())
        check_same(lambda lib: lib.zeros(2))
        check_same(lambda lib: lib.arange(0, 1, 0.5))
        check_same(lambda lib: lib.full((2,), 1.5))
        check_same(lambda lib: lib.linspace(0, 1, 3))
    finally:
        torch.set_default_dtype(torch.float32)
    check_raises_same(lambda lib: lib.set_default_dtype(lib.int64))


def test_scalar_type_queries():
    for name in ALL_DTYPES:
        check_same(lambda lib: getattr(lib, name).is_floating_point)
        check_same(lambda lib: getattr(lib, name).is_signed)
        check_same(lambda lib: lib.zeros(1, dtype=getattr(lib, name)).is_floating_point())
        check_same(lambda lib: lib.zeros(2, dtype=getattr(lib, name)).element_size())
        check_same(lambda lib: lib.is_floating_point(lib.zeros(1, dtype=getattr(lib, name))))
    check_same(lambda lib: lib.is_tensor(lib.zeros(1)))
    check_same(lambda lib: lib.is_tensor([1]))
    check_same(lambda lib: lib.numel(lib.zeros(2, 3)))
