"""Validation, test and predict loops (no gradients, model in eval mode)."""
from __future__ import annotations

from ... import inference_mode, no_grad
from ._data import LimitedIterator

_STAGE_NAMES = {
    # stage: (step hook, hook stem, legacy epoch-end hook, model-eval hook)
    "validate": ("validation_step", "validation", "validation_epoch_end", "on_validation_model_eval"),
    "sanity_check": ("validation_step", "validation", "validation_epoch_end", "on_validation_model_eval"),
    "test": ("test_step", "test", "test_epoch_end", "on_test_model_eval"),
}


def _grad_off(trainer):
    return inference_mode() if trainer._inference_mode else no_grad()


def _start(trainer, stem: str, eval_hook: str) -> None:
    """The model-eval hook, then on_<stem>_start and on_<stem>_epoch_start (callbacks first, then the model)."""
    trainer._call_module_hook(eval_hook)
    trainer._call_hooks(f"on_{stem}_start")
    trainer._call_hooks(f"on_{stem}_epoch_start")


def _device_batches(trainer, loaders: list, counts: list):
    """(dataloader index, batch index, batch moved to the device) over every loader in turn."""
    for dl_idx, (loader, count) in enumerate(zip(loaders, counts)):
        trainer._eval_dataloader_idx = dl_idx
        for batch_idx, batch, _ in LimitedIterator(loader, count):
            yield dl_idx, batch_idx, trainer._transfer_batch(batch, dl_idx)


def _step(trainer, stem: str, step_name: str, batch, batch_idx: int, dl_idx: int, multiple: bool):
    """on_<stem>_batch_start hooks, then the step (given dataloader_idx only with several loaders); its output."""
    trainer._call_hooks(f"on_{stem}_batch_start", batch, batch_idx, dl_idx)
    args = (batch, batch_idx, dl_idx) if multiple else (batch, batch_idx)
    return trainer._call_module_hook(step_name, *args)


def run_evaluation(trainer, stage: str, loaders: list, counts: list) -> list:
    """Run validation_step/test_step over every loader; return one dict of epoch metrics per loader."""
    model = trainer.lightning_module
    step_name, stem, legacy_name, eval_hook = _STAGE_NAMES[stage]
    was_training = model.training
    results = trainer._eval_results
    results.reset()
    results.num_dataloaders = len(loaders)
    results.device = model.device
    trainer._results = results
    _start(trainer, stem, eval_hook)
    legacy = getattr(model, legacy_name, None)
    outputs: list = [[] for _ in loaders]
    multiple = len(loaders) > 1
    with _grad_off(trainer):
        for dl_idx, batch_idx, batch in _device_batches(trainer, loaders, counts):
            results.new_batch(batch, dl_idx if multiple else None)
            out = _step(trainer, stem, step_name, batch, batch_idx, dl_idx, multiple)
            if callable(legacy) and out is not None:
                outputs[dl_idx].append(out)
            trainer._call_hooks(f"on_{stem}_batch_end", out, batch, batch_idx, dl_idx)
            trainer._logger_connector.update_eval_step_metrics()
        results.new_batch(None)
        if callable(legacy):
            trainer._call_module_hook(legacy_name, outputs if multiple else outputs[0])
        trainer._call_hooks(f"on_{stem}_epoch_end")
    per_loader = trainer._logger_connector.update_eval_epoch_metrics(len(loaders))
    trainer._call_hooks(f"on_{stem}_end")
    if was_training and stage in ("validate", "sanity_check"):
        trainer._call_module_hook("on_validation_model_train")
    return per_loader


def run_prediction(trainer, loaders: list, counts: list, return_predictions: bool = True):
    """Run predict_step over every loader; return the predictions (a list, or a list per loader)."""
    _start(trainer, "predict", "on_predict_model_eval")
    predictions: list = [[] for _ in loaders]
    multiple = len(loaders) > 1
    with _grad_off(trainer):
        for dl_idx, batch_idx, batch in _device_batches(trainer, loaders, counts):
            out = _step(trainer, "predict", "predict_step", batch, batch_idx, dl_idx, multiple)
            if return_predictions:
                predictions[dl_idx].append(out)
            trainer._call_hooks("on_predict_batch_end", out, batch, batch_idx, dl_idx)
    trainer._call_hooks("on_predict_epoch_end")
    trainer._call_hooks("on_predict_end")
    if not return_predictions:
        return None
    return predictions if multiple else predictions[0]
