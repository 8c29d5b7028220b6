"""The progress bar: cltorch._progress on terminals and in captured output, and the Trainer's bars."""
from __future__ import annotations

import io
import re
import sys

import numpy as np
import pytest

import cltorch as torch
import cltorch.lightning as pl
import cltorch.nn.functional as F
from cltorch import nn
from cltorch._progress import ProgressBar, format_interval, format_num
from cltorch.lightning.callbacks import TQDMProgressBar
from cltorch.lightning.utilities.exceptions import MisconfigurationException
from cltorch.utils.data import DataLoader, TensorDataset


class Utf8IO(io.StringIO):
    """A captured stream with an encoding (what pytest's capture gives)."""

    encoding = "utf-8"


class FakeTTY(Utf8IO):
    """A captured stream that claims to be a terminal."""

    def isatty(self) -> bool:
        return True


class Tiny(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(2, 2)
        rng = np.random.default_rng(0)
        self.x = torch.tensor(rng.normal(size=(20, 2)).astype(np.float32))
        self.y = torch.tensor((rng.random(20) > 0.5).astype(np.int64))

    def forward(self, x):
        return self.layer(x)

    def training_step(self, batch, batch_idx):
        loss = F.cross_entropy(self(batch[0]), batch[1])
        self.log("train_acc", (self(batch[0]).argmax(1) == batch[1]).float().mean(), prog_bar=True)
        return loss

    def validation_step(self, batch, batch_idx):
        self.log("val_loss", F.cross_entropy(self(batch[0]), batch[1]), prog_bar=True)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)

    def train_dataloader(self):
        return DataLoader(TensorDataset(self.x, self.y), batch_size=5)

    def val_dataloader(self):
        return DataLoader(TensorDataset(self.x, self.y), batch_size=10)


def test_bar_lines_when_not_a_terminal():
    out = Utf8IO()
    bar = ProgressBar(total=20, desc="Work", file=out)
    for _ in range(20):
        bar.update(1)
    bar.set_postfix(loss=0.5, step=3)
    bar.close()
    lines = out.getvalue().splitlines()
    assert len(lines) == 12  # the first step, one per tenth, one on close with the new postfix
    assert lines[0].startswith("Work:   5%|▌         | 1/20")
    assert lines[1].startswith("Work:  10%|█         | 2/20")
    assert re.match(r"Work: 100%\|██████████\| 20/20 \[\d\d:\d\d<00:00, .*it/s, loss=0\.500, step=3\]$", lines[-1])
    assert "\r" not in out.getvalue()


def test_bar_redraws_in_place_on_a_terminal():
    out = FakeTTY()
    bar = ProgressBar(total=4, desc="Epoch 0", file=out, mininterval=0, ncols=70)
    for i in range(4):
        bar.set_postfix({"loss": 1.0 / (i + 1)}, refresh=False)
        bar.update(1)
    bar.close()
    text = out.getvalue()
    assert text.count("\n") == 1 and text.endswith("\n")
    frames = [f for f in text.split("\r") if f]
    assert frames[0].startswith("Epoch 0:   0%|")
    assert re.match(r"Epoch 0: 100%\|█+\| 4/4 ", frames[-1]) and "loss=0.250" in frames[-1]
    assert all(len(f.replace("\x1b[K", "").rstrip("\n")) < 70 for f in frames)  # fits the terminal width
    nested = FakeTTY()
    ProgressBar(total=2, file=nested, position=1, leave=False).close()
    assert "\x1b[1A" in nested.getvalue()


def test_bar_helpers():
    assert format_interval(65) == "01:05" and format_interval(3725) == "1:02:05"
    assert format_num(0.123456) == "0.123" and format_num(3) == "3" and format_num(1e-5) == "1e-05"
    assert format_num(torch.tensor(2.5)) == "2.500"
    ascii_out = io.StringIO()  # no encoding: ASCII bars
    bar = ProgressBar(total=2, file=ascii_out)
    bar.update(2)
    bar.close()
    assert "|##########|" in ascii_out.getvalue()
    assert list(ProgressBar(range(3), file=io.StringIO())) == [0, 1, 2]
    silent = io.StringIO()
    bar = ProgressBar(total=3, file=silent, disable=True)
    bar.update(3)
    bar.close()
    assert silent.getvalue() == ""


def test_trainer_progress_bar_in_capsys(tmp_path, capsys):
    torch.manual_seed(0)
    trainer = pl.Trainer(default_root_dir=str(tmp_path), max_epochs=2, enable_model_summary=False)
    trainer.fit(Tiny())
    out = capsys.readouterr().out
    assert "Sanity Checking DataLoader 0: 100%|██████████| 2/2" in out
    assert "Validation DataLoader 0: 100%|██████████| 2/2" in out
    epoch_lines = [line for line in out.splitlines() if line.startswith("Epoch 1: 100%")]
    assert epoch_lines
    last = epoch_lines[-1]
    assert "4/4" in last and "v_num=0" in last and "train_acc=" in last and "val_loss=" in last
    loss = re.search(r"loss=([0-9.]+)", last).group(1)
    assert float(loss) > 0
    assert f"val_loss={trainer.progress_bar_metrics['val_loss']:.3f}" in last
    trainer.validate(Tiny(), verbose=False)
    assert "Validation DataLoader 0: 100%|██████████| 2/2" in capsys.readouterr().out
    with pytest.raises(MisconfigurationException, match="test_step"):
        trainer.test(Tiny())


def test_trainer_progress_bar_on_a_terminal(tmp_path, monkeypatch):
    fake = FakeTTY()
    monkeypatch.setattr(sys, "stdout", fake)
    monkeypatch.setenv("COLUMNS", "200")
    trainer = pl.Trainer(default_root_dir=str(tmp_path), max_epochs=1, enable_model_summary=False, logger=False,
                         callbacks=[TQDMProgressBar(refresh_rate=1)], num_sanity_val_steps=0)
    trainer.fit(Tiny())
    text = fake.getvalue()
    assert re.search(r"\rEpoch 0: 100%\|█+\| 4/4 ", text) and "val_loss=" in text
    assert "\x1b[1A" in text  # the validation bar is drawn one line below the epoch bar


def test_progress_bar_disabled(tmp_path, capsys):
    trainer = pl.Trainer(default_root_dir=str(tmp_path), max_epochs=1, enable_model_summary=False, logger=False,
                         enable_progress_bar=False)
    trainer.fit(Tiny())
    assert trainer.progress_bar_callback is None
    assert "Epoch 0" not in capsys.readouterr().out


def test_module_print_goes_above_the_bar(tmp_path, capsys):
    class Talker(Tiny):
        def on_train_epoch_end(self):
            self.print("hello from epoch", self.current_epoch)

    pl.Trainer(default_root_dir=str(tmp_path), max_epochs=1, enable_model_summary=False,
               logger=False).fit(Talker())
    assert "hello from epoch 0" in capsys.readouterr().out
