"""IMDB movie reviews (aclImdb): ``root/imdb/aclImdb/{train,test}/{pos,neg}/*.txt``."""
from __future__ import annotations

import glob
import os

from .. import data
from ._base import TextClassificationDataset

__all__ = ["IMDB"]


class IMDB(TextClassificationDataset):
    """Binary sentiment over movie reviews: examples with ``text`` and ``label`` ('pos' or 'neg')."""

    urls = ["http://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"]
    name = "imdb"
    dirname = "aclImdb"

    def __init__(self, path: str, text_field, label_field, **kwargs):
        fields = [("text", text_field), ("label", label_field)]
        if not os.path.isdir(path):
            raise RuntimeError(f"IMDB: no folder {os.path.abspath(path)}; expected the aclImdb layout "
                               "<split>/pos/*.txt and <split>/neg/*.txt")
        examples = []
        for label in ("pos", "neg"):
            for fname in sorted(glob.glob(os.path.join(path, label, "*.txt"))):
                with open(fname, "r", encoding="utf-8") as f:
                    text = f.readline()
                examples.append(data.Example.fromlist([text, label], fields))
        super().__init__(examples, fields, **kwargs)

    @classmethod
    def splits(cls, text_field, label_field, root: str = ".data", train: str = "train", test: str = "test",
               **kwargs) -> tuple:
        """(train, test) datasets from root/imdb/aclImdb (fetched and unpacked there when absent)."""
        return super().splits(root=root, text_field=text_field, label_field=label_field, train=train,
                              validation=None, test=test, **kwargs)
