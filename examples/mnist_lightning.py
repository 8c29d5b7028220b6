"""The MNIST CNN as a LightningModule with a LightningDataModule, trained and tested by a Lightning Trainer
(cltorch.lightning, imported the way Lightning code imports pytorch_lightning).

Reads the MNIST IDX files under --data (data/MNIST/raw/); without them it generates a digits set of the
same format and says so. Checkpoints and CSV logs go to a temporary folder unless --root-dir is given.

    python examples/mnist_lightning.py [--data DIR] [--epochs N] [--accelerator auto|cpu|gpu] [--quick]
"""
from __future__ import annotations

import argparse
import atexit
import shutil
import tempfile

import digits

import cltorch as torch
import cltorch.lightning as pl
import cltorch.nn.functional as F
from cltorch import nn
from cltorch.utils.data import DataLoader, Subset, random_split
from cltorch.vision import datasets, transforms


class MNISTDataModule(pl.LightningDataModule):
    """MNIST (or generated digits) split into train/val, plus the test set, as DataLoaders."""

    def __init__(self, data_dir: str = "data", train_size: int = 10000, batch_size: int = 64):
        super().__init__()
        self.data_dir, self.train_size, self.batch_size = data_dir, train_size, batch_size
        self.transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
        self.root = self.source = None

    def prepare_data(self):
        """Find MNIST under data_dir or generate the digits (once)."""
        if self.root is not None:  # fit and test both call this; generate the digits once
            return
        test_size = max(200, self.train_size // 5)
        self.root, self.source = digits.mnist_root(self.data_dir, self.train_size + test_size, test_size)
        print(f"data: {self.source}")

    def setup(self, stage=None):
        """Build the train/val split (fit) and the test set (test)."""
        if stage in ("fit", None):
            full = datasets.MNIST(self.root, train=True, transform=self.transform)
            n = min(len(full), self.train_size + max(200, self.train_size // 5))
            val = max(1, n // 6)
            self.mnist_train, self.mnist_val = random_split(Subset(full, range(n)), [n - val, val],
                                                            generator=torch.Generator().manual_seed(42))
        if stage in ("test", None):
            test = datasets.MNIST(self.root, train=False, transform=self.transform)
            self.mnist_test = Subset(test, range(min(len(test), max(200, self.train_size // 5))))

    def train_dataloader(self):
        """Shuffled training batches."""
        return DataLoader(self.mnist_train, batch_size=self.batch_size, shuffle=True)

    def val_dataloader(self):
        """Validation batches."""
        return DataLoader(self.mnist_val, batch_size=256)

    def test_dataloader(self):
        """Test batches."""
        return DataLoader(self.mnist_test, batch_size=256)


class LitMNIST(pl.LightningModule):
    """The small CNN of mnist_cnn.py with its training, validation and test steps."""

    def __init__(self, lr: float = 2e-3, gamma: float = 0.7):
        super().__init__()
        self.save_hyperparameters()
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

    def training_step(self, batch, batch_idx):
        """The batch's NLL loss, logged per epoch as train_loss."""
        x, y = batch
        loss = F.nll_loss(self(x), y)
        self.log("train_loss", loss, on_step=False, on_epoch=True)
        return loss

    def _evaluate(self, batch, stage: str):
        x, y = batch
        logits = self(x)
        self.log(f"{stage}_loss", F.nll_loss(logits, y), prog_bar=True)
        self.log(f"{stage}_acc", (logits.argmax(dim=1) == y).float().mean(), prog_bar=True)

    def validation_step(self, batch, batch_idx):
        """Log val_loss and val_acc."""
        self._evaluate(batch, "val")

    def test_step(self, batch, batch_idx):
        """Log test_loss and test_acc."""
        self._evaluate(batch, "test")

    def configure_optimizers(self):
        """Adam with a StepLR schedule stepped every epoch."""
        optimizer = torch.optim.Adam(self.parameters(), lr=self.hparams.lr)
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=self.hparams.gamma)
        return {"optimizer": optimizer, "lr_scheduler": scheduler}


class PrintMetrics(pl.Callback):
    """Print each epoch's training loss and validation metrics (from trainer.callback_metrics)."""

    def on_train_epoch_end(self, trainer, pl_module):
        """Print the epoch's metrics."""
        m = {k: float(v) for k, v in trainer.callback_metrics.items()}
        print(f"epoch {trainer.current_epoch + 1}  loss {m.get('train_loss', float('nan')):.4f}  "
              f"val loss {m.get('val_loss', float('nan')):.4f}  val accuracy {m.get('val_acc', float('nan')):.3f}")


def main(argv=None) -> dict:
    """Fit with the Trainer, then test the trained model."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data", help="folder holding MNIST/raw/*-ubyte[.gz]")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--train-size", type=int, default=10000)
    parser.add_argument("--accelerator", default="auto")
    parser.add_argument("--root-dir", default=None, help="where checkpoints and logs go (default: a temp folder)")
    parser.add_argument("--quick", action="store_true", help="small settings (for tests)")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.train_size = min(args.epochs, 2), min(args.train_size, 1000)
    root_dir = args.root_dir
    if root_dir is None:
        root_dir = tempfile.mkdtemp(prefix="cltorch-lightning-")
        atexit.register(shutil.rmtree, root_dir, ignore_errors=True)

    pl.seed_everything(1)
    dm = MNISTDataModule(args.data, args.train_size)
    model = LitMNIST()
    trainer = pl.Trainer(max_epochs=args.epochs, accelerator=args.accelerator, devices=1,
                         default_root_dir=root_dir, callbacks=[PrintMetrics()], enable_progress_bar=not args.quick)
    trainer.fit(model, datamodule=dm)
    final_loss = float(trainer.callback_metrics["train_loss"])
    results = trainer.test(model, datamodule=dm)
    acc = float(results[0]["test_acc"])
    print(f"final loss {final_loss:.4f}")
    print(f"test accuracy {acc:.3f}")
    return {"test_accuracy": acc}


if __name__ == "__main__":
    main()
