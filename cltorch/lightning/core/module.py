"""LightningModule: an nn.Module that also says how to train, validate, test and predict itself."""
from __future__ import annotations

from ... import device as _device_cls
from ... import float32
from ...nn import Module
from ...nn.utils import clip_grad_norm_, clip_grad_value_
from ..utilities.apply_func import move_data_to_device
from ..utilities.exceptions import MisconfigurationException
from ..utilities.rank_zero import rank_zero_warn
from .hooks import DataHooks
from .mixins import HyperparametersMixin


class LightningModule(DataHooks, HyperparametersMixin, Module):
    """Base class of models trained by the Trainer (``pytorch_lightning.LightningModule``)."""

    _train_dataloader_hint = " (or pass train_dataloaders/datamodule to trainer.fit)"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()
        d = self.__dict__
        d["_trainer"] = None
        d["_current_fx_name"] = None
        d["_automatic_optimization"] = True
        d["_example_input_array"] = None
        d["prepare_data_per_node"] = True
        d["allow_zero_length_dataloader_with_multiple_devices"] = False

    # -- attachments -----------------------------------------------------------------
    @property
    def trainer(self):
        """The Trainer running this module (RuntimeError when none is attached)."""
        trainer = self.__dict__.get("_trainer")
        if trainer is None:
            raise RuntimeError(f"{type(self).__qualname__} is not attached to a `Trainer`.")
        return trainer

    @trainer.setter
    def trainer(self, trainer) -> None:
        self.__dict__["_trainer"] = trainer

    @property
    def _attached(self) -> bool:
        return self.__dict__.get("_trainer") is not None

    @property
    def automatic_optimization(self) -> bool:
        """When False the training_step calls optimizers itself (manual optimization)."""
        return self.__dict__.get("_automatic_optimization", True)

    @automatic_optimization.setter
    def automatic_optimization(self, value: bool) -> None:
        self.__dict__["_automatic_optimization"] = bool(value)

    @property
    def example_input_array(self):
        """An example input (used for the model summary); None by default."""
        return self.__dict__.get("_example_input_array")

    @example_input_array.setter
    def example_input_array(self, value) -> None:
        self.__dict__["_example_input_array"] = value

    @property
    def current_epoch(self) -> int:
        """The epoch the Trainer is in (0 without a Trainer)."""
        return self.trainer.current_epoch if self._attached else 0

    @property
    def global_step(self) -> int:
        """Optimizer steps taken so far (0 without a Trainer)."""
        return self.trainer.global_step if self._attached else 0

    @property
    def device(self):
        """The device of the module's parameters (cpu when it has none)."""
        for p in self.parameters():
            return p.device
        for b in self.buffers():
            return b.device
        return _device_cls("cpu")

    @property
    def dtype(self):
        """The dtype of the first floating parameter."""
        for p in self.parameters():
            if p.dtype.is_floating_point:
                return p.dtype
        return float32

    @property
    def on_gpu(self) -> bool:
        """True when the parameters are on an OpenCL GPU."""
        return self.device.type == "cuda"

    @property
    def logger(self):
        """The Trainer's first logger (None without a Trainer)."""
        return self.trainer.logger if self._attached else None

    @property
    def loggers(self) -> list:
        """The Trainer's loggers."""
        return self.trainer.loggers if self._attached else []

    @property
    def local_rank(self) -> int:
        """Always 0 (one process)."""
        return 0

    @property
    def global_rank(self) -> int:
        """Always 0 (one process)."""
        return 0

    # -- the steps ---------------------------------------------------------------------
    def training_step(self, *args, **kwargs):
        """Compute and return the training loss (a tensor, or a dict with 'loss'); override this."""
        raise MisconfigurationException("You must implement `training_step()` to train with the Lightning Trainer")

    def validation_step(self, *args, **kwargs):
        """One validation batch; override to enable the validation loop."""

    def test_step(self, *args, **kwargs):
        """One test batch; override to enable trainer.test()."""

    def predict_step(self, batch, batch_idx: int, dataloader_idx: int = 0):
        """One prediction batch: by default ``self(batch)`` (or ``self(x)`` for an (x, y) batch)."""
        if isinstance(batch, (list, tuple)) and len(batch) >= 1:
            return self(batch[0])
        return self(batch)

    def configure_optimizers(self):
        """Return the optimizer(s) and optional schedulers; override this."""
        raise MisconfigurationException(
            "`configure_optimizers` must be implemented to be used with the Lightning Trainer")

    # -- data hooks --------------------------------------------------------------------
    def transfer_batch_to_device(self, batch, device, dataloader_idx: int):
        """Move a batch's tensors to the device."""
        return move_data_to_device(batch, device)

    # -- loop hooks (no-ops by default) --------------------------------------------------
    def on_fit_start(self) -> None: """Called at the very start of fit."""
    def on_fit_end(self) -> None: """Called at the very end of fit."""
    def on_train_start(self) -> None: """Called after the sanity check, before the first epoch."""
    def on_train_end(self) -> None: """Called after the last epoch."""
    def on_validation_start(self) -> None: """Called when a validation loop starts."""
    def on_validation_end(self) -> None: """Called when a validation loop ends."""
    def on_test_start(self) -> None: """Called when the test loop starts."""
    def on_test_end(self) -> None: """Called when the test loop ends."""
    def on_predict_start(self) -> None: """Called when the predict loop starts."""
    def on_predict_end(self) -> None: """Called when the predict loop ends."""
    def on_train_epoch_start(self) -> None: """Called at the start of each training epoch."""
    def on_train_epoch_end(self) -> None: """Called at the end of each training epoch."""
    def on_validation_epoch_start(self) -> None: """Called at the start of each validation run."""
    def on_validation_epoch_end(self) -> None: """Called at the end of each validation run."""
    def on_test_epoch_start(self) -> None: """Called at the start of the test run."""
    def on_test_epoch_end(self) -> None: """Called at the end of the test run."""
    def on_predict_epoch_start(self) -> None: """Called at the start of the predict run."""
    def on_predict_epoch_end(self) -> None: """Called at the end of the predict run."""
    def on_train_batch_start(self, batch, batch_idx: int): """Return -1 to skip the rest of the epoch."""
    def on_train_batch_end(self, outputs, batch, batch_idx: int) -> None: """Called after each training batch."""
    def on_validation_batch_start(self, batch, batch_idx: int, dataloader_idx: int = 0) -> None: """Before a batch."""
    def on_validation_batch_end(self, outputs, batch, batch_idx: int, dataloader_idx: int = 0) -> None: """After."""
    def on_test_batch_start(self, batch, batch_idx: int, dataloader_idx: int = 0) -> None: """Before a test batch."""
    def on_test_batch_end(self, outputs, batch, batch_idx: int, dataloader_idx: int = 0) -> None: """After one."""
    def on_predict_batch_start(self, batch, batch_idx: int, dataloader_idx: int = 0) -> None: """Before a batch."""
    def on_predict_batch_end(self, outputs, batch, batch_idx: int, dataloader_idx: int = 0) -> None: """After."""
    def on_validation_model_eval(self) -> None:
        """Put the model in eval mode for validation."""
        self.eval()

    def on_validation_model_train(self) -> None:
        """Put the model back in train mode after validation."""
        self.train()

    def on_test_model_eval(self) -> None:
        """Put the model in eval mode for testing."""
        self.eval()

    def on_predict_model_eval(self) -> None:
        """Put the model in eval mode for prediction."""
        self.eval()

    def on_before_backward(self, loss) -> None: """Called before loss.backward()."""
    def on_after_backward(self) -> None: """Called after loss.backward(), before the optimizer step."""
    def on_before_optimizer_step(self, optimizer) -> None: """Called before optimizer.step() (grads ready)."""
    def on_before_zero_grad(self, optimizer) -> None: """Called before optimizer.zero_grad()."""
    def on_save_checkpoint(self, checkpoint: dict) -> None: """Add to the checkpoint dict being saved."""
    def on_load_checkpoint(self, checkpoint: dict) -> None: """Read extra state from a loaded checkpoint dict."""

    # -- optimization ------------------------------------------------------------------
    def backward(self, loss, *args, **kwargs) -> None:
        """Compute gradients of the loss (automatic optimization calls this)."""
        loss.backward(*args, **kwargs)

    def manual_backward(self, loss, *args, **kwargs) -> None:
        """backward() for manual optimization."""
        if self.automatic_optimization:
            raise MisconfigurationException("`manual_backward` is only for manual optimization "
                                            "(set `self.automatic_optimization = False`)")
        self.backward(loss, *args, **kwargs)

    def optimizers(self, use_pl_optimizer: bool = True):
        """The optimizer (or list of optimizers) configure_optimizers returned."""
        opts = self.trainer.optimizers
        return opts[0] if len(opts) == 1 else opts

    def lr_schedulers(self):
        """The scheduler (or list) configure_optimizers returned; None when there is none."""
        scheds = [c.scheduler for c in self.trainer.lr_scheduler_configs]
        if not scheds:
            return None
        return scheds[0] if len(scheds) == 1 else scheds

    def optimizer_step(self, epoch: int, batch_idx: int, optimizer, optimizer_closure=None) -> None:
        """Take the optimizer step (the closure runs training_step and backward)."""
        optimizer.step(closure=optimizer_closure)

    def optimizer_zero_grad(self, epoch: int, batch_idx: int, optimizer) -> None:
        """Reset the gradients before the next accumulation window."""
        optimizer.zero_grad()

    def lr_scheduler_step(self, scheduler, metric) -> None:
        """Step a scheduler (with the monitored metric for ReduceLROnPlateau)."""
        if metric is None:
            scheduler.step()
        else:
            scheduler.step(metric)

    def clip_gradients(self, optimizer, gradient_clip_val=None, gradient_clip_algorithm=None) -> None:
        """Clip the gradients of the optimizer's parameters by norm (default) or value."""
        if gradient_clip_val is None or gradient_clip_val == 0:
            return
        params = [p for group in optimizer.param_groups for p in group["params"] if p.grad is not None]
        algorithm = (gradient_clip_algorithm or "norm").lower()
        if algorithm == "norm":
            clip_grad_norm_(params, gradient_clip_val)
        elif algorithm == "value":
            clip_grad_value_(params, gradient_clip_val)
        else:
            raise MisconfigurationException(f"`gradient_clip_algorithm` {gradient_clip_algorithm!r} is invalid. "
                                            "Allowed algorithms: ['value', 'norm'].")

    def configure_gradient_clipping(self, optimizer, gradient_clip_val=None, gradient_clip_algorithm=None) -> None:
        """Clip gradients before each step (Trainer(gradient_clip_val=...) arrives here)."""
        self.clip_gradients(optimizer, gradient_clip_val, gradient_clip_algorithm)

    def configure_callbacks(self):
        """Callbacks this model adds to the Trainer's."""
        return []

    # -- logging -----------------------------------------------------------------------
    def log(self, name: str, value, prog_bar: bool = False, logger=None, on_step=None, on_epoch=None,
            reduce_fx="mean", enable_graph: bool = False, sync_dist: bool = False, sync_dist_group=None,
            add_dataloader_idx: bool = True, batch_size=None, metric_attribute=None, rank_zero_only: bool = False):
        """Record a scalar for the logger, the progress bar and callbacks (see the Trainer for the defaults)."""
        if not self._attached:
            rank_zero_warn("You are trying to `self.log()` but the loop's result collection is not registered yet. "
                           "This is most likely because you are not using the Trainer.")
            return
        trainer = self.trainer
        results = trainer._results
        fx = self.__dict__.get("_current_fx_name")
        if results is None or fx is None:
            raise MisconfigurationException(f"You are trying to `self.log({name!r}, ...)` outside a hook where "
                                            "logging is supported")
        if trainer.sanity_checking:
            return
        results.log(fx, name, value, prog_bar=prog_bar, logger=True if logger is None else logger, on_step=on_step,
                    on_epoch=on_epoch, reduce_fx=reduce_fx, batch_size=batch_size,
                    add_dataloader_idx=add_dataloader_idx)

    def log_dict(self, dictionary: dict, prog_bar: bool = False, logger=None, on_step=None, on_epoch=None,
                 reduce_fx="mean", enable_graph: bool = False, sync_dist: bool = False, sync_dist_group=None,
                 add_dataloader_idx: bool = True, batch_size=None, rank_zero_only: bool = False) -> None:
        """self.log for every key of a dict."""
        for name, value in dictionary.items():
            self.log(name, value, prog_bar=prog_bar, logger=logger, on_step=on_step, on_epoch=on_epoch,
                     reduce_fx=reduce_fx, add_dataloader_idx=add_dataloader_idx, batch_size=batch_size)

    def print(self, *args, **kwargs) -> None:
        """print(), written above the progress bar when one is shown."""
        bar = self.trainer.progress_bar_callback if self._attached else None
        if bar is not None and hasattr(bar, "print"):
            bar.print(*args, **kwargs)
        else:
            print(*args, **kwargs)

    # -- convenience -------------------------------------------------------------------
    def freeze(self) -> None:
        """Turn off gradients for every parameter and switch to eval mode."""
        for p in self.parameters():
            p.requires_grad = False
        self.eval()

    def unfreeze(self) -> None:
        """Turn gradients back on and switch to train mode."""
        for p in self.parameters():
            p.requires_grad = True
        self.train()

    @classmethod
    def load_from_checkpoint(cls, checkpoint_path, map_location=None, hparams_file=None, strict=None, **kwargs):
        """Build the module from the hyperparameters saved in the checkpoint (kwargs override) with its weights."""
        from .saving import load_from_checkpoint
        return load_from_checkpoint(cls, checkpoint_path, map_location=map_location, hparams_file=hparams_file,
                                    strict=strict, **kwargs)
