"""Linear regression, as in a first PyTorch tutorial: nn.Linear, MSELoss and SGD recover y = 2x - 1 (+ noise).

    python examples/linear_regression.py [--epochs N] [--quick] [--device cpu|cuda]
"""
from __future__ import annotations

import argparse

import numpy as np

import cltorch as torch
from cltorch import nn


def make_data(n: int, seed: int = 0):
    """n points of y = 2x - 1 plus a little Gaussian noise, as (n, 1) float32 tensors."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, size=(n, 1)).astype(np.float32)
    y = (2.0 * x - 1.0 + 0.1 * rng.standard_normal((n, 1))).astype(np.float32)
    return torch.from_numpy(x), torch.from_numpy(y)


def main(argv=None) -> dict:
    """Fit the line and print the loss every few epochs and the learned weight and bias."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--quick", action="store_true", help="small settings (for tests)")
    args = parser.parse_args(argv)
    epochs = min(args.epochs, 60) if args.quick else args.epochs

    torch.manual_seed(0)
    x, y = make_data(100)
    x, y = x.to(args.device), y.to(args.device)
    model = nn.Linear(1, 1).to(args.device)
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)

    first = None
    for epoch in range(epochs):
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        first = loss.item() if first is None else first
        if epoch % max(1, epochs // 5) == 0 or epoch == epochs - 1:
            print(f"epoch {epoch + 1:4d}  loss {loss.item():.4f}")
    w, b = model.weight.item(), model.bias.item()
    final = criterion(model(x), y).item()
    print(f"initial loss {first:.4f}")
    print(f"final loss {final:.4f}")
    print(f"learned y = {w:.3f} x + {b:.3f}  (true: y = 2 x - 1)")
    return {"initial_loss": first, "final_loss": final, "weight": w, "bias": b}


if __name__ == "__main__":
    main()
