"""Recurrent layers and cells (as ``torch.nn.modules.rnn``).

Each layer of RNN/LSTM/GRU runs as one autograd node (cltorch/nn/_rnn_layer.py):
one GEMM for the input projection of all steps, then one GEMM and one fused
gate kernel per step; cells are the same layer over a single step.
"""
from __future__ import annotations

import math
import numbers
import warnings

from ... import _creation, _joining
from .. import functional as F
from .. import init
from .._rnn_layer import rnn_layer
from ..parameter import Parameter
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _packed_sequence_class():
    from ..utils.rnn import PackedSequence  # late: nn.utils imports nn.modules
    return PackedSequence


def _check_int(value, name: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")


class RNNBase(Module):
    """Base of RNN, LSTM and GRU: parameters per layer and direction, checks, the layer stack."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device=None, dtype=None) -> None:
        super().__init__()
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and "
                          f"num_layers={num_layers}", stacklevel=2)
        if not isinstance(bias, bool):
            raise TypeError(f"bias should be of type bool, got: {type(bias).__name__}")
        if not isinstance(batch_first, bool):
            raise TypeError(f"batch_first should be of type bool, got: {type(batch_first).__name__}")
        _check_int(input_size, "input_size")
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        _check_int(hidden_size, "hidden_size")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        gate_size = _GATES[mode] * hidden_size
        state_size = proj_size if proj_size > 0 else hidden_size
        directions = 2 if bidirectional else 1
        self._flat_weights_names: list = []
        self._all_weights: list = []
        for layer in range(num_layers):
            for direction in range(directions):
                layer_input = input_size if layer == 0 else state_size * directions
                suffix = "_reverse" if direction == 1 else ""
                shapes = [("weight_ih", (gate_size, layer_input)), ("weight_hh", (gate_size, state_size))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                names = []
                for kind, shape in shapes:
                    name = f"{kind}_l{layer}{suffix}"
                    setattr(self, name, Parameter(_creation.empty(*shape, device=device, dtype=dtype)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> list:
        """The parameters per layer and direction: [[w_ih, w_hh, b_ih, b_hh], ...]."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """No-op: cltorch keeps each parameter in its own buffer (torch compacts them for cuDNN)."""

    def reset_parameters(self) -> None:
        """Every weight and bias drawn from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # -- checks -----------------------------------------------------------------
    def _name(self) -> str:
        return "RNN" if self.mode.startswith("RNN") else self.mode

    def check_input(self, input, batch_sizes) -> None:
        """torch's checks of the input: dtype as the weights, dimensions, feature size."""
        wdt = self.weight_ih_l0.dtype
        if input.dtype != wdt:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype ({wdt}). "
                             f"Convert input: input.to({wdt}), or convert model: model.to({input.dtype})")
        expected = 2 if batch_sizes is not None else 3
        if input.dim() != expected:
            raise RuntimeError(f"input must have {expected} dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {input.size(-1)}")

    def get_expected_hidden_size(self, input, batch_sizes) -> tuple:
        """(num_layers * directions, batch, hidden_size) for this input."""
        if batch_sizes is not None:
            batch = int(batch_sizes[0])
        else:
            batch = input.size(0) if self.batch_first else input.size(1)
        return (self.num_layers * (2 if self.bidirectional else 1), batch, self.proj_size or self.hidden_size)

    def get_expected_cell_size(self, input, batch_sizes) -> tuple:
        """(num_layers * directions, batch, hidden_size): an LSTM's cell state (never projected)."""
        return self.get_expected_hidden_size(input, batch_sizes)[:2] + (self.hidden_size,)

    def check_hidden_size(self, hx, expected, msg: str = "Expected hidden size {}, got {}") -> None:
        """RuntimeError unless hx has the expected shape."""
        if tuple(hx.size()) != tuple(expected):
            raise RuntimeError(msg.format(tuple(expected), list(hx.size())))

    def check_forward_args(self, input, hidden, batch_sizes) -> None:
        """Check the input and the hidden state(s)."""
        self.check_input(input, batch_sizes)
        expected = self.get_expected_hidden_size(input, batch_sizes)
        if self.mode == "LSTM":
            self.check_hidden_size(hidden[0], expected, "Expected hidden[0] size {}, got {}")
            self.check_hidden_size(hidden[1], self.get_expected_cell_size(input, batch_sizes),
                                   "Expected hidden[1] size {}, got {}")
        elif hidden is not None:
            self.check_hidden_size(hidden, expected)

    def _check_hidden_dims(self, hx, batched: bool) -> None:
        want = 3 if batched else 2
        kind = "batched 3-D" if batched else "unbatched 2-D"
        if self.mode == "LSTM":
            if hx[0].dim() != want or hx[1].dim() != want:
                raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D but got "
                                   f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
        elif hx.dim() != want:
            raise RuntimeError(f"For {kind} input, hx should also be {want}-D but got {hx.dim()}-D tensor")

    # -- running ------------------------------------------------------------------
    def forward(self, input, hx=None):
        """Run the stack: (output, h_n) or, for LSTM, (output, (h_n, c_n)); PackedSequence in, out."""
        if isinstance(input, _packed_sequence_class()):
            return self._forward_packed(input, hx)
        if input.dim() not in (2, 3):
            tail = " tensor instead" if self.mode.startswith("RNN") else " instead"
            raise ValueError(f"{self._name()}: Expected input to be 2D or 3D, got {input.dim()}D{tail}")
        batched = input.dim() == 3
        batch_dim = 0 if self.batch_first else 1
        if not batched:
            input = input.unsqueeze(batch_dim)
        if hx is not None:
            self._check_hidden_dims(hx, batched)
            if not batched:
                hx = tuple(h.unsqueeze(1) for h in hx) if self.mode == "LSTM" else hx.unsqueeze(1)
        if self.mode == "LSTM" and hx is None:
            self.check_input(input, None)
        else:
            self.check_forward_args(input, hx, None)
        x = input.transpose(0, 1) if self.batch_first else input
        if x.shape[0] == 0:
            raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
        output, hidden = self._run(x, hx, None, self.batch_first)
        if not batched:
            output = output.squeeze(batch_dim)
            hidden = tuple(h.squeeze(1) for h in hidden) if self.mode == "LSTM" else hidden.squeeze(1)
        return output, hidden

    def _forward_packed(self, packed, hx):
        from ..utils import rnn as rnn_utils
        data, _, sorted_indices, unsorted_indices = packed
        sizes = rnn_utils._host_batch_sizes(packed)
        if hx is not None and sorted_indices is not None:
            hx = (tuple(h.index_select(1, sorted_indices) for h in hx) if self.mode == "LSTM"
                  else hx.index_select(1, sorted_indices))
        if hx is None:
            self.check_input(data, sizes)
        else:
            self.check_forward_args(data, hx, sizes)
        x = rnn_utils._packed_to_padded(data, sizes)
        output, hidden = self._run(x, hx, sizes, False)
        out = rnn_utils._padded_to_packed(output, sizes)
        if unsorted_indices is not None:
            hidden = (tuple(h.index_select(1, unsorted_indices) for h in hidden) if self.mode == "LSTM"
                      else hidden.index_select(1, unsorted_indices))
        return rnn_utils._same_packing(packed, out), hidden

    def _layer_weights(self, layer: int) -> list:
        directions = 2 if self.bidirectional else 1
        out = []
        for names in self._all_weights[layer * directions:(layer + 1) * directions]:
            ws = {n.split("_l")[0]: getattr(self, n) for n in names}
            out.append(tuple(ws.get(k) for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")))
        return out

    def _run(self, x, hx, active, batch_first_out: bool):
        """The layer stack over time-major x; returns (output, h_n) or (output, (h_n, c_n))."""
        directions = 2 if self.bidirectional else 1
        h0, c0 = hx if self.mode == "LSTM" and hx is not None else (hx, None)
        hs, cs = [], []
        layer_in = x
        for layer in range(self.num_layers):
            rows = slice(layer * directions, (layer + 1) * directions)
            last = layer == self.num_layers - 1
            y, h_n, c_n = rnn_layer(self.mode, layer_in, None if h0 is None else h0[rows],
                                    None if c0 is None else c0[rows], self._layer_weights(layer),
                                    batch_first_out and last, active)
            hs.append(h_n)
            cs.append(c_n)
            if not last and self.dropout > 0 and self.training:
                y = F.dropout(y, self.dropout, True)
            layer_in = y
        h_n = hs[0] if len(hs) == 1 else _joining.cat(hs, 0)
        if self.mode != "LSTM":
            return layer_in, h_n
        return layer_in, (h_n, cs[0] if len(cs) == 1 else _joining.cat(cs, 0))


class RNN(RNNBase):
    """Elman RNN: h_t = tanh|relu(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(mode, *args, **kwargs)


class LSTM(RNNBase):
    """Long short-term memory layers (gates i, f, g, o as torch)."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """Gated recurrent unit layers (gates r, z, n as torch)."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)


# -- cells ------------------------------------------------------------------------
class RNNCellBase(Module):
    """Base of the cells: weight_ih, weight_hh, bias_ih, bias_hh."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        gates = num_chunks * hidden_size
        self.weight_ih = Parameter(_creation.empty(gates, input_size, device=device, dtype=dtype))
        self.weight_hh = Parameter(_creation.empty(gates, hidden_size, device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(_creation.empty(gates, device=device, dtype=dtype))
            self.bias_hh = Parameter(_creation.empty(gates, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def reset_parameters(self) -> None:
        """Every weight and bias drawn from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _step(self, mode: str, input, hx, cx=None):
        """One step of the fused layer: returns (h', c') for batched 2-D input and states."""
        if input.size(1) != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.size(1)} expected "
                               f"{self.input_size}")
        for i, h in enumerate(s for s in (hx, cx) if s is not None):
            if input.size(0) != h.size(0):
                raise RuntimeError(f"Input batch size {input.size(0)} doesn't match hidden{i} batch size "
                                   f"{h.size(0)}")
            if h.size(1) != self.hidden_size:
                raise RuntimeError(f"hidden{i} has inconsistent hidden_size: got {h.size(1)}, expected "
                                   f"{self.hidden_size}")
        weights = [(self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh, None)]
        _, h_n, c_n = rnn_layer(mode, input.unsqueeze(0), None if hx is None else hx.unsqueeze(0),
                                None if cx is None else cx.unsqueeze(0), weights)
        return h_n.squeeze(0), None if c_n is None else c_n.squeeze(0)

    def _batch(self, name: str, input, states):
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
            states = [None if s is None else s.unsqueeze(0) for s in states]
        return batched, input, states


class RNNCell(RNNCellBase):
    """One step of an Elman RNN: h' = tanh|relu(x W_ih^T + b_ih + h W_hh^T + b_hh)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        """h' for input (N, I) or (I,), hx (N, H) or (H,) (zeros when None)."""
        if hx is not None and hx.dim() not in (1, 2):
            raise ValueError(f"RNNCell: Expected hidden to be 1D or 2D, got {hx.dim()}D instead")
        batched, input, (hx,) = self._batch("RNNCell", input, [hx])
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        mode = "RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU"
        h, _ = self._step(mode, input, hx)
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step: returns (h', c')."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        """(h', c') for input (N, I) or (I,), hx = (h, c) or None (zeros)."""
        if hx is not None:
            for idx, value in enumerate(hx):
                if value.dim() not in (1, 2):
                    raise ValueError(f"LSTMCell: Expected hx[{idx}] to be 1D or 2D, got {value.dim()}D instead")
        batched, input, (h0, c0) = self._batch("LSTMCell", input, [None, None] if hx is None else list(hx))
        h, c = self._step("LSTM", input, h0, c0)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step: h' = (1 - z) * n + z * h."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        """h' for input (N, I) or (I,), hx (N, H) or (H,) (zeros when None)."""
        if hx is not None and hx.dim() not in (1, 2):
            raise ValueError(f"GRUCell: Expected hidden to be 1D or 2D, got {hx.dim()}D instead")
        batched, input, (hx,) = self._batch("GRUCell", input, [hx])
        h, _ = self._step("GRU", input, hx)
        return h if batched else h.squeeze(0)
