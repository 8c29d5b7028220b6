"""Progress bars for fit/validate/test/predict, drawn with cltorch's tiny tqdm-like bar."""
from __future__ import annotations

import sys

from ..._progress import ProgressBar as _Bar
from .callback import Callback


class ProgressBar(Callback):
    """Base class of progress-bar callbacks: what to show (``get_metrics``) and enable/disable."""

    def __init__(self) -> None:
        self._trainer = None
        self._enabled = True

    @property
    def trainer(self):
        """The Trainer this bar draws for."""
        return self._trainer

    @property
    def is_enabled(self) -> bool:
        """True while drawing."""
        return self._enabled

    @property
    def is_disabled(self) -> bool:
        """True when not drawing."""
        return not self._enabled

    def disable(self) -> None:
        """Stop drawing."""
        self._enabled = False

    def enable(self) -> None:
        """Draw again."""
        self._enabled = True

    def print(self, *args, **kwargs) -> None:
        """print() without breaking the bars."""
        print(*args, **kwargs)

    def setup(self, trainer, pl_module, stage: str) -> None:
        """Remember the Trainer."""
        self._trainer = trainer

    def get_metrics(self, trainer, pl_module) -> dict:
        """What the bar shows after the counts: the running loss, v_num and every prog_bar metric."""
        items: dict = {}
        loss = trainer.fit_loop.running_loss.mean() if trainer.training else None
        if loss is not None:
            items["loss"] = loss
        if trainer.loggers:
            version = trainer.loggers[0].version
            if version is not None and version != "":
                items["v_num"] = version[-4:] if isinstance(version, str) else version
        items.update(trainer.progress_bar_metrics)
        return items


class TQDMProgressBar(ProgressBar):
    """The default bar: one line per training epoch, nested lines for validation, test and predict."""

    def __init__(self, refresh_rate: int = 1, process_position: int = 0, leave: bool = False) -> None:
        super().__init__()
        self._refresh_rate = max(0, int(refresh_rate))
        self._process_position = process_position
        self._leave = leave
        self.train_progress_bar = None
        self.val_progress_bar = None
        self.test_progress_bar = None
        self.predict_progress_bar = None
        if self._refresh_rate == 0:
            self.disable()

    @property
    def refresh_rate(self) -> int:
        """Redraw every this many batches."""
        return self._refresh_rate

    def _new_bar(self, desc: str, total, position: int, leave: bool) -> _Bar:
        return _Bar(desc=desc, total=total, position=position, leave=leave, file=sys.stdout, disable=self.is_disabled,
                    dynamic_ncols=True)

    def _total(self, value):
        return None if value is None or value == float("inf") else int(value)

    def _update(self, bar, n: int, total, metrics=None) -> None:
        if bar is None or bar.disable:
            return
        if total is not None and n != total and self._refresh_rate > 1 and n % self._refresh_rate:
            return
        if metrics is not None:
            bar.set_postfix(metrics, refresh=False)
        bar.update(n - bar.n)

    def print(self, *args, sep: str = " ", **kwargs) -> None:
        """Write a message above the active bar."""
        bar = self.val_progress_bar or self.test_progress_bar or self.predict_progress_bar or self.train_progress_bar
        if bar is None or bar._closed:
            print(*args, sep=sep, **kwargs)
            return
        bar.write(sep.join(map(str, args)))

    # -- sanity check ------------------------------------------------------------------
    def on_sanity_check_start(self, trainer, pl_module) -> None:
        self.val_progress_bar = None

    def on_sanity_check_end(self, trainer, pl_module) -> None:
        self._close_val()

    # -- training ---------------------------------------------------------------------
    def on_train_epoch_start(self, trainer, pl_module) -> None:
        total = self._total(trainer.num_training_batches)
        desc = f"Epoch {trainer.current_epoch}"
        if self.train_progress_bar is None or self.train_progress_bar._closed:
            self.train_progress_bar = self._new_bar(desc, total, self._process_position, True)
        else:
            self.train_progress_bar.desc = desc
            self.train_progress_bar.reset(total)

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx: int) -> None:
        bar = self.train_progress_bar
        if bar is not None:
            self._update(bar, batch_idx + 1, bar.total, self.get_metrics(trainer, pl_module))

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        bar = self.train_progress_bar
        if bar is None or bar.disable:
            return
        bar.set_postfix(self.get_metrics(trainer, pl_module), refresh=False)
        if self._leave:
            bar.close()
        else:
            bar.refresh()

    def on_train_end(self, trainer, pl_module) -> None:
        if self.train_progress_bar is not None:
            self.train_progress_bar.close()

    # -- evaluation bars (validation, test, predict) ----------------------------------------
    def _close_bar(self, attr: str) -> None:
        """Close the bar held in attribute attr, if any, and forget it."""
        bar = getattr(self, attr)
        if bar is not None:
            bar.close()
            setattr(self, attr, None)

    def _start_bar(self, attr: str, stage: str, trainer, dataloader_idx: int, position: int, leave: bool) -> None:
        """Replace the bar in attribute attr by a new one for this dataloader's batches."""
        self._close_bar(attr)
        total = self._total(trainer._eval_num_batches(dataloader_idx))
        setattr(self, attr, self._new_bar(f"{stage} DataLoader {dataloader_idx}", total, position, leave))

    def _advance(self, bar, batch_idx: int) -> None:
        if bar is not None:
            self._update(bar, batch_idx + 1, bar.total)

    def _close_val(self) -> None:
        self._close_bar("val_progress_bar")

    def _eval_position(self, trainer) -> tuple:
        main = self.train_progress_bar
        has_main = main is not None and not main._closed and trainer.state.fn == "fit" and not trainer.sanity_checking
        return 2 * self._process_position + int(has_main), not has_main and not trainer.sanity_checking

    def on_validation_batch_start(self, trainer, pl_module, batch, batch_idx: int, dataloader_idx: int = 0) -> None:
        if batch_idx == 0:
            stage = "Sanity Checking" if trainer.sanity_checking else "Validation"
            self._start_bar("val_progress_bar", stage, trainer, dataloader_idx, *self._eval_position(trainer))

    def on_validation_batch_end(self, trainer, pl_module, outputs, batch, batch_idx: int,
                                dataloader_idx: int = 0) -> None:
        self._advance(self.val_progress_bar, batch_idx)

    def on_validation_end(self, trainer, pl_module) -> None:
        self._close_val()
        bar = self.train_progress_bar
        if trainer.state.fn == "fit" and bar is not None and not bar._closed and not bar.disable:
            bar.set_postfix(self.get_metrics(trainer, pl_module))

    def on_test_batch_start(self, trainer, pl_module, batch, batch_idx: int, dataloader_idx: int = 0) -> None:
        if batch_idx == 0:
            self._start_bar("test_progress_bar", "Testing", trainer, dataloader_idx, 2 * self._process_position, True)

    def on_test_batch_end(self, trainer, pl_module, outputs, batch, batch_idx: int, dataloader_idx: int = 0) -> None:
        self._advance(self.test_progress_bar, batch_idx)

    def on_test_end(self, trainer, pl_module) -> None:
        self._close_bar("test_progress_bar")

    def on_predict_batch_start(self, trainer, pl_module, batch, batch_idx: int, dataloader_idx: int = 0) -> None:
        if batch_idx == 0:
            self._start_bar("predict_progress_bar", "Predicting", trainer, dataloader_idx,
                            2 * self._process_position, True)

    def on_predict_batch_end(self, trainer, pl_module, outputs, batch, batch_idx: int,
                             dataloader_idx: int = 0) -> None:
        self._advance(self.predict_progress_bar, batch_idx)

    def on_predict_end(self, trainer, pl_module) -> None:
        self._close_bar("predict_progress_bar")

    def on_exception(self, trainer, pl_module, exception: BaseException) -> None:
        for bar in (self.val_progress_bar, self.test_progress_bar, self.predict_progress_bar,
                    self.train_progress_bar):
            if bar is not None:
                bar.close()
