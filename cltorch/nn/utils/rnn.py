"""Padding and packing of variable-length sequences (as ``torch.nn.utils.rnn``).

Lengths are host data, so every index is computed on the host with NumPy and
the data moves in one device row gather (rnn.cl ``rows_gather``), whose
backward is the gather through the inverse index.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ... import _creation, _dtype
from ..._joining import cat
from ...autograd.graph import needs_grad, record
from ...ops import rnn as rnn_ops
from ...tensor import Tensor, _alloc

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "unpad_sequence", "pack_sequence", "unpack_sequence"]


# -- the row gather -------------------------------------------------------------
def gather_rows(src: Tensor, index: np.ndarray, fill=0.0, shape=None) -> Tensor:
    """Rows of src (its first dimension) picked by a host index; -1 gives rows of ``fill``.

    Each source row goes to at most one output row, so the backward is the gather
    through the inverse index (with zeros for rows that were not picked)."""
    nsrc, inner_shape = src.shape[0], tuple(src.shape[1:])
    rows = src.contiguous().reshape(nsrc, int(np.prod(inner_shape, dtype=np.int64)))
    index = np.asarray(index, dtype=np.int64)
    out = _alloc((len(index),) + inner_shape, src.dtype, src.device)
    idx = _creation.from_host(index, _dtype.int64, src.device)
    rnn_ops.rows_gather(out, rows, idx, fill)
    if needs_grad(rows):
        inverse = np.full(nsrc, -1, dtype=np.int64)
        picked = np.nonzero(index >= 0)[0]
        inverse[index[picked]] = picked

        def backward(g):
            return gather_rows(g, inverse, 0.0).reshape(rows.shape)
        record("GatherRowsBackward0", out, (rows,), backward)
    return out if shape is None else out.reshape(shape)


# -- PackedSequence -----------------------------------------------------------------
class PackedSequence(namedtuple("PackedSequence_", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """Packed variable-length batch: data (sum of lengths, *), batch_sizes per time step, batch orders.

    batch_sizes is an int64 tensor on the 'cpu' device (as in torch); a host copy is kept."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            data, batch_sizes = data
        if not isinstance(batch_sizes, Tensor):
            batch_sizes = _creation.tensor(list(batch_sizes), dtype=_dtype.int64)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> PackedSequence:
        """data.to(...); the index tensors follow data's device (batch_sizes stays on the 'cpu' device)."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        def move(t):
            return None if t is None else t.to(data.device)
        return _same_packing(self, data, move(self.sorted_indices), move(self.unsorted_indices))

    def cuda(self, *args, **kwargs) -> PackedSequence:
        """The same packing with data on the GPU."""
        return self.to(*args, device="cuda", **kwargs) if not args else self.to(*args, **kwargs)

    def cpu(self, *args, **kwargs) -> PackedSequence:
        """The same packing with data on the 'cpu' device."""
        return self.to(*args, device="cpu", **kwargs)

    def double(self) -> PackedSequence:
        """data as float64."""
        return self.to(dtype=_dtype.float64)

    def float(self) -> PackedSequence:
        """data as float32."""
        return self.to(dtype=_dtype.float32)

    def half(self) -> PackedSequence:
        """data as float16."""
        return self.to(dtype=_dtype.float16)

    def long(self) -> PackedSequence:
        """data as int64."""
        return self.to(dtype=_dtype.int64)

    def int(self) -> PackedSequence:
        """data as int32."""
        return self.to(dtype=_dtype.int32)

    @property
    def is_cuda(self) -> bool:
        """True when data lives on a GPU."""
        return self.data.is_cuda

    def is_pinned(self) -> bool:
        """Whether data is in pinned host memory (never, here)."""
        return False


def _host_batch_sizes(packed: PackedSequence) -> list:
    """batch_sizes as host ints, cached on the PackedSequence (read back once when it came from outside)."""
    sizes = packed.__dict__.get("_host_sizes")
    if sizes is None:
        sizes = [int(v) for v in packed.batch_sizes.tolist()]
        packed.__dict__["_host_sizes"] = sizes
    return sizes


def _make_packed(data, sizes, sorted_indices, unsorted_indices, host_order=None) -> PackedSequence:
    out = PackedSequence(data, _creation.tensor(list(sizes), dtype=_dtype.int64), sorted_indices, unsorted_indices)
    out.__dict__["_host_sizes"] = list(sizes)
    out.__dict__["_host_order"] = host_order
    return out


def _same_packing(packed: PackedSequence, data, sorted_indices=None, unsorted_indices=None) -> PackedSequence:
    """A PackedSequence with packed's batch sizes and orders around new data."""
    out = PackedSequence(data, packed.batch_sizes,
                         packed.sorted_indices if sorted_indices is None else sorted_indices,
                         packed.unsorted_indices if unsorted_indices is None else unsorted_indices)
    out.__dict__.update({k: v for k, v in packed.__dict__.items() if k.startswith("_host")})
    return out


def invert_permutation(permutation):
    """The inverse of a permutation of 0..n-1 (None stays None), computed on the device."""
    if permutation is None:
        return None
    out = _creation.empty_like(permutation)
    out.scatter_(0, permutation, _creation.arange(permutation.numel(), device=permutation.device))
    return out


# -- index arithmetic (host) ---------------------------------------------------------------
def _batch_sizes(lengths: np.ndarray) -> np.ndarray:
    """batch_sizes[t] = how many (sorted) sequences are longer than t."""
    top = int(lengths.max()) if len(lengths) else 0
    return (lengths[None, :] > np.arange(top)[:, None]).sum(axis=1).astype(np.int64)


def _packed_positions(sizes) -> tuple:
    """(t, b) of each packed row: time step and position in the sorted batch."""
    sizes = np.asarray(sizes, dtype=np.int64)
    t = np.repeat(np.arange(len(sizes)), sizes)
    starts = np.cumsum(sizes) - sizes
    b = np.arange(int(sizes.sum())) - np.repeat(starts, sizes)
    return t, b


def _padded_index(sizes, total_length: int, order=None, batch_first: bool = False) -> np.ndarray:
    """For each position of a padded (T, B) (or (B, T)) batch: its packed row, or -1.

    order[k] is the original batch position of sorted sequence k (None: identity)."""
    B = int(sizes[0]) if len(sizes) else 0
    t, b = _packed_positions(sizes)
    col = b if order is None else np.asarray(order, dtype=np.int64)[b]
    index = np.full((total_length, B), -1, dtype=np.int64)
    index[t, col] = np.arange(len(t))
    return (index.T if batch_first else index).reshape(-1)


def _packed_to_padded(data: Tensor, sizes) -> Tensor:
    """Packed rows (sum of lengths, *) -> padded time-major (T, B, *) in sorted batch order, zeros after ends."""
    B = int(sizes[0])
    return gather_rows(data, _padded_index(sizes, len(sizes)), 0.0, (len(sizes), B) + tuple(data.shape[1:]))


def _padded_to_packed(padded: Tensor, sizes) -> Tensor:
    """Padded time-major (T, B, *) in sorted batch order -> packed rows."""
    T, B = padded.shape[0], padded.shape[1]
    t, b = _packed_positions(sizes)
    flat = padded.reshape((T * B,) + tuple(padded.shape[2:]))
    return gather_rows(flat, t * B + b, 0.0)


def _sort_order(lens: np.ndarray, enforce_sorted: bool):
    """The sorting permutation (longest first, stable) or None when enforce_sorted; checks lengths."""
    if enforce_sorted:
        if np.any(lens[1:] > lens[:-1]):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
                               "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
                               "sidestep this requirement if you do not need ONNX exportability.")
        order = None
    else:
        order = np.argsort(-lens, kind="stable")
    if len(lens) and lens.min() <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' that "
                           "is <= 0")
    return order


def _indices(order, dev) -> tuple:
    """(sorted_indices, unsorted_indices) as int64 tensors on dev, or (None, None)."""
    if order is None:
        return None, None
    return (_creation.from_host(order, _dtype.int64, dev),
            _creation.from_host(np.argsort(order), _dtype.int64, dev))


def _host_lengths(lengths) -> np.ndarray:
    if isinstance(lengths, Tensor):
        lengths = lengths.tolist()
    return np.asarray(lengths, dtype=np.int64).reshape(-1)


# -- public functions ----------------------------------------------------------------------
def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch (T, B, *) (or (B, T, *) with batch_first) of sequences with these lengths."""
    lens = _host_lengths(lengths)
    T, B = (input.shape[1], input.shape[0]) if batch_first else (input.shape[0], input.shape[1])
    if len(lens) != B:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {len(lens)} "
                           f"(batch_size={B})")
    order = _sort_order(lens, enforce_sorted)
    if B and lens.max() > T:
        raise RuntimeError(f"Expected every length to be at most the padded length {T}, but got {int(lens.max())}")
    sorted_lens = lens if order is None else lens[order]
    sizes = _batch_sizes(sorted_lens)
    t, b = _packed_positions(sizes)
    col = b if order is None else order[b]
    src = col * T + t if batch_first else t * B + col
    flat = input.reshape((T * B,) + tuple(input.shape[2:]))
    data = gather_rows(flat, src, 0.0)
    return _make_packed(data, sizes, *_indices(order, input.device), order)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple:
    """Undo pack_padded_sequence: (padded (T, B, *) or (B, T, *), lengths as an int64 'cpu' tensor)."""
    sizes = _host_batch_sizes(sequence)
    longest = len(sizes)
    if total_length is not None:
        if total_length < longest:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, "
                             f"but got total_length={total_length} and max sequence length being {longest}")
    else:
        total_length = longest
    B = sizes[0] if sizes else 0
    data = sequence.data
    order = sequence.__dict__.get("_host_order")
    fold = sequence.sorted_indices is None or order is not None
    index = _padded_index(sizes, total_length, order if fold else None, batch_first)
    shape = ((B, total_length) if batch_first else (total_length, B)) + tuple(data.shape[1:])
    padded = gather_rows(data, index, padding_value, shape)
    sorted_lens = (np.asarray(sizes)[None, :] > np.arange(B)[:, None]).sum(axis=1).astype(np.int64)
    if fold:
        lens = sorted_lens if order is None else sorted_lens[np.argsort(order)]
        return padded, _creation.tensor(lens.tolist(), dtype=_dtype.int64)
    batch_dim = 0 if batch_first else 1
    padded = padded.index_select(batch_dim, sequence.unsorted_indices)
    lens = _creation.from_host(sorted_lens, _dtype.int64, data.device).index_select(0, sequence.unsorted_indices)
    return padded, lens.to("cpu")


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack sequences of different lengths (L_i, *) into (L_max, B, *) (or (B, L_max, *)), padded."""
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    lens = np.array([s.shape[0] for s in sequences], dtype=np.int64)
    trailing = tuple(sequences[0].shape[1:])
    B, longest = len(sequences), int(lens.max())
    starts = np.cumsum(lens) - lens
    t = np.arange(longest)[None, :]
    first = (longest - lens)[:, None] if padding_side == "left" else np.zeros((B, 1), dtype=np.int64)
    valid = (t >= first) & (t < first + lens[:, None])
    index = np.where(valid, starts[:, None] + t - first, -1)          # (B, L_max)
    index = index if batch_first else index.T
    flat = sequences[0] if B == 1 else cat(list(sequences), 0)
    shape = ((B, longest) if batch_first else (longest, B)) + trailing
    return gather_rows(flat, index.reshape(-1), padding_value, shape)


def unpad_sequence(padded_sequences: Tensor, lengths, batch_first: bool = False) -> list:
    """Split a padded batch back into its sequences (views of the padded tensor)."""
    lens = _host_lengths(lengths)
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[i, :int(n)] for i, n in enumerate(lens)]


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences (L_i, *) directly (no padded intermediate)."""
    sequences = list(sequences)
    lens = np.array([s.shape[0] for s in sequences], dtype=np.int64)
    order = _sort_order(lens, enforce_sorted)
    sorted_lens = lens if order is None else lens[order]
    sizes = _batch_sizes(sorted_lens)
    t, b = _packed_positions(sizes)
    starts = np.cumsum(lens) - lens
    col = b if order is None else order[b]
    flat = sequences[0] if len(sequences) == 1 else cat(sequences, 0)
    data = gather_rows(flat, starts[col] + t, 0.0)
    return _make_packed(data, sizes, *_indices(order, sequences[0].device), order)


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The list of sequences packed in a PackedSequence, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
