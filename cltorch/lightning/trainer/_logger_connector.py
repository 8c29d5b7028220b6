"""Moves what ``self.log`` recorded into callback_metrics, logged_metrics, the progress bar and the loggers."""
from __future__ import annotations


def _to_float(value) -> float:
    return float(value.item()) if hasattr(value, "item") else float(value)


class LoggerConnector:
    """The Trainer's three metric dicts and the rules for when values reach the loggers."""

    def __init__(self, trainer) -> None:
        self.trainer = trainer
        self.callback_metrics: dict = {}
        self.logged_metrics: dict = {}
        self.progress_bar_metrics: dict = {}

    def reset_metrics(self) -> None:
        """Forget every metric (after the sanity check, at the start of a run)."""
        self.callback_metrics = {}
        self.logged_metrics = {}
        self.progress_bar_metrics = {}

    # -- loggers -------------------------------------------------------------------------
    def should_log_step(self) -> bool:
        """True on every log_every_n_steps-th optimizer step (counting from 1)."""
        every = self.trainer.log_every_n_steps
        stepped = self.trainer.fit_loop.batches_stepped
        return every > 0 and stepped > 0 and stepped % every == 0 or self.trainer.should_stop

    def log_metrics(self, metrics: dict, step=None) -> None:
        """Send metrics (with the epoch) to every logger."""
        trainer = self.trainer
        if not trainer.loggers or not metrics:
            return
        metrics = dict(metrics)
        if step is None:
            step = max(trainer.fit_loop.batches_stepped - 1, 0)
        metrics.setdefault("epoch", trainer.current_epoch)
        self.logged_metrics.update(metrics)
        scalars = {k: _to_float(v) for k, v in metrics.items()}
        scalars["epoch"] = int(scalars["epoch"])
        for logger in trainer.loggers:
            logger.log_metrics(scalars, step=step)

    # -- training ------------------------------------------------------------------------
    def _merge(self, metrics: dict) -> None:
        self.callback_metrics.update(metrics["callback"])
        self.progress_bar_metrics.update({k: _to_float(v) for k, v in metrics["pbar"].items()})

    def update_train_step_metrics(self, send: bool = True) -> None:
        """After a training batch: step values to the metric dicts, and to the loggers when due (and send)."""
        metrics = self.trainer._train_results.step_metrics()
        self.callback_metrics.update(metrics["callback"])
        if metrics["pbar"]:
            self.progress_bar_metrics.update({k: _to_float(v) for k, v in metrics["pbar"].items()})
        if send and metrics["log"] and self.should_log_step():
            self.log_metrics(metrics["log"], step=max(self.trainer.fit_loop.batches_stepped - 1, 0))

    def update_train_epoch_metrics(self, send: bool) -> None:
        """At the end of a training epoch: epoch-reduced values (sent to the loggers once, when send)."""
        metrics = self.trainer._train_results.epoch_metrics()
        self._merge(metrics)
        if send and metrics["log"]:
            self.log_metrics(metrics["log"], step=max(self.trainer.fit_loop.batches_stepped - 1, 0))

    # -- evaluation ----------------------------------------------------------------------
    def update_eval_step_metrics(self) -> None:
        """After a validation/test batch: on_step values reach callbacks and the bar (not the loggers)."""
        if self.trainer.sanity_checking:
            return
        metrics = self.trainer._eval_results.step_metrics()
        self._merge(metrics)

    def update_eval_epoch_metrics(self, num_dataloaders: int) -> list:
        """At the end of a validation/test run: epoch values everywhere; return one dict per dataloader."""
        trainer = self.trainer
        if trainer.sanity_checking:
            return [{} for _ in range(num_dataloaders)]
        results = trainer._eval_results
        metrics = results.epoch_metrics()
        self._merge(metrics)
        step = max(trainer.fit_loop.batches_stepped - 1, 0) if trainer.state.fn == "fit" \
            else trainer.fit_loop.batches_stepped
        self.log_metrics(metrics["log"], step=step)
        per_loader = []
        for idx in range(num_dataloaders):
            out = {}
            for key, entry in results.entries.items():
                meta = entry.meta
                if not meta.on_epoch or meta.dataloader_idx not in (None, idx) or not (meta.logger or meta.prog_bar):
                    continue
                name = f"{key}_epoch" if meta.forked else key
                if name in metrics["callback"]:
                    out[name] = _to_float(metrics["callback"][name])
            per_loader.append(out)
        return per_loader
