"""Backward of the shape, view and joining ops.

Gradients are checked against finite differences (gradcheck, and gradgradcheck
for create_graph) on contiguous and non-contiguous float64 inputs; node names
and the values of the in-place and as_strided cases were read off PyTorch 2.
"""
import numpy as np
import pytest

import cltorch as torch
from cltorch import Tensor
from cltorch.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(11)
LAYOUTS = ("contiguous", "strided", "transposed")


def leaf(*shape, layout="contiguous"):
    """A float64 leaf that requires grad, dense or laid out with gaps or reversed strides."""
    arr = RNG.uniform(-1.0, 1.0, shape)
    if layout == "contiguous" or len(shape) == 0:
        return torch.tensor(arr, dtype=torch.float64, requires_grad=True)
    if layout == "strided" or len(shape) == 1:
        big = np.zeros(shape[:-1] + (2 * shape[-1] + 1,))
        big[..., 1::2] = arr
        base = torch.tensor(big, dtype=torch.float64)
        strides = tuple(s // 8 for s in big.strides[:-1]) + (2,)
        t = Tensor._make(base._storage, 1, shape, strides, base.dtype, base.device)
    else:
        dense = np.ascontiguousarray(arr.T)
        base = torch.tensor(dense, dtype=torch.float64)
        t = Tensor._make(base._storage, 0, shape, tuple(s // 8 for s in dense.strides)[::-1], base.dtype,
                         base.device)
    assert not t.is_contiguous() or min(shape) <= 1
    return t.requires_grad_()


def ones(*shape):
    return torch.ones(*shape, dtype=torch.float64)


def name(t):
    return type(t.grad_fn).__name__


# op -> (function, input shape, torch's grad_fn name of the (first) output)
OPS = {
    "view": (lambda a: a.view(6, 4) if a.is_contiguous() else a.reshape(6, 4), (2, 3, 4), None),
    "view_as": (lambda a: a.contiguous().view_as(torch.empty(4, 6)), (2, 3, 4), "ViewBackward0"),
    "reshape": (lambda a: a.reshape(4, -1), (2, 3, 4), None),
    "reshape_copy": (lambda a: a.transpose(0, 1).reshape(-1), (2, 3, 4), "UnsafeViewBackward0"),
    "flatten": (lambda a: a.flatten(1), (2, 3, 4), None),
    "unflatten": (lambda a: a.unflatten(1, (2, 2)), (3, 4), "ViewBackward0"),
    "ravel": (lambda a: a.ravel(), (3, 4), "ViewBackward0"),
    "squeeze": (lambda a: a.squeeze(), (3, 1, 4), "SqueezeBackward0"),
    "squeeze_dim": (lambda a: a.squeeze(1), (3, 1, 4), "SqueezeBackward1"),
    "squeeze_dims": (lambda a: a.squeeze((0, 1)), (3, 1, 4), "SqueezeBackward2"),
    "unsqueeze": (lambda a: a.unsqueeze(-1), (3, 4), "UnsqueezeBackward0"),
    "transpose": (lambda a: a.transpose(0, 2), (2, 3, 4), "TransposeBackward0"),
    "swapaxes": (lambda a: torch.swapaxes(a, 1, 2), (2, 3, 4), "TransposeBackward0"),
    "swapdims": (lambda a: a.swapdims(0, 1), (3, 4), "TransposeBackward0"),
    "t": (lambda a: a.t(), (3, 4), "TBackward0"),
    "T": (lambda a: a.T, (3, 4), "PermuteBackward0"),
    "mT": (lambda a: a.mT, (2, 3, 4), "TransposeBackward0"),
    "mH": (lambda a: a.mH, (2, 3, 4), "TransposeBackward0"),
    "H": (lambda a: a.H, (3, 4), "TransposeBackward0"),
    "adjoint": (lambda a: a.adjoint(), (2, 3, 4), "TransposeBackward0"),
    "permute": (lambda a: a.permute(2, 0, 1), (2, 3, 4), "PermuteBackward0"),
    "movedim": (lambda a: torch.movedim(a, (0, 1), (2, 0)), (2, 3, 4), "PermuteBackward0"),
    "expand": (lambda a: a.expand(2, 3, 4), (3, 1), "ExpandBackward0"),
    "expand_as": (lambda a: a.expand_as(torch.empty(2, 4)), (4,), "ExpandBackward0"),
    "broadcast_to": (lambda a: torch.broadcast_to(a, (3, 2, 4)), (2, 1), "ExpandBackward0"),
    "broadcast_tensors": (lambda a: torch.broadcast_tensors(a, torch.ones(3, 1, dtype=torch.float64))[0], (4,),
                          "ExpandBackward0"),
    "as_strided": (lambda a: a.as_strided((2, 3), (1, 3), 2), (3, 4), "AsStridedBackward0"),
    "as_strided_overlap": (lambda a: a.as_strided((4, 3), (2, 1), 1), (3, 4), "AsStridedBackward0"),
    "unfold": (lambda a: a.unfold(1, 3, 1), (3, 5), "UnfoldBackward0"),
    "unfold_gaps": (lambda a: a.unfold(0, 2, 3), (7, 2), "UnfoldBackward0"),
    "unfold_step2": (lambda a: a.unfold(1, 3, 2), (2, 7), "UnfoldBackward0"),
    "diagonal": (lambda a: a.diagonal(), (3, 4), "DiagonalBackward0"),
    "diagonal_offset": (lambda a: torch.diagonal(a, -1, 2, 0), (3, 2, 4), "DiagonalBackward0"),
    "atleast_1d": (lambda a: torch.atleast_1d(a), (), "ViewBackward0"),
    "atleast_2d": (lambda a: torch.atleast_2d(a), (4,), "UnsqueezeBackward0"),
    "atleast_3d": (lambda a: torch.atleast_3d(a), (3, 4), "UnsqueezeBackward0"),
    "narrow": (lambda a: a.narrow(1, 1, 2), (3, 4), "SliceBackward0"),
    "narrow_negative": (lambda a: torch.narrow(a, 0, -2, 2), (3, 4), "SliceBackward0"),
    "select": (lambda a: a.select(1, -1), (3, 4), "SelectBackward0"),
    "unbind": (lambda a: a.unbind(1), (3, 4), "UnbindBackward0"),
    "split": (lambda a: a.split(3, 1), (2, 7), "SplitBackward0"),
    "split_sizes": (lambda a: torch.split(a, [1, 0, 3], 1), (3, 4), "SplitWithSizesBackward0"),
    "split_with_sizes": (lambda a: a.split_with_sizes([2, 1], 0), (3, 4), "SplitWithSizesBackward0"),
    "chunk": (lambda a: a.chunk(3, 1), (3, 4), "SplitBackward0"),
    "tensor_split": (lambda a: a.tensor_split(3, 1), (3, 4), "SliceBackward0"),
    "tensor_split_indices": (lambda a: a.tensor_split([1, 3], 0), (4, 3), "SliceBackward0"),
    "hsplit": (lambda a: torch.hsplit(a, 2), (3, 4), "SliceBackward0"),
    "vsplit": (lambda a: torch.vsplit(a, [1]), (3, 4), "SliceBackward0"),
    "dsplit": (lambda a: torch.dsplit(a, 2), (2, 3, 4), "SliceBackward0"),
    "repeat": (lambda a: a.repeat(2, 1, 3), (3, 2), "RepeatBackward0"),
    "tile": (lambda a: torch.tile(a, (2,)), (3, 2), "RepeatBackward0"),
    "flip": (lambda a: a.flip(0, 2), (2, 3, 4), "FlipBackward0"),
    "fliplr": (lambda a: torch.fliplr(a), (3, 4), "FlipBackward0"),
    "flipud": (lambda a: torch.flipud(a), (3, 4), "FlipBackward0"),
    "roll": (lambda a: a.roll((1, -3), (0, 1)), (3, 4), "RollBackward0"),
    "roll_flat": (lambda a: torch.roll(a, 5), (3, 4), "RollBackward0"),
    "tril": (lambda a: a.tril(), (4, 4), "TrilBackward0"),
    "triu": (lambda a: torch.triu(a, -1), (2, 3, 4), "TriuBackward0"),
    "diag_vector": (lambda a: torch.diag(a, 1), (4,), "DiagEmbedBackward0"),
    "diag_matrix": (lambda a: a.diag(-1), (4, 3), "DiagonalBackward0_copy"),
    "diag_embed": (lambda a: torch.diag_embed(a, 1, 0, 2), (2, 3), "DiagEmbedBackward0"),
    "cat": (lambda a: torch.cat([a, a * 2, a.narrow(0, 0, 1)]), (2, 3), "CatBackward0"),
    "concat": (lambda a: torch.concat([a, a], 1), (2, 3), "CatBackward0"),
    "concatenate": (lambda a: torch.concatenate([a, a], axis=-1), (2, 3), "CatBackward0"),
    "stack": (lambda a: torch.stack([a, a * 3], 1), (2, 3), "StackBackward0"),
    "hstack": (lambda a: torch.hstack([a, a]), (2, 3), "CatBackward0"),
    "vstack": (lambda a: torch.vstack([a, a]), (3,), "CatBackward0"),
    "row_stack": (lambda a: torch.row_stack([a, a]), (2, 3), "CatBackward0"),
    "dstack": (lambda a: torch.dstack([a, a]), (2, 3), "CatBackward0"),
    "column_stack": (lambda a: torch.column_stack([a, a.select(1, 0)]), (3, 2), "CatBackward0"),
}
STORAGE_LEVEL = {"as_strided", "as_strided_overlap"}  # they address the storage, so layout changes their meaning


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("op", sorted(OPS))
def test_gradcheck(op, layout):
    fn, shape, _ = OPS[op]
    if layout != "contiguous" and (op in STORAGE_LEVEL or len(shape) == 0):
        pytest.skip("layout does not apply")
    assert gradcheck(fn, (leaf(*shape, layout=layout),))


@pytest.mark.parametrize("op", sorted(k for k, v in OPS.items() if v[2]))
def test_grad_fn_names_match_torch(op):
    fn, shape, expected = OPS[op]
    out = fn(leaf(*shape))
    outs = out if isinstance(out, tuple) else (out,)
    assert name(outs[0]) == expected
    assert all(o.requires_grad for o in outs)


@pytest.mark.parametrize("op", ["narrow", "select", "diagonal", "unfold", "as_strided", "as_strided_overlap",
                                "unbind", "split", "chunk", "cat", "stack", "flip", "roll", "tril", "diag_vector",
                                "diag_matrix", "diag_embed", "permute", "reshape_copy", "squeeze", "t"])
def test_second_order(op):
    fn, shape, _ = OPS[op]

    def squared(a):
        out = fn(a)
        return tuple(o * o for o in out) if isinstance(out, tuple) else out * out
    assert gradgradcheck(squared, (leaf(*shape),))


def _sum_is_differentiable():
    return torch.ones(2, requires_grad=True).sum().requires_grad


@pytest.mark.parametrize("op", ["expand", "repeat", "broadcast_to"])
def test_second_order_through_sums(op):
    if not _sum_is_differentiable():
        pytest.skip("sum has no backward yet")
    fn, shape, _ = OPS[op]
    assert gradgradcheck(lambda a: fn(a) * fn(a), (leaf(*shape),))


# -- views stay views ---------------------------------------------------------------------
def test_recorded_views_still_alias_their_base():
    x = leaf(3, 4)
    y = x * 1
    for v in (y.view(12), y.t(), y.narrow(0, 1, 2), y.select(1, 0), y.diagonal(), y.unfold(1, 2, 1),
              y.expand(2, 3, 4), y.as_strided((2, 2), (1, 4)), y.unsqueeze(0), y.permute(1, 0)):
        assert v._storage is y._storage and v._base is y and v._version_counter is y._version_counter
        assert v.requires_grad and not v.is_leaf
    w = y.t().narrow(0, 1, 2)
    assert w._base is y and name(w) == "SliceBackward0"
    assert w.grad_fn.next_functions[0][0].name() == "TBackward0"


def test_no_history_without_grad_mode_or_grad_inputs():
    x = leaf(3, 4)
    with torch.no_grad():
        v = x.narrow(0, 0, 2)
        s = torch.cat([x, x])
    assert not v.requires_grad and v.grad_fn is None and not s.requires_grad
    plain = torch.ones(3, 4)
    assert plain.t().grad_fn is None and not plain.unbind(0)[0].requires_grad


def test_same_shape_returns_input():
    x = leaf(3, 4)
    assert torch.broadcast_tensors(x, torch.ones(3, 4))[0] is x
    assert torch.atleast_2d(x) is x and x.flatten(1, 1) is x


# -- several outputs --------------------------------------------------------------------------
@pytest.mark.parametrize("split, index, rows", [
    (lambda a: a.unbind(0), 1, [1]), (lambda a: a.split(1, 0), 2, [2]), (lambda a: a.chunk(2, 0), 0, [0, 1]),
    (lambda a: a.split([1, 2], 0), 1, [1, 2])], ids=["unbind", "split", "chunk", "split_sizes"])
def test_multi_output_gradient_for_unused_outputs_is_zero(split, index, rows):
    x = leaf(3, 2)
    piece = split(x)[index]
    piece.backward(ones(*piece.shape) * 5)
    expected = np.zeros((3, 2))
    expected[rows] = 5
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_split_outputs_used_together():
    x = leaf(6)
    a, b, c = x.split(2)
    (a * 1 + c * 3).backward(ones(2))
    np.testing.assert_array_equal(x.grad.numpy(), [1, 1, 0, 0, 3, 3])


# -- in-place writes through views of non-leaf tensors ---------------------------------------
@pytest.mark.parametrize("write, region_grad", [
    (lambda v: v.mul_(3), 3.0), (lambda v: v.fill_(2.0), 0.0), (lambda v: v.add_(torch.ones(2, 3)), 1.0),
    (lambda v: v.copy_(torch.zeros(3, dtype=torch.float64)), 0.0), (lambda v: v.zero_(), 0.0),
], ids=["mul_", "fill_", "add_", "copy_expand", "zero_"])
def test_write_into_slice_of_non_leaf(write, region_grad):
    x = leaf(4, 3)
    y = x * 1
    write(y.narrow(0, 1, 2))
    assert name(y) == "CopySlices"
    y.backward(ones(4, 3))
    expected = np.ones((4, 3))
    expected[1:3] = region_grad
    np.testing.assert_allclose(x.grad.numpy(), expected)


def test_copy_into_slice_sends_gradient_to_source():
    x, z = leaf(4, 3), leaf(2, 3)
    y = x * 1
    y.narrow(0, 1, 2).copy_(z * 2)
    y.backward(ones(4, 3) * 0.5)
    np.testing.assert_allclose(z.grad.numpy(), np.ones((2, 3)))
    np.testing.assert_allclose(x.grad.numpy()[[0, 3]], 0.5)
    np.testing.assert_allclose(x.grad.numpy()[1:3], 0.0)


def test_write_through_a_transposed_view():
    x = leaf(3, 3)
    y = x * 1
    y.t().select(0, 1).mul_(4)  # column 1 of y
    y.backward(ones(3, 3))
    expected = np.ones((3, 3))
    expected[:, 1] = 4
    np.testing.assert_allclose(x.grad.numpy(), expected)


def test_expanded_source_copied_into_tensor():
    x = leaf(3)
    y = torch.zeros(2, 3, dtype=torch.float64)
    y.copy_(x)
    assert name(y) == "ExpandBackward0"
    y.backward(torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=torch.float64))
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 7.0, 9.0])
    w = leaf(3)
    y2 = w * 1
    z = torch.zeros(2, 3, dtype=torch.float64)
    z.copy_(y2.expand(2, 3))
    z.backward(ones(2, 3))
    np.testing.assert_allclose(w.grad.numpy(), [2.0, 2.0, 2.0])


def test_view_taken_before_base_write_sees_new_history():
    x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    y = x * 1
    v = y.narrow(0, 0, 2)
    y.mul_(2)
    assert name(v) == "AsStridedBackward0"
    v.backward(ones(2))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0, 0.0])


def test_sibling_view_sees_write_through_other_view():
    x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    y = x * 1
    a, b = y.narrow(0, 0, 2), y.narrow(0, 1, 2)
    a.mul_(3)
    np.testing.assert_allclose(b.detach().numpy(), [6.0, 3.0])
    b.backward(ones(2))
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 3.0, 1.0])


def test_regenerated_view_history_is_differentiable_twice():
    x = leaf(3, 2)

    def f(a):
        y = a * a
        v = y.t()
        y.mul_(3)
        return v * a.t()
    assert gradcheck(f, (x,)) and gradgradcheck(f, (x,))


# -- in-place metadata ops ------------------------------------------------------------------
@pytest.mark.parametrize("op, args, shape, expected", [
    ("squeeze_", (), (2, 1, 3), "SqueezeBackward3"), ("squeeze_", (1,), (2, 1, 3), "SqueezeBackward4"),
    ("squeeze_", ((0, 1),), (2, 1, 3), "SqueezeBackward5"), ("unsqueeze_", (0,), (2, 3), "UnsqueezeBackward1"),
    ("transpose_", (0, 2), (2, 1, 3), "TransposeBackward1"), ("swapaxes_", (0, 1), (3, 3), "TransposeBackward1"),
    ("swapdims_", (1, 0), (2, 3), "TransposeBackward1"), ("t_", (), (3, 3), "TBackward1"),
])
def test_inplace_metadata_ops_record_history(op, args, shape, expected):
    x = leaf(*shape)

    def f(a):
        y = a * 1
        getattr(y, op)(*args)
        return y
    y = f(x)
    assert name(y) == expected and y._version == 1
    reference = getattr(x.detach() * 1, op.rstrip("_"))(*args)
    assert y.shape == reference.shape and y.stride() == reference.stride()
    assert gradcheck(f, (x,))


def test_inplace_metadata_on_leaf_and_saved_tensors():
    x = leaf(2, 3)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.unsqueeze_(0)
    with pytest.raises(RuntimeError, match="view of a leaf Variable"):
        x.narrow(0, 0, 1).squeeze_(0)
    with torch.no_grad():
        x.unsqueeze_(0)
    assert x.shape == (1, 2, 3) and x.is_leaf
    e = x.exp()  # exp saves its output
    e.squeeze_(0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        e.backward(ones(2, 3))


def test_inplace_metadata_on_a_view_of_non_leaf():
    x = leaf(3, 4)
    y = x * 2
    w = y.t()
    w.unsqueeze_(0)
    assert w._base is y and name(w) == "UnsqueezeBackward1" and w.shape == (1, 4, 3)
    w.backward(ones(1, 4, 3))
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.ones((3, 4)))


@pytest.mark.parametrize("op", ["tril_", "triu_"])
def test_inplace_triangles(op):
    x = leaf(3, 3)

    def f(a):
        y = a * 1
        getattr(y, op)(1)
        return y
    assert name(f(x)) == op[:-1].capitalize() + "Backward0"
    assert gradcheck(f, (x,))
    with pytest.raises(RuntimeError, match="leaf Variable"):
        getattr(x, op)()


# -- as_strided and odd geometries --------------------------------------------------------------
def test_as_strided_of_an_expanded_input_splits_the_gradient():
    a = torch.tensor([0.0, 1.0, 2.0], dtype=torch.float64, requires_grad=True)
    z = a.expand(2, 3).as_strided((2, 2), (0, 1), 1)
    z.backward(torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64))
    np.testing.assert_allclose(a.grad.numpy(), [0.0, 4.0, 6.0])  # torch's values


def test_as_strided_reaching_outside_its_input_view():
    a = torch.arange(6, dtype=torch.float64).requires_grad_()
    y = a * 1
    z = y.narrow(0, 2, 2).as_strided((3,), (1,), 1)
    z.backward(torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64))
    np.testing.assert_allclose(a.grad.numpy(), [0, 0, 2, 3, 0, 0])  # torch drops what lies outside the input
    a.grad = None
    z = (a * 1).narrow(0, 2, 2).as_strided((3,), (1,))
    z.backward(torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64))
    np.testing.assert_allclose(a.grad.numpy(), [0, 0, 1, 2, 0, 0])


def test_as_strided_of_a_strided_leaf_reads_storage():
    base = torch.arange(8, dtype=torch.float64)
    a = Tensor._make(base._storage, 1, (3,), (2,), base.dtype, base.device).requires_grad_()  # 1, 3, 5
    z = a.as_strided((2,), (2,), 3)
    np.testing.assert_array_equal(z.detach().numpy(), [3.0, 5.0])
    z.backward(torch.tensor([1.0, 2.0], dtype=torch.float64))
    np.testing.assert_array_equal(a.grad.numpy(), [0.0, 1.0, 2.0])
    a.grad = None
    a.as_strided((3,), (1,), 2).backward(torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64))
    np.testing.assert_array_equal(a.grad.numpy(), [0.0, 2.0, 0.0])  # torch's values


def test_track_view_records_any_strided_view():
    from cltorch._view_grads import track_view
    from cltorch._view_ops import alias_view

    def stepped(a):  # a[1:, ::2] built by hand, as basic indexing does
        v = alias_view(a, (2, 2), (a.stride(0), 2 * a.stride(1)), a.storage_offset() + a.stride(0))
        return track_view("SliceBackward0", v, a)
    for layout in LAYOUTS:
        assert gradcheck(stepped, (leaf(3, 4, layout=layout),))
    assert name(stepped(leaf(3, 4))) == "SliceBackward0"


def test_heavily_overlapping_as_strided_uses_index_add(monkeypatch):
    from cltorch import _view_grads
    monkeypatch.setattr(_view_grads, "_MAX_PASSES", 0)
    a = leaf(6)
    assert gradcheck(lambda t: t.as_strided((4, 3), (1, 1)), (a,))
    assert gradcheck(lambda t: t.unsqueeze(0).expand(2, 6).t().as_strided((4, 2), (1, 1)), (a,))


def test_empty_pieces_and_inputs():
    x = leaf(3, 2)
    p = x.narrow(0, 1, 0)
    assert p.shape == (0, 2) and p.requires_grad
    p.backward(torch.zeros(0, 2, dtype=torch.float64))
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((3, 2)))
    e = torch.zeros(0, dtype=torch.float64, requires_grad=True)
    v = leaf(2)
    torch.cat([e, v]).backward(ones(2))
    assert e.grad.shape == (0,)
    np.testing.assert_array_equal(v.grad.numpy(), [1.0, 1.0])


# -- joins --------------------------------------------------------------------------------------
def test_join_gradients_come_back_in_each_input_dtype():
    a = torch.ones(2, dtype=torch.float32, requires_grad=True)
    b = torch.ones(2, dtype=torch.float64, requires_grad=True)
    c = torch.cat([a, b])
    assert c.dtype is torch.float64
    c.backward(torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64))
    assert a.grad.dtype is torch.float32 and b.grad.dtype is torch.float64
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 2.0])
    a.grad = None
    s = torch.stack([a, b])
    s.backward(torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64))
    assert a.grad.dtype is torch.float32
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 2.0])


def test_join_with_integer_inputs():
    a = leaf(2)
    c = torch.cat([a, torch.tensor([7, 8])])
    c.backward(torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64))
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 2.0])


@pytest.mark.parametrize("call", [
    lambda x, o: torch.cat([x, x], out=o), lambda x, o: torch.stack([x, x], out=o),
    lambda x, o: torch.tril(x, out=o), lambda x, o: torch.triu(x, out=o)], ids=["cat", "stack", "tril", "triu"])
def test_out_with_autograd_raises(call):
    x = leaf(2, 2)
    with pytest.raises(RuntimeError, match="out=... arguments don't support automatic differentiation"):
        call(x, torch.empty(0, dtype=torch.float64))
    with torch.no_grad():
        call(x, torch.empty(0, dtype=torch.float64))
