"""Engine, Events, State and the supervised trainer/evaluator factories (``ignite.engine``)."""
from ._supervised import _prepare_batch  # noqa: F401  (ignite code imports it from here)
from ._supervised import (create_supervised_evaluator, create_supervised_trainer, supervised_evaluation_step,
                          supervised_training_step)
from .engine import Engine
from .events import CallableEventWithFilter, EventEnum, Events, EventsList, RemovableEventHandle, State

__all__ = ["Engine", "Events", "EventEnum", "EventsList", "State", "CallableEventWithFilter", "RemovableEventHandle",
           "create_supervised_trainer", "create_supervised_evaluator", "supervised_training_step",
           "supervised_evaluation_step"]
