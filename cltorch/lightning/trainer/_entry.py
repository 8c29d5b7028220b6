"""The Trainer's entry points: fit, validate, test and predict, with their setup, teardown and error handling."""
from __future__ import annotations

from ..core.datamodule import LightningDataModule
from ..utilities.exceptions import MisconfigurationException
from ..utilities.rank_zero import rank_zero_warn
from . import _checkpoint_io, _data, _setup
from .states import RunningStage, TrainerFn, TrainerStatus


class EntryPoints:
    """fit / validate / test / predict (mixed into Trainer)."""

    # -- shared plumbing ----------------------------------------------------------------------
    def _run_guarded(self, fn: TrainerFn, body):
        """Run body(); on an exception tell callbacks, tear down, finalize loggers and re-raise."""
        self.state.fn = fn
        self.state.status = TrainerStatus.RUNNING
        self.should_stop = False
        try:
            result = body()
        except KeyboardInterrupt as exc:
            rank_zero_warn("Detected KeyboardInterrupt, attempting graceful shutdown...")
            self._on_exception(exc)
            return None
        except BaseException as exc:
            self._on_exception(exc)
            raise
        self.state.status = TrainerStatus.FINISHED
        self.state.stage = None
        return result

    def _on_exception(self, exc: BaseException) -> None:
        self.state.status = TrainerStatus.INTERRUPTED
        if self.lightning_module is not None:
            self._call_callback_hooks("on_exception", exc)
        if self.datamodule is not None:
            self.datamodule.on_exception(exc)
        self._teardown(self.state.fn.value if self.state.fn is not None else "fit")
        for logger in self.loggers:
            logger.finalize("failed")
        self.state.stage = None

    def _setup_stage(self, stage: str) -> None:
        if self.datamodule is not None:
            self.datamodule.prepare_data()
        self._call_module_hook("prepare_data")
        if self.datamodule is not None:
            self.datamodule.setup(stage)
        self._call_hooks("setup", stage)

    def _teardown(self, stage: str) -> None:
        if self.lightning_module is None:
            return
        if self.datamodule is not None:
            self.datamodule.teardown(stage)
        self._call_hooks("teardown", stage)

    def _connect(self, model, datamodule, fn_name: str):
        """The model to run (the last one when None) attached with its datamodule."""
        if model is None:
            model = self.lightning_module
            if model is None:
                raise MisconfigurationException(f"`model` must be provided to `trainer.{fn_name}()` when it hasn't "
                                                "been passed in a previous run")
        self._attach(model, datamodule)
        return model

    # -- fit ----------------------------------------------------------------------------------
    def fit(self, model, train_dataloaders=None, val_dataloaders=None, datamodule=None, ckpt_path=None) -> None:
        """Train the model (resuming from ckpt_path when given), validating as configured."""
        if isinstance(train_dataloaders, LightningDataModule):
            datamodule, train_dataloaders = train_dataloaders, None
        if datamodule is not None and (train_dataloaders is not None or val_dataloaders is not None):
            raise MisconfigurationException("You cannot pass `train_dataloader` or `val_dataloaders` to "
                                            "`trainer.fit(datamodule=...)`")
        from ..core.module import LightningModule
        if not isinstance(model, LightningModule):
            raise TypeError(f"`Trainer.fit()` requires a `LightningModule`, got: {type(model).__qualname__}")
        self._run_guarded(TrainerFn.FITTING,
                          lambda: self._fit_impl(model, train_dataloaders, val_dataloaders, datamodule, ckpt_path))

    def _fit_impl(self, model, train_dataloaders, val_dataloaders, datamodule, ckpt_path) -> None:
        self._warn_fast_dev_run()
        self._attach(model, datamodule)
        self._reset_dataloaders()
        self._train_source, self._val_source = train_dataloaders, val_dataloaders
        self._logger_connector.reset_metrics()
        self._setup_stage("fit")
        checkpoint = None
        if ckpt_path is not None:
            path = self._select_ckpt_path(TrainerFn.FITTING, ckpt_path, True)
            self.ckpt_path = path
            checkpoint = _checkpoint_io.load_checkpoint_file(path) if path else None
        self._move_model()
        if checkpoint is not None:
            _checkpoint_io.restore_model(self, checkpoint)
        self._configure_optimizers()
        if self.train_dataloader is None:  # estimated_stepping_batches may have loaded it already
            self._load_train_dataloader()
        self._load_val_dataloaders()
        self._log_hyperparams()
        if checkpoint is not None:
            _checkpoint_io.restore_training_state(self, checkpoint)
        if self.enable_model_summary:
            print(_setup.model_summary(model))
        self._call_hooks("on_fit_start")
        self._run_sanity_check()
        self.state.stage = RunningStage.TRAINING
        self.fit_loop.run()
        self.state.stage = None
        self._call_hooks("on_fit_end")
        self._teardown("fit")
        for logger in self.loggers:
            logger.finalize("success")

    # -- checkpoints to evaluate ----------------------------------------------------------------
    def _select_ckpt_path(self, fn: TrainerFn, ckpt_path, model_provided: bool):
        """The file behind 'best', 'last', a path, or None (None after fit without a model: 'best')."""
        if ckpt_path is None:
            cb = self.checkpoint_callback
            if fn != TrainerFn.FITTING and not model_provided and cb is not None and cb.best_model_path:
                rank_zero_warn(f"`.{fn.value}(ckpt_path=None)` was called without a model. The best model of the "
                               f"previous `fit` call will be used. You can pass `.{fn.value}(ckpt_path='best')` to "
                               f"use the best model or `.{fn.value}(ckpt_path='last')` to use the last model. If you "
                               "pass a value, this warning will be silenced.")
                return cb.best_model_path
            return None
        if ckpt_path == "best":
            if self.fast_dev_run:
                raise ValueError(f"You cannot execute `.{fn.value}(ckpt_path='best')` with `fast_dev_run=True`. "
                                 f"Please pass an exact checkpoint path to `.{fn.value}(ckpt_path=...)`")
            cb = self.checkpoint_callback
            if cb is None:
                raise ValueError(f'`.{fn.value}(ckpt_path="best")` is set but `ModelCheckpoint` is not configured.')
            if not cb.best_model_path:
                raise ValueError(f'`.{fn.value}(ckpt_path="best")` is set but `ModelCheckpoint` is not configured to '
                                 "save the best model.")
            return cb.best_model_path
        if ckpt_path == "last":
            cb = self.checkpoint_callback
            path = None
            if cb is not None:
                path = cb.last_model_path or cb._last_checkpoint_saved or None
            if not path:
                rank_zero_warn(f".{fn.value}(ckpt_path='last') is set, but there is no last checkpoint available. No "
                               "checkpoint will be loaded.")
            return path
        return ckpt_path

    def _restore_weights_for(self, fn: TrainerFn, ckpt_path, model_provided: bool) -> None:
        path = self._select_ckpt_path(fn, ckpt_path, model_provided)
        self.ckpt_path = path
        if path:
            checkpoint = _checkpoint_io.load_checkpoint_file(path)
            _checkpoint_io.restore_model(self, checkpoint)

    # -- validate / test ----------------------------------------------------------------------
    def validate(self, model=None, dataloaders=None, ckpt_path=None, verbose: bool = True, datamodule=None) -> list:
        """Run one validation pass; return a dict of logged metrics per dataloader."""
        return self._evaluate(TrainerFn.VALIDATING, model, dataloaders, ckpt_path, verbose, datamodule)

    def test(self, model=None, dataloaders=None, ckpt_path=None, verbose: bool = True, datamodule=None) -> list:
        """Run the test loop; return a dict of logged metrics per dataloader."""
        return self._evaluate(TrainerFn.TESTING, model, dataloaders, ckpt_path, verbose, datamodule)

    def _evaluate(self, fn: TrainerFn, model, dataloaders, ckpt_path, verbose: bool, datamodule) -> list:
        if isinstance(dataloaders, LightningDataModule):
            datamodule, dataloaders = dataloaders, None
        if dataloaders is not None and datamodule is not None:
            raise MisconfigurationException(f"You cannot pass both `trainer.{fn.value}(dataloaders=..., "
                                            "datamodule=...)`")
        model_provided = model is not None
        step = "validation_step" if fn == TrainerFn.VALIDATING else "test_step"
        target = model if model is not None else self.lightning_module
        from ..core.module import LightningModule
        if target is not None and getattr(type(target), step) is getattr(LightningModule, step):
            raise MisconfigurationException(f"No `{step}()` method defined to run `Trainer.{fn.value}`.")
        return self._run_guarded(fn, lambda: self._evaluate_impl(fn, model, model_provided, dataloaders, ckpt_path,
                                                                 verbose, datamodule))

    def _evaluate_impl(self, fn, model, model_provided, dataloaders, ckpt_path, verbose, datamodule) -> list:
        from ._eval_loop import run_evaluation
        self._warn_fast_dev_run()
        model = self._connect(model, datamodule, fn.value)
        stage = "validate" if fn == TrainerFn.VALIDATING else "test"
        self._setup_stage(stage)
        self._move_model()
        self._restore_weights_for(fn, ckpt_path, model_provided)
        hook = "val_dataloader" if stage == "validate" else "test_dataloader"
        loaders = _data.as_loader_list(self._loader_from(dataloaders, hook))
        limit = self.limit_val_batches if stage == "validate" else self.limit_test_batches
        counts = [_data.num_batches(dl, limit, "val" if stage == "validate" else "test") for dl in loaders]
        if stage == "validate":
            self.val_dataloaders = loaders[0] if len(loaders) == 1 else loaders
            self._val_loaders, self.num_val_batches = loaders, counts
            self.state.stage = RunningStage.VALIDATING
        else:
            self.test_dataloaders = loaders[0] if len(loaders) == 1 else loaders
            self.num_test_batches = counts
            self.state.stage = RunningStage.TESTING
        self._logger_connector.reset_metrics()
        results = run_evaluation(self, stage, loaders, counts)
        self.state.stage = None
        self._teardown(stage)
        for logger in self.loggers:
            logger.finalize("success")
        if verbose:
            table = _setup.results_table("validate" if stage == "validate" else "test", results)
            if table:
                print(table)
        return results

    # -- predict ------------------------------------------------------------------------------
    def predict(self, model=None, dataloaders=None, datamodule=None, return_predictions=None, ckpt_path=None):
        """Run predict_step over the prediction data; return the outputs."""
        if isinstance(dataloaders, LightningDataModule):
            datamodule, dataloaders = dataloaders, None
        model_provided = model is not None
        return self._run_guarded(TrainerFn.PREDICTING,
                                 lambda: self._predict_impl(model, model_provided, dataloaders, datamodule,
                                                            return_predictions, ckpt_path))

    def _predict_impl(self, model, model_provided, dataloaders, datamodule, return_predictions, ckpt_path):
        from ._eval_loop import run_prediction
        model = self._connect(model, datamodule, "predict")
        self._setup_stage("predict")
        self._move_model()
        self._restore_weights_for(TrainerFn.PREDICTING, ckpt_path, model_provided)
        loaders = _data.as_loader_list(self._loader_from(dataloaders, "predict_dataloader"))
        counts = [_data.num_batches(dl, self.limit_predict_batches, "predict") for dl in loaders]
        self.predict_dataloaders = loaders[0] if len(loaders) == 1 else loaders
        self.num_predict_batches = counts
        self.state.stage = RunningStage.PREDICTING
        out = run_prediction(self, loaders, counts, True if return_predictions is None else return_predictions)
        self.state.stage = None
        self._teardown("predict")
        return out
