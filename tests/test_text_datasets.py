"""cltorch.text.datasets: IMDB, TREC, SST, Multi30k / TranslationDataset from their folder layouts; offline."""
from __future__ import annotations

import io
import os
import tarfile

import pytest

from cltorch.text import _download, data, datasets

REVIEWS = {
    ("train", "pos"): ["A great film.", "Loved it, really"],
    ("train", "neg"): ["Awful.<br />Just awful", "boring"],
    ("test", "pos"): ["superb acting"],
    ("test", "neg"): ["bad bad bad movie"],
}


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """No test reaches the network: every fetch fails as it would offline."""
    def fail(url, timeout=30.0):
        raise OSError(f"network disabled in tests ({url})")
    monkeypatch.setattr(_download, "fetch_url", fail)


def _imdb_tree(folder):
    for (split, label), texts in REVIEWS.items():
        d = folder / split / label
        d.mkdir(parents=True, exist_ok=True)
        for i, text in enumerate(texts):
            (d / f"{i}_{7 if label == 'pos' else 2}.txt").write_text(text, encoding="utf-8")


def test_imdb_splits_from_root(tmp_path):
    _imdb_tree(tmp_path / "imdb" / "aclImdb")
    TEXT, LABEL = data.Field(tokenize="basic_english"), data.LabelField()
    train, test = datasets.IMDB.splits(TEXT, LABEL, root=str(tmp_path))
    assert (len(train), len(test)) == (4, 2)
    assert vars(train[0]) == {"text": ["a", "great", "film", "."], "label": "pos"}
    assert sorted(vars(ex)["label"] for ex in train) == ["neg", "neg", "pos", "pos"]
    assert datasets.IMDB.sort_key(train[2]) == len(train[2].text)
    TEXT.build_vocab(train)
    LABEL.build_vocab(train)
    assert TEXT.vocab.freqs["awful"] == 2 and "<br" not in TEXT.vocab.stoi
    train_it, test_it = data.BucketIterator.splits((train, test), batch_size=3)
    batch = next(iter(test_it))  # evaluation: sorted, longest first within the batch
    assert batch.text.shape == (4, 2) and batch.label.tolist() == [LABEL.vocab.stoi["neg"], LABEL.vocab.stoi["pos"]]


def test_imdb_offline_error_names_archive_and_folder(tmp_path):
    with pytest.raises(RuntimeError) as err:
        datasets.IMDB.splits(data.Field(), data.LabelField(), root=str(tmp_path / "data"))
    msg = str(err.value)
    assert "aclImdb_v1.tar.gz" in msg and os.path.join(str(tmp_path / "data"), "imdb") in msg and "aclImdb" in msg
    assert not (tmp_path / "data").exists()


def _tar_gz(files: dict) -> bytes:
    blob = io.BytesIO()
    with tarfile.open(fileobj=blob, mode="w:gz") as tar:
        for name, text in files.items():
            raw = text.encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    return blob.getvalue()


def test_imdb_fetch_unpacks_served_archive(tmp_path, monkeypatch):
    files = {f"aclImdb/{s}/{lab}/{i}_1.txt": t for (s, lab), texts in REVIEWS.items() for i, t in enumerate(texts)}
    blob = _tar_gz(files)
    monkeypatch.setattr(_download, "fetch_url", lambda url, timeout=30.0: io.BytesIO(blob))
    train, test = datasets.IMDB.splits(data.Field(), data.LabelField(), root=str(tmp_path))
    assert (len(train), len(test)) == (4, 2)
    folder = tmp_path / "imdb"
    assert sorted(os.listdir(folder)) == ["aclImdb", "aclImdb_v1.tar.gz"]


def test_trec_coarse_and_fine(tmp_path):
    folder = tmp_path / "trec"
    folder.mkdir()
    (folder / "train_5500.label").write_bytes(b"DESC:manner How did serfdom develop ?\n"
                                              b"LOC:city What city had a world fair in 1900 ?\n"
                                              b"HUM:ind Who was the \xf0 first man ?\n")
    (folder / "TREC_10.label").write_bytes(b"NUM:date When was Ozzy born ?\n")
    TEXT, LABEL = data.Field(lower=True), data.LabelField()
    train, test = datasets.TREC.splits(TEXT, LABEL, root=str(tmp_path))
    assert [ex.label for ex in train] == ["DESC", "LOC", "HUM"]
    assert train[0].text == ["how", "did", "serfdom", "develop", "?"] and train[2].text[3] == "first"
    assert vars(test[0]) == {"text": ["when", "was", "ozzy", "born", "?"], "label": "NUM"}
    fine, = datasets.TREC.splits(TEXT, data.LabelField(), root=str(tmp_path), test=None, fine_grained=True)
    assert [ex.label for ex in fine] == ["DESC:manner", "LOC:city", "HUM:ind"]


def test_sst_trees(tmp_path):
    trees = tmp_path / "sst" / "trees"
    trees.mkdir(parents=True)
    (trees / "train.txt").write_text("(3 (2 It) (4 (3 works) (2 .)))\n(0 (1 Dull) (2 .))\n", encoding="utf-8")
    (trees / "dev.txt").write_text("(2 (2 Fine))\n", encoding="utf-8")
    (trees / "test.txt").write_text("(4 (4 Superb))\n", encoding="utf-8")
    TEXT, LABEL = data.Field(), data.LabelField()
    train, dev, test = datasets.SST.splits(TEXT, LABEL, root=str(tmp_path))
    assert [vars(ex) for ex in train] == [{"text": ["It", "works", "."], "label": "positive"},
                                          {"text": ["Dull", "."], "label": "negative"}]
    assert dev[0].label == "neutral" and test[0].label == "positive"
    LABEL = data.LabelField()
    sub, = datasets.SST.splits(TEXT, LABEL, root=str(tmp_path), validation=None, test=None, train_subtrees=True,
                               fine_grained=True)
    assert len(sub) == 8 and sub[0].label == "positive" and sub[1].label == "neutral"
    assert sub[5].label == "very negative"


def test_multi30k_and_translation_dataset(tmp_path):
    folder = tmp_path / "multi30k"
    folder.mkdir()
    pairs = {"train": [("ein hund", "a dog"), ("", "skipped"), ("zwei katzen laufen", "two cats run")],
             "val": [("hallo", "hello")], "test2016": [("ja", "yes")]}
    for split, rows in pairs.items():
        (folder / f"{split}.de").write_text("\n".join(r[0] for r in rows) + "\n", encoding="utf-8")
        (folder / f"{split}.en").write_text("\n".join(r[1] for r in rows) + "\n", encoding="utf-8")
    SRC, TRG = data.Field(init_token="<sos>", eos_token="<eos>"), data.Field(init_token="<sos>", eos_token="<eos>")
    train, valid, test = datasets.Multi30k.splits(exts=(".de", ".en"), fields=(SRC, TRG), root=str(tmp_path))
    assert (len(train), len(valid), len(test)) == (2, 1, 1)
    assert vars(train[1]) == {"src": ["zwei", "katzen", "laufen"], "trg": ["two", "cats", "run"]}
    assert train.sort_key(train[1]) == data.interleave_keys(3, 3)
    SRC.build_vocab(train)
    TRG.build_vocab(train)
    batch = next(iter(data.BucketIterator(train, batch_size=2, sort_within_batch=True)))
    assert batch.src.shape == (5, 2) and batch.trg.shape == (5, 2)
    assert [SRC.vocab.itos[i] for i in batch.src[:, 0].tolist()] == ["<sos>", "zwei", "katzen", "laufen", "<eos>"]
    named, = datasets.TranslationDataset.splits(exts=(".en", ".de"), fields=[("en", TRG), ("de", SRC)],
                                                path=str(folder), validation=None, test=None)
    assert vars(named[0]) == {"en": ["a", "dog"], "de": ["ein", "hund"]}
    with pytest.raises(FileNotFoundError, match="train.fr"):
        datasets.TranslationDataset(str(folder / "train"), exts=(".de", ".fr"), fields=(SRC, TRG))


def test_multi30k_offline_lists_each_archive(tmp_path):
    with pytest.raises(RuntimeError) as err:
        datasets.Multi30k.splits(exts=(".de", ".en"), fields=(data.Field(), data.Field()), root=str(tmp_path))
    msg = str(err.value)
    for archive in ("training.tar.gz", "validation.tar.gz", "mmt_task1_test2016.tar.gz"):
        assert archive in msg
    assert not (tmp_path / "multi30k").exists()


def test_interleave_keys():
    assert data.interleave_keys(0, 0) == 0
    assert data.interleave_keys(1, 0) == 2 and data.interleave_keys(0, 1) == 1
    assert data.interleave_keys(3, 1) == 0b1011
    assert data.interleave_keys(2, 2) < data.interleave_keys(2, 3) < data.interleave_keys(3, 2)
