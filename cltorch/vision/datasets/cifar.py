"""CIFAR10 and CIFAR100 from their python batches, read through a restricted unpickler.

The batches are pickles; loading one with ``pickle.load`` would run whatever it
names. ``safe_load`` admits only plain containers and NumPy's array
reconstruction, and refuses any other global.
"""
from __future__ import annotations

import codecs
import os
import pickle
import tarfile

import numpy as np

from .. import _pil
from . import _download
from .vision import VisionDataset


def _allowed_globals() -> dict:
    reconstruct = np.ndarray((0,)).__reduce__()[0]
    scalar = np.float64(0).__reduce__()[0]
    frombuffer = np.arange(1).__reduce_ex__(5)[0]
    allowed = {("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype, ("_codecs", "encode"): codecs.encode}
    for core in ("numpy.core", "numpy._core"):
        allowed[(f"{core}.multiarray", "_reconstruct")] = reconstruct
        allowed[(f"{core}.multiarray", "scalar")] = scalar
        allowed[(f"{core}.numeric", "_frombuffer")] = frombuffer
    for name in ("set", "frozenset", "bytearray"):
        allowed[("builtins", name)] = allowed[("__builtin__", name)] = getattr(__import__("builtins"), name)
    return allowed


class _RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that rebuilds only plain containers and NumPy arrays."""

    _allowed = None

    def find_class(self, module, name):
        if _RestrictedUnpickler._allowed is None:
            _RestrictedUnpickler._allowed = _allowed_globals()
        found = _RestrictedUnpickler._allowed.get((module, name))
        if found is None:
            raise pickle.UnpicklingError(f"refusing to load global {module}.{name}: only plain containers and NumPy "
                                         "arrays are allowed in dataset files")
        return found


def safe_load(path: str):
    """Unpickle a dataset file (Python 2 byte strings decoded as latin1) admitting only safe globals."""
    with open(path, "rb") as f:
        return _RestrictedUnpickler(f, encoding="latin1").load()


class CIFAR10(VisionDataset):
    """CIFAR-10: 32x32 colour images in 10 classes (50,000 train, 10,000 test).

    ``.data`` is an (N, 32, 32, 3) uint8 NumPy array and ``.targets`` a list, as in torchvision;
    items are PIL images when Pillow is installed, else HxWx3 uint8 arrays. MD5s are checked when
    downloading; files placed by hand are read as they are."""

    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [["data_batch_1", "c99cafc152244af753f735de768cd75f"],
                  ["data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"],
                  ["data_batch_3", "54ebc095f3ab1f0389bbae665268c751"],
                  ["data_batch_4", "634d18415352ddfa80567beed471001a"],
                  ["data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"]]
    test_list = [["test_batch", "40351d587109b95175f43aff81a1287e"]]
    meta = {"filename": "batches.meta", "key": "label_names", "md5": "5ff9c542aee3614f3951f8cda6e48888"}

    def __init__(self, root, train: bool = True, transform=None, target_transform=None, download: bool = False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_exists():
            raise _download.missing_files_error(type(self).__name__, os.path.join(self.root, self.base_folder),
                                                self.train_list + self.test_list + [[self.meta["filename"],
                                                                                     self.meta["md5"]]])
        data, targets = [], []
        for name, _ in (self.train_list if train else self.test_list):
            entry = safe_load(os.path.join(self.root, self.base_folder, name))
            data.append(np.asarray(entry["data"], dtype=np.uint8))
            targets.extend(entry["labels"] if "labels" in entry else entry["fine_labels"])
        self.data = np.vstack(data).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        self.targets = [int(t) for t in targets]
        self._load_meta()

    def _check_exists(self) -> bool:
        folder = os.path.join(self.root, self.base_folder)
        names = [n for n, _ in self.train_list + self.test_list] + [self.meta["filename"]]
        return all(os.path.isfile(os.path.join(folder, n)) for n in names)

    def _load_meta(self) -> None:
        meta = safe_load(os.path.join(self.root, self.base_folder, self.meta["filename"]))
        self.classes = list(meta[self.meta["key"]])
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}

    def download(self) -> None:
        """Fetch and unpack the archive (MD5-checked; safe extraction of regular files only)."""
        if self._check_exists():
            return
        try:
            archive = _download.download_url(self.url, self.root, self.filename, self.tgz_md5)
        except (OSError, RuntimeError) as e:
            raise _download.missing_files_error(type(self).__name__, os.path.join(self.root, self.base_folder),
                                                [[self.filename + " (unpacked into " + self.base_folder + "/)",
                                                  self.tgz_md5]], [f"{self.url}: {e}"]) from None
        with tarfile.open(archive, "r:gz") as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(self.root, filter="data")
            else:  # older Pythons: extract regular files whose paths stay inside root
                root = os.path.realpath(self.root)
                members = [m for m in tar.getmembers() if m.isfile() or m.isdir()]
                if any(not os.path.realpath(os.path.join(root, m.name)).startswith(root + os.sep) for m in members):
                    raise RuntimeError(f"{archive}: refusing to extract paths outside {root}")
                tar.extractall(self.root, members=members)

    def __getitem__(self, index: int):
        return self._transformed(_pil.from_array(self.data[index]), self.targets[index])

    def __len__(self) -> int:
        return len(self.data)

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"


class CIFAR100(CIFAR10):
    """CIFAR-100: 32x32 colour images in 100 fine classes."""

    base_folder = "cifar-100-python"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list = [["train", "16019d7e3df5f24257cddd939b257f8d"]]
    test_list = [["test", "f0ef6b0ae62326f3e7ffdfab6717acfc"]]
    meta = {"filename": "meta", "key": "fine_label_names", "md5": "7973b15100ade9c7d40fb424638fde48"}
