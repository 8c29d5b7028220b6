"""Stanford Sentiment Treebank: bracketed trees in ``root/sst/trees/{train,dev,test}.txt``."""
from __future__ import annotations

import os

from .. import data

__all__ = ["SST"]

_COARSE = {"0": "negative", "1": "negative", "2": "neutral", "3": "positive", "4": "positive", None: None}
_FINE = {"0": "very negative", "1": "negative", "2": "neutral", "3": "positive", "4": "very positive", None: None}


class SST(data.Dataset):
    """Sentences (or every phrase, with subtrees) labelled negative/neutral/positive (five classes fine_grained)."""

    urls = ["http://nlp.stanford.edu/sentiment/trainDevTestTrees_PTB.zip"]
    dirname = "trees"
    name = "sst"

    @staticmethod
    def sort_key(ex) -> int:
        """Sentence length in tokens."""
        return len(ex.text)

    def __init__(self, path: str, text_field, label_field, subtrees: bool = False, fine_grained: bool = False,
                 **kwargs):
        fields = [("text", text_field), ("label", label_field)]
        names = _FINE if fine_grained else _COARSE

        def label_name(label):
            return names.get(label, label)

        label_field.preprocessing = data.Pipeline(label_name)
        with open(os.path.expanduser(path), encoding="utf8") as f:
            lines = [line for line in f if line.strip()]
        if subtrees:
            examples = [ex for line in lines for ex in data.Example.fromtree(line, fields, True)]
        else:
            examples = [data.Example.fromtree(line, fields) for line in lines]
        super().__init__(examples, fields, **kwargs)

    @classmethod
    def splits(cls, text_field, label_field, root: str = ".data", train: str = "train.txt",
               validation: str = "dev.txt", test: str = "test.txt", train_subtrees: bool = False, **kwargs) -> tuple:
        """(train, validation, test) datasets (those named) from root/sst/trees."""
        path = cls.download(root)
        made = [None if train is None else cls(os.path.join(path, train), text_field, label_field,
                                                 subtrees=train_subtrees, **kwargs)]
        made += [None if name is None else cls(os.path.join(path, name), text_field, label_field, **kwargs)
                 for name in (validation, test)]
        return tuple(d for d in made if d is not None)
