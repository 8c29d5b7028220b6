"""einsum: subscripts become labels; the work becomes strided views, sums and batched GEMMs.

Each operand first loses repeated labels (a diagonal view: strides add up)
and labels no other operand or the output uses (summed as a GEMM against
ones). Operands are then contracted left to right: labels shared and still
needed are batch dimensions, labels shared and no longer needed are the GEMM's
K, the rest its rows and columns. The result is permuted (a view) into the
output order.

When an operand requires grad the same steps run as differentiable ops
(diagonal, expand, sum, permute, reshape, matmul, mul), so the whole chain is
recorded, as torch's composite einsum is, and differentiates to any order.
"""
from __future__ import annotations

import math

from .autograd.graph import needs_grad
from ._matmul_core import as_matrix, check_operands, product, sum_dims, view
from .ops.layout import contiguous_strides
from .tensor import Tensor

_ELLIPSIS = "..."


def einsum(*args) -> Tensor:
    """Sum of products over the labels of an equation, e.g. einsum('bij,bjk->bik', a, b)."""
    equation, operands = _split_args(args)
    for i, t in enumerate(operands):
        if not isinstance(t, Tensor):
            raise TypeError(f"einsum(): operand {i} must be a Tensor, not {type(t).__name__}")
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    check_operands("einsum", *operands)
    terms, out_labels = _parse(equation, operands)
    sizes = _label_sizes(terms, operands)
    if needs_grad(*operands):
        return _tracked(operands, terms, out_labels, sizes)

    items = []
    for i, (t, labels) in enumerate(zip(operands, terms)):
        t, labels = _diagonal(t, labels)
        t = _expand(t, labels, sizes)
        others = set(out_labels).union(*(set(terms[j]) for j in range(len(terms)) if j != i))
        t, labels = _sum_out(t, labels, others)
        items.append((t, labels))

    t, labels = items[0]
    for j in range(1, len(items)):
        needed = set(out_labels).union(*(set(lab) for _, lab in items[j + 1:]))
        t, labels = _contract(t, labels, items[j][0], items[j][1], needed)
    t, labels = _sum_out(t, labels, set(out_labels))
    order = [labels.index(l) for l in out_labels]
    return view(t, [t._shape[d] for d in order], [t._stride[d] for d in order])


# -- parsing -----------------------------------------------------------------
def _split_args(args):
    """(equation, operands) from einsum(eq, *ops), einsum(eq, [ops]) or the sublist form."""
    if not args:
        raise TypeError("einsum(): missing the equation")
    if isinstance(args[0], str):
        ops = args[1:]
        if len(ops) == 1 and isinstance(ops[0], (list, tuple)):
            ops = tuple(ops[0])
        return args[0], list(ops)
    ops, terms = list(args[0::2]), list(args[1::2])
    out = None
    if len(ops) > len(terms):
        out = ops.pop() if not isinstance(ops[-1], Tensor) else None
    eq = ",".join(_sublist_term(s) for s in terms)
    if out is not None:
        eq += "->" + _sublist_term(out)
    return eq, ops


def _sublist_term(sub) -> str:
    text = []
    for s in sub:
        if s is Ellipsis:
            text.append(_ELLIPSIS)
        elif isinstance(s, int) and 0 <= s < 52:
            text.append(chr(ord("A") + s) if s < 26 else chr(ord("a") + s - 26))
        else:
            raise RuntimeError(f"einsum(): subscript in subscript list is not within the valid range [0, 52), "
                               f"got {s}")
    return "".join(text)


def _tokens(term: str, where: str) -> list:
    """Letters and '...' of one term."""
    out, i = [], 0
    while i < len(term):
        ch = term[i]
        if term.startswith(_ELLIPSIS, i):
            if _ELLIPSIS in out:
                raise RuntimeError(f"einsum(): found more than one ellipsis in {where}")
            out.append(_ELLIPSIS)
            i += 3
            continue
        if not (ch.isascii() and ch.isalpha()):
            raise RuntimeError(f"einsum(): invalid subscript given at index {i} in {where} ({term!r}): "
                               f"subscripts must be letters in [a-zA-Z]")
        out.append(ch)
        i += 1
    return out


def _parse(equation: str, operands):
    """Per-operand label lists and the output labels; ellipsis dimensions become '.0', '.1', ..."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        which = "more" if len(operands) > len(terms) else "fewer"
        raise RuntimeError(f"einsum(): {which} operands were provided than specified in the equation "
                           f"({len(operands)} operands, {len(terms)} terms)")
    toks = [_tokens(term, f"operand {i}") for i, term in enumerate(terms)]
    n_ell = []
    for i, (tk, t) in enumerate(zip(toks, operands)):
        letters = len(tk) - (1 if _ELLIPSIS in tk else 0)
        if _ELLIPSIS in tk:
            if letters > t.dim():
                raise RuntimeError(f"einsum(): the number of subscripts in the equation ({letters}) is more than "
                                   f"the number of dimensions ({t.dim()}) for operand {i}")
            n_ell.append(t.dim() - letters)
        else:
            if letters != t.dim():
                raise RuntimeError(f"einsum(): the number of subscripts in the equation ({letters}) does not "
                                   f"match the number of dimensions ({t.dim()}) for operand {i} and no ellipsis "
                                   f"was given")
            n_ell.append(0)
    width = max(n_ell)
    labels = []
    for tk, e in zip(toks, n_ell):
        lab = []
        for x in tk:
            if x == _ELLIPSIS:
                lab.extend(f".{width - e + j}" for j in range(e))
            else:
                lab.append(x)
        labels.append(lab)
    ell_labels = [f".{j}" for j in range(width)]
    if not arrow:
        counts = {}
        for tk in toks:
            for x in tk:
                counts[x] = counts.get(x, 0) + 1
        out = ell_labels + sorted(x for x, c in counts.items() if c == 1 and x != _ELLIPSIS)
        return labels, out
    out = []
    for x in _tokens(rhs, "the output"):
        if x == _ELLIPSIS:
            out.extend(ell_labels)
            continue
        if x in out:
            raise RuntimeError(f"einsum(): output subscript {x} appears more than once in the output")
        if not any(x in tk for tk in toks):
            raise RuntimeError(f"einsum(): output subscript {x} does not appear in the equation for any input "
                               f"operand")
        out.append(x)
    return labels, out


def _label_sizes(terms, operands) -> dict:
    """The size of every label; size-1 dimensions broadcast against other sizes."""
    sizes = {}
    for i, (labels, t) in enumerate(zip(terms, operands)):
        own = {}
        for lab, size in zip(labels, t._shape):
            if own.setdefault(lab, size) != size:
                raise RuntimeError(f"einsum(): subscript {lab} is repeated for operand {i} but the sizes don't "
                                   f"match, {own[lab]} != {size}")
            seen = sizes.get(lab)
            if seen is None or seen == 1:
                sizes[lab] = size
            elif size != 1 and size != seen:
                name = "ellipsis dimension" if lab.startswith(".") else f"subscript {lab}"
                raise RuntimeError(f"einsum(): {name} has size {size} for operand {i}, which does not "
                                   f"broadcast with the size {seen} seen before (shapes "
                                   f"{[list(o._shape) for o in operands]})")
    return sizes


# -- per-operand steps -----------------------------------------------------------
def _diagonal(t: Tensor, labels):
    """Merge repeated labels (sizes already checked) into one dimension whose stride is the sum of theirs."""
    uniq, shape, strides = [], [], []
    for d, lab in enumerate(labels):
        if lab in uniq:
            strides[uniq.index(lab)] += t._stride[d]
        else:
            uniq.append(lab)
            shape.append(t._shape[d])
            strides.append(t._stride[d])
    if len(uniq) == len(labels):
        return t, list(labels)
    return view(t, shape, strides), uniq


def _expand(t: Tensor, labels, sizes) -> Tensor:
    """Broadcast size-1 dimensions to their label's size (stride 0)."""
    shape = [sizes[lab] for lab in labels]
    if tuple(shape) == t._shape:
        return t
    strides = [0 if s != ts else st for s, ts, st in zip(shape, t._shape, t._stride)]
    return view(t, shape, strides)


def _sum_out(t: Tensor, labels, keep_set):
    """Sum over the labels not in keep_set."""
    drop = [d for d, lab in enumerate(labels) if lab not in keep_set]
    if not drop:
        return t, labels
    keep = [d for d, lab in enumerate(labels) if lab in keep_set]
    return sum_dims(t, keep, drop), [labels[d] for d in keep]


def _contract(x: Tensor, lx, y: Tensor, ly, needed):
    """The product of two labelled operands, summing shared labels that are no longer needed."""
    x, lx = _sum_out(x, lx, needed | set(ly))
    y, ly = _sum_out(y, ly, needed | set(lx))
    batch = [lab for lab in lx if lab in ly and lab in needed]
    contr = [lab for lab in lx if lab in ly and lab not in needed]
    left = [lab for lab in lx if lab not in ly]
    right = [lab for lab in ly if lab not in lx]
    labels = batch + left + right
    if not contr:
        from ._elementwise import mul
        xs = _arrange(x, lx, batch + left, len(right), at_end=True)
        ys = _arrange(y, ly, batch + right, len(left), at_end=False, split=len(batch))
        return mul(xs, ys), labels
    xi = {lab: d for d, lab in enumerate(lx)}
    yi = {lab: d for d, lab in enumerate(ly)}
    a = as_matrix(x, [xi[lab] for lab in left], [xi[lab] for lab in contr], [xi[lab] for lab in batch])
    b = as_matrix(y, [yi[lab] for lab in contr], [yi[lab] for lab in right], [yi[lab] for lab in batch])
    res = product(a, b)
    shape = [x._shape[xi[lab]] for lab in batch + left] + [y._shape[yi[lab]] for lab in right]
    return view(res, shape, contiguous_strides(shape)), labels


def _arrange(t: Tensor, labels, order, ones: int, at_end: bool, split: int = 0) -> Tensor:
    """t permuted to ``order`` with ``ones`` size-1 dimensions added at the end or after ``split``."""
    idx = {lab: d for d, lab in enumerate(labels)}
    shape = [t._shape[idx[lab]] for lab in order]
    strides = [t._stride[idx[lab]] for lab in order]
    pos = len(shape) if at_end else split
    shape[pos:pos] = [1] * ones
    strides[pos:pos] = [0] * ones
    return view(t, shape, strides)


# -- the differentiable path -------------------------------------------------------
def _tracked(operands, terms, out_labels, sizes) -> Tensor:
    """einsum from differentiable ops: the autograd graph records every step."""
    items = []
    for i, (t, labels) in enumerate(zip(operands, terms)):
        t, labels = _diagonal_tracked(t, list(labels))
        shape = tuple(sizes[lab] for lab in labels)
        if shape != tuple(t.shape):
            t = t.expand(shape)
        others = set(out_labels).union(*(set(terms[j]) for j in range(len(terms)) if j != i))
        items.append(_sum_tracked(t, labels, others))
    t, labels = items[0]
    for j in range(1, len(items)):
        needed = set(out_labels).union(*(set(lab) for _, lab in items[j + 1:]))
        t, labels = _contract_tracked(t, labels, items[j][0], items[j][1], needed)
    t, labels = _sum_tracked(t, labels, set(out_labels))
    return t.permute([labels.index(lab) for lab in out_labels])


def _diagonal_tracked(t: Tensor, labels):
    """Take the diagonal of each repeated label (its dimension moves to the end, as diagonal puts it)."""
    for lab in list(labels):
        while labels.count(lab) > 1:
            d1 = labels.index(lab)
            d2 = labels.index(lab, d1 + 1)
            t = t.diagonal(0, d1, d2)
            labels = [x for d, x in enumerate(labels) if d not in (d1, d2)] + [lab]
    return t, labels


def _sum_tracked(t: Tensor, labels, keep_set):
    """Sum over the labels not in keep_set."""
    drop = [d for d, lab in enumerate(labels) if lab not in keep_set]
    if not drop:
        return t, labels
    return t.sum(dim=tuple(drop)), [lab for lab in labels if lab in keep_set]


def _contract_tracked(x: Tensor, lx, y: Tensor, ly, needed):
    """_contract from permute, reshape and matmul (or mul when nothing is summed)."""
    x, lx = _sum_tracked(x, lx, needed | set(ly))
    y, ly = _sum_tracked(y, ly, needed | set(lx))
    batch = [lab for lab in lx if lab in ly and lab in needed]
    contr = [lab for lab in lx if lab in ly and lab not in needed]
    left = [lab for lab in lx if lab not in ly]
    right = [lab for lab in ly if lab not in lx]
    size = {lab: n for lab, n in zip(lx, x.shape)}
    size.update(zip(ly, y.shape))
    bs, ls, rs = [size[lab] for lab in batch], [size[lab] for lab in left], [size[lab] for lab in right]
    xp = x.permute([lx.index(lab) for lab in batch + left + contr])
    yp = y.permute([ly.index(lab) for lab in batch + contr + right])
    if not contr:
        res = xp.reshape(bs + ls + [1] * len(rs)) * yp.reshape(bs + [1] * len(ls) + rs)
    else:
        k = math.prod(size[lab] for lab in contr)
        res = xp.reshape(bs + [math.prod(ls), k]).matmul(yp.reshape(bs + [k, math.prod(rs)]))
        res = res.reshape(bs + ls + rs)
    return res, batch + left + right
