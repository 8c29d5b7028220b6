"""Embedding functions of ``cltorch.nn.functional``: embedding and embedding_bag.

Lookups are one gather kernel with bounds checks (cl_kernels/embedding.cl); a
bad index raises IndexError("index out of range in self") through the device
error flag. The weight gradient accumulates repeated indices without atomics:
the flat indices are stable-sorted (the existing sort kernels) and one
work-item per (run of equal indices, feature) sums its run in the original
order - O(N log N) for the sort plus O(N * D) reads, independent of the vocabulary
size (whose rows only get zero-filled), and deterministic. ``sparse=True``
still gives a dense gradient (cltorch has no sparse tensors).
"""
from __future__ import annotations

import numbers

from .. import _creation, _dtype
from .._joining import cat as _cat
from .._promotion import torch_name
from .._scatter import IndexOutOfRangeError
from .._sorting import sort
from ..autograd.grad_mode import no_grad
from ..autograd.graph import needs_grad, record
from ..ops import embedding as emb_ops
from ..tensor import Tensor, _alloc

__all__ = ["embedding", "embedding_bag"]

_INDEX_TYPES = (_dtype.int64, _dtype.int32)


def _check_indices(input: Tensor, fn: str) -> None:
    if input.dtype not in _INDEX_TYPES:
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {_type_name(input)} instead (while checking arguments for {fn})")


def _type_name(t: Tensor) -> str:
    return f"cltorch.{torch_name(t.dtype)}Tensor"


def _flat(t: Tensor) -> Tensor:
    """t as a dense 1-D tensor (no copy when it already is one)."""
    return t.contiguous().reshape(-1)


def _raise_if_bad_index(rt) -> None:
    if rt.take_error():
        raise IndexOutOfRangeError("index out of range in self")


def _segment_sum(src: Tensor, keys: Tensor, rows: int, pad: int, scale: bool) -> Tensor:
    """out[k] = sum of src rows ([N, D]) whose key (int64 [N]) is k, for k in [0, rows) other
    than pad (divided by the count of k when scale). Differentiable in src: the adjoint
    gathers rows by key (padding and out-of-range keys get zeros, scale ignored as torch)."""
    out = _creation.zeros(rows, src._shape[1], dtype=src.dtype, device=src.device)
    if keys.numel():
        with no_grad():
            sorted_keys, perm = sort(keys, stable=True)
        emb_ops.embedding_backward(out, src, sorted_keys, perm, pad, scale)
    if needs_grad(src):
        def backward(gg):
            valid = (keys >= 0) & (keys < rows) & (keys != pad)
            return embedding(keys.clamp(0, max(rows - 1, 0)), gg) * valid.unsqueeze(-1).to(gg.dtype)
        record("EmbeddingDenseBackwardBackward0", out, (src,), backward, saved=(keys,))
    return out


def _renorm_(weight: Tensor, flat_idx: Tensor, max_norm: float, norm_type: float) -> None:
    """Scale the referenced rows of weight to norm <= max_norm in place (torch.embedding_renorm_)."""
    if not weight.dtype.is_floating_point:
        raise RuntimeError(f"\"embedding_renorm_\" not implemented for '{torch_name(weight.dtype)}'")
    with no_grad():
        keys, _ = sort(flat_idx.long(), stable=True)
    emb_ops.embedding_renorm(weight, keys, float(max_norm), float(norm_type))
    weight._bump_version()


def embedding(input: Tensor, weight: Tensor, padding_idx=None, max_norm=None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of weight picked by the integer input: output shape input.shape + (embedding_dim,)."""
    if padding_idx is not None:
        if padding_idx > 0:
            assert padding_idx < weight.size(0), "Padding_idx must be within num_embeddings"
        elif padding_idx < 0:
            assert padding_idx >= -weight.size(0), "Padding_idx must be within num_embeddings"
            padding_idx = weight.size(0) + padding_idx
    else:
        padding_idx = -1
    _check_indices(input, "embedding")
    if weight.dim() != 2:
        raise RuntimeError("'weight' must be 2-D")
    idx = _flat(input)
    if max_norm is not None:
        _renorm_(weight, idx, max_norm, norm_type)
    V, D = weight._shape
    out = _alloc(tuple(input._shape) + (D,), weight.dtype, weight.device)
    if out.numel():
        emb_ops.embedding(out, weight, idx)
        _raise_if_bad_index(weight._runtime)
    if needs_grad(weight):
        keys = idx.long()

        def backward(g):
            return _segment_sum(g.reshape(-1, D), keys, V, padding_idx, scale_grad_by_freq)
        record("EmbeddingBackward0", out, (weight,), backward, saved=(keys,))
    return out


# -- embedding_bag -------------------------------------------------------------------------
_MODES = {"sum": 0, "mean": 1, "max": 2}


def _bag_inputs(input, offsets, per_sample_weights):
    """(flat indices, offsets, flat per-sample weights) with torch's checks; 2-D input makes fixed bags."""
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             "fixed length sequences. However, found offsets of type "
                             f"{type(offsets)}")
        offsets = _creation.arange(0, input.numel(), input.size(1), dtype=input.dtype, device=input.device)
        input = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    return input, offsets, per_sample_weights


def _bag_error(rt, offsets: Tensor, n: int) -> None:
    code = rt.take_error()
    if code == 1:
        raise IndexOutOfRangeError("index out of range in self")
    if code == 2:
        raise RuntimeError("offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                           f"position 0. However, got {offsets[0].item()}")
    if code == 3:
        raise RuntimeError(f"offsets must be non-decreasing and offsets[-1] can not be greater than input's length "
                           f"{n}")


def embedding_bag(input: Tensor, weight: Tensor, offsets=None, max_norm=None, norm_type: float = 2,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights=None, include_last_offset: bool = False, padding_idx=None) -> Tensor:
    """Sums, means or maxima of bags of embeddings: 2-D input (one bag per row) or 1-D input + offsets."""
    if per_sample_weights is not None and tuple(input.shape) != tuple(per_sample_weights.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, then it "
                         f"must have the same shape as the input ({input.shape})")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}")
    input, offsets, per_sample_weights = _bag_inputs(input, offsets, per_sample_weights)
    if mode not in _MODES:
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    _check_indices(input, "embedding_bag")
    if offsets.dtype not in _INDEX_TYPES:
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {_type_name(offsets)} instead (while checking arguments for "
                           "embedding_bag)")
    if not weight.dtype.is_floating_point:
        raise RuntimeError(f"Expected tensor for argument #1 'weight' to have one of the following scalar types: "
                           f"Half, BFloat16, Float, Double; but got {_type_name(weight)} instead (while checking "
                           "arguments for embedding_bag)")
    V = weight._shape[0]
    if padding_idx is None:
        padding_idx = -1
    elif not isinstance(padding_idx, numbers.Integral) or not -V <= padding_idx < V:
        raise RuntimeError(f"padding_idx must be within the number of embeddings, -{V} through {V - 1}, but got "
                           f"{padding_idx}")
    elif padding_idx < 0:
        padding_idx += V
    if max_norm is not None:
        _renorm_(weight, _flat(input), max_norm, norm_type)
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                      f"supported for mode='sum' (got mode='{mode}'). Please open a feature request "
                                      "on GitHub.")
        if per_sample_weights.dtype is not weight.dtype:
            raise RuntimeError(f"Expected tensor for argument #1 'weight' to have the same type as tensor for "
                               f"argument #1 'per_sample_weights'; but type {_type_name(weight)} does not equal "
                               f"{_type_name(per_sample_weights)} (while checking arguments for embedding_bag)")
    return _bag(_flat(input), weight, _flat(offsets), per_sample_weights, include_last_offset, padding_idx,
                _MODES[mode], scale_grad_by_freq)


def _bag(idx, weight, offsets, psw, include_last_offset, pad, mode, scale):
    V, D = weight._shape
    N = idx._shape[0]
    B = max(offsets._shape[0] - (1 if include_last_offset else 0), 0)
    dev = weight.device
    out = _alloc((B, D), weight.dtype, dev)
    key = _alloc((B, D), _dtype.int64, dev)
    bag_of = _creation.full((N,), B, dtype=_dtype.int64, device=dev)
    coef = _creation.zeros(N, dtype=weight.dtype, device=dev)
    psw_flat = None if psw is None else _flat(psw)
    if out.numel():
        emb_ops.embedding_bag(out, key, bag_of, coef, weight, idx, offsets, psw_flat, pad, mode)
        _bag_error(weight._runtime, offsets, N)
    if needs_grad(weight, psw_flat):
        inputs = (weight, psw_flat)

        def backward(g):
            gw = gp = None
            if mode == 2:
                if weight.requires_grad:
                    flat = _segment_sum(g.reshape(-1, 1), key.reshape(-1), V * D, -1, False)
                    gw = flat.reshape(V, D)
                return gw, None
            rows = _cat([g, g.new_zeros(1, D)]).index_select(0, bag_of)  # padding -> zero row
            if weight.requires_grad:
                gw = _segment_sum(rows * coef.unsqueeze(1), idx.long(), V, pad, scale)
            if psw_flat is not None and psw_flat.requires_grad:
                gp = (rows * embedding(idx, weight.detach())).sum(1).reshape(psw.shape)
            return gw, gp
        record("EmbeddingBagBackward0", out, inputs, backward, saved=(idx,))
    return out
