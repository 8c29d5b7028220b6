"""Vocabularies (token <-> index) and pretrained word vectors: Vocab, Vectors, GloVe, FastText, CharNGram.

Vector files are decoded on the host (NumPy); ``Vocab.vectors`` is built on the host from
them and uploaded once as a float32 cltorch tensor. Words the vectors lack get ``unk_init``
(zeros by default) applied on the device.
"""
from __future__ import annotations

import os
from collections import Counter, defaultdict
from functools import partial

import numpy as np

import cltorch

from . import _download, _vector_files

__all__ = ["Vocab", "Vectors", "GloVe", "Glove", "FastText", "CharNGram", "pretrained_aliases",
           "build_vocab_from_iterator"]


def _is_zero_init(unk_init) -> bool:
    return unk_init is None or unk_init is cltorch.Tensor.zero_


def _apply_unk_init(unk_init, rows: int, dim: int):
    """unk_init applied to a (rows, dim) zero block; per row (1-D, as torchtext calls it) if it needs that."""
    block = unk_init(cltorch.zeros(rows, dim))
    if isinstance(block, cltorch.Tensor) and tuple(block.shape) == (rows, dim):
        return block
    return cltorch.stack([unk_init(cltorch.zeros(dim)) for _ in range(rows)])


def _fill_missing(mat, missing: np.ndarray, start: int, end: int, unk_init) -> None:
    """Rows `missing` of mat[:, start:end] set to unk_init's values (a device index_put)."""
    if _is_zero_init(unk_init) or missing.size == 0:
        return
    block = _apply_unk_init(unk_init, int(missing.size), end - start)
    idx = cltorch.tensor(missing.astype(np.int64), device=mat.device)
    with cltorch.no_grad():
        if start == 0 and end == mat.shape[1]:
            mat[idx] = block.to(mat.device)
        else:
            mat[idx, start:end] = block.to(mat.device)


class Vocab:
    """Tokens counted in data, ordered specials first, then by frequency (ties alphabetically)."""

    UNK = "<unk>"

    def __init__(self, counter: Counter, max_size=None, min_freq: int = 1, specials=("<unk>", "<pad>"),
                 vectors=None, unk_init=None, vectors_cache=None, specials_first: bool = True):
        self.freqs = counter
        counter = counter.copy()
        min_freq = max(min_freq, 1)
        specials = list(specials)
        self.itos = list(specials) if specials_first else []
        if specials_first and max_size is not None:
            max_size += len(specials)  # max_size counts the non-special tokens
        for tok in specials:
            del counter[tok]
        ranked = sorted(counter.items(), key=lambda kv: kv[0])
        ranked.sort(key=lambda kv: kv[1], reverse=True)
        for word, freq in ranked:
            if freq < min_freq or len(self.itos) == max_size:
                break
            self.itos.append(word)
        self.unk_index = None
        if Vocab.UNK in specials:
            pos = specials.index(Vocab.UNK)
            self.unk_index = pos if specials_first else len(self.itos) + pos
            self.stoi = defaultdict(self._default_unk_index)
        else:
            self.stoi = defaultdict()
        if not specials_first:
            self.itos.extend(specials)
        self.stoi.update({tok: i for i, tok in enumerate(self.itos)})
        self.vectors = None
        if vectors is not None:
            self.load_vectors(vectors, unk_init=unk_init, cache=vectors_cache)

    def _default_unk_index(self):
        return self.unk_index

    def __getitem__(self, token) -> int:
        return self.stoi.get(token, self.stoi.get(Vocab.UNK))

    def __getstate__(self):
        state = dict(self.__dict__)
        state["stoi"] = dict(self.stoi)
        return state

    def __setstate__(self, state):
        stoi = defaultdict() if state.get("unk_index") is None else defaultdict(self._default_unk_index)
        stoi.update(state["stoi"])
        state["stoi"] = stoi
        self.__dict__.update(state)

    def __eq__(self, other) -> bool:
        if not isinstance(other, Vocab):
            return False
        if self.freqs != other.freqs or dict(self.stoi) != dict(other.stoi) or self.itos != other.itos:
            return False
        if self.vectors is None or other.vectors is None:
            return self.vectors is None and other.vectors is None
        return tuple(self.vectors.shape) == tuple(other.vectors.shape) and cltorch.equal(
            self.vectors, other.vectors.to(self.vectors.device))

    __hash__ = None

    def __len__(self) -> int:
        return len(self.itos)

    def lookup_indices(self, tokens) -> list:
        """Indices of tokens (unknown ones map to <unk>)."""
        return [self[token] for token in tokens]

    def get_itos(self) -> list:
        """The index -> token list."""
        return self.itos

    def get_stoi(self) -> dict:
        """The token -> index mapping."""
        return self.stoi

    def extend(self, v: "Vocab", sort: bool = False) -> None:
        """Append v's tokens that this vocabulary lacks."""
        for w in (sorted(v.itos) if sort else v.itos):
            if w not in self.stoi:
                self.itos.append(w)
                self.stoi[w] = len(self.itos) - 1

    def load_vectors(self, vectors, unk_init=None, cache=None, **kwargs) -> None:
        """Set ``self.vectors`` from Vectors objects or alias names ('glove.6B.100d'), concatenated in order.

        Tokens a vector set lacks get unk_init (when given, else that set's own unk_init; zeros by default).
        """
        vectors = list(vectors) if isinstance(vectors, (list, tuple)) else [vectors]
        for i, vector in enumerate(vectors):
            if isinstance(vector, str):
                if vector not in pretrained_aliases:
                    raise ValueError(f"Got string input vector {vector}, but allowed pretrained vectors are "
                                     f"{list(pretrained_aliases.keys())}")
                vectors[i] = pretrained_aliases[vector](cache=cache, unk_init=unk_init, **kwargs)
            elif not isinstance(vector, Vectors):
                raise ValueError(f"Got input vectors of type {type(vector)}, expected str or Vectors object")
        tokens = [tok.strip() if isinstance(tok, str) else tok for tok in self.itos]
        total = sum(v.dim for v in vectors)
        host = np.zeros((len(self.itos), total), dtype=np.float32)
        missing, on_device, start = [], [], 0
        for v in vectors:
            if v._array is None and type(v)._host_rows is Vectors._host_rows:
                # vectors replaced by a device tensor: gather its rows on the device below
                idx = np.array([v.stoi.get(t, -1) for t in tokens], dtype=np.int64)
                found = idx >= 0
                on_device.append((np.flatnonzero(found), idx[found], start, start + v.dim, v.vectors))
            else:
                rows, found = v._host_rows(tokens)
                host[found, start:start + v.dim] = rows[found]
            missing.append((np.flatnonzero(~found), start, start + v.dim, v.unk_init if unk_init is None else unk_init))
            start += v.dim
        mat = cltorch.tensor(host)
        for pos, src_idx, lo, hi, src in on_device:
            if pos.size:
                rows = src.detach()[cltorch.tensor(src_idx, device=src.device)].to(device=mat.device,
                                                                                   dtype=cltorch.float32)
                with cltorch.no_grad():
                    mat[cltorch.tensor(pos), lo:hi] = rows
        for miss, lo, hi, init in missing:
            _fill_missing(mat, miss, lo, hi, init)
        self.vectors = mat

    def set_vectors(self, stoi, vectors, dim: int, unk_init=None) -> None:
        """``self.vectors`` from vectors (a tensor, array or list of rows) indexed by stoi[token]."""
        positions, sources = [], []
        for i, token in enumerate(self.itos):
            j = stoi.get(token, None)
            if j is not None:
                positions.append(i)
                sources.append(j)
        pos = np.asarray(positions, dtype=np.int64)
        found = np.zeros(len(self.itos), dtype=bool)
        found[pos] = True
        if isinstance(vectors, (list, tuple)) and vectors and isinstance(vectors[0], cltorch.Tensor):
            vectors = cltorch.stack(list(vectors))
        if isinstance(vectors, cltorch.Tensor):
            mat = cltorch.zeros(len(self.itos), dim, device=vectors.device)
            if pos.size:
                with cltorch.no_grad():
                    src = vectors.detach()[cltorch.tensor(np.asarray(sources, dtype=np.int64), device=vectors.device)]
                    mat[cltorch.tensor(pos, device=vectors.device)] = src.to(cltorch.float32).reshape(-1, dim)
        else:
            host = np.zeros((len(self.itos), dim), dtype=np.float32)
            if pos.size:
                host[pos] = np.asarray(vectors, dtype=np.float32)[np.asarray(sources)].reshape(-1, dim)
            mat = cltorch.tensor(host)
        _fill_missing(mat, np.flatnonzero(~found), 0, dim, unk_init)
        self.vectors = mat


def build_vocab_from_iterator(iterator, num_lines=None, **kwargs) -> Vocab:
    """A Vocab over the tokens of an iterator of token lists (kwargs go to Vocab)."""
    counter = Counter()
    for tokens in iterator:
        counter.update(tokens)
    return Vocab(counter, **kwargs)


class Vectors:
    """Pretrained word vectors from a file: ``stoi``, ``itos``, ``dim``, ``vectors`` and ``vectors[token]``.

    name is a path, or a file name looked up in cache (default '.vector_cache'). The file is
    GloVe/word2vec text (a "N D" first line is recognised as a header), optionally gzipped, or
    word2vec binary. A fast reload cache (.npy + word list) is written in cache beside it.
    """

    def __init__(self, name, cache=None, url=None, unk_init=None, max_vectors=None):
        cache = ".vector_cache" if cache is None else cache
        self.itos = None
        self.stoi = None
        self.dim = None
        self._array = None
        self._tensor = None
        self.unk_init = cltorch.Tensor.zero_ if unk_init is None else unk_init
        self.cache(name, cache, url=url, max_vectors=max_vectors)

    @property
    def vectors(self):
        """All vectors as a (len(itos), dim) float32 tensor (uploaded on first use)."""
        if self._tensor is None:
            self._tensor = cltorch.tensor(self._array)
        return self._tensor

    @vectors.setter
    def vectors(self, value) -> None:
        self._tensor = value
        if value is not None:
            self._array = None

    def _host_array(self) -> np.ndarray:
        if self._array is None:
            self._array = self._tensor.numpy()
        return self._array

    def __getitem__(self, token):
        if token in self.stoi:
            i = self.stoi[token]
            return self._tensor[i] if self._tensor is not None else cltorch.tensor(self._array[i])
        return self.unk_init(cltorch.zeros(self.dim))

    def __len__(self) -> int:
        return len(self.itos)

    def _host_rows(self, tokens) -> tuple:
        """(rows, found): each token's vector as a host array row and whether the file has it."""
        idx = np.array([self.stoi.get(t, -1) for t in tokens], dtype=np.int64)
        found = idx >= 0
        rows = np.zeros((len(tokens), self.dim), dtype=np.float32)
        rows[found] = self._host_array()[idx[found]]
        return rows, found

    def get_vecs_by_tokens(self, tokens, lower_case_backup: bool = False):
        """A (len(tokens), dim) tensor of their vectors (a lone token gives a (dim,) tensor)."""
        single = isinstance(tokens, str)
        tokens = [tokens] if single else list(tokens)
        if lower_case_backup:
            tokens = [t if t in self.stoi else t.lower() for t in tokens]
        rows, found = self._host_rows(tokens)
        mat = cltorch.tensor(rows)
        _fill_missing(mat, np.flatnonzero(~found), 0, self.dim, self.unk_init)
        return mat[0] if single else mat

    def cache(self, name, cache, url=None, max_vectors=None) -> None:
        """Load from the reload cache, else parse the file (fetching it from url when absent) and cache it."""
        suffix = f"_{max_vectors}" if max_vectors else ""
        if os.path.isfile(name):
            path = name
            prefix = os.path.join(cache, os.path.basename(name)) + suffix
        else:
            path = os.path.join(cache, name)
            prefix = path + suffix
        loaded = _vector_files.load_cache(prefix, source=path)
        if loaded is None:
            if not os.path.isfile(path):
                self._obtain(path, cache, url)
            loaded = _vector_files.read_vectors(path, max_vectors)
            _vector_files.save_cache(prefix, *loaded)
        self.itos, self._array = loaded
        self._tensor = None
        self.stoi = {word: i for i, word in enumerate(self.itos)}
        self.dim = int(self._array.shape[1]) if self._array.ndim == 2 else 0

    def _obtain(self, path: str, cache: str, url) -> None:
        """Put the vectors file at path: unpack it from an archive in cache, or download it; else explain."""
        folder = os.path.abspath(cache)
        name = os.path.basename(path)
        if not url:
            raise RuntimeError(f"no vectors found at {path}: place the vectors file {name} in {folder} "
                               f"(or pass its path as name)")
        archive = os.path.join(cache, os.path.basename(url))
        error = None
        with _download.created_dirs(cache):
            if not os.path.isfile(archive):
                try:
                    _download.download_url(url, archive)
                except OSError as e:
                    error = e
            if error is None and os.path.abspath(archive) != os.path.abspath(path):
                if not (_download.is_archive(archive) and _download.extract_member(archive, name, path)):
                    error = f"{os.path.basename(archive)} does not contain {name}"
            if error is not None or not os.path.isfile(path):
                alt = (f", or the archive {os.path.basename(url)} that holds it,"
                       if os.path.basename(url) != name else "")
                raise RuntimeError(f"{type(self).__name__}: vectors file {name} was not found in {folder} and could "
                                   f"not be obtained from {url} ({error}). Place {name}{alt} in {folder} "
                                   "(the cache folder) and try again.")


class GloVe(Vectors):
    """GloVe vectors: ``glove.{name}.{dim}d.txt`` in the cache folder (or in the zip it comes in)."""

    url = {
        "42B": "http://nlp.stanford.edu/data/glove.42B.300d.zip",
        "840B": "http://nlp.stanford.edu/data/glove.840B.300d.zip",
        "twitter.27B": "http://nlp.stanford.edu/data/glove.twitter.27B.zip",
        "6B": "http://nlp.stanford.edu/data/glove.6B.zip",
    }

    def __init__(self, name: str = "840B", dim=300, **kwargs):
        if name not in self.url:
            raise ValueError(f"GloVe has no vectors named {name!r}; choose one of {list(self.url)}")
        super().__init__(f"glove.{name}.{dim}d.txt", url=self.url[name], **kwargs)


Glove = GloVe  # spelling used in some tutorials


class FastText(Vectors):
    """fastText Wikipedia vectors ``wiki.{language}.vec`` in the cache folder."""

    url_base = "https://dl.fbaipublicfiles.com/fasttext/vectors-wiki/wiki.{}.vec"

    def __init__(self, language: str = "en", **kwargs):
        url = self.url_base.format(language)
        super().__init__(os.path.basename(url), url=url, **kwargs)


class CharNGram(Vectors):
    """Character n-gram vectors (``charNgram.txt``); a word's vector averages its 2-, 3- and 4-grams."""

    name = "charNgram.txt"
    url = "http://www.logos.t.u-tokyo.ac.jp/~hassy/publications/arxiv2016jmt/jmt_pre-trained_embeddings.tar.gz"

    def __init__(self, **kwargs):
        super().__init__(self.name, url=self.url, **kwargs)

    def _gram_rows(self, token: str):
        chars = ["#BEGIN#"] + list(token) + ["#END#"]
        rows = []
        for n in (2, 3, 4):
            for i in range(len(chars) - n + 1):
                j = self.stoi.get(f"{n}gram-{''.join(chars[i:i + n])}")
                if j is not None:
                    rows.append(j)
        return rows

    def _host_rows(self, tokens) -> tuple:
        arr = self._host_array()
        rows = np.zeros((len(tokens), self.dim), dtype=np.float32)
        found = np.zeros(len(tokens), dtype=bool)
        for k, token in enumerate(tokens):
            grams = self._gram_rows(token) if isinstance(token, str) else []
            if grams:
                rows[k] = arr[grams].mean(axis=0)
                found[k] = True
        return rows, found

    def __getitem__(self, token):
        rows, found = self._host_rows([token])
        if not found[0]:
            return self.unk_init(cltorch.zeros(self.dim))
        return cltorch.tensor(rows[0])


pretrained_aliases = {
    "charngram.100d": partial(CharNGram),
    "fasttext.en.300d": partial(FastText, language="en"),
    "fasttext.simple.300d": partial(FastText, language="simple"),
    "glove.42B.300d": partial(GloVe, name="42B", dim="300"),
    "glove.840B.300d": partial(GloVe, name="840B", dim="300"),
    "glove.twitter.27B.25d": partial(GloVe, name="twitter.27B", dim="25"),
    "glove.twitter.27B.50d": partial(GloVe, name="twitter.27B", dim="50"),
    "glove.twitter.27B.100d": partial(GloVe, name="twitter.27B", dim="100"),
    "glove.twitter.27B.200d": partial(GloVe, name="twitter.27B", dim="200"),
    "glove.6B.50d": partial(GloVe, name="6B", dim="50"),
    "glove.6B.100d": partial(GloVe, name="6B", dim="100"),
    "glove.6B.200d": partial(GloVe, name="6B", dim="200"),
    "glove.6B.300d": partial(GloVe, name="6B", dim="300"),
}
