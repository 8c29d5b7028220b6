"""An audio "command" classifier on MFCCs, torchaudio style: WAV files in a SpeechCommands-like folder,
torchaudio.load, transforms.MFCC on the device and a small CNN over the coefficients.

The commands are synthesised (no speech data needed): "up"/"down" are rising/falling chirps, "high"/"low"
steady tones in two pitch bands and "beep" an on-off two-tone pattern, each with random pitch, timing,
loudness and background noise. The clips are written as 8 kHz WAV files in a temporary folder.

    python examples/audio_commands.py [--epochs N] [--per-class N] [--quick] [--device cpu|cuda]
"""
from __future__ import annotations

import argparse
import atexit
import os
import shutil
import tempfile

import numpy as np

import cltorch as torch
import cltorch.audio as torchaudio
import cltorch.nn.functional as F
from cltorch import nn
from cltorch.utils.data import DataLoader, Dataset

SAMPLE_RATE = 8000
CLIP = 4000  # samples: half a second
LABELS = ["up", "down", "high", "low", "beep"]


def synthesise(label: str, rng: np.random.Generator) -> np.ndarray:
    """One (1, CLIP) float32 clip of a command: a shaped tone or chirp at a random time, plus noise."""
    length = int(rng.integers(CLIP // 2, CLIP - 400))
    t = np.arange(length) / SAMPLE_RATE
    if label in ("up", "down"):
        f0, f1 = rng.uniform(300, 600), rng.uniform(1500, 2500)
        if label == "down":
            f0, f1 = f1, f0
        freq = f0 + (f1 - f0) * t / t[-1]
    elif label == "high":
        freq = np.full(length, rng.uniform(1600, 2400))
    elif label == "low":
        freq = np.full(length, rng.uniform(250, 600))
    else:
        period = rng.uniform(0.05, 0.09)
        freq = np.where((t // period) % 2 == 0, rng.uniform(800, 1000), rng.uniform(1200, 1400))
    phase = 2 * np.pi * np.cumsum(freq) / SAMPLE_RATE
    envelope = np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.02)
    tone = rng.uniform(0.3, 0.9) * envelope * np.sin(phase)
    clip = rng.normal(0, 0.05, CLIP)
    start = int(rng.integers(0, CLIP - length + 1))
    clip[start:start + length] += tone
    return np.clip(clip, -1, 1).astype(np.float32)[None, :]


def write_dataset(root: str, per_class: int, seed: int) -> None:
    """root/<label>/<n>.wav for every label, as 16-bit PCM through torchaudio.save."""
    rng = np.random.default_rng(seed)
    for label in LABELS:
        os.makedirs(os.path.join(root, label))
        for i in range(per_class):
            torchaudio.save(os.path.join(root, label, f"{i:04d}.wav"), torch.from_numpy(synthesise(label, rng)),
                            SAMPLE_RATE, encoding="PCM_S", bits_per_sample=16)


class CommandFolder(Dataset):
    """(waveform (1, CLIP), label index) from root/<label>/*.wav, loaded with torchaudio.load."""

    def __init__(self, root: str):
        self.items = [(os.path.join(root, label, name), i) for i, label in enumerate(LABELS)
                      for name in sorted(os.listdir(os.path.join(root, label)))]

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int):
        path, label = self.items[index]
        waveform, sample_rate = torchaudio.load(path)
        assert sample_rate == SAMPLE_RATE, sample_rate
        return waveform, label


class CommandNet(nn.Module):
    """MFCC (computed on the device) -> 2 conv blocks -> global average pool -> linear over the commands."""

    def __init__(self, n_mfcc: int = 20, classes: int = len(LABELS)):
        super().__init__()
        self.mfcc = torchaudio.transforms.MFCC(sample_rate=SAMPLE_RATE, n_mfcc=n_mfcc,
                                               melkwargs={"n_fft": 256, "hop_length": 128, "n_mels": 40})
        self.norm = nn.BatchNorm2d(1)
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(32, classes)

    def forward(self, waveform):
        """(batch, 1, samples) waveforms -> (batch, commands) logits."""
        x = self.norm(self.mfcc(waveform))  # (batch, 1, n_mfcc, frames)
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.relu(self.conv2(x))
        return self.fc(torch.flatten(self.pool(x), 1))


def evaluate(model, loader, device) -> float:
    """Accuracy on loader."""
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for waveform, label in loader:
            pred = model(waveform.to(device)).argmax(1)
            correct += (pred == label.to(device)).sum().item()
            total += len(label)
    return correct / total


def main(argv=None) -> dict:
    """Synthesise the clips, train, and print loss and accuracy per epoch."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--per-class", type=int, default=120, help="training clips per command")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--quick", action="store_true", help="small settings (for tests)")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.per_class = min(args.epochs, 4), min(args.per_class, 40)

    torch.manual_seed(0)
    root = tempfile.mkdtemp(prefix="cltorch-commands-")
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    write_dataset(os.path.join(root, "train"), args.per_class, seed=0)
    write_dataset(os.path.join(root, "test"), max(10, args.per_class // 4), seed=1)
    train_set, test_set = CommandFolder(os.path.join(root, "train")), CommandFolder(os.path.join(root, "test"))
    print(f"data: synthesised commands {LABELS}: {len(train_set)} train / {len(test_set)} test clips at "
          f"{SAMPLE_RATE} Hz")
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=64)

    model = CommandNet().to(args.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    criterion = nn.CrossEntropyLoss()
    print(f"accuracy before training {evaluate(model, test_loader, args.device):.3f}")
    losses = []
    for epoch in range(1, args.epochs + 1):
        model.train()
        total, count = 0.0, 0
        for waveform, label in train_loader:
            waveform, label = waveform.to(args.device), label.to(args.device)
            optimizer.zero_grad()
            loss = criterion(model(waveform), label)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(label)
            count += len(label)
        losses.append(total / count)
        print(f"epoch {epoch}  loss {losses[-1]:.4f}  test accuracy {evaluate(model, test_loader, args.device):.3f}")
    acc = evaluate(model, test_loader, args.device)
    print(f"final loss {losses[-1]:.4f}")
    print(f"test accuracy {acc:.3f}")
    return {"losses": losses, "test_accuracy": acc}


if __name__ == "__main__":
    main()
