"""What several torchtext-style datasets share: the (text, label) classification base and plain-file presence."""
from __future__ import annotations

import os

from .. import data


class TextClassificationDataset(data.Dataset):
    """Base of the (text, label) datasets with train and test splits: sorted by text length, with ``iters``."""

    @staticmethod
    def sort_key(ex) -> int:
        """Text length in tokens."""
        return len(ex.text)

    @classmethod
    def iters(cls, batch_size: int = 32, device=None, root: str = ".data", vectors=None, **kwargs) -> tuple:
        """(train, test) BucketIterators with default fields and their vocabularies built."""
        text, label = data.Field(), data.Field(sequential=False)
        train, test = cls.splits(text, label, root=root, **kwargs)
        text.build_vocab(train, vectors=vectors)
        label.build_vocab(train)
        return data.BucketIterator.splits((train, test), batch_size=batch_size, device=device)


class PlainFilesMixin:
    """For a dataset whose urls are plain files (no archives): present when every one is in its folder."""

    @classmethod
    def _data_present(cls, path: str) -> bool:
        return all(os.path.isfile(os.path.join(path, os.path.basename(u))) for u in cls.urls)
