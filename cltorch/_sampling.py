"""Random sampling functions (rand, randn, randint, ...) on the device."""
from __future__ import annotations

import numbers

from . import _dtype
from . import random as _random
from ._shape_utils import broadcast_shapes, broadcast_strides, parse_size
from .ops import copy as copy_ops
from .ops import random as rand_ops
from .ops.layout import is_dense
from .tensor import Tensor, _alloc


def _gen(generator):
    return generator if generator is not None else _random.default_generator


def _need_float(dt, fn: str) -> None:
    if not dt.is_floating_point:
        raise RuntimeError(f"{fn}: expected a floating point dtype, but got {dt}")


def _draw(shape, dt, dev, kind, generator, *args):
    """A fresh dense tensor filled by one random kernel."""
    out = _alloc(shape, dt, dev)
    seed, offset = _gen(generator).take(rand_ops.blocks_needed(out, kind))
    getattr(rand_ops, kind)(out, seed, offset, *args)
    return out


def _finish(t, requires_grad):
    return t.requires_grad_(True) if requires_grad else t


def _size_kw(size, kwargs, fn):
    if "size" in kwargs:
        return parse_size((kwargs.pop("size"),), fn)
    return parse_size(size, fn)


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False, **kw) -> Tensor:
    """Uniform samples in [0, 1)."""
    dt = _dtype.to_dtype(dtype) if dtype is not None else _dtype.get_default_dtype()
    _need_float(dt, "rand")
    shape = _size_kw(size, kw, "rand")
    return _finish(_draw(shape, dt, device, "uniform", generator, 0.0, 1.0), requires_grad)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, **kw) -> Tensor:
    """Standard normal samples."""
    dt = _dtype.to_dtype(dtype) if dtype is not None else _dtype.get_default_dtype()
    _need_float(dt, "randn")
    shape = _size_kw(size, kw, "randn")
    return _finish(_draw(shape, dt, device, "normal", generator, 0.0, 1.0), requires_grad)


def _check_range(low, high, fn="random_"):
    if low >= high:
        raise RuntimeError(f"{fn} expects 'from' to be less than 'to', but got from={low} >= to={high}")


def randint(*args, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
            requires_grad=False, **kw) -> Tensor:
    """Integers uniform in [low, high): randint(high, size) or randint(low, high, size)."""
    args = list(args)
    if size is None:
        if not args or not isinstance(args[-1], (tuple, list)) and type(args[-1]).__name__ != "Size":
            raise TypeError("randint() missing required argument 'size' (a tuple of ints)")
        size = args.pop()
    if len(args) == 1:
        low, high = 0, args[0]
    elif len(args) == 2:
        low, high = args
    else:
        raise TypeError(f"randint() takes low (optional), high and size, got {len(args) + 1} positional arguments")
    low, high = int(low), int(high)
    _check_range(low, high, "randint")
    dt = _dtype.to_dtype(dtype) if dtype is not None else _dtype.int64
    t = _draw(parse_size((size,), "randint"), dt, device, "randint", generator, low, high)
    return _finish(t, requires_grad)


def randperm(n: int, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False) -> Tensor:
    """A random permutation of 0..n-1."""
    if n < 0:
        raise RuntimeError(f"randperm: n must be non-negative, got {n}")
    dt = _dtype.to_dtype(dtype) if dtype is not None else _dtype.int64
    return _finish(_draw((int(n),), dt, device, "randperm", generator), requires_grad)


def _dense_copy(t: Tensor, shape, dt) -> Tensor:
    out = _alloc(shape, dt, t.device)
    copy_ops.copy_into(out, t, broadcast_strides(t, shape))
    return out


def bernoulli(input: Tensor, p=None, *, generator=None, out=None) -> Tensor:
    """0/1 draws with probabilities input (or the scalar p), shaped and typed like input."""
    if p is not None:
        return _draw(input._shape, input.dtype, input.device, "bernoulli_scalar", generator, float(p))
    _need_float(input.dtype, "bernoulli")
    probs = input if (is_dense(input) and input._offset == 0) else input.contiguous()
    result = _alloc(input._shape, input.dtype, input.device)
    seed, offset = _gen(generator).take(rand_ops.blocks_needed(result))
    rand_ops.bernoulli_tensor(result, probs, seed, offset)
    return result


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
           requires_grad=False) -> Tensor:
    """Normal samples; mean and std may be numbers or tensors (broadcast together)."""
    if not isinstance(mean, Tensor) and not isinstance(std, Tensor):
        if size is None:
            raise TypeError("normal() with float mean and std needs a size")
        dt = _dtype.to_dtype(dtype) if dtype is not None else _dtype.get_default_dtype()
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        return _finish(_draw(parse_size((size,), "normal"), dt, device, "normal", generator,
                             float(mean), float(std)), requires_grad)
    ref = mean if isinstance(mean, Tensor) else std
    dt = ref.dtype
    _need_float(dt, "normal")
    from ._creation import full
    mean_t = mean if isinstance(mean, Tensor) else full((), float(mean), dtype=dt, device=ref.device)
    std_t = std if isinstance(std, Tensor) else full((), float(std), dtype=dt, device=ref.device)
    shape = broadcast_shapes(mean_t._shape, std_t._shape)
    result = _alloc(shape, dt, ref.device)
    mean_d, std_d = _dense_copy(mean_t, shape, dt), _dense_copy(std_t, shape, dt)
    seed, offset = _gen(generator).take(rand_ops.blocks_needed(result))
    rand_ops.normal_tensor(result, mean_d, std_d, seed, offset)
    return result


def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    """Uniform samples shaped like input."""
    return rand(input._shape, dtype=dtype or input.dtype, device=device or input.device,
                requires_grad=requires_grad)


def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    """Normal samples shaped like input."""
    return randn(input._shape, dtype=dtype or input.dtype, device=device or input.device,
                 requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None, requires_grad=False,
                 memory_format=None) -> Tensor:
    """Random integers shaped like input: randint_like(x, high) or randint_like(x, low, high)."""
    if high is None:
        low, high = 0, low
    return randint(low, high, input._shape, dtype=dtype or input.dtype, device=device or input.device,
                   requires_grad=requires_grad)


def _write_back(t: Tensor, fresh: Tensor) -> Tensor:
    """Put freshly drawn values into t (which may be a strided view)."""
    if fresh is not t:
        copy_ops.copy_into(t, fresh)
    t._bump_version()
    return t


def _target(t: Tensor) -> Tensor:
    return t if (is_dense(t) and t._offset == 0) else _alloc(t._shape, t.dtype, t.device)


def fill_random(t: Tensor, kind: str, generator, a: float, b: float) -> Tensor:
    """In-place uniform_/normal_ on any tensor, views included."""
    _need_float(t.dtype, f"{kind}_")
    if kind == "normal" and b < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {b}")
    if kind == "uniform" and a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
    dst = _target(t)
    seed, offset = _gen(generator).take(rand_ops.blocks_needed(dst, kind))
    getattr(rand_ops, kind)(dst, seed, offset, float(a), float(b))
    return _write_back(t, dst)


_FLOAT_RANGE = {"f16": 1 << 11, "f32": 1 << 24, "f64": 1 << 53}


def _dtype_top(dt) -> int:
    """One past the largest value random_() draws for a dtype, as torch."""
    if dt.is_floating_point:
        return _FLOAT_RANGE[dt.tag] + 1
    if dt is _dtype.bool_:
        return 2
    info = __import__("numpy").iinfo(dt.np)
    return int(info.max) + 1


def random_(t: Tensor, from_, to, generator) -> Tensor:
    """In-place integers: random_(), random_(to) or random_(from, to)."""
    if from_ is not None and to is None:
        low, high = 0, int(from_)
    else:
        low = 0 if from_ is None else int(from_)
        high = _dtype_top(t.dtype) if to is None else int(to)
    _check_range(low, high)
    dst = _target(t)
    seed, offset = _gen(generator).take(rand_ops.blocks_needed(dst))
    rand_ops.randint(dst, seed, offset, low, high)
    return _write_back(t, dst)


def bernoulli_(t: Tensor, p, generator) -> Tensor:
    """In-place 0/1 draws with probability p (a number or a tensor broadcast to t)."""
    dst = _target(t)
    if isinstance(p, Tensor):
        probs = _dense_copy(p, t._shape, p.dtype if p.dtype.is_floating_point else _dtype.float32)
        seed, offset = _gen(generator).take(rand_ops.blocks_needed(dst))
        rand_ops.bernoulli_tensor(dst, probs, seed, offset)
    else:
        if not (isinstance(p, numbers.Real) and 0 <= p <= 1):
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        seed, offset = _gen(generator).take(rand_ops.blocks_needed(dst))
        rand_ops.bernoulli_scalar(dst, seed, offset, float(p))
    return _write_back(t, dst)
