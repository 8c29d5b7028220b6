"""cltorch.lightning: a small classifier trained with LightningModule + Trainer; logging, checkpoints, hparams."""
from __future__ import annotations

import csv
import os

import numpy as np
import pytest

import cltorch as torch
import cltorch.lightning as pl
import cltorch.nn.functional as F
from cltorch import nn
from cltorch.lightning.loggers import CSVLogger
from cltorch.lightning.loggers._yaml import dump, load
from cltorch.lightning.utilities import AttributeDict
from cltorch.utils.data import DataLoader, TensorDataset


def _data(n=80, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    y = ((x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0.3)).astype(np.int64)
    return x, y


class Classifier(pl.LightningModule):
    """Three-class classifier on generated data; logs loss and accuracy."""

    def __init__(self, lr: float = 0.2, hidden: int = 8, name: str = "clf"):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(nn.Linear(4, hidden), nn.ReLU(), nn.Linear(hidden, 3))
        x, y = _data()
        self.x, self.y = torch.tensor(x), torch.tensor(y)

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.cross_entropy(self(x), y)
        self.log("train_loss", loss, prog_bar=True)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        logits = self(x)
        self.log("val_loss", F.cross_entropy(logits, y), prog_bar=True)
        self.log("val_acc", (logits.argmax(1) == y).float().mean())

    def test_step(self, batch, batch_idx):
        x, y = batch
        self.log("test_acc", (self(x).argmax(1) == y).float().mean())

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)

    def train_dataloader(self):
        return DataLoader(TensorDataset(self.x[:48], self.y[:48]), batch_size=16, shuffle=True)

    def val_dataloader(self):
        return DataLoader(TensorDataset(self.x[48:], self.y[48:]), batch_size=12)  # 12, 12, 8: uneven batches

    def test_dataloader(self):
        return self.val_dataloader()


def _trainer(tmp_path, **kwargs):
    kwargs.setdefault("enable_progress_bar", False)
    kwargs.setdefault("enable_model_summary", False)
    return pl.Trainer(default_root_dir=str(tmp_path), **kwargs)


def test_fit_trains_and_fills_metrics(tmp_path):
    torch.manual_seed(0)
    model = Classifier(lr=0.5)
    with torch.no_grad():
        initial = F.cross_entropy(model(model.x[48:]), model.y[48:]).item()
    trainer = _trainer(tmp_path, max_epochs=4, log_every_n_steps=1)
    trainer.fit(model)
    assert trainer.current_epoch == 4 and trainer.global_step == 12
    assert trainer.state.finished
    assert set(trainer.callback_metrics) == {"train_loss", "val_loss", "val_acc"}
    assert set(trainer.progress_bar_metrics) == {"train_loss", "val_loss"}
    assert isinstance(trainer.progress_bar_metrics["val_loss"], float)
    # the epoch value is the batch-size weighted mean over the (uneven) validation batches
    model.eval()
    losses, sizes = [], []
    with torch.no_grad():
        for start in range(48, 80, 12):
            xb, yb = model.x[start:start + 12], model.y[start:start + 12]
            losses.append(F.cross_entropy(model(xb), yb).item())
            sizes.append(len(yb))
    expected = float(np.dot(losses, sizes) / np.sum(sizes))
    assert expected != pytest.approx(float(np.mean(losses)), rel=1e-4, abs=0)
    assert float(trainer.callback_metrics["val_loss"]) == pytest.approx(expected, rel=1e-5)
    assert float(trainer.callback_metrics["val_loss"]) < initial - 0.1


def test_metrics_csv_and_hparams_yaml(tmp_path):
    torch.manual_seed(0)
    model = Classifier(lr=0.1, hidden=6, name="my model")
    trainer = _trainer(tmp_path, max_epochs=2, log_every_n_steps=2)
    trainer.fit(model)
    log_dir = os.path.join(tmp_path, "lightning_logs", "version_0")
    assert trainer.log_dir == log_dir
    with open(os.path.join(log_dir, "metrics.csv"), newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert set(rows[0]) == {"epoch", "step", "train_loss", "val_loss", "val_acc"}
    train_rows = [r for r in rows if r["train_loss"]]
    val_rows = [r for r in rows if r["val_loss"]]
    # 3 steps per epoch, logged every 2nd step: steps 1, 3, 5 (0-based)
    assert [int(r["step"]) for r in train_rows] == [1, 3, 5]
    assert [int(r["epoch"]) for r in train_rows] == [0, 1, 1]
    assert [(int(r["epoch"]), int(r["step"])) for r in val_rows] == [(0, 2), (1, 5)]
    assert float(val_rows[-1]["val_loss"]) == pytest.approx(float(trainer.callback_metrics["val_loss"]), rel=1e-6)
    assert float(val_rows[-1]["val_acc"]) == pytest.approx(float(trainer.logged_metrics["val_acc"]), rel=1e-6)
    with open(os.path.join(log_dir, "hparams.yaml")) as fh:
        text = fh.read()
    assert text == "lr: 0.1\nhidden: 6\nname: my model\n"
    assert load(text) == {"lr": 0.1, "hidden": 6, "name": "my model"}
    # a second run gets the next version folder
    _trainer(tmp_path, max_epochs=1).fit(Classifier())
    assert os.path.isdir(os.path.join(tmp_path, "lightning_logs", "version_1"))


def test_default_checkpoint_and_load_from_checkpoint(tmp_path):
    torch.manual_seed(0)
    model = Classifier(lr=0.3)
    trainer = _trainer(tmp_path, max_epochs=3)
    trainer.fit(model)
    ckpt_dir = os.path.join(tmp_path, "lightning_logs", "version_0", "checkpoints")
    assert os.listdir(ckpt_dir) == ["epoch=2-step=9.ckpt"]  # only the latest epoch is kept
    path = trainer.checkpoint_callback.best_model_path
    assert path == os.path.join(ckpt_dir, "epoch=2-step=9.ckpt")
    ckpt = torch.load(path)
    assert ckpt["epoch"] == 2 and ckpt["global_step"] == 9
    assert ckpt["hyper_parameters"] == {"lr": 0.3, "hidden": 8, "name": "clf"}
    assert {"state_dict", "optimizer_states", "lr_schedulers", "callbacks", "loops",
            "pytorch-lightning_version"} <= set(ckpt)
    loaded = Classifier.load_from_checkpoint(path)
    assert isinstance(loaded.hparams, AttributeDict) and loaded.hparams.lr == 0.3
    for (k1, v1), (k2, v2) in zip(model.state_dict().items(), loaded.state_dict().items()):
        assert k1 == k2
        np.testing.assert_array_equal(v1.numpy(), v2.numpy())
    model.eval()
    loaded.eval()
    with torch.no_grad():
        np.testing.assert_array_equal(model(model.x).numpy(), loaded(model.x).numpy())
    overridden = Classifier.load_from_checkpoint(path, map_location="cpu", lr=0.05)
    assert overridden.hparams.lr == 0.05 and overridden.hparams.hidden == 8
    assert overridden.device == torch.device("cpu")


def test_test_and_validate_return_metrics(tmp_path, capsys):
    torch.manual_seed(0)
    model = Classifier()
    trainer = _trainer(tmp_path, max_epochs=2)
    trainer.fit(model)
    with pytest.warns(UserWarning, match="best model of the previous `fit`"):
        results = trainer.test()
    out = capsys.readouterr().out
    assert "Test metric" in out and "test_acc" in out
    model.eval()
    with torch.no_grad():
        acc = (model(model.x[48:]).argmax(1) == model.y[48:]).float().mean().item()
    assert results == [{"test_acc": pytest.approx(acc, rel=1e-6)}]
    val = trainer.validate(model, verbose=False)
    assert set(val[0]) == {"val_loss", "val_acc"}
    assert val[0]["val_acc"] == pytest.approx(acc, rel=1e-6)


def test_save_hyperparameters_variants():
    class Sub(Classifier):
        def __init__(self, depth: int = 2, **kwargs):
            super().__init__(**kwargs)

    m = Sub(depth=3, lr=0.5)
    assert dict(m.hparams) == {"lr": 0.5, "hidden": 8, "name": "clf", "depth": 3}

    class Picky(pl.LightningModule):
        def __init__(self, a=1, b=2, net=None):
            super().__init__()
            self.save_hyperparameters(ignore=["net"])

    assert dict(Picky(a=5).hparams) == {"a": 5, "b": 2}

    class Named(pl.LightningModule):
        def __init__(self, a=1, b=2):
            super().__init__()
            self.save_hyperparameters("b")

    assert dict(Named(b=7).hparams) == {"b": 7}

    class FromDict(pl.LightningModule):
        def __init__(self, conf):
            super().__init__()
            self.save_hyperparameters(conf)

    hp = FromDict({"x": 1, "y": [1, 2]}).hparams
    assert hp.x == 1 and hp.y == [1, 2]
    assert pl.LightningModule().hparams == {}


def test_csv_logger_explicit_and_log_dict(tmp_path):
    class DictLogger(Classifier):
        def training_step(self, batch, batch_idx):
            x, y = batch
            loss = F.cross_entropy(self(x), y)
            self.log_dict({"a": loss, "b": 2.0}, on_step=False, on_epoch=True)
            self.log("c", 1.0, reduce_fx="sum", on_step=False, on_epoch=True)
            self.log("d", float(batch_idx), reduce_fx="max", on_step=False, on_epoch=True)
            self.log("e", loss, on_step=True, on_epoch=True)
            return loss

    torch.manual_seed(0)
    logger = CSVLogger(tmp_path, name="exp", version="run1")
    trainer = _trainer(tmp_path, max_epochs=1, logger=logger, limit_val_batches=0)
    trainer.fit(DictLogger())
    metrics = trainer.callback_metrics
    assert float(metrics["b"]) == 2.0 and float(metrics["c"]) == 3.0 and float(metrics["d"]) == 2.0
    assert {"e", "e_step", "e_epoch"} <= set(metrics) and "e_epoch" in trainer.logged_metrics
    assert os.path.isfile(os.path.join(tmp_path, "exp", "run1", "metrics.csv"))
    assert trainer.checkpoint_callback.dirpath == os.path.realpath(os.path.join(tmp_path, "exp", "run1",
                                                                                "checkpoints"))


def test_log_rejects_bad_values(tmp_path):
    class Bad(Classifier):
        def training_step(self, batch, batch_idx):
            self.log("v", torch.ones(3))

    with pytest.raises(ValueError, match="must have a single element"):
        _trainer(tmp_path, max_epochs=1, logger=False, enable_checkpointing=False).fit(Bad())


def test_yaml_round_trip():
    data = {"lr": 1e-3, "n": 3, "flag": True, "none": None, "s": "yes", "num": "1.5", "lst": [1, "a b"],
            "nested": {"a": {"b": [{"x": 1, "y": [1, 2]}]}, "e": {}}, "q": "it's", "nl": "a\nb",
            "inf": float("inf")}
    assert load(dump(data)) == data
    assert dump({}) == "{}\n"
    assert dump({"t": (1, 2)}) == "t:\n- 1\n- 2\n"
