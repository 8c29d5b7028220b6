"""MNIST with a small convolutional network (as in pytorch/examples' mnist): Conv2d, max pooling, dropout,
log_softmax + nll_loss, Adam with StepLR, and the trained weights saved with torch.save.

Reads the MNIST IDX files under --data (data/MNIST/raw/); without them it generates a digits set of
the same format and says so.

    python examples/mnist_cnn.py [--data DIR] [--epochs N] [--save FILE] [--quick] [--device cpu|cuda]
"""
from __future__ import annotations

import argparse
import time

import digits

import cltorch as torch
import cltorch.nn.functional as F
from cltorch import nn
from cltorch.optim.lr_scheduler import StepLR
from cltorch.utils.data import DataLoader, Subset
from cltorch.vision import datasets, transforms


class Net(nn.Module):
    """conv(1->16, 3) -> ReLU -> pool -> conv(16->32, 3) -> ReLU -> pool -> dropout -> fc(800->64) -> fc(64->10)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3)
        self.conv2 = nn.Conv2d(16, 32, 3)
        self.dropout = nn.Dropout(0.25)
        self.fc1 = nn.Linear(32 * 5 * 5, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        """(batch, 1, 28, 28) images -> (batch, 10) log-probabilities."""
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = self.dropout(torch.flatten(x, 1))
        x = F.relu(self.fc1(x))
        return F.log_softmax(self.fc2(x), dim=1)


def train(model, device, loader, optimizer, epoch: int, log_interval: int) -> float:
    """One epoch; logs every log_interval batches and returns the mean loss."""
    model.train()
    total, count = 0.0, 0
    for batch_idx, (data, target) in enumerate(loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        loss = F.nll_loss(model(data), target)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(target)
        count += len(target)
        if batch_idx % log_interval == 0:
            print(f"  train epoch {epoch} [{count}/{len(loader.dataset)}]  loss {loss.item():.4f}")
    return total / count


def test(model, device, loader) -> tuple:
    """(mean loss, accuracy) on loader."""
    model.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for data, target in loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            loss += F.nll_loss(output, target, reduction="sum").item()
            correct += output.argmax(dim=1).eq(target).sum().item()
    n = len(loader.dataset)
    return loss / n, correct / n


def main(argv=None) -> dict:
    """Train, printing loss, test accuracy and images/s per epoch, then save and reload the weights."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data", help="folder holding MNIST/raw/*-ubyte[.gz]")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--train-size", type=int, default=10000, help="images to use (generated or a subset)")
    parser.add_argument("--save", default=None, help="where to save the trained state_dict")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--quick", action="store_true", help="small settings (for tests)")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.train_size = min(args.epochs, 2), min(args.train_size, 1000)
    test_size = max(200, args.train_size // 5)

    torch.manual_seed(1)
    root, source = digits.mnist_root(args.data, args.train_size, test_size)
    print(f"data: {source}")
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    train_set = Subset(datasets.MNIST(root, train=True, transform=transform), range(args.train_size))
    test_set = datasets.MNIST(root, train=False, transform=transform)
    test_set = Subset(test_set, range(min(test_size, len(test_set))))
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=256)

    model = Net().to(args.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    print(f"accuracy before training {test(model, args.device, test_loader)[1]:.3f}")
    losses = []
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        losses.append(train(model, args.device, train_loader, optimizer, epoch, log_interval=50))
        seconds = time.perf_counter() - start
        test_loss, acc = test(model, args.device, test_loader)
        scheduler.step()
        print(f"epoch {epoch}  loss {losses[-1]:.4f}  test loss {test_loss:.4f}  test accuracy {acc:.3f}  "
              f"{len(train_set) / seconds:.0f} images/s  {seconds:.2f} s")
    if args.save:
        torch.save(model.state_dict(), args.save)
        reloaded = Net().to(args.device)
        reloaded.load_state_dict(torch.load(args.save))
        print(f"saved to {args.save}; reloaded model test accuracy {test(reloaded, args.device, test_loader)[1]:.3f}")
    print(f"final loss {losses[-1]:.4f}")
    print(f"test accuracy {acc:.3f}")
    return {"losses": losses, "test_accuracy": acc}


if __name__ == "__main__":
    main()
