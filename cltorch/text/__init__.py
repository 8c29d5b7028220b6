"""``cltorch.text``: the classic (legacy, Field-based) torchtext workflow.

``data`` (Field, Example, Dataset, TabularDataset, Iterator, BucketIterator, Batch),
``vocab`` (Vocab, Vectors, GloVe, FastText, CharNGram) and ``datasets`` (IMDB, SST, TREC,
Multi30k, ...). Imported on demand (``import cltorch.text`` or ``from cltorch import text``).
"""
from . import data, datasets, vocab

__all__ = ["data", "datasets", "vocab"]
