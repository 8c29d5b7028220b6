"""cltorch demo: the generated digits, the training stage on generated and MNIST data, and the command end to end."""
from __future__ import annotations

import gzip
import io
import json
import re
import sys
import types

import numpy as np
import pytest
from click.testing import CliRunner

import cltorch
from cltorch import _demo, _digits
from cltorch.cli import main


# -- the generated digits ------------------------------------------------------------------

def test_digits_shapes_dtypes_and_balance():
    x, y = _digits.make_digits(230, seed=5)
    assert x.shape == (230, 28, 28) and x.dtype == np.uint8
    assert y.shape == (230,) and y.dtype == np.int64
    assert np.bincount(y, minlength=10).tolist() == [23] * 10
    # MNIST-like: dark background, every image has bright ink, centred in the frame.
    assert np.median(x) < 40
    assert (x.reshape(230, -1).max(axis=1) > 150).all()
    rows, cols = np.indices((28, 28))
    ink = x.astype(np.float64).sum(axis=(1, 2))
    centre_r = (x * rows).sum(axis=(1, 2)) / ink
    centre_c = (x * cols).sum(axis=(1, 2)) / ink
    assert (np.abs(centre_r - 13.5) < 6).all() and (np.abs(centre_c - 13.5) < 6).all()


def test_digits_empty_and_bad_count():
    x, y = _digits.make_digits(0)
    assert x.shape == (0, 28, 28) and y.shape == (0,)
    with pytest.raises(ValueError, match="non-negative"):
        _digits.make_digits(-1)


def test_digits_are_deterministic_under_a_seed():
    a_x, a_y = _digits.make_digits(50, seed=7)
    b_x, b_y = _digits.make_digits(50, seed=7)
    c_x, c_y = _digits.make_digits(50, seed=8)
    np.testing.assert_array_equal(a_x, b_x)
    np.testing.assert_array_equal(a_y, b_y)
    assert not np.array_equal(a_x, c_x)


def test_distortion_varies_samples_of_each_digit():
    x, y = _digits.make_digits(400, seed=0)
    for d in range(10):
        imgs = x[y == d].reshape(-1, 784).astype(np.float64) / 255
        assert len(np.unique(imgs, axis=0)) == len(imgs)
        diffs = np.abs(imgs[1:] - imgs[:-1]).mean(axis=1)
        assert diffs.min() > 0.03, (d, diffs.min())


def test_digits_match_their_labels_yet_vary():
    # A nearest-class-mean classifier fit on one seed labels another seed's digits far above chance
    # (the glyphs carry their labels), yet far from perfectly (the distortion is real).
    xt, yt = _digits.make_digits(2000, seed=1)
    xv, yv = _digits.make_digits(500, seed=2)
    xt, xv = xt.reshape(-1, 784) / 255.0, xv.reshape(-1, 784) / 255.0
    means = np.stack([xt[yt == d].mean(axis=0) for d in range(10)])
    pred = ((xv[:, None, :] - means[None]) ** 2).sum(axis=-1).argmin(axis=1)
    accuracy = (pred == yv).mean()
    assert 0.4 < accuracy < 0.95, accuracy


def test_glyph_strokes_cover_every_digit_inside_the_box():
    glyphs = _digits.glyph_strokes()
    assert len(glyphs) == 10
    for styles in glyphs:
        assert len(styles) >= 2
        for strokes in styles:
            pts = np.concatenate(strokes)
            assert pts.shape[1] == 2 and pts.min() > -0.05 and pts.max() < 1.05


# -- data selection ----------------------------------------------------------------------------

def _write_idx(path, arr: np.ndarray) -> None:
    """arr (uint8) as an IDX file, gzip-compressed when path ends in .gz."""
    head = bytes([0, 0, 0x08, arr.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in arr.shape)
    data = head + np.ascontiguousarray(arr, dtype=np.uint8).tobytes()
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)


def _write_mnist(root, n_train: int, n_test: int) -> None:
    """A tiny MNIST in torchvision's layout (root/MNIST/raw), made of generated digits; test files gzipped."""
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for prefix, n, seed, ext in (("train", n_train, 3, ""), ("t10k", n_test, 4, ".gz")):
        images, labels = _digits.make_digits(n, seed=seed)
        _write_idx(raw / f"{prefix}-images-idx3-ubyte{ext}", images)
        _write_idx(raw / f"{prefix}-labels-idx1-ubyte{ext}", labels.astype(np.uint8))


def test_mnist_roots_put_the_users_folder_first():
    assert _demo.mnist_roots("/x/y") == ["/x/y", "data"]
    assert _demo.mnist_roots(None) == ["data"]


def test_unreadable_mnist_is_reported_and_digits_generated(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    (raw / "train-images-idx3-ubyte").write_bytes(b"\x01\x02\x03\x04")
    lines = []
    data = _demo.load_data(str(tmp_path), small=True, echo=lines.append)
    assert data.kind == "generated" and "generated handwritten digits" in data.source
    assert any(line.startswith("Cannot use MNIST in") for line in lines), lines
    assert data.train_x.shape == (1500, 28, 28) and data.test_x.shape == (500, 28, 28)
    assert data.train_x.dtype == cltorch.uint8 and data.train_y.dtype == cltorch.int64


class _FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_training_uses_mnist_files_with_a_live_progress_bar(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _write_mnist(tmp_path / "mine", n_train=150, n_test=40)
    terminal = _FakeTerminal()
    monkeypatch.setattr(_demo, "_progress_stream", lambda: terminal)
    lines = []
    opts = _demo.DemoOptions(small=True, data=str(tmp_path / "mine"), epochs=2, out=str(tmp_path / "out"))
    assert _demo.run_training(opts, ["cpu"], echo=lines.append)
    text = "\n".join(lines)
    assert "data: MNIST from" in text and "(150 training and 40 test images)" in text, text
    assert re.search(r"cpu epoch 2/2: loss \d+\.\d{4}  test accuracy \d+\.\d\d%  \d+ images/s  \d+\.\d s/epoch",
                     text), text
    bar = terminal.getvalue()
    assert "\r" in bar and "cpu epoch 1/2" in bar and "150/150" in bar and "img/s" in bar, bar
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["data"] == "mnist" and len(metrics["devices"]["cpu"]) == 2
    assert (tmp_path / "out" / "model.pt").is_file()


def test_a_failing_device_is_reported_and_fails_the_stage(tmp_path, monkeypatch):
    def fake_train(device, data, epochs, seed=0, echo=print):
        if device == "bad":
            raise RuntimeError("kernel build failed on bad")
        return _demo.DeviceRun(device, [_demo.EpochStats(1, 0.5, 90.0, 100.0, 1.0)], _demo.DigitCNN())
    monkeypatch.setattr(_demo, "train_device", fake_train)
    lines = []
    opts = _demo.DemoOptions(small=True, data=str(tmp_path / "none"), out=str(tmp_path / "out"))
    assert not _demo.run_training(opts, ["bad", "cpu"], echo=lines.append)
    assert "training on bad failed: kernel build failed on bad" in lines
    assert (tmp_path / "out" / "model.pt").is_file()
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert list(metrics["devices"]) == ["cpu"] and metrics["saved_from"] == "cpu"


# -- plotting ---------------------------------------------------------------------------------

def test_plot_needs_matplotlib(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` raise ImportError
    message = _demo.matplotlib_missing()
    assert message and "matplotlib" in message and "pip install matplotlib" in message


def _fake_matplotlib(calls: list):
    """Stand-ins for matplotlib and matplotlib.pyplot that record what is drawn."""
    class Axes:
        def __init__(self, name):
            self.name = name

        def plot(self, xs, ys, **kw):
            calls.append((self.name, list(xs), list(ys), kw.get("label")))

        def set(self, **kw):
            calls.append((self.name, "set", kw.get("ylabel")))

        def set_xticks(self, ticks):
            calls.append((self.name, "xticks", list(ticks)))

        def grid(self, *a, **kw):
            pass

        def legend(self, *a, **kw):
            pass

    class Figure:
        def suptitle(self, text):
            calls.append(("title", text))

        def tight_layout(self):
            pass

        def savefig(self, path):
            with open(path, "wb") as f:
                f.write(b"\x89PNG fake")

    mpl = types.ModuleType("matplotlib")
    mpl.use = lambda backend: calls.append(("backend", backend))
    plt = types.ModuleType("matplotlib.pyplot")
    plt.subplots = lambda rows, cols, figsize=None: (Figure(), (Axes("loss"), Axes("accuracy")))
    plt.close = lambda fig: None
    mpl.pyplot = plt
    return mpl, plt


def test_plot_curves_draw_loss_and_accuracy_per_device(tmp_path, monkeypatch):
    calls = []
    mpl, plt = _fake_matplotlib(calls)
    monkeypatch.setitem(sys.modules, "matplotlib", mpl)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", plt)
    runs = [_demo.DeviceRun("cpu", [_demo.EpochStats(1, 0.9, 80.0, 100.0, 1.0),
                                    _demo.EpochStats(2, 0.3, 95.0, 120.0, 1.0)]),
            _demo.DeviceRun("cuda:0", [_demo.EpochStats(1, 0.8, 81.0, 900.0, 0.1)])]
    path = tmp_path / "sub" / "curves.png"
    _demo.plot_curves(runs, str(path), "t")
    assert path.read_bytes().startswith(b"\x89PNG")
    assert ("backend", "Agg") in calls
    assert ("loss", [1, 2], [0.9, 0.3], "cpu") in calls and ("accuracy", [1, 2], [80.0, 95.0], "cpu") in calls
    assert ("loss", [1], [0.8], "cuda:0") in calls and ("accuracy", [1], [81.0], "cuda:0") in calls
    assert ("accuracy", "xticks", [1, 2]) in calls


# -- the command ------------------------------------------------------------------------------

def test_demo_small_end_to_end(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "nodata").mkdir()
    out, plot = tmp_path / "out", tmp_path / "curves.png"
    result = CliRunner().invoke(main, ["demo", "--small", "--epochs", "2", "--device", "cpu", "--data", "nodata",
                                       "--out", str(out), "--plot", str(plot)])
    text = result.output
    assert result.exit_code == 0, text
    assert "NAMES" in text and "== smoke on cpu ==" in text
    assert "No MNIST files in" in text
    assert "data: generated handwritten digits (1500 training and 500 test images" in text
    epochs = re.findall(r"cpu epoch (\d)/2: loss (\d+\.\d+)  test accuracy (\d+\.\d+)%  (\d+) images/s  "
                        r"(\d+\.\d) s/epoch", text)
    assert [e[0] for e in epochs] == ["1", "2"], text
    losses, accuracy = [float(e[1]) for e in epochs], float(epochs[-1][2])
    assert losses[1] < losses[0] and accuracy > 30.0, text
    assert f"saved the model trained on cpu to {out / 'model.pt'}" in text
    assert "demo: all stages passed" in text
    try:
        import matplotlib  # noqa: F401
        assert plot.is_file() and f"saved the loss and accuracy curves to {plot}" in text
    except ImportError:
        assert not plot.exists() and "--plot needs matplotlib" in text

    # The saved state_dict loads into a fresh DigitCNN and scores what the demo printed on the same test set.
    model = _demo.DigitCNN()
    model.load_state_dict(cltorch.load(str(out / "model.pt")))
    images, labels = _digits.make_digits(500, seed=1)
    x = (cltorch.from_numpy(images).to(cltorch.float32) / 255.0 - _demo.MEAN) / _demo.STD
    score = _demo.evaluate(model, x.unsqueeze(1), cltorch.from_numpy(labels))
    assert f"{score:.2f}" == f"{accuracy:.2f}"
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["data"] == "generated" and metrics["saved_from"] == "cpu"
    assert [e["accuracy"] for e in metrics["devices"]["cpu"]] == pytest.approx([float(e[2]) for e in epochs],
                                                                               abs=0.006)


def test_demo_unknown_device_exits_2():
    result = CliRunner().invoke(main, ["demo", "--small", "--device", "opencl:99:0"])
    assert result.exit_code == 2
    assert "opencl:99:0" in result.output and "Traceback" not in result.output
