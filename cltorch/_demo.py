"""The demo's training stage: a small CNN learns handwritten digits on each device, with a progress bar.

The images are MNIST's when its IDX files are found (torchvision's layout,
``DATA/MNIST/raw/``), else digits generated on the fly by ``_digits`` so the
demo runs offline. Every device trains the same model from the same seed;
each epoch prints the training loss, test accuracy, throughput and time. The
most accurate model's ``state_dict`` is saved (atomically, by ``cltorch.save``)
with a ``metrics.json`` beside it.
"""
from __future__ import annotations

import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Callable, List, Optional, Sequence

import cltorch
from cltorch import nn

from . import _digits
from ._atomic import atomic_open
from ._progress import ProgressBar

__all__ = ["DigitCNN", "DemoOptions", "DigitData", "load_data", "train_device", "run_training"]

MEAN, STD = 0.1307, 0.3081  # MNIST's pixel statistics; the generated digits are close to them
DEFAULT_DATA_DIR = "data"
DEFAULT_OUT_DIR = "cltorch-demo"
# (train images, test images, epochs) for the generated digits and for MNIST, full and --small.
SIZES = {("generated", False): (20000, 4000, 3), ("generated", True): (1500, 500, 1),
         ("mnist", False): (60000, 10000, 2), ("mnist", True): (1500, 500, 1)}
BATCH_SIZE = 128
LEARNING_RATE = 2e-3


@dataclass
class DemoOptions:
    """What `cltorch demo` was asked for."""

    small: bool = False
    data: Optional[str] = None
    epochs: Optional[int] = None
    plot: Optional[str] = None
    out: str = DEFAULT_OUT_DIR
    devices: Sequence[str] = ()
    seed: int = 0


@dataclass
class DigitData:
    """Images (N, 28, 28) uint8 and int64 labels as cltorch tensors, and where they came from."""

    train_x: cltorch.Tensor
    train_y: cltorch.Tensor
    test_x: cltorch.Tensor
    test_y: cltorch.Tensor
    kind: str      # "mnist" or "generated"
    source: str    # a sentence for the user


@dataclass
class EpochStats:
    """One epoch's numbers on one device."""

    epoch: int
    loss: float
    accuracy: float
    images_per_s: float
    seconds: float


@dataclass
class DeviceRun:
    """A device's training history and its trained model."""

    device: str
    epochs: List[EpochStats] = field(default_factory=list)
    model: Optional[nn.Module] = None


class DigitCNN(nn.Module):
    """Two 3x3 conv + max-pool blocks and a two-layer classifier head for 1x28x28 digits."""

    def __init__(self, channels: int = 16, hidden: int = 128) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, channels, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(channels, 2 * channels, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(2 * channels * 7 * 7, hidden), nn.ReLU(), nn.Dropout(0.25),
            nn.Linear(hidden, 10))

    def forward(self, x: cltorch.Tensor) -> cltorch.Tensor:
        """Class scores (N, 10) for images (N, 1, 28, 28)."""
        return self.classifier(self.features(x))


# -- data ------------------------------------------------------------------------------

def mnist_roots(data_dir: Optional[str]) -> List[str]:
    """The folders searched for MNIST/raw/: the user's --data first, then ./data."""
    roots = [data_dir] if data_dir else []
    if DEFAULT_DATA_DIR not in roots:
        roots.append(DEFAULT_DATA_DIR)
    return roots


def _load_mnist(root: str, sizes: tuple, echo: Callable[[str], None]) -> Optional[DigitData]:
    """MNIST's train and test splits under root (the first images when sizes ask for fewer), or None."""
    from .vision.datasets import MNIST
    if not os.path.isdir(os.path.join(root, "MNIST", "raw")):
        return None
    try:
        train, test = MNIST(root, train=True, download=False), MNIST(root, train=False, download=False)
    except RuntimeError as exc:  # files missing or unreadable: say why, then fall back
        echo(f"Cannot use MNIST in {os.path.join(root, 'MNIST', 'raw')}: {exc}")
        return None
    n_train, n_test = min(sizes[0], len(train)), min(sizes[1], len(test))
    return DigitData(train.data[:n_train], train.targets[:n_train], test.data[:n_test], test.targets[:n_test],
                     "mnist", f"MNIST from {os.path.join(root, 'MNIST', 'raw')} "
                              f"({n_train} training and {n_test} test images)")


def load_data(data_dir: Optional[str], small: bool, seed: int = 0,
              echo: Callable[[str], None] = print) -> DigitData:
    """MNIST when its files are under --data or ./data, else freshly generated digits."""
    for root in mnist_roots(data_dir):
        data = _load_mnist(root, SIZES[("mnist", small)], echo)
        if data is not None:
            return data
    if data_dir and not os.path.isdir(os.path.join(data_dir, "MNIST", "raw")):
        echo(f"No MNIST files in {os.path.join(data_dir, 'MNIST', 'raw')} "
             "(train-images-idx3-ubyte[.gz] and the other three); generating digits instead.")
    n_train, n_test, _ = SIZES[("generated", small)]
    start = time.perf_counter()
    train_x, train_y = _digits.make_digits(n_train, seed=seed)
    test_x, test_y = _digits.make_digits(n_test, seed=seed + 1)
    took = time.perf_counter() - start
    return DigitData(cltorch.from_numpy(train_x), cltorch.from_numpy(train_y), cltorch.from_numpy(test_x),
                     cltorch.from_numpy(test_y), "generated",
                     f"generated handwritten digits ({n_train} training and {n_test} test images, "
                     f"seed {seed}, made in {took:.1f} s; MNIST is used instead when its IDX files are in "
                     "./data/MNIST/raw/ or, with --data DIR, in DIR/MNIST/raw/)")


def _prepare(images: cltorch.Tensor, device: str) -> cltorch.Tensor:
    """uint8 (N, 28, 28) images as normalised float32 (N, 1, 28, 28) on the device."""
    x = images.to(device).to(cltorch.float32).div_(255.0).sub_(MEAN).div_(STD)
    return x.unsqueeze(1)


# -- training ----------------------------------------------------------------------------

def evaluate(model: nn.Module, x: cltorch.Tensor, y: cltorch.Tensor, batch: int = 1000) -> float:
    """Accuracy of the model on (x, y), in percent."""
    model.eval()
    correct = None
    with cltorch.no_grad():
        for i in range(0, x.shape[0], batch):
            hits = (model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum()
            correct = hits if correct is None else correct + hits
    model.train()
    return 100.0 * correct.item() / max(1, x.shape[0]) if correct is not None else 0.0


def _warm_up(device: str, x: cltorch.Tensor, y: cltorch.Tensor) -> None:
    """One step and one evaluation on a throwaway model, so kernel builds stay out of the epoch timings."""
    model = DigitCNN().to(device)
    opt = cltorch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    batch = min(BATCH_SIZE, x.shape[0])
    loss = nn.CrossEntropyLoss()(model(x[:batch]), y[:batch])
    opt.zero_grad()
    loss.backward()
    opt.step()
    evaluate(model, x[:batch], y[:batch])


def _progress_stream():
    """Where the progress bar draws (stdout, so it sits among the epoch lines)."""
    return sys.stdout


def _train_epoch(model: nn.Module, opt, loader, bar: ProgressBar, show_loss: bool) -> float:
    """One pass over the loader; returns the mean training loss (read back once, at the end)."""
    loss_fn = nn.CrossEntropyLoss()
    total, seen = None, 0
    for step, (xb, yb) in enumerate(loader, 1):
        loss = loss_fn(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        weighted = loss.detach() * xb.shape[0]  # summed on the device: no wait per step
        total = weighted if total is None else total + weighted
        seen += xb.shape[0]
        if show_loss and step % 20 == 0:
            bar.set_postfix(loss=total.item() / seen, refresh=False)
        bar.update(xb.shape[0])
    return total.item() / max(1, seen) if total is not None else float("nan")


def train_device(device: str, data: DigitData, epochs: int, seed: int = 0,
                 echo: Callable[[str], None] = print) -> DeviceRun:
    """Train a fresh DigitCNN on one device, printing each epoch's numbers; returns the history and model."""
    x_train, y_train = _prepare(data.train_x, device), data.train_y.to(device)
    x_test, y_test = _prepare(data.test_x, device), data.test_y.to(device)
    echo(f"{device}: preparing the CNN's kernels (built on the first run, then cached on disk) ...")
    start = time.perf_counter()
    _warm_up(device, x_train, y_train)
    echo(f"{device}: kernels ready in {time.perf_counter() - start:.1f} s")
    cltorch.manual_seed(seed)
    model = DigitCNN().to(device)
    opt = cltorch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    generator = cltorch.Generator().manual_seed(seed)  # Philox: the same order on every device
    loader = cltorch.utils.data.DataLoader(cltorch.utils.data.TensorDataset(x_train, y_train),
                                           batch_size=BATCH_SIZE, shuffle=True, generator=generator)
    stream = _progress_stream()
    interactive = getattr(stream, "isatty", lambda: False)()
    n_train = x_train.shape[0]
    run = DeviceRun(device)
    for epoch in range(1, epochs + 1):
        t0 = time.perf_counter()
        bar = ProgressBar(total=n_train, desc=f"{device} epoch {epoch}/{epochs}", unit="img", file=stream,
                          leave=False, disable=not interactive, mininterval=0.25)
        mean_loss = _train_epoch(model, opt, loader, bar, interactive)
        train_s = time.perf_counter() - t0
        bar.close()
        accuracy = evaluate(model, x_test, y_test)
        stats = EpochStats(epoch, mean_loss, accuracy, n_train / train_s, time.perf_counter() - t0)
        run.epochs.append(stats)
        echo(f"{device} epoch {epoch}/{epochs}: loss {stats.loss:.4f}  test accuracy {stats.accuracy:.2f}%  "
             f"{stats.images_per_s:.0f} images/s  {stats.seconds:.1f} s/epoch")
    run.model = model
    return run


# -- results -------------------------------------------------------------------------------

def save_results(runs: List[DeviceRun], data: DigitData, out_dir: str) -> tuple:
    """Save the most accurate model's state_dict (on cpu) and the metrics; returns (model path, best run)."""
    os.makedirs(out_dir, exist_ok=True)
    best = max(runs, key=lambda r: r.epochs[-1].accuracy if r.epochs else -1.0)
    state = {k: v.detach().to("cpu") for k, v in best.model.state_dict().items()}
    model_path = os.path.join(out_dir, "model.pt")
    cltorch.save(state, model_path)
    metrics = {"data": data.kind, "source": data.source, "model": "cltorch._demo.DigitCNN",
               "saved_from": best.device,
               "devices": {r.device: [asdict(e) for e in r.epochs] for r in runs}}
    with atomic_open(os.path.join(out_dir, "metrics.json"), "w", encoding="utf-8") as f:
        json.dump(metrics, f, indent=2)
    return model_path, best


def matplotlib_missing() -> Optional[str]:
    """None when matplotlib imports, else the message to show instead of a plot."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return "--plot needs matplotlib, which is not installed (pip install matplotlib); no plot will be drawn."
    return None


def plot_curves(runs: List[DeviceRun], path: str, title: str) -> None:
    """Draw each device's loss and test accuracy per epoch into a PNG file."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    for r in runs:
        xs = [e.epoch for e in r.epochs]
        ax_loss.plot(xs, [e.loss for e in r.epochs], marker="o", label=r.device)
        ax_acc.plot(xs, [e.accuracy for e in r.epochs], marker="o", label=r.device)
    ax_loss.set(xlabel="epoch", ylabel="training loss", title="loss")
    ax_acc.set(xlabel="epoch", ylabel="test accuracy (%)", title="accuracy")
    last = max((len(r.epochs) for r in runs), default=1)
    for ax in (ax_loss, ax_acc):
        ax.set_xticks(range(1, last + 1))
        ax.grid(True, alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def run_training(opts: DemoOptions, devices: Sequence[str], echo: Callable[[str], None] = print) -> bool:
    """The demo stage: load or generate digits, train on each device, save the model; False on failure."""
    plot_problem = matplotlib_missing() if opts.plot else None
    if plot_problem:
        echo(plot_problem)
    data = load_data(opts.data, opts.small, opts.seed, echo)
    echo(f"data: {data.source}")
    epochs = opts.epochs if opts.epochs is not None else SIZES[(data.kind, opts.small)][2]
    runs, broken = [], []
    for device in devices:
        echo(f"\n== training a small CNN on {device}: {epochs} epoch(s), batch {BATCH_SIZE}, Adam ==")
        try:
            runs.append(train_device(device, data, epochs, opts.seed, echo))
        except RuntimeError as exc:  # a kernel that will not build, memory running out: report, go on
            echo(f"training on {device} failed: {exc}")
            broken.append(device)
    if not runs or epochs < 1:
        echo("demo: nothing trained (no usable device, or no epochs)")
        return False
    echo("\n" + "\n".join(f"{r.device}: test accuracy {r.epochs[-1].accuracy:.2f}%, "
                          f"{r.epochs[-1].images_per_s:.0f} images/s" for r in runs))
    model_path, best = save_results(runs, data, opts.out)
    echo(f"saved the model trained on {best.device} to {model_path} "
         f"(load with DigitCNN().load_state_dict(cltorch.load(path)), DigitCNN from cltorch._demo)")
    if opts.plot and not plot_problem:
        plot_curves(runs, opts.plot, f"cltorch demo: {data.kind} digits")
        echo(f"saved the loss and accuracy curves to {opts.plot}")
    return not broken and all(math.isfinite(e.loss) for r in runs for e in r.epochs)
