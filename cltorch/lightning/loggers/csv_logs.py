"""CSVLogger: ``<save_dir>/<name>/version_N/metrics.csv`` and ``hparams.yaml``."""
from __future__ import annotations

import csv
import os
import re
from argparse import Namespace

from ..._atomic import atomic_open
from ..utilities.rank_zero import rank_zero_warn
from ._yaml import save_hparams_to_yaml
from .logger import Logger

__all__ = ["CSVLogger", "ExperimentWriter"]


def _to_float(value):
    if hasattr(value, "item") and callable(value.item):
        value = value.item()
    return value


class ExperimentWriter:
    """Keeps the rows logged so far and writes metrics.csv and hparams.yaml into log_dir."""

    NAME_HPARAMS_FILE = "hparams.yaml"
    NAME_METRICS_FILE = "metrics.csv"

    def __init__(self, log_dir: str) -> None:
        self.hparams: dict = {}
        self.metrics: list = []
        self.metrics_keys: list = []
        self.log_dir = log_dir
        if os.path.isdir(log_dir) and os.listdir(log_dir):
            rank_zero_warn(f"Experiment logs directory {log_dir} exists and is not empty. "
                           "Previous log files in this directory will be deleted when the new ones are saved!")
        os.makedirs(log_dir, exist_ok=True)
        self.metrics_file_path = os.path.join(log_dir, self.NAME_METRICS_FILE)

    def log_hparams(self, params: dict) -> None:
        """Remember hyperparameters (written by save)."""
        self.hparams.update(params)

    def log_metrics(self, metrics_dict: dict, step=None) -> None:
        """Add one row: the metrics plus the step."""
        if step is None:
            step = len(self.metrics)
        row = {k: _to_float(v) for k, v in metrics_dict.items()}
        row["step"] = step
        self.metrics.append(row)
        for key in row:
            if key not in self.metrics_keys:
                self.metrics_keys.append(key)

    def save(self) -> None:
        """Rewrite hparams.yaml and metrics.csv with everything logged so far."""
        save_hparams_to_yaml(os.path.join(self.log_dir, self.NAME_HPARAMS_FILE), self.hparams)
        if not self.metrics:
            return
        keys = sorted(self.metrics_keys)
        with atomic_open(self.metrics_file_path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=keys)
            writer.writeheader()
            writer.writerows(self.metrics)


class CSVLogger(Logger):
    """Log metrics to a CSV file and hyperparameters to YAML, in ``save_dir/name/version_N``."""

    LOGGER_JOIN_CHAR = "-"

    def __init__(self, save_dir, name: str = "lightning_logs", version=None, prefix: str = "",
                 flush_logs_every_n_steps: int = 100) -> None:
        super().__init__()
        self._save_dir = os.fspath(save_dir)
        self._name = name or ""
        self._version = version
        self._prefix = prefix
        self._experiment = None
        self._flush_logs_every_n_steps = flush_logs_every_n_steps

    @property
    def name(self) -> str:
        """The experiment name (folder under save_dir)."""
        return self._name

    @property
    def version(self):
        """The version number (next free version_N unless given)."""
        if self._version is None:
            self._version = self._get_next_version()
        return self._version

    @property
    def save_dir(self) -> str:
        """The folder given to the logger."""
        return self._save_dir

    @property
    def root_dir(self) -> str:
        """save_dir/name."""
        return os.path.join(self._save_dir, self._name) if self._name else self._save_dir

    @property
    def log_dir(self) -> str:
        """save_dir/name/version_N: where metrics.csv and hparams.yaml go."""
        version = self.version if isinstance(self.version, str) else f"version_{self.version}"
        return os.path.join(self.root_dir, version)

    @property
    def experiment(self) -> ExperimentWriter:
        """The writer (created with the version folder on first use)."""
        if self._experiment is None:
            self._experiment = ExperimentWriter(self.log_dir)
        return self._experiment

    def log_hyperparams(self, params=None, *args, **kwargs) -> None:
        """Record hyperparameters and write hparams.yaml."""
        if params is None:
            params = {}
        if isinstance(params, Namespace):
            params = vars(params)
        self.experiment.log_hparams(dict(params))
        self.experiment.save()

    def log_metrics(self, metrics: dict, step=None) -> None:
        """Add a row of metrics; flush every flush_logs_every_n_steps steps."""
        if self._prefix:
            metrics = {f"{self._prefix}{self.LOGGER_JOIN_CHAR}{k}": v for k, v in metrics.items()}
        self.experiment.log_metrics(metrics, step)
        if step is not None and (step + 1) % self._flush_logs_every_n_steps == 0:
            self.save()

    def save(self) -> None:
        """Write the files now."""
        super().save()
        self.experiment.save()

    def finalize(self, status: str) -> None:
        """Write the files at the end of a run."""
        if self._experiment is None:
            return
        self.save()

    def _get_next_version(self) -> int:
        root = self.root_dir
        if not os.path.isdir(root):
            return 0
        versions = []
        for entry in os.listdir(root):
            m = re.fullmatch(r"version_(\d+)", entry)
            if m and os.path.isdir(os.path.join(root, entry)):
                versions.append(int(m.group(1)))
        return max(versions) + 1 if versions else 0
