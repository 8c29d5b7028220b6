"""ProgressBar: a per-epoch bar for an Engine with its output and metrics (``ignite.handlers.ProgressBar``)."""
from __future__ import annotations

import numbers
import sys
import warnings

from ... import Tensor
from ..._progress import ProgressBar as _Bar
from ..engine.events import Events


def _flatten(name: str, value, out: dict) -> None:
    if isinstance(value, Tensor):
        if value.numel() == 1:
            out[name] = value.item()
        elif value.dim() == 1:
            for i, v in enumerate(value.tolist()):
                out[f"{name}_{i}"] = v
        else:
            warnings.warn(f"ProgressBar can not log tensor with {value.dim()} dimensions")
    elif isinstance(value, (numbers.Number, str)):
        out[name] = value
    else:
        warnings.warn(f"ProgressBar can not log metrics value type {type(value)}")


class ProgressBar:
    """A bar per epoch: ``ProgressBar(persist=False).attach(engine, metric_names, output_transform)``."""

    _events_order = [Events.STARTED, Events.EPOCH_STARTED, Events.ITERATION_STARTED, Events.ITERATION_COMPLETED,
                     Events.EPOCH_COMPLETED, Events.COMPLETED]

    def __init__(self, persist: bool = False, bar_format=None, **tqdm_kwargs) -> None:
        self.persist = persist
        self.bar_format = bar_format
        self.tqdm_kwargs = tqdm_kwargs
        self.pbar = None

    def _reset(self, total) -> None:
        kwargs = dict(self.tqdm_kwargs)
        kwargs.pop("desc", None)
        file = kwargs.pop("file", None) or sys.stderr
        self.pbar = _Bar(total=total, leave=self.persist, file=file, **kwargs)

    def _close(self, engine) -> None:
        if self.pbar is not None:
            self.pbar.close()
        self.pbar = None

    def log_message(self, message: str) -> None:
        """Print a message without breaking the bar."""
        if self.pbar is not None:
            self.pbar.write(str(message))
        else:
            file = self.tqdm_kwargs.get("file") or sys.stderr
            file.write(str(message) + "\n")

    def _metrics(self, engine, metric_names, output_transform) -> dict:
        out: dict = {}
        if metric_names is not None:
            if metric_names == "all":
                names = list(engine.state.metrics)
            else:
                names = metric_names
            for name in names:
                if name not in engine.state.metrics:
                    warnings.warn(f"Provided metric name '{name}' is missing in engine's state metrics: "
                                  f"{list(engine.state.metrics.keys())}")
                    continue
                _flatten(name, engine.state.metrics[name], out)
        if output_transform is not None:
            output = output_transform(engine.state.output)
            if not isinstance(output, dict):
                output = {"output": output}
            for name, value in output.items():
                _flatten(name, value, out)
        return out

    def _update(self, engine, metric_names, output_transform, event_name, closing_event_name) -> None:
        total = engine.state.epoch_length
        if self.pbar is None:
            self._reset(total)
        desc = self.tqdm_kwargs.get("desc") or ("Iteration" if engine.state.max_epochs == 1 else "Epoch")
        max_closing = None
        base_closing = getattr(closing_event_name, "base", closing_event_name)
        if base_closing == Events.EPOCH_COMPLETED:
            max_closing = engine.state.max_epochs
        elif base_closing == Events.COMPLETED:
            max_closing = 1
        if max_closing and max_closing > 1:
            desc += f" [{engine.state.get_event_attrib_value(base_closing)}/{max_closing}]"
        self.pbar.set_description(desc, refresh=False)
        self.pbar.set_postfix(self._metrics(engine, metric_names, output_transform), refresh=False)
        step = engine.state.get_event_attrib_value(event_name)
        if total is not None:
            step = (step - 1) % total + 1
        self.pbar.update(step - self.pbar.n)

    def attach(self, engine, metric_names=None, output_transform=None, event_name=Events.ITERATION_COMPLETED,
               closing_event_name=Events.EPOCH_COMPLETED, state_attributes=None) -> None:
        """Draw on event_name (each iteration by default) and close the bar on closing_event_name."""
        if metric_names is not None and metric_names != "all" and not isinstance(metric_names, (list, tuple)):
            raise TypeError(f"metric_names should be either a list or equal 'all', got {type(metric_names)} instead.")
        if output_transform is not None and not callable(output_transform):
            raise TypeError(f"output_transform should be a function, got {type(output_transform)} instead.")
        if getattr(event_name, "base", event_name) not in engine._allowed_events:
            raise ValueError(f"Logging event {event_name} is not in allowed events for this engine")
        if getattr(closing_event_name, "base", closing_event_name) not in (Events.EPOCH_COMPLETED, Events.COMPLETED):
            raise ValueError("Closing event should be either Events.EPOCH_COMPLETED or Events.COMPLETED")
        engine.add_event_handler(event_name, self._update, metric_names, output_transform, event_name,
                                 closing_event_name)
        engine.add_event_handler(closing_event_name, self._close)
