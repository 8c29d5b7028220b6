"""Dataset (examples + fields), its train/test/valid splitting, and TabularDataset (CSV, TSV, JSON lines)."""
from __future__ import annotations

import csv
import gzip
import os
import shutil
import sys
from functools import partial

from ..._atomic import atomic_open
from ...utils.data import Dataset as _BaseDataset
from .. import _download
from .example import Example
from .utils import RandomShuffler

__all__ = ["Dataset", "TabularDataset", "check_split_ratio", "stratify", "rationed_split"]


class Dataset(_BaseDataset):
    """A list of Examples with the Fields (name -> Field) that made them; fields sharing a Field share a vocab."""

    sort_key = None

    def __init__(self, examples, fields, filter_pred=None):
        if filter_pred is not None:
            make_list = isinstance(examples, list)
            examples = filter(filter_pred, examples)
            if make_list:
                examples = list(examples)
        self.examples = examples
        self.fields = dict(fields)
        for name, field in list(self.fields.items()):
            if isinstance(name, tuple):  # (names, fields) pairs read one column into several fields
                self.fields.update(zip(name, field))
                del self.fields[name]

    @classmethod
    def splits(cls, path=None, root: str = ".data", train=None, validation=None, test=None, **kwargs) -> tuple:
        """The train, validation and test datasets (those named) from files path/train, path/validation, ..."""
        if path is None:
            path = cls.download(root)
        made = [None if name is None else cls(os.path.join(path, name), **kwargs)
                for name in (train, validation, test)]
        return tuple(d for d in made if d is not None)

    def split(self, split_ratio=0.7, stratified: bool = False, strata_field: str = "label", random_state=None):
        """Random (optionally stratified) train/test or train/valid/test datasets by ratio.

        split_ratio is the train fraction, or a list of relative sizes [train, test] or
        [train, test, valid]; the result is ordered (train, valid, test), leaving out empty ones.
        """
        train_ratio, test_ratio, val_ratio = check_split_ratio(split_ratio)
        rnd = RandomShuffler(random_state)
        if not stratified:
            train_data, test_data, val_data = rationed_split(self.examples, train_ratio, test_ratio, val_ratio, rnd)
        else:
            if strata_field not in self.fields:
                raise ValueError(f"Invalid field name for strata_field {strata_field}")
            train_data, test_data, val_data = [], [], []
            for group in stratify(self.examples, strata_field):
                g_train, g_test, g_val = rationed_split(group, train_ratio, test_ratio, val_ratio, rnd)
                train_data += g_train
                test_data += g_test
                val_data += g_val
        splits = tuple(Dataset(d, self.fields) for d in (train_data, val_data, test_data) if d)
        if self.sort_key:
            for subset in splits:
                subset.sort_key = self.sort_key
        return splits

    def __getitem__(self, i):
        return self.examples[i]

    def __len__(self) -> int:
        try:
            return len(self.examples)
        except TypeError:
            return 2 ** 32

    def __iter__(self):
        yield from self.examples

    def __getattr__(self, attr):
        fields = self.__dict__.get("fields")
        if fields is not None and attr in fields:
            return (getattr(x, attr) for x in self.examples)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{attr}'")

    def filter_examples(self, field_names) -> None:
        """Drop tokens missing from each named field's vocabulary, in place."""
        for example in self.examples:
            for name in field_names:
                vocab = self.fields[name].vocab.stoi
                setattr(example, name, [w for w in getattr(example, name) if w in vocab])

    # -- standard datasets ------------------------------------------------------------
    name = ""
    dirname = ""
    urls: list = []

    @classmethod
    def _data_present(cls, path: str) -> bool:
        """Whether the unpacked data is in path (root/name)."""
        if cls.dirname:
            return os.path.isdir(os.path.join(path, cls.dirname))
        return os.path.isdir(path) and any(not e.startswith(".") for e in os.listdir(path))

    @classmethod
    def download(cls, root: str, check=None) -> str:
        """root/name/dirname, fetching and unpacking the dataset's archives first when it is not there.

        Offline, raises a RuntimeError naming each archive and the folder to place it in; a failed
        download leaves no partial file (temporary names, then a rename).
        """
        path = os.path.join(root, cls.name)
        present = os.path.isdir(check) if check is not None else cls._data_present(path)
        if not present:
            cls._fetch(path)
        return os.path.join(path, cls.dirname)

    @classmethod
    def _fetch(cls, path: str) -> None:
        errors, wanted = [], []
        with _download.created_dirs(path):
            for url in cls.urls:
                url, filename = url if isinstance(url, tuple) else (url, os.path.basename(url))
                wanted.append((filename, url))
                zpath = os.path.join(path, filename)
                if not os.path.isfile(zpath):
                    try:
                        _download.download_url(url, zpath)
                    except OSError as e:
                        errors.append(f"{url}: {e}")
                        continue
                _unpack(zpath, path)
            if errors or not cls._data_present(path):
                raise _missing_data_error(cls, path, wanted, errors)


def _unpack(zpath: str, folder: str) -> None:
    """Unpack an archive into folder, or gunzip a lone .gz next to itself."""
    if _download.is_archive(zpath):
        _download.extract_archive(zpath, folder)
    elif zpath.endswith(".gz"):
        with gzip.open(zpath, "rb") as src, atomic_open(zpath[:-3]) as out:
            shutil.copyfileobj(src, out, 1 << 20)


def _missing_data_error(cls, path: str, wanted, errors) -> RuntimeError:
    folder = os.path.abspath(path)
    what = f"the folder {cls.dirname!r} " if cls.dirname else "the dataset files "
    lines = [f"{cls.__name__}: {what}was not found in {folder} and could not be downloaded"
             + (" (no network?)." if errors else "."),
             f"Place these files in {folder} (archives are unpacked there), or unpack them there yourself:"]
    lines += [f"  {name}  (from {url})" for name, url in wanted]
    if errors:
        lines.append("Download attempts:")
        lines += [f"  {e}" for e in errors]
    return RuntimeError("\n".join(lines))


class TabularDataset(Dataset):
    """Columns from a CSV, TSV or JSON-lines file; fields a list of (name, Field) per column, or a dict by key."""

    def __init__(self, path, format: str, fields, skip_header: bool = False, csv_reader_params=None, **kwargs):
        format = format.lower()
        makers = {"json": Example.fromJSON, "dict": Example.fromdict, "tsv": Example.fromCSV, "csv": Example.fromCSV}
        if format not in makers:
            raise ValueError(f"format must be one of 'csv', 'tsv', 'json' or 'dict', got {format!r}")
        make_example = makers[format]
        params = dict(csv_reader_params or {})
        with open(os.path.expanduser(path), encoding="utf8", newline="" if format in ("csv", "tsv") else None) as f:
            if format == "csv":
                reader = _csv_reader(f, **params)
            elif format == "tsv":
                reader = _csv_reader(f, delimiter="\t", **params)
            else:
                reader = (line for line in f if line.strip())
            if format in ("csv", "tsv") and isinstance(fields, dict):
                if skip_header:
                    raise ValueError(f"When using a dict to specify fields with a {format} file, skip_header must "
                                     "be False and the file must have a header.")
                header = next(reader)
                missing = [k for k in fields if k not in header]
                if missing:
                    raise ValueError(f"columns {missing} are not in the header of {path}: {header}")
                make_example = partial(make_example, field_to_index={k: header.index(k) for k in fields})
            if skip_header:
                next(reader, None)
            examples = [make_example(line, fields) for line in reader]
        if isinstance(fields, dict):
            flat = []
            for vals in fields.values():
                if vals is None:
                    continue
                flat.extend(vals if isinstance(vals, list) else [vals])
            fields = flat
        super().__init__(examples, fields, **kwargs)


def _csv_reader(f, **params):
    """csv.reader with the field size limit raised (long documents in one cell)."""
    limit = sys.maxsize
    while True:
        try:
            csv.field_size_limit(limit)
            break
        except OverflowError:
            limit //= 10
    return csv.reader(f, **params)


def check_split_ratio(split_ratio) -> tuple:
    """(train, test, valid) fractions from a float train fraction or a list of 2 or 3 relative sizes."""
    if isinstance(split_ratio, float):
        assert 0.0 < split_ratio < 1.0, f"Split ratio {split_ratio} not between 0 and 1"
        return split_ratio, 1.0 - split_ratio, 0.0
    if isinstance(split_ratio, (list, tuple)):
        ratios = [float(r) for r in split_ratio]
        assert len(ratios) in (2, 3), f"Length of split ratio list should be 2 or 3, got {list(split_ratio)}"
        total = sum(ratios)
        if total != 1.0:
            ratios = [r / total for r in ratios]
        return tuple(ratios) if len(ratios) == 3 else (ratios[0], ratios[1], 0.0)
    raise ValueError(f"Split ratio must be float or a list, got {type(split_ratio)}")


def stratify(examples, strata_field: str) -> list:
    """Examples grouped by their value of strata_field (groups in order of first appearance)."""
    groups: dict = {}
    for example in examples:
        groups.setdefault(getattr(example, strata_field), []).append(example)
    return list(groups.values())


def rationed_split(examples, train_ratio: float, test_ratio: float, val_ratio: float, rnd) -> tuple:
    """A random permutation of examples cut into (train, test, valid) lists by the ratios (rounded)."""
    n = len(examples)
    perm = rnd(range(n))
    train_len = round(train_ratio * n)
    test_len = n - train_len if not val_ratio else round(test_ratio * n)
    cuts = (perm[:train_len], perm[train_len:train_len + test_len], perm[train_len + test_len:])
    return tuple([examples[i] for i in part] for part in cuts)

