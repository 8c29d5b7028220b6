"""cltorch.text.vocab: Vocab ordering and lookups, Vectors files (GloVe/word2vec text and binary), caching,
GloVe/FastText/CharNGram lookup in the cache folder, offline errors, and use with nn.Embedding."""
from __future__ import annotations

import io
import os
import pickle
import struct
import zipfile
from collections import Counter

import numpy as np
import pytest

import cltorch
from cltorch import nn
from cltorch.text import _download, data, vocab

WORDS = ["the", "cat", "sat", "on", "mat", "dog"]


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """No test reaches the network: every fetch fails as it would offline."""
    def fail(url, timeout=30.0):
        raise OSError(f"network disabled in tests ({url})")
    monkeypatch.setattr(_download, "fetch_url", fail)


def _table(n=len(WORDS), dim=4, seed=0):
    return np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)


def _write_text(path, words, arr, header=False):
    lines = [f"{len(words)} {arr.shape[1]}"] if header else []
    lines += [w + " " + " ".join(repr(float(x)) for x in row) for w, row in zip(words, arr)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _write_w2v_binary(path, words, arr):
    out = io.BytesIO()
    out.write(f"{len(words)} {arr.shape[1]}\n".encode())
    for w, row in zip(words, arr):
        out.write(w.encode("utf-8") + b" " + struct.pack(f"<{arr.shape[1]}f", *row) + b"\n")
    path.write_bytes(out.getvalue())
    return path


# -- Vocab ------------------------------------------------------------------------------
def test_vocab_order_specials_min_freq_max_size():
    c = Counter({"hello": 4, "world": 3, "ᑌᑎIᑕOᗪᕮ_Tᕮ᙭T": 5, "freq_too_low": 2, "apple": 3})
    v = vocab.Vocab(c, min_freq=3, specials=["<unk>", "<pad>", "<bos>"])
    assert v.itos == ["<unk>", "<pad>", "<bos>", "ᑌᑎIᑕOᗪᕮ_Tᕮ᙭T", "hello", "apple", "world"]
    assert len(v) == 7 and v.stoi["world"] == 6 and v.stoi["never"] == 0 and v["never"] == 0
    assert v.freqs is c and v.freqs.most_common(1) == [("ᑌᑎIᑕOᗪᕮ_Tᕮ᙭T", 5)]
    small = vocab.Vocab(c, max_size=2)
    assert small.itos == ["<unk>", "<pad>", "ᑌᑎIᑕOᗪᕮ_Tᕮ᙭T", "hello"]
    last = vocab.Vocab(c, max_size=1, specials_first=False)
    assert last.itos == ["ᑌᑎIᑕOᗪᕮ_Tᕮ᙭T", "<unk>", "<pad>"] and last.stoi["nope"] == 1
    no_unk = vocab.Vocab(c, specials=["<pad>"])
    with pytest.raises(KeyError):
        no_unk.stoi["nope"]
    assert no_unk["nope"] is None


def test_vocab_specials_not_counted_extend_eq_pickle():
    v = vocab.Vocab(Counter({"<pad>": 10, "b": 2, "a": 2, "c": 1}))
    assert v.itos == ["<unk>", "<pad>", "a", "b", "c"]
    assert v.lookup_indices(["a", "zz", "c"]) == [2, 0, 4]
    other = vocab.Vocab(Counter({"a": 1, "x": 1}))
    v.extend(other)
    assert v.itos[-1] == "x" and v.stoi["x"] == 5
    back = pickle.loads(pickle.dumps(v))
    assert back == v and back.stoi["unseen"] == 0
    assert v != other


def test_field_vocab_most_common_and_unk():
    TEXT = data.Field()
    fields = [("text", TEXT)]
    ds = data.Dataset([data.Example.fromlist([s], fields) for s in ["a b a", "c a b", "d"]], fields)
    TEXT.build_vocab(ds, max_size=2)
    assert TEXT.vocab.itos == ["<unk>", "<pad>", "a", "b"]
    assert TEXT.vocab.freqs.most_common() == [("a", 3), ("b", 2), ("c", 1), ("d", 1)]
    assert TEXT.vocab.stoi["c"] == 0
    TEXT.build_vocab(ds, min_freq=2)
    assert TEXT.vocab.itos == ["<unk>", "<pad>", "a", "b"]


# -- vector files -----------------------------------------------------------------------
def _check_alignment(vec_obj, words, arr):
    for w, row in zip(words, arr):
        np.testing.assert_allclose(vec_obj[w].numpy(), row, rtol=1e-6)
    np.testing.assert_allclose(vec_obj.vectors.numpy(), arr, rtol=1e-6)
    assert vec_obj.vectors.dtype == cltorch.float32


@pytest.mark.parametrize("kind", ["glove", "w2v_text", "w2v_binary", "gzip"])
def test_vectors_file_formats(tmp_path, kind):
    arr = _table()
    if kind == "w2v_binary":
        path = _write_w2v_binary(tmp_path / "vecs.bin", WORDS, arr)
    else:
        path = _write_text(tmp_path / "vecs.txt", WORDS, arr, header=kind == "w2v_text")
        if kind == "gzip":
            import gzip
            gz = tmp_path / "vecs.txt.gz"
            gz.write_bytes(gzip.compress(path.read_bytes()))
            path = gz
    v = vocab.Vectors(name=str(path), cache=str(tmp_path / "cache"))
    assert v.itos == WORDS and v.dim == 4 and len(v) == 6 and v.stoi["mat"] == 4
    _check_alignment(v, WORDS, arr)
    assert v["unknown"].tolist() == [0.0] * 4


def test_vectors_irregular_text_lines(tmp_path):
    path = tmp_path / "odd.txt"
    path.write_text("a 1 2\r\nnew york 3 4 \n\nb 5 6\n", encoding="utf-8")
    v = vocab.Vectors(str(path), cache=str(tmp_path))
    assert v.itos == ["a", "new york", "b"]
    np.testing.assert_array_equal(v.vectors.numpy(), [[1, 2], [3, 4], [5, 6]])
    bad = tmp_path / "bad.txt"
    bad.write_text("a 1 2 3\nb 1 2\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="dimensions"):
        vocab.Vectors(str(bad), cache=str(tmp_path))


def test_vectors_cache_is_written_reused_and_refreshed(tmp_path):
    arr = _table()
    src = _write_text(tmp_path / "v.txt", WORDS, arr)
    cache = tmp_path / "cache"
    vocab.Vectors(str(src), cache=str(cache))
    assert sorted(os.listdir(cache)) == ["v.txt.itos.json", "v.txt.npy"]
    old = os.path.getmtime(cache / "v.txt.npy") - 100
    _write_text(src, WORDS, arr + 1)  # changed on disk but older than the cache: the cache wins
    os.utime(src, (old, old))
    np.testing.assert_allclose(vocab.Vectors(str(src), cache=str(cache)).vectors.numpy(), arr, rtol=1e-6)
    os.utime(src, None)
    future = os.path.getmtime(cache / "v.txt.npy") + 100
    os.utime(src, (future, future))  # newer than the cache: parsed again
    np.testing.assert_allclose(vocab.Vectors(str(src), cache=str(cache)).vectors.numpy(), arr + 1, rtol=1e-6)
    limited = vocab.Vectors(str(src), cache=str(cache), max_vectors=2)
    assert limited.itos == WORDS[:2] and os.path.isfile(cache / "v.txt_2.npy")
    assert not [f for f in os.listdir(cache) if f.endswith(".part")]


def test_build_vocab_vectors_aligned_with_itos(tmp_path):
    arr = _table()
    vecs = vocab.Vectors(str(_write_text(tmp_path / "v.txt", WORDS, arr)), cache=str(tmp_path))
    TEXT = data.Field()
    fields = [("text", TEXT)]
    ds = data.Dataset([data.Example.fromlist(["the cat sat on the zebra"], fields)], fields)
    TEXT.build_vocab(ds, vectors=vecs)
    v = TEXT.vocab
    assert v.vectors.shape == (len(v), 4) and v.vectors.dtype == cltorch.float32
    got = v.vectors.numpy()
    for w in ["the", "cat", "sat", "on"]:
        np.testing.assert_allclose(got[v.stoi[w]], arr[WORDS.index(w)], rtol=1e-6)
    for w in ["<unk>", "<pad>", "zebra"]:
        assert not got[v.stoi[w]].any()
    TEXT.build_vocab(ds, vectors=[vecs, vecs], unk_init=cltorch.Tensor.normal_)
    got = TEXT.vocab.vectors.numpy()
    assert got.shape == (len(v), 8)
    np.testing.assert_allclose(got[v.stoi["cat"]], np.concatenate([arr[1], arr[1]]), rtol=1e-6)
    assert np.abs(got[v.stoi["zebra"]]).sum() > 0 and np.abs(got[v.stoi["<pad>"]]).sum() > 0


def test_unk_init_for_one_dimensional_functions(tmp_path):
    vecs = vocab.Vectors(str(_write_text(tmp_path / "v.txt", WORDS, _table())), cache=str(tmp_path),
                         unk_init=lambda t: cltorch.full((t.shape[-1],), 7.0))
    v = vocab.Vocab(Counter({"cat": 2, "zebra": 1}), vectors=vecs)
    got = v.vectors.numpy()
    assert (got[v.stoi["zebra"]] == 7).all() and (got[v.stoi["<unk>"]] == 7).all()
    assert vecs["zebra"].tolist() == [7.0] * 4
    batch = vecs.get_vecs_by_tokens(["cat", "zebra", "DOG"], lower_case_backup=True)
    np.testing.assert_allclose(batch.numpy()[[0, 2]], _table()[[1, 5]], rtol=1e-6)
    assert (batch.numpy()[1] == 7).all()


def test_set_vectors_and_load_vectors(tmp_path):
    v = vocab.Vocab(Counter({"a": 3, "b": 2, "c": 1}))
    table = np.arange(6, dtype=np.float32).reshape(3, 2)
    v.set_vectors({"b": 0, "c": 2}, cltorch.tensor(table), 2)
    np.testing.assert_array_equal(v.vectors.numpy(), [[0, 0], [0, 0], [0, 0], [0, 1], [4, 5]])
    v.set_vectors({"a": 1}, table, 2, unk_init=lambda t: t.fill_(-1))
    np.testing.assert_array_equal(v.vectors.numpy()[2], [2, 3])
    assert (v.vectors.numpy()[[0, 1, 3, 4]] == -1).all()
    v.set_vectors({"a": 0}, [cltorch.tensor([9.0, 8.0])], 2)
    np.testing.assert_array_equal(v.vectors.numpy()[2], [9, 8])
    vecs = vocab.Vectors(str(_write_text(tmp_path / "v.txt", ["a", "c"], table[:2])), cache=str(tmp_path))
    v.load_vectors(vecs)
    np.testing.assert_array_equal(v.vectors.numpy()[[2, 4]], table[:2])
    with pytest.raises(ValueError, match="allowed pretrained"):
        v.load_vectors("glove.7B.3d")
    with pytest.raises(ValueError, match="expected str or Vectors"):
        v.load_vectors(object())


def test_vectors_plug_into_embedding(tmp_path):
    arr = _table()
    vecs = vocab.Vectors(str(_write_text(tmp_path / "v.txt", WORDS, arr)), cache=str(tmp_path))
    TEXT = data.Field(batch_first=True)
    fields = [("text", TEXT)]
    ds = data.Dataset([data.Example.fromlist(["the dog sat"], fields)], fields)
    TEXT.build_vocab(ds, vectors=vecs)
    emb = nn.Embedding.from_pretrained(TEXT.vocab.vectors)
    batch = TEXT.process([["dog", "the"]])
    np.testing.assert_allclose(emb(batch).numpy()[0], arr[[5, 0]], rtol=1e-6)

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(len(TEXT.vocab), 4)

    model = Model()
    model.embedding.weight.data.copy_(TEXT.vocab.vectors)
    np.testing.assert_allclose(model.embedding.weight.detach().numpy(), TEXT.vocab.vectors.numpy())


# -- named vectors in the cache folder ------------------------------------------------
def test_glove_from_cache_folder_and_from_zip(tmp_path):
    arr = _table(dim=3)
    cache = tmp_path / "vc"
    cache.mkdir()
    _write_text(cache / "glove.6B.50d.txt", WORDS, arr)
    g = vocab.GloVe(name="6B", dim=50, cache=str(cache))
    _check_alignment(g, WORDS, arr)
    assert vocab.Glove is vocab.GloVe
    zipped = tmp_path / "vz"
    zipped.mkdir()
    with zipfile.ZipFile(zipped / "glove.6B.zip", "w") as z:
        z.writestr("glove.6B.100d.txt", (cache / "glove.6B.50d.txt").read_text())
        z.writestr("glove.6B.200d.txt", "x 1\n")
    g = vocab.GloVe(name="6B", dim=100, cache=str(zipped))
    _check_alignment(g, WORDS, arr)
    assert sorted(os.listdir(zipped)) == ["glove.6B.100d.txt", "glove.6B.100d.txt.itos.json",
                                          "glove.6B.100d.txt.npy", "glove.6B.zip"]
    TEXT = data.Field()
    fields = [("text", TEXT)]
    TEXT.build_vocab(data.Dataset([data.Example.fromlist(["cat"], fields)], fields), vectors="glove.6B.100d",
                     vectors_cache=str(zipped))
    np.testing.assert_allclose(TEXT.vocab.vectors.numpy()[2], arr[1], rtol=1e-6)


def test_glove_offline_names_the_file_and_folder(tmp_path):
    cache = tmp_path / "nothing" / ".vector_cache"
    with pytest.raises(RuntimeError) as err:
        vocab.GloVe(name="6B", dim=100, cache=str(cache))
    msg = str(err.value)
    assert "glove.6B.100d.txt" in msg and "glove.6B.zip" in msg and str(cache) in msg
    assert not (tmp_path / "nothing").exists()  # no folder, no partial file left behind
    with pytest.raises(ValueError, match="840B"):
        vocab.GloVe(name="7B")
    with pytest.raises(RuntimeError, match="no vectors found"):
        vocab.Vectors("missing.txt", cache=str(tmp_path))


def test_glove_download_path_with_a_served_archive(tmp_path, monkeypatch):
    blob = io.BytesIO()
    with zipfile.ZipFile(blob, "w") as z:
        z.writestr("glove.twitter.27B.25d.txt", "hi 1 2\nyo 3 4\n")
    monkeypatch.setattr(_download, "fetch_url", lambda url, timeout=30.0: io.BytesIO(blob.getvalue()))
    g = vocab.GloVe(name="twitter.27B", dim=25, cache=str(tmp_path))
    assert g.itos == ["hi", "yo"] and g["yo"].tolist() == [3.0, 4.0]


def test_fasttext_and_charngram(tmp_path):
    arr = _table(dim=2)
    _write_text(tmp_path / "wiki.simple.vec", WORDS, arr, header=True)
    ft = vocab.FastText(language="simple", cache=str(tmp_path))
    _check_alignment(ft, WORDS, arr)
    grams = {"2gram-#BEGIN#a": [1.0, 0.0], "2gram-ab": [0.0, 1.0], "3gram-#BEGIN#ab": [2.0, 2.0],
             "2gram-b#END#": [4.0, 4.0]}
    (tmp_path / "charNgram.txt").write_text("".join(f"{k} {v[0]} {v[1]}\n" for k, v in grams.items()))
    cg = vocab.CharNGram(cache=str(tmp_path))
    np.testing.assert_allclose(cg["ab"].numpy(), np.mean(list(grams.values()), axis=0))
    assert cg["zz"].tolist() == [0.0, 0.0]
    v = vocab.Vocab(Counter({"ab": 1, "zz": 1}), vectors=cg)
    np.testing.assert_allclose(v.vectors.numpy()[v.stoi["ab"]], np.mean(list(grams.values()), axis=0))
    with pytest.raises(RuntimeError, match="wiki.de.vec"):
        vocab.FastText(language="de", cache=str(tmp_path))


def test_default_vector_cache_in_working_folder(tmp_path, monkeypatch):
    """vocab.Vectors(name=file) and vocab.GloVe(name='6B', dim=100) as tutorials write them (cache '.vector_cache')."""
    monkeypatch.chdir(tmp_path)
    arr = _table()
    _write_text(tmp_path / "w2v.txt", WORDS, arr, header=True)
    w2v = vocab.Vectors(name="w2v.txt")
    _check_alignment(w2v, WORDS, arr)
    assert sorted(os.listdir(tmp_path / ".vector_cache")) == ["w2v.txt.itos.json", "w2v.txt.npy"]
    with pytest.raises(RuntimeError) as err:
        vocab.GloVe(name="6B", dim=100)
    assert "glove.6B.100d.txt" in str(err.value) and str(tmp_path / ".vector_cache") in str(err.value)
    _write_text(tmp_path / ".vector_cache" / "glove.6B.100d.txt", WORDS, arr)
    TEXT = data.Field()
    fields = [("text", TEXT)]
    TEXT.build_vocab(data.Dataset([data.Example.fromlist(["dog cat"], fields)], fields),
                     vectors=vocab.GloVe(name="6B", dim=100), min_freq=1, max_size=10)
    np.testing.assert_allclose(TEXT.vocab.vectors.numpy()[TEXT.vocab.stoi["dog"]], arr[5], rtol=1e-6)


def test_vectors_replaced_by_a_device_tensor(tmp_path):
    vecs = vocab.Vectors(str(_write_text(tmp_path / "v.txt", WORDS, _table())), cache=str(tmp_path))
    vecs.vectors = cltorch.arange(12, dtype=cltorch.float32).reshape(6, 2) * 2  # e.g. fine-tuned on the device
    vecs.dim = 2
    v = vocab.Vocab(Counter({"mat": 2, "the": 1, "zebra": 1}), vectors=[vecs, vecs])
    got = v.vectors.numpy()
    np.testing.assert_array_equal(got[v.stoi["mat"]], [16, 18, 16, 18])
    np.testing.assert_array_equal(got[v.stoi["the"]], [0, 2, 0, 2])
    assert not got[v.stoi["zebra"]].any()
    np.testing.assert_array_equal(vecs["on"].numpy(), [12, 14])
