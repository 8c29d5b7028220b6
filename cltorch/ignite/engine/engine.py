"""Engine: runs a process function over data for some epochs, firing events to handlers (as ignite)."""
from __future__ import annotations

import functools
import inspect
import logging
import time
from collections import defaultdict
from collections.abc import Iterable

from .events import CallableEventWithFilter, EventEnum, Events, EventsList, RemovableEventHandle, State

__all__ = ["Engine"]


class _Terminate(Exception):
    """Raised inside the run loop when terminate() was called."""


class _TerminateEpoch(Exception):
    """Raised inside the run loop when terminate_epoch() was called."""


def _accepts(fn, n_args: int, kwargs: dict) -> bool:
    try:
        inspect.signature(fn).bind(*([None] * n_args), **kwargs)
        return True
    except TypeError:
        return False
    except ValueError:  # builtins without a signature
        return True


class Engine:
    """Runs ``process_function(engine, batch)`` over data; handlers react to Events."""

    _state_dict_all_req_keys = ("epoch_length", "max_epochs")
    _state_dict_one_of_opt_keys = ("iteration", "epoch")

    def __init__(self, process_function):
        if not callable(process_function):
            raise TypeError("Argument process_function should be a function or callable")
        self._process_function = process_function
        self._event_handlers: dict = defaultdict(list)
        self.logger = logging.getLogger(f"{__name__}.{type(self).__name__}")
        self.last_event_name = None
        self.should_terminate = False
        self.should_terminate_single_epoch = False
        self._dataloader_iter = None
        self._none_data = False
        self._init_iter = None
        self.state = State()
        self._allowed_events: list = list(Events)
        self._allowed_events_counts: dict = {}

    # -- events ------------------------------------------------------------------------
    def register_events(self, *event_names, event_to_attr=None) -> None:
        """Allow custom events (EventEnum members or strings) to be fired and handled."""
        if event_to_attr is not None and not isinstance(event_to_attr, dict):
            raise ValueError(f"Expected event_to_attr to be dictionary. Got {type(event_to_attr)}.")
        for index, name in enumerate(event_names):
            if not isinstance(name, (str, EventEnum)):
                raise TypeError(f"Value at {index} of event_names should be a str or EventEnum, but given {name}")
            self._allowed_events.append(name)
            if event_to_attr and name in event_to_attr:
                self.state.event_to_attr[name] = event_to_attr[name]
                if not hasattr(self.state, event_to_attr[name]):
                    setattr(self.state, event_to_attr[name], 0)

    def _base_event(self, event_name):
        base = event_name.base if isinstance(event_name, CallableEventWithFilter) else event_name
        if base not in self._allowed_events:
            raise ValueError(f"Logging event {event_name} is not in allowed events for this engine")
        return base

    def add_event_handler(self, event_name, handler, *args, **kwargs) -> RemovableEventHandle:
        """Call handler(engine, *args, **kwargs) when event_name fires (a filtered event only when it passes)."""
        if isinstance(event_name, EventsList):
            for event in event_name:
                self.add_event_handler(event, handler, *args, **kwargs)
            return RemovableEventHandle(event_name, handler, self)
        base = self._base_event(event_name)
        event_filter = event_name.filter if isinstance(event_name, CallableEventWithFilter) else None
        if event_filter is not None and base not in self.state.event_to_attr:
            raise ValueError(f"Filtered event {base} has no counter to filter on; filters work on epoch and "
                             "iteration events")
        extra = 1 if base == Events.EXCEPTION_RAISED else 0
        if _accepts(handler, 1 + extra + len(args), kwargs):
            call = handler
        elif _accepts(handler, extra + len(args), kwargs):
            call = functools.wraps(handler)(lambda engine, *a, **k: handler(*a, **k))
        else:
            params = getattr(inspect.signature(handler), "parameters", {})
            raise ValueError(f"Error adding {handler} '{getattr(handler, '__name__', handler)}': takes parameters "
                             f"{list(params)} but will be called with [engine{', exception' if extra else ''}"
                             f"{''.join(', arg' for _ in args)}] and kwargs {sorted(kwargs)}.")
        if event_filter is not None:
            inner = call

            def call(engine, *a, _inner=inner, _filter=event_filter, _base=base, **k):
                if _filter(engine, engine.state.get_event_attrib_value(_base)):
                    _inner(engine, *a, **k)
        self._event_handlers[base].append((call, args, kwargs, handler, event_name))
        return RemovableEventHandle(event_name, handler, self)

    def on(self, event_name, *args, **kwargs):
        """Decorator form of add_event_handler."""
        def decorator(f):
            self.add_event_handler(event_name, f, *args, **kwargs)
            return f
        return decorator

    def has_event_handler(self, handler, event_name=None) -> bool:
        """Whether handler is attached (to event_name, or to any event)."""
        if event_name is not None:
            base = event_name.base if isinstance(event_name, CallableEventWithFilter) else event_name
            return any(h is handler or h == handler for _, _, _, h, _ in self._event_handlers.get(base, []))
        return any(h is handler or h == handler for entries in self._event_handlers.values()
                   for _, _, _, h, _ in entries)

    def remove_event_handler(self, handler, event_name) -> None:
        """Detach handler from event_name (ValueError when it is not attached)."""
        base = event_name.base if isinstance(event_name, CallableEventWithFilter) else event_name
        entries = self._event_handlers.get(base, [])
        kept = [e for e in entries if not (e[3] is handler or e[3] == handler)]
        if len(kept) == len(entries):
            raise ValueError(f"Input handler '{handler}' is not found among registered event handlers")
        self._event_handlers[base] = kept

    def _fire_event(self, event_name, *event_args, **event_kwargs) -> None:
        self.last_event_name = event_name
        for call, args, kwargs, _, _ in list(self._event_handlers.get(event_name, [])):
            merged = dict(kwargs)
            merged.update(event_kwargs)
            call(self, *(event_args + args), **merged)

    def fire_event(self, event_name) -> None:
        """Fire a (custom) event now."""
        self._fire_event(self._base_event(event_name))

    # -- control -----------------------------------------------------------------------
    def terminate(self) -> None:
        """Stop the run after the current event (fires TERMINATE, then COMPLETED)."""
        self.logger.info("Terminate signaled. Engine will stop after current iteration is finished.")
        self.should_terminate = True

    def terminate_epoch(self) -> None:
        """Stop the current epoch after the current iteration (fires TERMINATE_SINGLE_EPOCH, EPOCH_COMPLETED)."""
        self.logger.info("Terminate current epoch is signaled. Current epoch iteration will stop after current "
                         "iteration is finished.")
        self.should_terminate_single_epoch = True

    def _check_terminate(self) -> None:
        if self.should_terminate:
            raise _Terminate()
        if self.should_terminate_single_epoch:
            raise _TerminateEpoch()

    def _handle_exception(self, e: BaseException) -> None:
        if self._event_handlers.get(Events.EXCEPTION_RAISED):
            self._fire_event(Events.EXCEPTION_RAISED, e)
        else:
            raise e

    # -- state -------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """{'iteration', 'epoch_length', 'max_epochs'} to resume a run later."""
        return {"iteration": self.state.iteration, "epoch_length": self.state.epoch_length,
                "max_epochs": self.state.max_epochs}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore counters saved by state_dict (iteration or epoch)."""
        missing = [k for k in self._state_dict_all_req_keys if k not in state_dict]
        if missing:
            raise ValueError(f"Required state attribute '{missing}' is absent in provided state_dict "
                             f"'{list(state_dict)}'")
        if not any(k in state_dict for k in self._state_dict_one_of_opt_keys):
            raise ValueError(f"state_dict should contain only one of '{self._state_dict_one_of_opt_keys}' keys")
        self.state.epoch_length = state_dict["epoch_length"]
        self.state.max_epochs = state_dict["max_epochs"]
        if "iteration" in state_dict:
            self.state.iteration = state_dict["iteration"]
            self.state.epoch = 0
            if self.state.epoch_length is not None:
                self.state.epoch = self.state.iteration // self.state.epoch_length
        else:
            self.state.epoch = state_dict["epoch"]
            if self.state.epoch_length is None:
                raise ValueError("If epoch is provided in the state dict, epoch_length should not be None.")
            self.state.iteration = self.state.epoch_length * self.state.epoch
        self._init_iter = None

    def set_data(self, data) -> None:
        """Replace the data the run iterates (takes effect at once)."""
        self.state.dataloader = data
        self._dataloader_iter = iter(data)

    # -- running -----------------------------------------------------------------------
    @staticmethod
    def _data_length(data):
        try:
            return len(data)
        except TypeError:
            return None

    def _is_done(self, state: State) -> bool:
        if state.max_iters is not None and state.iteration >= state.max_iters:
            return True
        if state.max_epochs is None:
            return False
        if state.epoch_length is not None and state.iteration >= state.epoch_length * state.max_epochs:
            return True
        return state.epoch >= state.max_epochs

    def run(self, data=None, max_epochs=None, epoch_length=None, max_iters=None) -> State:
        """Run over data until max_epochs (default 1) or max_iters; continue a stopped run when not done."""
        if data is not None and not isinstance(data, Iterable):
            raise TypeError("Argument data should be iterable")
        if max_epochs is not None and max_iters is not None:
            raise ValueError("Arguments max_iters and max_epochs are mutually exclusive. Please provide only "
                             "max_epochs or max_iters.")
        state = self.state
        fresh = (state.max_epochs is None and state.max_iters is None) or self._is_done(state)
        if fresh:
            if epoch_length is None:
                if data is None:
                    raise ValueError("epoch_length should be provided if data is None")
                epoch_length = self._data_length(data)
            if epoch_length is not None and epoch_length < 1:
                raise ValueError("Input data has zero size. Please provide non-empty data")
            if max_iters is None and max_epochs is None:
                max_epochs = 1
            if max_iters is not None and epoch_length is not None:
                max_epochs = -(-max_iters // epoch_length)
            state.iteration = 0
            state.epoch = 0
            state.max_epochs = max_epochs
            state.max_iters = max_iters
            state.epoch_length = epoch_length
            self.logger.info(f"Engine run starting with max_epochs={max_epochs}.")
        else:
            if max_epochs is not None:
                if max_epochs < state.epoch:
                    raise ValueError("Argument max_epochs should be greater than or equal to the start epoch defined "
                                     f"in the state: {max_epochs} vs {state.epoch}. Please, set "
                                     "engine.state.max_epochs = None before calling engine.run() in order to restart "
                                     "the training from the beginning.")
                state.max_epochs = max_epochs
            if max_iters is not None:
                state.max_iters = max_iters
            if epoch_length is not None and epoch_length != state.epoch_length:
                raise ValueError("Argument epoch_length should be same as in the state, "
                                 f"but given {epoch_length} vs {state.epoch_length}")
        state.dataloader = data
        return self._internal_run()

    def _setup_iter(self) -> None:
        if self.state.dataloader is None:
            self._dataloader_iter = iter(range(self.state.epoch_length))
            self._none_data = True
        else:
            self._dataloader_iter = iter(self.state.dataloader)
            self._none_data = False

    def _internal_run(self) -> State:
        self.should_terminate = self.should_terminate_single_epoch = False
        self.state.times = {Events.EPOCH_COMPLETED.name: 0.0, Events.COMPLETED.name: 0.0}
        start = time.time()
        try:
            try:
                self._fire_event(Events.STARTED)
                self._check_terminate()
                while not self._is_done(self.state) and not self.should_terminate:
                    self.state.epoch += 1
                    epoch_start = time.time()
                    self._fire_event(Events.EPOCH_STARTED)
                    self._check_terminate()
                    if self._dataloader_iter is None:
                        self._setup_iter()
                        if self._init_iter is None:
                            self._init_iter = self.state.iteration % self.state.epoch_length \
                                if self.state.epoch_length else 0
                    self._run_once_on_dataset()
                    self.state.times[Events.EPOCH_COMPLETED.name] = time.time() - epoch_start
                    self._fire_event(Events.EPOCH_COMPLETED)
                    self.should_terminate_single_epoch = False
                    self._check_terminate()
                    self.logger.info(f"Epoch[{self.state.epoch}] Complete. Time taken: "
                                     f"{self.state.times[Events.EPOCH_COMPLETED.name]:.3f}s")
            except _Terminate:
                self._fire_event(Events.TERMINATE)
            except _TerminateEpoch:
                raise RuntimeError("The method terminate_epoch() should not be called on Event.STARTED or "
                                   "Event.EPOCH_STARTED.")
            self.state.times[Events.COMPLETED.name] = time.time() - start
            self._fire_event(Events.COMPLETED)
        except BaseException as e:
            self._dataloader_iter = None
            self.logger.error(f"Engine run is terminating due to exception: {e}")
            self._handle_exception(e)
        self._dataloader_iter = None
        return self.state

    def _run_once_on_dataset(self) -> None:
        counter = self._init_iter or 0
        self._init_iter = None
        restarted = False
        try:
            while True:
                self.state.batch = None
                try:
                    if not self._none_data and self.last_event_name != Events.DATALOADER_STOP_ITERATION:
                        self._fire_event(Events.GET_BATCH_STARTED)
                        self._check_terminate()
                    self.state.batch = next(self._dataloader_iter)
                    self.state.output = None
                    if not self._none_data:
                        self._fire_event(Events.GET_BATCH_COMPLETED)
                        self._check_terminate()
                    counter += 1
                    restarted = False
                except StopIteration:
                    if self.state.epoch_length is None:
                        self.state.epoch_length = counter
                        if self.state.max_iters is not None:
                            self.state.max_epochs = -(-self.state.max_iters // counter)
                        self._dataloader_iter = None
                        break
                    if restarted:
                        break
                    if not self._none_data:
                        self._fire_event(Events.DATALOADER_STOP_ITERATION)
                        self._check_terminate()
                    self._setup_iter()
                    restarted = True
                    continue
                if self._none_data:
                    self.state.batch = None
                self.state.iteration += 1
                self._fire_event(Events.ITERATION_STARTED)
                self._check_terminate()
                self.state.output = self._process_function(self, self.state.batch)
                self._fire_event(Events.ITERATION_COMPLETED)
                self._check_terminate()
                if self.state.epoch_length is not None and counter == self.state.epoch_length:
                    break
                if self.state.max_iters is not None and self.state.iteration >= self.state.max_iters:
                    self.should_terminate = True
                    raise _Terminate()
        except _TerminateEpoch:
            self._fire_event(Events.TERMINATE_SINGLE_EPOCH)
            self._setup_iter()
        except _Terminate:
            raise
        except Exception as e:
            self.logger.error(f"Current run is terminating due to exception: {e}")
            self._handle_exception(e)
