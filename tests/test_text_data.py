"""cltorch.text.data: tokenizers, Field preprocessing/padding/numericalizing, Example, Dataset, TabularDataset."""
from __future__ import annotations

import json
import pickle
import sys

import numpy as np
import pytest

import cltorch
from cltorch.text import data

MINIBATCH = [["a", "sentence", "of", "data", "."], ["yet", "another"], ["one", "last", "sent"]]


# -- tokenizers ------------------------------------------------------------------------
def test_default_tokenizer_is_whitespace_split():
    assert data.get_tokenizer(None)("a  b\tc\n") == ["a", "b", "c"]
    assert data.Field().tokenize("x y") == ["x", "y"]


def test_basic_english_rules():
    tok = data.get_tokenizer("basic_english")
    assert tok("You can now install TorchText using pip!") == \
        ["you", "can", "now", "install", "torchtext", "using", "pip", "!"]
    assert tok('It\'s "good"; really: (yes), 3.5?<br />END') == \
        ["it", "'", "s", "good", "really", "(", "yes", ")", ",", "3", ".", "5", "?", "end"]
    with pytest.raises(ValueError, match="English"):
        data.get_tokenizer("basic_english", language="de")


def test_callable_and_unknown_tokenizers():
    def rev(s):
        return s.split()[::-1]

    assert data.get_tokenizer(rev) is rev
    assert data.Field(tokenize=rev).preprocess("a b c") == ["c", "b", "a"]
    with pytest.raises(ValueError, match="tokenizer"):
        data.get_tokenizer("no-such-tokenizer")


def test_spacy_without_spacy_names_the_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "spacy", None)
    with pytest.raises(ModuleNotFoundError, match="pip install spacy"):
        data.Field(tokenize="spacy")


def test_spacy_tokenizer_through_an_installed_pipeline(monkeypatch):
    import types

    loaded = []

    class Token:
        def __init__(self, text):
            self.text = text

    def load(name):
        if name == "en":
            raise OSError("shortcut names were removed")
        loaded.append(name)
        return types.SimpleNamespace(tokenizer=lambda s: [Token(t) for t in s.replace("'", " '").split()])

    monkeypatch.setitem(sys.modules, "spacy", types.SimpleNamespace(load=load))
    field = data.Field(tokenize="spacy", tokenizer_language="en")
    assert field.preprocess("Don't stop") == ["Don", "'t", "stop"] and loaded == ["en_core_web_sm"]
    back = pickle.loads(pickle.dumps(field))  # the pipeline is rebuilt, not pickled
    assert back.tokenize("a b") == ["a", "b"] and loaded == ["en_core_web_sm"] * 2


# -- Field.preprocess ------------------------------------------------------------------
def test_preprocess_lower_stop_words_and_pipeline():
    field = data.Field(lower=True, stop_words={"the", "a"}, preprocessing=data.Pipeline(lambda t: t + "!"))
    assert field.preprocess("The Cat saw A dog\n") == ["cat!", "saw!", "dog!"]
    plain = data.Field(preprocessing=lambda toks: toks[:2])  # a plain function gets the whole list
    assert plain.preprocess("one two three") == ["one", "two"]
    label = data.Field(sequential=False, lower=True)
    assert label.preprocess("POS") == "pos"
    with pytest.raises(ValueError, match="set"):
        data.Field(stop_words=5)


# -- Field.pad -------------------------------------------------------------------------
def test_pad_to_longest_with_lengths():
    field = data.Field(include_lengths=True)
    padded, lengths = field.pad(MINIBATCH)
    assert padded == [["a", "sentence", "of", "data", "."], ["yet", "another", "<pad>", "<pad>", "<pad>"],
                      ["one", "last", "sent", "<pad>", "<pad>"]]
    assert lengths == [5, 2, 3]


def test_pad_fix_length_counts_init_and_eos():
    field = data.Field(fix_length=3, init_token="<bos>", eos_token="<eos>", include_lengths=True)
    padded, lengths = field.pad(MINIBATCH)
    assert padded == [["<bos>", "a", "<eos>"], ["<bos>", "yet", "<eos>"], ["<bos>", "one", "<eos>"]]
    assert lengths == [3, 3, 3]
    field = data.Field(fix_length=4)
    assert field.pad(MINIBATCH) == [["a", "sentence", "of", "data"], ["yet", "another", "<pad>", "<pad>"],
                                    ["one", "last", "sent", "<pad>"]]


def test_pad_first_and_truncate_first():
    field = data.Field(init_token="<bos>", eos_token="<eos>", pad_first=True, include_lengths=True)
    padded, lengths = field.pad(MINIBATCH)
    assert padded == [["<bos>", "a", "sentence", "of", "data", ".", "<eos>"],
                      ["<pad>", "<pad>", "<pad>", "<bos>", "yet", "another", "<eos>"],
                      ["<pad>", "<pad>", "<bos>", "one", "last", "sent", "<eos>"]]
    assert lengths == [7, 4, 5]
    field = data.Field(fix_length=3, truncate_first=True)
    assert field.pad(MINIBATCH) == [["of", "data", "."], ["yet", "another", "<pad>"], ["one", "last", "sent"]]


def test_non_sequential_pad_is_identity():
    field = data.Field(sequential=False)
    assert field.pad(["pos", "neg"]) == ["pos", "neg"]
    assert field.pad_token is None


# -- Field.numericalize ---------------------------------------------------------------
def _vocab_field(**kwargs):
    field = data.Field(**kwargs)
    field.build_vocab([["a", "b", "b", "c", "c", "c"]])
    return field


def test_numericalize_sequence_first_and_batch_first():
    field = _vocab_field()
    stoi = field.vocab.stoi
    padded = field.pad([["c", "b"], ["a", "zzz", "c"]])
    out = field.numericalize(padded)
    want = np.array([[stoi["c"], stoi["b"], 1], [stoi["a"], 0, stoi["c"]]]).T
    assert out.dtype == cltorch.int64 and out.device.type == "cpu"
    np.testing.assert_array_equal(out.numpy(), want)
    bf = _vocab_field(batch_first=True)
    np.testing.assert_array_equal(bf.process([["c", "b"], ["a", "zzz", "c"]]).numpy(), want.T)
    assert out.is_contiguous()


def test_numericalize_include_lengths_and_devices():
    field = _vocab_field(include_lengths=True)
    for device in (None, "cpu", -1, cltorch.device("cpu")):
        text, lengths = field.process([["c"], ["a", "b", "c"]], device=device)
        assert text.shape == (3, 2) and text.device.type == "cpu"
        assert lengths.dtype == cltorch.int64 and lengths.tolist() == [1, 3]
    with pytest.raises(ValueError, match="include_lengths"):
        field.numericalize([["a"]])


def test_numericalize_without_vocab_and_postprocessing():
    field = data.Field(sequential=False, use_vocab=False, dtype=cltorch.float32)
    out = field.process(["1.5", 2, "-3"])
    assert out.dtype == cltorch.float32 and out.tolist() == [1.5, 2.0, -3.0]
    ints = data.Field(sequential=False, use_vocab=False, postprocessing=lambda arr, _: [x * 10 for x in arr])
    assert ints.process(["1", "2"]).tolist() == [10, 20]
    post = _vocab_field(postprocessing=data.Pipeline(lambda ex, vocab: [i + len(vocab) for i in ex]),
                        batch_first=True)
    n = len(post.vocab)
    assert post.process([["a"]]).tolist() == [[post.vocab.stoi["a"] + n]]
    with pytest.raises(AttributeError, match="build_vocab"):
        data.Field().process([["a"]])


def test_label_field():
    label = data.LabelField()
    assert (label.sequential, label.unk_token, label.pad_token, label.is_target) == (False, None, None, True)
    label.build_vocab(["neg", "pos", "pos", "mid"])
    assert label.vocab.itos == ["pos", "mid", "neg"]
    out = label.process(["neg", "pos"])
    assert out.dtype == cltorch.int64 and out.tolist() == [2, 0]
    with pytest.raises(KeyError):
        label.process(["unseen"])
    as_float = data.LabelField(dtype=cltorch.float32)
    as_float.build_vocab(["b", "a"])
    assert as_float.process(["a", "b"]).tolist() == [0.0, 1.0]


def test_raw_field_and_field_pickle():
    raw = data.RawField(preprocessing=str.upper, postprocessing=lambda b: b[::-1])
    assert raw.preprocess("x") == "X" and raw.process([1, 2]) == [2, 1]
    field = _vocab_field(tokenize="basic_english", lower=True)
    back = pickle.loads(pickle.dumps(field))
    assert back == field and back.vocab == field.vocab and back.vocab.stoi["never-seen"] == 0
    assert back.tokenize("A,B") == ["a", ",", "b"]


def test_build_vocab_specials_order_and_sources():
    field = data.Field(init_token="<s>", eos_token="</s>")
    ds = data.Dataset([data.Example.fromlist(["x y x"], [("text", field)])], [("text", field)])
    field.build_vocab(ds, [["z"]], specials=["<mask>"])
    assert field.vocab.itos == ["<unk>", "<pad>", "<s>", "</s>", "<mask>", "x", "y", "z"]


# -- Example --------------------------------------------------------------------------
def test_example_constructors():
    text, label = data.Field(), data.LabelField()
    ex = data.Example.fromlist(["a b\n", "pos", "ignored"], [("text", text), ("label", label), ("id", None)])
    assert vars(ex) == {"text": ["a", "b"], "label": "pos"}
    ex = data.Example.fromdict({"t": "c d", "l": "neg"}, {"t": ("text", text), "l": ("label", label)})
    assert vars(ex) == {"text": ["c", "d"], "label": "neg"}
    with pytest.raises(ValueError, match="missing"):
        data.Example.fromdict({"t": "x"}, {"missing": ("m", text)})
    ex = data.Example.fromJSON(json.dumps({"a": {"b": "e f"}, "l": "pos"}),
                               {"a.b": [("text", text), ("copy", text)], "l": ("label", label)})
    assert vars(ex) == {"text": ["e", "f"], "copy": ["e", "f"], "label": "pos"}
    chars = data.Field(tokenize=list)
    ex = data.Example.fromlist(["ab c"], [(("words", "chars"), (text, chars))])
    assert vars(ex) == {"words": ["ab", "c"], "chars": ["a", "b", " ", "c"]}


def test_example_fromtree():
    text, label = data.Field(), data.Field(sequential=False)
    tree = "(3 (2 It) (4 (4 (2 's) (3 good)) (2 .)))"
    ex = data.Example.fromtree(tree, [("text", text), ("label", label)])
    assert vars(ex) == {"text": ["It", "'s", "good", "."], "label": "3"}
    subs = data.Example.fromtree(tree, [("text", text), ("label", label)], subtrees=True)
    assert [(e.label, len(e.text)) for e in subs] == [("3", 4), ("2", 1), ("4", 3), ("4", 2), ("2", 1), ("3", 1),
                                                      ("2", 1)]


def test_legacy_module_names():
    import cltorch.text as text
    from cltorch.text.legacy import datasets as legacy_datasets
    from cltorch.text.legacy.data import Field
    from cltorch.text.legacy.vocab import GloVe

    assert Field is data.Field and GloVe is text.vocab.GloVe and legacy_datasets.IMDB is text.datasets.IMDB
