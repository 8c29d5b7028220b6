"""cltorch.text.data: Dataset, TabularDataset (CSV/TSV/JSON) and Dataset.split."""
from __future__ import annotations

import json
import random
from collections import Counter

import pytest

import cltorch
from cltorch.text import data


def _fields():
    return data.Field(lower=True), data.LabelField()


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def table_dir(tmp_path):
    _write(tmp_path / "train.csv", 'text,label\nThe cat sat,pos\n"Hello, World",neg\na dog,pos\n')
    _write(tmp_path / "test.csv", "text,label\nthe end,neg\n")
    _write(tmp_path / "train.tsv", "id\ttext\tlabel\n1\tthe cat\tpos\n2\tsome, commas\tneg\n")
    lines = [{"review": {"body": "Great fun"}, "score": "pos", "id": 1},
             {"review": {"body": "so bad"}, "score": "neg", "id": 2}]
    _write(tmp_path / "train.json", "\n".join(json.dumps(x) for x in lines) + "\n\n")
    return tmp_path


def test_tabular_csv_splits_and_vars(table_dir):
    TEXT, LABEL = _fields()
    train, test = data.TabularDataset.splits(path=str(table_dir), train="train.csv", test="test.csv", format="csv",
                                             fields=[("text", TEXT), ("label", LABEL)], skip_header=True)
    assert len(train) == 3 and len(test) == 1
    assert vars(train[0]) == {"text": ["the", "cat", "sat"], "label": "pos"}
    assert vars(train[1]) == {"text": ["hello,", "world"], "label": "neg"}
    assert list(train.label) == ["pos", "neg", "pos"]
    assert set(train.fields) == {"text", "label"} and train.fields["text"] is TEXT
    assert [vars(ex) for ex in train][2]["text"] == ["a", "dog"]
    with pytest.raises(AttributeError):
        train.no_such_field


def test_tabular_tsv_with_ignored_column_and_header_dict(table_dir):
    TEXT, LABEL = _fields()
    ds = data.TabularDataset(str(table_dir / "train.tsv"), format="TSV",
                             fields=[("id", None), ("text", TEXT), ("label", LABEL)], skip_header=True)
    assert [vars(ex) for ex in ds] == [{"text": ["the", "cat"], "label": "pos"},
                                       {"text": ["some,", "commas"], "label": "neg"}]
    by_name = data.TabularDataset(str(table_dir / "train.tsv"), format="tsv",
                                  fields={"label": ("y", LABEL), "text": ("x", TEXT)})
    assert [vars(ex) for ex in by_name] == [{"y": "pos", "x": ["the", "cat"]}, {"y": "neg", "x": ["some,", "commas"]}]
    with pytest.raises(ValueError, match="skip_header"):
        data.TabularDataset(str(table_dir / "train.tsv"), format="tsv", fields={"text": ("x", TEXT)},
                            skip_header=True)
    with pytest.raises(ValueError, match="nope"):
        data.TabularDataset(str(table_dir / "train.tsv"), format="tsv", fields={"nope": ("x", TEXT)})


def test_tabular_json_nested_keys_and_filter(table_dir):
    TEXT, LABEL = _fields()
    ID = data.Field(sequential=False, use_vocab=False)
    ds = data.TabularDataset(str(table_dir / "train.json"), format="json",
                             fields={"review.body": [("text", TEXT), ("raw", data.RawField())],
                                     "score": ("label", LABEL), "id": ("id", ID)},
                             filter_pred=lambda ex: ex.label == "pos")
    assert len(ds) == 1
    assert vars(ds[0]) == {"text": ["great", "fun"], "raw": "Great fun", "label": "pos", "id": 1}
    assert set(ds.fields) == {"text", "raw", "label", "id"}
    with pytest.raises(ValueError, match="format"):
        data.TabularDataset(str(table_dir / "train.json"), format="xml", fields={})


def test_tabular_nested_field_tuples(table_dir):
    WORDS, CHARS, LABEL = data.Field(lower=True), data.Field(tokenize=list), data.LabelField()
    ds = data.TabularDataset(str(table_dir / "train.csv"), format="csv", skip_header=True,
                             fields=[(("words", "chars"), (WORDS, CHARS)), ("label", LABEL)])
    assert set(ds.fields) == {"words", "chars", "label"}
    assert ds[2].words == ["a", "dog"] and ds[2].chars == list("a dog")


def _labelled(n_pos, n_neg):
    TEXT, LABEL = _fields()
    fields = [("text", TEXT), ("label", LABEL)]
    rows = [(f"p{i}", "pos") for i in range(n_pos)] + [(f"n{i}", "neg") for i in range(n_neg)]
    return data.Dataset([data.Example.fromlist(list(r), fields) for r in rows], fields)


def test_split_ratios_and_order():
    ds = _labelled(6, 4)
    train, test = ds.split()  # 0.7 by default
    assert (len(train), len(test)) == (7, 3)
    train, valid, test = ds.split(split_ratio=[0.5, 0.3, 0.2])  # [train, test, valid] -> (train, valid, test)
    assert (len(train), len(valid), len(test)) == (5, 2, 3)
    train, test = ds.split(split_ratio=[3, 1])  # normalised
    assert (len(train), len(test)) == (8, 2)
    everything = Counter(ex.text[0] for part in ds.split(split_ratio=[0.4, 0.3, 0.3]) for ex in part)
    assert sorted(everything) == sorted(ex.text[0] for ex in ds) and set(everything.values()) == {1}
    with pytest.raises(AssertionError):
        ds.split(split_ratio=1.5)
    with pytest.raises(AssertionError):
        ds.split(split_ratio=[0.2, 0.2, 0.2, 0.4])
    with pytest.raises(ValueError):
        ds.split(split_ratio="half")


def test_split_stratified_keeps_class_balance():
    ds = _labelled(10, 20)
    train, test = ds.split(split_ratio=0.6, stratified=True, strata_field="label")
    assert Counter(ex.label for ex in train) == {"pos": 6, "neg": 12}
    assert Counter(ex.label for ex in test) == {"pos": 4, "neg": 8}
    with pytest.raises(ValueError, match="strata_field"):
        ds.split(stratified=True, strata_field="nope")


def test_split_random_state_and_manual_seed_reproduce():
    ds = _labelled(15, 15)

    def order(parts):
        return [[ex.text[0] for ex in p] for p in parts]

    state = random.Random(3).getstate()
    assert order(ds.split(random_state=state)) == order(ds.split(random_state=state))
    assert order(ds.split(random_state=7)) == order(ds.split(random_state=7))
    cltorch.manual_seed(11)
    first = order(ds.split())
    cltorch.manual_seed(11)
    assert order(ds.split()) == first
    cltorch.manual_seed(12)
    assert order(ds.split()) != first


def test_split_carries_sort_key_and_fields():
    ds = _labelled(5, 5)
    ds.sort_key = lambda ex: len(ex.text)
    train, test = ds.split(0.5)
    assert train.sort_key is ds.sort_key and test.fields is not ds.fields and test.fields == ds.fields
