"""MNIST with a multi-layer perceptron: datasets.MNIST + transforms + DataLoader, CrossEntropyLoss and Adam.

Reads the MNIST IDX files under --data (torchvision's layout, data/MNIST/raw/); without them it
generates a digits set of the same format and says so.

    python examples/mnist_mlp.py [--data DIR] [--epochs N] [--quick] [--device cpu|cuda]
"""
from __future__ import annotations

import argparse
import time

import digits

import cltorch as torch
from cltorch import nn
from cltorch.utils.data import DataLoader, Subset
from cltorch.vision import datasets, transforms


class MLP(nn.Module):
    """784 -> hidden -> hidden -> 10, ReLU between."""

    def __init__(self, hidden: int = 128):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, hidden), nn.ReLU(), nn.Linear(hidden, hidden),
                                 nn.ReLU(), nn.Linear(hidden, 10))

    def forward(self, x):
        """(batch, 1, 28, 28) images -> (batch, 10) logits."""
        return self.net(x)


def train_epoch(model, loader, criterion, optimizer, device) -> float:
    """One pass over loader; the mean training loss."""
    model.train()
    total, count = 0.0, 0
    for images, labels in loader:
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        loss = criterion(model(images), labels)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(labels)
        count += len(labels)
    return total / count


def evaluate(model, loader, device) -> float:
    """Accuracy on loader."""
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)
            correct += (model(images).argmax(dim=1) == labels).sum().item()
            total += len(labels)
    return correct / total


def main(argv=None) -> dict:
    """Train for a few epochs, printing loss, test accuracy and throughput per epoch."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data", help="folder holding MNIST/raw/*-ubyte[.gz]")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--train-size", type=int, default=10000, help="images to use (generated or a subset)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--quick", action="store_true", help="small settings (for tests)")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.train_size = min(args.epochs, 3), min(args.train_size, 1000)
    test_size = max(200, args.train_size // 5)

    torch.manual_seed(0)
    root, source = digits.mnist_root(args.data, args.train_size, test_size)
    print(f"data: {source}")
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    train_set = datasets.MNIST(root, train=True, transform=transform)
    test_set = datasets.MNIST(root, train=False, transform=transform)
    train_set = Subset(train_set, range(min(args.train_size, len(train_set))))
    test_set = Subset(test_set, range(min(test_size, len(test_set))))
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=256)

    model = MLP().to(args.device)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    print(f"accuracy before training {evaluate(model, test_loader, args.device):.3f}")
    losses = []
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        loss = train_epoch(model, train_loader, criterion, optimizer, args.device)
        seconds = time.perf_counter() - start
        acc = evaluate(model, test_loader, args.device)
        losses.append(loss)
        print(f"epoch {epoch}  loss {loss:.4f}  test accuracy {acc:.3f}  "
              f"{len(train_set) / seconds:.0f} images/s  {seconds:.2f} s")
    print(f"final loss {losses[-1]:.4f}")
    print(f"test accuracy {acc:.3f}")
    return {"losses": losses, "test_accuracy": acc}


if __name__ == "__main__":
    main()
