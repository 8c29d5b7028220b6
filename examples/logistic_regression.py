"""Logistic regression, as in a first PyTorch tutorial: nn.Linear + Sigmoid, BCELoss and SGD on two 2-D blobs.

    python examples/logistic_regression.py [--epochs N] [--quick] [--device cpu|cuda]
"""
from __future__ import annotations

import argparse

import numpy as np

import cltorch as torch
from cltorch import nn


def make_blobs(n: int, seed: int):
    """n points from two overlapping Gaussian blobs (class 0 around (-1, -1), class 1 around (1, 1))."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=n)
    centers = np.where(labels[:, None] == 1, 1.0, -1.0)
    x = (centers + 0.8 * rng.standard_normal((n, 2))).astype(np.float32)
    return torch.from_numpy(x), torch.from_numpy(labels.astype(np.float32)).unsqueeze(1)


class LogisticRegression(nn.Module):
    """p(y = 1 | x) = sigmoid(w . x + b)."""

    def __init__(self, features: int):
        super().__init__()
        self.linear = nn.Linear(features, 1)

    def forward(self, x):
        """(batch, features) -> (batch, 1) probabilities."""
        return torch.sigmoid(self.linear(x))


def accuracy(model, x, y) -> float:
    """Fraction of points whose thresholded probability matches the label."""
    with torch.no_grad():
        return ((model(x) > 0.5).float() == y).float().mean().item()


def main(argv=None) -> dict:
    """Train, printing the loss, then the train and test accuracy."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--quick", action="store_true", help="small settings (for tests)")
    args = parser.parse_args(argv)
    epochs = min(args.epochs, 80) if args.quick else args.epochs

    torch.manual_seed(0)
    x_train, y_train = (t.to(args.device) for t in make_blobs(400, seed=1))
    x_test, y_test = (t.to(args.device) for t in make_blobs(200, seed=2))
    model = LogisticRegression(2).to(args.device)
    criterion = nn.BCELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)

    print(f"accuracy before training {accuracy(model, x_test, y_test):.3f}")
    first = None
    for epoch in range(epochs):
        optimizer.zero_grad()
        loss = criterion(model(x_train), y_train)
        loss.backward()
        optimizer.step()
        first = loss.item() if first is None else first
        if epoch % max(1, epochs // 5) == 0 or epoch == epochs - 1:
            print(f"epoch {epoch + 1:4d}  loss {loss.item():.4f}")
    final = loss.item()
    train_acc, test_acc = accuracy(model, x_train, y_train), accuracy(model, x_test, y_test)
    print(f"initial loss {first:.4f}")
    print(f"final loss {final:.4f}")
    print(f"train accuracy {train_acc:.3f}")
    print(f"test accuracy {test_acc:.3f}")
    return {"initial_loss": first, "final_loss": final, "test_accuracy": test_acc}


if __name__ == "__main__":
    main()
