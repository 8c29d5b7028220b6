"""``cltorch.optim``: optimizers whose parameter updates run as one fused kernel per parameter."""
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW"]
