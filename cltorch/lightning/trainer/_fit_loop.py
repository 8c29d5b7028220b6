"""The training loop: epochs, batches, automatic optimization, mid-epoch validation and resuming.

An epoch goes: on_train_epoch_start -> batches (each: transfer, on_train_batch_start,
training_step + backward + optimizer step through a closure, on_train_batch_end) ->
validation when due -> epoch-end hooks and metrics -> epoch-interval schedulers.
A checkpoint records where in that sequence it was written (``phase``) so that
``fit(ckpt_path=...)`` continues exactly there, RNG state included.
"""
from __future__ import annotations

import inspect
import math
import re
import time
import warnings
from collections import deque

from ... import Tensor, no_grad, stack
from ..utilities.exceptions import MisconfigurationException
from . import _optim
from ._checkpoint_io import capture_rng, restore_rng
from ._data import LimitedIterator


class RunningLoss:
    """Mean of the last ``window`` training losses (what the progress bar shows as 'loss')."""

    def __init__(self, window: int = 20):
        self.values: deque = deque(maxlen=window)

    def append(self, value: Tensor) -> None:
        self.values.append(value)

    def reset(self) -> None:
        self.values.clear()

    def mean(self):
        """The running mean as a 0-d tensor (None before the first loss)."""
        if not self.values:
            return None
        with no_grad():
            return stack(list(self.values)).mean()


def _loss_of(output):
    if output is None:
        return None
    if isinstance(output, Tensor):
        return output
    if isinstance(output, dict):
        if "loss" not in output:
            raise MisconfigurationException("In automatic_optimization, when `training_step` returns a dict, the "
                                            "'loss' key needs to be present")
        return output["loss"]
    raise MisconfigurationException("In automatic optimization, `training_step` must return a Tensor, a dict, or "
                                    f"None (where the step will be skipped); got {type(output).__name__}")


def _detached_output(output):
    """training_step's output as Lightning hands it to hooks: {'loss': detached, ...}."""
    if output is None:
        return None
    if isinstance(output, Tensor):
        return {"loss": output.detach()}
    if isinstance(output, dict):
        return {k: (v.detach() if isinstance(v, Tensor) else v) for k, v in output.items()}
    return output


class FitLoop:
    """Runs training epochs for the Trainer and remembers where it is."""

    def __init__(self, trainer, min_epochs=None, max_epochs=None):
        self.trainer = trainer
        self.min_epochs = min_epochs
        self.max_epochs = max_epochs
        self.current_epoch = 0
        self.global_step = 0
        self.batches_stepped = 0
        self.batch_idx = 0
        self.total_batch_idx = 0
        self.is_last_batch = False
        self.phase = "between"  # "batches" (inside an epoch), "epoch_end" (batches done), "between" (epoch done)
        self.batches_done = 0
        self.running_loss = RunningLoss()
        self._epoch_start_rng = None
        self._resume = None
        self._outputs: list = []
        self._start_time = None
        self._accum_count = 0
        self.manual_steps = 0
        self._resume_rng = None

    # -- state for checkpoints -------------------------------------------------------------
    def state_dict(self) -> dict:
        """Where the loop is, and the RNG needed to continue identically."""
        state = {"epoch": self.current_epoch, "global_step": self.global_step,
                 "batches_stepped": self.batches_stepped, "total_batch_idx": self.total_batch_idx,
                 "phase": self.phase, "batches_done": self.batches_done, "rng_state": capture_rng(),
                 "epoch_start_rng_state": self._epoch_start_rng}
        if self.phase == "epoch_end":
            state["monitor_values"] = _optim.plateau_monitor_values(self.trainer)
        return state

    def load_state_dict(self, state: dict) -> None:
        """Continue from a saved position (applied when fit starts training)."""
        self.current_epoch = int(state.get("epoch", 0))
        self.global_step = int(state.get("global_step", 0))
        self.batches_stepped = int(state.get("batches_stepped", self.global_step))
        self.total_batch_idx = int(state.get("total_batch_idx", 0))
        self.manual_steps = self.global_step
        self._resume = dict(state)

    # -- stopping ----------------------------------------------------------------------------
    def _max_steps_reached(self) -> bool:
        max_steps = self.trainer.max_steps
        return max_steps is not None and max_steps != -1 and self.global_step >= max_steps

    def _max_time_reached(self) -> bool:
        limit = self.trainer._max_time_seconds
        return limit is not None and self._start_time is not None and time.monotonic() - self._start_time >= limit

    def can_stop_early(self) -> bool:
        """should_stop is honoured once min_epochs and min_steps are met."""
        trainer = self.trainer
        epochs_ok = trainer.min_epochs is None or self.current_epoch >= trainer.min_epochs
        steps_ok = trainer.min_steps is None or self.global_step >= trainer.min_steps
        return epochs_ok and steps_ok

    @property
    def done(self) -> bool:
        """True when training should end before another epoch."""
        if self._max_steps_reached() or self._max_time_reached():
            return True
        if self.max_epochs is not None and self.max_epochs != -1 and self.current_epoch >= self.max_epochs:
            return True
        if self.trainer.should_stop:
            if self.can_stop_early():
                return True
            self.trainer.should_stop = False
        return False

    # -- the run ------------------------------------------------------------------------------
    def run(self) -> None:
        """Train until max_epochs/max_steps/max_time or should_stop."""
        trainer = self.trainer
        self._start_time = time.monotonic()
        resume, self._resume = self._resume, None
        trainer._call_hooks("on_train_start")
        skip = 0
        if resume is not None:
            skip = self._apply_resume(resume)
        while not self.done:
            self.run_epoch(skip)
            skip = 0
        trainer._call_hooks("on_train_end")

    def _apply_resume(self, resume: dict) -> int:
        """Put the loop where the checkpoint was written; return how many batches of this epoch to skip."""
        phase = resume.get("phase", "between")
        if phase == "epoch_end":
            restore_rng(resume.get("rng_state"))
            with warnings.catch_warnings():
                # the epoch's optimizer steps ran before the checkpoint, in the interrupted process
                warnings.filterwarnings("ignore", message=re.escape("Detected call of `lr_scheduler.step()`"))
                _optim.step_schedulers(self.trainer, "epoch", resume.get("monitor_values") or {})
            self.current_epoch += 1
            self.phase = "between"
            return 0
        if phase == "batches" and resume.get("batches_done"):
            self._epoch_start_rng = resume.get("epoch_start_rng_state")
            self._resume_rng = resume.get("rng_state")
            return int(resume["batches_done"])
        restore_rng(resume.get("rng_state"))
        return 0

    def run_epoch(self, skip: int = 0) -> None:
        """One training epoch (skipping the first ``skip`` batches when resuming inside it)."""
        trainer = self.trainer
        model = trainer.lightning_module
        trainer._maybe_reload_train_dataloader(self.current_epoch)
        trainer._train_results.reset()
        trainer._results = trainer._train_results
        self.running_loss.reset()
        self._outputs = []
        self._accum_count = 0
        model.train()
        self.phase = "batches"
        self.batches_done = skip
        trainer._call_hooks("on_train_epoch_start")
        if skip:
            restore_rng(self._epoch_start_rng)
        else:
            self._epoch_start_rng = capture_rng()
        batches = LimitedIterator(trainer.train_dataloader, trainer.num_training_batches, start=skip)
        if skip:
            batches.skip(skip)
            restore_rng(self._resume_rng)
        ran_final_val = False
        for batch_idx, batch, is_last in batches:
            self.batch_idx = batch_idx
            self.is_last_batch = is_last
            if self._run_batch(batch, batch_idx, is_last) == -1:
                break
            stop = (trainer.should_stop and self.can_stop_early()) or self._max_steps_reached() \
                or self._max_time_reached()
            if self._should_check_val(batch_idx, is_last or stop):
                if is_last or stop:
                    self.phase = "epoch_end"  # a checkpoint written during this validation resumes after it
                    ran_final_val = True
                self._run_validation(model)
            if stop:
                break
        if skip and not ran_final_val and batches.index <= skip and self._should_check_val(skip - 1, True):
            self.phase = "epoch_end"
            self._run_validation(model)
        self.phase = "epoch_end"
        self._epoch_end()
        _optim.step_schedulers(trainer, "epoch")
        self.current_epoch += 1
        self.phase = "between"
        self.batches_done = 0

    def _run_validation(self, model) -> None:
        trainer = self.trainer
        trainer._run_validation()
        trainer._results = trainer._train_results
        model.train()

    def _should_check_val(self, batch_idx: int, is_last: bool) -> bool:
        trainer = self.trainer
        if not trainer._validation_enabled() or not trainer._val_epoch_due(self.current_epoch):
            return False
        every = trainer._val_check_batch
        if every == math.inf:
            return is_last
        index = self.total_batch_idx - 1 if trainer.check_val_every_n_epoch is None else batch_idx
        return (index + 1) % every == 0 or (is_last and trainer.should_stop and self.can_stop_early())

    def _epoch_end(self) -> None:
        trainer = self.trainer
        model = trainer.lightning_module
        connector = trainer._logger_connector
        connector.update_train_epoch_metrics(send=False)
        legacy = getattr(model, "training_epoch_end", None)
        if callable(legacy):
            trainer._call_module_hook("training_epoch_end", self._outputs)
        trainer._call_callback_hooks("on_train_epoch_end", monitoring=False)
        trainer._call_module_hook("on_train_epoch_end")
        connector.update_train_epoch_metrics(send=False)
        trainer._call_callback_hooks("on_train_epoch_end", monitoring=True)
        connector.update_train_epoch_metrics(send=True)
        self._outputs = []

    # -- one batch ----------------------------------------------------------------------------
    def _run_batch(self, batch, batch_idx: int, is_last: bool):
        trainer = self.trainer
        model = trainer.lightning_module
        batch = trainer._transfer_batch(batch, 0)
        trainer._train_results.new_batch(batch)
        trainer._call_callback_hooks("on_train_batch_start", batch, batch_idx)
        if trainer._call_module_hook("on_train_batch_start", batch, batch_idx) == -1:
            return -1
        if model.automatic_optimization:
            output = self._optimize(batch, batch_idx, is_last)
        else:
            output = self._training_step(batch, batch_idx, None)
            if output is not None and not isinstance(output, (Tensor, dict)):
                raise MisconfigurationException("In manual optimization, `training_step` must either return a Tensor, "
                                                "a dict with extras to pass to `training_epoch_end` or have no return")
            loss = output if isinstance(output, Tensor) else (output or {}).get("loss")
            if isinstance(loss, Tensor):
                self.running_loss.append(loss.detach())
            self.global_step = self.manual_steps
            self.batches_stepped += 1
        self.batches_done = batch_idx + 1
        self.total_batch_idx += 1
        outputs = _detached_output(output)
        if outputs is not None and callable(getattr(model, "training_epoch_end", None)):
            self._outputs.append(outputs)
        trainer._logger_connector.update_train_step_metrics(send=False)
        trainer._call_hooks("on_train_batch_end", outputs, batch, batch_idx)
        trainer._logger_connector.update_train_step_metrics()
        return None

    def count_optimizer_step(self, *_args) -> None:
        """Optimizer step post-hook: counts steps taken by a manual-optimization training_step."""
        self.manual_steps += 1

    def _training_step(self, batch, batch_idx: int, opt_idx):
        trainer = self.trainer
        if opt_idx is not None:
            return trainer._call_module_hook("training_step", batch, batch_idx, opt_idx)
        return trainer._call_module_hook("training_step", batch, batch_idx)

    def _optimizer_indices(self):
        optimizers = self.trainer.optimizers
        if len(optimizers) <= 1:
            return [(0, None)] if optimizers else [(None, None)]
        params = inspect.signature(self.trainer.lightning_module.training_step).parameters
        if "optimizer_idx" not in params and len(params) < 3:
            raise MisconfigurationException(
                "Training with multiple optimizers is only supported with manual optimization, or with a "
                "`training_step(batch, batch_idx, optimizer_idx)` that takes the optimizer index. Set "
                "`self.automatic_optimization = False`, then access your optimizers in `training_step` with "
                "`opt1, opt2, ... = self.optimizers()`.")
        return [(i, i) for i in range(len(optimizers))]

    def _optimize(self, batch, batch_idx: int, is_last: bool):
        trainer = self.trainer
        accumulate = trainer.accumulate_grad_batches
        first_in_window = self._accum_count == 0
        self._accum_count += 1
        step_now = self._accum_count >= accumulate or is_last
        if step_now:
            self._accum_count = 0
        result = {}
        stepped = False
        for opt_idx, step_idx in self._optimizer_indices():
            optimizer = trainer.optimizers[opt_idx] if opt_idx is not None else None

            def closure(optimizer=optimizer, step_idx=step_idx):
                output = self._training_step(batch, batch_idx, step_idx)
                result["output"] = output
                loss = _loss_of(output)
                if optimizer is not None and first_in_window:
                    trainer._call_hooks("on_before_zero_grad", optimizer)
                    trainer._call_module_hook("optimizer_zero_grad", trainer.current_epoch, batch_idx, optimizer)
                if loss is None:
                    return None
                scaled = loss / accumulate if accumulate > 1 else loss
                trainer._call_hooks("on_before_backward", scaled)
                trainer._call_module_hook("backward", scaled)
                trainer._call_hooks("on_after_backward")
                self.running_loss.append(loss.detach())
                if optimizer is not None and step_now:
                    trainer._call_hooks("on_before_optimizer_step", optimizer)
                    trainer._call_module_hook("configure_gradient_clipping", optimizer, trainer.gradient_clip_val,
                                              trainer.gradient_clip_algorithm)
                return loss

            if optimizer is None or not step_now:
                closure()
                continue
            trainer._call_module_hook("optimizer_step", trainer.current_epoch, batch_idx, optimizer, closure)
            stepped = True
        if stepped:
            self.global_step += 1
            self.batches_stepped += 1
            _optim.step_schedulers(trainer, "step")
        return result.get("output")
