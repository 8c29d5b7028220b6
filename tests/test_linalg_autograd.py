"""Gradients of the matrix products (matmul family, add* products, trace, tensordot, einsum)."""
from __future__ import annotations

import numpy as np
import pytest

import cltorch as torch
from cltorch.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(11)


def leaf(*shape):
    return torch.tensor(RNG.uniform(-1.0, 1.0, shape), dtype=torch.float64, requires_grad=True)


def const(*shape):
    return torch.tensor(RNG.uniform(-1.0, 1.0, shape), dtype=torch.float64)


def grad_fn_name(t) -> str:
    return type(t.grad_fn).__name__


# -- matmul in all its forms -------------------------------------------------------
MATMUL_SHAPES = {
    "dot": ((3,), (3,)), "mv": ((2, 3), (3,)), "vm": ((3,), (3, 2)), "mm": ((2, 3), (3, 4)),
    "batched": ((2, 2, 3), (2, 3, 2)), "nd_2d": ((2, 2, 3), (3, 2)), "2d_nd": ((2, 3), (2, 3, 2)),
    "nd_1d": ((2, 2, 3), (3,)), "1d_nd": ((3,), (2, 3, 2)), "broadcast": ((2, 1, 2, 3), (3, 3, 2)),
    "broadcast_one": ((1, 2, 3), (2, 3, 2)),
}


@pytest.mark.parametrize("case", sorted(MATMUL_SHAPES))
def test_matmul_gradcheck(case):
    sa, sb = MATMUL_SHAPES[case]
    assert gradcheck(torch.matmul, (leaf(*sa), leaf(*sb)))


@pytest.mark.parametrize("case", ["mm", "batched", "nd_2d", "2d_nd"])
def test_matmul_gradcheck_transposed_operands(case):
    sa, sb = MATMUL_SHAPES[case]
    ta = sa[:-2] + (sa[-1], sa[-2])
    tb = sb[:-2] + (sb[-1], sb[-2])
    assert gradcheck(lambda a, b: a.mT @ b.mT, (leaf(*ta), leaf(*tb)))


@pytest.mark.parametrize("case", ["mm", "broadcast", "vm", "1d_nd"])
def test_matmul_one_operand_requires_grad(case):
    sa, sb = MATMUL_SHAPES[case]
    assert gradcheck(torch.matmul, (leaf(*sa), const(*sb)))
    assert gradcheck(torch.matmul, (const(*sa), leaf(*sb)))


@pytest.mark.parametrize("case,name", [
    ("dot", "DotBackward0"), ("mv", "MvBackward0"), ("mm", "MmBackward0"), ("vm", "SqueezeBackward4"),
    ("batched", "UnsafeViewBackward0"), ("nd_2d", "UnsafeViewBackward0"), ("2d_nd", "CloneBackward0"),
])
def test_matmul_grad_fn_names(case, name):
    sa, sb = MATMUL_SHAPES[case]
    assert grad_fn_name(leaf(*sa) @ const(*sb)) == name


def test_matmul_gradient_values_against_numpy():
    a, b = leaf(2, 3, 4), leaf(4, 5)
    g = RNG.standard_normal((2, 3, 5))
    (a @ b).backward(torch.tensor(g))
    np.testing.assert_allclose(a.grad.numpy(), g @ b.detach().numpy().T)
    np.testing.assert_allclose(b.grad.numpy(), np.einsum("bik,bij->kj", a.detach().numpy(), g))


def test_matmul_same_operand_twice():
    x = leaf(3, 3)
    assert gradcheck(lambda t: t @ t, (x,))


def test_matmul_second_order():
    assert gradgradcheck(torch.matmul, (leaf(2, 3), leaf(3, 2)))
    assert gradgradcheck(torch.matmul, (leaf(2, 2, 3), leaf(3, 2)))
    assert gradgradcheck(torch.matmul, (leaf(3), leaf(2, 3, 2)))


def test_matmul_second_order_with_batch_broadcasting():
    assert gradgradcheck(torch.matmul, (leaf(2, 1, 2, 3), leaf(2, 3, 2)))


def test_named_products_second_order():
    assert gradgradcheck(torch.dot, (leaf(3), leaf(3)))
    assert gradgradcheck(torch.mv, (leaf(2, 3), leaf(3)))
    assert gradgradcheck(torch.bmm, (leaf(2, 2, 3), leaf(2, 3, 2)))
    assert gradgradcheck(lambda i, a, b: torch.addr(i, a, b, alpha=2.0), (leaf(3, 2), leaf(3), leaf(2)))
    assert gradgradcheck(lambda i, a, b: torch.addbmm(i, a, b), (leaf(2, 2), leaf(2, 2, 3), leaf(2, 3, 2)))


def test_matmul_operator_and_rebinding_imatmul():
    x = leaf(2, 3)
    w = leaf(3, 3)
    h = x * 1
    old = h
    h @= w                       # as torch: a new tensor is bound, the old one is untouched
    assert h is not old and grad_fn_name(h) == "MmBackward0"
    h.backward(torch.ones(2, 3, dtype=torch.float64))
    np.testing.assert_allclose(x.grad.numpy(), np.ones((2, 3)) @ w.detach().numpy().T)
    assert gradcheck(lambda a, b: a.__rmatmul__(b), (leaf(3, 2), leaf(2, 3)))


# -- the named products ---------------------------------------------------------
def test_mm_bmm_mv_dot_gradcheck():
    assert gradcheck(torch.mm, (leaf(2, 3), leaf(3, 4)))
    assert gradcheck(lambda a, b: torch.mm(a.t(), b.t()), (leaf(3, 2), leaf(4, 3)))
    assert gradcheck(torch.bmm, (leaf(2, 2, 3), leaf(2, 3, 2)))
    assert gradcheck(lambda a, b: torch.bmm(a.transpose(1, 2), b), (leaf(2, 3, 2), leaf(2, 3, 2)))
    assert gradcheck(torch.mv, (leaf(2, 3), leaf(3)))
    assert gradcheck(lambda m, v: torch.mv(m.t(), v.diagonal()), (leaf(3, 2), leaf(3, 3)))
    assert gradcheck(torch.dot, (leaf(4), leaf(4)))
    assert gradcheck(torch.vdot, (leaf(4), leaf(4)))
    assert gradcheck(lambda a, b: a.mm(b), (leaf(2, 3), leaf(3, 2)))


def test_named_product_grad_fn_names():
    assert grad_fn_name(torch.mm(leaf(2, 3), leaf(3, 2))) == "MmBackward0"
    assert grad_fn_name(torch.bmm(leaf(2, 2, 3), leaf(2, 3, 2))) == "BmmBackward0"
    assert grad_fn_name(torch.mv(leaf(2, 3), leaf(3))) == "MvBackward0"
    assert grad_fn_name(torch.dot(leaf(3), leaf(3))) == "DotBackward0"
    assert grad_fn_name(torch.vdot(leaf(3), leaf(3))) == "VdotBackward0"
    assert grad_fn_name(torch.outer(leaf(3), leaf(2))) == "MulBackward0"
    assert grad_fn_name(torch.trace(leaf(3, 3))) == "TraceBackward0"


def test_outer_inner_trace_gradcheck():
    assert gradcheck(torch.outer, (leaf(3), leaf(2)))
    assert gradcheck(torch.ger, (leaf(3), const(2)))
    assert gradcheck(torch.inner, (leaf(2, 3), leaf(4, 3)))
    assert gradcheck(torch.inner, (leaf(3), leaf(3)))
    assert gradcheck(torch.inner, (leaf(2, 2, 3), leaf(3)))
    assert gradcheck(torch.inner, (leaf(), leaf(3)))
    assert gradcheck(torch.trace, (leaf(3, 3),))
    assert gradcheck(torch.trace, (leaf(2, 4),))
    assert gradcheck(lambda x: torch.trace(x.t()), (leaf(4, 3),))


def test_tensordot_and_chain_matmul_gradcheck():
    assert gradcheck(lambda a, b: torch.tensordot(a, b), (leaf(2, 3, 2), leaf(3, 2, 2)))
    assert gradcheck(lambda a, b: torch.tensordot(a, b, dims=([1, 0], [0, 2])), (leaf(2, 3, 2), leaf(3, 2, 2)))
    assert gradcheck(lambda a, b: torch.tensordot(a, b, dims=0), (leaf(2, 3), leaf(3)))
    assert gradcheck(lambda a, b: torch.tensordot(a.mT, b, dims=1), (leaf(3, 2), leaf(3, 4)))
    assert gradcheck(lambda a, b, c: torch.chain_matmul(a, b, c), (leaf(2, 3), leaf(3, 4), leaf(4, 2)))
    assert gradcheck(lambda a: torch.chain_matmul(a), (leaf(2, 3),))
    assert grad_fn_name(torch.tensordot(leaf(2, 3), leaf(3, 2), dims=1)) == "ViewBackward0"


# -- add* products ---------------------------------------------------------------
ADD_PRODUCTS = {
    "addmm": (torch.addmm, (2, 4), (2, 3), (3, 4)),
    "addmm_bcast": (torch.addmm, (4,), (2, 3), (3, 4)),
    "addmv": (torch.addmv, (2,), (2, 3), (3,)),
    "addmv_bcast": (torch.addmv, (), (2, 3), (3,)),
    "addbmm": (torch.addbmm, (2, 3), (2, 2, 2), (2, 2, 3)),
    "addbmm_bcast": (torch.addbmm, (1, 3), (2, 2, 2), (2, 2, 3)),
    "baddbmm": (torch.baddbmm, (2, 2, 3), (2, 2, 2), (2, 2, 3)),
    "baddbmm_bcast": (torch.baddbmm, (2, 1), (2, 2, 2), (2, 2, 3)),
    "addr": (torch.addr, (3, 2), (3,), (2,)),
    "addr_bcast": (torch.addr, (1, 2), (3,), (2,)),
}


@pytest.mark.parametrize("case", sorted(ADD_PRODUCTS))
@pytest.mark.parametrize("beta,alpha", [(1, 1), (0.5, -2.0), (0, 1.5)])
def test_add_products_gradcheck(case, beta, alpha):
    fn, *shapes = ADD_PRODUCTS[case]
    assert gradcheck(lambda i, a, b: fn(i, a, b, beta=beta, alpha=alpha), tuple(leaf(*s) for s in shapes))


def test_add_products_transposed_operands():
    assert gradcheck(lambda i, a, b: torch.addmm(i, a.t(), b.t()), (leaf(2, 4), leaf(3, 2), leaf(4, 3)))
    assert gradcheck(lambda i, a, b: torch.baddbmm(i, a.mT, b.mT), (leaf(2, 2, 3), leaf(2, 2, 2), leaf(2, 3, 2)))
    assert gradcheck(lambda i, m, v: torch.addmv(i, m.t(), v), (leaf(2), leaf(3, 2), leaf(3)))
    assert gradcheck(lambda i, a, b: i.addbmm(a, b.mT), (leaf(2, 3), leaf(2, 2, 2), leaf(2, 3, 2)))


@pytest.mark.parametrize("case,name", [("addmm", "AddmmBackward0"), ("addmv", "AddmvBackward0"),
                                       ("addbmm", "AddbmmBackward0"), ("baddbmm", "BaddbmmBackward0"),
                                       ("addr", "AddrBackward0")])
def test_add_products_grad_fn_names(case, name):
    fn, *shapes = ADD_PRODUCTS[case]
    assert grad_fn_name(fn(const(*shapes[0]), leaf(*shapes[1]), const(*shapes[2]))) == name


def test_add_products_second_order():
    assert gradgradcheck(lambda i, a, b: torch.addmm(i, a, b, beta=0.5, alpha=2.0),
                         (leaf(2, 2), leaf(2, 3), leaf(3, 2)))
    assert gradgradcheck(lambda i, a, b: torch.baddbmm(i, a, b), (leaf(2, 2, 2), leaf(2, 2, 3), leaf(2, 3, 2)))


@pytest.mark.parametrize("case", ["addmm", "addmv", "addbmm", "baddbmm", "addr"])
def test_inplace_add_products_gradcheck(case):
    fn, *shapes = ADD_PRODUCTS[case]
    method = getattr(torch.Tensor, case + "_")

    def inplace(i, a, b):
        out = i.clone()
        res = method(out, a, b, beta=0.5, alpha=2.0)
        assert res is out
        return out

    args = tuple(leaf(*s) for s in shapes)
    assert gradcheck(inplace, args)
    assert grad_fn_name(inplace(*args)) == grad_fn_name(fn(*args))


def test_inplace_add_product_on_leaf_and_view():
    w = leaf(2, 2)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w.addmm_(leaf(2, 3), leaf(3, 2))
    with torch.no_grad():
        w.addmm_(const(2, 3), const(3, 2))
    assert w.grad_fn is None

    def into_diagonal(base, a, b):
        out = base * 1
        out.diagonal().addmv_(a, b, alpha=0.5)
        return out

    def into_transpose(base, a, b):
        out = base * 1
        out.t().addmm_(a, b, beta=2.0)
        return out
    assert gradcheck(into_diagonal, (leaf(3, 3), leaf(3, 2), leaf(2)))
    assert gradcheck(into_transpose, (leaf(2, 3), leaf(3, 2), leaf(2, 2)))


def test_inplace_shape_mismatch_with_grad():
    with pytest.raises(RuntimeError):
        (leaf(4) * 1).addmm_(leaf(2, 3), leaf(3, 4))


# -- einsum ------------------------------------------------------------------------
EINSUM = {
    "ij,jk->ik": ((2, 3), (3, 2)), "bij,bjk->bik": ((2, 2, 3), (2, 3, 2)), "ij->ji": ((2, 3),),
    "ii->i": ((3, 3),), "ii->": ((3, 3),), "ij->": ((2, 3),), "i,j->ij": ((3,), (2,)), "i,i->": ((4,), (4,)),
    "ij,ij->i": ((2, 3), (2, 3)), "bi,bj->bij": ((2, 3), (2, 2)), "...ij,...jk->...ik": ((2, 2, 3), (1, 3, 2)),
    "iij->j": ((2, 2, 3),), "ij,jk,kl->il": ((2, 3), (3, 2), (2, 2)), "i,jk->": ((2,), (2, 3)),
    "bn,anm,bm->ba": ((2, 3), (2, 3, 2), (2, 2)),
}


@pytest.mark.parametrize("equation", sorted(EINSUM))
def test_einsum_gradcheck(equation):
    args = tuple(leaf(*s) for s in EINSUM[equation])
    assert gradcheck(lambda *ops: torch.einsum(equation, *ops), args)


def test_einsum_matches_untracked_result_and_broadcasts():
    a, b = leaf(2, 1, 3), leaf(4, 3)
    tracked = torch.einsum("bij,kj->bik", a, b)
    plain = torch.einsum("bij,kj->bik", a.detach(), b.detach())
    np.testing.assert_allclose(tracked.detach().numpy(), plain.numpy())
    assert gradcheck(lambda x, y: torch.einsum("bij,kj->bik", x, y), (a, b))
    assert gradcheck(lambda x: torch.einsum("ij,ij->", x.t(), x.t()), (leaf(3, 2),))


def test_einsum_grad_fn_names():
    assert grad_fn_name(torch.einsum("ij->ji", leaf(2, 3))) == "PermuteBackward0"
    assert grad_fn_name(torch.einsum("i,j->ij", leaf(3), leaf(2))) in ("MulBackward0", "PermuteBackward0")


def test_einsum_second_order():
    assert gradgradcheck(lambda a, b: torch.einsum("ij,jk->ik", a, b), (leaf(2, 3), leaf(3, 2)))


# -- bookkeeping -----------------------------------------------------------------------
def test_no_graph_without_grad():
    a, b = leaf(2, 3), leaf(3, 2)
    with torch.no_grad():
        assert (a @ b).grad_fn is None and not torch.addmm(const(2, 2), a, b).requires_grad
    assert (const(2, 3) @ const(3, 2)).grad_fn is None
    ints = torch.tensor([[1, 2], [3, 4]])
    assert not torch.mm(ints, ints).requires_grad


def test_out_with_grad_raises():
    a, b = leaf(2, 3), leaf(3, 2)
    for call in (lambda: torch.mm(a, b, out=torch.empty(2, 2, dtype=torch.float64)),
                 lambda: torch.matmul(a, b, out=torch.empty(2, 2, dtype=torch.float64)),
                 lambda: torch.addmm(const(2, 2), a, b, out=torch.empty(2, 2, dtype=torch.float64))):
        with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
            call()


def test_saved_operand_modified_in_place_is_caught():
    a, b = leaf(2, 3), leaf(3, 2)
    c = b * 1
    y = a @ c
    c.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward(torch.ones(2, 2, dtype=torch.float64))


def test_only_needed_operands_are_saved():
    a, b = leaf(2, 3), const(3, 2)
    y = a @ b
    b.mul_(2)                    # b is read by a's gradient: the change is caught
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward(torch.ones(2, 2, dtype=torch.float64))
    a2, b2 = const(2, 3), leaf(3, 2)
    y2 = a2 @ b2
    b2.data.mul_(2)
    a_before = a2.numpy().copy()
    y2.backward(torch.ones(2, 2, dtype=torch.float64))  # only a2 is saved, so a write to b2's data does not matter
    np.testing.assert_allclose(b2.grad.numpy(), a_before.T @ np.ones((2, 2)))


def test_registry_marks_backward():
    from cltorch._registry import OPS
    for name in ("matmul", "mm", "bmm", "addmm_", "einsum", "tensordot", "trace", "addr"):
        assert OPS[name].backward, name
