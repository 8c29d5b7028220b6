"""cltorch.lightning Trainer options: lifecycle order, limits, validation schedule, clipping, accumulation, devices."""
from __future__ import annotations

import os

import numpy as np
import pytest

import cltorch as torch
import cltorch.lightning as pl
import cltorch.nn.functional as F
from cltorch import nn
from cltorch.lightning.utilities.exceptions import MisconfigurationException
from cltorch.utils.data import DataLoader, TensorDataset

_RNG = np.random.default_rng(1)
_X = _RNG.normal(size=(40, 3)).astype(np.float32)
_Y = (_X @ np.array([1.0, -2.0, 0.5], dtype=np.float32) > 0).astype(np.int64)


class Recorder(pl.LightningModule):
    """Records every hook call in self.calls."""

    def __init__(self, lr: float = 0.1, batch_size: int = 8):
        self.calls = []
        super().__init__()
        self.save_hyperparameters()
        self.calls.append("__init__")
        self.layer = nn.Linear(3, 2)

    def forward(self, x):
        return self.layer(x)

    def prepare_data(self):
        self.calls.append("prepare_data")

    def setup(self, stage):
        self.calls.append(f"setup:{stage}")

    def configure_optimizers(self):
        self.calls.append("configure_optimizers")
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)

    def _loader(self):
        return DataLoader(TensorDataset(torch.tensor(_X), torch.tensor(_Y)), batch_size=self.hparams.batch_size)

    def train_dataloader(self):
        self.calls.append("train_dataloader")
        return self._loader()

    def val_dataloader(self):
        self.calls.append("val_dataloader")
        return self._loader()

    def test_dataloader(self):
        self.calls.append("test_dataloader")
        return self._loader()

    def training_step(self, batch, batch_idx):
        self.calls.append("training_step")
        x, y = batch
        return F.cross_entropy(self(x), y)

    def validation_step(self, batch, batch_idx):
        self.calls.append("validation_step:sanity" if self.trainer.sanity_checking else "validation_step")
        x, y = batch
        loss = F.cross_entropy(self(x), y)
        self.log("val_loss", loss)
        return loss

    def validation_epoch_end(self, outputs):
        self.calls.append(f"validation_epoch_end:{len(outputs)}")

    def training_epoch_end(self, outputs):
        self.calls.append(f"training_epoch_end:{len(outputs)}")
        assert all(set(o) == {"loss"} and o["loss"].grad_fn is None for o in outputs)

    def test_step(self, batch, batch_idx):
        self.calls.append("test_step")

    def test_epoch_end(self, outputs):
        self.calls.append("test_epoch_end")

    def on_fit_start(self):
        self.calls.append("on_fit_start")

    def on_train_epoch_end(self):
        self.calls.append("on_train_epoch_end")

    def on_fit_end(self):
        self.calls.append("on_fit_end")


def _trainer(tmp_path, **kwargs):
    kwargs.setdefault("enable_progress_bar", False)
    kwargs.setdefault("enable_model_summary", False)
    kwargs.setdefault("logger", False)
    kwargs.setdefault("enable_checkpointing", False)
    return pl.Trainer(default_root_dir=str(tmp_path), **kwargs)


def _steps(calls, name):
    return sum(1 for c in calls if c == name)


def test_lifecycle_order_as_in_the_notes(tmp_path):
    model = Recorder()
    trainer = _trainer(tmp_path, max_epochs=1, limit_train_batches=2, limit_val_batches=3)
    trainer.fit(model)
    calls = model.calls
    order = [c for c in calls if c in ("__init__", "prepare_data", "configure_optimizers", "train_dataloader",
                                       "val_dataloader")]
    assert order == ["__init__", "prepare_data", "configure_optimizers", "train_dataloader", "val_dataloader"]
    assert calls.index("setup:fit") < calls.index("configure_optimizers")
    # two sanity batches first, then training, then one validation_step per batch and the epoch end hooks
    assert calls[calls.index("on_fit_start") + 1:calls.index("on_fit_start") + 4] == [
        "validation_step:sanity", "validation_step:sanity", "validation_epoch_end:2"]
    tail = calls[calls.index("training_step"):]
    assert tail == ["training_step", "training_step", "validation_step", "validation_step", "validation_step",
                    "validation_epoch_end:3", "training_epoch_end:2", "on_train_epoch_end", "on_fit_end"]
    model.calls.clear()
    trainer.test(model, verbose=False)
    assert model.calls == ["prepare_data", "setup:test", "test_dataloader"] + ["test_step"] * 5 + ["test_epoch_end"]


def test_default_limits_and_trainer_properties(tmp_path):
    trainer = pl.Trainer(default_root_dir=str(tmp_path))
    assert trainer.max_epochs == 1000 and trainer.max_steps == -1 and trainer.log_every_n_steps == 50
    assert trainer.num_sanity_val_steps == 2 and trainer.root_device == torch.device("cpu")
    assert trainer.checkpoint_callback is not None and trainer.progress_bar_callback is not None
    assert pl.Trainer(max_steps=5, logger=False).max_epochs == -1


@pytest.mark.parametrize("limit,expected_steps", [(2, 2), (0.5, 2), (1.0, 5)])
def test_limit_train_batches(tmp_path, limit, expected_steps):
    model = Recorder()
    trainer = _trainer(tmp_path, max_epochs=2, limit_train_batches=limit, limit_val_batches=0)
    trainer.fit(model)
    assert trainer.global_step == 2 * expected_steps
    assert _steps(model.calls, "validation_step") == 0


def test_limit_float_too_small_raises(tmp_path):
    with pytest.raises(MisconfigurationException, match="limit_train_batches"):
        _trainer(tmp_path, max_epochs=1, limit_train_batches=0.1).fit(Recorder())


def test_validation_schedule(tmp_path):
    model = Recorder()
    _trainer(tmp_path, max_epochs=4, check_val_every_n_epoch=2, num_sanity_val_steps=0,
             limit_val_batches=1).fit(model)
    assert _steps(model.calls, "validation_step") == 2
    model = Recorder()
    _trainer(tmp_path, max_epochs=1, val_check_interval=0.4, num_sanity_val_steps=0, limit_val_batches=1).fit(model)
    assert _steps(model.calls, "validation_step") == 2  # after batches 2 and 4 of 5
    model = Recorder()
    _trainer(tmp_path, max_epochs=1, val_check_interval=1, num_sanity_val_steps=-1).fit(model)
    assert _steps(model.calls, "validation_step:sanity") == 5 and _steps(model.calls, "validation_step") == 25


def test_max_steps_and_fast_dev_run(tmp_path):
    model = Recorder()
    trainer = _trainer(tmp_path, max_steps=7)
    trainer.fit(model)
    assert trainer.global_step == 7 and trainer.current_epoch == 2
    model = Recorder()
    trainer = pl.Trainer(default_root_dir=str(tmp_path), fast_dev_run=True, enable_progress_bar=False)
    with pytest.warns(UserWarning, match="fast_dev_run"):
        trainer.fit(model)
    assert trainer.global_step == 1
    assert _steps(model.calls, "validation_step") == 1 and _steps(model.calls, "validation_step:sanity") == 0
    assert not os.path.exists(os.path.join(tmp_path, "lightning_logs"))


def _manual_weights(accumulate=1, clip=None, clip_algorithm="norm", epochs=2):
    torch.manual_seed(3)
    model = Recorder()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loader = model._loader()
    for _ in range(epochs):
        batches = list(loader)
        for i, (x, y) in enumerate(batches):
            if i % accumulate == 0:
                opt.zero_grad()
            loss = F.cross_entropy(model(x), y) / accumulate
            loss.backward()
            if (i + 1) % accumulate == 0 or i == len(batches) - 1:
                if clip is not None and clip_algorithm == "norm":
                    nn.utils.clip_grad_norm_(model.parameters(), clip)
                elif clip is not None:
                    nn.utils.clip_grad_value_(model.parameters(), clip)
                opt.step()
    return [p.detach().numpy() for p in model.parameters()]


@pytest.mark.parametrize("kwargs,manual", [
    ({}, {}),
    ({"accumulate_grad_batches": 2}, {"accumulate": 2}),
    ({"gradient_clip_val": 0.05}, {"clip": 0.05}),
    ({"gradient_clip_val": 0.01, "gradient_clip_algorithm": "value"}, {"clip": 0.01, "clip_algorithm": "value"}),
])
def test_optimization_matches_a_manual_loop(tmp_path, kwargs, manual):
    torch.manual_seed(3)
    model = Recorder()
    trainer = _trainer(tmp_path, max_epochs=2, limit_val_batches=0, **kwargs)
    trainer.fit(model)
    expected = _manual_weights(**manual)
    for got, want in zip(model.parameters(), expected):
        np.testing.assert_allclose(got.detach().numpy(), want, rtol=1e-6, atol=1e-7)
    if "accumulate_grad_batches" in kwargs:
        assert trainer.global_step == 6  # ceil(5 / 2) steps per epoch


def test_configure_optimizers_forms_and_schedulers(tmp_path):
    class WithSched(Recorder):
        def __init__(self, form, **kwargs):
            super().__init__(**kwargs)
            self.form = form

        def configure_optimizers(self):
            opt = torch.optim.SGD(self.parameters(), lr=1.0)
            sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
            if self.form == "tuple":
                return [opt], [sched]
            if self.form == "dict-step":
                return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step", "frequency": 2}}
            if self.form == "plateau":
                return {"optimizer": opt, "lr_scheduler": torch.optim.lr_scheduler.ReduceLROnPlateau(
                    opt, patience=0, factor=0.1, mode="max"), "monitor": "val_loss"}
            return {"optimizer": opt, "lr_scheduler": torch.optim.lr_scheduler.ReduceLROnPlateau(opt)}

    model = WithSched("tuple")
    trainer = _trainer(tmp_path, max_epochs=3, limit_val_batches=0)
    trainer.fit(model)
    assert trainer.optimizers[0].param_groups[0]["lr"] == pytest.approx(0.125)
    model = WithSched("dict-step")
    trainer = _trainer(tmp_path, max_epochs=1, limit_val_batches=0)
    trainer.fit(model)
    assert trainer.optimizers[0].param_groups[0]["lr"] == pytest.approx(0.25)  # 5 steps: stepped at 2 and 4
    model = WithSched("plateau")
    trainer = _trainer(tmp_path, max_epochs=3, limit_val_batches=1, num_sanity_val_steps=0)
    trainer.fit(model)
    assert trainer.optimizers[0].param_groups[0]["lr"] < 1.0
    with pytest.raises(MisconfigurationException, match="must include a monitor"):
        _trainer(tmp_path, max_epochs=1).fit(WithSched("plateau-no-monitor"))


def test_manual_optimization(tmp_path):
    class Manual(Recorder):
        def __init__(self):
            super().__init__()
            self.automatic_optimization = False

        def training_step(self, batch, batch_idx):
            opt = self.optimizers()
            x, y = batch
            loss = F.cross_entropy(self(x), y)
            opt.zero_grad()
            self.manual_backward(loss)
            opt.step()
            if batch_idx % 2 == 0:
                opt.zero_grad()
                self.manual_backward(F.cross_entropy(self(x), y))
                opt.step()
            return loss

    trainer = _trainer(tmp_path, max_epochs=1, limit_val_batches=0)
    trainer.fit(Manual())
    assert trainer.global_step == 8  # 5 batches, two steps on batches 0, 2, 4


def test_multiple_optimizers_with_optimizer_idx(tmp_path):
    class TwoOpts(Recorder):
        def __init__(self):
            super().__init__()
            self.seen = []

        def configure_optimizers(self):
            return [torch.optim.SGD([self.layer.weight], lr=0.1), torch.optim.SGD([self.layer.bias], lr=0.1)]

        def training_step(self, batch, batch_idx, optimizer_idx):
            self.seen.append(optimizer_idx)
            x, y = batch
            return F.cross_entropy(self(x), y)

    model = TwoOpts()
    _trainer(tmp_path, max_epochs=1, limit_train_batches=2, limit_val_batches=0).fit(model)
    assert model.seen == [0, 1, 0, 1]


def test_predict_and_datamodule(tmp_path):
    class DM(pl.LightningDataModule):
        def __init__(self, batch_size=10):
            super().__init__()
            self.save_hyperparameters()
            self.stages = []

        def setup(self, stage):
            self.stages.append(stage)

        def train_dataloader(self):
            return DataLoader(TensorDataset(torch.tensor(_X), torch.tensor(_Y)), batch_size=self.hparams.batch_size)

        def predict_dataloader(self):
            return DataLoader(TensorDataset(torch.tensor(_X)), batch_size=self.hparams.batch_size)

    dm = DM()
    model = Recorder()
    trainer = _trainer(tmp_path, max_epochs=1, enable_checkpointing=True)
    trainer.fit(model, datamodule=dm)
    assert trainer.global_step == 4 and dm.stages == ["fit"]
    assert "train_dataloader" not in model.calls
    preds = trainer.predict(model, datamodule=dm)
    assert len(preds) == 4 and tuple(preds[0].shape) == (10, 2)
    with torch.no_grad():
        np.testing.assert_allclose(torch.cat(preds).numpy(), model(torch.tensor(_X)).numpy(), rtol=1e-6)
    ckpt = torch.load(trainer.checkpoint_callback.best_model_path)
    assert ckpt["datamodule_hyper_parameters"] == {"batch_size": 10}
    assert DM.load_from_checkpoint(trainer.checkpoint_callback.best_model_path).hparams.batch_size == 10
    loaders = trainer.predict(model, dataloaders=[DataLoader(TensorDataset(torch.tensor(_X[:4])), batch_size=2)] * 2)
    assert len(loaders) == 2 and len(loaders[1]) == 2


def test_accelerator_and_devices(tmp_path, monkeypatch):
    assert pl.Trainer(accelerator="cpu", devices=1, logger=False).root_device == torch.device("cpu")
    assert pl.Trainer(accelerator="opencl", logger=False).root_device.type in ("cpu", "cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(MisconfigurationException, match="no OpenCL GPU"):
        pl.Trainer(accelerator="gpu")
    assert pl.Trainer(accelerator="auto", logger=False).root_device == torch.device("cpu")
    with pytest.raises(MisconfigurationException, match="one device"):
        pl.Trainer(accelerator="cpu", devices=2)
    with pytest.raises(MisconfigurationException, match="invalid accelerator"):
        pl.Trainer(accelerator="tpu")


def test_batches_move_to_the_trainer_device(tmp_path):
    seen = []

    class Check(Recorder):
        def training_step(self, batch, batch_idx):
            seen.append((batch["x"].device, batch["pair"][1].device))
            return F.cross_entropy(self(batch["x"]), batch["pair"][0])

        def train_dataloader(self):
            x, y = torch.tensor(_X), torch.tensor(_Y)
            return [{"x": x[i:i + 8], "pair": (y[i:i + 8], y[i:i + 8])} for i in range(0, 40, 8)]

    trainer = _trainer(tmp_path, max_epochs=1, limit_val_batches=0)
    trainer.fit(Check())
    assert seen and all(a == trainer.root_device and b == trainer.root_device for a, b in seen)


def test_training_step_exception_reaches_caller_and_callbacks(tmp_path):
    events = []

    class Watch(pl.Callback):
        def on_exception(self, trainer, pl_module, exception):
            events.append(str(exception))

    class Broken(Recorder):
        def training_step(self, batch, batch_idx):
            raise ValueError("broken step")

    trainer = _trainer(tmp_path, max_epochs=1, callbacks=[Watch()])
    with pytest.raises(ValueError, match="broken step"):
        trainer.fit(Broken())
    assert events == ["broken step"] and trainer.interrupted


def test_estimated_stepping_batches_for_one_cycle(tmp_path):
    class OneCycle(Recorder):
        def configure_optimizers(self):
            opt = torch.optim.SGD(self.parameters(), lr=0.1)
            total = self.trainer.estimated_stepping_batches
            sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=total)
            return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}

    trainer = _trainer(tmp_path, max_epochs=3, accumulate_grad_batches=2, limit_val_batches=0)
    trainer.fit(OneCycle())
    assert trainer.estimated_stepping_batches == 9 == trainer.global_step
    assert trainer.lr_scheduler_configs[0].scheduler.last_epoch == 9


def test_explicit_loaders_and_multiple_val_dataloaders(tmp_path):
    class TwoVal(Recorder):
        def validation_step(self, batch, batch_idx, dataloader_idx=0):
            x, y = batch
            self.log("val_loss", F.cross_entropy(self(x), y))
            self.log("which", float(dataloader_idx))

    x, y = torch.tensor(_X), torch.tensor(_Y)
    train = DataLoader(TensorDataset(x, y), batch_size=10)
    vals = [DataLoader(TensorDataset(x[:20], y[:20]), batch_size=10),
            DataLoader(TensorDataset(x[20:], y[20:]), batch_size=5)]
    model = TwoVal()
    trainer = _trainer(tmp_path, max_epochs=1)
    trainer.fit(model, train_dataloaders=train, val_dataloaders=vals)
    assert "train_dataloader" not in model.calls and "val_dataloader" not in model.calls
    assert trainer.global_step == 4 and trainer.num_val_batches == [2, 4]
    metrics = trainer.callback_metrics
    assert float(metrics["which/dataloader_idx_0"]) == 0.0 and float(metrics["which/dataloader_idx_1"]) == 1.0
    results = trainer.validate(model, dataloaders=vals, verbose=False)
    with torch.no_grad():
        first = F.cross_entropy(model(x[:20]), y[:20]).item()
    assert results[0]["val_loss/dataloader_idx_0"] == pytest.approx(first, rel=1e-5)
    assert set(results[1]) == {"val_loss/dataloader_idx_1", "which/dataloader_idx_1"}
