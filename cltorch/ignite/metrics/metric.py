"""Metric base class, usages (epoch-wise, batch-wise) and MetricsLambda (arithmetic on metrics)."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping

from ... import Tensor
from ..engine.events import Events

__all__ = ["Metric", "MetricUsage", "EpochWise", "BatchWise", "MetricsLambda", "reinit__is_reduced",
           "sync_all_reduce"]


class MetricUsage:
    """Which events reset, update and complete a metric."""

    usage_name = "custom"

    def __init__(self, started, completed, iteration_completed) -> None:
        self.STARTED = started
        self.COMPLETED = completed
        self.ITERATION_COMPLETED = iteration_completed


class EpochWise(MetricUsage):
    """Reset at each epoch start, complete at each epoch end (the default)."""

    usage_name = "epoch_wise"

    def __init__(self) -> None:
        super().__init__(Events.EPOCH_STARTED, Events.EPOCH_COMPLETED, Events.ITERATION_COMPLETED)


class BatchWise(MetricUsage):
    """A value per iteration."""

    usage_name = "batch_wise"

    def __init__(self) -> None:
        super().__init__(Events.ITERATION_STARTED, Events.ITERATION_COMPLETED, Events.ITERATION_COMPLETED)


def _usage(usage) -> MetricUsage:
    if isinstance(usage, MetricUsage):
        return usage
    if usage == EpochWise.usage_name:
        return EpochWise()
    if usage == BatchWise.usage_name:
        return BatchWise()
    raise ValueError(f"usage should be 'EpochWise.usage_name' or 'BatchWise.usage_name', get {usage}")


def reinit__is_reduced(func):
    """Decorator kept for ignite compatibility (single process: nothing to reduce)."""
    return func


def sync_all_reduce(*attrs):
    """Decorator kept for ignite compatibility (single process: nothing to reduce)."""
    def wrapper(func):
        return func
    return wrapper


class Metric(ABC):
    """A value accumulated over an engine's outputs: reset(), update(output), compute(); attach(engine, name)."""

    required_output_keys: tuple | None = ("y_pred", "y")
    _required_output_keys = required_output_keys

    def __init__(self, output_transform=lambda x: x, device="cpu", skip_unrolling: bool = False) -> None:
        self._output_transform = output_transform
        self._device = device
        self._skip_unrolling = skip_unrolling
        self.reset()

    @abstractmethod
    def reset(self) -> None:
        """Forget everything seen so far."""

    @abstractmethod
    def update(self, output) -> None:
        """Accumulate one batch's (transformed) output."""

    @abstractmethod
    def compute(self):
        """The metric's value over everything seen since reset."""

    # -- engine plumbing ------------------------------------------------------------------
    def started(self, engine) -> None:
        """Handler: reset."""
        self.reset()

    def iteration_completed(self, engine) -> None:
        """Handler: update with the transformed engine output."""
        output = self._output_transform(engine.state.output)
        if isinstance(output, Mapping):
            if self.required_output_keys is None:
                raise TypeError(f"Transformed engine output for {type(self).__name__} metric should be a tuple/list, "
                                f"but given {type(output)}")
            missing = [k for k in self.required_output_keys if k not in output]
            if missing:
                raise ValueError(f"When transformed engine's output is a mapping, it should contain "
                                 f"{self.required_output_keys} keys, but given {list(output.keys())}")
            output = tuple(output[k] for k in self.required_output_keys)
        self.update(output)

    def completed(self, engine, name: str) -> None:
        """Handler: compute and store in engine.state.metrics[name] (0-d tensors as numbers)."""
        result = self.compute()
        if isinstance(result, Mapping):
            if name in result:
                raise ValueError(f"Argument name '{name}' is conflicting with mapping keys: {list(result.keys())}")
            for key, value in result.items():
                engine.state.metrics[key] = value
            engine.state.metrics[name] = result
            return
        if isinstance(result, Tensor) and result.dim() == 0:
            result = result.item()
        engine.state.metrics[name] = result

    def attach(self, engine, name: str, usage=EpochWise.usage_name) -> None:
        """Reset, update and compute this metric on the engine's events; the value lands in state.metrics[name]."""
        usage = _usage(usage)
        if not engine.has_event_handler(self.started, usage.STARTED):
            engine.add_event_handler(usage.STARTED, self.started)
        if not engine.has_event_handler(self.iteration_completed, usage.ITERATION_COMPLETED):
            engine.add_event_handler(usage.ITERATION_COMPLETED, self.iteration_completed)
        engine.add_event_handler(usage.COMPLETED, self.completed, name)

    def detach(self, engine, usage=EpochWise.usage_name) -> None:
        """Remove this metric's handlers from the engine."""
        usage = _usage(usage)
        for handler, event in ((self.completed, usage.COMPLETED), (self.started, usage.STARTED),
                               (self.iteration_completed, usage.ITERATION_COMPLETED)):
            if engine.has_event_handler(handler, event):
                engine.remove_event_handler(handler, event)

    def is_attached(self, engine, usage=EpochWise.usage_name) -> bool:
        """Whether attach() was called for this engine and usage."""
        usage = _usage(usage)
        return engine.has_event_handler(self.completed, usage.COMPLETED)

    # -- arithmetic builds MetricsLambda ----------------------------------------------------
    def __add__(self, other): return MetricsLambda(lambda x, y: x + y, self, other)  # noqa: E704
    def __radd__(self, other): return MetricsLambda(lambda x, y: x + y, other, self)  # noqa: E704
    def __sub__(self, other): return MetricsLambda(lambda x, y: x - y, self, other)  # noqa: E704
    def __rsub__(self, other): return MetricsLambda(lambda x, y: x - y, other, self)  # noqa: E704
    def __mul__(self, other): return MetricsLambda(lambda x, y: x * y, self, other)  # noqa: E704
    def __rmul__(self, other): return MetricsLambda(lambda x, y: x * y, other, self)  # noqa: E704
    def __pow__(self, other): return MetricsLambda(lambda x, y: x ** y, self, other)  # noqa: E704
    def __rpow__(self, other): return MetricsLambda(lambda x, y: x ** y, other, self)  # noqa: E704
    def __mod__(self, other): return MetricsLambda(lambda x, y: x % y, self, other)  # noqa: E704
    def __truediv__(self, other): return MetricsLambda(lambda x, y: x / y, self, other)  # noqa: E704
    def __rtruediv__(self, other): return MetricsLambda(lambda x, y: x / y, other, self)  # noqa: E704
    def __floordiv__(self, other): return MetricsLambda(lambda x, y: x // y, self, other)  # noqa: E704
    def __getitem__(self, index): return MetricsLambda(lambda x: x[index], self)  # noqa: E704

    def __getattr__(self, attr: str):
        if attr.startswith("_") or not hasattr(Tensor, attr):
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{attr}'")

        def method(*args, **kwargs):
            return MetricsLambda(lambda x: getattr(x, attr)(*args, **kwargs), self)
        return method

    def __getstate__(self):
        return self.__dict__

    def __setstate__(self, state) -> None:
        self.__dict__.update(state)


class MetricsLambda(Metric):
    """A metric computed by f from other metrics' values (e.g. F1 from Precision and Recall)."""

    def __init__(self, f, *args, **kwargs) -> None:
        self.function = f
        self.args = args
        self.kwargs = kwargs
        self.engine = None
        self._updated = False
        super().__init__(device="cpu")

    def reset(self) -> None:
        for dep in list(self.args) + list(self.kwargs.values()):
            if isinstance(dep, Metric):
                dep.reset()
        self._updated = False

    def update(self, output) -> None:
        """Dependencies update themselves."""

    def compute(self):
        args = [a.compute() if isinstance(a, Metric) else a for a in self.args]
        kwargs = {k: (v.compute() if isinstance(v, Metric) else v) for k, v in self.kwargs.items()}
        return self.function(*args, **kwargs)

    def _internal_attach(self, engine, usage: MetricUsage) -> None:
        self.engine = engine
        for dep in list(self.args) + list(self.kwargs.values()):
            if isinstance(dep, MetricsLambda):
                dep._internal_attach(engine, usage)
            elif isinstance(dep, Metric):
                if not engine.has_event_handler(dep.started, usage.STARTED):
                    engine.add_event_handler(usage.STARTED, dep.started)
                if not engine.has_event_handler(dep.iteration_completed, usage.ITERATION_COMPLETED):
                    engine.add_event_handler(usage.ITERATION_COMPLETED, dep.iteration_completed)

    def attach(self, engine, name: str, usage=EpochWise.usage_name) -> None:
        """Attach the dependencies' reset/update handlers and this metric's completion."""
        usage = _usage(usage)
        self._internal_attach(engine, usage)
        engine.add_event_handler(usage.COMPLETED, self.completed, name)

    def detach(self, engine, usage=EpochWise.usage_name) -> None:
        usage = _usage(usage)
        if engine.has_event_handler(self.completed, usage.COMPLETED):
            engine.remove_event_handler(self.completed, usage.COMPLETED)

    def is_attached(self, engine, usage=EpochWise.usage_name) -> bool:
        usage = _usage(usage)
        return engine.has_event_handler(self.completed, usage.COMPLETED)
