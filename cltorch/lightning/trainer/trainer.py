"""The Trainer: runs a LightningModule's fit, validate, test and predict on one cltorch device."""
from __future__ import annotations

import math

from ... import float64
from ..core.datamodule import LightningDataModule
from ..core.module import LightningModule
from ..loggers.logger import DummyLogger
from ..utilities.apply_func import convert_floats
from ..utilities.exceptions import MisconfigurationException
from ..utilities.rank_zero import rank_zero_warn
from . import _checkpoint_io, _data, _optim, _setup
from ._accelerator import resolve_device, resolve_precision
from ._entry import EntryPoints
from ._fit_loop import FitLoop
from ._logger_connector import LoggerConnector
from ._results import ResultCollection
from .states import RunningStage, TrainerState, TrainerStatus


def _limit(value, fast_dev_run):
    if fast_dev_run:
        return int(fast_dev_run)
    return 1.0 if value is None else value


class Trainer(EntryPoints):
    """Automates the training loop of a LightningModule (``pytorch_lightning.Trainer``), on one OpenCL device."""

    def __init__(self, *, accelerator="auto", strategy="auto", devices="auto", num_nodes: int = 1, precision=32,
                 logger=None, callbacks=None, fast_dev_run=False, max_epochs=None, min_epochs=None,
                 max_steps: int = -1, min_steps=None, max_time=None, limit_train_batches=None,
                 limit_val_batches=None, limit_test_batches=None, limit_predict_batches=None, overfit_batches=0.0,
                 val_check_interval=None, check_val_every_n_epoch=1, num_sanity_val_steps=None,
                 log_every_n_steps=None, enable_checkpointing=None, enable_progress_bar=None,
                 enable_model_summary=None, accumulate_grad_batches: int = 1, gradient_clip_val=None,
                 gradient_clip_algorithm=None, deterministic=None, benchmark=None, inference_mode: bool = True,
                 use_distributed_sampler: bool = True, profiler=None, detect_anomaly: bool = False,
                 barebones: bool = False, plugins=None, sync_batchnorm: bool = False,
                 reload_dataloaders_every_n_epochs: int = 0, default_root_dir=None, gpus=None):
        if strategy not in ("auto", None, "single_device"):
            raise MisconfigurationException(f"strategy={strategy!r} is not supported: cltorch.lightning runs on one "
                                            "device (strategy='auto')")
        if num_nodes != 1:
            raise MisconfigurationException("num_nodes must be 1: cltorch.lightning runs on one device")
        if plugins:
            raise MisconfigurationException("plugins are not supported by cltorch.lightning")
        if isinstance(fast_dev_run, int) and not isinstance(fast_dev_run, bool) and fast_dev_run < 0:
            raise MisconfigurationException(f"fast_dev_run={fast_dev_run} is not a valid configuration. It should be "
                                            ">= 0.")
        if barebones:
            enable_checkpointing = enable_progress_bar = enable_model_summary = False
            logger = False if logger is None else logger
        self.root_device = resolve_device(accelerator, devices, gpus)
        self.accelerator = "gpu" if self.root_device.type == "cuda" else "cpu"
        self.precision = str(precision)
        self._dtype = resolve_precision(precision)
        self.fast_dev_run = fast_dev_run
        self.default_root_dir = _setup.default_root(default_root_dir)
        self.loggers = _setup.configure_loggers(logger, self.default_root_dir, fast_dev_run)
        self.callbacks = _setup.configure_callbacks(callbacks, enable_checkpointing is not False,
                                                    enable_progress_bar is not False)
        self.enable_model_summary = enable_model_summary is not False and not fast_dev_run
        self._init_limits(max_epochs, min_epochs, max_steps, min_steps, max_time, fast_dev_run)
        n = int(fast_dev_run) if fast_dev_run else 0
        self.limit_train_batches = _limit(overfit_batches or limit_train_batches, n)
        self.limit_val_batches = _limit(limit_val_batches, n)
        self.limit_test_batches = _limit(limit_test_batches, n)
        self.limit_predict_batches = _limit(limit_predict_batches, n)
        self.overfit_batches = overfit_batches
        self.val_check_interval = 1.0 if val_check_interval is None or fast_dev_run else val_check_interval
        self.check_val_every_n_epoch = 1 if fast_dev_run else check_val_every_n_epoch
        self.num_sanity_val_steps = 0 if fast_dev_run else (2 if num_sanity_val_steps is None
                                                             else num_sanity_val_steps)
        self.log_every_n_steps = 50 if log_every_n_steps is None else log_every_n_steps
        if not isinstance(accumulate_grad_batches, int) or accumulate_grad_batches < 1:
            raise MisconfigurationException(f"Gradient accumulation supports only int values >= 1, got "
                                            f"accumulate_grad_batches={accumulate_grad_batches!r}")
        self.accumulate_grad_batches = accumulate_grad_batches
        self.gradient_clip_val = gradient_clip_val
        if gradient_clip_algorithm not in (None, "norm", "value"):
            raise MisconfigurationException(f"`gradient_clip_algorithm` {gradient_clip_algorithm} is invalid. "
                                            "Allowed algorithms: ['value', 'norm'].")
        self.gradient_clip_algorithm = gradient_clip_algorithm or "norm"
        self.deterministic = deterministic
        self.benchmark = benchmark
        self._inference_mode = inference_mode
        self.reload_dataloaders_every_n_epochs = reload_dataloaders_every_n_epochs
        self.state = TrainerState()
        self.fit_loop = FitLoop(self, min_epochs=self.min_epochs, max_epochs=self.max_epochs)
        self._logger_connector = LoggerConnector(self)
        self._train_results = ResultCollection(training=True)
        self._eval_results = ResultCollection(training=False)
        self._results = None
        self.lightning_module = None
        self.datamodule = None
        self.optimizers: list = []
        self.lr_scheduler_configs: list = []
        self.should_stop = False
        self.ckpt_path = None
        self._eval_dataloader_idx = 0
        self._reset_dataloaders()

    def _init_limits(self, max_epochs, min_epochs, max_steps, min_steps, max_time, fast_dev_run) -> None:
        if fast_dev_run:
            max_epochs, max_steps, max_time = 1, int(fast_dev_run), None
        if max_epochs is None:
            if max_steps == -1 and max_time is None:
                max_epochs = 1000
            else:
                max_epochs = -1
        if max_epochs < -1:
            raise MisconfigurationException(f"`max_epochs` must be a non-negative integer or -1, got {max_epochs}")
        if max_steps is None or max_steps < -1:
            raise MisconfigurationException(f"`max_steps` must be a non-negative integer or -1. You passed in "
                                            f"{max_steps}.")
        self.max_epochs = max_epochs
        self.min_epochs = min_epochs
        self.max_steps = max_steps
        self.min_steps = min_steps
        self.max_time = max_time
        self._max_time_seconds = _setup.max_time_seconds(max_time)

    def _reset_dataloaders(self) -> None:
        self.train_dataloader = None
        self.val_dataloaders = None
        self.test_dataloaders = None
        self.predict_dataloaders = None
        self._val_loaders: list = []
        self._eval_loaders: list = []
        self.num_training_batches = math.inf
        self.num_val_batches: list = []
        self.num_sanity_val_batches: list = []
        self.num_test_batches: list = []
        self.num_predict_batches: list = []
        self._val_check_batch = math.inf
        self._train_source = None
        self._val_source = None

    # -- simple properties -------------------------------------------------------------------
    @property
    def logger(self):
        """The first logger (None when logging is off)."""
        return self.loggers[0] if self.loggers else None

    @logger.setter
    def logger(self, logger) -> None:
        self.loggers = [] if logger is None else [logger]

    @property
    def model(self):
        """The LightningModule being run (same as lightning_module)."""
        return self.lightning_module

    @property
    def current_epoch(self) -> int:
        """The epoch in progress (0-based)."""
        return self.fit_loop.current_epoch

    @property
    def global_step(self) -> int:
        """Optimizer steps taken so far."""
        return self.fit_loop.global_step

    @property
    def callback_metrics(self) -> dict:
        """Every logged value, as tensors (what EarlyStopping and ModelCheckpoint monitor)."""
        return self._logger_connector.callback_metrics

    @property
    def logged_metrics(self) -> dict:
        """The values last sent to the loggers."""
        return self._logger_connector.logged_metrics

    @property
    def progress_bar_metrics(self) -> dict:
        """The prog_bar=True values, as floats."""
        return self._logger_connector.progress_bar_metrics

    @property
    def log_dir(self):
        """The logger's version folder (default_root_dir without a logger)."""
        if self.loggers and not isinstance(self.loggers[0], DummyLogger) and self.loggers[0].log_dir:
            return self.loggers[0].log_dir
        return self.default_root_dir

    @property
    def checkpoint_callbacks(self) -> list:
        """Every ModelCheckpoint callback."""
        from ..callbacks import ModelCheckpoint
        return [cb for cb in self.callbacks if isinstance(cb, ModelCheckpoint)]

    @property
    def checkpoint_callback(self):
        """The first ModelCheckpoint (None when checkpointing is off)."""
        found = self.checkpoint_callbacks
        return found[0] if found else None

    @property
    def early_stopping_callbacks(self) -> list:
        """Every EarlyStopping callback."""
        from ..callbacks import EarlyStopping
        return [cb for cb in self.callbacks if isinstance(cb, EarlyStopping)]

    @property
    def early_stopping_callback(self):
        """The first EarlyStopping callback (None when there is none)."""
        found = self.early_stopping_callbacks
        return found[0] if found else None

    @property
    def progress_bar_callback(self):
        """The progress bar callback (None when disabled)."""
        from ..callbacks import ProgressBar
        return next((cb for cb in self.callbacks if isinstance(cb, ProgressBar)), None)

    @property
    def training(self) -> bool:
        """True while the training loop runs."""
        return self.state.stage == RunningStage.TRAINING

    @property
    def sanity_checking(self) -> bool:
        """True during the sanity validation before training."""
        return self.state.stage == RunningStage.SANITY_CHECKING

    @property
    def validating(self) -> bool:
        """True while a validation loop runs."""
        return self.state.stage == RunningStage.VALIDATING

    @property
    def testing(self) -> bool:
        """True while the test loop runs."""
        return self.state.stage == RunningStage.TESTING

    @property
    def predicting(self) -> bool:
        """True while the predict loop runs."""
        return self.state.stage == RunningStage.PREDICTING

    @property
    def interrupted(self) -> bool:
        """True when the last run ended by an exception or Ctrl-C."""
        return self.state.status == TrainerStatus.INTERRUPTED

    @property
    def is_last_batch(self) -> bool:
        """True on the last training batch of the epoch."""
        return self.fit_loop.is_last_batch

    @property
    def num_devices(self) -> int:
        """Always 1: one OpenCL device."""
        return 1

    @property
    def device_ids(self) -> list:
        """The index of the device in use."""
        return [self.root_device.index or 0]

    world_size = 1
    global_rank = 0
    local_rank = 0
    node_rank = 0
    num_nodes = 1
    is_global_zero = True

    @property
    def estimated_stepping_batches(self):
        """Optimizer steps the whole fit will take (for OneCycleLR and friends)."""
        if self.max_steps != -1:
            return self.max_steps
        if self.train_dataloader is None and self.lightning_module is not None:
            self._load_train_dataloader()
        if self.num_training_batches == math.inf or self.max_epochs == -1:
            return math.inf
        per_epoch = math.ceil(self.num_training_batches / self.accumulate_grad_batches)
        return per_epoch * self.max_epochs

    # -- hooks --------------------------------------------------------------------------------
    def _call_module_hook(self, name: str, *args, **kwargs):
        model = self.lightning_module
        fn = getattr(model, name, None)
        if fn is None:
            return None
        previous = model.__dict__.get("_current_fx_name")
        model.__dict__["_current_fx_name"] = name
        try:
            return fn(*args, **kwargs)
        finally:
            model.__dict__["_current_fx_name"] = previous

    def _call_callback_hooks(self, name: str, *args, monitoring=None) -> None:
        model = self.lightning_module
        previous = model.__dict__.get("_current_fx_name") if model is not None else None
        for cb in self.callbacks:
            if monitoring is not None and _setup.is_monitoring(cb) != monitoring:
                continue
            fn = getattr(cb, name, None)
            if fn is None:
                continue
            if model is not None:
                model.__dict__["_current_fx_name"] = name
            try:
                fn(self, model, *args)
            finally:
                if model is not None:
                    model.__dict__["_current_fx_name"] = previous

    def _call_hooks(self, name: str, *args):
        """The callbacks' hook, then the LightningModule's (its result returned)."""
        self._call_callback_hooks(name, *args)
        return self._call_module_hook(name, *args)

    def _call_datamodule_hook(self, name: str, *args):
        fn = getattr(self.datamodule, name, None) if self.datamodule is not None else None
        return fn(*args) if callable(fn) else None

    def _transfer_batch(self, batch, dataloader_idx: int):
        dm = self.datamodule
        if dm is not None:
            batch = dm.on_before_batch_transfer(batch, dataloader_idx)
        batch = self._call_module_hook("on_before_batch_transfer", batch, dataloader_idx)
        moved = dm.transfer_batch_to_device(batch, self.root_device, dataloader_idx) if dm is not None else None
        if moved is None:
            moved = self._call_module_hook("transfer_batch_to_device", batch, self.root_device, dataloader_idx)
        if self._dtype is float64:
            moved = convert_floats(moved, self._dtype)
        if dm is not None:
            moved = dm.on_after_batch_transfer(moved, dataloader_idx)
        return self._call_module_hook("on_after_batch_transfer", moved, dataloader_idx)

    def _should_log_step(self) -> bool:
        every = self.log_every_n_steps
        return every > 0 and (self.fit_loop.batches_stepped + 1) % every == 0

    # -- data ---------------------------------------------------------------------------------
    def _loader_from(self, explicit, hook: str):
        if explicit is not None:
            return explicit
        if self.datamodule is not None and callable(getattr(self.datamodule, hook, None)):
            return getattr(self.datamodule, hook)()
        return self._call_module_hook(hook)

    def _load_train_dataloader(self) -> None:
        loader = _data.training_loader(self._loader_from(self._train_source, "train_dataloader"))
        if loader is None:
            raise MisconfigurationException("No `train_dataloader()` method defined. Lightning `Trainer` expects as "
                                            "minimum a `training_step()`, `train_dataloader()` and "
                                            "`configure_optimizers()` to be defined.")
        self.train_dataloader = loader
        self.num_training_batches = _data.num_batches(loader, self.limit_train_batches, "train")
        self._val_check_batch = self._compute_val_check_batch()

    def _compute_val_check_batch(self):
        interval = self.val_check_interval
        if isinstance(interval, int) and not isinstance(interval, bool):
            if self.check_val_every_n_epoch is not None and interval > self.num_training_batches:
                raise ValueError(
                    f"`val_check_interval` ({interval}) must be less than or equal to the number of the training "
                    f"batches ({self.num_training_batches}). If you want to disable validation set "
                    "`limit_val_batches` to 0.0 instead. If you want to validate based on the total training "
                    "batches, set `check_val_every_n_epoch=None`.")
            return interval
        if self.num_training_batches == math.inf:
            if float(interval) != 1.0:
                raise MisconfigurationException("When using an IterableDataset for `train_dataloader`, "
                                                "`Trainer(val_check_interval)` must be `1.0` or an int.")
            return math.inf
        return max(1, int(self.num_training_batches * float(interval)))

    def _load_val_dataloaders(self) -> None:
        if self.overfit_batches:
            loaders = [self.train_dataloader]
        else:
            source = self._val_source if self._val_source is not None else self._loader_from(None, "val_dataloader")
            loaders = _data.as_loader_list(source)
        self.val_dataloaders = loaders[0] if len(loaders) == 1 else loaders
        self._val_loaders = loaders
        limit = self.overfit_batches or self.limit_val_batches
        self.num_val_batches = [_data.num_batches(dl, limit, "val") for dl in loaders]

    def _maybe_reload_train_dataloader(self, epoch: int) -> None:
        n = self.reload_dataloaders_every_n_epochs
        if n and epoch > 0 and epoch % n == 0:
            self._load_train_dataloader()
            self._load_val_dataloaders()

    def _validation_enabled(self) -> bool:
        from ..core.module import LightningModule as _LM
        model = self.lightning_module
        overridden = type(model).validation_step is not _LM.validation_step
        return overridden and bool(self._val_loaders) and sum(self.num_val_batches) > 0

    def _val_epoch_due(self, epoch: int) -> bool:
        n = self.check_val_every_n_epoch
        return n is None or (epoch + 1) % n == 0

    def _eval_num_batches(self, dataloader_idx: int):
        counts = {RunningStage.SANITY_CHECKING: self.num_sanity_val_batches,
                  RunningStage.VALIDATING: self.num_val_batches,
                  RunningStage.TESTING: self.num_test_batches,
                  RunningStage.PREDICTING: self.num_predict_batches}.get(self.state.stage, [])
        return counts[dataloader_idx] if dataloader_idx < len(counts) else None

    # -- checkpoints --------------------------------------------------------------------------
    def save_checkpoint(self, filepath, weights_only: bool = False, storage_options=None) -> None:
        """Write the current state to filepath (atomically)."""
        if self.lightning_module is None:
            raise AttributeError("Saving a checkpoint is only possible if a model is attached to the Trainer. Did you "
                                 "call `Trainer.save_checkpoint()` before calling `Trainer.{fit,validate,test,predict}`?")
        checkpoint = _checkpoint_io.dump_checkpoint(self, weights_only)
        _checkpoint_io.save_checkpoint_file(checkpoint, filepath)

    def _configure_optimizers(self) -> None:
        model = self.lightning_module
        self.optimizers, self.lr_scheduler_configs = _optim.parse_optimizers(
            self._call_module_hook("configure_optimizers"))
        if not model.automatic_optimization:
            for opt in self.optimizers:
                opt.register_step_post_hook(self.fit_loop.count_optimizer_step)

    def _attach(self, model: LightningModule, datamodule) -> None:
        if not isinstance(model, LightningModule):
            raise TypeError(f"`model` must be a `LightningModule`, got `{type(model).__qualname__}`")
        if datamodule is not None and not isinstance(datamodule, LightningDataModule):
            raise TypeError(f"`datamodule` must be a `LightningDataModule`, got `{type(datamodule).__qualname__}`")
        model.trainer = self
        self.lightning_module = model
        if datamodule is not None:
            datamodule.trainer = self
            self.datamodule = datamodule
        callbacks = model.configure_callbacks()
        if callbacks:
            self.callbacks = _setup.merge_model_callbacks(self.callbacks, callbacks)
        self._train_results.device = self.root_device
        self._eval_results.device = self.root_device

    def _move_model(self) -> None:
        model = self.lightning_module
        model.to(self.root_device)
        if self._dtype != model.dtype:
            model.to(self._dtype)

    def _log_hyperparams(self) -> None:
        if not self.loggers:
            return
        model = self.lightning_module
        params = {}
        if getattr(model, "_log_hyperparams", True) and "_hparams" in model.__dict__:
            params.update(dict(model.hparams_initial))
        dm = self.datamodule
        if dm is not None and getattr(dm, "_log_hyperparams", True) and "_hparams" in dm.__dict__:
            params.update(dict(dm.hparams_initial))
        for logger in self.loggers:
            logger.log_hyperparams(params)
            logger.save()

    def _run_validation(self) -> None:
        previous = self.state.stage
        self.state.stage = RunningStage.VALIDATING
        try:
            from ._eval_loop import run_evaluation
            run_evaluation(self, "validate", self._val_loaders, self.num_val_batches)
        finally:
            self.state.stage = previous

    def _run_sanity_check(self) -> None:
        if self.num_sanity_val_steps == 0 or not self._validation_enabled():
            return
        from ._eval_loop import run_evaluation
        steps = self.num_sanity_val_steps
        self.num_sanity_val_batches = [n if steps == -1 else min(n, steps) for n in self.num_val_batches]
        previous = self.state.stage
        self.state.stage = RunningStage.SANITY_CHECKING
        try:
            self._call_callback_hooks("on_sanity_check_start")
            run_evaluation(self, "sanity_check", self._val_loaders, self.num_sanity_val_batches)
            self._call_callback_hooks("on_sanity_check_end")
        finally:
            self.state.stage = previous
        self._logger_connector.reset_metrics()

    def _warn_fast_dev_run(self) -> None:
        if self.fast_dev_run:
            n = int(self.fast_dev_run)
            rank_zero_warn(f"Running in `fast_dev_run` mode: will run the requested loop using {n} batch(es). Logging "
                           "and checkpointing is suppressed.", stacklevel=4)
