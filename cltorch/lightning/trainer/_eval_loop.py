"""Validation, test and predict loops (no gradients, model in eval mode)."""
from __future__ import annotations

from ... import inference_mode, no_grad
from ._data import LimitedIterator

_STAGE_NAMES = {
    # stage: (step hook, batch hook stem, epoch hook stem, legacy epoch-end hook, model-eval hook)
    "validate": ("validation_step", "validation", "validation", "validation_epoch_end", "on_validation_model_eval"),
    "sanity_check": ("validation_step", "validation", "validation", "validation_epoch_end",
                     "on_validation_model_eval"),
    "test": ("test_step", "test", "test", "test_epoch_end", "on_test_model_eval"),
}


def _grad_off(trainer):
    return inference_mode() if trainer._inference_mode else no_grad()


def run_evaluation(trainer, stage: str, loaders: list, counts: list) -> list:
    """Run validation_step/test_step over every loader; return one dict of epoch metrics per loader."""
    model = trainer.lightning_module
    step_name, batch_stem, epoch_stem, legacy_name, eval_hook = _STAGE_NAMES[stage]
    was_training = model.training
    results = trainer._eval_results
    results.reset()
    results.num_dataloaders = len(loaders)
    results.device = model.device
    trainer._results = results
    trainer._call_module_hook(eval_hook)
    trainer._call_callback_hooks(f"on_{batch_stem}_start")
    trainer._call_module_hook(f"on_{batch_stem}_start")
    trainer._call_callback_hooks(f"on_{epoch_stem}_epoch_start")
    trainer._call_module_hook(f"on_{epoch_stem}_epoch_start")
    legacy = getattr(model, legacy_name, None)
    outputs: list = [[] for _ in loaders]
    multiple = len(loaders) > 1
    with _grad_off(trainer):
        for dl_idx, (loader, count) in enumerate(zip(loaders, counts)):
            trainer._eval_dataloader_idx = dl_idx
            for batch_idx, batch, _ in LimitedIterator(loader, count):
                batch = trainer._transfer_batch(batch, dl_idx)
                results.new_batch(batch, dl_idx if multiple else None)
                trainer._call_callback_hooks(f"on_{batch_stem}_batch_start", batch, batch_idx, dl_idx)
                trainer._call_module_hook(f"on_{batch_stem}_batch_start", batch, batch_idx, dl_idx)
                args = (batch, batch_idx, dl_idx) if multiple else (batch, batch_idx)
                out = trainer._call_module_hook(step_name, *args)
                if callable(legacy) and out is not None:
                    outputs[dl_idx].append(out)
                trainer._call_callback_hooks(f"on_{batch_stem}_batch_end", out, batch, batch_idx, dl_idx)
                trainer._call_module_hook(f"on_{batch_stem}_batch_end", out, batch, batch_idx, dl_idx)
                trainer._logger_connector.update_eval_step_metrics()
        results.new_batch(None)
        if callable(legacy):
            trainer._call_module_hook(legacy_name, outputs if multiple else outputs[0])
        trainer._call_callback_hooks(f"on_{epoch_stem}_epoch_end")
        trainer._call_module_hook(f"on_{epoch_stem}_epoch_end")
    per_loader = trainer._logger_connector.update_eval_epoch_metrics(len(loaders))
    trainer._call_callback_hooks(f"on_{batch_stem}_end")
    trainer._call_module_hook(f"on_{batch_stem}_end")
    if was_training and stage in ("validate", "sanity_check"):
        trainer._call_module_hook("on_validation_model_train")
    return per_loader


def run_prediction(trainer, loaders: list, counts: list, return_predictions: bool = True):
    """Run predict_step over every loader; return the predictions (a list, or a list per loader)."""
    trainer._call_module_hook("on_predict_model_eval")
    trainer._call_callback_hooks("on_predict_start")
    trainer._call_module_hook("on_predict_start")
    trainer._call_callback_hooks("on_predict_epoch_start")
    trainer._call_module_hook("on_predict_epoch_start")
    predictions: list = [[] for _ in loaders]
    multiple = len(loaders) > 1
    with _grad_off(trainer):
        for dl_idx, (loader, count) in enumerate(zip(loaders, counts)):
            trainer._eval_dataloader_idx = dl_idx
            for batch_idx, batch, _ in LimitedIterator(loader, count):
                batch = trainer._transfer_batch(batch, dl_idx)
                trainer._call_callback_hooks("on_predict_batch_start", batch, batch_idx, dl_idx)
                trainer._call_module_hook("on_predict_batch_start", batch, batch_idx, dl_idx)
                args = (batch, batch_idx, dl_idx) if multiple else (batch, batch_idx)
                out = trainer._call_module_hook("predict_step", *args)
                if return_predictions:
                    predictions[dl_idx].append(out)
                trainer._call_callback_hooks("on_predict_batch_end", out, batch, batch_idx, dl_idx)
                trainer._call_module_hook("on_predict_batch_end", out, batch, batch_idx, dl_idx)
    trainer._call_callback_hooks("on_predict_epoch_end")
    trainer._call_module_hook("on_predict_epoch_end")
    trainer._call_callback_hooks("on_predict_end")
    trainer._call_module_hook("on_predict_end")
    if not return_predictions:
        return None
    return predictions if multiple else predictions[0]
