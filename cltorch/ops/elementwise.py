"""Launchers for the unary, binary and ternary elementwise kernels.

Operands are passed as (tensor, strides) pairs whose strides already view the
tensor at the output's (broadcast) shape; ``ct`` is the dtype the kernel
computes in.

Repeated calls are cheap: the kernels and packed layouts of a (op, dtypes,
shapes, strides, offsets) combination are looked up in one dict, so a call
with a seen layout costs one tuple hash, a set_args and an enqueue. Dense
operands of one floating dtype use the vector builds (-DCLT_VEC) of the ops
that have one: each work-item then moves a whole vector.
"""
from __future__ import annotations

import numpy as np

from .layout import cached_scalar as _scalar
from .layout import plan

# ops built with BINARY_V / UNARY_V in binary.cl / unary.cl (vector variants for dense float operands)
VEC_BINARY = frozenset("add sub mul div maximum minimum".split())
VEC_UNARY = frozenset(("identity neg square clamp_min clamp_max clamp abs relu reciprocal exp exp2 log log2 "
                       "log1p expm1 sqrt rsqrt sin cos tanh sigmoid").split())
_VEC_TAGS = ("f32", "f64")
_CACHE_LIMIT = 4096

_launches: dict = {}


def _vec_width(rt, tag: str) -> int:
    """Elements per work-item of the vector builds: 512 bits on CPUs, 128 on GPUs."""
    wide = 16 if rt.variant == "cpu" else 4
    return wide // 2 if tag == "f64" else wide


def _remember(key, value):
    if len(_launches) >= _CACHE_LIMIT:
        _launches.clear()
    _launches[key] = value
    return value


def _build(rt, file, name, defines, vec_ops, op, tags, shape, operands):
    """[(kernel, work-items, layout, count)] for one op over one layout."""
    out = []
    for strided, layout, count in plan(shape, operands):
        d = dict(defines, CLT_STRIDED=strided)
        items = count
        if not strided and op in vec_ops and tags[0] in _VEC_TAGS and all(t == tags[0] for t in tags):
            w = _vec_width(rt, tags[0])
            d["CLT_VEC"] = w
            items = (count + w - 1) // w
        out.append((rt.kernel(file, name, d), items, layout, np.int64(count)))
    return out


def unary(op: str, out, a, ct, p0=0, p1=0, p2=0) -> None:
    """out = op(a) with scalar parameters p0..p2."""
    a_t, a_st = a
    rt = out._storage.runtime
    key = (rt, "u", op, ct, out.dtype, a_t.dtype, out._shape, out._offset, out._stride, a_t._offset, a_st)
    launches = _launches.get(key)
    if launches is None:
        tags = (ct.tag, out.dtype.tag, a_t.dtype.tag)
        launches = _remember(key, _build(
            rt, "unary.cl", f"unary_{op}", {"OUT": tags[1], "CT": tags[0], "A": tags[2]}, VEC_UNARY, op, tags,
            out._shape, [(out._offset, out._stride), (a_t._offset, a_st)]))
    s0, s1, s2 = _scalar(ct, p0), _scalar(ct, p1), _scalar(ct, p2)
    ob, ab = out._storage.buffer, a_t._storage.buffer
    for k, items, layout, count in launches:
        rt.launch(k, items, ob, ab, s0, s1, s2, layout, count)


def binary(op: str, out, a, b, ct, alpha=1, beta=0) -> None:
    """out = op(a, b); b is a (tensor, strides) pair or a Python number."""
    a_t, a_st = a
    rt = out._storage.runtime
    al, be = _scalar(ct, alpha), _scalar(ct, beta)
    err = rt.error_buffer
    if isinstance(b, tuple):
        b_t, b_st = b
        key = (rt, "b", op, ct, out.dtype, a_t.dtype, b_t.dtype, out._shape, out._offset, out._stride,
               a_t._offset, a_st, b_t._offset, b_st)
        launches = _launches.get(key)
        if launches is None:
            tags = (ct.tag, out.dtype.tag, a_t.dtype.tag, b_t.dtype.tag)
            defines = {"OUT": tags[1], "CT": tags[0], "A": tags[2], "B": tags[3]}
            ops = [(out._offset, out._stride), (a_t._offset, a_st), (b_t._offset, b_st)]
            launches = _remember(key, _build(rt, "binary.cl", f"binary_{op}", defines, VEC_BINARY, op, tags,
                                             out._shape, ops))
        ob, ab, bb = out._storage.buffer, a_t._storage.buffer, b_t._storage.buffer
        for k, items, layout, count in launches:
            rt.launch(k, items, ob, ab, bb, al, be, err, layout, count)
        return
    value = _scalar(ct, b)
    key = (rt, "s", op, ct, out.dtype, a_t.dtype, out._shape, out._offset, out._stride, a_t._offset, a_st)
    launches = _launches.get(key)
    if launches is None:
        tags = (ct.tag, out.dtype.tag, a_t.dtype.tag)
        defines = {"OUT": tags[1], "CT": tags[0], "A": tags[2], "B": tags[0]}
        launches = _remember(key, _build(rt, "binary.cl", f"binary_{op}_scalar", defines, VEC_BINARY, op, tags,
                                         out._shape, [(out._offset, out._stride), (a_t._offset, a_st)]))
    ob, ab = out._storage.buffer, a_t._storage.buffer
    for k, items, layout, count in launches:
        rt.launch(k, items, ob, ab, value, al, be, err, layout, count)


def ternary(op: str, out, a, b, c, ct, alpha=1) -> None:
    """out = op(a, b, c) over three tensor operands."""
    (a_t, a_st), (b_t, b_st), (c_t, c_st) = a, b, c
    rt = out._storage.runtime
    key = (rt, "t", op, ct, out.dtype, a_t.dtype, b_t.dtype, c_t.dtype, out._shape, out._offset, out._stride,
           a_t._offset, a_st, b_t._offset, b_st, c_t._offset, c_st)
    launches = _launches.get(key)
    if launches is None:
        defines = {"OUT": out.dtype.tag, "CT": ct.tag, "A": a_t.dtype.tag, "B": b_t.dtype.tag, "C": c_t.dtype.tag}
        ops = [(out._offset, out._stride), (a_t._offset, a_st), (b_t._offset, b_st), (c_t._offset, c_st)]
        launches = _remember(key, _build(rt, "ternary.cl", f"ternary_{op}", defines, (), op, (), out._shape, ops))
    al = _scalar(ct, alpha)
    ob, ab, bb, cb = out._storage.buffer, a_t._storage.buffer, b_t._storage.buffer, c_t._storage.buffer
    for k, items, layout, count in launches:
        rt.launch(k, items, ob, ab, bb, cb, al, layout, count)
