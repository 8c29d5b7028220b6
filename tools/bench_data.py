"""Benchmark: DataLoader epochs (MNIST-sized IDX dataset with ToTensor + Normalize; TensorDataset).

Prints the median epoch time of cltorch and, when available, of PyTorch
(+ torchvision) measured in the same run, with their ratio. torch/torchvision
come from this interpreter if they import, else from ``--torch-python``
(another interpreter that has them, run as a subprocess on the same data).

    python tools/bench_data.py [--epochs 5] [--torch-python /path/to/python]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

N, SIDE, BATCH = 60000, 28, 64
MEAN, STD = (0.1307,), (0.3081,)


def write_idx(folder: str) -> None:
    """60,000 random 28x28 uint8 images and labels as MNIST's raw IDX training files."""
    raw = os.path.join(folder, "MNIST", "raw")
    os.makedirs(raw, exist_ok=True)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (N, SIDE, SIDE), dtype=np.uint8)
    labels = rng.integers(0, 10, N, dtype=np.uint8)
    for prefix, n in (("train", N), ("t10k", 16)):
        with open(os.path.join(raw, f"{prefix}-images-idx3-ubyte"), "wb") as f:
            f.write(bytes([0, 0, 8, 3]) + b"".join(int(v).to_bytes(4, "big") for v in (n, SIDE, SIDE)))
            f.write(images[:n].tobytes())
        with open(os.path.join(raw, f"{prefix}-labels-idx1-ubyte"), "wb") as f:
            f.write(bytes([0, 0, 8, 1]) + int(n).to_bytes(4, "big") + labels[:n].tobytes())


def _epochs(loader, epochs: int, sync=None) -> float:
    times = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        last = None
        for last in loader:
            pass
        if sync is not None:
            sync(last)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_cltorch(folder: str, epochs: int) -> dict:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    import cltorch
    from cltorch.utils.data import DataLoader, TensorDataset
    from cltorch.vision import datasets, transforms

    def sync(batch):
        batch[0].sum().item()

    cltorch.manual_seed(0)
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
    ds = datasets.MNIST(folder, train=True, transform=tf)
    loader = DataLoader(ds, batch_size=BATCH, shuffle=True)
    _epochs(loader, 1, sync)  # warm up: kernel builds
    mnist = _epochs(loader, epochs, sync)
    x, y = cltorch.randn(N, SIDE * SIDE), cltorch.randint(0, 10, (N,))
    tloader = DataLoader(TensorDataset(x, y), batch_size=BATCH, shuffle=True)
    _epochs(tloader, 1, sync)
    tensor = _epochs(tloader, epochs, sync)
    return {"mnist": mnist, "tensor": tensor}


def _torchvision():
    """Import torchvision's Python side even where its compiled ops do not load against this torch."""
    import torch
    original = torch.library.register_fake

    def register_fake(op, *args, **kwargs):
        def deco(fn):
            try:
                return original(op, *args, **kwargs)(fn)
            except Exception:
                return fn
        return deco

    torch.library.register_fake = register_fake
    try:
        import torchvision
    finally:
        torch.library.register_fake = original
    return torchvision


def bench_torch(folder: str, epochs: int) -> dict:
    import torch
    from torch.utils.data import DataLoader, TensorDataset
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    torch.manual_seed(0)
    out = {}
    try:
        tv = _torchvision()
        from torchvision import datasets, transforms
        tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
        loader = DataLoader(datasets.MNIST(folder, train=True, transform=tf), batch_size=BATCH, shuffle=True)
        _epochs(loader, 1)
        out["mnist"] = _epochs(loader, epochs)
        out["torchvision"] = tv.__version__
    except ImportError:
        pass
    x, y = torch.randn(N, SIDE * SIDE), torch.randint(0, 10, (N,))
    tloader = DataLoader(TensorDataset(x, y), batch_size=BATCH, shuffle=True)
    _epochs(tloader, 1)
    out["tensor"] = _epochs(tloader, epochs)
    out["torch"] = torch.__version__
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--torch-python", default=None, help="an interpreter with torch (+ torchvision)")
    ap.add_argument("--only-torch", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.only_torch:
        print(json.dumps(bench_torch(args.only_torch, args.epochs)))
        return
    with tempfile.TemporaryDirectory() as folder:
        write_idx(folder)
        ours = bench_cltorch(folder, args.epochs)
        theirs = {}
        if args.torch_python:
            res = subprocess.run([args.torch_python, os.path.abspath(__file__), "--only-torch", folder,
                                  "--epochs", str(args.epochs)], capture_output=True, text=True, check=True)
            theirs = json.loads(res.stdout.strip().splitlines()[-1])
        else:
            try:
                theirs = bench_torch(folder, args.epochs)
            except ImportError:
                print("torch is not importable here: pass --torch-python for the reference")
    print(f"DataLoader epochs, {N} samples, batch {BATCH}, median of {args.epochs}")
    if theirs:
        print(f"reference: torch {theirs.get('torch')}, torchvision {theirs.get('torchvision', 'not available')}")
    for key, label, target in (("mnist", "MNIST IDX + ToTensor + Normalize", 2.0),
                               ("tensor", "TensorDataset 60000x784 float32", 1.5)):
        line = f"  {label:36s} cltorch {ours[key]:7.3f} s"
        if key in theirs:
            ratio = ours[key] / theirs[key]
            line += f"   torch {theirs[key]:7.3f} s   ratio {ratio:5.2f}x (target <= {target}x)"
        print(line)


if __name__ == "__main__":
    main()
