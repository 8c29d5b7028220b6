"""``cltorch.ignite``: a PyTorch Ignite-style Engine with events, metrics and handlers, running on cltorch.

``from cltorch.ignite.engine import Engine, Events, create_supervised_trainer``
and ``from cltorch.ignite.metrics import Accuracy, Loss`` work as their ignite
counterparts; the metrics accumulate on the device with cltorch tensor ops.
"""
from .. import __version__
from . import contrib, engine, exceptions, handlers, metrics, utils

__all__ = ["engine", "metrics", "handlers", "contrib", "exceptions", "utils", "__version__"]
