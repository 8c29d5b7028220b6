"""MNIST, FashionMNIST, KMNIST and EMNIST read from IDX files (raw or .gz) in torchvision's folder layout.

Files live in ``root/<ClassName>/raw/`` (e.g. ``root/MNIST/raw/train-images-idx3-ubyte`` or
``...-ubyte.gz``). Images stay in host memory as a NumPy array; ``__getitem__``
returns a PIL image (mode 'L') when Pillow is installed, else a 28x28 uint8 NumPy
array. ``.data`` / ``.targets`` are cltorch tensors, uploaded on first access.
"""
from __future__ import annotations

import gzip
import os
import string
import warnings
import zipfile

import numpy as np

import cltorch

from ..._atomic import atomic_write
from .. import _pil
from . import _download
from .vision import VisionDataset

_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"),
              0x0E: np.dtype(">f8")}


def read_idx(path: str) -> np.ndarray:
    """An IDX file (raw, or gzip-compressed when it ends in .gz) as a NumPy array."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_TYPES:
        raise RuntimeError(f"{path} is not an IDX file (bad magic number {data[:4].hex()})")
    dtype, ndim = np.dtype(_IDX_TYPES[data[2]]), data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    start = 4 + 4 * ndim
    count = int(np.prod(dims)) if dims else 1
    if len(data) - start < count * dtype.itemsize:
        raise RuntimeError(f"{path} is truncated: expected {count} values of shape {dims}")
    arr = np.frombuffer(data, dtype=dtype, count=count, offset=start).reshape(dims)
    return arr.astype(dtype.newbyteorder("="), copy=False)


def read_image_file(path: str) -> np.ndarray:
    """IDX images (N, H, W) uint8."""
    arr = read_idx(path)
    if arr.dtype != np.uint8 or arr.ndim != 3:
        raise RuntimeError(f"{path}: expected uint8 images of 3 dimensions, got {arr.dtype} {arr.shape}")
    return arr


def read_label_file(path: str) -> np.ndarray:
    """IDX labels (N,) as int64."""
    arr = read_idx(path)
    if arr.dtype != np.uint8 or arr.ndim != 1:
        raise RuntimeError(f"{path}: expected uint8 labels of 1 dimension, got {arr.dtype} {arr.shape}")
    return arr.astype(np.int64)


def _find(folder: str, name: str) -> str | None:
    """folder/name, or folder/name.gz, whichever exists."""
    for candidate in (name, name + ".gz"):
        path = os.path.join(folder, candidate)
        if os.path.isfile(path):
            return path
    return None


def _renamed(old: str, new: str) -> property:
    """A read-only property old that warns, as torchvision's, and returns the attribute new."""
    def get(self):
        warnings.warn(f"{old} has been renamed {new}")
        return getattr(self, new)
    return property(get, doc=f"Deprecated name of ``{new}``.")


class MNIST(VisionDataset):
    """The MNIST handwritten digits (60,000 training and 10,000 test 28x28 images)."""

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    training_file = "training.pt"
    test_file = "test.pt"
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]

    def __init__(self, root, train: bool = True, transform=None, target_transform=None, download: bool = False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_exists():
            raise _download.missing_files_error(type(self).__name__, self.raw_folder, self._needed_files())
        self._images, self._labels = self._load_data()
        self._data_t = self._targets_t = None

    # -- files ---------------------------------------------------------------------
    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, self.__class__.__name__, "raw")

    @property
    def processed_folder(self) -> str:
        return os.path.join(self.root, self.__class__.__name__, "processed")

    def _file_names(self):
        prefix = "train" if self.train else "t10k"
        return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"

    def _needed_files(self):
        return [(name, md5) for name, md5 in self.resources]

    def _check_exists(self) -> bool:
        return all(_find(self.raw_folder, os.path.splitext(name)[0]) for name, _ in self.resources)

    def _load_data(self):
        images, labels = self._file_names()
        return (read_image_file(_find(self.raw_folder, images)), read_label_file(_find(self.raw_folder, labels)))

    def download(self) -> None:
        """Fetch the missing files from the mirrors (MD5-checked, written via temporary files)."""
        if self._check_exists():
            return
        errors = []
        with _download.created_dirs(self.raw_folder):
            for filename, md5 in self.resources:
                if _find(self.raw_folder, os.path.splitext(filename)[0]):
                    continue
                try:
                    _download.download_from_mirrors(filename, md5, self.mirrors, self.raw_folder)
                except OSError as e:
                    errors.append(f"{filename}:\n    " + str(e).replace("\n", "\n    "))
            if errors:
                raise _download.missing_files_error(type(self).__name__, self.raw_folder, self._needed_files(),
                                                    errors)

    # -- data --------------------------------------------------------------------
    @property
    def data(self) -> cltorch.Tensor:
        """The images as an (N, 28, 28) uint8 tensor (uploaded on first use)."""
        if self._data_t is None:
            self._data_t = cltorch.from_numpy(np.ascontiguousarray(self._images))
        return self._data_t

    @data.setter
    def data(self, value) -> None:
        self._data_t = value if isinstance(value, cltorch.Tensor) else None
        self._images = value.numpy() if isinstance(value, cltorch.Tensor) else np.asarray(value)

    @property
    def targets(self) -> cltorch.Tensor:
        """The labels as an int64 tensor."""
        if self._targets_t is None:
            self._targets_t = cltorch.from_numpy(self._labels)
        return self._targets_t

    @targets.setter
    def targets(self, value) -> None:
        self._targets_t = value if isinstance(value, cltorch.Tensor) else None
        self._labels = value.numpy() if isinstance(value, cltorch.Tensor) else np.asarray(value, dtype=np.int64)

    train_labels = _renamed("train_labels", "targets")
    test_labels = _renamed("test_labels", "targets")
    train_data = _renamed("train_data", "data")
    test_data = _renamed("test_data", "data")

    @property
    def class_to_idx(self) -> dict:
        return {c: i for i, c in enumerate(self.classes)}

    def __getitem__(self, index: int):
        return self._transformed(_pil.from_array(self._images[index]), int(self._labels[index]))

    def __len__(self) -> int:
        return len(self._images)

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: 28x28 grayscale clothing images in 10 classes."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]


class KMNIST(MNIST):
    """Kuzushiji-MNIST: 28x28 cursive Japanese characters in 10 classes."""

    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
        ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
        ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
        ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134"),
    ]
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]


def verify_str_arg(value, arg: str, valid_values) -> str:
    """value when it is one of valid_values, else the ValueError torchvision raises."""
    if value not in valid_values:
        listing = "'" + "', '".join(str(v) for v in valid_values) + "'"
        raise ValueError(f"Unknown value '{value}' for argument {arg}. Valid values are {{{listing}}}.")
    return value


class EMNIST(MNIST):
    """Extended MNIST: digits and letters in six splits (byclass, bymerge, balanced, letters, digits, mnist)."""

    url = "https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip"
    md5 = "58c8d27c78d21e728a6bc7b3cc06412e"
    splits = ("byclass", "bymerge", "balanced", "letters", "digits", "mnist")
    _merged_classes = {"c", "i", "j", "k", "l", "m", "o", "p", "s", "u", "v", "w", "x", "y", "z"}
    _all_classes = set(string.digits + string.ascii_letters)
    classes_split_dict = {
        "byclass": sorted(_all_classes),
        "bymerge": sorted(_all_classes - _merged_classes),
        "balanced": sorted(_all_classes - _merged_classes),
        "letters": ["N/A"] + list(string.ascii_lowercase),
        "digits": list(string.digits),
        "mnist": list(string.digits),
    }

    def __init__(self, root, split: str, **kwargs):
        self.split = verify_str_arg(split, "split", self.splits)
        self.training_file = f"training_{split}.pt"
        self.test_file = f"test_{split}.pt"
        self.classes = self.classes_split_dict[self.split]
        super().__init__(root, **kwargs)

    def _file_names(self):
        prefix = f"emnist-{self.split}-{'train' if self.train else 'test'}"
        return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"

    def _needed_files(self):
        return [(name + ".gz", None) for name in self._file_names()] + [
            (f"(or the archive {os.path.basename(self.url)}, from which they are extracted)", self.md5)]

    def _check_exists(self) -> bool:
        return all(_find(self.raw_folder, name) for name in self._file_names())

    def download(self) -> None:
        """Fetch gzip.zip (MD5-checked) and extract its .gz files into the raw folder."""
        if self._check_exists():
            return
        with _download.created_dirs(self.raw_folder):
            try:
                archive = _download.download_url(self.url, self.raw_folder, md5=self.md5)
            except (OSError, RuntimeError) as e:
                raise _download.missing_files_error("EMNIST", self.raw_folder, self._needed_files(),
                                                    [f"{self.url}: {e}"]) from None
            with zipfile.ZipFile(archive) as z:
                for member in z.namelist():
                    if member.endswith(".gz"):
                        target = os.path.join(self.raw_folder, os.path.basename(member))
                        atomic_write(target, z.read(member))
