"""The Logger interface the Trainer writes metrics and hyperparameters through."""
from __future__ import annotations

from abc import ABC, abstractmethod


class Logger(ABC):
    """Base class of experiment loggers (``pytorch_lightning.loggers.Logger``)."""

    @property
    @abstractmethod
    def name(self):
        """The experiment name."""

    @property
    @abstractmethod
    def version(self):
        """The experiment version (an int or a string)."""

    @property
    def root_dir(self):
        """The folder that holds every version of this experiment."""
        return None

    @property
    def log_dir(self):
        """The folder this version writes to."""
        return None

    @property
    def save_dir(self):
        """The folder given to the logger."""
        return None

    @property
    def experiment(self):
        """The backend object (the logger itself here)."""
        return self

    @abstractmethod
    def log_metrics(self, metrics: dict, step=None) -> None:
        """Record a dict of scalar metrics at a step."""

    @abstractmethod
    def log_hyperparams(self, params, *args, **kwargs) -> None:
        """Record the run's hyperparameters."""

    def log_graph(self, model, input_array=None) -> None:
        """Record the model graph (not kept by these loggers)."""

    def save(self) -> None:
        """Flush what was logged so far."""

    def finalize(self, status: str) -> None:
        """Called at the end of a run with 'success', 'failed' or 'finished'."""
        self.save()

    def after_save_checkpoint(self, checkpoint_callback) -> None:
        """Called after ModelCheckpoint wrote a file."""


LightningLoggerBase = Logger


class DummyLogger(Logger):
    """A logger that records nothing (used by fast_dev_run)."""

    @property
    def name(self) -> str:
        """Empty: nothing is logged."""
        return ""

    @property
    def version(self) -> str:
        """Empty: nothing is logged."""
        return ""

    def log_metrics(self, metrics: dict, step=None) -> None:
        """Discard metrics."""

    def log_hyperparams(self, params, *args, **kwargs) -> None:
        """Discard hyperparameters."""
