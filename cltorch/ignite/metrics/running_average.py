"""RunningAverage: an exponential moving average of a metric or of the engine output, per iteration."""
from __future__ import annotations

from ... import Tensor
from ..engine.events import Events
from .metric import Metric


def _number(value):
    if isinstance(value, Tensor):
        return value.item() if value.dim() == 0 else value.detach()
    return value


class RunningAverage(Metric):
    """``value = alpha * value + (1 - alpha) * current``, updated every iteration (src metric or output)."""

    required_output_keys = None

    def __init__(self, src=None, alpha: float = 0.98, output_transform=None, epoch_bound=None, device=None,
                 skip_unrolling: bool = False) -> None:
        if not (isinstance(src, Metric) or src is None):
            raise TypeError("Argument src should be a Metric or None.")
        if not 0.0 < alpha <= 1.0:
            raise ValueError("Argument alpha should be a float between 0.0 and 1.0.")
        if isinstance(src, Metric):
            if output_transform is not None:
                raise ValueError("Argument output_transform should be None if src is a Metric.")
            self.src = src
        else:
            if output_transform is None:
                raise ValueError("Argument output_transform should not be None if src corresponds to the output of "
                                 "process function.")
            self.src = None
        self.alpha = alpha
        self.epoch_bound = True if epoch_bound is None else epoch_bound
        super().__init__(output_transform=output_transform or (lambda x: x), device=device or "cpu",
                         skip_unrolling=skip_unrolling)

    def reset(self) -> None:
        """Forget the average (and reset the source metric)."""
        self._value = None
        if self.src is not None:
            self.src.reset()

    def update(self, output) -> None:
        """Blend in one new value."""
        value = _number(output)
        self._value = value if self._value is None else self._value * self.alpha + (1.0 - self.alpha) * value

    def compute(self):
        """The current average."""
        return self._value

    def iteration_completed(self, engine) -> None:
        """Update from this iteration's source value."""
        if self.src is not None:
            self.src.reset()
            self.src.iteration_completed(engine)
            current = self.src.compute()
        else:
            current = self._output_transform(engine.state.output)
        self.update(current)

    def _store(self, engine, name: str) -> None:
        engine.state.metrics[name] = self.compute()

    def attach(self, engine, name: str, usage=None) -> None:
        """Reset at each epoch (epoch_bound) and store the average in state.metrics[name] every iteration."""
        if self.epoch_bound:
            engine.add_event_handler(Events.EPOCH_STARTED, self.started)
        else:
            engine.add_event_handler(Events.STARTED, self.started)
        engine.add_event_handler(Events.ITERATION_COMPLETED, self.iteration_completed)
        engine.add_event_handler(Events.ITERATION_COMPLETED, self._store, name)

    def detach(self, engine, usage=None) -> None:
        for event, handler in ((Events.EPOCH_STARTED, self.started), (Events.STARTED, self.started),
                               (Events.ITERATION_COMPLETED, self.iteration_completed),
                               (Events.ITERATION_COMPLETED, self._store)):
            if engine.has_event_handler(handler, event):
                engine.remove_event_handler(handler, event)

    def is_attached(self, engine, usage=None) -> bool:
        return engine.has_event_handler(self._store, Events.ITERATION_COMPLETED)
