"""Handlers (``ignite.handlers``): checkpoints, early stopping, a progress bar, TerminateOnNan."""
from .checkpoint import Checkpoint, DiskSaver, ModelCheckpoint
from .early_stopping import EarlyStopping
from .progress import ProgressBar
from .terminate_on_nan import TerminateOnNan

__all__ = ["Checkpoint", "DiskSaver", "ModelCheckpoint", "EarlyStopping", "ProgressBar", "TerminateOnNan"]
