"""TREC question classification: ``root/trec/train_5500.label`` and ``root/trec/TREC_10.label``."""
from __future__ import annotations

import os

from .. import data
from ._base import PlainFilesMixin, TextClassificationDataset

__all__ = ["TREC"]


class TREC(PlainFilesMixin, TextClassificationDataset):
    """Questions labelled with a coarse class ('DESC', 'LOC', ...) or, fine_grained, 'LOC:city' style."""

    urls = ["http://cogcomp.org/Data/QA/QC/train_5500.label", "http://cogcomp.org/Data/QA/QC/TREC_10.label"]
    name = "trec"
    dirname = ""

    def __init__(self, path: str, text_field, label_field, fine_grained: bool = False, **kwargs):
        fields = [("text", text_field), ("label", label_field)]
        examples = []
        with open(os.path.expanduser(path), "rb") as f:
            for line in f:
                # one question holds a stray 0xf0 byte that is not UTF-8
                label, _, text = line.replace(b"\xf0", b" ").decode("utf-8", errors="replace").strip().partition(" ")
                if not label:
                    continue
                if not fine_grained:
                    label = label.split(":")[0]
                examples.append(data.Example.fromlist([text, label], fields))
        super().__init__(examples, fields, **kwargs)

    @classmethod
    def splits(cls, text_field, label_field, root: str = ".data", train: str = "train_5500.label",
               test: str = "TREC_10.label", **kwargs) -> tuple:
        """(train, test) datasets from root/trec (fetched there when absent)."""
        return super().splits(root=root, text_field=text_field, label_field=label_field, train=train,
                              validation=None, test=test, **kwargs)
