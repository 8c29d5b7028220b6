"""ModelCheckpoint: save checkpoints during fit, keeping the best k by a monitored metric."""
from __future__ import annotations

import math
import os
import re
import time

from ... import tensor as _tensor
from ..utilities.exceptions import MisconfigurationException
from ..utilities.rank_zero import rank_zero_warn
from .callback import Callback


def _as_float(value):
    if value is None:
        return None
    return float(value.item()) if hasattr(value, "item") else float(value)


class ModelCheckpoint(Callback):
    """Save the model (and trainer state) periodically; with ``monitor`` keep the ``save_top_k`` best files."""

    CHECKPOINT_JOIN_CHAR = "-"
    CHECKPOINT_EQUALS_CHAR = "="
    CHECKPOINT_NAME_LAST = "last"
    FILE_EXTENSION = ".ckpt"
    STARTING_VERSION = 1

    def __init__(self, dirpath=None, filename=None, monitor=None, verbose: bool = False, save_last=None,
                 save_top_k: int = 1, save_weights_only: bool = False, mode: str = "min",
                 auto_insert_metric_name: bool = True, every_n_train_steps=None, train_time_interval=None,
                 every_n_epochs=None, save_on_train_epoch_end=None, enable_version_counter: bool = True):
        super().__init__()
        self.monitor = monitor
        self.verbose = verbose
        self.save_last = save_last
        self.save_top_k = save_top_k
        self.save_weights_only = save_weights_only
        self.auto_insert_metric_name = auto_insert_metric_name
        self._save_on_train_epoch_end = save_on_train_epoch_end
        self._enable_version_counter = enable_version_counter
        self._last_global_step_saved = 0
        self._last_time_checked = None
        self.current_score = None
        self.best_k_models: dict = {}
        self.kth_best_model_path = ""
        self.best_model_score = None
        self.best_model_path = ""
        self.last_model_path = ""
        self._last_checkpoint_saved = ""
        if mode not in ("min", "max"):
            raise MisconfigurationException(f"`mode` can be 'min' or 'max', got {mode}")
        self.mode = mode
        self.kth_value = _tensor(math.inf if mode == "min" else -math.inf)
        if save_top_k < -1:
            raise MisconfigurationException(f"Invalid value for save_top_k={save_top_k}. Must be >= -1")
        if monitor is None and save_top_k not in (-1, 0, 1):
            raise MisconfigurationException(
                f"ModelCheckpoint(save_top_k={save_top_k}, monitor=None) is not a valid configuration. No quantity "
                "for top_k to track.")
        self._init_triggers(every_n_train_steps, every_n_epochs, train_time_interval)
        self.dirpath = os.path.realpath(os.path.expanduser(os.fspath(dirpath))) if dirpath is not None else None
        self.filename = filename

    def _init_triggers(self, every_n_train_steps, every_n_epochs, train_time_interval) -> None:
        if every_n_train_steps is None and every_n_epochs is None and train_time_interval is None:
            every_n_epochs, every_n_train_steps = 1, 0
        else:
            every_n_epochs = every_n_epochs or 0
            every_n_train_steps = every_n_train_steps or 0
        if every_n_train_steps < 0:
            raise MisconfigurationException(f"Invalid value for every_n_train_steps={every_n_train_steps}. "
                                            "Must be >= 0")
        if every_n_epochs < 0:
            raise MisconfigurationException(f"Invalid value for every_n_epochs={every_n_epochs}. Must be >= 0")
        self._every_n_train_steps = every_n_train_steps
        self._every_n_epochs = every_n_epochs
        self._train_time_interval = train_time_interval

    @property
    def every_n_epochs(self) -> int:
        """Save every this many epochs (0: never by epoch)."""
        return self._every_n_epochs

    @property
    def state_key(self) -> str:
        """Key of this callback's state in checkpoints (includes monitor and mode)."""
        return self._generate_state_key(monitor=self.monitor, mode=self.mode,
                                        every_n_train_steps=self._every_n_train_steps,
                                        every_n_epochs=self._every_n_epochs,
                                        train_time_interval=self._train_time_interval)

    # -- where ------------------------------------------------------------------------
    def setup(self, trainer, pl_module, stage: str) -> None:
        """Pick the folder: dirpath, else <log_dir>/checkpoints, else <default_root_dir>/checkpoints."""
        self.dirpath = self.__resolve_ckpt_dir(trainer)

    def __resolve_ckpt_dir(self, trainer) -> str:
        if self.dirpath is not None:
            return self.dirpath
        if trainer.loggers:
            logger = trainer.loggers[0]
            save_dir = logger.save_dir if logger.save_dir is not None else trainer.default_root_dir
            name, version = logger.name, logger.version
            version = version if isinstance(version, str) else f"version_{version}"
            return os.path.realpath(os.path.join(save_dir, str(name), version, "checkpoints"))
        return os.path.realpath(os.path.join(trainer.default_root_dir, "checkpoints"))

    # -- when -------------------------------------------------------------------------
    def _should_skip_saving_checkpoint(self, trainer) -> bool:
        return (bool(trainer.fast_dev_run) or trainer.state.fn != "fit" or trainer.sanity_checking
                or self._last_global_step_saved == trainer.global_step and trainer.global_step > 0)

    def _should_save_on_train_epoch_end(self, trainer) -> bool:
        if self._save_on_train_epoch_end is not None:
            return self._save_on_train_epoch_end
        return not trainer._validation_enabled()

    def on_train_start(self, trainer, pl_module) -> None:
        """Start the clock for train_time_interval."""
        self._last_time_checked = time.monotonic()

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx: int) -> None:
        """Save every n training steps or every train_time_interval."""
        if self._should_skip_saving_checkpoint(trainer):
            return
        skip_batch = self._every_n_train_steps < 1 or trainer.global_step % self._every_n_train_steps != 0
        interval = self._train_time_interval
        skip_time = True
        now = time.monotonic()
        if interval is not None:
            seconds = interval.total_seconds() if hasattr(interval, "total_seconds") else float(interval)
            skip_time = self._last_time_checked is None or (now - self._last_time_checked) < seconds
        if skip_batch and skip_time:
            return
        if not skip_time:
            self._last_time_checked = now
        self._save_from_metrics(trainer)

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        """Save at the end of the epoch when there is no validation to wait for."""
        if not self._should_skip_saving_checkpoint(trainer) and self._should_save_on_train_epoch_end(trainer) \
                and self._epoch_due(trainer):
            self._save_from_metrics(trainer)

    def on_validation_end(self, trainer, pl_module) -> None:
        """Save after validation (the usual case)."""
        if not self._should_skip_saving_checkpoint(trainer) and not self._should_save_on_train_epoch_end(trainer) \
                and self._epoch_due(trainer):
            self._save_from_metrics(trainer)

    def _epoch_due(self, trainer) -> bool:
        return self._every_n_epochs >= 1 and (trainer.current_epoch + 1) % self._every_n_epochs == 0

    def state_dict(self) -> dict:
        """Best and last paths, scores and the top-k table."""
        return {"monitor": self.monitor, "best_model_score": _as_float(self.best_model_score),
                "best_model_path": self.best_model_path, "current_score": _as_float(self.current_score),
                "dirpath": self.dirpath, "best_k_models": {k: _as_float(v) for k, v in self.best_k_models.items()},
                "kth_best_model_path": self.kth_best_model_path, "kth_value": _as_float(self.kth_value),
                "last_model_path": self.last_model_path}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore the table when the folder is the same (otherwise only the best path)."""
        dirpath_from_ckpt = state_dict.get("dirpath", self.dirpath)
        if self.dirpath == dirpath_from_ckpt:
            self.best_model_score = _tensor(state_dict["best_model_score"]) \
                if state_dict.get("best_model_score") is not None else None
            self.kth_best_model_path = state_dict.get("kth_best_model_path", "")
            if state_dict.get("kth_value") is not None:
                self.kth_value = _tensor(state_dict["kth_value"])
            self.best_k_models = {k: _tensor(v) for k, v in state_dict.get("best_k_models", {}).items()}
            self.last_model_path = state_dict.get("last_model_path", "")
        else:
            rank_zero_warn(f"The dirpath has changed from {dirpath_from_ckpt!r} to {self.dirpath!r}, therefore "
                           "`best_model_score`, `kth_best_model_path`, `kth_value`, `last_model_path` and "
                           "`best_k_models` won't be reloaded. Only `best_model_path` will be reloaded.")
        self.best_model_path = state_dict["best_model_path"]

    # -- saving -----------------------------------------------------------------------
    def _monitor_candidates(self, trainer) -> dict:
        metrics = dict(trainer.callback_metrics)
        metrics["epoch"] = trainer.current_epoch
        metrics["step"] = trainer.global_step
        return metrics

    def _save_from_metrics(self, trainer) -> None:
        candidates = self._monitor_candidates(trainer)
        if self.save_top_k != 0:
            if self.monitor is None:
                self._save_none_monitor_checkpoint(trainer, candidates)
            else:
                self._save_monitor_checkpoint(trainer, candidates)
        self._save_last_checkpoint(trainer, candidates)

    def _save_monitor_checkpoint(self, trainer, candidates: dict) -> None:
        current = candidates.get(self.monitor)
        if current is None:
            raise MisconfigurationException(
                f"`ModelCheckpoint(monitor={self.monitor!r})` could not find the monitored key in the returned "
                f"metrics: {sorted(candidates)}. HINT: Did you call `log({self.monitor!r}, value)` in the "
                "`LightningModule`?")
        current_f = _as_float(current)
        if self.check_monitor_top_k(trainer, current_f):
            self._update_best_and_save(current_f, trainer, candidates)
        elif self.verbose:
            print(f"Epoch {trainer.current_epoch:d}, global step {trainer.global_step:d}: {self.monitor!r} was not "
                  f"in top {self.save_top_k}")

    def check_monitor_top_k(self, trainer, current=None) -> bool:
        """True when current belongs in the top k."""
        if current is None:
            return False
        if self.save_top_k == -1 or len(self.best_k_models) < self.save_top_k:
            return True
        if math.isnan(current):
            return False
        kth = _as_float(self.kth_value)
        return current < kth if self.mode == "min" else current > kth

    def _update_best_and_save(self, current: float, trainer, candidates: dict) -> None:
        k = len(self.best_k_models) + 1 if self.save_top_k == -1 else self.save_top_k
        del_filepath = None
        if len(self.best_k_models) == k and k > 0:
            del_filepath = self.kth_best_model_path
            self.best_k_models.pop(del_filepath)
        if math.isnan(current):
            current = math.inf if self.mode == "min" else -math.inf
        filepath = self._get_metric_interpolated_filepath_name(candidates, trainer, del_filepath)
        self.current_score = _tensor(current)
        self.best_k_models[filepath] = self.current_score
        if len(self.best_k_models) == k:
            pick = max if self.mode == "min" else min
            self.kth_best_model_path = pick(self.best_k_models, key=lambda p: _as_float(self.best_k_models[p]))
            self.kth_value = self.best_k_models[self.kth_best_model_path]
        pick = min if self.mode == "min" else max
        self.best_model_path = pick(self.best_k_models, key=lambda p: _as_float(self.best_k_models[p]))
        self.best_model_score = self.best_k_models[self.best_model_path]
        if self.verbose:
            print(f"Epoch {trainer.current_epoch:d}, global step {trainer.global_step:d}: {self.monitor!r} reached "
                  f"{current:0.5f} (best {_as_float(self.best_model_score):0.5f}), saving model to {filepath!r} as "
                  f"top {k}")
        self._save_checkpoint(trainer, filepath)
        if del_filepath is not None and filepath != del_filepath:
            self._remove_checkpoint(trainer, del_filepath)

    def _save_none_monitor_checkpoint(self, trainer, candidates: dict) -> None:
        filepath = self._get_metric_interpolated_filepath_name(candidates, trainer, self.best_model_path)
        previous, self.best_model_path = self.best_model_path, filepath
        self._save_checkpoint(trainer, filepath)
        if self.save_top_k == 1 and previous and previous != filepath:
            self._remove_checkpoint(trainer, previous)

    def _save_last_checkpoint(self, trainer, candidates: dict) -> None:
        if not self.save_last:
            return
        filepath = self.format_checkpoint_name(candidates, self.CHECKPOINT_NAME_LAST)
        if self._enable_version_counter:
            version_cnt = self.STARTING_VERSION
            while self.file_exists(filepath, trainer) and filepath != self.last_model_path:
                filepath = self.format_checkpoint_name(candidates, self.CHECKPOINT_NAME_LAST, ver=version_cnt)
                version_cnt += 1
        previous, self.last_model_path = self.last_model_path, filepath
        self._save_checkpoint(trainer, filepath)
        if previous and previous != filepath and previous not in self.best_k_models \
                and previous != self.best_model_path:
            self._remove_checkpoint(trainer, previous)

    def _save_checkpoint(self, trainer, filepath: str) -> None:
        os.makedirs(os.path.dirname(filepath), exist_ok=True)
        trainer.save_checkpoint(filepath, self.save_weights_only)
        self._last_global_step_saved = trainer.global_step
        self._last_checkpoint_saved = filepath
        for logger in trainer.loggers:
            logger.after_save_checkpoint(self)

    @staticmethod
    def _remove_checkpoint(trainer, filepath: str) -> None:
        if os.path.exists(filepath):
            os.remove(filepath)

    def file_exists(self, filepath: str, trainer) -> bool:
        """Whether a checkpoint file exists."""
        return os.path.exists(filepath)

    def _get_metric_interpolated_filepath_name(self, monitor_candidates: dict, trainer, del_filepath=None) -> str:
        filepath = self.format_checkpoint_name(monitor_candidates)
        if self._enable_version_counter:
            version_cnt = self.STARTING_VERSION
            while self.file_exists(filepath, trainer) and filepath != del_filepath:
                filepath = self.format_checkpoint_name(monitor_candidates, ver=version_cnt)
                version_cnt += 1
        return filepath

    # -- names ------------------------------------------------------------------------
    @classmethod
    def _format_checkpoint_name(cls, filename, metrics: dict, prefix: str = "",
                                auto_insert_metric_name: bool = True) -> str:
        if not filename:
            filename = "{epoch}" + cls.CHECKPOINT_JOIN_CHAR + "{step}"
        groups = re.findall(r"(\{.*?)[:\}]", filename)
        values = {}
        for group in sorted(set(groups), key=len, reverse=True):
            name = group[1:]
            safe = re.sub(r"\W", "_", name)
            if auto_insert_metric_name:
                filename = filename.replace(group, name + cls.CHECKPOINT_EQUALS_CHAR + "{" + safe)
            else:
                filename = filename.replace(group, "{" + safe)
            value = metrics.get(name, 0)
            if hasattr(value, "item"):
                value = value.item()
            values[safe] = value
        filename = filename.format(**values)
        if prefix:
            filename = cls.CHECKPOINT_JOIN_CHAR.join([prefix, filename])
        return filename

    def format_checkpoint_name(self, metrics: dict, filename=None, ver=None) -> str:
        """The checkpoint path for these metrics, e.g. '{epoch}-{val_loss:.2f}' -> 'epoch=2-val_loss=0.12.ckpt'."""
        filename = filename or self.filename
        filename = self._format_checkpoint_name(filename, metrics, auto_insert_metric_name=self.auto_insert_metric_name)
        if ver is not None:
            filename = self.CHECKPOINT_JOIN_CHAR.join((filename, f"v{ver}"))
        name = f"{filename}{self.FILE_EXTENSION}"
        return os.path.join(self.dirpath, name) if self.dirpath else name

    def to_yaml(self, filepath=None) -> None:
        """Write best_k_models (path: score) to a YAML file in dirpath."""
        from ..loggers._yaml import dump
        best = {k: _as_float(v) for k, v in self.best_k_models.items()}
        filepath = filepath or os.path.join(self.dirpath, "best_k_models.yaml")
        with open(filepath, "w", encoding="utf-8") as fh:
            fh.write(dump(best))

