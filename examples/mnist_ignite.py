"""The MNIST CNN trained with an Ignite engine (cltorch.ignite, imported the way Ignite code imports ignite):
create_supervised_trainer/evaluator, Accuracy and Loss metrics, event handlers, a RunningAverage of the loss,
ModelCheckpoint keeping the best model and EarlyStopping.

Reads the MNIST IDX files under --data (data/MNIST/raw/); without them it generates a digits set of the
same format and says so.

    python examples/mnist_ignite.py [--data DIR] [--epochs N] [--quick] [--device cpu|cuda]
"""
from __future__ import annotations

import argparse
import atexit
import os
import shutil
import tempfile

import digits

import cltorch as torch
import cltorch.nn.functional as F
from cltorch import nn
from cltorch.ignite.engine import Events, create_supervised_evaluator, create_supervised_trainer
from cltorch.ignite.handlers import EarlyStopping, ModelCheckpoint
from cltorch.ignite.metrics import Accuracy, Loss, RunningAverage
from cltorch.utils.data import DataLoader, Subset
from cltorch.vision import datasets, transforms


class Net(nn.Module):
    """The small CNN of mnist_cnn.py."""

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
        x = F.relu(self.fc1(self.dropout(torch.flatten(x, 1))))
        return F.log_softmax(self.fc2(x), dim=1)


def get_data_loaders(data: str, train_size: int, batch_size: int) -> tuple:
    """(train loader, test loader, description of the data used)."""
    test_size = max(200, train_size // 5)
    root, source = digits.mnist_root(data, train_size, test_size)
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    train = Subset(datasets.MNIST(root, train=True, transform=transform), range(train_size))
    test = datasets.MNIST(root, train=False, transform=transform)
    test = Subset(test, range(min(len(test), test_size)))
    return DataLoader(train, batch_size=batch_size, shuffle=True), DataLoader(test, batch_size=256), source


def main(argv=None) -> dict:
    """Run the trainer engine, evaluating after every epoch; print the metrics and the best checkpoint."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data", help="folder holding MNIST/raw/*-ubyte[.gz]")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--train-size", type=int, default=10000)
    parser.add_argument("--log-interval", type=int, default=50)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--quick", action="store_true", help="small settings (for tests)")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.train_size = min(args.epochs, 2), min(args.train_size, 1000)
        args.log_interval = min(args.log_interval, 5)
    checkpoints = tempfile.mkdtemp(prefix="cltorch-ignite-")
    atexit.register(shutil.rmtree, checkpoints, ignore_errors=True)

    torch.manual_seed(1)
    train_loader, val_loader, source = get_data_loaders(args.data, args.train_size, args.batch_size)
    print(f"data: {source}")
    model = Net().to(args.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    trainer = create_supervised_trainer(model, optimizer, F.nll_loss, device=args.device)
    evaluator = create_supervised_evaluator(model, metrics={"accuracy": Accuracy(), "nll": Loss(F.nll_loss)},
                                            device=args.device)
    RunningAverage(output_transform=lambda loss: loss).attach(trainer, "loss")
    history = {"loss": [], "accuracy": []}

    @trainer.on(Events.ITERATION_COMPLETED(every=args.log_interval))
    def log_training_loss(engine):
        """Print the batch loss and its running average."""
        print(f"Epoch[{engine.state.epoch}] Iteration[{engine.state.iteration}] Loss: {engine.state.output:.4f}  "
              f"(running average {engine.state.metrics['loss']:.4f})")

    @trainer.on(Events.EPOCH_COMPLETED)
    def log_validation_results(engine):
        """Evaluate on the test loader and print its metrics."""
        evaluator.run(val_loader)
        metrics = evaluator.state.metrics
        history["loss"].append(engine.state.metrics["loss"])
        history["accuracy"].append(metrics["accuracy"])
        print(f"Validation Results - Epoch: {engine.state.epoch}  Avg accuracy: {metrics['accuracy']:.3f} "
              f"Avg loss: {metrics['nll']:.4f}")

    def score(engine):
        """Checkpoints and early stopping rank epochs by accuracy."""
        return engine.state.metrics["accuracy"]

    evaluator.add_event_handler(Events.COMPLETED, ModelCheckpoint(checkpoints, "mnist", n_saved=1,
                                                                  score_function=score, score_name="accuracy",
                                                                  require_empty=False), {"model": model})
    evaluator.add_event_handler(Events.COMPLETED, EarlyStopping(patience=3, score_function=score, trainer=trainer))

    trainer.run(train_loader, max_epochs=args.epochs)
    saved = sorted(os.listdir(checkpoints))
    print(f"best checkpoint: {saved[-1] if saved else None}")
    print(f"final loss {history['loss'][-1]:.4f}")
    print(f"test accuracy {history['accuracy'][-1]:.3f}")
    return {"losses": history["loss"], "test_accuracy": history["accuracy"][-1]}


if __name__ == "__main__":
    main()
