"""``cltorch.lightning``: a PyTorch Lightning-style LightningModule, LightningDataModule and Trainer.

``import cltorch.lightning as pl`` runs ordinary Lightning code on cltorch:
``pl.Trainer(max_epochs=3).fit(model)``, callbacks, a CSV logger, checkpoints
that resume exactly, and ``Model.load_from_checkpoint(path)``.
"""
from .. import __version__
from . import callbacks, loggers, utilities
from .callbacks import Callback
from .core import LightningDataModule, LightningModule
from .trainer import Trainer
from .utilities.seed import seed_everything

__all__ = ["LightningModule", "LightningDataModule", "Trainer", "Callback", "seed_everything", "callbacks",
           "loggers", "utilities", "__version__"]
