"""The layer classes of ``cltorch.nn``, one file per family as in ``torch.nn.modules``."""
from .module import Module
from .container import Sequential, ModuleList, ModuleDict
from .linear import Identity, Linear
from .activation import ReLU, Sigmoid, Tanh, Softmax, LogSoftmax

__all__ = ["Module", "Sequential", "ModuleList", "ModuleDict", "Identity", "Linear", "ReLU", "Sigmoid", "Tanh",
           "Softmax", "LogSoftmax"]
