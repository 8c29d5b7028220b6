"""cltorch.lightning callbacks: EarlyStopping, ModelCheckpoint top-k, LearningRateMonitor, and resuming runs."""
from __future__ import annotations

import csv
import os

import numpy as np
import pytest

import cltorch as torch
import cltorch.lightning as pl
import cltorch.nn.functional as F
from cltorch import nn
from cltorch.lightning.callbacks import Callback, EarlyStopping, LearningRateMonitor, ModelCheckpoint
from cltorch.lightning.utilities.exceptions import MisconfigurationException
from cltorch.utils.data import DataLoader, TensorDataset

_RNG = np.random.default_rng(2)
_X = _RNG.normal(size=(48, 4)).astype(np.float32)
_Y = (_X[:, 0] - _X[:, 2] > 0).astype(np.int64)


class Net(pl.LightningModule):
    """Dropout, shuffling, Adam and a StepLR: everything a resumed run must restore to match."""

    def __init__(self, lr: float = 0.05, scripted=None):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 2))

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        loss = F.cross_entropy(self(batch[0]), batch[1])
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        self.log("val_loss", F.cross_entropy(self(batch[0]), batch[1]))

    def on_validation_epoch_end(self):
        if self.hparams.scripted is not None and not self.trainer.sanity_checking:
            self.log("score", float(self.hparams.scripted[self.current_epoch]))

    def configure_optimizers(self):
        opt = torch.optim.Adam(self.parameters(), lr=self.hparams.lr)
        return [opt], [torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)]

    def train_dataloader(self):
        return DataLoader(TensorDataset(torch.tensor(_X), torch.tensor(_Y)), batch_size=8, shuffle=True)

    def val_dataloader(self):
        return DataLoader(TensorDataset(torch.tensor(_X), torch.tensor(_Y)), batch_size=16)


def _trainer(root, **kwargs):
    kwargs.setdefault("enable_progress_bar", False)
    kwargs.setdefault("enable_model_summary", False)
    return pl.Trainer(default_root_dir=str(root), **kwargs)


def test_early_stopping_stops_at_the_expected_epoch(tmp_path):
    scripted = [5.0, 4.0, 4.5, 4.2, 4.05, 3.0, 2.0]
    stopper = EarlyStopping(monitor="score", patience=3, mode="min")
    trainer = _trainer(tmp_path, max_epochs=7, limit_train_batches=1, limit_val_batches=1, logger=False,
                       enable_checkpointing=False, callbacks=[stopper])
    trainer.fit(Net(scripted=scripted))
    # best 4.0 at epoch 1; epochs 2, 3, 4 do not improve -> stop after epoch 4
    assert trainer.current_epoch == 5 and stopper.stopped_epoch == 4 and stopper.wait_count == 3
    assert stopper.best_score == 4.0
    # with min_delta, a small improvement does not count
    stopper = EarlyStopping(monitor="score", patience=2, mode="max", min_delta=0.5)
    trainer = _trainer(tmp_path, max_epochs=7, limit_train_batches=1, limit_val_batches=1, logger=False,
                       enable_checkpointing=False, callbacks=[stopper])
    trainer.fit(Net(scripted=[1.0, 1.4, 1.45, 9.0, 9.0, 9.0, 9.0]))
    assert stopper.stopped_epoch == 2 and trainer.current_epoch == 3
    missing = EarlyStopping(monitor="nope")
    with pytest.raises(RuntimeError, match="not available"):
        _trainer(tmp_path, max_epochs=2, limit_train_batches=1, limit_val_batches=1, logger=False,
                 enable_checkpointing=False, callbacks=[missing]).fit(Net())


def test_model_checkpoint_top_k_template_and_last(tmp_path):
    scripted = [5.0, 3.0, 4.0, 1.0, 2.0]
    ckpt = ModelCheckpoint(dirpath=tmp_path / "ck", filename="{epoch}-{score:.2f}", monitor="score", mode="min",
                           save_top_k=2, save_last=True)
    trainer = _trainer(tmp_path, max_epochs=5, limit_train_batches=1, limit_val_batches=1, callbacks=[ckpt])
    trainer.fit(Net(scripted=scripted))
    assert sorted(os.listdir(tmp_path / "ck")) == ["epoch=3-score=1.00.ckpt", "epoch=4-score=2.00.ckpt", "last.ckpt"]
    assert ckpt.best_model_path == str(tmp_path / "ck" / "epoch=3-score=1.00.ckpt")
    assert float(ckpt.best_model_score) == 1.0 and float(ckpt.kth_value) == 2.0
    assert ckpt.last_model_path == str(tmp_path / "ck" / "last.ckpt")
    assert set(ckpt.best_k_models) == {str(tmp_path / "ck" / n) for n in
                                       ("epoch=3-score=1.00.ckpt", "epoch=4-score=2.00.ckpt")}
    best = torch.load(ckpt.best_model_path)
    assert best["epoch"] == 3 and best["global_step"] == 4
    state = best["callbacks"][ckpt.state_key]
    assert state["best_model_score"] == 1.0 and state["monitor"] == "score"
    assert ckpt.format_checkpoint_name({"epoch": 3, "val/acc": 0.5}, "{epoch:02d}-{val/acc:.1f}") \
        == str(tmp_path / "ck" / "epoch=03-val/acc=0.5.ckpt")
    with pytest.raises(MisconfigurationException, match="No quantity for top_k"):
        ModelCheckpoint(save_top_k=3)
    weights_only = ModelCheckpoint(dirpath=tmp_path / "w", save_weights_only=True)
    _trainer(tmp_path, max_epochs=1, limit_train_batches=1, limit_val_batches=1, callbacks=[weights_only]).fit(Net())
    assert "optimizer_states" not in torch.load(weights_only.best_model_path)


class _Stop(Callback):
    """Raises at the start of an epoch or at a global step, like a crash."""

    def __init__(self, epoch=None, step=None):
        self.epoch, self.step = epoch, step

    def on_train_epoch_start(self, trainer, pl_module):
        if trainer.current_epoch == self.epoch:
            raise RuntimeError("interrupted")

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        if trainer.global_step == self.step:
            raise RuntimeError("interrupted")


def _run(root, max_epochs, ckpt_path=None, stop=None, every_n_train_steps=None):
    torch.manual_seed(11)
    model = Net()
    ckpt = ModelCheckpoint(dirpath=os.path.join(root, "ck"), save_last=True, every_n_train_steps=every_n_train_steps)
    trainer = _trainer(root, max_epochs=max_epochs, callbacks=[ckpt] + ([stop] if stop else []), logger=False)
    if stop is None:
        trainer.fit(model, ckpt_path=ckpt_path)
    else:
        with pytest.raises(RuntimeError, match="interrupted"):
            trainer.fit(model, ckpt_path=ckpt_path)
    return model, trainer


def _assert_same_weights(a, b):
    for (name, p), q in zip(a.named_parameters(), b.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy(), err_msg=name)


def test_resume_after_max_epochs_matches_uninterrupted(tmp_path):
    full, full_trainer = _run(tmp_path / "full", 4)
    _run(tmp_path / "part", 2)
    resumed, trainer = _run(tmp_path / "part", 4, ckpt_path=str(tmp_path / "part" / "ck" / "last.ckpt"))
    _assert_same_weights(full, resumed)
    assert trainer.global_step == full_trainer.global_step == 24 and trainer.current_epoch == 4
    assert trainer.optimizers[0].param_groups[0]["lr"] == pytest.approx(0.05 * 0.7 ** 4)
    # a model trained for 2 epochs only is different, so the comparison can fail
    short, _ = _run(tmp_path / "short", 2)
    assert not np.array_equal(short.net[0].weight.detach().numpy(), full.net[0].weight.detach().numpy())


def test_resume_after_exception_matches_uninterrupted(tmp_path):
    full, _ = _run(tmp_path / "full", 4)
    _run(tmp_path / "crash", 4, stop=_Stop(epoch=2))
    assert torch.load(str(tmp_path / "crash" / "ck" / "last.ckpt"))["epoch"] == 1
    resumed, trainer = _run(tmp_path / "crash", 4, ckpt_path=str(tmp_path / "crash" / "ck" / "last.ckpt"))
    _assert_same_weights(full, resumed)
    assert trainer.global_step == 24


def test_resume_mid_epoch_matches_uninterrupted(tmp_path):
    full, _ = _run(tmp_path / "full", 3, every_n_train_steps=4)
    _run(tmp_path / "crash", 3, stop=_Stop(step=10), every_n_train_steps=4)
    ckpt = torch.load(str(tmp_path / "crash" / "ck" / "last.ckpt"))
    assert ckpt["global_step"] == 8 and ckpt["loops"]["fit_loop"]["batches_done"] == 2
    resumed, trainer = _run(tmp_path / "crash", 3, ckpt_path=str(tmp_path / "crash" / "ck" / "last.ckpt"),
                            every_n_train_steps=4)
    _assert_same_weights(full, resumed)
    assert trainer.global_step == 18


def test_callback_state_restored_on_resume(tmp_path):
    class Counter(Callback):
        def __init__(self):
            self.batches = 0

        @property
        def state_key(self):
            return "Counter"

        def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
            self.batches += 1

        def state_dict(self):
            return {"batches": self.batches}

        def load_state_dict(self, state_dict):
            self.batches = state_dict["batches"]

    first = Counter()
    trainer = _trainer(tmp_path, max_epochs=1, logger=False, callbacks=[first])
    trainer.fit(Net())
    path = trainer.checkpoint_callback.best_model_path
    assert torch.load(path)["callbacks"]["Counter"] == {"batches": 6}
    second = Counter()
    _trainer(tmp_path, max_epochs=2, logger=False, callbacks=[second]).fit(Net(), ckpt_path=path)
    assert second.batches == 12


def test_learning_rate_monitor_logs_to_csv(tmp_path):
    monitor = LearningRateMonitor(logging_interval="epoch")
    trainer = _trainer(tmp_path, max_epochs=3, limit_train_batches=2, limit_val_batches=1, callbacks=[monitor])
    trainer.fit(Net())
    assert monitor.lrs["lr-Adam"] == pytest.approx([0.05, 0.035, 0.0245])
    with open(os.path.join(trainer.log_dir, "metrics.csv"), newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["lr-Adam"]]
    assert [float(r["lr-Adam"]) for r in rows] == pytest.approx([0.05, 0.035, 0.0245])
    with pytest.raises(MisconfigurationException, match="has no logger"):
        _trainer(tmp_path, max_epochs=1, logger=False, callbacks=[LearningRateMonitor()]).fit(Net())


def test_callback_hook_order(tmp_path):
    calls = []

    class Spy(Callback):
        def __getattribute__(self, name):
            if name.startswith("on_") or name in ("setup", "teardown"):
                calls.append(name)
            return object.__getattribute__(self, name)

    _trainer(tmp_path, max_epochs=1, limit_train_batches=1, limit_val_batches=1, num_sanity_val_steps=1,
             logger=False, enable_checkpointing=False, callbacks=[Spy()]).fit(Net())
    skip = {"on_before_backward", "on_after_backward", "on_before_optimizer_step", "on_before_zero_grad",
            "on_validation_batch_start", "on_validation_batch_end"}
    assert [c for c in calls if c not in skip] == [
        "setup", "on_fit_start", "on_sanity_check_start", "on_validation_start", "on_validation_epoch_start",
        "on_validation_epoch_end", "on_validation_end", "on_sanity_check_end", "on_train_start",
        "on_train_epoch_start", "on_train_batch_start", "on_train_batch_end", "on_validation_start",
        "on_validation_epoch_start", "on_validation_epoch_end", "on_validation_end", "on_train_epoch_end",
        "on_train_end", "on_fit_end", "teardown"]
    assert {"on_before_backward", "on_after_backward", "on_before_optimizer_step", "on_before_zero_grad"} <= set(calls)
