"""Engine events: Events, filters (``every=``, ``once=``, ``before=``, ``after=``, callables), ``|`` lists, State."""
from __future__ import annotations

import numbers
from enum import Enum


class CallableEventWithFilter:
    """An event name that can be called to attach a filter: ``Events.ITERATION_COMPLETED(every=10)``."""

    def __init__(self, value: str, event_filter=None, name=None):
        self.filter = event_filter
        if not hasattr(self, "_value_"):
            self._value_ = value
        if not hasattr(self, "_name_") and name is not None:
            self._name_ = name

    @property
    def base(self):
        """The unfiltered event this one was made from."""
        return self.__dict__.get("_base", self)

    def __call__(self, event_filter=None, every=None, once=None, before=None, after=None):
        """This event with a filter: every n-th, once at n (or a list), before/after a count, or a callable."""
        kinds = (event_filter is not None) + (once is not None) + \
            (every is not None or before is not None or after is not None)
        if kinds != 1:
            raise ValueError("Only one of the input arguments should be specified, except before, after and every")
        if event_filter is not None and not callable(event_filter):
            raise TypeError("Argument event_filter should be a callable")
        if every is not None and (not isinstance(every, numbers.Integral) or every < 1):
            raise ValueError("Argument every should be integer and greater than zero")
        if once is not None:
            once_values = [once] if isinstance(once, numbers.Integral) else list(once)
            if not once_values or any(not isinstance(o, numbers.Integral) or o < 1 for o in once_values):
                raise ValueError("Argument once should either be a positive integer or a list of positive integers")
        for value, name in ((before, "before"), (after, "after")):
            if value is not None and (not isinstance(value, numbers.Integral) or value < 0):
                raise ValueError(f"Argument {name} should be integer and greater or equal to zero")
        if event_filter is None:
            if every is not None:
                event_filter = self.every_event_filter(every, before, after)
            elif once is not None:
                event_filter = self.once_event_filter(once)
            else:
                event_filter = self.before_and_after_event_filter(before, after)
        filtered = CallableEventWithFilter(self.value, event_filter, self.name)
        filtered.__dict__["_base"] = self.base
        return filtered

    @staticmethod
    def every_event_filter(every: int, before=None, after=None):
        """True on counts divisible by every (within the before/after window)."""
        before = float("inf") if before is None else before
        after = 0 if after is None else after

        def wrapper(engine, event: int) -> bool:
            return after < event < before and (event - after) % every == 0
        return wrapper

    @staticmethod
    def once_event_filter(once):
        """True only at the given count(s)."""
        counts = {once} if isinstance(once, numbers.Integral) else set(once)

        def wrapper(engine, event: int) -> bool:
            return event in counts
        return wrapper

    @staticmethod
    def before_and_after_event_filter(before=None, after=None):
        """True on counts strictly between after and before."""
        before = float("inf") if before is None else before
        after = 0 if after is None else after

        def wrapper(engine, event: int) -> bool:
            return after < event < before
        return wrapper

    @staticmethod
    def default_event_filter(engine, event: int) -> bool:
        """Always True."""
        return True

    @property
    def value(self) -> str:
        return self._value_

    @property
    def name(self) -> str:
        return getattr(self, "_name_", str(self._value_).upper())

    def __repr__(self) -> str:
        out = f"Events.{self.name}"
        if self.filter is not None:
            out += f"(filter={self.filter})"
        return out

    def __eq__(self, other) -> bool:
        if isinstance(other, CallableEventWithFilter):
            return self.name == other.name and self.filter is other.filter
        if isinstance(other, str):
            return self.value == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._name_) if hasattr(self, "_name_") else hash(self._value_)

    def __or__(self, other) -> "EventsList":
        return EventsList() | self | other


class EventEnum(CallableEventWithFilter, Enum):
    """Base class of event enums (subclass it for custom events and register them with the engine)."""

    def __new__(cls, value: str):
        obj = object.__new__(cls)
        obj._value_ = value
        return obj

    def __init__(self, value: str):
        CallableEventWithFilter.__init__(self, value)

    def __hash__(self) -> int:
        return hash(self._name_)

    def __eq__(self, other) -> bool:
        return CallableEventWithFilter.__eq__(self, other)


class Events(EventEnum):
    """The events every Engine fires."""

    EPOCH_STARTED = "epoch_started"
    EPOCH_COMPLETED = "epoch_completed"
    STARTED = "started"
    COMPLETED = "completed"
    ITERATION_STARTED = "iteration_started"
    ITERATION_COMPLETED = "iteration_completed"
    EXCEPTION_RAISED = "exception_raised"
    GET_BATCH_STARTED = "get_batch_started"
    GET_BATCH_COMPLETED = "get_batch_completed"
    DATALOADER_STOP_ITERATION = "dataloader_stop_iteration"
    TERMINATE = "terminate"
    TERMINATE_SINGLE_EPOCH = "terminate_single_epoch"
    INTERRUPT = "interrupt"

    def __or__(self, other) -> "EventsList":
        return EventsList() | self | other


class EventsList:
    """Several events to attach one handler to: ``Events.STARTED | Events.COMPLETED``."""

    def __init__(self) -> None:
        self._events: list = []

    def _append(self, event) -> None:
        if not isinstance(event, CallableEventWithFilter):
            raise TypeError(f"Argument event should be Events or CallableEventWithFilter, got: {type(event)}")
        self._events.append(event)

    def __getitem__(self, item: int):
        return self._events[item]

    def __iter__(self):
        return iter(self._events)

    def __len__(self) -> int:
        return len(self._events)

    def __or__(self, other) -> "EventsList":
        if isinstance(other, EventsList):
            for e in other:
                self._append(e)
        else:
            self._append(other)
        return self


class State:
    """The engine's run state: counters, limits, the last output and batch, metrics and timings."""

    event_to_attr = {
        Events.GET_BATCH_STARTED: "iteration",
        Events.GET_BATCH_COMPLETED: "iteration",
        Events.ITERATION_STARTED: "iteration",
        Events.ITERATION_COMPLETED: "iteration",
        Events.EPOCH_STARTED: "epoch",
        Events.EPOCH_COMPLETED: "epoch",
        Events.STARTED: "epoch",
        Events.COMPLETED: "epoch",
    }

    def __init__(self, **kwargs) -> None:
        self.iteration = 0
        self.epoch = 0
        self.epoch_length = None
        self.max_epochs = None
        self.max_iters = None
        self.output = None
        self.batch = None
        self.metrics: dict = {}
        self.dataloader = None
        self.seed = None
        self.times = {Events.EPOCH_COMPLETED.name: None, Events.COMPLETED.name: None}
        for key, value in kwargs.items():
            setattr(self, key, value)
        self.event_to_attr = dict(type(self).event_to_attr)

    def get_event_attrib_value(self, event_name) -> int:
        """The counter an event's filters look at (iteration or epoch)."""
        base = event_name.base if isinstance(event_name, CallableEventWithFilter) else event_name
        if base not in self.event_to_attr:
            raise RuntimeError(f"Unknown event name '{event_name}'")
        return getattr(self, self.event_to_attr[base])

    def __repr__(self) -> str:
        lines = ["State:"]
        for attr, value in self.__dict__.items():
            if attr == "event_to_attr":
                continue
            if not isinstance(value, (numbers.Number, str, dict, type(None))):
                value = type(value)
            lines.append(f"\t{attr}: {value}")
        return "\n".join(lines)


class RemovableEventHandle:
    """Returned by add_event_handler: ``handle.remove()`` (or a with-block) detaches the handler."""

    def __init__(self, event_name, handler, engine) -> None:
        self.event_name = event_name
        self.handler = handler
        self.engine = engine

    def remove(self) -> None:
        """Detach the handler (no error when already detached)."""
        if self.engine.has_event_handler(self.handler, self.event_name):
            self.engine.remove_event_handler(self.handler, self.event_name)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.remove()
