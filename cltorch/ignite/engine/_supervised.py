"""create_supervised_trainer / create_supervised_evaluator: Engines for the usual (x, y) loop."""
from __future__ import annotations

from ... import no_grad
from ..utils import convert_tensor
from .engine import Engine

__all__ = ["create_supervised_trainer", "create_supervised_evaluator", "supervised_training_step",
           "supervised_evaluation_step"]


def _prepare_batch(batch, device=None, non_blocking: bool = False):
    """(x, y) of a batch, moved to device."""
    x, y = batch
    return convert_tensor(x, device, non_blocking), convert_tensor(y, device, non_blocking)


def supervised_training_step(model, optimizer, loss_fn, device=None, non_blocking: bool = False,
                             prepare_batch=_prepare_batch, model_transform=lambda output: output,
                             output_transform=lambda x, y, y_pred, loss: loss.item(),
                             gradient_accumulation_steps: int = 1, model_fn=lambda model, x: model(x)):
    """The process function of a supervised trainer: forward, loss, backward, (every n-th) optimizer step."""
    if gradient_accumulation_steps <= 0:
        raise ValueError("Gradient_accumulation_steps must be strictly positive. No gradient accumulation if the "
                         "value set to 1.")

    def update(engine, batch):
        if (engine.state.iteration - 1) % gradient_accumulation_steps == 0:
            optimizer.zero_grad()
        model.train()
        x, y = prepare_batch(batch, device=device, non_blocking=non_blocking)
        output = model_fn(model, x)
        y_pred = model_transform(output)
        loss = loss_fn(y_pred, y)
        if gradient_accumulation_steps > 1:
            loss = loss / gradient_accumulation_steps
        loss.backward()
        if engine.state.iteration % gradient_accumulation_steps == 0:
            optimizer.step()
        return output_transform(x, y, y_pred, loss * gradient_accumulation_steps)

    return update


def create_supervised_trainer(model, optimizer, loss_fn, device=None, non_blocking: bool = False,
                              prepare_batch=_prepare_batch, model_transform=lambda output: output,
                              output_transform=lambda x, y, y_pred, loss: loss.item(), deterministic: bool = False,
                              amp_mode=None, scaler=False, gradient_accumulation_steps: int = 1,
                              model_fn=lambda model, x: model(x)) -> Engine:
    """An Engine that trains model with optimizer on loss_fn; its output is the batch loss (a float)."""
    if amp_mode not in (None, False):
        raise ValueError("amp_mode is not supported by cltorch.ignite")
    step = supervised_training_step(model, optimizer, loss_fn, device, non_blocking, prepare_batch, model_transform,
                                    output_transform, gradient_accumulation_steps, model_fn)
    trainer = Engine(step)
    return trainer


def supervised_evaluation_step(model, device=None, non_blocking: bool = False, prepare_batch=_prepare_batch,
                               model_transform=lambda output: output,
                               output_transform=lambda x, y, y_pred: (y_pred, y),
                               model_fn=lambda model, x: model(x)):
    """The process function of a supervised evaluator: eval mode, no grad, (y_pred, y)."""
    def evaluate_step(engine, batch):
        model.eval()
        with no_grad():
            x, y = prepare_batch(batch, device=device, non_blocking=non_blocking)
            y_pred = model_transform(model_fn(model, x))
            return output_transform(x, y, y_pred)

    return evaluate_step


def create_supervised_evaluator(model, metrics=None, device=None, non_blocking: bool = False,
                                prepare_batch=_prepare_batch, model_transform=lambda output: output,
                                output_transform=lambda x, y, y_pred: (y_pred, y), amp_mode=None,
                                model_fn=lambda model, x: model(x)) -> Engine:
    """An Engine that evaluates model and computes the given metrics into state.metrics."""
    if amp_mode not in (None, False):
        raise ValueError("amp_mode is not supported by cltorch.ignite")
    step = supervised_evaluation_step(model, device, non_blocking, prepare_batch, model_transform, output_transform,
                                      model_fn)
    evaluator = Engine(step)
    for name, metric in (metrics or {}).items():
        metric.attach(evaluator, name)
    return evaluator
