"""``cltorch.text.data``: the legacy torchtext data API (Field, Example, Dataset, iterators, Batch)."""
from .batch import Batch
from .dataset import Dataset, TabularDataset, check_split_ratio, rationed_split, stratify
from .example import Example
from .field import Field, LabelField, RawField
from .iterator import BPTTIterator, BucketIterator, Iterator, batch, pool
from .pipeline import Pipeline
from .utils import RandomShuffler, get_tokenizer, interleave_keys

__all__ = ["Batch", "BPTTIterator", "BucketIterator", "Dataset", "Example", "Field", "Iterator", "LabelField",
           "Pipeline", "RandomShuffler", "RawField", "TabularDataset", "batch", "check_split_ratio",
           "get_tokenizer", "interleave_keys", "pool", "rationed_split", "stratify"]
