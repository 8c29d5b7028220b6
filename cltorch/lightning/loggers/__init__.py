"""Experiment loggers (``pytorch_lightning.loggers``): Logger base and CSVLogger."""
from .csv_logs import CSVLogger
from .logger import DummyLogger, LightningLoggerBase, Logger

__all__ = ["Logger", "LightningLoggerBase", "CSVLogger", "DummyLogger"]
