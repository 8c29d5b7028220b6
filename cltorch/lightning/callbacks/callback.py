"""The Callback base class: hooks the Trainer calls with (trainer, pl_module, ...)."""
from __future__ import annotations


class Callback:
    """Override any hook; each receives the Trainer and the LightningModule first."""

    @property
    def state_key(self) -> str:
        """The key of this callback's state in checkpoints (the class name unless overridden)."""
        return type(self).__qualname__

    def _generate_state_key(self, **kwargs) -> str:
        return f"{type(self).__qualname__}{kwargs!r}"

    def setup(self, trainer, pl_module, stage: str) -> None: """When fit/validate/test/predict begins."""
    def teardown(self, trainer, pl_module, stage: str) -> None: """When fit/validate/test/predict ends."""
    def on_fit_start(self, trainer, pl_module) -> None: """At the start of fit."""
    def on_fit_end(self, trainer, pl_module) -> None: """At the end of fit."""
    def on_sanity_check_start(self, trainer, pl_module) -> None: """Before the sanity validation."""
    def on_sanity_check_end(self, trainer, pl_module) -> None: """After the sanity validation."""
    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx: int) -> None: """Before a batch."""
    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx: int) -> None: """After a batch."""
    def on_train_epoch_start(self, trainer, pl_module) -> None: """At the start of a training epoch."""
    def on_train_epoch_end(self, trainer, pl_module) -> None: """At the end of a training epoch."""
    def on_validation_epoch_start(self, trainer, pl_module) -> None: """At the start of a validation run."""
    def on_validation_epoch_end(self, trainer, pl_module) -> None: """At the end of a validation run."""
    def on_test_epoch_start(self, trainer, pl_module) -> None: """At the start of the test run."""
    def on_test_epoch_end(self, trainer, pl_module) -> None: """At the end of the test run."""
    def on_predict_epoch_start(self, trainer, pl_module) -> None: """At the start of the predict run."""
    def on_predict_epoch_end(self, trainer, pl_module) -> None: """At the end of the predict run."""
    def on_validation_batch_start(self, trainer, pl_module, batch, batch_idx: int, dataloader_idx: int = 0) -> None:
        """Before a validation batch."""

    def on_validation_batch_end(self, trainer, pl_module, outputs, batch, batch_idx: int,
                                dataloader_idx: int = 0) -> None:
        """After a validation batch."""

    def on_test_batch_start(self, trainer, pl_module, batch, batch_idx: int, dataloader_idx: int = 0) -> None:
        """Before a test batch."""

    def on_test_batch_end(self, trainer, pl_module, outputs, batch, batch_idx: int, dataloader_idx: int = 0) -> None:
        """After a test batch."""

    def on_predict_batch_start(self, trainer, pl_module, batch, batch_idx: int, dataloader_idx: int = 0) -> None:
        """Before a predict batch."""

    def on_predict_batch_end(self, trainer, pl_module, outputs, batch, batch_idx: int,
                             dataloader_idx: int = 0) -> None:
        """After a predict batch."""

    def on_train_start(self, trainer, pl_module) -> None: """Before the first training epoch."""
    def on_train_end(self, trainer, pl_module) -> None: """After the last training epoch."""
    def on_validation_start(self, trainer, pl_module) -> None: """When a validation loop starts."""
    def on_validation_end(self, trainer, pl_module) -> None: """When a validation loop ends."""
    def on_test_start(self, trainer, pl_module) -> None: """When the test loop starts."""
    def on_test_end(self, trainer, pl_module) -> None: """When the test loop ends."""
    def on_predict_start(self, trainer, pl_module) -> None: """When the predict loop starts."""
    def on_predict_end(self, trainer, pl_module) -> None: """When the predict loop ends."""
    def on_exception(self, trainer, pl_module, exception: BaseException) -> None: """When a run raises."""
    def on_before_backward(self, trainer, pl_module, loss) -> None: """Before loss.backward()."""
    def on_after_backward(self, trainer, pl_module) -> None: """After loss.backward()."""
    def on_before_optimizer_step(self, trainer, pl_module, optimizer) -> None: """Before optimizer.step()."""
    def on_before_zero_grad(self, trainer, pl_module, optimizer) -> None: """Before optimizer.zero_grad()."""

    def state_dict(self) -> dict:
        """State to keep in checkpoints."""
        return {}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what state_dict returned."""

    def on_save_checkpoint(self, trainer, pl_module, checkpoint: dict) -> None:
        """Add to the checkpoint dict being saved."""

    def on_load_checkpoint(self, trainer, pl_module, checkpoint: dict) -> None:
        """Read from a checkpoint dict being restored."""
