"""cltorch.text.data iterators: Iterator, BucketIterator, BPTTIterator and Batch."""
from __future__ import annotations

import random

import numpy as np
import pytest

import cltorch
from cltorch.text import data, datasets


def _dataset(n=40, seed=0, lo=1, hi=30):
    """n examples 'w0 w1 ...' of random lengths, labels alternating, with a length sort_key."""
    rng = random.Random(seed)
    TEXT, LABEL = data.Field(), data.LabelField()
    fields = [("text", TEXT), ("label", LABEL)]
    examples = [data.Example.fromlist([" ".join(f"w{j}" for j in range(rng.randint(lo, hi))), "ab"[i % 2]], fields)
                for i in range(n)]
    ds = data.Dataset(examples, fields)
    TEXT.build_vocab(ds)
    LABEL.build_vocab(ds)
    return ds, TEXT, LABEL


def _pads(iterator, pad_index):
    return sum(int((b.text.numpy() == pad_index).sum()) for b in iterator)


def test_iterator_batches_len_and_tensors():
    ds, TEXT, LABEL = _dataset(n=10)
    it = data.Iterator(ds, batch_size=4, shuffle=False, device="cpu")
    assert len(it) == 3
    batches = list(it)
    assert [b.batch_size for b in batches] == [4, 4, 2] and [len(b) for b in batches] == [4, 4, 2]
    first = batches[0]
    assert first.dataset is ds and list(first.fields) == ["text", "label"]
    assert first.text.dtype == cltorch.int64 and first.text.device.type == "cpu"
    lengths = [len(ds[i].text) for i in range(4)]
    assert first.text.shape == (max(lengths), 4)
    stoi = TEXT.vocab.stoi
    np.testing.assert_array_equal(first.text.numpy()[:, 0][:lengths[0]], [stoi[w] for w in ds[0].text])
    assert first.label.tolist() == [LABEL.vocab.stoi[ds[i].label] for i in range(4)]
    text, label = first  # inputs then targets
    assert text is first.text and label is first.label
    assert "Batch of size 4" in repr(first) and "[.text]" in repr(first)


def test_iterator_unpacking_without_targets_yields_fields_in_order():
    A, B = data.Field(), data.Field(sequential=False)
    fields = [("a", A), ("b", B)]
    ds = data.Dataset([data.Example.fromlist(["x y", "k"], fields)], fields)
    A.build_vocab(ds)
    B.build_vocab(ds)
    (a, b), = [tuple(batch) for batch in data.Iterator(ds, batch_size=1)]
    assert a.shape == (2, 1) and b.shape == (1,)


def test_eval_iterator_sorts_and_sort_within_batch_descends():
    ds, _, _ = _dataset(n=12)
    it = data.Iterator(ds, batch_size=4, train=False, sort_within_batch=False)
    lens = [len(ex.text) for ex in it.data()]
    assert lens == sorted(lens)
    desc = data.Iterator(ds, batch_size=4, train=False, sort_within_batch=True, sort_key=lambda ex: len(ex.text))
    pad = 1
    for b in desc:
        lengths = (b.text.numpy() != pad).sum(axis=0)
        assert list(lengths) == sorted(lengths, reverse=True)


def test_shuffle_is_reproducible_under_manual_seed():
    ds, _, _ = _dataset(n=30)

    def epoch_order(it):
        return [b.label.tolist() + b.text[0].tolist() for b in it]

    cltorch.manual_seed(5)
    a = epoch_order(data.Iterator(ds, batch_size=7))
    cltorch.manual_seed(5)
    b = epoch_order(data.Iterator(ds, batch_size=7))
    cltorch.manual_seed(6)
    c = epoch_order(data.Iterator(ds, batch_size=7))
    assert a == b and a != c
    it = data.Iterator(ds, batch_size=7)
    assert epoch_order(it) != epoch_order(it)  # a new order every epoch


def test_bucket_iterator_pads_less_than_iterator():
    ds, TEXT, _ = _dataset(n=200, lo=1, hi=60)
    pad = TEXT.vocab.stoi[TEXT.pad_token]
    cltorch.manual_seed(0)
    plain = _pads(data.Iterator(ds, batch_size=10, sort_key=lambda ex: len(ex.text)), pad)
    bucket_it = data.BucketIterator(ds, batch_size=10, sort_key=lambda ex: len(ex.text))
    bucket = _pads(bucket_it, pad)
    assert bucket * 4 < plain
    assert sum(b.batch_size for b in bucket_it) == len(ds)


def test_bucket_iterator_default_sort_key_and_shuffled_batches():
    ds, TEXT, _ = _dataset(n=60, lo=1, hi=40)
    pad = TEXT.vocab.stoi[TEXT.pad_token]
    it = data.BucketIterator(ds, batch_size=6)  # no sort_key: total token-list length
    firsts = [tuple(b.text[0].tolist()) for b in it]
    assert _pads(it, pad) * 3 < _pads(data.Iterator(ds, batch_size=6), pad)
    lengths = [int((b.text.numpy() != pad).sum(axis=0).max()) for b in it]
    assert lengths != sorted(lengths)  # batch order is shuffled, not ascending
    assert len(firsts) == 10


def test_batch_size_fn_limits_tokens():
    ds, _, _ = _dataset(n=25, lo=1, hi=9)

    def tokens(new, count, sofar):
        return sofar + len(new.text)

    it = data.BucketIterator(ds, batch_size=20, batch_size_fn=tokens, sort_key=lambda ex: len(ex.text))
    sizes = [b.batch_size for b in it]
    assert sum(sizes) == 25
    for b in it:
        assert int((b.text.numpy() != 1).sum()) <= 20
    with pytest.raises(NotImplementedError):
        len(it)


def test_splits_and_tuple_of_datasets():
    ds, _, _ = _dataset(n=20)
    train, test = ds.split(0.5, random_state=1)
    tr, te = data.BucketIterator.splits((train, test), batch_size=3, sort_key=lambda ex: len(ex.text))
    assert (tr.train, te.train, tr.shuffle, te.shuffle, te.sort) == (True, False, True, False, True)
    assert (len(tr), len(te)) == (4, 4)
    tr, te = data.BucketIterator((train, test), batch_size=4, shuffle=True, repeat=False)
    assert isinstance(tr, data.BucketIterator) and (tr.batch_size, te.batch_size, te.shuffle) == (4, 4, True)
    tr, te = data.Iterator.splits((train, test), batch_sizes=(2, 5), device=-1)
    assert (len(tr), len(te), str(te.device)) == (5, 2, "cpu")
    tr, te = data.Iterator((train, test), 3)
    assert (tr.batch_size, te.batch_size) == (3, 3)
    with pytest.raises(ValueError, match="batch_size"):
        data.Iterator(train, batch_size=0)


def test_repeat_epochs_and_state_dict():
    ds, _, _ = _dataset(n=10)
    it = data.Iterator(ds, batch_size=4, repeat=True)
    seen = []
    for i, b in enumerate(it):
        seen.append(b.text[0].tolist())
        if i == 6:
            break
    assert it.epoch == 2 and it.iterations == 7
    once = data.Iterator(ds, batch_size=4)
    full = [b.label.tolist() for b in once]
    state = None
    for i, b in enumerate(once):
        if i == 1:
            state = once.state_dict()
            break
    resumed = data.Iterator(ds, batch_size=4)
    resumed.load_state_dict(state)
    assert len([b for b in resumed]) == len(full) - 2


def test_bptt_iterator_streams_text_and_target():
    TEXT = data.Field(lower=True)
    corpus = " ".join(f"t{i % 13}" for i in range(50))
    fields = [("text", TEXT)]
    ds = data.Dataset([data.Example.fromlist([corpus], fields)], fields)
    TEXT.build_vocab(ds)
    it = data.BPTTIterator(ds, batch_size=4, bptt_len=5)
    stream = np.array([TEXT.vocab.stoi[w] for w in corpus.split()] + [1] * 2).reshape(4, -1).T
    batches = list(it)
    assert len(batches) == len(it) == 3
    for k, b in enumerate(batches):
        n = b.text.shape[0]
        np.testing.assert_array_equal(b.text.numpy(), stream[5 * k:5 * k + n])
        np.testing.assert_array_equal(b.target.numpy(), stream[5 * k + 1:5 * k + 1 + n])
    assert batches[-1].text.shape == (2, 4)


def test_bptt_over_language_modeling_dataset(tmp_path):
    (tmp_path / "lm.txt").write_text("a b c\nd e\n", encoding="utf-8")
    TEXT = data.Field(batch_first=True)
    ds = datasets.LanguageModelingDataset(str(tmp_path / "lm.txt"), TEXT)
    assert ds[0].text == ["a", "b", "c", "<eos>", "d", "e", "<eos>"]
    TEXT.build_vocab(ds)
    b = next(iter(data.BPTTIterator(ds, batch_size=1, bptt_len=3)))
    assert b.text.shape == (1, 3)
    assert [TEXT.vocab.itos[i] for i in b.target[0].tolist()] == ["b", "c", "<eos>"]
