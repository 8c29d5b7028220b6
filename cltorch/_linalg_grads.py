"""Backward formulas of the matrix products, written with differentiable Tensor ops.

Each maker takes an op's inputs (and scalars) and returns ``(backward, saved)``:
``backward(grad)`` gives one gradient (or None) per input, and ``saved`` lists
exactly the tensors it reads. Gradients are products again (mm, bmm, matmul,
mv), so ``create_graph=True`` differentiates them once more. Batch dimensions
that broadcast in the forward are summed back with ``reduce_to``.
"""
from __future__ import annotations

import math

from ._elementwise_grads import reduce_to
from .autograd.graph import needs_grad, record


def _req(x) -> bool:
    return getattr(x, "requires_grad", False)


def _scale(g, s):
    return g if s == 1 else g * s


def _saved(*pairs) -> tuple:
    """The tensors to save: for each (input, tensors its gradient reads), those of inputs that need grad."""
    out = []
    for x, reads in pairs:
        if _req(x):
            out.extend(t for t in reads if hasattr(t, "_shape") and all(t is not s for s in out))
    return tuple(out)


def track(name: str, out, inputs, maker, *params):
    """Record out's backward (built by maker(*inputs, *params)) when an input requires grad; return out."""
    if needs_grad(*inputs):
        backward, saved = maker(*inputs, *params)
        record(name, out, inputs, backward, saved)
    return out


def refuse_out(fn: str, out, *inputs) -> None:
    """torch's error for out= while an input requires grad."""
    if out is not None and needs_grad(*inputs):
        raise RuntimeError(f"{fn}(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")


# -- products ------------------------------------------------------------------
def dot(a, b):
    """d(a . b): g * b and g * a (g is 0-d)."""
    def backward(g):
        return (g * b if _req(a) else None, g * a if _req(b) else None)
    return backward, _saved((a, (b,)), (b, (a,)))


def mv(mat, vec):
    """d(mat @ vec): outer(g, vec) and mat^T @ g."""
    def backward(g):
        return (g.unsqueeze(1) * vec if _req(mat) else None, mat.t().mv(g) if _req(vec) else None)
    return backward, _saved((mat, (vec,)), (vec, (mat,)))


def mm(a, b):
    """d(a @ b) for matrices: g @ b^T and a^T @ g."""
    def backward(g):
        return (g.mm(b.t()) if _req(a) else None, a.t().mm(g) if _req(b) else None)
    return backward, _saved((a, (b,)), (b, (a,)))


def bmm(a, b):
    """d(bmm(a, b)): bmm(g, b^T) and bmm(a^T, g)."""
    def backward(g):
        return (g.bmm(b.mT) if _req(a) else None, a.mT.bmm(g) if _req(b) else None)
    return backward, _saved((a, (b,)), (b, (a,)))


def _fold_rows(t):
    """(..., r, c) -> (prod(...) * r, c)."""
    return t.reshape(math.prod(t.shape[:-1]), t.shape[-1])


def _fold_cols(t):
    """(..., r, c) -> (r, prod(...) * c): the batch moved into the columns."""
    return t.movedim(-2, 0).reshape(t.shape[-2], math.prod(t.shape[:-2]) * t.shape[-1])


def matmul(a, b):
    """d(matmul(a, b)) for any 1-D/N-D forms: products of g with the other operand, batch broadcasts summed."""
    da, db = a.dim(), b.dim()

    def backward(g):
        a2 = a.unsqueeze(0) if da == 1 else a
        b2 = b.unsqueeze(-1) if db == 1 else b
        if db == 1:
            g = g.unsqueeze(-1)
        if da == 1:
            g = g.unsqueeze(-2)
        ga = gb = None
        if _req(a):
            if a2.dim() == 2 and b2.dim() > 2:      # a met every batch of b: one GEMM sums them
                ga = _fold_cols(g).mm(_fold_cols(b2).t())
            else:
                ga = reduce_to(g.matmul(b2.mT), a2)
            ga = ga.reshape(a.shape) if da == 1 else ga
        if _req(b):
            if b2.dim() == 2 and a2.dim() > 2:      # b met every batch of a: one GEMM sums them
                gb = _fold_rows(a2).t().mm(_fold_rows(g))
            else:
                gb = reduce_to(a2.mT.matmul(g), b2)
            gb = gb.reshape(b.shape) if db == 1 else gb
        return ga, gb
    return backward, _saved((a, (b,)), (b, (a,)))


def matmul_name(da: int, db: int) -> str:
    """The grad_fn name torch gives matmul's result for operands of these dimensions."""
    if da == 1 and db == 1:
        return "DotBackward0"
    if da == 2 and db == 2:
        return "MmBackward0"
    if da == 2 and db == 1:
        return "MvBackward0"
    if da == 1 and db == 2:
        return "SqueezeBackward4"
    return "CloneBackward0" if da == 2 else "UnsafeViewBackward0"


# -- add* products ---------------------------------------------------------------
def addmm(input, m1, m2, beta, alpha):
    """d(beta * input + alpha * m1 @ m2)."""
    def backward(g):
        return (reduce_to(_scale(g, beta), input) if _req(input) else None,
                _scale(g.mm(m2.t()), alpha) if _req(m1) else None,
                _scale(_mat_grad_t(m1, g) if _is_transposed(m2) else m1.t().mm(g), alpha) if _req(m2) else None)
    return backward, _saved((m1, (m2,)), (m2, (m1,)))


def _is_transposed(m) -> bool:
    """True for a 2-D transposed view of a dense matrix (linear's weight.t())."""
    return m.dim() == 2 and m._stride == (1, m._shape[0]) and m._shape[0] > 1 and m._shape[1] > 1


def _mat_grad_t(m1, g):
    """m1.T @ g computed as (g.T @ m1).T, so the gradient of a transposed weight lands dense in its layout."""
    return g.t().mm(m1).t()


def addmv(input, mat, vec, beta, alpha):
    """d(beta * input + alpha * mat @ vec)."""
    def backward(g):
        return (reduce_to(_scale(g, beta), input) if _req(input) else None,
                _scale(g.unsqueeze(1) * vec, alpha) if _req(mat) else None,
                _scale(mat.t().mv(g), alpha) if _req(vec) else None)
    return backward, _saved((mat, (vec,)), (vec, (mat,)))


def addbmm(input, b1, b2, beta, alpha):
    """d(beta * input + alpha * sum_i b1[i] @ b2[i]): g meets every batch."""
    def backward(g):
        return (reduce_to(_scale(g, beta), input) if _req(input) else None,
                _scale(g.matmul(b2.mT), alpha) if _req(b1) else None,
                _scale(b1.mT.matmul(g), alpha) if _req(b2) else None)
    return backward, _saved((b1, (b2,)), (b2, (b1,)))


def baddbmm(input, b1, b2, beta, alpha):
    """d(beta * input + alpha * bmm(b1, b2))."""
    def backward(g):
        return (reduce_to(_scale(g, beta), input) if _req(input) else None,
                _scale(g.bmm(b2.mT), alpha) if _req(b1) else None,
                _scale(b1.mT.bmm(g), alpha) if _req(b2) else None)
    return backward, _saved((b1, (b2,)), (b2, (b1,)))


def addr(input, v1, v2, beta, alpha):
    """d(beta * input + alpha * outer(v1, v2))."""
    def backward(g):
        return (reduce_to(_scale(g, beta), input) if _req(input) else None,
                _scale(g.mv(v2), alpha) if _req(v1) else None,
                _scale(g.t().mv(v1), alpha) if _req(v2) else None)
    return backward, _saved((v1, (v2,)), (v2, (v1,)))


def trace(input):
    """d(trace(input)): g on the main diagonal."""
    shape, dtype, device = input.shape, input.dtype, input.device

    def backward(g):
        from ._creation import eye
        return (eye(shape[0], shape[1], dtype=dtype, device=device) * g,)
    return backward, ()
