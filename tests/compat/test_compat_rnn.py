"""RNN, LSTM, GRU, their cells and nn.utils.rnn packing against real PyTorch: values, states and every
gradient (input, initial states, each weight) under random upstream gradients, with torch's weights."""
from __future__ import annotations

import harness  # noqa: F401  (skips this module when torch is missing)
import numpy as np
import pytest
import torch
from harness import make_tensor, to_numpy

import cltorch

pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")

RTOL, ATOL = 1e-4, 2e-5
CLASSES = {"RNN_TANH": ("RNN", {}), "RNN_RELU": ("RNN", {"nonlinearity": "relu"}), "LSTM": ("LSTM", {}),
           "GRU": ("GRU", {})}


def same_weights(ours, theirs) -> None:
    """Load torch's initialised weights into our module through its state dict."""
    state = {k: cltorch.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()}
    ours.load_state_dict(state)


def pair(kind: str, *args, seed: int = 0, **kwargs):
    """(ours, torch's) modules of one configuration, ours holding torch's weights."""
    name, extra = CLASSES.get(kind, (kind, {}))
    torch.manual_seed(seed)
    theirs = getattr(torch.nn, name)(*args, **extra, **kwargs)
    ours = getattr(cltorch.nn, name)(*args, **extra, **kwargs)
    same_weights(ours, theirs)
    return ours, theirs


def close(c, t, what: str, rtol=RTOL, atol=ATOL) -> None:
    assert tuple(c.shape) == tuple(t.shape), f"{what}: shape {tuple(c.shape)} != torch's {tuple(t.shape)}"
    np.testing.assert_allclose(to_numpy(c), to_numpy(t), rtol=rtol, atol=atol, err_msg=what)


def backward_both(outs_c, outs_t, rng) -> None:
    """Backward a random weighting of every output through both libraries."""
    loss_c = loss_t = 0
    for c, t in zip(outs_c, outs_t):
        g = rng.standard_normal(tuple(t.shape)).astype(np.float32)
        loss_t = loss_t + (t * torch.tensor(g)).sum()
        loss_c = loss_c + (c * cltorch.tensor(g)).sum()
    loss_t.backward()
    loss_c.backward()


def compare_param_grads(ours, theirs) -> None:
    names_c = [n for n, _ in ours.named_parameters()]
    names_t = [n for n, _ in theirs.named_parameters()]
    assert names_c == names_t
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        if q.grad is None:
            assert p.grad is None, f"{name}: cltorch has a grad, torch none"
            continue
        close(p.grad, q.grad, f"grad of {name}")


# mode, num_layers, bidirectional, batch_first, with h_0, bias, proj_size
CONFIGS = [
    ("RNN_TANH", 1, False, False, False, True, 0),
    ("RNN_TANH", 2, False, False, True, True, 0),
    ("RNN_RELU", 2, True, True, True, False, 0),
    ("LSTM", 1, False, True, True, True, 0),
    ("LSTM", 2, True, False, False, True, 0),
    ("LSTM", 2, True, True, True, False, 0),
    ("LSTM", 1, True, False, True, False, 0),
    ("LSTM", 2, True, True, True, True, 3),
    ("LSTM", 1, False, False, False, False, 2),
    ("GRU", 1, True, False, True, True, 0),
    ("GRU", 2, False, True, False, True, 0),
    ("GRU", 2, True, False, True, False, 0),
]


@pytest.mark.parametrize("mode,layers,bidir,batch_first,with_h0,bias,proj", CONFIGS)
def test_layer_outputs_states_and_all_gradients_match_torch(mode, layers, bidir, batch_first, with_h0, bias, proj):
    L, N, Hin, H = 5, 3, 4, 6
    extra = {"proj_size": proj} if proj else {}
    ours, theirs = pair(mode, Hin, H, layers, bias=bias, batch_first=batch_first, bidirectional=bidir, seed=layers,
                        **extra)
    rng = np.random.default_rng(abs(hash((mode, layers, bidir, batch_first, with_h0, bias, proj))) % 2**32)
    x = rng.standard_normal((N, L, Hin) if batch_first else (L, N, Hin)).astype(np.float32)
    D = 2 if bidir else 1
    states = [rng.standard_normal((layers * D, N, size)).astype(np.float32) for size in (proj or H, H)]
    xc, xt = make_tensor(cltorch, x, requires_grad=True), make_tensor(torch, x, requires_grad=True)
    hc = [make_tensor(cltorch, s, requires_grad=True) for s in states]
    ht = [make_tensor(torch, s, requires_grad=True) for s in states]
    lstm = mode == "LSTM"
    args_c = (xc, (tuple(hc) if lstm else hc[0])) if with_h0 else (xc,)
    args_t = (xt, (tuple(ht) if lstm else ht[0])) if with_h0 else (xt,)
    yc, sc = ours(*args_c)
    yt, st = theirs(*args_t)
    outs_c = [yc, *sc] if lstm else [yc, sc]
    outs_t = [yt, *st] if lstm else [yt, st]
    for i, (c, t) in enumerate(zip(outs_c, outs_t)):
        close(c, t, f"output {i}")
    backward_both(outs_c, outs_t, rng)
    close(xc.grad, xt.grad, "grad of input")
    if with_h0:
        close(hc[0].grad, ht[0].grad, "grad of h_0")
        if lstm:
            close(hc[1].grad, ht[1].grad, "grad of c_0")
    compare_param_grads(ours, theirs)


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN_TANH"])
def test_strided_input_and_odd_sizes_match_torch(mode):
    ours, theirs = pair(mode, 1, 7, seed=3)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((1, 1, 1)).astype(np.float32)
    outs = []
    for lib, m in ((cltorch, ours), (torch, theirs)):
        xs = make_tensor(lib, x, "strided", requires_grad=True)
        y, s = m(xs)
        outs.append((xs, [y, *s] if mode == "LSTM" else [y, s]))
    (xc, oc), (xt, ot) = outs
    for i, (c, t) in enumerate(zip(oc, ot)):
        close(c, t, f"output {i}")
    backward_both(oc, ot, rng)
    close(xc.grad, xt.grad, "grad of input")
    compare_param_grads(ours, theirs)


@pytest.mark.parametrize("mode", ["RNN_TANH", "LSTM", "GRU"])
def test_unbatched_input_matches_torch(mode):
    ours, theirs = pair(mode, 3, 5, 2, bidirectional=True, seed=4)
    rng = np.random.default_rng(6)
    x = rng.standard_normal((4, 3)).astype(np.float32)
    h = rng.standard_normal((4, 5)).astype(np.float32)
    hx_c = (cltorch.tensor(h), cltorch.tensor(h * 0.5)) if mode == "LSTM" else cltorch.tensor(h)
    hx_t = (torch.tensor(h), torch.tensor(h * 0.5)) if mode == "LSTM" else torch.tensor(h)
    yc, sc = ours(cltorch.tensor(x), hx_c)
    yt, st = theirs(torch.tensor(x), hx_t)
    close(yc, yt, "output")
    for c, t in zip(sc if mode == "LSTM" else [sc], st if mode == "LSTM" else [st]):
        close(c, t, "state")


def test_float64_lstm_matches_torch():
    ours, theirs = pair("LSTM", 3, 4, 2, seed=8)
    ours.double()
    theirs.double()
    x = np.random.default_rng(1).standard_normal((6, 2, 3))
    yc, (hc, cc) = ours(cltorch.tensor(x))
    yt, (ht, ct) = theirs(torch.tensor(x))
    assert yc.dtype == cltorch.float64
    for c, t in ((yc, yt), (hc, ht), (cc, ct)):
        close(c, t, "float64", rtol=1e-10, atol=1e-12)


def test_eval_mode_with_dropout_matches_torch():
    ours, theirs = pair("GRU", 3, 4, 3, dropout=0.5, seed=2)
    ours.eval()
    theirs.eval()
    x = np.random.default_rng(2).standard_normal((4, 2, 3)).astype(np.float32)
    close(ours(cltorch.tensor(x))[0], theirs(torch.tensor(x))[0], "eval output")


def test_training_dropout_of_one_between_layers_matches_torch_with_grads():
    """p = 1 zeroes every layer's input after the first in both libraries: a deterministic check of the path."""
    ours, theirs = pair("LSTM", 3, 4, 2, dropout=1.0, seed=5)
    rng = np.random.default_rng(7)
    x = rng.standard_normal((4, 2, 3)).astype(np.float32)
    xc, xt = cltorch.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yc, (hc, cc) = ours(xc)
    yt, (ht, ct) = theirs(xt)
    for c, t in ((yc, yt), (hc, ht), (cc, ct)):
        close(c, t, "output")
    backward_both([yc, hc, cc], [yt, ht, ct], rng)
    close(xc.grad, xt.grad, "grad of input")
    compare_param_grads(ours, theirs)


# -- packed sequences ------------------------------------------------------------------
@pytest.mark.parametrize("mode,proj", [("LSTM", 0), ("GRU", 0), ("LSTM", 2)])
def test_packed_unsorted_bidirectional_matches_torch_with_grads(mode, proj):
    from torch.nn.utils import rnn as trnn

    from cltorch.nn.utils import rnn as crnn
    extra = {"proj_size": proj} if proj else {}
    ours, theirs = pair(mode, 3, 4, 2, bidirectional=True, seed=9, **extra)
    rng = np.random.default_rng(10)
    lengths = [3, 5, 1, 4]
    x = rng.standard_normal((5, 4, 3)).astype(np.float32)
    states = [rng.standard_normal((4, 4, size)).astype(np.float32) for size in (proj or 4, 4)]
    xc, xt = cltorch.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    hc = [cltorch.tensor(s, requires_grad=True) for s in states]
    ht = [torch.tensor(s, requires_grad=True) for s in states]
    pc = crnn.pack_padded_sequence(xc, lengths, enforce_sorted=False)
    pt = trnn.pack_padded_sequence(xt, lengths, enforce_sorted=False)
    lstm = mode == "LSTM"
    oc, sc = ours(pc, tuple(hc) if lstm else hc[0])
    ot, st = theirs(pt, tuple(ht) if lstm else ht[0])
    assert isinstance(oc, crnn.PackedSequence)
    close(oc.data, ot.data, "packed output data")
    assert oc.batch_sizes.tolist() == ot.batch_sizes.tolist()
    assert oc.sorted_indices.tolist() == ot.sorted_indices.tolist()
    assert oc.unsorted_indices.tolist() == ot.unsorted_indices.tolist()
    yc, lc = crnn.pad_packed_sequence(oc, batch_first=True)
    yt, lt = trnn.pad_packed_sequence(ot, batch_first=True)
    assert lc.tolist() == lt.tolist()
    outs_c = [yc, *sc] if lstm else [yc, sc]
    outs_t = [yt, *st] if lstm else [yt, st]
    for i, (c, t) in enumerate(zip(outs_c, outs_t)):
        close(c, t, f"output {i}")
    backward_both(outs_c, outs_t, rng)
    close(xc.grad, xt.grad, "grad of input")
    close(hc[0].grad, ht[0].grad, "grad of h_0")
    if lstm:
        close(hc[1].grad, ht[1].grad, "grad of c_0")
    compare_param_grads(ours, theirs)


def test_packed_sorted_relu_rnn_from_pack_sequence_matches_torch():
    from torch.nn.utils import rnn as trnn

    from cltorch.nn.utils import rnn as crnn
    ours, theirs = pair("RNN_RELU", 2, 3, seed=11)
    rng = np.random.default_rng(12)
    seqs = [rng.standard_normal((n, 2)).astype(np.float32) for n in (6, 4, 4, 1)]
    sc = [cltorch.tensor(s, requires_grad=True) for s in seqs]
    st = [torch.tensor(s, requires_grad=True) for s in seqs]
    oc, hc = ours(crnn.pack_sequence(sc))
    ot, ht = theirs(trnn.pack_sequence(st))
    close(oc.data, ot.data, "packed output")
    close(hc, ht, "h_n")
    backward_both([oc.data, hc], [ot.data, ht], rng)
    for i, (a, b) in enumerate(zip(sc, st)):
        close(a.grad, b.grad, f"grad of sequence {i}")
    compare_param_grads(ours, theirs)


# -- nn.utils.rnn --------------------------------------------------------------------------
def _seqs(rng, lengths, trailing=(2,)):
    return [rng.standard_normal((n,) + trailing).astype(np.float32) for n in lengths]


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_values_and_grads_match_torch(batch_first, side):
    rng = np.random.default_rng(13)
    seqs = _seqs(rng, [3, 7, 1], (2, 3))
    sc = [cltorch.tensor(s, requires_grad=True) for s in seqs]
    st = [torch.tensor(s, requires_grad=True) for s in seqs]
    from torch.nn.utils import rnn as trnn

    from cltorch.nn.utils import rnn as crnn
    pc = crnn.pad_sequence(sc, batch_first=batch_first, padding_value=-1.5, padding_side=side)
    pt = trnn.pad_sequence(st, batch_first=batch_first, padding_value=-1.5, padding_side=side)
    close(pc, pt, "padded")
    backward_both([pc], [pt], rng)
    for a, b in zip(sc, st):
        close(a.grad, b.grad, "grad")


def test_pad_sequence_of_1d_sequences_matches_torch():
    from torch.nn.utils import rnn as trnn

    from cltorch.nn.utils import rnn as crnn
    seqs = [np.arange(n, dtype=np.float32) + 1 for n in (1, 4, 2)]
    close(crnn.pad_sequence([cltorch.tensor(s) for s in seqs]),
          trnn.pad_sequence([torch.tensor(s) for s in seqs]), "padded 1-D")


def test_integer_token_sequences_pad_and_pack_like_torch():
    from torch.nn.utils import rnn as trnn

    from cltorch.nn.utils import rnn as crnn
    seqs = [np.array(s, dtype=np.int64) for s in ([5, 2, 9], [7], [1, 3])]
    pc = crnn.pad_sequence([cltorch.tensor(s) for s in seqs], batch_first=True, padding_value=-1)
    pt = trnn.pad_sequence([torch.tensor(s) for s in seqs], batch_first=True, padding_value=-1)
    assert pc.dtype == cltorch.int64 and pc.tolist() == pt.tolist()
    kc = crnn.pack_sequence([cltorch.tensor(s) for s in seqs], enforce_sorted=False)
    kt = trnn.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=False)
    assert kc.data.tolist() == kt.data.tolist()
    assert crnn.pad_packed_sequence(kc, padding_value=4)[0].tolist() == \
        trnn.pad_packed_sequence(kt, padding_value=4)[0].tolist()


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_pad_round_trip_matches_torch(batch_first, enforce_sorted):
    from torch.nn.utils import rnn as trnn

    from cltorch.nn.utils import rnn as crnn
    rng = np.random.default_rng(14)
    lengths = [6, 4, 4, 2, 1] if enforce_sorted else [2, 6, 1, 4, 3]
    shape = (5, 6, 3) if batch_first else (6, 5, 3)
    x = rng.standard_normal(shape).astype(np.float32)
    xc, xt = cltorch.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    pc = crnn.pack_padded_sequence(xc, cltorch.tensor(lengths), batch_first, enforce_sorted)
    pt = trnn.pack_padded_sequence(xt, torch.tensor(lengths), batch_first, enforce_sorted)
    close(pc.data, pt.data, "packed data")
    assert pc.batch_sizes.dtype == cltorch.int64 and pc.batch_sizes.tolist() == pt.batch_sizes.tolist()
    if enforce_sorted:
        assert pc.sorted_indices is None and pc.unsorted_indices is None
    else:
        assert pc.sorted_indices.tolist() == pt.sorted_indices.tolist()
        assert pc.unsorted_indices.tolist() == pt.unsorted_indices.tolist()
    yc, lc = crnn.pad_packed_sequence(pc, batch_first, padding_value=9.0, total_length=8)
    yt, lt = trnn.pad_packed_sequence(pt, batch_first, padding_value=9.0, total_length=8)
    close(yc, yt, "padded again")
    assert lc.dtype == cltorch.int64 and lc.tolist() == lt.tolist()
    backward_both([yc, pc.data], [yt, pt.data], rng)
    close(xc.grad, xt.grad, "grad through pack and pad")


def test_user_built_packed_sequence_with_indices_pads_like_torch():
    from torch.nn.utils import rnn as trnn

    from cltorch.nn.utils import rnn as crnn
    rng = np.random.default_rng(15)
    data = rng.standard_normal((6, 2)).astype(np.float32)
    sizes, order = [3, 2, 1], [2, 0, 1]
    pc = crnn.PackedSequence(cltorch.tensor(data), cltorch.tensor(sizes), cltorch.tensor(order))
    pt = trnn.PackedSequence(torch.tensor(data), torch.tensor(sizes), torch.tensor(order))
    assert pc.unsorted_indices.tolist() == pt.unsorted_indices.tolist()
    yc, lc = crnn.pad_packed_sequence(pc)
    yt, lt = trnn.pad_packed_sequence(pt)
    close(yc, yt, "padded")
    assert lc.tolist() == lt.tolist()
    for a, b in zip(crnn.unpack_sequence(pc), trnn.unpack_sequence(pt)):
        close(a, b, "unpacked")
    moved = pc.double()
    assert moved.data.dtype == cltorch.float64 and moved.batch_sizes is pc.batch_sizes


def test_pack_unpack_and_unpad_sequence_match_torch():
    from torch.nn.utils import rnn as trnn

    from cltorch.nn.utils import rnn as crnn
    rng = np.random.default_rng(16)
    seqs = _seqs(rng, [2, 5, 3])
    pc = crnn.pack_sequence([cltorch.tensor(s) for s in seqs], enforce_sorted=False)
    pt = trnn.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=False)
    close(pc.data, pt.data, "packed")
    for a, b in zip(crnn.unpack_sequence(pc), trnn.unpack_sequence(pt)):
        close(a, b, "unpacked")
    padded = rng.standard_normal((5, 3, 2)).astype(np.float32)
    lens = [2, 5, 3]
    for a, b in zip(crnn.unpad_sequence(cltorch.tensor(padded), cltorch.tensor(lens)),
                    trnn.unpad_sequence(torch.tensor(padded), torch.tensor(lens))):
        close(a, b, "unpadded")


def _same_error(fn_c, fn_t):
    """Both raise the same exception type with the same message (dtypes named cltorch.* here)."""
    with pytest.raises(Exception) as t_info:
        fn_t()
    with pytest.raises(type(t_info.value)) as c_info:
        fn_c()
    assert str(c_info.value) == str(t_info.value).replace("torch.", "cltorch.")


def test_packing_errors_match_torch():
    from torch.nn.utils import rnn as trnn

    from cltorch.nn.utils import rnn as crnn
    x = np.zeros((5, 3, 2), dtype=np.float32)
    xc, xt = cltorch.tensor(x), torch.tensor(x)
    _same_error(lambda: crnn.pack_padded_sequence(xc, [2, 4, 1]), lambda: trnn.pack_padded_sequence(xt, [2, 4, 1]))
    _same_error(lambda: crnn.pack_padded_sequence(xc, [4, 1, 0]), lambda: trnn.pack_padded_sequence(xt, [4, 1, 0]))
    _same_error(lambda: crnn.pack_padded_sequence(xc, [4, 2]), lambda: trnn.pack_padded_sequence(xt, [4, 2]))
    _same_error(lambda: crnn.pad_packed_sequence(crnn.pack_padded_sequence(xc, [4, 2, 1]), total_length=3),
                lambda: trnn.pad_packed_sequence(trnn.pack_padded_sequence(xt, [4, 2, 1]), total_length=3))
    _same_error(lambda: crnn.pad_sequence([]), lambda: trnn.pad_sequence([]))
    _same_error(lambda: crnn.pad_sequence([xc[0]], padding_side="up"),
                lambda: trnn.pad_sequence([xt[0]], padding_side="up"))


# -- cells --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name,kwargs,with_hx", [
    ("RNNCell", {}, True), ("RNNCell", {"nonlinearity": "relu", "bias": False}, False),
    ("LSTMCell", {}, True), ("LSTMCell", {"bias": False}, False), ("GRUCell", {}, True), ("GRUCell", {}, False)])
def test_cells_match_torch_with_grads(name, kwargs, with_hx):
    torch.manual_seed(1)
    theirs = getattr(torch.nn, name)(4, 5, **kwargs)
    ours = getattr(cltorch.nn, name)(4, 5, **kwargs)
    same_weights(ours, theirs)
    assert repr(ours) == repr(theirs).replace("torch", "cltorch")
    rng = np.random.default_rng(17)
    x = rng.standard_normal((3, 4)).astype(np.float32)
    hs = [rng.standard_normal((3, 5)).astype(np.float32) for _ in range(2)]
    xc, xt = cltorch.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    hc = [cltorch.tensor(h, requires_grad=True) for h in hs]
    ht = [torch.tensor(h, requires_grad=True) for h in hs]
    lstm = name == "LSTMCell"
    if with_hx:
        oc = ours(xc, tuple(hc) if lstm else hc[0])
        ot = theirs(xt, tuple(ht) if lstm else ht[0])
    else:
        oc, ot = ours(xc), theirs(xt)
    oc, ot = (list(oc), list(ot)) if lstm else ([oc], [ot])
    for c, t in zip(oc, ot):
        close(c, t, "cell output")
    backward_both(oc, ot, rng)
    close(xc.grad, xt.grad, "grad of input")
    if with_hx:
        for c, t in zip(hc[:2 if lstm else 1], ht):
            close(c.grad, t.grad, "grad of state")
    compare_param_grads(ours, theirs)
    unbatched = ours(xc[0].detach()), theirs(xt[0].detach())
    for c, t in zip(*(u if lstm else (u,) for u in unbatched)):
        close(c, t, "unbatched cell output")


def test_cell_errors_match_torch():
    for name in ("RNNCell", "LSTMCell", "GRUCell"):
        ours, theirs = getattr(cltorch.nn, name)(3, 4), getattr(torch.nn, name)(3, 4)
        lstm = name == "LSTMCell"
        for x, h in (((2, 5), (2, 4)), ((2, 3), (3, 4)), ((2, 3), (2, 5)), ((2, 2, 3), (2, 4))):
            hc, ht = cltorch.zeros(*h), torch.zeros(*h)
            _same_error(lambda m=ours, x=x, s=((hc, hc) if lstm else hc): m(cltorch.zeros(*x), s),
                        lambda m=theirs, x=x, s=((ht, ht) if lstm else ht): m(torch.zeros(*x), s))


# -- construction, repr, errors -------------------------------------------------------------------
@pytest.mark.parametrize("args,kwargs", [
    ((10, 20), {}), ((10, 20, 2), {"batch_first": True, "bidirectional": True}),
    ((3, 4), {"bias": False, "dropout": 0.25, "num_layers": 2})])
@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_repr_parameters_and_state_dict_keys_match_torch(name, args, kwargs):
    if name == "LSTM" and kwargs.get("bidirectional"):
        kwargs = dict(kwargs, proj_size=5)
    ours, theirs = pair(name, *args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict().keys()) == list(theirs.state_dict().keys())
    for (n, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert tuple(p.shape) == tuple(q.shape), n
    assert [[tuple(w.shape) for w in ws] for ws in ours.all_weights] == \
        [[tuple(w.shape) for w in ws] for ws in theirs.all_weights]


def test_relu_rnn_repr_and_positional_nonlinearity_match_torch():
    ours, theirs = pair("RNN", 3, 4, 2, "relu")
    assert repr(ours) == repr(theirs) and ours.nonlinearity == theirs.nonlinearity == "relu"
    x = np.random.default_rng(3).standard_normal((2, 1, 3)).astype(np.float32)
    close(ours(cltorch.tensor(x))[0], theirs(torch.tensor(x))[0], "relu output")


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_forward_errors_match_torch(name):
    ours, theirs = pair(name, 10, 20, 2)
    lstm = name == "LSTM"

    def state(lib, shape, cshape=None):
        h = lib.zeros(*shape)
        return (h, lib.zeros(*(cshape or shape))) if lstm else h
    cases = [((5, 3, 7), None, None), ((5, 3, 10), (1, 3, 20), None), ((5, 3, 10), (2, 3, 20), (2, 4, 20)),
             ((5, 3, 10), (2, 3, 20), (2, 3, 19)),
             ((5, 3, 10), (2, 3), None), ((3, 10), (2, 1, 20), None), ((2, 5, 3, 10), None, None),
             ((0, 3, 10), None, None)]
    for x, h, c in cases:
        if c is not None and not lstm:
            continue
        hc = None if h is None else state(cltorch, h, c)
        ht = None if h is None else state(torch, h, c)
        _same_error(lambda x=x, s=hc: ours(cltorch.zeros(*x), s), lambda x=x, s=ht: theirs(torch.zeros(*x), s))
    _same_error(lambda: ours(cltorch.zeros(5, 3, 10, dtype=cltorch.float64)),
                lambda: theirs(torch.zeros(5, 3, 10, dtype=torch.float64)))


def test_hidden_and_input_dtype_mismatch_errors_match_torch():
    ours, theirs = pair("GRUCell", 3, 4)
    _same_error(lambda: ours(cltorch.zeros(2, 3), cltorch.zeros(2, 4, dtype=cltorch.float64)),
                lambda: theirs(torch.zeros(2, 3), torch.zeros(2, 4, dtype=torch.float64)))
    _same_error(lambda: ours(cltorch.zeros(2, 3, dtype=cltorch.float64)),
                lambda: theirs(torch.zeros(2, 3, dtype=torch.float64)))
    ours, theirs = pair("GRU", 3, 4)
    _same_error(lambda: ours(cltorch.zeros(2, 1, 3), cltorch.zeros(1, 1, 4, dtype=cltorch.float64)),
                lambda: theirs(torch.zeros(2, 1, 3), torch.zeros(1, 1, 4, dtype=torch.float64)))


def test_lstm_projection_hidden_size_errors_match_torch():
    ours, theirs = pair("LSTM", 4, 6, proj_size=3)
    for h, c in (((1, 2, 6), (1, 2, 6)), ((1, 2, 3), (1, 2, 3))):
        _same_error(lambda h=h, c=c: ours(cltorch.zeros(5, 2, 4), (cltorch.zeros(*h), cltorch.zeros(*c))),
                    lambda h=h, c=c: theirs(torch.zeros(5, 2, 4), (torch.zeros(*h), torch.zeros(*c))))


def test_constructor_errors_match_torch():
    for args, kwargs in (((3, 4), {"dropout": 1.5}), ((0, 4), {}), ((3, 4), {"num_layers": 0}),
                         ((3, 4), {"bias": 1}), ((3, 4.0), {}), ((3, 4), {"proj_size": 4})):
        _same_error(lambda a=args, k=kwargs: cltorch.nn.LSTM(*a, **k), lambda a=args, k=kwargs: torch.nn.LSTM(*a, **k))
    _same_error(lambda: cltorch.nn.GRU(3, 4, proj_size=2), lambda: torch.nn.GRU(3, 4, proj_size=2))
    _same_error(lambda: cltorch.nn.RNN(3, 4, nonlinearity="gelu"), lambda: torch.nn.RNN(3, 4, nonlinearity="gelu"))
