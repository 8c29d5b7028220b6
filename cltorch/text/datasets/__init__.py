"""``cltorch.text.datasets``: IMDB, SST, TREC, Multi30k / TranslationDataset and language-modelling corpora.

Each reads torchtext's folder layout under ``root`` (default '.data'). When the data is absent
it is fetched and unpacked there; offline, a RuntimeError names each archive and the folder to
place it in, and no partial file is left behind.
"""
from .imdb import IMDB
from .language_modeling import LanguageModelingDataset, PennTreebank, WikiText2
from .sst import SST
from .translation import Multi30k, TranslationDataset
from .trec import TREC

__all__ = ["IMDB", "LanguageModelingDataset", "Multi30k", "PennTreebank", "SST", "TREC", "TranslationDataset",
           "WikiText2"]
