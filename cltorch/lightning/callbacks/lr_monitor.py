"""LearningRateMonitor: log each optimizer's learning rate (and momentum) to the loggers."""
from __future__ import annotations

from collections import Counter

from ..utilities.exceptions import MisconfigurationException
from .callback import Callback


def _lr_value(value) -> float:
    return float(value.item()) if hasattr(value, "item") else float(value)


class LearningRateMonitor(Callback):
    """Log ``lr-<Optimizer>`` (``/pg<i>`` per param group) every step or epoch."""

    def __init__(self, logging_interval=None, log_momentum: bool = False, log_weight_decay: bool = False) -> None:
        if logging_interval not in (None, "step", "epoch"):
            raise MisconfigurationException("logging_interval should be `step` or `epoch` or `None`.")
        self.logging_interval = logging_interval
        self.log_momentum = log_momentum
        self.log_weight_decay = log_weight_decay
        self.lrs: dict = {}
        self._names: list = []

    def on_train_start(self, trainer, pl_module) -> None:
        """Check there is a logger and name every optimizer's param groups."""
        if not trainer.loggers:
            raise MisconfigurationException("Cannot use `LearningRateMonitor` callback with `Trainer` that has no "
                                            "logger.")
        self._names = self._find_names(trainer)
        self.lrs = {name: [] for names in self._names for name in names}

    def _find_names(self, trainer) -> list:
        configs = {c.opt_idx: c for c in trainer.lr_scheduler_configs}
        counts = Counter(type(o).__name__ for o in trainer.optimizers)
        seen: Counter = Counter()
        names = []
        for idx, opt in enumerate(trainer.optimizers):
            cls = type(opt).__name__
            config = configs.get(idx)
            base = config.name if config is not None and config.name else f"lr-{cls}"
            if counts[cls] > 1 and not (config is not None and config.name):
                base = f"{base}-{seen[cls]}" if seen[cls] else base
            seen[cls] += 1
            groups = opt.param_groups
            names.append([base if len(groups) == 1 else f"{base}/pg{i + 1}" for i in range(len(groups))])
        return names

    def _interval_of(self, trainer, idx: int) -> str:
        for config in trainer.lr_scheduler_configs:
            if config.opt_idx == idx:
                return config.interval
        return self.logging_interval or "epoch"

    def _extract_stats(self, trainer, interval: str) -> dict:
        stats = {}
        for idx, (opt, names) in enumerate(zip(trainer.optimizers, self._names)):
            if self.logging_interval is None and self._interval_of(trainer, idx) != interval:
                continue
            for group, name in zip(opt.param_groups, names):
                lr = _lr_value(group["lr"])
                stats[name] = lr
                self.lrs.setdefault(name, []).append(lr)
                if self.log_momentum:
                    if "betas" in group:
                        stats[f"{name}-momentum"] = float(group["betas"][0])
                    elif "momentum" in group:
                        stats[f"{name}-momentum"] = float(group["momentum"])
                if self.log_weight_decay and "weight_decay" in group:
                    stats[f"{name}-weight_decay"] = float(group["weight_decay"])
        return stats

    def _log(self, trainer, stats: dict) -> None:
        if stats:
            for logger in trainer.loggers:
                logger.log_metrics(stats, step=trainer.global_step)

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx: int) -> None:
        """Log step-interval learning rates when the trainer logs."""
        if self.logging_interval == "epoch" or not trainer._should_log_step():
            return
        self._log(trainer, self._extract_stats(trainer, "step"))

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        """Log epoch-interval learning rates."""
        if self.logging_interval == "step":
            return
        self._log(trainer, self._extract_stats(trainer, "epoch"))
