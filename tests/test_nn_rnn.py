"""Recurrent layers, cells and sequence packing on their own: finite-difference gradients, packed
batches against per-sequence runs, NumPy references for the padding utilities, autograd behaviour
and a small LSTM language model that learns. (tests/compat/test_compat_rnn.py compares with torch.)"""
from __future__ import annotations

import math

import numpy as np
import pytest

import cltorch
from cltorch.autograd import gradcheck
from cltorch.nn._rnn_layer import rnn_layer
from cltorch.nn.utils import rnn as rnn_utils


def _f64(rng, *shape, scale=0.5):
    return cltorch.tensor(rng.standard_normal(shape) * scale, dtype=cltorch.float64, requires_grad=True)


@pytest.mark.parametrize("mode,active", [("LSTM", None), ("LSTM", [2, 2, 1]), ("GRU", None), ("GRU", [2, 1, 1]),
                                         ("RNN_TANH", [2, 2, 1])])
def test_bidirectional_layer_gradcheck_float64(mode, active):
    """Every input of the fused layer node: x, h_0, c_0 and both directions' weights and biases."""
    rng = np.random.default_rng(0)
    L, N, Hin, H = 3, 2, 2, 2
    G = {"LSTM": 4, "GRU": 3}.get(mode, 1) * H
    x, h0 = _f64(rng, L, N, Hin), _f64(rng, 2, N, H)
    c0 = _f64(rng, 2, N, H) if mode == "LSTM" else None
    flat = [_f64(rng, *shape) for _ in range(2) for shape in ((G, Hin), (G, H), (G,), (G,))]

    def f(x, h0, c0, *w):
        y, h, c = rnn_layer(mode, x, h0, c0, [(*w[:4], None), (*w[4:], None)], False, active)
        return (y, h) if c is None else (y, h, c)
    assert gradcheck(f, (x, h0, c0, *flat))


def test_module_gradcheck_float64_lstm_batch_first_without_bias():
    rng = np.random.default_rng(1)
    m = cltorch.nn.LSTM(2, 3, num_layers=2, bias=False, batch_first=True).double()
    x = _f64(rng, 2, 3, 2)

    def f(x):
        y, (h, c) = m(x)
        return y, h, c
    assert gradcheck(f, (x,))


def test_parameters_names_shapes_and_init_bounds():
    m = cltorch.nn.LSTM(10, 20, 2, bidirectional=True)
    names = [n for n, _ in m.named_parameters()]
    expected = []
    for layer in range(2):
        for suffix in ("", "_reverse"):
            expected += [f"{k}_l{layer}{suffix}" for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    assert names == expected
    assert tuple(m.weight_ih_l0.shape) == (80, 10) and tuple(m.weight_ih_l1_reverse.shape) == (80, 40)
    assert tuple(m.weight_hh_l1.shape) == (80, 20) and tuple(m.bias_hh_l0_reverse.shape) == (80,)
    bound = 1 / math.sqrt(20)
    values = np.concatenate([p.detach().numpy().ravel() for p in m.parameters()])
    assert np.abs(values).max() <= bound and values.std() > bound / 3
    assert m._flat_weights[0] is m.weight_ih_l0 and len(m.all_weights) == 4
    m.flatten_parameters()
    g = cltorch.nn.GRU(3, 5, bias=False)
    assert [n for n, _ in g.named_parameters()] == ["weight_ih_l0", "weight_hh_l0"]
    assert tuple(g.weight_ih_l0.shape) == (15, 3)
    assert repr(cltorch.nn.LSTM(10, 20, num_layers=2, batch_first=True, bidirectional=True)) == \
        "LSTM(10, 20, num_layers=2, batch_first=True, bidirectional=True)"


@pytest.mark.parametrize("active", [None, [2, 1, 1]])
def test_projected_lstm_layer_gradcheck_float64(active):
    rng = np.random.default_rng(2)
    L, N, Hin, H, P = 3, 2, 2, 3, 2
    x, h0, c0 = _f64(rng, L, N, Hin), _f64(rng, 2, N, P), _f64(rng, 2, N, H)
    flat = [_f64(rng, *shape) for _ in range(2) for shape in ((4 * H, Hin), (4 * H, P), (4 * H,), (4 * H,), (P, H))]

    def f(x, h0, c0, *w):
        return rnn_layer("LSTM", x, h0, c0, [tuple(w[:5]), tuple(w[5:])], True, active)
    assert gradcheck(f, (x, h0, c0, *flat))


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN"])
def test_packed_batch_equals_each_sequence_run_alone(mode):
    """Final states come from each sequence's own last step; the reverse direction starts at its own end."""
    cltorch.manual_seed(3)
    m = getattr(cltorch.nn, mode)(3, 4, num_layers=2, bidirectional=True)
    rng = np.random.default_rng(4)
    lengths = [2, 5, 1, 3]
    seqs = [rng.standard_normal((n, 3)).astype(np.float32) for n in lengths]
    out, state = m(rnn_utils.pack_sequence([cltorch.tensor(s) for s in seqs], enforce_sorted=False))
    h_n = (state[0] if mode == "LSTM" else state).numpy(force=True)
    padded, lens = rnn_utils.pad_packed_sequence(out, batch_first=True)
    assert lens.tolist() == lengths
    padded = padded.numpy(force=True)
    for b, s in enumerate(seqs):
        y, st = m(cltorch.tensor(s))
        np.testing.assert_allclose(padded[b, :lengths[b]], y.numpy(force=True), rtol=1e-5, atol=1e-6)
        assert np.all(padded[b, lengths[b]:] == 0)
        single = (st[0] if mode == "LSTM" else st).numpy(force=True)
        np.testing.assert_allclose(h_n[:, b], single, rtol=1e-5, atol=1e-6)


def test_unbatched_equals_batch_of_one_and_strided_input_equals_dense():
    cltorch.manual_seed(5)
    m = cltorch.nn.GRU(3, 4, 2)
    rng = np.random.default_rng(6)
    x = rng.standard_normal((5, 3)).astype(np.float32)
    y1, h1 = m(cltorch.tensor(x))
    y2, _ = m(cltorch.tensor(x[:, None]))
    assert tuple(y1.shape) == (5, 4) and tuple(h1.shape) == (2, 4)
    np.testing.assert_allclose(y1.numpy(force=True), y2.numpy(force=True)[:, 0], rtol=1e-6)
    base = cltorch.tensor(rng.standard_normal((3, 2, 5, 2)).astype(np.float32))
    strided = base[..., 0].permute(2, 1, 0)  # (5, 2, 3), no dense layout
    assert not strided.is_contiguous()
    np.testing.assert_allclose(m(strided)[0].numpy(force=True), m(strided.contiguous())[0].numpy(force=True),
                               rtol=1e-6)


def test_dropout_between_layers_in_training_only():
    m = cltorch.nn.GRU(3, 4, 3, dropout=0.5)
    x = cltorch.randn(5, 2, 3, requires_grad=True)
    cltorch.manual_seed(1)
    a = m(x)[0]
    cltorch.manual_seed(1)
    b = m(x)[0]
    c = m(x)[0]
    np.testing.assert_array_equal(a.numpy(force=True), b.numpy(force=True))
    assert np.abs(a.numpy(force=True) - c.numpy(force=True)).max() > 1e-3
    a.sum().backward()
    assert np.abs(x.grad.numpy(force=True)).sum() > 0
    m.eval()
    np.testing.assert_array_equal(m(x)[0].numpy(force=True), m(x)[0].numpy(force=True))


def test_empty_batch_and_empty_sequence():
    m = cltorch.nn.LSTM(3, 4)
    x = cltorch.zeros(5, 0, 3, requires_grad=True)
    y, (h, _) = m(x)
    assert tuple(y.shape) == (5, 0, 4) and tuple(h.shape) == (1, 0, 4)
    (y.sum() + h.sum()).backward()
    assert tuple(x.grad.shape) == (5, 0, 3)
    with pytest.raises(RuntimeError, match="sequence length"):
        m(cltorch.zeros(0, 2, 3))


def test_retain_graph_backward_twice_doubles_grads_and_no_grad_records_nothing():
    cltorch.manual_seed(7)
    m = cltorch.nn.LSTM(2, 3)
    x = cltorch.tensor(np.random.default_rng(8).standard_normal((4, 2, 2)).astype(np.float32), requires_grad=True)
    y, _ = m(x)
    y.sum().backward(retain_graph=True)
    first = x.grad.numpy(force=True).copy()
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(force=True), 2 * first, rtol=1e-6)
    with cltorch.no_grad():
        y, (h, _) = m(x)
    assert y.grad_fn is None and not y.requires_grad and h.grad_fn is None


def test_weight_changed_in_place_after_forward_is_caught_at_backward():
    m = cltorch.nn.GRU(2, 3)
    y, _ = m(cltorch.randn(3, 1, 2))
    with cltorch.no_grad():
        m.weight_hh_l0.mul_(2)
    with pytest.raises(RuntimeError, match="inplace"):
        y.sum().backward()


def test_double_backward_raises_a_clear_error():
    m = cltorch.nn.LSTM(2, 2).double()
    x = cltorch.randn(3, 1, 2, dtype=cltorch.float64, requires_grad=True)
    y, _ = m(x)
    with pytest.raises(RuntimeError, match="double backward"):
        cltorch.autograd.grad(y.sum(), x, create_graph=True)


def test_cells_equal_one_step_of_the_layer():
    cltorch.manual_seed(9)
    layer, cell = cltorch.nn.LSTM(3, 4), cltorch.nn.LSTMCell(3, 4)
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        with cltorch.no_grad():
            getattr(cell, name).copy_(getattr(layer, name + "_l0"))
    rng = np.random.default_rng(10)
    x = cltorch.tensor(rng.standard_normal((1, 2, 3)).astype(np.float32))
    h0, c0 = (cltorch.tensor(rng.standard_normal((1, 2, 4)).astype(np.float32)) for _ in range(2))
    _, (h, c) = layer(x, (h0, c0))
    h1, c1 = cell(x[0], (h0[0], c0[0]))
    np.testing.assert_allclose(h1.numpy(force=True), h.numpy(force=True)[0], rtol=1e-6)
    np.testing.assert_allclose(c1.numpy(force=True), c.numpy(force=True)[0], rtol=1e-6)


# -- padding utilities against NumPy ---------------------------------------------------------------
@pytest.mark.parametrize("lengths", [[1], [7, 1, 3], [1023, 1, 7]])
def test_pad_sequence_matches_numpy(lengths):
    rng = np.random.default_rng(11)
    seqs = [rng.standard_normal((n, 3)).astype(np.float32) for n in lengths]
    longest = max(lengths)
    ref = np.full((len(seqs), longest, 3), 2.5, dtype=np.float32)
    ref_left = ref.copy()
    for b, s in enumerate(seqs):
        ref[b, :len(s)] = s
        ref_left[b, longest - len(s):] = s
    tensors = [cltorch.tensor(s) for s in seqs]
    out = rnn_utils.pad_sequence(tensors, batch_first=True, padding_value=2.5)
    np.testing.assert_array_equal(out.numpy(force=True), ref)
    out = rnn_utils.pad_sequence(tensors, padding_value=2.5, padding_side="left")
    np.testing.assert_array_equal(out.numpy(force=True), ref_left.transpose(1, 0, 2))


def test_pack_padded_sequence_matches_numpy_and_its_gradient_scatters_back():
    rng = np.random.default_rng(12)
    x = rng.standard_normal((4, 3, 2))
    lengths = [2, 4, 1]
    xc = cltorch.tensor(x, requires_grad=True)
    packed = rnn_utils.pack_padded_sequence(xc, lengths, enforce_sorted=False)
    order = [1, 0, 2]
    ref = [x[t, b] for t in range(4) for b in order if lengths[b] > t]
    np.testing.assert_array_equal(packed.data.numpy(force=True), np.stack(ref))
    assert packed.batch_sizes.tolist() == [3, 2, 1, 1]
    g = rng.standard_normal(packed.data.shape)
    packed.data.backward(cltorch.tensor(g))
    ref_grad = np.zeros_like(x)
    for k, (t, b) in enumerate((t, b) for t in range(4) for b in order if lengths[b] > t):
        ref_grad[t, b] = g[k]
    np.testing.assert_array_equal(xc.grad.numpy(force=True), ref_grad)


def test_packed_sequence_is_a_namedtuple_and_moves():
    p = rnn_utils.pack_sequence([cltorch.ones(3, 2), cltorch.ones(1, 2)])
    _, batch_sizes, sorted_indices, unsorted_indices = p
    assert p._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
    assert batch_sizes.tolist() == [2, 1, 1] and sorted_indices is None and unsorted_indices is None
    assert p.to(cltorch.float64).data.dtype == cltorch.float64 and p.to("cpu") is p
    assert not p.is_cuda


# -- training ---------------------------------------------------------------------------------------
class _LanguageModel(cltorch.nn.Module):
    def __init__(self, vocab: int, hidden: int):
        super().__init__()
        self.vocab = vocab
        self.lstm = cltorch.nn.LSTM(vocab, hidden, batch_first=True)
        self.head = cltorch.nn.Linear(hidden, vocab)

    def forward(self, tokens):
        x = cltorch.nn.functional.one_hot(tokens, self.vocab).float()
        y, _ = self.lstm(x)
        return self.head(y)


def test_lstm_language_model_learns_with_adam():
    cltorch.manual_seed(0)
    vocab = 6
    text = np.array([0, 1, 2, 3, 4, 5, 4, 3, 2, 1] * 4)
    inputs = cltorch.tensor(np.stack([text[i:i + 12] for i in range(0, 24, 3)]))
    targets = cltorch.tensor(np.stack([text[i + 1:i + 13] for i in range(0, 24, 3)]))
    model = _LanguageModel(vocab, 16)
    opt = cltorch.optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(30):
        logits = model(inputs)
        loss = cltorch.nn.functional.cross_entropy(logits.reshape(-1, vocab), targets.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.2 * losses[0], losses
