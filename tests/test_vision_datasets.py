"""cltorch.vision.datasets on fixtures built here: IDX (raw and .gz), CIFAR batches, image folders, FakeData."""
from __future__ import annotations

import gzip
import os
import pickle

import numpy as np
import pytest

import cltorch
from cltorch.utils.data import DataLoader
from cltorch.vision import _pil, datasets, transforms
from cltorch.vision.datasets import _download


def _idx_bytes(arr: np.ndarray) -> bytes:
    return bytes([0, 0, 8, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape) + arr.tobytes()


def write_mnist(root, name="MNIST", n_train=7, n_test=3, gz=False, prefix=""):
    raw = os.path.join(root, name, "raw")
    os.makedirs(raw, exist_ok=True)
    rng = np.random.default_rng(len(name) + n_train)
    out = {}
    for split, n in (("train", n_train), ("t10k" if not prefix else "test", n_test)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, n, dtype=np.uint8)
        for kind, arr in (("images-idx3-ubyte", images), ("labels-idx1-ubyte", labels)):
            path = os.path.join(raw, f"{prefix}{split}-{kind}")
            data = _idx_bytes(arr)
            if gz:
                with gzip.open(path + ".gz", "wb") as f:
                    f.write(data)
            else:
                with open(path, "wb") as f:
                    f.write(data)
        out[split] = (images, labels)
    return out


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("cls", [datasets.MNIST, datasets.FashionMNIST, datasets.KMNIST])
def test_mnist_family_reads_idx(tmp_path, cls, gz):
    ref = write_mnist(tmp_path, cls.__name__, gz=gz)
    ds = cls(str(tmp_path), train=True)
    assert len(ds) == 7 and ds.classes == cls.classes and len(ds.class_to_idx) == 10
    assert ds.data.dtype is cltorch.uint8 and ds.data.shape == (7, 28, 28)
    np.testing.assert_array_equal(ds.data.numpy(), ref["train"][0])
    assert ds.targets.dtype is cltorch.int64 and ds.targets.tolist() == ref["train"][1].tolist()
    img, target = ds[3]
    assert target == int(ref["train"][1][3]) and isinstance(target, int)
    np.testing.assert_array_equal(np.asarray(img), ref["train"][0][3])
    if _pil.available():
        assert img.mode == "L" and img.size == (28, 28)
    test = cls(str(tmp_path), train=False)
    assert len(test) == 3 and "Split: Test" in repr(test)


def test_mnist_without_pillow_returns_numpy_images(tmp_path, monkeypatch):
    ref = write_mnist(tmp_path)
    monkeypatch.setattr(_pil, "Image", None)
    ds = datasets.MNIST(str(tmp_path), transform=transforms.Compose([transforms.ToTensor(),
                                                                     transforms.Normalize((0.5,), (0.25,))]))
    raw = datasets.MNIST(str(tmp_path))[2][0]
    assert isinstance(raw, np.ndarray) and raw.dtype == np.uint8 and raw.shape == (28, 28)
    x, y = next(iter(DataLoader(ds, batch_size=4)))
    assert x.shape == (4, 1, 28, 28) and x.dtype is cltorch.float32 and y.dtype is cltorch.int64
    expected = (ref["train"][0][:4].astype(np.float32) / 255 - 0.5) / 0.25
    np.testing.assert_allclose(x.numpy()[:, 0], expected, rtol=1e-6, atol=1e-6)


def test_mnist_legacy_names_warn(tmp_path):
    write_mnist(tmp_path)
    ds = datasets.MNIST(str(tmp_path))
    for name, new in (("train_data", "data"), ("test_data", "data"), ("train_labels", "targets"),
                      ("test_labels", "targets")):
        with pytest.warns(UserWarning, match=f"{name} has been renamed {new}"):
            value = getattr(ds, name)
        assert value is getattr(ds, new)


def test_mnist_data_setter_and_subsetting(tmp_path):
    ref = write_mnist(tmp_path)
    ds = datasets.MNIST(str(tmp_path))
    ds.data, ds.targets = ds.data[:2], ds.targets[:2]
    assert len(ds) == 2 and ds[1][1] == int(ref["train"][1][1])


def test_mnist_missing_files_message(tmp_path):
    with pytest.raises(RuntimeError, match="Dataset not found") as err:
        datasets.MNIST(str(tmp_path))
    assert "train-images-idx3-ubyte.gz" in str(err.value) and os.path.join("MNIST", "raw") in str(err.value)


def test_offline_download_fails_clearly_and_leaves_nothing(tmp_path, monkeypatch):
    def offline(url, timeout=30.0):
        raise OSError("network unreachable")

    monkeypatch.setattr(_download, "fetch_url", offline)
    with pytest.raises(RuntimeError) as err:
        datasets.MNIST(str(tmp_path / "data"), download=True)
    msg = str(err.value)
    assert "could not download" in msg and "Place these files in" in msg
    for name, md5 in datasets.MNIST.resources:
        assert name in msg and md5 in msg
    assert "ossci-datasets" in msg
    assert not (tmp_path / "data").exists()


def test_download_partial_transfer_leaves_no_file(tmp_path, monkeypatch):
    import io

    class Dropping(io.BytesIO):
        def read(self, n=-1):
            data = super().read(4)
            if not data:
                raise OSError("connection reset")
            return data

    monkeypatch.setattr(_download, "fetch_url", lambda url, timeout=30.0: Dropping(b"x" * 64))
    with pytest.raises(OSError):
        _download.download_url("http://mirror.invalid/f.gz", str(tmp_path), "f.gz")
    assert os.listdir(tmp_path) == []


def test_download_verifies_md5_and_renames(tmp_path, monkeypatch):
    import hashlib
    import io
    write_mnist(tmp_path / "src", gz=True)
    blobs = {name: (tmp_path / "src" / "MNIST" / "raw" / name).read_bytes() for name in os.listdir(
        tmp_path / "src" / "MNIST" / "raw")}
    monkeypatch.setattr(datasets.MNIST, "resources",
                        [(n, hashlib.md5(b).hexdigest()) for n, b in sorted(blobs.items())])
    monkeypatch.setattr(_download, "fetch_url", lambda url, timeout=30.0: io.BytesIO(blobs[url.rsplit("/", 1)[1]]))
    ds = datasets.MNIST(str(tmp_path / "dst"), download=True)
    assert len(ds) == 7
    monkeypatch.setattr(datasets.MNIST, "resources", [(n, "0" * 32) for n in sorted(blobs)])
    with pytest.raises(RuntimeError, match="MD5 mismatch"):
        datasets.MNIST(str(tmp_path / "other"), download=True)
    assert not (tmp_path / "other").exists()


def test_emnist_split_and_files(tmp_path):
    write_mnist(tmp_path, "EMNIST", prefix="emnist-letters-", gz=True)
    ds = datasets.EMNIST(str(tmp_path), split="letters")
    assert len(ds) == 7 and ds.classes[0] == "N/A" and len(ds.classes) == 27
    assert len(datasets.EMNIST(str(tmp_path), split="letters", train=False)) == 3
    with pytest.raises(ValueError, match="Unknown value 'nope' for argument split. Valid values are"):
        datasets.EMNIST(str(tmp_path), split="nope")
    with pytest.raises(RuntimeError, match="emnist-digits-train-images-idx3-ubyte"):
        datasets.EMNIST(str(tmp_path), split="digits")


def test_bad_idx_file_is_reported(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    write_mnist(tmp_path)
    (raw / "train-images-idx3-ubyte").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(RuntimeError, match="not an IDX file"):
        datasets.MNIST(str(tmp_path))


def write_cifar(root, n=4):
    folder = os.path.join(root, "cifar-10-batches-py")
    os.makedirs(folder)
    rng = np.random.default_rng(1)
    batches = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        labels = rng.integers(0, 10, n).tolist()
        with open(os.path.join(folder, name), "wb") as f:
            pickle.dump({"batch_label": name, "labels": labels, "data": data}, f, protocol=2)
        batches[name] = (data, labels)
    with open(os.path.join(folder, "batches.meta"), "wb") as f:
        pickle.dump({"label_names": [f"c{i}" for i in range(10)], "num_vis": 3072}, f)
    return batches


def test_cifar10_reads_python_batches(tmp_path):
    batches = write_cifar(tmp_path)
    ds = datasets.CIFAR10(str(tmp_path))
    assert len(ds) == 20 and ds.data.shape == (20, 32, 32, 3) and ds.classes[3] == "c3"
    data, labels = batches["data_batch_2"]
    np.testing.assert_array_equal(ds.data[5], data[1].reshape(3, 32, 32).transpose(1, 2, 0))
    assert ds.targets[5] == labels[1]
    test = datasets.CIFAR10(str(tmp_path), train=False, transform=transforms.ToTensor())
    x, y = test[0]
    assert x.shape == (3, 32, 32) and y == batches["test_batch"][1][0]
    np.testing.assert_allclose(x.numpy(), batches["test_batch"][0][0].reshape(3, 32, 32) / 255.0, rtol=1e-6)


def test_cifar_unpickler_refuses_other_globals(tmp_path):
    write_cifar(tmp_path)

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    with open(tmp_path / "cifar-10-batches-py" / "data_batch_1", "wb") as f:
        pickle.dump({"data": Evil(), "labels": []}, f)
    with pytest.raises(pickle.UnpicklingError, match="refusing to load global"):
        datasets.CIFAR10(str(tmp_path))


def _image_tree(root, ext=".npy"):
    rng = np.random.default_rng(2)
    for cls, count in (("cat", 2), ("dog", 3)):
        os.makedirs(os.path.join(root, cls))
        for i in range(count):
            img = rng.integers(0, 256, (5, 6, 3), dtype=np.uint8)
            path = os.path.join(root, cls, f"{i}{ext}")
            if ext == ".npy":
                np.save(path, img)
            else:
                _pil.Image.fromarray(img).save(path)
    os.makedirs(os.path.join(root, "empty_not_a_class_file"))


def test_dataset_folder_with_custom_loader(tmp_path):
    _image_tree(tmp_path)
    os.rmdir(tmp_path / "empty_not_a_class_file")
    ds = datasets.DatasetFolder(str(tmp_path), loader=np.load, extensions=(".npy",),
                                transform=transforms.ToTensor())
    assert ds.classes == ["cat", "dog"] and ds.class_to_idx == {"cat": 0, "dog": 1}
    assert ds.targets == [0, 0, 1, 1, 1] and len(ds) == 5
    x, y = next(iter(DataLoader(ds, batch_size=5)))
    assert x.shape == (5, 3, 5, 6) and y.tolist() == [0, 0, 1, 1, 1]
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        datasets.DatasetFolder(str(tmp_path / "cat"), loader=np.load, extensions=(".npy",))


def test_image_folder_needs_pillow_for_its_default_loader(tmp_path, monkeypatch):
    _image_tree(tmp_path)
    monkeypatch.setattr(_pil, "Image", None)
    with pytest.raises(ImportError, match="pip install Pillow"):
        datasets.ImageFolder(str(tmp_path))
    ds = datasets.ImageFolder(str(tmp_path), loader=np.load, is_valid_file=lambda p: p.endswith(".npy"),
                              allow_empty=True)
    assert len(ds) == 5 and ds.imgs == ds.samples


def test_image_folder_with_pillow(tmp_path):
    if not _pil.available():
        pytest.skip("Pillow (the optional 'images' extra) is not installed")
    _image_tree(tmp_path, ext=".png")
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes empty_not_a_class_file"):
        datasets.ImageFolder(str(tmp_path))
    ds = datasets.ImageFolder(str(tmp_path), allow_empty=True)
    img, target = ds[2]
    assert img.mode == "RGB" and img.size == (6, 5) and target == 1


def test_fake_data_is_deterministic():
    ds = datasets.FakeData(size=6, image_size=(3, 8, 9), num_classes=4, transform=transforms.ToTensor())
    a, ta = ds[2]
    b, tb = ds[2]
    assert a.shape == (3, 8, 9) and ta == tb and 0 <= ta < 4
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    with pytest.raises(IndexError):
        ds[6]
    x, y = next(iter(DataLoader(ds, batch_size=6)))
    assert x.shape == (6, 3, 8, 9) and y.shape == (6,)
