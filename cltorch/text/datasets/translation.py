"""Parallel corpora: TranslationDataset (``prefix + ext`` files, one sentence a line) and Multi30k."""
from __future__ import annotations

import os

from .. import data

__all__ = ["TranslationDataset", "Multi30k"]


class TranslationDataset(data.Dataset):
    """Sentence pairs from ``path + exts[0]`` and ``path + exts[1]`` as examples with ``src`` and ``trg``."""

    @staticmethod
    def sort_key(ex) -> int:
        """Source and target lengths interleaved bitwise (sorts by both at once)."""
        return data.interleave_keys(len(ex.src), len(ex.trg))

    def __init__(self, path: str, exts, fields, **kwargs):
        if not isinstance(fields[0], (tuple, list)):
            fields = [("src", fields[0]), ("trg", fields[1])]
        src_path, trg_path = (os.path.expanduser(path + x) for x in exts)
        for p in (src_path, trg_path):
            if not os.path.isfile(p):
                raise FileNotFoundError(f"{type(self).__name__}: no file {os.path.abspath(p)}")
        examples = []
        with open(src_path, mode="r", encoding="utf-8") as src_file, \
                open(trg_path, mode="r", encoding="utf-8") as trg_file:
            for src_line, trg_line in zip(src_file, trg_file):
                src_line, trg_line = src_line.strip(), trg_line.strip()
                if src_line and trg_line:
                    examples.append(data.Example.fromlist([src_line, trg_line], fields))
        super().__init__(examples, fields, **kwargs)

    @classmethod
    def splits(cls, exts, fields, path=None, root: str = ".data", train: str = "train", validation: str = "val",
               test: str = "test", **kwargs) -> tuple:
        """(train, validation, test) datasets (those named) from path (or the dataset's folder under root)."""
        if path is None:
            path = cls.download(root)
        made = [None if name is None else cls(os.path.join(path, name), exts, fields, **kwargs)
                for name in (train, validation, test)]
        return tuple(d for d in made if d is not None)


class Multi30k(TranslationDataset):
    """Multi30k English-German captions: ``root/multi30k/{train,val,test2016}.{de,en}``."""

    urls = ["http://www.quest.dcs.shef.ac.uk/wmt16_files_mmt/training.tar.gz",
            "http://www.quest.dcs.shef.ac.uk/wmt16_files_mmt/validation.tar.gz",
            "http://www.quest.dcs.shef.ac.uk/wmt17_files_mmt/mmt_task1_test2016.tar.gz"]
    name = "multi30k"
    dirname = ""

    @classmethod
    def _data_present(cls, path: str) -> bool:
        return all(os.path.isfile(os.path.join(path, f"{split}.{lang}"))
                   for split in ("train", "val", "test2016") for lang in ("de", "en"))

    @classmethod
    def splits(cls, exts, fields, root: str = ".data", train: str = "train", validation: str = "val",
               test: str = "test2016", **kwargs) -> tuple:
        """(train, validation, test) datasets from root/multi30k (fetched and unpacked there when absent)."""
        path = kwargs.pop("path", None)
        return super().splits(exts, fields, path, root, train, validation, test, **kwargs)
